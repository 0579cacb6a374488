"""POST /data: store the request's payload in the data table, exactly once, never overwriting."""

import json
import logging
import math
import os
import random
import sys
import time
import uuid
from typing import Any, Callable, Optional, TypeVar

import boto3
from botocore.config import Config
from botocore.exceptions import ClientError, HTTPClientError
from botocore.exceptions import ConnectionError as BotoConnectionError

import ingest
from environment import FunctionEnvironment

ENVIRONMENT = FunctionEnvironment.read(os.environ)
TABLE_NAME = ENVIRONMENT.table_name
STAGE = ENVIRONMENT.stage
LOG_LEVEL = ENVIRONMENT.log_level
CORS_ALLOWED_ORIGIN = ENVIRONMENT.cors_allowed_origin
IDEMPOTENCY_TABLE_NAME = ENVIRONMENT.idempotency_table_name
IDEMPOTENCY_RETENTION_SECONDS = ENVIRONMENT.idempotency_retention_seconds
API_AUTH = ENVIRONMENT.api_auth

MAX_ATTEMPTS = ingest.MAX_ATTEMPTS
RETRY_AFTER_SECONDS = 1
THROTTLING_CODES = frozenset(
    {"ProvisionedThroughputExceededException", "ThrottlingException", "RequestLimitExceeded"}
)
UNAVAILABLE_CODES = frozenset({"InternalServerError", "ServiceUnavailable", "TransactionInProgressException"})
# Codes of a cancelled transaction's per-item reasons.
# https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_TransactWriteItems.html
THROTTLED_REASONS = frozenset({"ThrottlingError", "ProvisionedThroughputExceeded", "RequestLimitExceeded"})
ITEM_TOO_LARGE = "Item size has exceeded the maximum allowed size"

_logger = logging.getLogger("data_api.ingest")
_logger.setLevel(LOG_LEVEL)
if not logging.getLogger().handlers:  # outside Lambda (local runs): plain lines on stdout
    _stream = logging.StreamHandler(sys.stdout)
    _stream.setFormatter(logging.Formatter("%(message)s"))
    _logger.addHandler(_stream)

# Once per container; default endpoint resolution, so AWS_ENDPOINT_URL_DYNAMODB is honoured.
# One attempt per call: put_new_item retries itself, so it can stop before the deadline.
_dynamodb = boto3.client(
    "dynamodb",
    config=Config(
        connect_timeout=ingest.CONNECT_TIMEOUT_SECONDS,
        read_timeout=ingest.READ_TIMEOUT_SECONDS,
        retries={"mode": "standard", "total_max_attempts": 1},
    ),
)
_sleep = time.sleep
T = TypeVar("T")


class RetryLaterError(Exception):
    """DynamoDB did not take the write in the time we have: the client should retry (503)."""


class ThrottledError(RetryLaterError):
    """DynamoDB kept throttling after our retries."""


class UnavailableError(RetryLaterError):
    """DynamoDB kept failing or not answering after our retries, or no time was left to try."""


class KeyInUseError(RetryLaterError):
    """Another request with the same Idempotency-Key was being written at the same moment, and
    kept winning: the client retries, and then gets that request's answer (409)."""


class TokenReusedError(UnavailableError):
    """DynamoDB saw our ClientRequestToken with other parameters: an earlier attempt of this very
    request may have landed. The next attempt uses a fresh token, so the table's conditions (not
    the token) tell whether it did; out of attempts, the client retries (503), never a 500."""


class KeyReusedError(Exception):
    """The Idempotency-Key was already used for another payload (422)."""


def _remaining_seconds(context: Any) -> Callable[[], float]:
    """The function's time left, from its context (Lambda's own clock); unbounded without one."""
    remaining = getattr(context, "get_remaining_time_in_millis", None)
    if remaining is None:
        return lambda: math.inf
    return lambda: float(remaining()) / 1000


def _is_own_write(existing: Optional[dict[str, Any]], item: dict[str, Any]) -> bool:
    """Whether the item already under our key is this very write, landed by an earlier attempt
    whose answer was lost (rather than another item, which must never be overwritten)."""
    if not existing or existing.keys() != item.keys():
        return False
    return all(ingest.same_attribute(existing[name], value) for name, value in item.items())


