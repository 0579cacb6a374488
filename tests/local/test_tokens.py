"""local/tokens.py: the access tokens make local mints and the authorizer's check of them, with a
fake clock (no test waits for a token to expire)."""

from __future__ import annotations

import base64
import json
from collections.abc import Callable
from pathlib import Path

import pytest

from local import tokens

KEY = bytes(range(32))
NOW = 1_800_000_000.0


def clock(at: float = NOW) -> float:
    return at


def test_a_minted_token_passes_with_cognitos_claims_as_strings() -> None:
    token = tokens.mint(KEY, "us-east-1", "data-api/write", "app-1", 3600, now=clock)
    claims = tokens.check(token, KEY, "us-east-1", "data-api/write", now=clock)
    assert claims["token_use"] == "access"
    assert claims["client_id"] == claims["sub"] == "app-1"
    assert claims["iss"] == "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_local"
    assert claims["exp"] == str(int(NOW) + 3600)
    assert all(isinstance(v, str) for v in claims.values())


@pytest.mark.parametrize(
    ("token", "reason"),
    [
        (None, "no token"),
        ("", "no token"),
        ("a.b", "not a JWT"),
        ("@@@.@@@.x", "not a readable JWT"),
        ("W10.W10.x", "not a readable JWT"),  # [] and []
    ],
)
def test_malformed_tokens_are_refused_saying_why(token: str | None, reason: str) -> None:
    with pytest.raises(tokens.TokenRefusedError, match=reason):
        tokens.check(token, KEY, "us-east-1", "data-api/write", now=clock)


def test_expiry_scope_issuer_use_key_and_algorithm_are_each_checked() -> None:
    good = tokens.mint(KEY, "us-east-1", "data-api/write", now=clock)
    refusals: dict[str, Callable[[], object]] = {
        "expired": lambda: tokens.check(good, KEY, "us-east-1", "data-api/write", now=lambda: NOW + 3600),
        "without the scope": lambda: tokens.check(good, KEY, "us-east-1", "orders/write", now=clock),
        "not this pool": lambda: tokens.check(good, KEY, "eu-west-1", "data-api/write", now=clock),
        "wrongly signed": lambda: tokens.check(good, bytes(32), "us-east-1", "data-api/write", now=clock),
        "not an access token": lambda: tokens.check(
            tokens.mint(KEY, "us-east-1", "data-api/write", now=clock, replaced={"token_use": "id"}),
            KEY,
            "us-east-1",
            "data-api/write",
            now=clock,
        ),
    }
    for reason, attempt in refusals.items():
        with pytest.raises(tokens.TokenRefusedError, match=reason):
            attempt()
    assert tokens.check(good, KEY, "us-east-1", "data-api/write", now=lambda: NOW + 3599)
    # A token claiming no signature ("alg": "none") is never accepted.
    _, claims, _ = good.split(".")
    header = base64.urlsafe_b64encode(json.dumps({"alg": "none"}).encode()).rstrip(b"=").decode()
    with pytest.raises(tokens.TokenRefusedError, match="not the local key"):
        tokens.check(f"{header}.{claims}.", KEY, "us-east-1", "data-api/write", now=clock)


def test_the_key_is_made_once_and_kept_private(tmp_path: Path) -> None:
    path = tmp_path / "key"
    first = tokens.signing_key(path)
    assert len(first) == 32
    assert path.stat().st_mode & 0o777 == 0o600
    assert tokens.signing_key(path) == first


@pytest.mark.parametrize("content", ["not hex", "abcd", ""])
def test_a_broken_key_file_is_one_line_saying_what_to_do(tmp_path: Path, content: str) -> None:
    path = tmp_path / "key"
    path.write_text(content)
    with pytest.raises(tokens.KeyFileError) as caught:
        tokens.signing_key(path)
    message = str(caught.value)
    assert "\n" not in message
    assert message == f"{path} is not a local signing key: delete it, and the next start makes a new one"
