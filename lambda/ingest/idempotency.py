"""Idempotency-Key: the header's value, whose keys they are, and the record kept per key."""

import hashlib
from collections.abc import Callable, Mapping
from typing import Any, Optional, Union

from .attributes import AttributeValue
from .errors import bad_request
from .event import as_mapping, header

IDEMPOTENCY_HEADER = "Idempotency-Key"
REPLAYED_HEADER = "Idempotent-Replayed"
MAX_IDEMPOTENCY_KEY_LENGTH = 255

RECORD_KEY = "key"
"""The idempotency table's partition key (the stack's key schema reads it from here)."""
RECORD_EXPIRY = "expires_at"
"""Epoch seconds after which a record counts as absent; the table's TTL attribute."""
RECORD_FINGERPRINT = "fingerprint"
RECORD_ITEM_ID = "item_id"
RECORD_ANSWER = "answer"


def idempotency_key(event: Mapping[str, Any]) -> Optional[str]:
    """The request's Idempotency-Key, or None without the header. The draft makes the value a
    structured-field string ("abc"); a bare value is accepted too. 400 for anything else."""
    raw = header(event, IDEMPOTENCY_HEADER)
    if raw is None:
        return None
    value = raw.strip()
    if value.startswith('"') or value.endswith('"'):
        if len(value) < 2 or not value[0] == value[-1] == '"':
            raise bad_request(f"{IDEMPOTENCY_HEADER} has an unfinished quoted string")
        value = _sf_string(value[1:-1])
    if not 1 <= len(value) <= MAX_IDEMPOTENCY_KEY_LENGTH or not all(" " <= c <= "~" for c in value):
        raise bad_request(
            f"{IDEMPOTENCY_HEADER} must be 1 to {MAX_IDEMPOTENCY_KEY_LENGTH} printable ASCII characters, "
            'bare or as a quoted string ("...")'
        )
    return value


def _sf_string(inner: str) -> str:
    """The content of a structured-field string: only \\ and \" are escapes (RFC 8941 3.3.3)."""
    out, escaped = [], False
    for char in inner:
        if escaped:
            if char not in '\\"':
                raise bad_request(f"{IDEMPOTENCY_HEADER} has an invalid escape in its quoted string")
            out.append(char)
            escaped = False
        elif char == "\\":
            escaped = True
        elif char == '"':
            raise bad_request(f"{IDEMPOTENCY_HEADER} has an unescaped quote in its quoted string")
        else:
            out.append(char)
    if escaped:
        raise bad_request(f"{IDEMPOTENCY_HEADER} ends in an unfinished escape")
    return "".join(out)


def body_fingerprint(body: Union[str, bytes], content_type: Optional[str]) -> str:
    """What makes two requests "the same payload": the body's bytes and its content type."""
    raw = body.encode("utf-8") if isinstance(body, str) else body
    digest = hashlib.sha256((content_type or "").strip().encode("utf-8", "replace") + b"\n")
    digest.update(raw)
    return digest.hexdigest()


def _identity(event: Mapping[str, Any]) -> Mapping[str, Any]:
    return as_mapping(as_mapping(event.get("requestContext")).get("identity"))


def _claims(event: Mapping[str, Any]) -> Mapping[str, Any]:
    """The token's claims a Cognito user pool authorizer passed on (every value a string)."""
    return as_mapping(as_mapping(as_mapping(event.get("requestContext")).get("authorizer")).get("claims"))


CALLER_SCOPES: Mapping[str, Callable[[Mapping[str, Any]], str]] = {
    # Nobody is known: keys are shared by every caller.
    "none": lambda event: "",
    "api_key": lambda event: f"api-key:{_identity(event).get('apiKeyId') or ''}",
    "iam": lambda event: f"iam:{_identity(event).get('userArn') or _identity(event).get('caller') or ''}",
    # A client-credentials access token names its app client (client_id; sub is the same id).
    "cognito": lambda event: f"cognito:{_claims(event).get('client_id') or _claims(event).get('sub') or ''}",
}
"""Whose Idempotency-Keys a request's are, per api_auth mode (constructs_lib/auth.py has one
strategy per mode, and a test holds the two lists equal)."""


def caller_scope(event: Mapping[str, Any], api_auth: str) -> str:
    """Whose keys these are: the API key's id (api_key mode), the signer (iam mode), the app
    client (cognito mode); in none mode nobody is known and keys are shared by every caller."""
    return CALLER_SCOPES[api_auth](event)


def record_key(scope: str, key: str) -> str:
    """The idempotency table's key for a caller's key (hashed: bounded, and no identity stored)."""
    return hashlib.sha256(f"{scope}\n{key}".encode()).hexdigest()


def build_record(
    key: str,
    fingerprint: str,
    item_id: str,
    timestamp: str,
    answer: str,
    now_epoch: int,
    retention_seconds: int,
) -> dict[str, AttributeValue]:
    """The idempotency record written with the item: enough to replay the answer exactly."""
    return {
        RECORD_KEY: {"S": key},
        RECORD_FINGERPRINT: {"S": fingerprint},
        RECORD_ITEM_ID: {"S": item_id},
        "item_timestamp": {"S": timestamp},
        RECORD_ANSWER: {"S": answer},
        RECORD_EXPIRY: {"N": str(now_epoch + retention_seconds)},
    }
