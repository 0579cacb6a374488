"""The pure core of POST /data: parse a proxy event, build a storable item, shape responses.

Nothing here talks to AWS, so every rule is tested without it. Standard library only, and
Python 3.9 syntax: the function runs on every runtime the stack allows.
"""

import base64
import binascii
import fnmatch
import hashlib
import json
import math
import uuid
from collections.abc import Callable, Mapping
from datetime import datetime, timezone
from decimal import Context, Decimal
from typing import Any, Optional, Union

MAX_ITEM_BYTES = 400 * 1024
"""DynamoDB's item size limit, attribute names included."""
MAX_NESTING_DEPTH = 32
"""DynamoDB's limit on nested maps and lists."""
MAX_NUMBER_DIGITS = 38
MIN_NUMBER_EXPONENT = -130
MAX_NUMBER_EXPONENT = 125
"""DynamoDB numbers: 38 significant digits, magnitude from 1E-130 to 9.99...E+125 (or zero)."""

CONNECT_TIMEOUT_SECONDS = 1.0
READ_TIMEOUT_SECONDS = 1.0
ATTEMPT_SECONDS = CONNECT_TIMEOUT_SECONDS + READ_TIMEOUT_SECONDS
"""The longest one DynamoDB attempt can take before the SDK gives up on it."""
MAX_ATTEMPTS = 3
ANSWER_MARGIN_SECONDS = 0.5
"""Time kept back from the function's deadline to log and answer: a function that runs out
reaches the client as API Gateway's 502, never as our 503."""
MIN_FUNCTION_TIMEOUT_SECONDS = math.ceil(ATTEMPT_SECONDS + ANSWER_MARGIN_SECONDS)
"""The shortest function timeout that leaves room for one whole attempt (synth refuses less)."""
BACKOFF_BASE_SECONDS = 0.05
BACKOFF_CAP_SECONDS = 1.0

_EXACT = Context(prec=100000)
BINARY_MEDIA_TYPES: tuple[str, ...] = (
    "application/octet-stream",
    "application/zip",
    "application/gzip",
    "application/pdf",
    "image/*",
    "audio/*",
    "video/*",
)
"""Content types API Gateway hands the function base64-encoded (the stack declares them on the
API); the function stores such bodies as bytes. Every other type arrives as text."""
ALLOWED_METHODS = "OPTIONS,POST"
IDEMPOTENCY_HEADER = "Idempotency-Key"
REPLAYED_HEADER = "Idempotent-Replayed"
ALLOWED_HEADERS = f"Content-Type,X-Amz-Date,Authorization,X-Api-Key,X-Amz-Security-Token,{IDEMPOTENCY_HEADER}"
EXPOSED_HEADERS = REPLAYED_HEADER
"""Response headers a browser script may read (Access-Control-Expose-Headers)."""
MAX_IDEMPOTENCY_KEY_LENGTH = 255

AttributeValue = dict[str, Any]