def _retryable(error: ClientError) -> Optional[RetryLaterError]:
    """What another attempt may cure, from DynamoDB's error: throttling, or a failure on its side."""
    code = error.response.get("Error", {}).get("Code", "")
    if code in THROTTLING_CODES:
        return ThrottledError(code)
    if (
        code in UNAVAILABLE_CODES
        or error.response.get("ResponseMetadata", {}).get("HTTPStatusCode", 0) >= 500
    ):
        return UnavailableError(code)
    return None


def _put_once(item: dict[str, Any]) -> None:
    """One attempt to put the item unless its key exists: nothing stored is ever overwritten.
    Raises RetryLaterError for what another attempt may cure."""
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
            return  # an earlier attempt landed, its answer was lost
        retry = _retryable(error)
        if retry is not None:
            raise retry from error
        raise
    except (BotoConnectionError, HTTPClientError) as error:  # timeouts, refused or dropped connections
        raise UnavailableError(type(error).__name__) from error


def _with_retries(attempt_once: Callable[[], T], remaining_seconds: Callable[[], float]) -> T:
    """Run one DynamoDB attempt, retrying what may pass, but never past the function's deadline:
    every attempt starts only if it can end with time left to answer (ingest.may_attempt)."""
    if not ingest.may_attempt(remaining_seconds()):
        raise UnavailableError("NoTimeLeft")
    for attempt in range(1, MAX_ATTEMPTS + 1):
        try:
            return attempt_once()
        except RetryLaterError as error:
            if attempt == MAX_ATTEMPTS:
                raise
            wait = ingest.backoff_seconds(attempt, random.random())
            if not ingest.may_attempt(remaining_seconds(), wait):
                raise
            _logger.debug(json.dumps({"retry": attempt, "code": str(error), "wait_s": round(wait, 3)}))
            _sleep(wait)
    raise AssertionError("unreachable")  # the loop returns or raises


def put_new_item(item: dict[str, Any], remaining_seconds: Callable[[], float]) -> None:
    """Put the item unless its key exists, within the function's time (see _with_retries)."""
    _with_retries(lambda: _put_once(item), remaining_seconds)


def _transact_once(
    item: dict[str, Any], record: dict[str, Any], now_epoch: int, token: str
) -> Optional[dict[str, Any]]:
    """One attempt to write the item and its idempotency record together, or neither. Returns
    None when both were written, else the unexpired record already under the key. Every attempt
    of a request sends the same parameters (``now_epoch`` is computed once per request): a token
    reused with other parameters is an error, not a success.
    https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_TransactWriteItems.html"""
    try:
        _dynamodb.transact_write_items(
            # DynamoDB answers a repeat of the same token (our own retry) without writing twice.
            ClientRequestToken=token,
            TransactItems=[
                {
                    "Put": {
                        "TableName": TABLE_NAME,
                        "Item": item,
                        "ConditionExpression": "attribute_not_exists(id)",
                    }
                },
                {
                    "Put": {
                        "TableName": IDEMPOTENCY_TABLE_NAME,
                        "Item": record,
                        # A record past its expiry is as good as gone, even before TTL deletes it.
                        "ConditionExpression": "attribute_not_exists(#key) OR #expires < :now",
                        "ExpressionAttributeNames": {
                            "#key": ingest.RECORD_KEY,
                            "#expires": ingest.RECORD_EXPIRY,
                        },
                        "ExpressionAttributeValues": {":now": {"N": str(now_epoch)}},
                        "ReturnValuesOnConditionCheckFailure": "ALL_OLD",
                    }
                },
            ],
        )
    except ClientError as error:
        code = error.response.get("Error", {}).get("Code", "")
        if code == "IdempotentParameterMismatchException":
            raise TokenReusedError(code) from error
        if code == "TransactionCanceledException":
            reasons = error.response.get("CancellationReasons") or []
            codes = {reason.get("Code") for reason in reasons}
            if codes & THROTTLED_REASONS:
                raise ThrottledError(next(iter(codes & THROTTLED_REASONS))) from error
            if "TransactionConflict" in codes:  # another request on the same key, right now
                raise KeyInUseError("TransactionConflict") from error
            if (
                len(reasons) > 1
                and reasons[1].get("Code") == "ConditionalCheckFailed"
                and reasons[1].get("Item")
            ):
                return dict(reasons[1]["Item"])
        retry = _retryable(error)
        if retry is not None:
            raise retry from error
        raise
    except (BotoConnectionError, HTTPClientError) as error:
        raise UnavailableError(type(error).__name__) from error
    return None


