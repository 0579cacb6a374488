"""The integration suite for api_auth = "cognito": API Gateway's COGNITO_USER_POOLS authorizer,
against a make local of its own in that mode (a deployed stage's authorizer is make verify's live
checks: no token, then a token from the pool's token endpoint).

A token `make local-token` mints is accepted and its claims reach the function (which scopes
Idempotency-Keys by app client); a missing, malformed, wrongly signed, expired, other-pool,
non-access or unscoped token gets API Gateway's 401 {"message": "Unauthorized"}, with the CORS
headers (https://repost.aws/knowledge-center/api-gateway-cognito-401-unauthorized). The local key
signs HS256 where Cognito signs RS256 with its published keys; the signature's check is the same
rule (a token the pool did not sign is refused), and tests/local/test_tokens.py has the unit tests."""

from __future__ import annotations

import http.client
import json
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from typing import Any
from urllib.parse import urlsplit

import pytest

from constructs_lib.contract import PROJECT_ROOT
from local import tokens
from local.process import RunningApi, local_api

REGION = "us-east-1"
SCOPE = "data-api/write"


@pytest.fixture(scope="module")
def api() -> Iterator[RunningApi]:
    with local_api(settings_env={"DATA_API_API_AUTH": "cognito"}) as running:
        yield running


def post(
    api: RunningApi, token: str | None, body: bytes = b'{"a": 1}', key: str | None = None
) -> tuple[int, dict[str, Any], dict[str, str]]:
    parts = urlsplit(api.base_url)
    connection = http.client.HTTPConnection(parts.hostname or "", parts.port, timeout=10)
    headers = {"Content-Type": "application/json"}
    if token is not None:
        headers["Authorization"] = token
    if key is not None:
        headers["Idempotency-Key"] = key
    connection.request("POST", "/data", body=body, headers=headers)
    answer = connection.getresponse()
    return answer.status, json.loads(answer.read()), dict(answer.getheaders())


def minted(**overrides: object) -> str:
    return tokens.mint(tokens.signing_key(), REGION, SCOPE, **overrides)  # type: ignore[arg-type]


def test_make_local_token_prints_a_token_make_local_accepts(api: RunningApi) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "local.tokens"],
        cwd=PROJECT_ROOT,
        env={"PATH": "/usr/bin:/bin", "DATA_API_API_AUTH": "cognito"},
        capture_output=True,
        text=True,
        check=True,
    )
    token = result.stdout.strip()
    status, answer, _ = post(api, token)
    assert status == 200, answer
    assert answer["message"] == "stored"


def forged() -> str:
    header, claims, _ = minted().split(".")
    return f"{header}.{claims}.{'A' * 43}"


REFUSED: dict[str, Callable[[], str | None]] = {
    "missing": lambda: None,
    "not a JWT": lambda: "not-a-token",
    "wrongly signed": forged,
    "expired": lambda: minted(now=lambda: time.time() - 7200),
    "without the scope": lambda: tokens.mint(tokens.signing_key(), REGION, "data-api/read"),
    "of another pool": lambda: minted(
        replaced={"iss": "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_x"}
    ),
    "an ID token": lambda: minted(replaced={"token_use": "id"}),
    "another region's pool": lambda: tokens.mint(tokens.signing_key(), "eu-west-1", SCOPE),
}


@pytest.mark.parametrize("case", list(REFUSED))
def test_every_bad_token_gets_api_gateways_401(api: RunningApi, case: str) -> None:
    status, answer, headers = post(api, REFUSED[case]())
    assert (status, answer) == (401, {"message": "Unauthorized"})
    assert headers["Access-Control-Allow-Origin"] == "*"


def test_keys_are_scoped_per_app_client(api: RunningApi) -> None:
    """The same Idempotency-Key from two app clients stores two items: the function reads the
    client_id claim the authorizer passed on."""
    first = post(api, minted(client_id="client-a"), b'{"n": 1}', key="order-7")
    again = post(api, minted(client_id="client-a"), b'{"n": 1}', key="order-7")
    other = post(api, minted(client_id="client-b"), b'{"n": 2}', key="order-7")
    assert first[0] == again[0] == other[0] == 200
    assert again[1]["id"] == first[1]["id"]  # replayed for the same client
    assert other[1]["id"] != first[1]["id"]  # another client's key is its own
