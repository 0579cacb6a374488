"""Faults injected below the SDK (a botocore before-send hook), so its real retries run."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from typing import Any

import ingest
import pytest
from botocore.awsrequest import AWSResponse
from botocore.exceptions import ReadTimeoutError
from botocore.httpsession import URLLib3Session

from tests.function.conftest import Deployed, load_handler, make_event


class _Raw:
    def __init__(self, payload: bytes) -> None:
        self._payload = payload

    def stream(self, **_: Any) -> Iterator[bytes]:
        yield self._payload


def dynamodb_error(status: int, code: str, message: str) -> AWSResponse:
    body = json.dumps({"__type": f"com.amazonaws.dynamodb.v20120810#{code}", "message": message}).encode()
    headers = {"x-amzn-RequestId": "fault", "Content-Type": "application/x-amz-json-1.0"}
    return AWSResponse("https://dynamodb.us-east-1.amazonaws.com/", status, headers, _Raw(body))


@pytest.fixture
def sleeps(served: Deployed, monkeypatch: pytest.MonkeyPatch) -> list[float]:
    """Record the handler's backoff instead of waiting it out."""
    slept: list[float] = []
    monkeypatch.setattr(served.service.store, "sleep", slept.append)
    return slept


def inject(
    served: Deployed, fault: Callable[..., Any], times: int = 1000, operation: str = "PutItem"
) -> list[int]:
    """Make the first ``times`` attempts of ``operation`` meet ``fault`` instead of DynamoDB;
    returns a list that counts the faulted attempts."""
    attempts: list[int] = []

    def hook(**kwargs: Any) -> Any:
        if len(attempts) >= times:
            return None
        attempts.append(1)
        return fault(**kwargs)

    served.service.store.client.meta.events.register(f"before-send.dynamodb.{operation}", hook)
    return attempts


def invoke_logged(
    served: Deployed, caplog: pytest.LogCaptureFixture
) -> tuple[dict[str, Any], dict[str, Any]]:
    caplog.set_level("INFO", logger="data_api.ingest")
    response = served.invoke(make_event('{"payload": "secret-value"}'))
    (line,) = [json.loads(r.getMessage()) for r in caplog.records if r.name == "data_api.ingest"]
    assert "secret-value" not in caplog.text
    return response, line


def assert_leaks_nothing(response: dict[str, Any]) -> None:
    text = response["body"]
    for secret in ("data-api-test", "Traceback", "amazonaws", "dynamodb", "Exception", "fault"):
        assert secret not in text, secret


@pytest.mark.parametrize(
    "code", ["ProvisionedThroughputExceededException", "ThrottlingException", "RequestLimitExceeded"]
)
def test_throttling_after_retries_is_503_with_retry_after(
    served: Deployed, sleeps: list[float], caplog: pytest.LogCaptureFixture, code: str
) -> None:
    attempts = inject(
        served, lambda **_: dynamodb_error(400, code, "Rate of requests exceeds the allowed throughput")
    )
    response, line = invoke_logged(served, caplog)
    assert response["statusCode"] == 503
    assert response["headers"]["Retry-After"] == "1"
    assert response["headers"]["Access-Control-Allow-Origin"] == "*"
    assert len(attempts) == ingest.MAX_ATTEMPTS
    assert len(sleeps) == ingest.MAX_ATTEMPTS - 1
    assert (line["status"], line["level"], line["code"]) == (503, "ERROR", code)
    assert_leaks_nothing(response)
    assert served.items() == []


def test_validation_error_from_dynamodb_is_400(
    served: Deployed, sleeps: list[float], caplog: pytest.LogCaptureFixture
) -> None:
    attempts = inject(
        served,
        lambda **_: dynamodb_error(
            400, "ValidationException", "Nesting Levels have exceeded supported limits"
        ),
    )
    response, line = invoke_logged(served, caplog)
    assert response["statusCode"] == 400
    assert json.loads(response["body"])["message"] == "payload contains a value that cannot be stored"
    assert len(attempts) == 1
    assert line["code"] == "ValidationException"
    assert_leaks_nothing(response)
    assert served.items() == []


