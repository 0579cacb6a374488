"""make test's last lines name the failed tests, read from pytest's JUnit report; the suite
loads only the pytest plugins it names; its collector looks less often."""

from __future__ import annotations

import ast
import gc
from importlib.metadata import entry_points
from pathlib import Path

import pytest

from local.process import GC_THRESHOLD
from tests.conftest import REPO_ROOT
from tools.test import PYTEST_PLUGINS, SCHEMATHESIS_PLUGIN, SIDE_PATHS, failed_tests

REPORT = """<?xml version="1.0" encoding="utf-8"?>
<testsuites><testsuite name="pytest" errors="1" failures="1" skipped="1" tests="4">
<testcase classname="tests.function.test_handler" name="test_ok" time="0.1"/>
<testcase classname="tests.function.test_handler" name="test_broken[a-1]" time="0.1">
<failure message="assert 1 == 2">...</failure></testcase>
<testcase classname="tests.stacks.test_stack_api" name="test_setup_fails" time="0.1">
<error message="fixture failed">...</error></testcase>
<testcase classname="tests.local.test_auth" name="test_skipped" time="0.0"><skipped/></testcase>
</testsuite></testsuites>
"""


def test_failures_and_errors_are_named_as_node_ids(tmp_path: Path) -> None:
    report = tmp_path / "report.xml"
    report.write_text(REPORT)
    assert failed_tests(report) == [
        "tests/function/test_handler.py::test_broken[a-1]",
        "tests/stacks/test_stack_api.py::test_setup_fails",
    ]


def test_a_missing_or_broken_report_names_nothing(tmp_path: Path) -> None:
    assert failed_tests(tmp_path / "absent.xml") == []
    (tmp_path / "broken.xml").write_text("<testsuites")
    assert failed_tests(tmp_path / "broken.xml") == []


def test_only_the_named_plugins_join_a_run(request: pytest.FixtureRequest) -> None:
    """An installed plugin the suite does not name (anyio's, typeguard's) is not loaded: with it,
    pytest would also rewrite the assertions of its whole package on a first run."""
    manager = request.config.pluginmanager
    installed = list(entry_points(group="pytest11"))
    loaded = {ep.value for ep in installed if manager.has_plugin(ep.name) or manager.has_plugin(ep.value)}
    assert {ep.value for ep in installed} - set(PYTEST_PLUGINS), "no unnamed plugin is installed"
    assert loaded <= set(PYTEST_PLUGINS)
    assert {"_hypothesis_pytestplugin", "syrupy"} <= loaded
    blocked = manager.is_blocked(SCHEMATHESIS_PLUGIN)
    assert manager.has_plugin(SCHEMATHESIS_PLUGIN) != blocked


def test_the_collector_looks_less_often_and_never_at_what_collection_built() -> None:
    assert gc.isenabled()
    assert gc.get_threshold()[0] == GC_THRESHOLD
    # Everything collection built (the modules, tests and fixtures): hundreds of thousands of objects.
    assert gc.get_freeze_count() > 50_000


API_STARTERS = {("local.process", "local_api"), ("local.target", "resolve_target")}
"""What starts a local API in a process of its own (forked from the process's fork server)."""


def starts_local_apis(path: Path) -> bool:
    return any(
        isinstance(node, ast.ImportFrom)
        and any((node.module, alias.name) in API_STARTERS for alias in node.names)
        for node in ast.walk(ast.parse(path.read_text()))
    )


def test_every_test_that_starts_a_local_api_runs_in_the_second_process() -> None:
    """So the main process never starts a fork server (its imports cost a second or two of CPU)."""
    starters = sorted(
        p.relative_to(REPO_ROOT).as_posix()
        for p in (REPO_ROOT / "tests").rglob("*.py")
        if starts_local_apis(p)
    )
    assert "tests/integration/test_cognito.py" in starters  # the check sees them
    assert [p for p in starters if not p.startswith(tuple(f"{side}/" for side in SIDE_PATHS))] == []
