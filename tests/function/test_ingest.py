"""The function's pure rules, without AWS: body decoding, parsing, DynamoDB limits, items, responses."""

from __future__ import annotations

import base64
import json
import re
import uuid
from datetime import datetime
from decimal import Decimal
from typing import Any

import ingest
import pytest

from tests.function.conftest import base64_event, make_event


def status_of(call: Any, *args: Any) -> int:
    with pytest.raises(ingest.RequestError) as caught:
        call(*args)
    return int(caught.value.status)


# --- body ---------------------------------------------------------------------------------


@pytest.mark.parametrize("body", [None, "", "   ", "\n\t "])
def test_missing_empty_or_blank_body_is_400(body: str | None) -> None:
    with pytest.raises(ingest.RequestError, match=r"request body is (missing|empty)") as caught:
        ingest.decode_body(make_event(body))
    assert caught.value.status == 400


def test_body_without_base64_flag_is_taken_as_is() -> None:
    assert ingest.decode_body(make_event('{"a": 1}')) == '{"a": 1}'


@pytest.mark.parametrize("text", ['{"a":1}', "ab", "abc", "é ü ✓"])
def test_base64_body_decodes_with_and_without_padding(text: str) -> None:
    padded = base64.b64encode(text.encode()).decode()
    for encoded in (padded, padded.rstrip("=")):
        assert ingest.decode_body(make_event(encoded, isBase64Encoded=True)) == text


@pytest.mark.parametrize("encoded", ["!!!!", "ab$d", "a", "abcde"])
def test_invalid_base64_is_400(encoded: str) -> None:
    with pytest.raises(ingest.RequestError, match="not valid base64") as caught:
        ingest.decode_body(make_event(encoded, isBase64Encoded=True))
    assert caught.value.status == 400


@pytest.mark.parametrize(
    "content_type", ["image/png", "application/octet-stream", "application/pdf", "video/mp4"]
)
def test_a_binary_media_type_is_kept_as_bytes_even_when_it_is_utf8(content_type: str) -> None:
    assert ingest.decode_body(base64_event(b'{"a": 1}', content_type)) == b'{"a": 1}'


def test_bytes_that_are_not_utf8_are_kept_as_bytes_unless_declared_json() -> None:
    raw = b"\xff\xfe{bad"
    assert ingest.decode_body(base64_event(raw, "text/plain")) == raw
    with pytest.raises(ingest.RequestError, match="body is not valid JSON") as caught:
        ingest.decode_body(base64_event(raw, "application/json"))
    assert caught.value.status == 400


@pytest.mark.parametrize(
    "content_type", ["application/json", "application/json; charset=utf-8", "application/ld+json"]
)
def test_a_body_declared_json_must_be_json(content_type: str) -> None:
    with pytest.raises(ingest.RequestError, match=r"^body is not valid JSON$"):
        ingest.parse_payload("temperature=21.5", content_type)
    assert ingest.parse_payload('{"a": 1}', content_type) == {"a": Decimal(1)}


@pytest.mark.parametrize("content_type", [None, "text/plain", "application/x-www-form-urlencoded"])
def test_other_text_falls_back_to_the_raw_string(content_type: str | None) -> None:
    assert ingest.parse_payload("temperature=21.5", content_type) == "temperature=21.5"


def test_bytes_are_stored_as_binary_sized_by_their_length() -> None:
    attribute, size = ingest.to_attribute(b"\x00\x01\xff")
    assert (attribute, size) == ({"B": b"\x00\x01\xff"}, 3)
    assert ingest.from_attribute(attribute) == b"\x00\x01\xff"


def test_the_size_limit_counts_the_stored_bytes() -> None:
    overhead = ingest.MAX_ITEM_BYTES - 1000
    assert ingest.build_item(b"x" * overhead, "dev", {}, "id", "ts")["data"] == {"B": b"x" * overhead}
    with pytest.raises(ingest.RequestError) as caught:
        ingest.build_item(b"x" * ingest.MAX_ITEM_BYTES, "dev", {}, "id", "ts")
    assert caught.value.status == 413


