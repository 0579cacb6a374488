"""The handler against DynamoDB emulated by moto: what is stored, what is answered, what is logged."""

from __future__ import annotations

import base64
import json
import logging
import uuid
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import ingest
import pytest

from local.emulator import start_moto_server
from tests.function.conftest import TABLE, Deployed, create_table, load_handler, make_event

CORS = {"Access-Control-Allow-Origin": "*", "Access-Control-Allow-Methods": "OPTIONS,POST"}


def body_of(response: dict[str, Any]) -> dict[str, Any]:
    return dict(json.loads(response["body"]))


def assert_well_formed(response: dict[str, Any]) -> None:
    assert set(response) == {"statusCode", "headers", "body", "isBase64Encoded"}
    assert isinstance(response["statusCode"], int)
    assert response["headers"]["Content-Type"] == "application/json"
    for name, value in CORS.items():
        assert response["headers"][name] == value
    json.loads(response["body"])


def test_post_stores_the_payload_and_answers_200(deployed: Deployed) -> None:
    response = deployed.invoke(make_event('{"sensor": "a1", "reading": 21.5, "tags": ["x", null]}'))
    assert_well_formed(response)
    assert response["statusCode"] == 200
    body = body_of(response)
    assert set(body) == {"id", "timestamp", "message"}
    assert uuid.UUID(body["id"]).version == 4
    stamp = datetime.fromisoformat(body["timestamp"])
    assert stamp.tzinfo is not None
    assert stamp.utcoffset() == UTC.utcoffset(None)
    item = deployed.stored(response)
    assert ingest.from_attribute(item["data"]) == {
        "sensor": "a1",
        "reading": Decimal("21.5"),
        "tags": ["x", None],
    }
    assert item["stage"] == {"S": "test"}
    assert item["request_id"] == {"S": "req-1234"}
    assert item["source_ip"] == {"S": "203.0.113.7"}
    assert item["user_agent"] == {"S": "pytest"}
    assert len(deployed.items()) == 1


def test_numbers_round_trip_exactly(deployed: Deployed) -> None:
    text = '{"a": 0.1, "b": 1e3, "c": 12345678901234567890123456789012345678, "d": -0, "e": 1.50}'
    item = deployed.stored(deployed.invoke(make_event(text)))
    stored = ingest.from_attribute(item["data"])
    assert stored == json.loads(text, parse_float=Decimal, parse_int=Decimal)
    assert stored["c"] == Decimal("12345678901234567890123456789012345678")


def test_text_that_is_not_json_is_stored_as_the_raw_string(deployed: Deployed) -> None:
    text_plain = {
        "headers": {"Content-Type": "text/plain"},
        "multiValueHeaders": {"Content-Type": ["text/plain"]},
    }
    item = deployed.stored(deployed.invoke(make_event("temperature=21.5; unit=C", **text_plain)))
    assert item["data"] == {"S": "temperature=21.5; unit=C"}


def test_text_declared_json_that_is_not_json_is_400_and_stores_nothing(deployed: Deployed) -> None:
    response = deployed.invoke(make_event("temperature=21.5; unit=C"))
    assert response["statusCode"] == 400
    assert json.loads(response["body"])["message"] == "body is not valid JSON"
    assert deployed.items() == []


def test_base64_body_is_decoded_before_storing(deployed: Deployed) -> None:
    encoded = base64.b64encode(b'{"bin": "ok"}').decode()
    item = deployed.stored(deployed.invoke(make_event(encoded, isBase64Encoded=True)))
    assert ingest.from_attribute(item["data"]) == {"bin": "ok"}


def test_a_hundred_posts_get_a_hundred_distinct_items(deployed: Deployed) -> None:
    # A hundred in a row: an id that repeated would show here (a thousand took 5 s against moto
    # and showed no more; the id's form, a random UUID, has its own test).
    ids = set()
    for n in range(100):
        response = deployed.invoke(make_event(json.dumps({"n": n})))
        assert response["statusCode"] == 200
        ids.add(body_of(response)["id"])
    assert len(ids) == 100
    assert len(deployed.items()) == 100


@pytest.mark.parametrize(
    ("event", "status", "message"),
    [
        (make_event(None), 400, "request body is missing"),
        (make_event("  "), 400, "request body is empty"),
        (make_event("%%%", isBase64Encoded=True), 400, "not valid base64"),
        (make_event("[" * 40 + "]" * 40), 400, "nested deeper than 32 levels"),
        (make_event('{"x": NaN}'), 400, "not a number DynamoDB can store"),
        (make_event('{"x": 1E126}'), 400, "outside DynamoDB's range"),
        (make_event('{"": 1}'), 400, "empty key"),
        (make_event(json.dumps({"big": "x" * 500_000})), 413, "too large"),
    ],
)
def test_errors_answer_json_with_the_request_id_and_store_nothing(
    deployed: Deployed, event: dict[str, Any], status: int, message: str
) -> None:
    response = deployed.invoke(event)
    assert_well_formed(response)
    assert response["statusCode"] == status
    body = body_of(response)
    assert message in body["message"]
    assert body["request_id"] == "req-1234"
    assert deployed.items() == []


