"""A keyed write whose first attempt landed but whose answer was lost: the retry must not turn a
stored write into a 500.

moto ignores ClientRequestToken, so a small fake of TransactWriteItems stands in here, written
from the API reference: a repeat of a token with the same parameters within ten minutes answers
without writing again; the same token with other parameters is IdempotentParameterMismatchException.
https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_TransactWriteItems.html
"""

from __future__ import annotations

import json
from typing import Any

import ingest
import pytest
from botocore.exceptions import ClientError, ReadTimeoutError

from tests.function.conftest import IDEMPOTENCY_TABLE, TABLE, load_handler, make_event


class Clock:
    def __init__(self) -> None:
        self.now = 1_800_000_000.0

    def time(self) -> float:
        return self.now

    def perf_counter(self) -> float:
        return self.now


class TokenHonouringDynamoDB:
    """TransactWriteItems of conditional Puts, all or nothing, with DynamoDB's token rules."""

    def __init__(
        self, clock: Clock, lose_answer_of: set[int], mismatch_on: frozenset[int] | set[int] = frozenset()
    ) -> None:
        self.clock = clock
        self.tables: dict[str, dict[str, dict[str, Any]]] = {TABLE: {}, IDEMPOTENCY_TABLE: {}}
        self.tokens: dict[str, str] = {}
        self.calls: list[dict[str, Any]] = []
        self.lose_answer_of, self.mismatch_on = lose_answer_of, mismatch_on

    def transact_write_items(self, **request: Any) -> dict[str, Any]:
        token: str = request["ClientRequestToken"]
        transact_items: list[dict[str, Any]] = request["TransactItems"]
        self.calls.append({"token": token, "items": transact_items})
        call = len(self.calls)
        parameters = json.dumps(transact_items, sort_keys=True)
        if call in self.mismatch_on or self.tokens.get(token, parameters) != parameters:
            raise ClientError(
                {"Error": {"Code": "IdempotentParameterMismatchException"}}, "TransactWriteItems"
            )
        if token not in self.tokens:
            self._commit(transact_items)
            self.tokens[token] = parameters
        if call in self.lose_answer_of:
            self.clock.now += 2  # the answer never arrives; the retry comes two seconds later
            raise ReadTimeoutError(endpoint_url="https://dynamodb.us-east-1.amazonaws.com")
        return {}

    def _commit(self, transact_items: list[dict[str, Any]]) -> None:
        reasons, failed = [], False
        for entry in transact_items:
            put = entry["Put"]
            table, item = self.tables[put["TableName"]], put["Item"]
            key = item["id"]["S"] if "id" in item else item["key"]["S"]
            existing = table.get(key)
            if put["TableName"] == IDEMPOTENCY_TABLE:
                now = int(put["ExpressionAttributeValues"][":now"]["N"])
                blocked = existing is not None and int(existing["expires_at"]["N"]) >= now
            else:
                blocked = existing is not None
            reason: dict[str, Any] = {"Code": "ConditionalCheckFailed" if blocked else "None"}
            if blocked and put.get("ReturnValuesOnConditionCheckFailure") == "ALL_OLD":
                reason["Item"] = existing
            reasons.append(reason)
            failed = failed or blocked
        if failed:
            raise ClientError(
                {"Error": {"Code": "TransactionCanceledException"}, "CancellationReasons": reasons},
                "TransactWriteItems",
            )
        for entry in transact_items:
            item = entry["Put"]["Item"]
            self.tables[entry["Put"]["TableName"]][("id" in item and item["id"]["S"]) or item["key"]["S"]] = (
                item
            )


@pytest.fixture
def wired(aws_env: None, monkeypatch: pytest.MonkeyPatch) -> Any:
    handler = load_handler()
    clock = Clock()
    monkeypatch.setattr(handler.SERVICE, "now", clock.time)
    monkeypatch.setattr(handler.SERVICE.store, "sleep", lambda seconds: None)

    def wire(**faults: Any) -> tuple[Any, TokenHonouringDynamoDB]:
        fake = TokenHonouringDynamoDB(clock, **faults)
        monkeypatch.setattr(handler.SERVICE.store, "client", fake)
        return handler, fake

    return wire


def keyed_event() -> dict[str, Any]:
    headers = {"Content-Type": "application/json", "Idempotency-Key": "order-42"}
    return make_event('{"n": 1}', headers=headers, multiValueHeaders={k: [v] for k, v in headers.items()})


def test_a_retry_after_a_lost_answer_sends_the_same_parameters_and_answers_200(wired) -> None:
    handler, fake = wired(lose_answer_of={1})
    response = handler.handler(keyed_event(), None)
    assert response["statusCode"] == 200, response
    assert len(fake.calls) == 2
    # Same token, same parameters (":now" included, though the clock moved on): DynamoDB's own
    # idempotency answers the retry, and nothing is written twice.
    assert fake.calls[1] == fake.calls[0]
    assert len(fake.tables[TABLE]) == 1
    assert len(fake.tables[IDEMPOTENCY_TABLE]) == 1
    assert json.loads(response["body"])["id"] in fake.tables[TABLE]


def test_a_token_mismatch_after_a_landed_write_is_resolved_by_the_tables_conditions(wired) -> None:
    handler, fake = wired(lose_answer_of={1}, mismatch_on={2})
    response = handler.handler(keyed_event(), None)
    assert response["statusCode"] == 200, response
    tokens = [c["token"] for c in fake.calls]
    assert len(tokens) == 3
    assert tokens[0] == tokens[1] != tokens[2]
    # The third attempt met our own record (same item id): the stored write's own answer, once.
    assert len(fake.tables[TABLE]) == 1
    assert json.loads(response["body"])["id"] in fake.tables[TABLE]
    assert ingest.REPLAYED_HEADER not in response["headers"]


def test_mismatches_until_the_attempts_run_out_are_503_never_500(wired) -> None:
    handler, _fake = wired(lose_answer_of={1}, mismatch_on={2, 3})
    response = handler.handler(keyed_event(), None)
    assert response["statusCode"] == 503
    assert response["headers"]["Retry-After"]
