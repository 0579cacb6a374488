"""The payload_schema setting: a path read from the settings file's folder (or, in a variable,
from the current one), and a file that cannot be the schema refused at synth in one line that
names what the user wrote and what is wrong with the file."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from constructs_lib import payload_schema
from constructs_lib.settings import SettingsError, load
from tests.settings.test_settings_file import settings_file

GOOD = '{"type": "object", "required": ["a"], "properties": {"a": {"type": "integer"}}}'


def schema_in(folder: Path, text: str = GOOD, name: str = "schema.json") -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text(text)
    return path


def test_a_relative_path_in_the_file_is_read_from_the_files_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    schema = schema_in(tmp_path / "config" / "schemas")
    env = settings_file(
        tmp_path / "config", 'environments = ["dev"]\n[dev]\npayload_schema = "schemas/schema.json"\n'
    )
    monkeypatch.chdir(tmp_path)  # not the settings file's folder
    settings = load(env)[0].settings
    assert Path(settings.payload_schema) == schema
    assert settings.schema is not None
    assert settings.schema.text == GOOD


def test_a_relative_path_in_a_variable_is_read_from_the_current_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    schema = schema_in(tmp_path / "here")
    env = settings_file(tmp_path, 'environments = ["dev"]\n')
    monkeypatch.chdir(tmp_path / "here")
    settings = load({**env, "DATA_API_DEV_PAYLOAD_SCHEMA": "schema.json"})[0].settings
    assert Path(settings.payload_schema) == schema


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        (None, "no such file"),
        ('{"type": "object",', "is not JSON (Expecting"),
        ("[1]", "must hold a JSON object"),
        ('{"$schema": "http://json-schema.org/draft-07/schema#"}', "API Gateway models are draft 4"),
        ('{"properties": {"a": {"$ref": "https://example.com/a.json"}}}', "points outside the file"),
        ('{"type": "thing"}', "is not a valid draft-4 schema"),
        ('{"pattern": "(("}', "is not a valid draft-4 schema"),
        ('{"required": "a"}', "is not a valid draft-4 schema"),
    ],
)
def test_a_file_that_cannot_be_the_schema_is_refused_in_one_line(
    tmp_path: Path, text: str | None, problem: str
) -> None:
    if text is not None:
        schema_in(tmp_path, text)
    env = settings_file(tmp_path, 'environments = ["dev"]\n[dev]\npayload_schema = "schema.json"\n')
    with pytest.raises(SettingsError) as caught:
        load(env)
    message = str(caught.value)
    assert "\n" not in message
    assert message.startswith(f"{env['DATA_API_SETTINGS']} [dev] payload_schema: setting payload_schema=")
    assert problem in message


def test_the_function_gets_the_files_digest_and_the_validator_its_code(tmp_path: Path) -> None:
    path = schema_in(tmp_path)
    env = settings_file(tmp_path, 'environments = ["dev"]\npayload_schema = "schema.json"\n')
    settings = load(env)[0].settings
    schema = payload_schema.read(path)
    assert settings.function_variables("t", "i")["PAYLOAD_SCHEMA_SHA256"] == schema.sha256
    code = schema.validator_code()
    assert f'SCHEMA_SHA256 = "{schema.sha256}"' in code
    assert "import fastjsonschema" not in code
    assert "from fastjsonschema" not in code
    assert "from ingest.schema import SchemaMismatchError as JsonSchemaValueException" in code
    # A schema without $schema is read as draft 4, as API Gateway reads it.
    assert json.loads(schema.text) == json.loads(GOOD)
    assert "PAYLOAD_SCHEMA_SHA256" not in load(settings_file(tmp_path, 'environments = ["dev"]\n'))[
        0
    ].settings.function_variables("t", "i")