def test_non_text_body_is_400() -> None:
    assert status_of(ingest.decode_body, make_event(body=123)) == 400  # type: ignore[arg-type]


# --- parsing ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('{"a": [1, "x", true, null]}', {"a": [Decimal(1), "x", True, None]}),
        ("[]", []),
        ("{}", {}),
        ('""', ""),
        ("null", None),
        ("true", True),
        ("42", Decimal(42)),
        ('"just a string"', "just a string"),
    ],
)
def test_any_json_value_is_structured_data(text: str, expected: Any) -> None:
    assert ingest.parse_payload(text) == expected


@pytest.mark.parametrize("text", ["not json", "{'single': 'quotes'}", "{", "1 2", "<xml/>"])
def test_text_that_is_not_json_is_kept_as_the_raw_string(text: str) -> None:
    assert ingest.parse_payload(text) == text


def test_numbers_are_decimal_never_float() -> None:
    parsed = ingest.parse_payload('{"f": 0.1, "e": 1e3, "i": 12345678901234567890}')
    assert parsed == {"f": Decimal("0.1"), "e": Decimal("1E+3"), "i": Decimal(12345678901234567890)}
    assert all(isinstance(v, Decimal) for v in parsed.values())


@pytest.mark.parametrize("text", ["NaN", '{"a": Infinity}', "[-Infinity]"])
def test_nan_and_infinity_are_400(text: str) -> None:
    with pytest.raises(ingest.RequestError, match="not a number DynamoDB can store"):
        ingest.parse_payload(text)


def test_pathologically_deep_json_is_400_not_a_crash() -> None:
    with pytest.raises(ingest.RequestError, match="nested deeper than 32"):
        ingest.parse_payload("[" * 200_000 + "]" * 200_000)


# --- DynamoDB limits ----------------------------------------------------------------------


def attribute(text: str) -> dict[str, Any]:
    return ingest.to_attribute(ingest.parse_payload(text))[0]


@pytest.mark.parametrize(
    ("text", "stored"),
    [
        ("1e3", "1E+3"),
        ("0.1", "0.1"),
        ("1.50", "1.50"),
        ("-0", "0"),
        ("0.000", "0"),
        ("1" * 38, "1" * 38),
        ("9.9999999999999999999999999999999999999E+125", "9.9999999999999999999999999999999999999E+125"),
        ("1E-130", "1E-130"),
        ("-1E-130", "-1E-130"),
        ("1" + "0" * 50, "1E+50"),
        ("1.000000000000000000000000000000000000000000", "1"),
    ],
)
def test_numbers_dynamodb_can_hold_are_kept_exactly(text: str, stored: str) -> None:
    assert attribute(text) == {"N": stored}
    assert Decimal(stored) == Decimal(text)


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("1" * 39, "more than 38 significant digits"),
        ("1.00000000000000000000000000000000000001", "more than 38 significant digits"),
        ("123456789012345678901234567890123456789012345", "more than 38 significant digits"),
        ("1E126", "outside DynamoDB's range"),
        ("-1E126", "outside DynamoDB's range"),
        ("1E-131", "outside DynamoDB's range"),
        ('{"deep": [1, 2, 1E400]}', "outside DynamoDB's range"),
    ],
)
def test_numbers_dynamodb_cannot_hold_are_400(text: str, reason: str) -> None:
    with pytest.raises(ingest.RequestError, match=reason) as caught:
        attribute(text)
    assert caught.value.status == 400


def nested(depth: int) -> str:
    return "[" * depth + "]" * depth


@pytest.mark.parametrize("depth", [1, 31, 32])
def test_nesting_up_to_32_levels_is_stored(depth: int) -> None:
    value = attribute(nested(depth))
    for _ in range(depth - 1):
        (value,) = value["L"]
    assert value == {"L": []}


