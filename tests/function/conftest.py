"""Fixtures for the function's tests: its modules, events, and a table emulated by moto."""

from __future__ import annotations

import base64
import itertools
import json
import os
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from types import ModuleType
from typing import Any

import boto3
import pytest
from moto import mock_aws

from constructs_lib.contract import FUNCTION_SOURCE_DIR, load_function_module, table_definition

# The tests import the function's pure module by bare name, as the handler itself does.
if str(FUNCTION_SOURCE_DIR) not in sys.path:
    sys.path.insert(0, str(FUNCTION_SOURCE_DIR))

TABLE = "data-api-test-data"
IDEMPOTENCY_TABLE = "data-api-test-idempotency"
_fresh_names = itertools.count()


def load_handler() -> ModuleType:
    """A fresh copy of handler.py: it reads its environment and creates its client at import.
    Most tests need not re-import it: they build the same Service with function_service()."""
    return load_function_module("handler", f"handler_{next(_fresh_names)}")


_clients: dict[str, Any] = {}


def cached_client(kind: str) -> Any:
    """One client per kind for the session ("function": the function's own, as store.make_client
    configures it; "inspect": the tests' view of the table). moto intercepts a client whatever
    mock_aws context it was made in, and a fresh context starts with empty tables."""
    if kind not in _clients:
        from ingest.store import make_client

        _clients[kind] = (
            make_client() if kind == "function" else boto3.client("dynamodb", region_name="us-east-1")
        )
    return _clients[kind]


def function_service(client: Any) -> Any:
    """The function as handler.py builds it from its environment, around ``client``."""
    from ingest.service import Service

    return Service.from_environment(os.environ, client=client)


def make_event(body: str | None = "{}", **overrides: Any) -> dict[str, Any]:
    """A REST API proxy event (payload format 1.0) for POST /data."""
    event: dict[str, Any] = {
        "resource": "/data",
        "path": "/data",
        "httpMethod": "POST",
        "headers": {"Content-Type": "application/json", "User-Agent": "pytest"},
        "multiValueHeaders": {"Content-Type": ["application/json"], "User-Agent": ["pytest"]},
        "queryStringParameters": None,
        "multiValueQueryStringParameters": None,
        "pathParameters": None,
        "stageVariables": None,
        "requestContext": {
            "requestId": "req-1234",
            "stage": "test",
            "resourcePath": "/data",
            "httpMethod": "POST",
            "identity": {"sourceIp": "203.0.113.7", "userAgent": "pytest"},
        },
        "body": body,
        "isBase64Encoded": False,
    }
    event.update(overrides)
    return event


def base64_event(raw: bytes, content_type: str) -> dict[str, Any]:
    """An event whose body API Gateway base64-encoded (a binary type, or bytes that are not text)."""
    return make_event(
        base64.b64encode(raw).decode(),
        isBase64Encoded=True,
        headers={"Content-Type": content_type},
        multiValueHeaders={"Content-Type": [content_type]},
    )


def create_table(client: Any, name: str = TABLE, idempotency: bool = False) -> None:
    """A table as the stack defines it: same key schema, provisioned capacity."""
    client.create_table(**table_definition(name, read_capacity=5, write_capacity=5, idempotency=idempotency))


@pytest.fixture
def aws_env(monkeypatch: pytest.MonkeyPatch) -> None:
    """Fake credentials and the function's environment; no real AWS is ever reachable."""
    for name, value in {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_SESSION_TOKEN": "testing",
        "AWS_DEFAULT_REGION": "us-east-1",
        "TABLE_NAME": TABLE,
        "STAGE": "test",
        "LOG_LEVEL": "INFO",
        "CORS_ALLOWED_ORIGINS": "*",
        "IDEMPOTENCY_TABLE_NAME": IDEMPOTENCY_TABLE,
        "IDEMPOTENCY_RETENTION_SECONDS": "86400",
        "API_AUTH": "none",
    }.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("AWS_ENDPOINT_URL_DYNAMODB", raising=False)
    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)
    monkeypatch.delenv("AWS_PROFILE", raising=False)


@dataclass
class Deployed:
    """The function (ingest.service.Service) wired to an emulated table, and a client to
    inspect that table."""

    service: Any
    client: Any
    table: str = TABLE
    idempotency_table: str = IDEMPOTENCY_TABLE

    def invoke(self, event: Any) -> dict[str, Any]:
        return dict(self.service.handle(event, None))

    def items(self) -> list[dict[str, Any]]:
        return list(self.client.scan(TableName=self.table, ConsistentRead=True)["Items"])

    def records(self) -> list[dict[str, Any]]:
        return list(self.client.scan(TableName=self.idempotency_table, ConsistentRead=True)["Items"])

    def count(self) -> int:
        """How many items the table holds, read from moto's in-memory table itself (its server
        runs in this process too): the property tests count before and after every example, and
        a DescribeTable through the SDK costs about 4 ms each time."""
        from moto.core.models import DEFAULT_ACCOUNT_ID
        from moto.dynamodb.models import dynamodb_backends

        return len(dynamodb_backends[DEFAULT_ACCOUNT_ID]["us-east-1"].get_table(self.table))

    def stored(self, response: dict[str, Any]) -> dict[str, Any]:
        body = json.loads(response["body"])
        result = self.client.get_item(
            TableName=self.table, Key={"id": {"S": body["id"]}, "timestamp": {"S": body["timestamp"]}}
        )
        return dict(result["Item"])


@pytest.fixture
def deployed(aws_env: None) -> Iterator[Deployed]:
    with mock_aws():
        client = cached_client("inspect")
        create_table(client)
        create_table(client, IDEMPOTENCY_TABLE, idempotency=True)
        yield Deployed(function_service(cached_client("function")), client)


@pytest.fixture
def served(aws_env: None, moto_endpoint: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[Deployed]:
    """The handler pointed at moto's HTTP server through AWS_ENDPOINT_URL_DYNAMODB, with a
    fresh table. Unlike in-process mocking, a fault injected before sending keeps the request
    from the emulator entirely, so the table shows exactly what reached DynamoDB."""
    number = next(_fresh_names)
    table, idempotency_table = f"{TABLE}-{number}", f"{IDEMPOTENCY_TABLE}-{number}"
    monkeypatch.setenv("AWS_ENDPOINT_URL_DYNAMODB", moto_endpoint)
    monkeypatch.setenv("TABLE_NAME", table)
    monkeypatch.setenv("IDEMPOTENCY_TABLE_NAME", idempotency_table)
    client = boto3.client("dynamodb", region_name="us-east-1")
    create_table(client, table)
    create_table(client, idempotency_table, idempotency=True)
    from ingest.store import make_client

    yield Deployed(function_service(make_client()), client, table, idempotency_table)
    client.delete_table(TableName=table)
    client.delete_table(TableName=idempotency_table)
