"""The API's OpenAPI description (docs/openapi.yaml, from constructs_lib/openapi.py) and make
local held to it: Schemathesis generates requests from the description (a fixed seed, a bounded
number of examples) and checks every answer's status, content type, body and headers against it,
and that none is a server error; every other method and path gets API Gateway's JSON 403.

make local stands in for the stage here: Schemathesis against a deployed stage is
`DATA_API_URL` territory (tests/integration), not run by make test.
"""

from __future__ import annotations

import http.client
import json
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlsplit

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from constructs_lib.contract import BINARY_MEDIA_TYPES, MISSING_ROUTE
from constructs_lib.openapi import DOCUMENT_PATH, document
from local.process import local_api
from tools import openapi as openapi_tool
from tools import settings_doc

# The binary media types the API stores byte for byte: sent as the bytes Schemathesis generates,
# as it does for application/octet-stream.
for media_type in BINARY_MEDIA_TYPES:
    if media_type != "application/octet-stream":
        schemathesis.serializer.alias(media_type, "application/octet-stream")
SCHEMA = schemathesis.openapi.from_dict(document())
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
    response_headers_conformance,
]
"""What the answers must be. Not Schemathesis's `unsupported_method`: it expects 405, and API
Gateway answers an undefined method 403 Missing Authentication Token (as make local does, below)."""


@pytest.fixture(scope="module")
def base_url() -> Iterator[str]:
    with local_api() as api:
        yield api.base_url


def test_the_committed_description_is_the_generated_one() -> None:
    assert openapi_tool.PAGE.read_text() == openapi_tool.render(), "docs/openapi.yaml: run `make docs`"
    assert openapi_tool.PAGE in settings_doc.pages()  # written and checked with the other generated pages


def test_make_local_serves_the_description(base_url: str) -> None:
    answer = call(base_url, "GET", DOCUMENT_PATH)
    assert answer.status == 200
    assert json.loads(answer.read()) == document()


def call(base_url: str, method: str, path: str) -> http.client.HTTPResponse:
    parts = urlsplit(base_url)
    connection = http.client.HTTPConnection(parts.hostname or "", parts.port, timeout=10)
    connection.request(method, path, body=b"" if method not in ("GET", "HEAD") else None)
    return connection.getresponse()


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/data"),
        ("PUT", "/data"),
        ("DELETE", "/data"),
        ("PATCH", "/data"),
        ("TRACE", "/data"),
        ("PROPFIND", "/data"),
        ("POST", "/"),
        ("POST", "/data/more"),
        ("GET", "/openapi.yaml"),
    ],
)
def test_any_other_method_or_path_gets_api_gateways_json_403(base_url: str, method: str, path: str) -> None:
    answer = call(base_url, method, path)
    assert answer.status == MISSING_ROUTE[0]
    assert answer.getheader("Content-Type") == "application/json"
    assert answer.getheader("Access-Control-Allow-Origin") == "*"
    assert json.loads(answer.read()) == MISSING_ROUTE[1]


def test_head_gets_the_headers_without_a_body(base_url: str) -> None:
    answer = call(base_url, "HEAD", "/data")
    assert answer.status == MISSING_ROUTE[0]
    assert answer.read() == b""


@SCHEMA.parametrize()  # type: ignore[untyped-decorator]  # Schemathesis is read as untyped
@settings(
    max_examples=30,
    derandomize=True,  # the same examples every run: a fixed seed
    deadline=None,  # a busy machine is slow, not wrong
    database=None,
    suppress_health_check=list(HealthCheck),
)
def test_make_local_answers_as_documented(case: schemathesis.Case[Any], base_url: str) -> None:
    case.call_and_validate(base_url=base_url, checks=CHECKS, timeout=30)