@pytest.mark.parametrize("text", [nested(33), '{"a":' * 33 + "1" + "}" * 33, nested(100)])
def test_nesting_deeper_than_32_levels_is_400(text: str) -> None:
    with pytest.raises(ingest.RequestError, match="nested deeper than 32 levels"):
        attribute(text)


def test_unicode_is_stored_and_sized_in_utf8_bytes() -> None:
    value, size = ingest.to_attribute("日本語 ✓ 🎉")
    assert value == {"S": "日本語 ✓ 🎉"}
    assert size == len("日本語 ✓ 🎉".encode())


def test_lone_surrogate_is_400() -> None:
    with pytest.raises(ingest.RequestError, match="not valid Unicode"):
        attribute('{"s": "\\ud800"}')


def test_empty_map_key_is_400() -> None:
    with pytest.raises(ingest.RequestError, match="empty key"):
        attribute('{"ok": {"": 1}}')


def test_empty_containers_and_strings_are_storable() -> None:
    assert attribute("{}") == {"M": {}}
    assert attribute("[]") == {"L": []}
    assert attribute('""') == {"S": ""}
    assert attribute("null") == {"NULL": True}


def test_attribute_round_trip() -> None:
    value = ingest.parse_payload('{"a": [1.5, "x", {"b": null, "c": false}], "n": -0.25}')
    assert ingest.from_attribute(ingest.to_attribute(value)[0]) == value


# --- items --------------------------------------------------------------------------------


def test_item_key_is_uuid4_and_utc_iso8601_with_microseconds() -> None:
    item_id, timestamp = ingest.new_item_key()
    assert uuid.UUID(item_id).version == 4
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}\+00:00", timestamp)
    parsed = datetime.fromisoformat(timestamp)
    assert parsed.utcoffset() is not None
    assert parsed.utcoffset().total_seconds() == 0  # type: ignore[union-attr]


def test_item_holds_key_stage_data_and_request_metadata() -> None:
    event = make_event('{"a": 1}')
    item = ingest.build_item({"a": Decimal(1)}, "dev", ingest.request_metadata(event), "id-1", "ts-1")
    assert item == {
        "id": {"S": "id-1"},
        "timestamp": {"S": "ts-1"},
        "stage": {"S": "dev"},
        "request_id": {"S": "req-1234"},
        "source_ip": {"S": "203.0.113.7"},
        "user_agent": {"S": "pytest"},
        "content_type": {"S": "application/json"},
        "data": {"M": {"a": {"N": "1"}}},
    }


def test_item_over_400_kb_is_413_and_just_under_is_accepted() -> None:
    overhead = 300  # key, stage and metadata attributes, generously
    ingest.build_item("x" * (400 * 1024 - overhead), "dev", {}, str(uuid.uuid4()), "t" * 32)
    with pytest.raises(ingest.RequestError) as caught:
        ingest.build_item("x" * (400 * 1024), "dev", {}, str(uuid.uuid4()), "t" * 32)
    assert caught.value.status == 413


def test_item_size_counts_multibyte_characters() -> None:
    with pytest.raises(ingest.RequestError) as caught:
        ingest.build_item("€" * (150 * 1024), "dev", {}, "id", "ts")  # 3 bytes each: 450 KB
    assert caught.value.status == 413


# --- headers and metadata -----------------------------------------------------------------


@pytest.mark.parametrize("name", ["User-Agent", "user-agent", "USER-AGENT", "uSeR-aGeNt"])
def test_headers_are_found_whatever_their_case(name: str) -> None:
    event = make_event(headers={name: "curl/8"}, multiValueHeaders=None)
    assert ingest.header(event, "user-agent") == "curl/8"
    assert ingest.header(event, "User-Agent") == "curl/8"


def test_headers_fall_back_to_multi_value_headers_and_tolerate_null() -> None:
    assert ingest.header(make_event(headers=None, multiValueHeaders={"x-a": ["1", "2"]}), "X-A") == "1"
    assert ingest.header(make_event(headers=None, multiValueHeaders=None), "X-A") is None


