"""The DynamoDB writes: put an item unless its key exists, or the item and its idempotency
record together, retrying what may pass within the function's deadline. The only module of the
function that talks to AWS."""

import json
import logging
import random
import time
import uuid
from dataclasses import dataclass, field
from typing import Any, Callable, Optional, TypeVar

import boto3
from botocore.config import Config
from botocore.exceptions import ClientError, HTTPClientError
from botocore.exceptions import ConnectionError as BotoConnectionError

from .attributes import same_attribute
from .budget import CONNECT_TIMEOUT_SECONDS, MAX_ATTEMPTS, READ_TIMEOUT_SECONDS, backoff_seconds, may_attempt
from .idempotency import RECORD_ANSWER, RECORD_EXPIRY, RECORD_FINGERPRINT, RECORD_ITEM_ID, RECORD_KEY

THROTTLING_CODES = frozenset(
    {"ProvisionedThroughputExceededException", "ThrottlingException", "RequestLimitExceeded"}
)
UNAVAILABLE_CODES = frozenset({"InternalServerError", "ServiceUnavailable", "TransactionInProgressException"})
# Codes of a cancelled transaction's per-item reasons.
# https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_TransactWriteItems.html
THROTTLED_REASONS = frozenset({"ThrottlingError", "ProvisionedThroughputExceeded", "RequestLimitExceeded"})
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


def make_client() -> Any:
    """The function's DynamoDB client: default endpoint resolution (so AWS_ENDPOINT_URL_DYNAMODB
    is honoured), and one attempt per call: the store retries itself, so it can stop before the
    deadline."""
    return boto3.client(
        "dynamodb",
        config=Config(
            connect_timeout=CONNECT_TIMEOUT_SECONDS,
            read_timeout=READ_TIMEOUT_SECONDS,
            retries={"mode": "standard", "total_max_attempts": 1},
        ),
    )


def _is_own_write(existing: Optional[dict[str, Any]], item: dict[str, Any]) -> bool:
    """Whether the item already under our key is this very write, landed by an earlier attempt
    whose answer was lost (rather than another item, which must never be overwritten)."""
    if not existing or existing.keys() != item.keys():
        return False
    return all(same_attribute(existing[name], value) for name, value in item.items())


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


@dataclass
class Store:
    """The data table and the idempotency table, through one client. ``sleep`` and ``jitter``
    are the clock and the randomness of the backoff, replaceable in tests."""

    client: Any
    table_name: str
    idempotency_table_name: str
    logger: logging.Logger = field(default_factory=lambda: logging.getLogger("data_api.ingest"))
    sleep: Callable[[float], None] = time.sleep
    jitter: Callable[[], float] = random.random

    def _put_once(self, item: dict[str, Any]) -> None:
        """One attempt to put the item unless its key exists: nothing stored is ever overwritten.
        Raises RetryLaterError for what another attempt may cure."""
        try:
            self.client.put_item(
                TableName=self.table_name,
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

    def _with_retries(self, attempt_once: Callable[[], T], remaining_seconds: Callable[[], float]) -> T:
        """Run one DynamoDB attempt, retrying what may pass, but never past the function's
        deadline: every attempt starts only if it can end with time left to answer (may_attempt)."""
        if not may_attempt(remaining_seconds()):
            raise UnavailableError("NoTimeLeft")
        for attempt in range(1, MAX_ATTEMPTS + 1):
            try:
                return attempt_once()
            except RetryLaterError as error:
                if attempt == MAX_ATTEMPTS:
                    raise
                wait = backoff_seconds(attempt, self.jitter())
                if not may_attempt(remaining_seconds(), wait):
                    raise
                self.logger.debug(
                    json.dumps({"retry": attempt, "code": str(error), "wait_s": round(wait, 3)})
                )
                self.sleep(wait)
        raise AssertionError("unreachable")  # the loop returns or raises

    def put_new_item(self, item: dict[str, Any], remaining_seconds: Callable[[], float]) -> None:
        """Put the item unless its key exists, within the function's time (see _with_retries)."""
        self._with_retries(lambda: self._put_once(item), remaining_seconds)

    def _transact_once(
        self, item: dict[str, Any], record: dict[str, Any], now_epoch: int, token: str
    ) -> Optional[dict[str, Any]]:
        """One attempt to write the item and its idempotency record together, or neither. Returns
        None when both were written, else the unexpired record already under the key. Every
        attempt of a request sends the same parameters (``now_epoch`` is computed once per
        request): a token reused with other parameters is an error, not a success.
        https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_TransactWriteItems.html"""
        try:
            self.client.transact_write_items(
                # DynamoDB answers a repeat of the same token (our own retry) without writing twice.
                ClientRequestToken=token,
                TransactItems=[
                    {
                        "Put": {
                            "TableName": self.table_name,
                            "Item": item,
                            "ConditionExpression": "attribute_not_exists(id)",
                        }
                    },
                    {
                        "Put": {
                            "TableName": self.idempotency_table_name,
                            "Item": record,
                            # A record past its expiry is as good as gone, even before TTL deletes it.
                            "ConditionExpression": "attribute_not_exists(#key) OR #expires < :now",
                            "ExpressionAttributeNames": {"#key": RECORD_KEY, "#expires": RECORD_EXPIRY},
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
        self,
        item: dict[str, Any],
        record: dict[str, Any],
        now_epoch: int,
        remaining_seconds: Callable[[], float],
    ) -> Optional[str]:
        """Store the item once per key. Returns None when this request stored it, or the answer
        of the earlier request with the same key and payload, to replay; KeyReusedError for a key
        already used with another payload."""
        tokens = [item["id"]["S"][:36]]

        def attempt() -> Optional[dict[str, Any]]:
            try:
                return self._transact_once(item, record, now_epoch, tokens[-1])
            except TokenReusedError:
                tokens.append(str(uuid.uuid4()))  # let the conditions say whether we landed
                raise

        existing = self._with_retries(attempt, remaining_seconds)
        if existing is None:
            return None
        if existing.get(RECORD_FINGERPRINT, {}).get("S") != record[RECORD_FINGERPRINT]["S"]:
            raise KeyReusedError()
        if existing.get(RECORD_ITEM_ID, {}).get("S") == item["id"]["S"]:
            return None  # our own earlier attempt landed; its answer was lost
        return str(existing[RECORD_ANSWER]["S"])
