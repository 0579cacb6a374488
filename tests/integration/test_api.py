"""The HTTP contract of POST /data, spoken like a client: to the local API or a deployed stage."""

from __future__ import annotations

import json
import time
import uuid
from datetime import datetime
from decimal import Decimal
from typing import Any

import boto3
import pytest
from boto3.dynamodb.types import TypeDeserializer

from client.http import Reply, request
from local.target import Target, new_marker

CORS_HEADERS = ("access-control-allow-origin", "access-control-allow-methods", "access-control-allow-headers")
LEAKS = ("Traceback", "botocore", "boto3", "amazonaws.com", "Exception", "data-api-", 'File "', "handler.py")


def from_dynamodb(attribute: dict[str, Any]) -> Any:
    return TypeDeserializer().deserialize(attribute)


def assert_cors(reply: Reply) -> None:
    for name in CORS_HEADERS:
        assert reply.headers.get(name), f"{name} missing on a {reply.status}"


def assert_error(reply: Reply, status: int, fragment: str) -> None:
    assert reply.status == status, reply.body
    assert reply.headers["content-type"].startswith("application/json")
    body = reply.json()
    assert fragment in body["message"]
    for leak in LEAKS:
        assert leak not in reply.body.decode(), leak
    assert_cors(reply)


# --- endpoint -----------------------------------------------------------------------------


def test_post_answers_200_with_id_and_timestamp(target: Target) -> None:
    reply = target.post(json.dumps({"hello": "world"}))
    assert reply.status == 200
    body = reply.json()
    assert set(body) == {"id", "timestamp", "message"}
    assert uuid.UUID(body["id"]).version == 4
    assert datetime.fromisoformat(body["timestamp"]).utcoffset().total_seconds() == 0  # type: ignore[union-attr]


@pytest.mark.parametrize(
    ("method", "path"),
    [("GET", "/data"), ("PUT", "/data"), ("DELETE", "/data"), ("POST", "/other"), ("POST", "/")],
)
def test_other_methods_and_paths_get_api_gateways_403(target: Target, method: str, path: str) -> None:
    reply = request(target.base_url + path, method, b"{}", {"Content-Type": "application/json"})
    assert reply.status == 403
    assert reply.json() == {"message": "Missing Authentication Token"}
    assert_cors(reply)


# --- data integrity -----------------------------------------------------------------------


def test_what_is_sent_is_what_is_stored(target: Target) -> None:
    payload = {
        "marker": new_marker(),
        "text": "日本語 ✓",
        "list": [1, "two", None, True],
        "nested": {"deep": {"er": []}},
    }
    reply = target.post(json.dumps(payload))
    item = target.item(reply.json()["id"])
    assert item is not None
    assert from_dynamodb(item["data"]) == json.loads(json.dumps(payload), parse_int=Decimal)
    assert item["timestamp"] == {"S": reply.json()["timestamp"]}
    assert item["user_agent"]["S"]


def test_numbers_are_stored_exactly(target: Target) -> None:
    text = (
        '{"a": 0.1, "b": 1e3, "c": 12345678901234567890123456789012345678,'
        ' "d": -1.5E-100, "e": 3.1415926535897932384626433832795028}'
    )
    reply = target.post(text)
    item = target.item(reply.json()["id"])
    assert item is not None
    assert from_dynamodb(item["data"]) == json.loads(text, parse_float=Decimal, parse_int=Decimal)


def test_text_that_is_not_json_is_kept_raw(target: Target) -> None:
    reply = target.post("temperature=21.5&unit=C", content_type="text/plain")
    item = target.item(reply.json()["id"])
    assert item is not None
    assert item["data"] == {"S": "temperature=21.5&unit=C"}


@pytest.mark.parametrize("content_type", ["application/octet-stream", "image/png"])
def test_binary_bodies_are_stored_byte_for_byte(target: Target, content_type: str) -> None:
    raw = bytes(range(256)) + b"\xff\xfe\x00" + uuid.uuid4().bytes
    reply = target.post(raw, content_type=content_type)
    assert reply.status == 200, reply.body
    item = target.item(reply.json()["id"])
    assert item is not None
    assert item["data"] == {"B": raw}
    assert item["content_type"] == {"S": content_type}