def test_metadata_skips_what_the_request_lacks() -> None:
    event = make_event(headers=None, multiValueHeaders=None, requestContext=None)
    assert ingest.request_metadata(event) == {}


# --- responses ----------------------------------------------------------------------------


def test_response_is_json_with_cors_headers() -> None:
    response = ingest.respond(200, {"id": "x"}, "*")
    assert response["statusCode"] == 200
    assert json.loads(response["body"]) == {"id": "x"}
    assert response["headers"]["Content-Type"] == "application/json"
    assert response["headers"]["Access-Control-Allow-Origin"] == "*"
    assert response["headers"]["Access-Control-Allow-Methods"] == "OPTIONS,POST"
    assert "Vary" not in response["headers"]


def test_a_specific_origin_adds_vary() -> None:
    headers = ingest.respond(400, {}, "https://app.example.com")["headers"]
    assert headers["Access-Control-Allow-Origin"] == "https://app.example.com"
    assert headers["Vary"] == "Origin"


def test_same_attribute_compares_numbers_as_numbers_and_nothing_else_loosely() -> None:
    same = ingest.same_attribute
    assert same({"N": "1.50"}, {"N": "1.5"})
    assert same({"M": {"a": {"L": [{"N": "1E+3"}]}}}, {"M": {"a": {"L": [{"N": "1000"}]}}})
    assert not same({"N": "1"}, {"BOOL": True})
    assert not same({"S": "1"}, {"N": "1"})
    assert not same({"L": [{"N": "1"}]}, {"L": [{"N": "1"}, {"N": "2"}]})
    assert not same({"M": {"a": {"N": "1"}}}, {"M": {"b": {"N": "1"}}})
    assert not same(None, {"S": "x"})


def test_every_file_of_the_function_parses_as_python_39() -> None:
    import ast

    from constructs_lib.contract import FUNCTION_SOURCE_DIR, function_source_files

    files = function_source_files()
    assert {"handler.py", "ingest/store.py", "ingest/service.py"} <= {
        f.relative_to(FUNCTION_SOURCE_DIR).as_posix() for f in files
    }
    for path in files:
        ast.parse(path.read_text(), feature_version=(3, 9))


@pytest.mark.parametrize("odd", ["text", 42, ["a"], True])
def test_malformed_event_parts_are_ignored_not_crashed_on(odd: object) -> None:
    event = make_event(headers=odd, multiValueHeaders={"User-Agent": odd}, requestContext={"identity": odd})
    assert ingest.header(event, "User-Agent") in (None, "a")
    assert "source_ip" not in ingest.request_metadata(event)


def test_the_time_budget_leaves_room_for_one_attempt_and_the_answer() -> None:
    assert ingest.ATTEMPT_SECONDS == ingest.CONNECT_TIMEOUT_SECONDS + ingest.READ_TIMEOUT_SECONDS
    assert ingest.MIN_FUNCTION_TIMEOUT_SECONDS == 3
    assert ingest.may_attempt(ingest.ATTEMPT_SECONDS + ingest.ANSWER_MARGIN_SECONDS)
    assert not ingest.may_attempt(ingest.ATTEMPT_SECONDS + ingest.ANSWER_MARGIN_SECONDS - 0.001)
    assert not ingest.may_attempt(3.0, wait_seconds=0.6)
    assert ingest.may_attempt(ingest.MIN_FUNCTION_TIMEOUT_SECONDS)


def test_backoff_is_full_jitter_capped() -> None:
    assert ingest.backoff_seconds(1, 0.0) == 0.0
    assert ingest.backoff_seconds(1, 0.5) == pytest.approx(0.05)
    assert ingest.backoff_seconds(2, 0.999) < 0.2
    assert ingest.backoff_seconds(30, 0.999) < ingest.BACKOFF_CAP_SECONDS