class RequestError(Exception):
    """The request cannot be stored; ``status`` and ``message`` are safe to show the client."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


def bad_request(message: str) -> RequestError:
    return RequestError(400, message)


class _NonFiniteNumberError(ValueError):
    pass


def _reject_constant(name: str) -> Any:
    raise _NonFiniteNumberError(name)


def as_mapping(value: Any) -> Mapping[str, Any]:
    """``value`` if it is an object, else an empty one: parts of an event may be null, and a
    malformed event must be refused (400), not crash the function (500)."""
    return value if isinstance(value, dict) else {}


def header(event: Mapping[str, Any], name: str) -> Optional[str]:
    """A request header by case-insensitive name, from headers or multiValueHeaders."""
    wanted = name.lower()
    for key, value in as_mapping(event.get("headers")).items():
        if str(key).lower() == wanted and value is not None:
            return str(value)
    for key, values in as_mapping(event.get("multiValueHeaders")).items():
        if str(key).lower() == wanted and isinstance(values, list) and values:
            return str(values[0])
    return None


def media_type(content_type: Optional[str]) -> str:
    """``type/subtype`` of a Content-Type, lower case, without parameters."""
    return (content_type or "").split(";", 1)[0].strip().lower()


def is_binary_type(content_type: Optional[str]) -> bool:
    """Whether API Gateway hands bodies of this type over base64-encoded (BINARY_MEDIA_TYPES)."""
    kind = media_type(content_type)
    return bool(kind) and any(fnmatch.fnmatchcase(kind, pattern) for pattern in BINARY_MEDIA_TYPES)


def declares_json(content_type: Optional[str]) -> bool:
    """application/json, or any structured ``+json`` type (application/ld+json, ...)."""
    kind = media_type(content_type)
    return kind == "application/json" or kind.endswith("+json")


def decode_body(event: Mapping[str, Any]) -> Union[str, bytes]:
    """The request body: text, or bytes when it arrived base64-encoded and is binary (a binary
    media type, or bytes that are not UTF-8 text)."""
    body = event.get("body")
    if body is None or body == "":
        raise bad_request("request body is missing")
    if not isinstance(body, str):
        raise bad_request("request body is not text")
    if not event.get("isBase64Encoded"):
        if not body.strip():
            raise bad_request("request body is empty")
        return body
    compact = "".join(body.split())
    try:
        # API Gateway pads, hand-made clients often do not: restore the padding.
        raw = base64.b64decode(compact + "=" * (-len(compact) % 4), validate=True)
    except (binascii.Error, ValueError):
        raise bad_request("request body is not valid base64") from None
    if not raw:
        raise bad_request("request body is empty")
    content_type = header(event, "Content-Type")
    if is_binary_type(content_type):
        return raw
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        if declares_json(content_type):
            raise bad_request("body is not valid JSON") from None
        return raw
    if not text.strip():
        raise bad_request("request body is empty")
    return text


def parse_payload(body: Union[str, bytes], content_type: Optional[str] = None) -> Any:
    """Bytes stay bytes. Text declared JSON must be JSON (400 otherwise: the client said it was);
    any other text is JSON when it parses, with exact numbers (Decimal), else the raw string."""
    if isinstance(body, bytes):
        return body
    try:
        return json.loads(body, parse_float=Decimal, parse_int=Decimal, parse_constant=_reject_constant)
    except _NonFiniteNumberError as error:
        raise bad_request(f"payload contains {error}, which is not a number DynamoDB can store") from None
    except RecursionError:
        raise bad_request(f"payload is nested deeper than {MAX_NESTING_DEPTH} levels") from None
    except ValueError:
        if declares_json(content_type):
            raise bad_request("body is not valid JSON") from None
        return body


def _number(value: Decimal) -> tuple[str, int]:
    """The number as DynamoDB will get it, and its size in bytes; RequestError if it cannot."""
    if not value.is_finite():
        raise bad_request("payload contains a number that is not finite")
    if value.is_zero():
        return "0", 1
    normalized = value.normalize(_EXACT)
    _sign, digits, _ = normalized.as_tuple()
    if len(digits) > MAX_NUMBER_DIGITS:
        raise bad_request(f"payload contains a number with more than {MAX_NUMBER_DIGITS} significant digits")
    if not MIN_NUMBER_EXPONENT <= normalized.adjusted() <= MAX_NUMBER_EXPONENT:
        raise bad_request("payload contains a number outside DynamoDB's range (1E-130 to 9.9E+125)")
    # The original text when it already fits (1.50 stays 1.50); else the normalized form.
    text = str(value) if len(value.as_tuple().digits) <= MAX_NUMBER_DIGITS else str(normalized)
    return text, (len(digits) + 1) // 2 + 1


def _string(value: str) -> int:
    try:
        return len(value.encode("utf-8"))
    except UnicodeEncodeError:
        raise bad_request("payload contains a string that is not valid Unicode") from None


def to_attribute(value: Any, depth: int = 0) -> tuple[AttributeValue, int]:
    """A JSON value as a DynamoDB AttributeValue and its size in bytes (DynamoDB's own rules).

    Raises RequestError for anything DynamoDB would reject, so the write is never attempted.
    """
    if value is None:
        return {"NULL": True}, 1
    if isinstance(value, bytes):
        return {"B": value}, len(value)  # stored byte for byte; its size is its length
    if isinstance(value, bool):
        return {"BOOL": value}, 1
    if isinstance(value, str):
        return {"S": value}, _string(value)
    if isinstance(value, (Decimal, int)):
        text, size = _number(Decimal(value))
        return {"N": text}, size
    if isinstance(value, (list, dict)):
        if depth >= MAX_NESTING_DEPTH:
            raise bad_request(f"payload is nested deeper than {MAX_NESTING_DEPTH} levels")
        size = 3
        if isinstance(value, list):
            elements: list[AttributeValue] = []
            for element in value:
                attribute, element_size = to_attribute(element, depth + 1)
                elements.append(attribute)
                size += element_size + 1
            return {"L": elements}, size
        members: dict[str, AttributeValue] = {}
        for key, member in value.items():
            if key == "":
                raise bad_request("payload contains an object with an empty key")
            attribute, member_size = to_attribute(member, depth + 1)
            members[key] = attribute
            size += _string(key) + member_size + 1
        return {"M": members}, size
    raise bad_request(f"payload contains a value of type {type(value).__name__}")


def from_attribute(attribute: AttributeValue) -> Any:
    """The inverse of to_attribute, for reading stored items back (tests, local tools)."""
    ((kind, value),) = attribute.items()
    if kind == "NULL":
        return None
    if kind in ("S", "BOOL"):
        return value
    if kind == "B":
        return bytes(value)
    if kind == "N":
        return Decimal(value)
    if kind == "L":
        return [from_attribute(v) for v in value]
    if kind == "M":
        return {k: from_attribute(v) for k, v in value.items()}
    raise ValueError(f"unexpected attribute type {kind}")


def same_attribute(left: Optional[AttributeValue], right: Optional[AttributeValue]) -> bool:
    """Whether two AttributeValues hold the same value (numbers compared as numbers: DynamoDB
    hands back 1.5 for 1.50)."""
    if not left or not right or left.keys() != right.keys():
        return False
    ((kind, a),) = left.items()
    b = right[kind]
    if kind == "N":
        return bool(Decimal(a) == Decimal(b))
    if kind == "L":
        return len(a) == len(b) and all(same_attribute(x, y) for x, y in zip(a, b))
    if kind == "M":
        return a.keys() == b.keys() and all(same_attribute(a[k], b[k]) for k in a)
    return bool(a == b)


def request_metadata(event: Mapping[str, Any]) -> dict[str, str]:
    """What is worth keeping about the request (never its credentials)."""
    context = as_mapping(event.get("requestContext"))
    identity = as_mapping(context.get("identity"))
    found = {
        "request_id": context.get("requestId"),
        "source_ip": identity.get("sourceIp"),
        "user_agent": header(event, "User-Agent") or identity.get("userAgent"),
        "content_type": header(event, "Content-Type"),
    }
    return {k: str(v) for k, v in found.items() if v}


def new_item_key(now: Optional[datetime] = None) -> tuple[str, str]:
    """A fresh (id, timestamp): a UUID4 and ISO-8601 UTC with microseconds and offset."""
    moment = now or datetime.now(timezone.utc)
    return str(uuid.uuid4()), moment.astimezone(timezone.utc).isoformat(timespec="microseconds")


def build_item(
    payload: Any, stage: str, metadata: Mapping[str, str], item_id: str, timestamp: str
) -> dict[str, AttributeValue]:
    """The item to put, in DynamoDB's wire format; RequestError (400/413) if it cannot be stored."""
    data, data_size = to_attribute(payload)
    item: dict[str, AttributeValue] = {"id": {"S": item_id}, "timestamp": {"S": timestamp}}
    if stage:
        item["stage"] = {"S": stage}
    for name, value in metadata.items():
        item[name] = {"S": value}
    size = len("data") + data_size
    for name, attribute in item.items():
        size += len(name) + _string(attribute["S"])
    if size > MAX_ITEM_BYTES:
        raise RequestError(
            413, f"payload is too large: the stored item may be at most {MAX_ITEM_BYTES} bytes"
        )
    item["data"] = data
    return item


def backoff_seconds(retry: int, jitter: float) -> float:
    """How long to wait before retry number ``retry`` (1, 2, ...): full jitter, ``jitter`` in [0, 1)."""
    return jitter * min(BACKOFF_CAP_SECONDS, BACKOFF_BASE_SECONDS * float(2**retry))


def may_attempt(remaining_seconds: float, wait_seconds: float = 0.0) -> bool:
    """Whether one more DynamoDB attempt, after waiting ``wait_seconds``, still ends with time
    to answer before the function's deadline."""
    return remaining_seconds - wait_seconds >= ATTEMPT_SECONDS + ANSWER_MARGIN_SECONDS


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


CALLER_SCOPES: Mapping[str, Callable[[Mapping[str, Any]], str]] = {
    # Nobody is known: keys are shared by every caller.
    "none": lambda event: "",
    "api_key": lambda event: f"api-key:{_identity(event).get('apiKeyId') or ''}",
    "iam": lambda event: f"iam:{_identity(event).get('userArn') or _identity(event).get('caller') or ''}",
}
"""Whose Idempotency-Keys a request's are, per api_auth mode (constructs_lib/auth.py has one
strategy per mode, and a test holds the two lists equal)."""


def caller_scope(event: Mapping[str, Any], api_auth: str) -> str:
    """Whose keys these are: the API key's id (api_key mode), the signer (iam mode); in none
    mode nobody is known and keys are shared by every caller."""
    return CALLER_SCOPES[api_auth](event)


def record_key(scope: str, key: str) -> str:
    """The idempotency table's key for a caller's key (hashed: bounded, and no identity stored)."""
    return hashlib.sha256(f"{scope}\n{key}".encode()).hexdigest()


RECORD_KEY = "key"
"""The idempotency table's partition key (the stack's key schema reads it from here)."""
RECORD_EXPIRY = "expires_at"
"""Epoch seconds after which a record counts as absent; the table's TTL attribute."""
RECORD_FINGERPRINT = "fingerprint"
RECORD_ITEM_ID = "item_id"
RECORD_ANSWER = "answer"


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


def cors_headers(allowed_origin: str) -> dict[str, str]:
    headers = {
        "Access-Control-Allow-Origin": allowed_origin,
        "Access-Control-Allow-Methods": ALLOWED_METHODS,
        "Access-Control-Allow-Headers": ALLOWED_HEADERS,
        "Access-Control-Expose-Headers": EXPOSED_HEADERS,
    }
    if allowed_origin != "*":
        headers["Vary"] = "Origin"
    return headers


def respond(
    status: int,
    body: Mapping[str, Any],
    allowed_origin: str,
    extra_headers: Optional[Mapping[str, str]] = None,
) -> dict[str, Any]:
    """An API Gateway proxy response with a JSON body and the CORS headers."""
    return respond_json(status, json.dumps(body, separators=(",", ":")), allowed_origin, extra_headers)


def respond_json(
    status: int, body: str, allowed_origin: str, extra_headers: Optional[Mapping[str, str]] = None
) -> dict[str, Any]:
    """The same, with the JSON body already serialized (a replayed answer, byte for byte)."""
    headers = {"Content-Type": "application/json", **cors_headers(allowed_origin), **(extra_headers or {})}
    return {"statusCode": status, "headers": headers, "body": body, "isBase64Encoded": False}


def error_body(message: str, request_id: Optional[str]) -> dict[str, Any]:
    return {"message": message, "request_id": request_id}
