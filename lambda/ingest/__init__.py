"""The function's rules for POST /data, one module per concern:

- ``event``: reading API Gateway's proxy event (headers, body, payload);
- ``attributes``: payloads as DynamoDB items, sized by DynamoDB's rules;
- ``idempotency``: the Idempotency-Key header, whose keys they are, the record per key;
- ``answers``: the responses and their CORS headers;
- ``budget``: the retry budget within the function's deadline;
- ``errors``: what a request did wrong;
- ``schema``: the payload schema's check (the setting payload_schema);
- ``context``: Lambda's context object, typed;
- ``store``: the DynamoDB writes (the only module that talks to AWS);
- ``service``: one request from event to answer and log line, and the one place its
  configuration and client are built.

This package imports only the pure modules (standard library, Python 3.9 syntax: the function
runs on every runtime the stack allows), so the rest of the project reads the same rules
without boto3; ``store`` and ``service`` are imported by the handler.
"""

from .answers import (
    ALLOWED_HEADERS,
    ALLOWED_METHODS,
    EXPOSED_HEADERS,
    allowed_origin,
    cors_headers,
    error_body,
    respond,
    respond_json,
)
from .attributes import (
    MAX_ITEM_BYTES,
    MAX_NESTING_DEPTH,
    MAX_NUMBER_DIGITS,
    MAX_NUMBER_EXPONENT,
    MIN_NUMBER_EXPONENT,
    AttributeValue,
    build_item,
    from_attribute,
    new_item_key,
    same_attribute,
    to_attribute,
)
from .budget import (
    ANSWER_MARGIN_SECONDS,
    ATTEMPT_SECONDS,
    BACKOFF_BASE_SECONDS,
    BACKOFF_CAP_SECONDS,
    CONNECT_TIMEOUT_SECONDS,
    MAX_ATTEMPTS,
    MIN_FUNCTION_TIMEOUT_SECONDS,
    READ_TIMEOUT_SECONDS,
    RETRY_AFTER_SECONDS,
    backoff_seconds,
    may_attempt,
)
from .errors import RequestError, bad_request
from .event import (
    BINARY_MEDIA_TYPES,
    as_mapping,
    declares_json,
    decode_body,
    header,
    is_binary_type,
    media_type,
    parse_payload,
    request_metadata,
)
from .idempotency import (
    CALLER_SCOPES,
    IDEMPOTENCY_HEADER,
    MAX_IDEMPOTENCY_KEY_LENGTH,
    RECORD_ANSWER,
    RECORD_EXPIRY,
    RECORD_FINGERPRINT,
    RECORD_ITEM_ID,
    RECORD_KEY,
    REPLAYED_HEADER,
    body_fingerprint,
    build_record,
    caller_scope,
    idempotency_key,
    record_key,
)
from .schema import (
    INVALID_BODY_MESSAGE,
    VALIDATOR_MODULE,
    PayloadSchema,
    SchemaMismatchError,
    failing_path,
)

__all__ = [
    "ALLOWED_HEADERS",
    "ALLOWED_METHODS",
    "ANSWER_MARGIN_SECONDS",
    "ATTEMPT_SECONDS",
    "BACKOFF_BASE_SECONDS",
    "BACKOFF_CAP_SECONDS",
    "BINARY_MEDIA_TYPES",
    "CALLER_SCOPES",
    "CONNECT_TIMEOUT_SECONDS",
    "EXPOSED_HEADERS",
    "IDEMPOTENCY_HEADER",
    "INVALID_BODY_MESSAGE",
    "MAX_ATTEMPTS",
    "MAX_IDEMPOTENCY_KEY_LENGTH",
    "MAX_ITEM_BYTES",
    "MAX_NESTING_DEPTH",
    "MAX_NUMBER_DIGITS",
    "MAX_NUMBER_EXPONENT",
    "MIN_FUNCTION_TIMEOUT_SECONDS",
    "MIN_NUMBER_EXPONENT",
    "READ_TIMEOUT_SECONDS",
    "RECORD_ANSWER",
    "RECORD_EXPIRY",
    "RECORD_FINGERPRINT",
    "RECORD_ITEM_ID",
    "RECORD_KEY",
    "REPLAYED_HEADER",
    "RETRY_AFTER_SECONDS",
    "VALIDATOR_MODULE",
    "AttributeValue",
    "PayloadSchema",
    "RequestError",
    "SchemaMismatchError",
    "allowed_origin",
    "as_mapping",
    "backoff_seconds",
    "bad_request",
    "body_fingerprint",
    "build_item",
    "build_record",
    "caller_scope",
    "cors_headers",
    "declares_json",
    "decode_body",
    "error_body",
    "failing_path",
    "from_attribute",
    "header",
    "idempotency_key",
    "is_binary_type",
    "may_attempt",
    "media_type",
    "new_item_key",
    "parse_payload",
    "record_key",
    "request_metadata",
    "respond",
    "respond_json",
    "same_attribute",
    "to_attribute",
]