def test_item_too_large_from_dynamodb_is_413(
    served: Deployed, sleeps: list[float], caplog: pytest.LogCaptureFixture
) -> None:
    inject(
        served,
        lambda **_: dynamodb_error(
            400, "ValidationException", "Item size has exceeded the maximum allowed size"
        ),
    )
    response, _ = invoke_logged(served, caplog)
    assert response["statusCode"] == 413
    assert served.items() == []


def test_access_denied_is_a_generic_500(
    served: Deployed, sleeps: list[float], caplog: pytest.LogCaptureFixture
) -> None:
    inject(
        served,
        lambda **_: dynamodb_error(
            400, "AccessDeniedException", f"User is not authorized on table/{served.table}"
        ),
    )
    response, line = invoke_logged(served, caplog)
    assert response["statusCode"] == 500
    assert json.loads(response["body"]) == {
        "message": "internal error; the data was not stored",
        "request_id": "req-1234",
    }
    assert (line["level"], line["code"]) == ("ERROR", "AccessDeniedException")
    assert_leaks_nothing(response)
    assert served.items() == []


def test_timeouts_are_retried_then_a_503(
    served: Deployed, sleeps: list[float], caplog: pytest.LogCaptureFixture
) -> None:
    def timeout(**_: Any) -> None:
        raise ReadTimeoutError(endpoint_url="https://dynamodb.us-east-1.amazonaws.com/")

    attempts = inject(served, timeout)
    response, line = invoke_logged(served, caplog)
    assert response["statusCode"] == 503
    assert response["headers"]["Retry-After"] == "1"
    assert len(attempts) == ingest.MAX_ATTEMPTS
    assert (line["error"], line["code"]) == ("UnavailableError", "ReadTimeoutError")
    assert_leaks_nothing(response)
    assert served.items() == []


def test_a_server_error_from_dynamodb_is_retried_then_a_503(
    served: Deployed, sleeps: list[float], caplog: pytest.LogCaptureFixture
) -> None:
    attempts = inject(served, lambda **_: dynamodb_error(500, "InternalServerError", "Internal error"))
    response, line = invoke_logged(served, caplog)
    assert response["statusCode"] == 503
    assert len(attempts) == ingest.MAX_ATTEMPTS
    assert line["code"] == "InternalServerError"
    assert served.items() == []


def test_a_throttled_first_attempt_then_success_stores_once(served: Deployed, sleeps: list[float]) -> None:
    throttled = dynamodb_error(400, "ProvisionedThroughputExceededException", "slow down")
    attempts = inject(served, lambda **_: throttled, times=1)
    response = served.invoke(make_event('{"retried": true}'))
    assert response["statusCode"] == 200
    assert (len(attempts), len(sleeps)) == (1, 1)
    assert len(served.items()) == 1


class FakeClock:
    """Lambda's clock for one invocation: a stalled DynamoDB and the backoff advance it."""

    def __init__(self, timeout_seconds: float) -> None:
        self.timeout_seconds = timeout_seconds
        self.now = 0.0

    def get_remaining_time_in_millis(self) -> int:
        return int((self.timeout_seconds - self.now) * 1000)

    def sleep(self, seconds: float) -> None:
        self.now += seconds