@pytest.mark.parametrize("event", [None, "string", [1, 2], 42, {}, {"body": None, "headers": None}])
def test_the_handler_never_raises_on_odd_events(deployed: Deployed, event: Any) -> None:
    response = deployed.invoke(event)
    assert_well_formed(response)
    assert response["statusCode"] == 400
    assert deployed.items() == []


def test_one_json_log_line_per_request_without_the_payload(
    deployed: Deployed, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="data_api.ingest")
    deployed.invoke(make_event('{"secret": "do-not-log"}'))
    deployed.invoke(make_event(None))
    records = [json.loads(r.getMessage()) for r in caplog.records if r.name == "data_api.ingest"]
    assert [r["status"] for r in records] == [200, 400]
    ok, bad = records
    assert ok["level"] == "INFO"
    assert ok["request_id"] == "req-1234"
    assert uuid.UUID(ok["item_id"])
    assert ok["latency_ms"] >= 0
    assert bad["level"] == "WARNING"
    assert bad["error"] == "RequestError"
    assert "do-not-log" not in caplog.text


def test_log_level_setting_silences_lower_levels(
    aws_env: None, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setenv("LOG_LEVEL", "ERROR")
    handler = load_handler()
    handler.handler(make_event(None), None)
    assert not [r for r in caplog.records if r.name == "data_api.ingest"]


def test_missing_table_name_fails_at_import(aws_env: None, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("TABLE_NAME")
    with pytest.raises(RuntimeError, match="TABLE_NAME must be set"):
        load_handler()


def with_origin(origin: str | None) -> dict[str, Any]:
    event = make_event(None)  # a 400 answer: errors carry the CORS headers as successes do
    if origin is not None:
        event["headers"]["origin"] = origin
    return event


def test_listed_cors_origins_each_answer_allows_only_the_asking_one(
    aws_env: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CORS_ALLOWED_ORIGINS", "https://app.example.com,https://admin.example.com")
    handler = load_handler().handler
    for origin in ("https://app.example.com", "https://admin.example.com"):
        headers = handler(with_origin(origin), None)["headers"]
        assert headers["Access-Control-Allow-Origin"] == origin
        assert headers["Vary"] == "Origin"
    refused: tuple[str | None, ...] = (
        "https://evil.example.com",
        "https://app.example.com.evil.example",
        None,
    )
    for unlisted in refused:
        headers = handler(with_origin(unlisted), None)["headers"]
        assert "Access-Control-Allow-Origin" not in headers, unlisted
        assert headers["Vary"] == "Origin"


def test_the_single_origin_variable_of_older_deployments_is_still_read(
    aws_env: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("CORS_ALLOWED_ORIGINS")
    monkeypatch.setenv("CORS_ALLOWED_ORIGIN", "https://app.example.com")
    headers = load_handler().handler(with_origin("https://app.example.com"), None)["headers"]
    assert headers["Access-Control-Allow-Origin"] == "https://app.example.com"


def test_through_motos_http_server_via_the_endpoint_variable(
    aws_env: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    import boto3

    server = start_moto_server()
    try:
        host, port = server.get_host_and_port()
        monkeypatch.setenv("AWS_ENDPOINT_URL_DYNAMODB", f"http://{host}:{port}")
        client = boto3.client("dynamodb", region_name="us-east-1")
        create_table(client)
        handler = load_handler()
        response = handler.handler(make_event('{"via": "http"}'), None)
        assert response["statusCode"] == 200
        items = client.scan(TableName=TABLE)["Items"]
        assert [ingest.from_attribute(i["data"]) for i in items] == [{"via": "http"}]
    finally:
        server.stop()


def test_the_init_phase_leaves_the_collector_on_and_what_it_built_frozen() -> None:
    import subprocess
    import sys

    from constructs_lib.contract import FUNCTION_SOURCE_DIR

    probe = "import gc, handler; print(gc.isenabled(), gc.get_freeze_count())"
    env = {"TABLE_NAME": "t", "AWS_DEFAULT_REGION": "us-east-1", "PATH": "/usr/bin:/bin"}
    result = subprocess.run(
        [sys.executable, "-c", probe], cwd=FUNCTION_SOURCE_DIR, env=env, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr
    enabled, frozen = result.stdout.split()
    assert enabled == "True"
    assert int(frozen) > 10_000  # boto3's modules and the client: out of every later collection's sight
