"""Several CORS origins in make local, as the stage answers them: the function's answers and
the preflight allow exactly the asking origin when it is listed, and none otherwise (with
`Vary: Origin`); API Gateway's own answers (403, 429, ...) carry no allow-origin with several
origins, because a gateway response can only hold static values (contract.gateway_allowed_origin).

No browser here: what a browser then does with these headers (refuse to hand an answer without
a matching allow-origin to the page) is the CORS standard, not exercised by this test."""

from __future__ import annotations

import http.client
from collections.abc import Iterator
from urllib.parse import urlsplit

import pytest

from local.process import local_api

ORIGINS = ("https://app.example.com", "https://admin.example.com")


@pytest.fixture(scope="module")
def base_url() -> Iterator[str]:
    with local_api(settings_env={"DATA_API_CORS_ALLOWED_ORIGINS": ",".join(ORIGINS)}) as api:
        yield api.base_url


def call(
    base_url: str, method: str, path: str, origin: str | None, body: bytes = b""
) -> http.client.HTTPResponse:
    parts = urlsplit(base_url)
    connection = http.client.HTTPConnection(parts.hostname or "", parts.port, timeout=10)
    headers = {"Content-Type": "application/json", **({"Origin": origin} if origin else {})}
    connection.request(method, path, body=body, headers=headers)
    answer = connection.getresponse()
    answer.read()
    return answer


@pytest.mark.parametrize(
    ("method", "body", "status"), [("POST", b'{"a": 1}', 200), ("POST", b"", 400), ("OPTIONS", b"", 200)]
)
def test_a_listed_origin_is_allowed_and_only_that_one(
    base_url: str, method: str, body: bytes, status: int
) -> None:
    for origin in ORIGINS:
        answer = call(base_url, method, "/data", origin, body)
        assert answer.status == status
        assert answer.getheader("Access-Control-Allow-Origin") == origin
        assert answer.getheader("Vary") == "Origin"
    for unlisted in ("https://evil.example.com", None):
        answer = call(base_url, method, "/data", unlisted, body)
        assert answer.status == status
        assert answer.getheader("Access-Control-Allow-Origin") is None
        assert answer.getheader("Vary") == "Origin"


def test_api_gateways_own_answers_carry_no_allow_origin_with_several(base_url: str) -> None:
    answer = call(base_url, "GET", "/data", ORIGINS[0])
    assert answer.status == 403
    assert answer.getheader("Access-Control-Allow-Origin") is None
    assert answer.getheader("Access-Control-Allow-Methods") == "OPTIONS,POST"
