"""Access tokens for `make local` with ``api_auth = "cognito"``: what a Cognito user pool's token
endpoint hands a machine client (the client-credentials grant), signed with a local key instead
of the pool's, and the check API Gateway's COGNITO_USER_POOLS authorizer makes of them.

`make local-token` prints one (``--scope``, ``--expires-in``, ``--client-id`` change it). The
claims are those of Cognito's client-credentials access tokens (token_use ``access``, ``scope``,
``client_id``, ``sub``, ``iss`` of the pool, ``exp``, ``iat``, ``jti``, ``version``):
https://docs.aws.amazon.com/cognito/latest/developerguide/amazon-cognito-user-pools-using-the-access-token.html
Cognito signs with RS256 and a key it publishes; a local key signs HS256 here (stdlib only): the
signature's algorithm is the one thing that differs, and make local refuses any other.

Every refusal is API Gateway's 401 ``{"message": "Unauthorized"}`` (contract.UNAUTHORIZED): a
missing token, one that is malformed, wrongly signed, expired, of another pool, not an access
token, or without the write scope.
https://repost.aws/knowledge-center/api-gateway-cognito-401-unauthorized
"""

from __future__ import annotations

import argparse
import base64
import binascii
import hashlib
import hmac
import json
import os
import secrets
import sys
import time
import uuid
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from constructs_lib.contract import PROJECT_ROOT

KEY_FILE = PROJECT_ROOT / ".build" / "local-cognito-key"
"""The local signing key: made once, readable by its owner only, never committed (.build/)."""
LOCAL_CLIENT_ID = "local-client"
ALGORITHM = "HS256"


class KeyFileError(Exception):
    """The local key file cannot be read; the message says what to do."""


class TokenRefusedError(Exception):
    """The token is not one the authorizer accepts; the message says why (make local's log only:
    the client gets API Gateway's 401 whatever the reason)."""


def signing_key(path: Path = KEY_FILE) -> bytes:
    """The local key, made on first use (written whole, then renamed: two starts never race)."""
    if not path.is_file():
        path.parent.mkdir(parents=True, exist_ok=True)
        staged = path.with_name(f".{path.name}.{os.getpid()}")
        staged.write_text(secrets.token_hex(32))
        staged.chmod(0o600)
        staged.replace(path)
    try:
        key = bytes.fromhex(path.read_text().strip())
    except (OSError, UnicodeDecodeError, ValueError):
        key = b""
    if len(key) < 32:
        raise KeyFileError(
            f"{path} is not a local signing key: delete it, and the next start makes a new one"
        )
    return key


def issuer(region: str) -> str:
    """The local pool's issuer, in Cognito's form (https://cognito-idp.<region>.amazonaws.com/<pool id>)."""
    return f"https://cognito-idp.{region}.amazonaws.com/{region}_local"


def _encode(part: Mapping[str, Any]) -> str:
    raw = json.dumps(part, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def _decode(part: str) -> Any:
    return json.loads(base64.urlsafe_b64decode(part + "=" * (-len(part) % 4)))


def _signature(key: bytes, signed: str) -> str:
    digest = hmac.new(key, signed.encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def mint(
    key: bytes,
    region: str,
    scope: str,
    client_id: str = LOCAL_CLIENT_ID,
    expires_in: int = 3600,
    now: Callable[[], float] = time.time,
    replaced: Mapping[str, Any] | None = None,
) -> str:
    """An access token as the client-credentials grant issues it (``replaced``: claims changed, as
    the tests make tokens of another pool or of another use)."""
    issued = int(now())
    claims = {
        "sub": client_id,
        "token_use": "access",
        "scope": scope,
        "auth_time": issued,
        "iss": issuer(region),
        "exp": issued + expires_in,
        "iat": issued,
        "version": 2,
        "jti": str(uuid.uuid4()),
        "client_id": client_id,
        **(replaced or {}),
    }
    signed = f"{_encode({'alg': ALGORITHM, 'typ': 'JWT', 'kid': 'local'})}.{_encode(claims)}"
    return f"{signed}.{_signature(key, signed)}"


def check(
    token: str | None, key: bytes, region: str, scope: str, now: Callable[[], float] = time.time
) -> dict[str, str]:
    """The token's claims, as API Gateway hands them to the function (every value a string), or
    TokenRefusedError saying why the authorizer refuses it."""
    if not token:
        raise TokenRefusedError("no token in the Authorization header")
    parts = token.split(".")
    if len(parts) != 3:
        raise TokenRefusedError("not a JWT")
    try:
        header, claims = _decode(parts[0]), _decode(parts[1])
    except (ValueError, binascii.Error, UnicodeDecodeError):
        raise TokenRefusedError("not a readable JWT") from None
    if not isinstance(header, dict) or not isinstance(claims, dict):
        raise TokenRefusedError("not a readable JWT")
    if header.get("alg") != ALGORITHM:
        raise TokenRefusedError(f"signed with {header.get('alg')!r}, not the local key")
    if not hmac.compare_digest(parts[2], _signature(key, f"{parts[0]}.{parts[1]}")):
        raise TokenRefusedError("wrongly signed")
    if claims.get("iss") != issuer(region):
        raise TokenRefusedError(f"issued by {claims.get('iss')!r}, not this pool")
    if claims.get("token_use") != "access":
        raise TokenRefusedError("not an access token")
    expires = claims.get("exp")
    if not isinstance(expires, int) or expires <= now():
        raise TokenRefusedError("expired")
    if scope not in str(claims.get("scope", "")).split():
        raise TokenRefusedError(f"without the scope {scope}")
    return {name: str(value) for name, value in claims.items()}


def main(argv: list[str] | None = None) -> int:
    from constructs_lib.settings import SettingsError, load_one

    parser = argparse.ArgumentParser(
        prog="make local-token", description="An access token make local accepts (api_auth = cognito)."
    )
    parser.add_argument("--scope", default=None, help="default: the write scope POST /data requires")
    parser.add_argument("--expires-in", type=int, default=3600, help="seconds (default 3600)")
    parser.add_argument("--client-id", default=LOCAL_CLIENT_ID)
    arguments = parser.parse_args(argv)
    try:
        settings = load_one("dev", os.environ)
    except SettingsError as error:
        print(f"data-api: error: {error}", file=sys.stderr)
        return 1
    if settings.api_auth != "cognito":
        print(
            f"data-api: error: make local runs api_auth={settings.api_auth!r}: tokens are for 'cognito'",
            file=sys.stderr,
        )
        return 1
    scope = settings.cognito_write_scope if arguments.scope is None else arguments.scope
    try:
        key = signing_key()
    except KeyFileError as error:
        print(f"data-api: error: {error}", file=sys.stderr)
        return 1
    print(mint(key, settings.region, scope, arguments.client_id, arguments.expires_in))
    return 0


if __name__ == "__main__":
    sys.exit(main())
