"""Reading API Gateway's proxy event (payload format 1.0): headers, the body, the payload."""

import base64
import binascii
import fnmatch
import json
from collections.abc import Mapping
from decimal import Decimal
from typing import Any, Optional, Union

from .attributes import MAX_NESTING_DEPTH
from .errors import bad_request

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
