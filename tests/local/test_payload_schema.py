"""The payload schema in make local as in the stage: API Gateway's validator refuses an
application/json body the schema refuses before the function runs, the function refuses every
other body itself, and a client reads the same answer either way.

The corpus runs through make local (the emulated validator, then the function) and through the
function alone (in this process, against moto): every payload gets the same status and body
(apart from the request id and a stored item's id and time). What the real API Gateway writes in
``error`` comes from its own validator, which no emulator runs: make local writes the function's
words there (docs/http-contract.md says so), and tests/stacks/test_payload_schema.py checks the
stage's template."""

from __future__ import annotations

import http.client
import json
import os
import sys
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlsplit

import boto3
import pytest
from moto import mock_aws

from constructs_lib import payload_schema
from constructs_lib.contract import FUNCTION_SOURCE_DIR, load_function_module, table_definition
from local.process import RunningApi, local_api
from tests.conftest import PAYLOAD_SCHEMA_FILE

VALID = [
    {"type": "click", "source": "web"},
    {
        "type": "click",
        "source": "web",
        "count": 3,
        "attributes": {"a": [1, "x"]},
        "occurred_at": "2026-12-01",
    },
]
INVALID = [
    {"type": "click"},
    {"type": "", "source": "web"},
    {"type": "click", "source": "web", "count": -1},
    {"type": "click", "source": "web", "count": 1.5},
    {"type": "click", "source": "web", "extra": True},
    {"type": "click", "source": "web", "attributes": []},
    [1, 2],
    "just a string",
    None,
]
CONTENT_TYPES = ("application/json", "application/json; charset=utf-8", "text/plain")


@pytest.fixture(scope="module")
def api() -> Iterator[RunningApi]:
    with local_api(settings_env={"DATA_API_PAYLOAD_SCHEMA": str(PAYLOAD_SCHEMA_FILE)}) as running:
        yield running


@pytest.fixture(scope="module")
def function(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    """The handler with the same schema, as its asset ships it, against moto in this process."""
    schema = payload_schema.read(PAYLOAD_SCHEMA_FILE)
    saved_path, saved_env = list(sys.path), dict(os.environ)
    os.environ.update(
        {
            "AWS_ACCESS_KEY_ID": "testing",
            "AWS_SECRET_ACCESS_KEY": "testing",
            "AWS_DEFAULT_REGION": "us-east-1",
            "TABLE_NAME": "corpus-data",
            "IDEMPOTENCY_TABLE_NAME": "corpus-idempotency",
            "PAYLOAD_SCHEMA_SHA256": schema.sha256,
        }
    )
    os.environ.pop("AWS_ENDPOINT_URL_DYNAMODB", None)
    try:
        with mock_aws():
            client = boto3.client("dynamodb", region_name="us-east-1")
            client.create_table(**table_definition("corpus-data", 5, 5))
            client.create_table(**table_definition("corpus-idempotency", 5, 5, idempotency=True))
            payload_schema.use_validator(schema, tmp_path_factory.mktemp("build"))
            if str(FUNCTION_SOURCE_DIR) not in sys.path:
                sys.path.insert(0, str(FUNCTION_SOURCE_DIR))
            yield load_function_module("handler", "handler_payload_corpus")
    finally:
        sys.path[:] = saved_path
        sys.modules.pop("payload_validator", None)
        os.environ.clear()
        os.environ.update(saved_env)


def through_make_local(api: RunningApi, body: bytes, content_type: str) -> tuple[int, dict[str, Any]]:
    parts = urlsplit(api.base_url)
    connection = http.client.HTTPConnection(parts.hostname or "", parts.port, timeout=10)
    connection.request("POST", "/data", body=body, headers={"Content-Type": content_type})
    answer = connection.getresponse()
    return answer.status, json.loads(answer.read())


def through_the_function(function: Any, body: bytes, content_type: str) -> tuple[int, dict[str, Any]]:
    event = {
        "httpMethod": "POST",
        "path": "/data",
        "headers": {"Content-Type": content_type},
        "requestContext": {"requestId": "corpus"},
        "body": body.decode(),
        "isBase64Encoded": False,
    }
    response = function.handler(event, None)
    return response["statusCode"], json.loads(response["body"])


def comparable(answer: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in answer.items() if k not in ("request_id", "id", "timestamp")}


@pytest.mark.parametrize("content_type", CONTENT_TYPES)
def test_make_local_and_the_function_answer_every_payload_alike(
    api: RunningApi, function: Any, content_type: str
) -> None:
    for payload in (*VALID, *INVALID):
        body = json.dumps(payload).encode()
        local_status, local_answer = through_make_local(api, body, content_type)
        function_status, function_answer = through_the_function(function, body, content_type)
        assert (local_status, comparable(local_answer)) == (function_status, comparable(function_answer)), (
            payload
        )
        expected = 200 if payload in VALID else 400
        assert local_status == expected, (payload, local_answer)
        if expected == 400:
            assert local_answer["message"] == "Invalid request body"
            assert local_answer["error"].startswith("payload does not match the schema at $")


def test_the_stages_validator_answers_json_bodies_before_the_function_runs(api: RunningApi) -> None:
    """Broken JSON tells who answered: the stage's validator refuses it as an invalid body, while
    the function (reached by any other content type) says the body is not valid JSON."""
    status, broken = through_make_local(api, b'{"type": ', "application/json")
    assert (status, broken["message"], broken["error"]) == (400, "Invalid request body", "body is not JSON")
    status, by_function = through_make_local(api, b'{"type": ', "application/ld+json")
    assert (status, by_function["message"]) == (400, "body is not valid JSON")
