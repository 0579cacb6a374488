"""Property-based: whatever arrives, the handler answers a well-formed response and never raises;
whatever it accepts, it stores exactly."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

import ingest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.function.conftest import Deployed, base64_event, make_event

ALLOWED_STATUSES = {200, 400, 413}
PROPERTY_SETTINGS = settings(
    max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)

json_numbers = st.one_of(
    st.integers(min_value=-(10**45), max_value=10**45).map(Decimal),
    st.decimals(allow_nan=False, allow_infinity=False, places=None),
)
json_values = st.recursive(
    st.none() | st.booleans() | st.text(max_size=20) | json_numbers,
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4)
    ),
    max_leaves=25,
)


def to_json(value: Any) -> str:
    """JSON text with Decimals written exactly (json.dumps would refuse them)."""
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, list):
        return "[" + ",".join(to_json(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ",".join(json.dumps(k) + ":" + to_json(v) for k, v in value.items()) + "}"
    return json.dumps(value)


def check(deployed: Deployed, event: Any) -> tuple[int, Any]:
    """Invoke; assert the response is well formed; return the status and what was stored."""
    before = deployed.count()
    response = deployed.invoke(event)
    assert set(response) == {"statusCode", "headers", "body", "isBase64Encoded"}
    assert response["statusCode"] in ALLOWED_STATUSES
    assert response["headers"]["Access-Control-Allow-Origin"] == "*"
    body = json.loads(response["body"])
    if response["statusCode"] != 200:
        assert set(body) == {"message", "request_id"}
        assert deployed.count() == before
        return response["statusCode"], None
    assert deployed.count() == before + 1
    return 200, ingest.from_attribute(deployed.stored(response)["data"])


@PROPERTY_SETTINGS
@given(value=json_values)
def test_any_json_value_is_stored_exactly_or_refused(deployed: Deployed, value: Any) -> None:
    status, stored = check(deployed, make_event(to_json(value)))
    if status == 200:
        assert stored == value


@PROPERTY_SETTINGS
@given(
    raw=st.binary(min_size=1, max_size=2000), content_type=st.sampled_from(["image/png", "application/zip"])
)
def test_any_bytes_of_a_binary_type_are_stored_byte_for_byte(
    deployed: Deployed, raw: bytes, content_type: str
) -> None:
    status, stored = check(deployed, base64_event(raw, content_type))
    assert status == 200
    assert stored == raw


@PROPERTY_SETTINGS
@given(raw=st.binary(max_size=300))
def test_arbitrary_bytes_declared_json_are_stored_as_parsed_or_refused(
    deployed: Deployed, raw: bytes
) -> None:
    status, stored = check(deployed, base64_event(raw, "application/json"))
    if status == 200:
        assert stored == ingest.parse_payload(raw.decode("utf-8"), "application/json")


scalars = st.none() | st.booleans() | st.integers() | st.text(max_size=10)
anything = scalars | st.lists(scalars, max_size=2)
event_shapes = st.fixed_dictionaries(
    {},
    optional={
        "body": anything | st.text(max_size=50),
        "isBase64Encoded": anything,
        "headers": anything | st.dictionaries(st.text(max_size=12), anything, max_size=3),
        "multiValueHeaders": anything
        | st.dictionaries(
            st.text(max_size=12), anything | st.dictionaries(st.text(max_size=3), scalars), max_size=3
        ),
        "requestContext": anything
        | st.fixed_dictionaries(
            {},
            optional={
                "requestId": anything,
                "identity": anything | st.dictionaries(st.text(max_size=10), anything),
            },
        ),
    },
)
"""Events of any shape, each part possibly null, a scalar, a list or an object."""


@PROPERTY_SETTINGS
@given(event=event_shapes)
def test_any_event_shape_gets_a_well_formed_answer(deployed: Deployed, event: dict[str, Any]) -> None:
    check(deployed, event)