def put_idempotent(
    item: dict[str, Any], record: dict[str, Any], now_epoch: int, remaining_seconds: Callable[[], float]
) -> Optional[str]:
    """Store the item once per key. Returns None when this request stored it, or the answer of
    the earlier request with the same key and payload, to replay; KeyReusedError for a key
    already used with another payload."""
    tokens = [item["id"]["S"][:36]]

    def attempt() -> Optional[dict[str, Any]]:
        try:
            return _transact_once(item, record, now_epoch, tokens[-1])
        except TokenReusedError:
            tokens.append(str(uuid.uuid4()))  # let the conditions say whether we landed
            raise

    existing = _with_retries(attempt, remaining_seconds)
    if existing is None:
        return None
    if existing.get(ingest.RECORD_FINGERPRINT, {}).get("S") != record[ingest.RECORD_FINGERPRINT]["S"]:
        raise KeyReusedError()
    if existing.get(ingest.RECORD_ITEM_ID, {}).get("S") == item["id"]["S"]:
        return None  # our own earlier attempt landed; its answer was lost
    return str(existing[ingest.RECORD_ANSWER]["S"])


def _store(event: dict[str, Any], context: Any) -> tuple[dict[str, Any], dict[str, Any]]:
    """Parse, build and write: the response and the facts for the log line."""
    key = ingest.idempotency_key(event)
    content_type = ingest.header(event, "Content-Type")
    body = ingest.decode_body(event)
    payload = ingest.parse_payload(body, content_type)
    item_id, timestamp = ingest.new_item_key()
    item = ingest.build_item(payload, STAGE, ingest.request_metadata(event), item_id, timestamp)
    answer = json.dumps({"id": item_id, "timestamp": timestamp, "message": "stored"}, separators=(",", ":"))
    if key is None:  # no key: one conditional put, exactly as without the feature
        put_new_item(item, _remaining_seconds(context))
        return ingest.respond_json(200, answer, CORS_ALLOWED_ORIGIN), {"item_id": item_id}
    if not IDEMPOTENCY_TABLE_NAME:
        raise RuntimeError("IDEMPOTENCY_TABLE_NAME is not set")
    now_epoch = int(time.time())  # once per request: every attempt must send the same values
    record = ingest.build_record(
        ingest.record_key(ingest.caller_scope(event, API_AUTH), key),
        ingest.body_fingerprint(body, content_type),
        item_id,
        timestamp,
        answer,
        now_epoch,
        IDEMPOTENCY_RETENTION_SECONDS,
    )
    earlier = put_idempotent(item, record, now_epoch, _remaining_seconds(context))
    if earlier is None:
        return ingest.respond_json(200, answer, CORS_ALLOWED_ORIGIN), {
            "item_id": item_id,
            "idempotent": "stored",
        }
    replayed = ingest.respond_json(200, earlier, CORS_ALLOWED_ORIGIN, {ingest.REPLAYED_HEADER: "true"})
    return replayed, {"item_id": json.loads(earlier).get("id"), "idempotent": "replayed"}


def _failure(error: Exception, request_id: Optional[str]) -> tuple[dict[str, Any], dict[str, Any]]:
    """The response for a failed request: what went wrong, never how (no AWS error text)."""
    facts: dict[str, Any] = {"error": type(error).__name__}
    if isinstance(error, ingest.RequestError):
        facts["reason"] = error.message
        return ingest.respond(
            error.status, ingest.error_body(error.message, request_id), CORS_ALLOWED_ORIGIN
        ), facts
    if isinstance(error, KeyReusedError):
        message = f"{ingest.IDEMPOTENCY_HEADER} was already used for another payload; use a new key"
        return ingest.respond(422, ingest.error_body(message, request_id), CORS_ALLOWED_ORIGIN), facts
    if isinstance(error, KeyInUseError):
        message = f"a request with this {ingest.IDEMPOTENCY_HEADER} is being processed; retry shortly"
        headers = {"Retry-After": str(RETRY_AFTER_SECONDS)}
        return ingest.respond(
            409, ingest.error_body(message, request_id), CORS_ALLOWED_ORIGIN, headers
        ), facts
    if isinstance(error, RetryLaterError):
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
        response, facts = _store(event, context)
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
