"""The function's answers: API Gateway proxy responses with a JSON body and the CORS headers."""

import json
from collections.abc import Mapping, Sequence
from typing import Any, Optional

from .idempotency import IDEMPOTENCY_HEADER, REPLAYED_HEADER

ALLOWED_METHODS = "OPTIONS,POST"
ALLOWED_HEADERS = f"Content-Type,X-Amz-Date,Authorization,X-Api-Key,X-Amz-Security-Token,{IDEMPOTENCY_HEADER}"
EXPOSED_HEADERS = REPLAYED_HEADER
"""Response headers a browser script may read (Access-Control-Expose-Headers)."""


def cors_headers(allowed_origin: Optional[str]) -> dict[str, str]:
    """The CORS headers of an answer: ``allowed_origin`` is the Access-Control-Allow-Origin value,
    or None for none (a request from an origin that is not allowed). Unless every origin is
    allowed, the answer depends on the request's Origin: Vary says so to caches."""
    headers = {}
    if allowed_origin is not None:
        headers["Access-Control-Allow-Origin"] = allowed_origin
    headers.update(
        {
            "Access-Control-Allow-Methods": ALLOWED_METHODS,
            "Access-Control-Allow-Headers": ALLOWED_HEADERS,
            "Access-Control-Expose-Headers": EXPOSED_HEADERS,
        }
    )
    if allowed_origin != "*":
        headers["Vary"] = "Origin"
    return headers


def allowed_origin(allowed: Sequence[str], request_origin: Optional[str]) -> Optional[str]:
    """What Access-Control-Allow-Origin says to a request from ``request_origin``: ``*`` when any
    origin is allowed, the origin itself when it is listed, else nothing (None)."""
    if "*" in allowed:
        return "*"
    if request_origin is not None and request_origin in allowed:
        return request_origin
    return None


def respond(
    status: int,
    body: Mapping[str, Any],
    allowed_origin: Optional[str],
    extra_headers: Optional[Mapping[str, str]] = None,
) -> dict[str, Any]:
    """An API Gateway proxy response with a JSON body and the CORS headers."""
    return respond_json(status, json.dumps(body, separators=(",", ":")), allowed_origin, extra_headers)


def respond_json(
    status: int, body: str, allowed_origin: Optional[str], extra_headers: Optional[Mapping[str, str]] = None
) -> dict[str, Any]:
    """The same, with the JSON body already serialized (a replayed answer, byte for byte)."""
    headers = {"Content-Type": "application/json", **cors_headers(allowed_origin), **(extra_headers or {})}
    return {"statusCode": status, "headers": headers, "body": body, "isBase64Encoded": False}


def error_body(message: str, request_id: Optional[str], detail: Optional[str] = None) -> dict[str, Any]:
    """A refusal's body: ``message``, then ``error`` (what exactly) when there is more to say."""
    if detail is None:
        return {"message": message, "request_id": request_id}
    return {"message": message, "error": detail, "request_id": request_id}
