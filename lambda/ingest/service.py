"""One request, from API Gateway's event to the answer and its log line; and the one place the
function's configuration and DynamoDB client are built (Service.from_environment)."""

import json
import logging
import sys
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Callable, Optional

from botocore.exceptions import ClientError

from environment import FunctionEnvironment

from .answers import allowed_origin, error_body, respond, respond_json
from .attributes import build_item, new_item_key
from .budget import RETRY_AFTER_SECONDS
from .context import LambdaContext, remaining_seconds
from .errors import RequestError, bad_request
from .event import as_mapping, decode_body, header, parse_payload, request_metadata
from .idempotency import (
    IDEMPOTENCY_HEADER,
    REPLAYED_HEADER,
    body_fingerprint,
    build_record,
    caller_scope,
    idempotency_key,
    record_key,
)
from .schema import PayloadSchema
from .store import KeyInUseError, KeyReusedError, RetryLaterError, Store, make_client

ITEM_TOO_LARGE = "Item size has exceeded the maximum allowed size"
LOGGER_NAME = "data_api.ingest"


def function_logger(level: str) -> logging.Logger:
    """The function's logger: one JSON line per request. Outside Lambda (local runs), plain
    lines on stdout; in Lambda, its own handler."""
    logger = logging.getLogger(LOGGER_NAME)
    logger.setLevel(level)
    if not logging.getLogger().handlers and not logger.handlers:
        stream = logging.StreamHandler(sys.stdout)
        stream.setFormatter(logging.Formatter("%(message)s"))
        logger.addHandler(stream)
    return logger


@dataclass
class Service:
    """POST /data for one environment: what it was told (``environment``), where it writes
    (``store``), where it logs (``logger``) and what time it is (``now``)."""

    environment: FunctionEnvironment
    store: Store
    logger: logging.Logger
    now: Callable[[], float] = time.time
    """The wall clock that dates idempotency records, replaceable in tests."""
    schema: Optional[PayloadSchema] = None
    """The payload schema every payload must match (the setting payload_schema), if any."""

    @classmethod
    def from_environment(cls, env: Mapping[str, str], client: Optional[Any] = None) -> "Service":
        """The function as its variables configure it, with ``client`` or the function's own
        DynamoDB client (made once per container: Lambda's init phase pays for it)."""
        environment = FunctionEnvironment.read(env)
        logger = function_logger(environment.log_level)
        store = Store(
            client if client is not None else make_client(),
            environment.table_name,
            environment.idempotency_table_name,
            logger,
        )
        return cls(environment, store, logger, schema=PayloadSchema.load(environment.payload_schema_sha256))

    def _store(
        self, event: dict[str, Any], context: Optional[LambdaContext], origin: Optional[str]
    ) -> tuple[dict[str, Any], dict[str, Any]]:
        """Parse, build and write: the response and the facts for the log line."""
        env = self.environment
        key = idempotency_key(event)
        content_type = header(event, "Content-Type")
        body = decode_body(event)
        payload = parse_payload(body, content_type)
        if self.schema is not None:
            self.schema.check(body, payload)
        item_id, timestamp = new_item_key()
        item = build_item(payload, env.stage, request_metadata(event), item_id, timestamp)
        answer = json.dumps(
            {"id": item_id, "timestamp": timestamp, "message": "stored"}, separators=(",", ":")
        )
        if key is None:  # no key: one conditional put, exactly as without the feature
            self.store.put_new_item(item, remaining_seconds(context))
            return respond_json(200, answer, origin), {"item_id": item_id}
        if not env.idempotency_table_name:
            raise RuntimeError("IDEMPOTENCY_TABLE_NAME is not set")
        now_epoch = int(self.now())  # once per request: every attempt must send the same values
        record = build_record(
            record_key(caller_scope(event, env.api_auth), key),
            body_fingerprint(body, content_type),
            item_id,
            timestamp,
            answer,
            now_epoch,
            env.idempotency_retention_seconds,
        )
        earlier = self.store.put_idempotent(item, record, now_epoch, remaining_seconds(context))
        if earlier is None:
            return respond_json(200, answer, origin), {
                "item_id": item_id,
                "idempotent": "stored",
            }
        replayed = respond_json(200, earlier, origin, {REPLAYED_HEADER: "true"})
        return replayed, {"item_id": json.loads(earlier).get("id"), "idempotent": "replayed"}

    def _failure(
        self, error: Exception, request_id: Optional[str], origin: Optional[str]
    ) -> tuple[dict[str, Any], dict[str, Any]]:
        """The response for a failed request: what went wrong, never how (no AWS error text)."""
        facts: dict[str, Any] = {"error": type(error).__name__}
        if isinstance(error, RequestError):
            facts["reason"] = error.detail or error.message
            return respond(error.status, error_body(error.message, request_id, error.detail), origin), facts
        if isinstance(error, KeyReusedError):
            message = f"{IDEMPOTENCY_HEADER} was already used for another payload; use a new key"
            return respond(422, error_body(message, request_id), origin), facts
        retry_after = {"Retry-After": str(RETRY_AFTER_SECONDS)}
        if isinstance(error, KeyInUseError):
            message = f"a request with this {IDEMPOTENCY_HEADER} is being processed; retry shortly"
            return respond(409, error_body(message, request_id), origin, retry_after), facts
        if isinstance(error, RetryLaterError):
            facts["code"] = str(error)
            body = error_body("the service is busy; retry shortly", request_id)
            return respond(503, body, origin, retry_after), facts
        if isinstance(error, ClientError):
            code = error.response.get("Error", {}).get("Code", "")
            message = error.response.get("Error", {}).get("Message", "")
            facts["code"] = code
            if code == "ValidationException" and ITEM_TOO_LARGE in message:
                return respond(413, error_body("payload is too large to store", request_id), origin), facts
            if code == "ValidationException":
                body = error_body("payload contains a value that cannot be stored", request_id)
                return respond(400, body, origin), facts
        body = error_body("internal error; the data was not stored", request_id)
        return respond(500, body, origin), facts

    def handle(self, event: Any, context: Optional[LambdaContext]) -> dict[str, Any]:
        """API Gateway REST proxy (payload 1.0) request to response. Never raises: an escaped
        exception would reach the client as API Gateway's bare 502."""
        started = time.perf_counter()
        request_id: Optional[str] = None
        # The CORS answer depends on the request's Origin when not every origin is allowed.
        sent_origin = header(event, "Origin") if isinstance(event, dict) else None
        origin = allowed_origin(self.environment.cors_allowed_origins, sent_origin)
        try:
            if not isinstance(event, dict):
                raise bad_request("request is not an API Gateway proxy event")
            request_id = as_mapping(event.get("requestContext")).get("requestId") or getattr(
                context, "aws_request_id", None
            )
            response, facts = self._store(event, context, origin)
        except Exception as error:  # every failure becomes a response; see _failure
            response, facts = self._failure(error, request_id, origin)
        status = response["statusCode"]
        level = logging.INFO if status < 400 else logging.WARNING if status < 500 else logging.ERROR
        line = {
            "level": logging.getLevelName(level),
            "request_id": request_id,
            "status": status,
            "latency_ms": round((time.perf_counter() - started) * 1000, 3),
            **facts,
        }
        self.logger.log(level, json.dumps(line))
        return response
