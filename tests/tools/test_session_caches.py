"""The session's caches (tests/conftest.py): an app is copied from an earlier session only when
nothing its synth reads has changed, and only a successful synth is kept; the gate's report is
read back only when the gate, the scanners and every stack file it scans are unchanged."""

from __future__ import annotations

import subprocess
import sys
from concurrent.futures import Future
from pathlib import Path
from typing import Any

import pytest

from constructs_lib.settings import Settings
from tests import conftest
from tests.conftest import REPO_ROOT, app_digest
from tools import synth as stamp

SETTINGS = [Settings(environment="dev")]
ENV = {"DATA_API_X": "1", "CDK_FRAMEWORK": "cdktf", "HOME": "/home/someone"}


@pytest.fixture
def code(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """One stand-in code file in place of the project's."""
    source = tmp_path / "stack.py"
    source.write_text("x = 1\n")
    monkeypatch.setattr(stamp, "code_files", lambda root: [source])
    return source


def test_the_digest_covers_the_code_synth_imports_the_function_and_the_locks() -> None:
    files = set(stamp.code_files(REPO_ROOT))
    for name in ("constructs_lib/stack.py", "constructs_lib/framework.py", "lambda/handler.py"):
        assert REPO_ROOT / name in files
    assert REPO_ROOT / "Pipfile.lock" in files


def test_any_input_changes_the_digest(code: Path, tmp_path: Path) -> None:
    schema = tmp_path / "schema.json"
    schema.write_text('{"type": "object"}')
    with_schema = [Settings(environment="dev", payload_schema=str(schema))]
    before = app_digest(SETTINGS, ENV)
    assert app_digest(SETTINGS, ENV) == before
    assert app_digest(SETTINGS, {**ENV, "HOME": "/elsewhere"}) == before  # not read by synth
    assert app_digest([Settings(environment="prod")], ENV) != before
    assert app_digest(SETTINGS, {**ENV, "DATA_API_X": "2"}) != before
    assert app_digest(SETTINGS, {**ENV, "CDK_FRAMEWORK": "cdktn"}) != before
    schema_digest = app_digest(with_schema, ENV)
    schema.write_text('{"type": "array"}')
    assert app_digest(with_schema, ENV) != schema_digest
    code.write_text("x = 2\n")
    assert app_digest(SETTINGS, ENV) != before


def test_only_a_successful_synth_is_kept_and_it_is_copied_back(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(conftest, "SYNTH_CACHE", tmp_path / "cache")
    (tmp_path / "cache").mkdir()
    first = tmp_path / "first"
    (first / "cdktf.out" / "stacks" / "data-api-dev").mkdir(parents=True)
    (first / "cdktf.out" / "stacks" / "data-api-dev" / "cdk.tf.json").write_text("{}")

    failed: Future[Any] = Future()
    kept = conftest._kept_synth("app", "a" * 64, first, failed)
    failed.set_exception(RuntimeError("synth failed"))
    assert isinstance(kept.exception(), RuntimeError)
    assert conftest._cached_synth("app", "a" * 64, tmp_path / "elsewhere") is None

    succeeded: Future[Any] = Future()
    kept = conftest._kept_synth("app", "a" * 64, first, succeeded)
    assert not kept.done()
    succeeded.set_result(None)
    assert kept.result() is None
    second = tmp_path / "second"
    second.mkdir()
    copied = conftest._cached_synth("app", "a" * 64, second)
    assert copied is not None
    assert copied.done()
    assert (second / "cdktf.out" / "stacks" / "data-api-dev" / "cdk.tf.json").read_text() == "{}"
    # Another digest (an input changed) finds nothing, and a new synth replaces the old one.
    assert conftest._cached_synth("app", "b" * 64, tmp_path / "third") is None
    newer: Future[Any] = Future()
    conftest._kept_synth("app", "b" * 64, first, newer)
    newer.set_result(None)
    assert [p.name for p in (tmp_path / "cache").iterdir()] == [f"app-{'b' * 24}"]


def _stacks(root: Path, dev: str) -> Path:
    out = root / "cdktf.out"
    for name, text in (("data-api-dev", dev), ("data-api-account-us-east-1", "{}")):
        (out / "stacks" / name).mkdir(parents=True)
        (out / "stacks" / name / "cdk.tf.json").write_text(text)
    return out


def test_the_scan_digest_follows_the_stacks_the_gate_and_the_scanners(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    gate, scanners = tmp_path / "scan.py", tmp_path / "requirements.txt"
    gate.write_text("gate 1")
    scanners.write_text("checkov==1")
    monkeypatch.setattr(conftest, "GATE", gate)
    monkeypatch.setattr(conftest, "SCANNERS", scanners)
    jobs = {"clean": [_stacks(tmp_path / "one", '{"a": 1}')]}
    before = conftest.scan_digest(jobs)
    # The same files in another session's temporary folder: the same digest.
    assert conftest.scan_digest({"clean": [_stacks(tmp_path / "two", '{"a": 1}')]}) == before
    assert conftest.scan_digest({"broken": jobs["clean"]}) != before
    assert conftest.scan_digest({"clean": [_stacks(tmp_path / "three", '{"a": 2}')]}) != before
    gate.write_text("gate 2")
    assert conftest.scan_digest(jobs) != before
    gate.write_text("gate 1")
    scanners.write_text("checkov==2")
    assert conftest.scan_digest(jobs) != before


def test_the_gate_keeps_one_report(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(conftest, "SCAN_CACHE", tmp_path / "scan")
    conftest.GateRuns._keep(tmp_path / "scan" / "first.txt", "== clean: exit 0\nscan clean\n")
    conftest.GateRuns._keep(tmp_path / "scan" / "second.txt", "== clean: exit 1\nscan NOT clean\n")
    assert [p.name for p in (tmp_path / "scan").iterdir()] == ["second.txt"]
    assert (tmp_path / "scan" / "second.txt").read_text().endswith("scan NOT clean\n")


class _Config:
    def __init__(self, source: pytest.Config.ArgsSource, **options: Any) -> None:
        self.args_source = source
        self.option = type("Options", (), {"keyword": "", "markexpr": "", "collectonly": False, **options})


@pytest.mark.parametrize(
    ("config", "starts"),
    [
        (_Config(pytest.Config.ArgsSource.TESTPATHS), True),
        (_Config(pytest.Config.ArgsSource.ARGS), False),
        (_Config(pytest.Config.ArgsSource.TESTPATHS, keyword="handler"), False),
        (_Config(pytest.Config.ArgsSource.TESTPATHS, markexpr="not synth"), False),
        (_Config(pytest.Config.ArgsSource.TESTPATHS, collectonly=True), False),
    ],
)
def test_only_a_whole_suite_run_loads_the_provider_before_collection(
    monkeypatch: pytest.MonkeyPatch, config: _Config, starts: bool
) -> None:
    calls: list[str] = []

    class Recorder:
        def load_framework(self) -> None:
            calls.append("tests.synth_worker:load_framework")

    monkeypatch.setattr(conftest, "synth_worker", Recorder)
    conftest.pytest_configure(config)  # type: ignore[arg-type]
    assert calls == (["tests.synth_worker:load_framework"] if starts else [])


@pytest.mark.parametrize(
    ("returncode", "reported", "kept"),
    [
        (0, ["clean", "broken"], True),
        (1, ["clean", "broken"], True),  # a verdict: not clean
        (1, [], False),  # scan.py stopped before any report (checkov failed to run)
        (1, ["clean"], False),
        (2, ["clean", "broken"], False),
        (None, ["clean", "broken"], False),
    ],
)
def test_only_a_verdict_on_every_group_is_kept(
    returncode: int | None, reported: list[str], kept: bool
) -> None:
    assert conftest.complete_verdict(returncode, ["clean", "broken"], reported) is kept


def test_the_worker_is_asked_to_load_the_provider_once() -> None:
    from tests.synth_worker import SynthWorker

    asked: list[str] = []
    worker = object.__new__(SynthWorker)  # no process: only the request is under test
    worker._loading = None

    def submit(target: str) -> Future[Any]:
        asked.append(target)
        return Future()

    worker.submit = submit  # type: ignore[method-assign]
    first = worker.load_framework()
    assert worker.load_framework() is first
    assert asked == ["tests.synth_worker:load_framework"]


def test_a_worker_that_ended_leaves_no_pipe_open() -> None:
    """The readers close the worker's pipes at their end: no ResourceWarning when pytest exits."""
    script = (
        "import gc, warnings\n"
        "warnings.simplefilter('error', ResourceWarning)\n"
        "from tests.synth_worker import SynthWorker\n"
        "worker = SynthWorker()\n"
        "assert worker.call('os:getpid') > 0\n"
        "worker.close()\n"
        "del worker\n"
        "gc.collect()\n"
    )
    command = [sys.executable, "-X", "dev", "-c", script]
    result = subprocess.run(command, cwd=REPO_ROOT, capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stderr
    assert "ResourceWarning" not in result.stderr, result.stderr


def test_every_botocore_session_of_a_test_process_parses_the_sdk_data_once() -> None:
    import botocore.session

    first, second = (botocore.session.get_session().get_component("data_loader") for _ in range(2))
    assert first is second
    assert first.load_data("endpoints") is second.load_data("endpoints")
