"""POST /data: store the request's payload in the data table, exactly once, never overwriting."""

import json
import logging
import os
import sys
import time
from typing import Any, Optional

import boto3
from botocore.config import Config
from botocore.exceptions import ClientError

import ingest


def _required_env(name: str) -> str:
    value = os.environ.get(name, "")
    if not value:
        # At import, so a misconfigured function fails its first cold start, not each request.
        raise RuntimeError(f"environment variable {name} must be set")
    return value


TABLE_NAME = _required_env("TABLE_NAME")
STAGE = os.environ.get("STAGE", "")
LOG_LEVEL = os.environ.get("LOG_LEVEL", "INFO").upper()
CORS_ALLOWED_ORIGIN = os.environ.get("CORS_ALLOWED_ORIGIN", "*")

CONNECT_TIMEOUT_SECONDS = 1.0
READ_TIMEOUT_SECONDS = 1.0
MAX_ATTEMPTS = 3
"""Standard retry mode, bounded: at most 3 x (1 s + 1 s) plus under 3 s of backoff, well inside
the function's timeout and API Gateway's 29 s. A PutItem normally answers in milliseconds."""
RETRY_AFTER_SECONDS = 1
THROTTLING_CODES = frozenset(
    {"ProvisionedThroughputExceededException", "ThrottlingException", "RequestLimitExceeded"}
)
ITEM_TOO_LARGE = "Item size has exceeded the maximum allowed size"

_logger = logging.getLogger("data_api.ingest")
_logger.setLevel(LOG_LEVEL)
if not logging.getLogger().handlers:  # outside Lambda (local runs): plain lines on stdout
    _stream = logging.StreamHandler(sys.stdout)
    _stream.setFormatter(logging.Formatter("%(message)s"))
    _logger.addHandler(_stream)

# Once per container; default endpoint resolution, so AWS_ENDPOINT_URL_DYNAMODB is honoured.
_dynamodb = boto3.client(
    "dynamodb",
    config=Config(
        connect_timeout=CONNECT_TIMEOUT_SECONDS,
        read_timeout=READ_TIMEOUT_SECONDS,
        retries={"mode": "standard", "total_max_attempts": MAX_ATTEMPTS},
    ),
)


class ThrottledError(Exception):
    """DynamoDB kept throttling after the SDK's retries."""


def _is_own_write(existing: Optional[dict[str, Any]], item: dict[str, Any]) -> bool:
    """Whether the item already under our key is this very write, landed by an earlier attempt
    whose answer was lost (rather than another item, which must never be overwritten)."""
    if not existing or existing.keys() != item.keys():
        return False
    return all(ingest.same_attribute(existing[name], value) for name, value in item.items())


def put_new_item(item: dict[str, Any]) -> None:
    """Put the item unless its key exists: nothing stored is ever overwritten."""
    try:
        _dynamodb.put_item(
            TableName=TABLE_NAME,
            Item=item,
            ConditionExpression="attribute_not_exists(id)",
            ReturnValuesOnConditionCheckFailure="ALL_OLD",
        )
    except ClientError as error:
        code = error.response.get("Error", {}).get("Code", "")
        if code == "ConditionalCheckFailedException" and _is_own_write(error.response.get("Item"), item):
            return
        if code in THROTTLING_CODES:
            raise ThrottledError(code) from error
        raise


def _store(event: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """Parse, build and write: the response and the facts for the log line."""
    payload = ingest.parse_payload(ingest.decode_body(event))
    item_id, timestamp = ingest.new_item_key()
    item = ingest.build_item(payload, STAGE, ingest.request_metadata(event), item_id, timestamp)
    put_new_item(item)
    body = {"id": item_id, "timestamp": timestamp, "message": "stored"}
    return ingest.respond(200, body, CORS_ALLOWED_ORIGIN), {"item_id": item_id}


def _failure(error: Exception, request_id: Optional[str]) -> tuple[dict[str, Any], dict[str, Any]]:
    """The response for a failed request: what went wrong, never how (no AWS error text)."""
    facts: dict[str, Any] = {"error": type(error).__name__}
    if isinstance(error, ingest.RequestError):
        facts["reason"] = error.message
        return ingest.respond(
            error.status, ingest.error_body(error.message, request_id), CORS_ALLOWED_ORIGIN
        ), facts
    if isinstance(error, ThrottledError):
        facts["code"] = str(error)
        body = ingest.error_body("the service is busy; retry shortly", request_id)
        headers = {"Retry-After": str(RETRY_AFTER_SECONDS)}
        return ingest.respond(503, body, CORS_ALLOWED_ORIGIN, headers), facts
    if isinstance(error, ClientError):
        code = error.response.get("Error", {}).get("Code", "")
        message = error.response.get("Error", {}).get("Message", "")
        facts["code"] = code
        if code == "ValidationException" and ITEM_TOO_LARGE in message:
            body = ingest.error_body("payload is too large to store", request_id)
            return ingest.respond(413, body, CORS_ALLOWED_ORIGIN), facts
        if code == "ValidationException":
            body = ingest.error_body("payload contains a value that cannot be stored", request_id)
            return ingest.respond(400, body, CORS_ALLOWED_ORIGIN), facts
    body = ingest.error_body("internal error; the data was not stored", request_id)
    return ingest.respond(500, body, CORS_ALLOWED_ORIGIN), facts


def handler(event: Any, context: Any) -> dict[str, Any]:
    """API Gateway REST proxy (payload 1.0) entry point. Never raises: an escaped exception
    would reach the client as API Gateway's bare 502."""
    started = time.perf_counter()
    request_id: Optional[str] = None
    try:
        if not isinstance(event, dict):
            raise ingest.bad_request("request is not an API Gateway proxy event")
        request_id = ingest.as_mapping(event.get("requestContext")).get("requestId") or getattr(
            context, "aws_request_id", None
        )
        response, facts = _store(event)
    except Exception as error:  # every failure becomes a response; see _failure
        response, facts = _failure(error, request_id)
    status = response["statusCode"]
    level = logging.INFO if status < 400 else logging.WARNING if status < 500 else logging.ERROR
    record = {
        "level": logging.getLevelName(level),
        "request_id": request_id,
        "status": status,
        "latency_ms": round((time.perf_counter() - started) * 1000, 3),
        **facts,
    }
    _logger.log(level, json.dumps(record))
    return response
