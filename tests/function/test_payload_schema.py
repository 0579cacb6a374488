"""The payload schema in the function: every body checked against the deployed schema, a refusal
answered 400 with where the payload failed (never what the schema wanted there), nothing stored;
a function whose code lacks the deployed schema's validator refuses to start."""

from __future__ import annotations

import base64
import json
import sys
from pathlib import Path
from typing import Any

import ingest
import pytest

from constructs_lib import payload_schema
from tests.function.conftest import Deployed, base64_event, load_handler, make_event

SCHEMA = {
    "$schema": "http://json-schema.org/draft-04/schema#",
    "type": "object",
    "required": ["type"],
    "properties": {
        "type": {"type": "string", "enum": ["click", "view"]},
        "count": {"type": "integer", "minimum": 0},
        "tags": {"type": "array", "items": {"type": "string", "pattern": "^[a-z]+$"}},
        "nested": {"type": "object", "properties": {"deep": {"type": "array", "items": {"type": "boolean"}}}},
    },
    "additionalProperties": False,
}


@pytest.fixture
def schema_file(tmp_path: Path) -> Path:
    path = tmp_path / "schema.json"
    path.write_text(json.dumps(SCHEMA, indent=2))
    return path


@pytest.fixture
def checked(
    deployed: Deployed, schema_file: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Deployed:
    """The deployed function with the schema: its validator importable as the asset ships it."""
    schema = payload_schema.read(schema_file)
    use_validator(schema, tmp_path / "build", monkeypatch)
    deployed.service.schema = ingest.PayloadSchema.load(schema.sha256)
    return deployed


def use_validator(schema: payload_schema.PayloadSchema, build: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The schema's validator importable for this test only (sys.path and the module restored)."""
    monkeypatch.setattr(sys, "path", list(sys.path))
    monkeypatch.setitem(sys.modules, ingest.VALIDATOR_MODULE, None)  # restored (removed) at teardown
    payload_schema.use_validator(schema, build)


def refusal(deployed: Deployed, event: dict[str, Any]) -> dict[str, Any]:
    before = deployed.count()
    response = deployed.invoke(event)
    assert response["statusCode"] == 400, response
    assert deployed.count() == before, "a refused payload was stored"
    body: dict[str, Any] = json.loads(response["body"])
    assert body["message"] == ingest.INVALID_BODY_MESSAGE
    assert body["request_id"] == "req-1234"
    return body


def test_a_matching_payload_is_stored(checked: Deployed) -> None:
    response = checked.invoke(
        make_event('{"type": "click", "count": 3, "tags": ["a"], "nested": {"deep": [true]}}')
    )
    assert response["statusCode"] == 200, response["body"]
    assert ingest.from_attribute(checked.stored(response)["data"])["count"] == 3


@pytest.mark.parametrize(
    ("body", "error"),
    [
        ('{"count": 1}', "payload does not match the schema at $ (required)"),
        ('{"type": "buy"}', "payload does not match the schema at $.type (enum)"),
        ('{"type": "view", "count": 1.5}', "payload does not match the schema at $.count (type)"),
        ('{"type": "view", "count": -1}', "payload does not match the schema at $.count (minimum)"),
        (
            '{"type": "view", "tags": ["ok", "NO"]}',
            "payload does not match the schema at $.tags[1] (pattern)",
        ),
        (
            '{"type": "view", "nested": {"deep": [true, 1]}}',
            "payload does not match the schema at $.nested.deep[1] (type)",
        ),
        ('{"type": "view", "other": 1}', "payload does not match the schema at $ (additionalProperties)"),
        ("[1, 2]", "payload does not match the schema at $ (type)"),
    ],
)
def test_a_payload_the_schema_refuses_is_400_naming_where(checked: Deployed, body: str, error: str) -> None:
    answer = refusal(checked, make_event(body))
    assert answer["error"] == error
    # Where, and which keyword: never the schema's values (its enum, its pattern).
    for internal in ("click", "^[a-z]+$", 'minimum": 0'):
        assert internal not in json.dumps(answer)


def test_every_content_type_is_checked_not_only_json(checked: Deployed) -> None:
    text = make_event('{"count": 1}', headers={"Content-Type": "text/plain"})
    assert refusal(checked, text)["error"].endswith("at $ (required)")
    plain = make_event("just words", headers={"Content-Type": "text/plain"})
    assert refusal(checked, plain)["error"] == "payload does not match the schema at $ (type)"
    binary = base64_event(b"\x89PNG\r\n", "image/png")
    assert refusal(checked, binary)["error"] == "a binary body cannot match the payload schema"
    encoded = make_event(
        base64.b64encode(b'{"type": "view"}').decode(),
        isBase64Encoded=True,
        headers={"Content-Type": "text/plain"},
    )
    assert checked.invoke(encoded)["statusCode"] == 200


def test_text_that_is_not_json_matches_a_schema_for_strings(
    deployed: Deployed, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "strings.json"
    path.write_text('{"type": "string", "maxLength": 5}')
    schema = payload_schema.read(path)
    use_validator(schema, tmp_path / "build", monkeypatch)
    deployed.service.schema = ingest.PayloadSchema.load(schema.sha256)
    assert deployed.invoke(make_event("short", headers={"Content-Type": "text/plain"}))["statusCode"] == 200
    assert refusal(deployed, make_event("too long", headers={"Content-Type": "text/plain"}))[
        "error"
    ].endswith("at $ (maxLength)")


def test_a_long_failing_path_is_cut_short() -> None:
    name = "data" + ".k" * 300
    path = ingest.failing_path(name)
    assert len(path) == 200
    assert path.startswith("$.k.k")
    assert path.endswith("...")
    assert ingest.failing_path("data") == "$"
    assert ingest.failing_path("data[3].x") == "$[3].x"
    assert ingest.failing_path(None) == "$"


def test_the_function_refuses_to_start_without_the_deployed_schemas_validator(
    aws_env: None, schema_file: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    schema = payload_schema.read(schema_file)
    monkeypatch.setenv("PAYLOAD_SCHEMA_SHA256", schema.sha256)
    monkeypatch.setitem(sys.modules, ingest.VALIDATOR_MODULE, None)  # restored at teardown
    del sys.modules[ingest.VALIDATOR_MODULE]
    with pytest.raises(RuntimeError, match="has no payload_validator"):
        load_handler()
    other = tmp_path / "other.json"
    other.write_text('{"type": "object"}')
    use_validator(payload_schema.read(other), tmp_path / "build", monkeypatch)
    with pytest.raises(RuntimeError, match="the stack deployed"):
        load_handler()
    use_validator(schema, tmp_path / "build", monkeypatch)
    assert load_handler().SERVICE.schema is not None
