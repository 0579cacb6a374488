"""make synth is skipped only when nothing it reads has changed (tools/synth.py)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tests.conftest import REPO_ROOT
from tools import synth

FAKE_SYNTH = (
    'out="${CDKTF_OUTDIR:-cdktf.out}/stacks/data-api-dev"; mkdir -p "$out" && '
    'printf "{}" > "$out/cdk.tf.json" && printf x >> synth-runs'
)
"""A stand-in synth (a shell, not a Python: the tests below run it about forty times): it writes
one stack where synth would and counts its runs in synth-runs."""


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A copy of what synth reads, in a folder of its own."""
    for name in (*synth.SOURCE_FILES, synth.DEFAULT_SETTINGS_FILE):
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(REPO_ROOT / name, tmp_path / name)
    for directory in synth.SOURCE_DIRECTORIES:
        shutil.copytree(
            REPO_ROOT / directory, tmp_path / directory, ignore=shutil.ignore_patterns("__pycache__")
        )
    return tmp_path


def runs(project: Path, env: dict[str, str]) -> int:
    assert synth.synth(project, env, ["/bin/sh", "-c", FAKE_SYNTH]) == 0
    return len((project / "synth-runs").read_text())


def test_a_second_synth_with_nothing_changed_is_skipped_and_says_so(project, capsys) -> None:
    assert runs(project, {}) == 1
    assert runs(project, {}) == 1
    assert "synth skipped: nothing it reads changed since the last synth" in capsys.readouterr().err


@pytest.mark.parametrize(
    "change",
    [
        "main.py",
        "constructs_lib/stack.py",
        "constructs_lib/settings/model.py",
        "constructs_lib/capacity_model.py",
        "lambda/handler.py",
        "lambda/ingest/store.py",
        "Pipfile.lock",
        "frameworks/cdktn/Pipfile.lock",
        "settings.toml",
        "cdktf.json",
    ],
)
def test_changing_any_file_synth_reads_synthesizes_again(project, change) -> None:
    runs(project, {})
    with (project / change).open("a") as file:
        file.write("\n")
    assert runs(project, {}) == 2


@pytest.mark.parametrize(
    "variable",
    [
        ("DATA_API_LOG_LEVEL", "DEBUG"),
        ("DATA_API_ENVIRONMENTS", "dev"),
        ("CDKTF_CONTEXT_JSON", "{}"),
        ("JSII_NODE", "/x"),
    ],
)
def test_a_setting_or_cdktf_variable_synthesizes_again(project, variable) -> None:
    runs(project, {})
    assert runs(project, dict([variable])) == 2


def test_another_settings_file_and_a_change_to_it_synthesize_again(project) -> None:
    other = project / "other.toml"
    other.write_text('environments = ["dev"]\n')
    runs(project, {})
    assert runs(project, {"DATA_API_SETTINGS": str(other)}) == 2
    other.write_text('environments = ["dev"]\nlog_level = "DEBUG"\n')
    assert runs(project, {"DATA_API_SETTINGS": str(other)}) == 3


def test_a_change_to_the_payload_schema_file_synthesizes_again(project) -> None:
    schema = project / "schemas" / "event.json"
    schema.parent.mkdir()
    schema.write_text('{"type": "object"}')
    settings = project / "with-schema.toml"
    settings.write_text('environments = ["dev"]\npayload_schema = "schemas/event.json"\n')
    env = {"DATA_API_SETTINGS": str(settings)}
    assert runs(project, env) == 1
    assert runs(project, env) == 1
    schema.write_text('{"type": "object", "required": ["a"]}')
    assert runs(project, env) == 2


def test_a_removed_stack_or_output_folder_synthesizes_again(project) -> None:
    runs(project, {})
    shutil.rmtree(project / "cdktf.out" / "stacks")
    assert runs(project, {}) == 2


def test_a_failed_synth_leaves_no_stamp(project) -> None:
    runs(project, {})
    (project / "main.py").write_text("raise SystemExit(1)\n")
    assert synth.synth(project, {}, ["/bin/sh", "-c", "exit 1"]) == 1
    assert not (project / "cdktf.out" / synth.STAMP_NAME).exists()