@pytest.mark.parametrize("timeout_seconds", [3, 4, 5, 6, 7, 10, 28])
@pytest.mark.parametrize("jitter", [0.0, 0.5, 0.999])
def test_a_stalling_dynamodb_is_answered_503_before_the_functions_deadline(
    served: Deployed, monkeypatch: pytest.MonkeyPatch, timeout_seconds: int, jitter: float
) -> None:
    """Each attempt stalls for the full connect + read timeout. Whatever the function's timeout
    and the backoff, the handler must answer (503) with its margin still left, never run out
    (which the client would see as API Gateway's 502)."""
    clock = FakeClock(timeout_seconds)
    monkeypatch.setattr(served.service.store, "sleep", clock.sleep)
    monkeypatch.setattr(served.service.store, "jitter", lambda: jitter)

    def stall(**_: Any) -> None:
        clock.sleep(ingest.ATTEMPT_SECONDS)
        raise ReadTimeoutError(endpoint_url="https://dynamodb.us-east-1.amazonaws.com/")

    attempts = inject(served, stall)
    response = served.service.handle(make_event('{"n": 1}'), clock)
    assert response["statusCode"] == 503
    assert clock.now + ingest.ANSWER_MARGIN_SECONDS <= timeout_seconds
    assert 1 <= len(attempts) <= ingest.MAX_ATTEMPTS
    if timeout_seconds >= 7:  # three attempts and their backoff fit
        assert len(attempts) == ingest.MAX_ATTEMPTS
    assert served.items() == []


def test_no_attempt_starts_without_room_to_finish_it(served: Deployed) -> None:
    clock = FakeClock(ingest.ATTEMPT_SECONDS)  # less than an attempt plus the margin
    attempts = inject(served, lambda **_: None)
    response = served.service.handle(make_event('{"n": 1}'), clock)
    assert response["statusCode"] == 503
    assert attempts == []
    assert served.items() == []


def test_a_real_stalled_endpoint_is_answered_before_the_deadline(
    served: Deployed, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A socket on loopback that accepts connections and never answers: the SDK's real read
    timeout fires, and the handler answers 503 while the (real-clock) context still has time."""
    import socket
    import time as real_time

    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(8)
    monkeypatch.setenv("AWS_ENDPOINT_URL_DYNAMODB", f"http://127.0.0.1:{listener.getsockname()[1]}")
    handler = load_handler()
    deadline = real_time.monotonic() + ingest.MIN_FUNCTION_TIMEOUT_SECONDS

    class RealContext:
        def get_remaining_time_in_millis(self) -> int:
            return int((deadline - real_time.monotonic()) * 1000)

    try:
        response = handler.handler(make_event('{"n": 1}'), RealContext())
    finally:
        listener.close()
    assert response["statusCode"] == 503
    assert RealContext().get_remaining_time_in_millis() > 0


def test_a_retry_of_a_write_that_landed_is_a_success_not_a_duplicate(
    served: Deployed, sleeps: list[float]
) -> None:
    """The first attempt reaches DynamoDB but its answer is lost; the SDK's retry then meets
    the put's condition, which the handler recognizes as its own write."""
    session = URLLib3Session()

    def deliver_then_lose_answer(request: Any, **_: Any) -> None:
        session.send(request)
        raise ReadTimeoutError(endpoint_url=request.url)

    attempts = inject(served, deliver_then_lose_answer, times=1)
    response = served.invoke(make_event('{"once": 1.50, "nested": {"n": [1e3]}}'))
    assert response["statusCode"] == 200
    assert len(attempts) == 1
    assert len(sleeps) == 1
    (item,) = served.items()
    assert item["id"] == {"S": json.loads(response["body"])["id"]}


def test_an_existing_item_under_the_same_key_is_never_overwritten(
    served: Deployed, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Forced key clash: the same request twice under one key; the second must not replace the first."""
    import ingest.service

    monkeypatch.setattr(
        ingest.service, "new_item_key", lambda: ("fixed-id", "2026-01-01T00:00:00.000000+00:00")
    )
    first = served.invoke(make_event('{"first": true}'))
    second = served.invoke(make_event('{"second": true}'))
    assert (first["statusCode"], second["statusCode"]) == (200, 500)
    (item,) = served.items()
    assert ingest.from_attribute(item["data"]) == {"first": True}