# --- error handling -----------------------------------------------------------------------


def error_cases(marker: str) -> list[tuple[bytes | str | None, str | None, int, str]]:
    return [
        (None, "application/json", 400, "request body is missing"),
        ("   ", "application/json", 400, "request body is empty"),
        ("[" * 40 + "]" * 40, "application/json", 400, "nested deeper than 32 levels"),
        (
            json.dumps({"marker": marker, "n": "x"})[:-1] + ', "bad": NaN}',
            "application/json",
            400,
            "not a number",
        ),
        (json.dumps({"marker": marker, "big": "x" * 450_000}), "application/json", 413, "too large"),
        (f"marker={marker}", "application/json", 400, "body is not valid JSON"),
        (json.dumps({"marker": marker, "": 1}), "application/json", 400, "empty key"),
    ]


def test_errors_answer_json_and_store_nothing(target: Target) -> None:
    marker = new_marker()
    for body, content_type, status, fragment in error_cases(marker):
        reply = target.post(body, content_type=content_type)
        assert_error(reply, status, fragment)
        assert reply.json()["request_id"]
    assert target.items_marked(marker) == []


def test_payload_over_api_gateways_10_mb_is_refused_by_the_gateway(target: Target) -> None:
    reply = target.post(b"x" * (10 * 1024 * 1024 + 1), content_type="text/plain")
    assert reply.status == 413
    assert reply.body == b"HTTP content length exceeded 10485760 bytes."


def test_payload_over_lambdas_6_mb_is_refused_before_the_function_runs(target: Target) -> None:
    """Between Lambda's 6 MB invocation limit and API Gateway's 10 MB, API Gateway answers
    itself, in its own words and without a request id: the function never sees the request."""
    marker = new_marker()
    body = json.dumps({"marker": marker, "big": "x" * (6 * 1024 * 1024)})
    reply = target.post(body, content_type="application/json")
    assert reply.status == 413
    assert reply.json() == {"message": "Request Too Long"}
    assert target.items_marked(marker) == []


# --- concurrency and throttling -----------------------------------------------------------


def assert_accounted(target: Target, replies: list[Reply], marker: str) -> list[Reply]:
    """Every 200 stored exactly its own item; nothing else stored anything. Returns the 200s."""
    ok = [r for r in replies if r.status == 200]
    assert {r.status for r in replies} <= {200, 429}, {r.status for r in replies}
    ids = [r.json()["id"] for r in ok]
    assert len(set(ids)) == len(ids)
    stored = target.items_marked(marker)
    assert sorted(i["id"]["S"] for i in stored) == sorted(ids)
    for reply in replies:
        if reply.status == 429:
            assert reply.json() == {"message": "Too Many Requests"}
            assert_cors(reply)
    return ok


def test_200_requests_from_20_threads_each_store_one_item(target: Target) -> None:
    time.sleep(0.6)  # a full bucket (50 tokens at 100/s), so this measures concurrency, not leftovers
    marker = new_marker()
    replies = target.burst([json.dumps({"marker": marker, "n": n}) for n in range(200)], threads=20)
    ok = assert_accounted(target, replies, marker)
    assert len(ok) >= 50  # at least the burst is always admitted


