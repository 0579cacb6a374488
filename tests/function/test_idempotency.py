"""The Idempotency-Key header: parsing, fingerprints, replay, 422, expiry, scoping, and faults."""

from __future__ import annotations

import json
import time
from typing import Any

import ingest
import pytest
from botocore.exceptions import ReadTimeoutError
from botocore.httpsession import URLLib3Session

from tests.function.conftest import Deployed, function_service, make_event
from tests.function.test_handler_faults import _Raw, dynamodb_error, inject

# --- the header ---------------------------------------------------------------------------


def keyed(
    key: str | None, body: str = '{"n": 1}', content_type: str = "application/json", **context: Any
) -> Any:
    headers = {"Content-Type": content_type}
    if key is not None:
        headers["Idempotency-Key"] = key
    event = make_event(body, headers=headers, multiValueHeaders={k: [v] for k, v in headers.items()})
    event["requestContext"].update(context)
    return event


@pytest.mark.parametrize(
    ("sent", "key"),
    [
        ("abc-123", "abc-123"),
        ('"abc-123"', "abc-123"),
        ('"a \\"quoted\\" \\\\ key"', 'a "quoted" \\ key'),
        ("  padded  ", "padded"),
        ("x" * 255, "x" * 255),
        ("!#$%&'()*+,-./:;<=>?@[]^_`{|}~", "!#$%&'()*+,-./:;<=>?@[]^_`{|}~"),
    ],
)
def test_a_key_is_taken_bare_or_as_a_structured_field_string(sent: str, key: str) -> None:
    assert ingest.idempotency_key(keyed(sent)) == key


def test_the_header_name_is_case_insensitive() -> None:
    event = make_event("{}", headers={"idempotency-KEY": "k1"}, multiValueHeaders={})
    assert ingest.idempotency_key(event) == "k1"
    assert ingest.idempotency_key(make_event("{}")) is None


@pytest.mark.parametrize(
    "sent", ["", '""', "x" * 256, "clé", "tab\there", '"bad \\n escape"', '"open', '"a"b"']
)
def test_other_keys_are_400_saying_what_is_allowed(sent: str) -> None:
    with pytest.raises(ingest.RequestError) as caught:
        ingest.idempotency_key(keyed(sent))
    assert caught.value.status == 400
    assert caught.value.message.startswith("Idempotency-Key ")


def test_the_fingerprint_covers_the_body_bytes_and_the_content_type() -> None:
    base = ingest.body_fingerprint('{"n": 1}', "application/json")
    assert base == ingest.body_fingerprint(b'{"n": 1}', "application/json")
    assert base != ingest.body_fingerprint('{"n":1}', "application/json")
    assert base != ingest.body_fingerprint('{"n": 1}', "text/plain")


def test_keys_are_scoped_to_the_caller_the_auth_mode_knows() -> None:
    event = keyed("k", identity={"apiKeyId": "key-1", "userArn": "arn:aws:iam::1:user/a", "sourceIp": "1"})
    assert ingest.caller_scope(event, "none") == ""
    assert ingest.caller_scope(event, "api_key") == "api-key:key-1"
    assert ingest.caller_scope(event, "iam") == "iam:arn:aws:iam::1:user/a"
    assert ingest.record_key("api-key:key-1", "k") != ingest.record_key("api-key:key-2", "k")


def test_in_cognito_mode_keys_are_scoped_to_the_app_client() -> None:
    """API Gateway hands a Cognito authorizer's claims on as strings under authorizer.claims; a
    client-credentials access token names its app client in client_id (and sub)."""
    event = keyed("k")
    event["requestContext"]["authorizer"] = {
        "claims": {"client_id": "app-1", "sub": "app-1", "scope": "x/write"}
    }
    assert ingest.caller_scope(event, "cognito") == "cognito:app-1"
    event["requestContext"]["authorizer"] = {"claims": {"sub": "app-2"}}
    assert ingest.caller_scope(event, "cognito") == "cognito:app-2"
    event["requestContext"]["authorizer"] = None  # never crash on a malformed event
    assert ingest.caller_scope(event, "cognito") == "cognito:"
    assert ingest.record_key("cognito:app-1", "k") != ingest.record_key("cognito:app-2", "k")


