"""The local API's own code: the throttle and the event/response translation (no server)."""

from __future__ import annotations

import base64
import json

import pytest

from local.api import TokenBucket, from_response, is_binary, to_event

CORS = {"Access-Control-Allow-Origin": "*"}


class FakeClock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_bucket_admits_the_burst_then_the_rate() -> None:
    clock = FakeClock()
    bucket = TokenBucket(rate=100, burst=50, clock=clock)
    assert sum(bucket.take() for _ in range(80)) == 50
    clock.now += 0.1  # 10 tokens
    assert sum(bucket.take() for _ in range(80)) == 10
    clock.now += 10  # refills only up to the burst
    assert sum(bucket.take() for _ in range(80)) == 50


def test_event_is_a_rest_proxy_event() -> None:
    headers = [("Content-Type", "application/json"), ("X-Tag", "a"), ("X-Tag", "b"), ("User-Agent", "curl/8")]
    event = to_event("POST", "/data?x=1&x=2&y=", headers, b'{"a":1}', "127.0.0.1", "dev")
    assert (event["httpMethod"], event["path"], event["resource"]) == ("POST", "/data", "/data")
    assert event["headers"]["X-Tag"] == "b"
    assert event["multiValueHeaders"]["X-Tag"] == ["a", "b"]
    assert event["queryStringParameters"] == {"x": "2", "y": ""}
    assert event["multiValueQueryStringParameters"] == {"x": ["1", "2"], "y": [""]}
    assert (event["body"], event["isBase64Encoded"]) == ('{"a":1}', False)
    context = event["requestContext"]
    assert context["stage"] == "dev"
    assert context["identity"] == {"sourceIp": "127.0.0.1", "userAgent": "curl/8"}
    assert (
        context["requestId"]
        != to_event("POST", "/data", [], b"", "::1", "dev")["requestContext"]["requestId"]
    )


def test_binary_content_types_arrive_base64_encoded() -> None:
    event = to_event("POST", "/data", [("Content-Type", "image/png")], b"\x89PNG\xff", "127.0.0.1", "dev")
    assert event["isBase64Encoded"] is True
    assert base64.b64decode(event["body"]) == b"\x89PNG\xff"


@pytest.mark.parametrize(
    ("content_type", "binary"),
    [
        ("application/octet-stream", True),
        ("image/png; q=1", True),
        ("application/json", False),
        (None, False),
    ],
)
def test_binary_media_types(content_type: str | None, binary: bool) -> None:
    assert is_binary(content_type) is binary


def test_empty_body_is_null_as_api_gateway_sends_it() -> None:
    event = to_event("POST", "/data", [], b"", "127.0.0.1", "dev")
    assert event["body"] is None
    assert event["headers"] is None


def test_response_translation_keeps_status_headers_and_body() -> None:
    answer = from_response(
        {"statusCode": 201, "headers": {"A": "1"}, "multiValueHeaders": {"B": ["2", "3"]}, "body": "ok"}, CORS
    )
    assert answer.status == 201
    assert answer.headers == [("A", "1"), ("B", "2"), ("B", "3")]
    assert answer.body == b"ok"
    encoded = from_response(
        {"statusCode": 200, "body": base64.b64encode(b"\x00").decode(), "isBase64Encoded": True}, CORS
    )
    assert encoded.body == b"\x00"


@pytest.mark.parametrize("response", [None, {}, {"statusCode": "abc"}, {"statusCode": 999}, "text"])
def test_malformed_function_response_is_api_gateways_502(response: object) -> None:
    answer = from_response(response, CORS)
    assert answer.status == 502
    assert json.loads(answer.body) == {"message": "Internal server error"}
    assert ("Access-Control-Allow-Origin", "*") in answer.headers


def test_a_held_bucket_starts_full_and_adds_nothing_back_until_released() -> None:
    clock = FakeClock()
    bucket = TokenBucket(rate=100, burst=50, clock=clock)
    assert sum(bucket.take() for _ in range(45)) == 45  # 5 left
    with bucket.held():
        clock.now += 60  # a very slow burst: a minute passes while it is sent
        assert sum(bucket.take() for _ in range(150)) == 50
    clock.now += 0.1  # released: the real clock refills again (10 tokens)
    assert sum(bucket.take() for _ in range(80)) == 10