def test_twenty_concurrent_requests_with_one_key_store_one_item(
    target: Target, request: pytest.FixtureRequest
) -> None:
    """One Idempotency-Key from 20 threads at the same instant: exactly one item; every 200 carries
    its id; the others are replays or 409s, never a 500 and never a second item."""
    marker = new_marker()
    body = json.dumps({"marker": marker})
    key = {"Idempotency-Key": f'"{marker}"'}
    if target.deployed:
        time.sleep(1)  # let the stage's token bucket refill after earlier bursts (50 at 100/s: 0.5 s)
        replies = target.burst([body] * 20, threads=20, extra_headers=key)
    else:
        # The local stage's buckets held full: the 20 fit in them without waiting for a refill.
        target = request.getfixturevalue("held_stage")
        assert target.held_throttle is not None
        with target.held_throttle():
            replies = target.burst([body] * 20, threads=20, extra_headers=key)
    # 429: throttled at the gateway, stored nothing; never a 500.
    assert {r.status for r in replies} <= {200, 409, 429}, [r.status for r in replies]
    ok = [r for r in replies if r.status == 200]
    assert ok
    assert len({r.json()["id"] for r in ok}) == 1
    assert sum(r.headers.get("idempotent-replayed") != "true" for r in ok) <= 1
    (item,) = target.items_marked(marker)
    assert item["id"]["S"] == ok[0].json()["id"]
    again = target.post(body, extra_headers={"Idempotency-Key": marker})
    assert (again.status, again.json()["id"], again.headers["idempotent-replayed"]) == (
        200,
        item["id"]["S"],
        "true",
    )
    assert_cors(again)
    assert "Idempotent-Replayed" in again.headers["access-control-expose-headers"]


def test_a_burst_above_50_is_throttled_and_nothing_throttled_is_stored(
    target: Target, request: pytest.FixtureRequest
) -> None:
    marker = new_marker()
    bodies = [json.dumps({"marker": marker, "n": n}) for n in range(150)]
    if target.deployed:
        # A deployed stage refills its bucket on AWS's clock: this relies on the burst arriving
        # within a second, so it runs against stages only, never in make test.
        time.sleep(0.6)
        replies = target.burst(bodies, threads=75)
        ok = assert_accounted(target, replies, marker)
        assert any(r.status == 429 for r in replies), "a burst of 150 at once was never throttled"
        assert len(ok) >= 50
        return
    # The local stage's bucket is held full and still for the burst: exactly its 50 tokens are
    # spent, however slowly a busy machine sends the 150 (the bucket's refill has its own test).
    target = request.getfixturevalue("held_stage")
    assert target.held_throttle is not None
    with target.held_throttle():
        replies = target.burst(bodies, threads=75)
    ok = assert_accounted(target, replies, marker)
    assert len(ok) == 50
    assert sum(r.status == 429 for r in replies) == 100


# --- security -----------------------------------------------------------------------------


def test_cors_headers_on_success_error_and_preflight(target: Target) -> None:
    assert_cors(target.post("{}"))
    assert_cors(target.post(None))
    preflight = request(
        target.data_url,
        "OPTIONS",
        None,
        {"Origin": "https://example.com", "Access-Control-Request-Method": "POST"},
    )
    assert preflight.status == 200
    assert_cors(preflight)
    assert "POST" in preflight.headers["access-control-allow-methods"]
    assert "content-type" in preflight.headers["access-control-allow-headers"].lower()


def test_no_version_banners_in_response_headers(target: Target) -> None:
    for reply in (target.post("{}"), target.post(None), request(target.base_url + "/nope", "GET")):
        server = reply.headers.get("server", "")
        assert not any(banner in server for banner in ("Python", "BaseHTTP", "Werkzeug", "/")), server
        assert "x-powered-by" not in reply.headers


# --- deployed only ------------------------------------------------------------------------


@pytest.mark.deployed
def test_each_request_leaves_one_log_line_in_cloudwatch(target: Target) -> None:
    reply = target.post(json.dumps({"marker": new_marker()}))
    item_id = reply.json()["id"]
    logs = boto3.client("logs")
    group = target.outputs.get("function_log_group_name")
    if not group:
        pytest.skip("the log group is read from DATA_API_OUTPUTS, which is not set")
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        events = logs.filter_log_events(logGroupName=group, filterPattern=f'"{item_id}"')["events"]
        if events:
            assert len(events) == 1
            assert "marker" not in events[0]["message"]  # never the payload
            return
        time.sleep(5)
    pytest.fail(f"no log line for item {item_id} within 2 minutes")