# --- the handler against DynamoDB (moto) --------------------------------------------------


def test_a_first_request_stores_the_item_and_its_record(deployed: Deployed) -> None:
    before = int(time.time())
    response = deployed.invoke(keyed("order-1"))
    assert response["statusCode"] == 200
    assert ingest.REPLAYED_HEADER not in response["headers"]
    (item,) = deployed.items()
    (record,) = deployed.records()
    answer = json.loads(response["body"])
    assert (record["item_id"]["S"], record["item_timestamp"]["S"]) == (answer["id"], answer["timestamp"])
    assert record["answer"]["S"] == response["body"]
    assert before + 86400 <= int(record["expires_at"]["N"]) <= int(time.time()) + 86400
    assert item["id"]["S"] == answer["id"]


def test_a_repeat_gets_the_same_answer_and_stores_nothing(deployed: Deployed) -> None:
    first = deployed.invoke(keyed('"order-2"'))
    again = deployed.invoke(keyed("order-2"))  # quoted or bare: the same key
    assert again["statusCode"] == 200
    assert again["body"] == first["body"]
    assert again["headers"][ingest.REPLAYED_HEADER] == "true"
    assert again["headers"]["Access-Control-Expose-Headers"] == ingest.REPLAYED_HEADER
    assert len(deployed.items()) == 1


@pytest.mark.parametrize(
    ("body", "content_type"), [('{"n": 2}', "application/json"), ('{"n": 1}', "application/ld+json")]
)
def test_the_same_key_with_another_payload_is_422_and_stores_nothing(
    deployed: Deployed, body: str, content_type: str
) -> None:
    deployed.invoke(keyed("order-3"))
    other = deployed.invoke(keyed("order-3", body, content_type))
    assert other["statusCode"] == 422
    assert json.loads(other["body"])["message"] == (
        "Idempotency-Key was already used for another payload; use a new key"
    )
    assert len(deployed.items()) == 1


