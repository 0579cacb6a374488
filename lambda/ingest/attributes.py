"""Payloads as DynamoDB items: AttributeValues sized by DynamoDB's own rules, and the item."""

import uuid
from collections.abc import Mapping
from datetime import datetime, timezone
from decimal import Context, Decimal
from typing import Any, Optional

from .errors import RequestError, bad_request

MAX_ITEM_BYTES = 400 * 1024
"""DynamoDB's item size limit, attribute names included."""
MAX_NESTING_DEPTH = 32
"""DynamoDB's limit on nested maps and lists."""
MAX_NUMBER_DIGITS = 38
MIN_NUMBER_EXPONENT = -130
MAX_NUMBER_EXPONENT = 125
"""DynamoDB numbers: 38 significant digits, magnitude from 1E-130 to 9.99...E+125 (or zero)."""

_EXACT = Context(prec=100000)
AttributeValue = dict[str, Any]


def _number(value: Decimal) -> tuple[str, int]:
    """The number as DynamoDB will get it, and its size in bytes; RequestError if it cannot."""
    if not value.is_finite():
        raise bad_request("payload contains a number that is not finite")
    if value.is_zero():
        return "0", 1
    normalized = value.normalize(_EXACT)
    _sign, digits, _ = normalized.as_tuple()
    if len(digits) > MAX_NUMBER_DIGITS:
        raise bad_request(f"payload contains a number with more than {MAX_NUMBER_DIGITS} significant digits")
    if not MIN_NUMBER_EXPONENT <= normalized.adjusted() <= MAX_NUMBER_EXPONENT:
        raise bad_request("payload contains a number outside DynamoDB's range (1E-130 to 9.9E+125)")
    # The original text when it already fits (1.50 stays 1.50); else the normalized form.
    text = str(value) if len(value.as_tuple().digits) <= MAX_NUMBER_DIGITS else str(normalized)
    return text, (len(digits) + 1) // 2 + 1


def _string(value: str) -> int:
    try:
        return len(value.encode("utf-8"))
    except UnicodeEncodeError:
        raise bad_request("payload contains a string that is not valid Unicode") from None


def to_attribute(value: Any, depth: int = 0) -> tuple[AttributeValue, int]:
    """A JSON value as a DynamoDB AttributeValue and its size in bytes (DynamoDB's own rules).

    Raises RequestError for anything DynamoDB would reject, so the write is never attempted.
    """
    if value is None:
        return {"NULL": True}, 1
    if isinstance(value, bytes):
        return {"B": value}, len(value)  # stored byte for byte; its size is its length
    if isinstance(value, bool):
        return {"BOOL": value}, 1
    if isinstance(value, str):
        return {"S": value}, _string(value)
    if isinstance(value, (Decimal, int)):
        text, size = _number(Decimal(value))
        return {"N": text}, size
    if isinstance(value, (list, dict)):
        if depth >= MAX_NESTING_DEPTH:
            raise bad_request(f"payload is nested deeper than {MAX_NESTING_DEPTH} levels")
        size = 3
        if isinstance(value, list):
            elements: list[AttributeValue] = []
            for element in value:
                attribute, element_size = to_attribute(element, depth + 1)
                elements.append(attribute)
                size += element_size + 1
            return {"L": elements}, size
        members: dict[str, AttributeValue] = {}
        for key, member in value.items():
            if key == "":
                raise bad_request("payload contains an object with an empty key")
            attribute, member_size = to_attribute(member, depth + 1)
            members[key] = attribute
            size += _string(key) + member_size + 1
        return {"M": members}, size
    raise bad_request(f"payload contains a value of type {type(value).__name__}")


def from_attribute(attribute: AttributeValue) -> Any:
    """The inverse of to_attribute, for reading stored items back (tests, local tools)."""
    ((kind, value),) = attribute.items()
    if kind == "NULL":
        return None
    if kind in ("S", "BOOL"):
        return value
    if kind == "B":
        return bytes(value)
    if kind == "N":
        return Decimal(value)
    if kind == "L":
        return [from_attribute(v) for v in value]
    if kind == "M":
        return {k: from_attribute(v) for k, v in value.items()}
    raise ValueError(f"unexpected attribute type {kind}")


def same_attribute(left: Optional[AttributeValue], right: Optional[AttributeValue]) -> bool:
    """Whether two AttributeValues hold the same value (numbers compared as numbers: DynamoDB
    hands back 1.5 for 1.50)."""
    if not left or not right or left.keys() != right.keys():
        return False
    ((kind, a),) = left.items()
    b = right[kind]
    if kind == "N":
        return bool(Decimal(a) == Decimal(b))
    if kind == "L":
        return len(a) == len(b) and all(same_attribute(x, y) for x, y in zip(a, b))
    if kind == "M":
        return a.keys() == b.keys() and all(same_attribute(a[k], b[k]) for k in a)
    return bool(a == b)


def new_item_key(now: Optional[datetime] = None) -> tuple[str, str]:
    """A fresh (id, timestamp): a UUID4 and ISO-8601 UTC with microseconds and offset."""
    moment = now or datetime.now(timezone.utc)
    return str(uuid.uuid4()), moment.astimezone(timezone.utc).isoformat(timespec="microseconds")


def build_item(
    payload: Any, stage: str, metadata: Mapping[str, str], item_id: str, timestamp: str
) -> dict[str, AttributeValue]:
    """The item to put, in DynamoDB's wire format; RequestError (400/413) if it cannot be stored."""
    data, data_size = to_attribute(payload)
    item: dict[str, AttributeValue] = {"id": {"S": item_id}, "timestamp": {"S": timestamp}}
    if stage:
        item["stage"] = {"S": stage}
    for name, value in metadata.items():
        item[name] = {"S": value}
    size = len("data") + data_size
    for name, attribute in item.items():
        size += len(name) + _string(attribute["S"])
    if size > MAX_ITEM_BYTES:
        raise RequestError(
            413, f"payload is too large: the stored item may be at most {MAX_ITEM_BYTES} bytes"
        )
    item["data"] = data
    return item