def test_a_record_past_its_expiry_is_absent_even_before_ttl_deletes_it(
    deployed: Deployed, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = deployed.invoke(keyed("order-4"))
    (record,) = deployed.records()
    expired = {**record, "expires_at": {"N": str(int(time.time()) - 1)}}
    deployed.client.put_item(TableName=deployed.idempotency_table, Item=expired)
    again = deployed.invoke(keyed("order-4", '{"n": "different, and allowed now"}'))
    assert again["statusCode"] == 200
    assert ingest.REPLAYED_HEADER not in again["headers"]
    assert json.loads(again["body"])["id"] != json.loads(first["body"])["id"]
    assert len(deployed.items()) == 2
    (renewed,) = deployed.records()
    assert int(renewed["expires_at"]["N"]) > time.time()


def test_keys_of_different_api_keys_do_not_meet(deployed: Deployed, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("API_AUTH", "api_key")
    deployed.service = function_service(deployed.service.store.client)
    one = deployed.invoke(keyed("shared", identity={"apiKeyId": "a"}))
    two = deployed.invoke(keyed("shared", '{"other": true}', identity={"apiKeyId": "b"}))
    assert (one["statusCode"], two["statusCode"]) == (200, 200)
    assert len(deployed.items()) == 2


def test_without_the_header_nothing_changes_and_no_extra_work_is_done(deployed: Deployed) -> None:
    operations: list[str] = []
    from ingest.store import make_client

    deployed.service.store.client = make_client()  # its own: the hook stays with this test
    deployed.service.store.client.meta.events.register(
        "before-call.dynamodb.*", lambda model, **_: operations.append(model.name)
    )
    response = deployed.invoke(keyed(None))
    assert response["statusCode"] == 200
    assert operations == ["PutItem"]
    assert deployed.records() == []
    assert ingest.REPLAYED_HEADER not in response["headers"]


def test_a_bad_key_is_400_and_stores_nothing(deployed: Deployed) -> None:
    response = deployed.invoke(keyed("x" * 300))
    assert response["statusCode"] == 400
    assert (deployed.items(), deployed.records()) == ([], [])


# --- faults below the SDK (moto's HTTP server) ---------------------------------------------


def cancelled(*codes: str) -> Any:
    body = {
        "__type": "com.amazonaws.dynamodb.v20120810#TransactionCanceledException",
        "message": f"Transaction cancelled, please refer cancellation reasons [{', '.join(codes)}]",
        "CancellationReasons": [{"Code": code, "Message": code} for code in codes],
    }
    headers = {"x-amzn-RequestId": "fault", "Content-Type": "application/x-amz-json-1.0"}
    from botocore.awsrequest import AWSResponse

    return AWSResponse(
        "https://dynamodb.us-east-1.amazonaws.com/", 400, headers, _Raw(json.dumps(body).encode())
    )


def inject_transactions(served: Deployed, fault: Any, times: int = 1000) -> list[int]:
    return inject(served, fault, times, operation="TransactWriteItems")


@pytest.fixture
def no_sleep(served: Deployed, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(served.service.store, "sleep", lambda _: None)


@pytest.mark.parametrize(
    "fault",
    [
        lambda **_: cancelled("None", "ThrottlingError"),
        lambda **_: cancelled("ProvisionedThroughputExceeded", "None"),
        lambda **_: dynamodb_error(400, "ProvisionedThroughputExceededException", "slow down"),
        lambda **_: dynamodb_error(500, "InternalServerError", "oops"),
    ],
)
def test_a_throttled_or_failed_first_attempt_leaves_no_record(
    served: Deployed, no_sleep: None, fault: Any
) -> None:
    attempts = inject_transactions(served, fault, times=ingest.MAX_ATTEMPTS)
    failed = served.invoke(keyed("retry-me"))
    assert failed["statusCode"] == 503
    assert failed["headers"]["Retry-After"] == "1"
    assert len(attempts) == ingest.MAX_ATTEMPTS
    assert (served.items(), served.records()) == ([], [])
    retried = served.invoke(keyed("retry-me"))  # the client's retry proceeds as a first request
    assert retried["statusCode"] == 200
    assert ingest.REPLAYED_HEADER not in retried["headers"]
    assert len(served.items()) == len(served.records()) == 1


def test_a_transaction_conflict_is_retried(served: Deployed, no_sleep: None) -> None:
    attempts = inject_transactions(served, lambda **_: cancelled("None", "TransactionConflict"), times=1)
    response = served.invoke(keyed("busy-key"))
    assert response["statusCode"] == 200
    assert len(attempts) == 1
    assert len(served.items()) == 1


def test_a_conflict_that_outlasts_the_retries_is_409_never_500(served: Deployed, no_sleep: None) -> None:
    inject_transactions(served, lambda **_: cancelled("None", "TransactionConflict"))
    response = served.invoke(keyed("busy-key"))
    assert response["statusCode"] == 409
    assert response["headers"]["Retry-After"] == "1"
    assert (served.items(), served.records()) == ([], [])


def test_a_retry_of_a_transaction_that_landed_is_our_own_write(served: Deployed, no_sleep: None) -> None:
    """The first attempt commits but its answer is lost; the retry meets our own record (moto
    does not honour ClientRequestToken, which would answer it directly), and the client gets the
    first answer, not a replay and not a 422."""
    session = URLLib3Session()

    def deliver_then_lose_answer(request: Any, **_: Any) -> None:
        session.send(request)
        raise ReadTimeoutError(endpoint_url=request.url)

    attempts = inject_transactions(served, deliver_then_lose_answer, times=1)
    response = served.invoke(keyed("lost-answer"))
    assert response["statusCode"] == 200
    assert ingest.REPLAYED_HEADER not in response["headers"]
    assert len(attempts) == 1
    (item,) = served.items()
    assert item["id"]["S"] == json.loads(response["body"])["id"]
