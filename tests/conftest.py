"""Shared fixtures: the app is synthesized once per test session (loading the provider costs seconds)."""

from __future__ import annotations

import json
import os
import subprocess
import threading
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from constructs_lib.settings import ENVIRONMENTS, Settings

REPO_ROOT = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class SynthesizedStack:
    """One stack's cdk.tf.json, with helpers to find what the tests assert on."""

    name: str
    directory: Path
    config: Mapping[str, Any]

    def resources(self, kind: str) -> dict[str, dict[str, Any]]:
        return dict(self.config.get("resource", {}).get(kind, {}))

    def resource(self, kind: str, path_suffix: str | None = None) -> dict[str, Any]:
        """The one resource of ``kind`` (whose construct path ends with ``path_suffix``, if given)."""
        found = [
            r
            for r in self.resources(kind).values()
            if path_suffix is None or r["//"]["metadata"]["path"].endswith("/" + path_suffix)
        ]
        assert len(found) == 1, f"expected one {kind} {path_suffix or ''}, found {len(found)}"
        return found[0]

    def ref(self, kind: str, path_suffix: str | None = None) -> str:
        """The Terraform address of a resource, as references to it start: ``aws_x.name``."""
        resource = self.resource(kind, path_suffix)
        return f"{kind}.{resource['//']['metadata']['uniqueId']}"

    def data(self, kind: str) -> dict[str, dict[str, Any]]:
        return dict(self.config.get("data", {}).get(kind, {}))


def synthesize(outdir: Path, all_settings: list[Settings]) -> dict[str, SynthesizedStack]:
    """Synthesize the app for these settings into ``outdir``, from a working directory that is
    not the project's (so a path resolved from the cwd would break), and load every stack."""
    from constructs_lib.framework import App
    from constructs_lib.stack import build_app

    previous = Path.cwd()
    os.chdir(outdir)
    try:
        app = App(outdir=str(outdir / "cdktf.out"))
        build_app(app, all_settings)
        app.synth()
    finally:
        os.chdir(previous)
    stacks = {}
    for directory in sorted((outdir / "cdktf.out" / "stacks").iterdir()):
        config = json.loads((directory / "cdk.tf.json").read_text())
        stacks[directory.name] = SynthesizedStack(directory.name, directory, config)
    return stacks


@pytest.fixture(scope="session")
def synthesized(tmp_path_factory: pytest.TempPathFactory) -> dict[str, SynthesizedStack]:
    """Every stack of the app with default settings."""
    return synthesize(
        tmp_path_factory.mktemp("synth-default"), [Settings(environment=e) for e in ENVIRONMENTS]
    )


@pytest.fixture(scope="session")
def dev(synthesized: dict[str, SynthesizedStack]) -> SynthesizedStack:
    return synthesized["data-api-dev"]


@pytest.fixture(scope="session")
def prod(synthesized: dict[str, SynthesizedStack]) -> SynthesizedStack:
    return synthesized["data-api-prod"]


@pytest.fixture(scope="session")
def account(synthesized: dict[str, SynthesizedStack]) -> SynthesizedStack:
    return synthesized["data-api-account-us-east-1"]


VARIANT = Settings(
    environment="staging",
    region="eu-west-1",
    tracing_enabled=False,
    cors_allowed_origin="https://app.example.com",
    state_backend="s3",
    state_bucket="example-terraform-state",
    state_region="eu-central-1",
    lambda_memory_mb=512,
    lambda_timeout_seconds=20,
    log_retention_days=30,
    state_noncurrent_version_days=30,
    alert_email="staging-alerts@example.com",
    adopt_welcome_log_group=True,
)
"""Every setting a test wants to see away from its default, in one extra synth."""


@pytest.fixture(scope="session")
def variant_stacks(tmp_path_factory: pytest.TempPathFactory) -> dict[str, SynthesizedStack]:
    return synthesize(tmp_path_factory.mktemp("synth-variant"), [VARIANT])


@pytest.fixture(scope="session")
def variant(variant_stacks: dict[str, SynthesizedStack]) -> SynthesizedStack:
    return variant_stacks[VARIANT.stack_name]


AUTH_MODES = [
    Settings(environment="dev", api_auth="api_key", api_key_daily_quota=5000),
    Settings(environment="staging", api_auth="iam", billing_mode="on_demand"),
]
"""The auth modes the defaults do not cover, and on-demand billing: all scanned with the rest."""


@pytest.fixture(scope="session")
def auth_modes(tmp_path_factory: pytest.TempPathFactory) -> dict[str, SynthesizedStack]:
    """dev with an API key, staging with IAM auth and on-demand tables."""
    stacks = synthesize(tmp_path_factory.mktemp("synth-auth"), AUTH_MODES)
    return {"api_key": stacks["data-api-dev"], "iam": stacks["data-api-staging"]}


@pytest.fixture(scope="session")
def moto_endpoint() -> Iterator[str]:
    """moto's DynamoDB as a real HTTP server on loopback, for the whole session."""
    from moto.server import ThreadedMotoServer

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    try:
        yield f"http://{host}:{port}"
    finally:
        server.stop()


SCAN_PYTHON = REPO_ROOT / ".scan" / "bin" / "python"
GATE = REPO_ROOT / "security" / "scan.py"
GATE_TESTS = "tests/scan/test_scan.py::"


class GateRuns:
    """Runs of security/scan.py (checkov and parliament, in their own venv), one after another
    in a background thread, so they use the second core while the suite goes on."""

    def __init__(self, jobs: dict[str, list[Path]]) -> None:
        if not SCAN_PYTHON.exists():
            pytest.fail("the scanners are not installed in .scan/: run `make test`, which installs them")
        self._results: dict[str, subprocess.CompletedProcess[str]] = {}
        self._process: subprocess.Popen[str] | None = None
        self._thread = threading.Thread(target=self._run, args=(jobs,), daemon=True)
        self._thread.start()

    def _run(self, jobs: dict[str, list[Path]]) -> None:
        for name, out_dirs in jobs.items():
            command = [str(SCAN_PYTHON), str(GATE), *map(str, out_dirs)]
            self._process = subprocess.Popen(
                command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
            )
            output, _ = self._process.communicate()
            self._results[name] = subprocess.CompletedProcess(command, self._process.returncode, output)

    def result(self, name: str) -> subprocess.CompletedProcess[str]:
        self._thread.join(timeout=900)
        return self._results[name]

    def stop(self) -> None:
        if self._process is not None and self._process.poll() is None:
            self._process.kill()


@pytest.fixture(scope="session")
def security_gate(
    synthesized: dict[str, SynthesizedStack],
    auth_modes: dict[str, SynthesizedStack],
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[GateRuns]:
    """The gate over every stack of this session ("clean") and over broken copies ("broken"),
    started as soon as the stacks exist (see pytest_collection_modifyitems)."""
    from tests.scan.gate_cases import write_broken_copies

    broken = write_broken_copies(synthesized["data-api-dev"].directory, tmp_path_factory.mktemp("broken"))
    runs = GateRuns(
        {
            "clean": [
                synthesized["data-api-dev"].directory.parent.parent,
                auth_modes["iam"].directory.parent.parent,
            ],
            "broken": [broken],
        }
    )
    yield runs
    runs.stop()


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """When the gate's test is selected: synthesize first, start the gate, and read its verdict
    last, so checkov runs on the second core while the rest of the suite does."""
    if not any(item.nodeid.startswith(GATE_TESTS) for item in items):
        return

    def order(item: pytest.Item) -> int:
        if item.nodeid.startswith(GATE_TESTS):
            return 2
        return 0 if "synthesized" in getattr(item, "fixturenames", ()) else 1

    items.sort(key=order)
    first = items[0]
    if "security_gate" not in getattr(first, "fixturenames", ["security_gate"]):
        first.fixturenames.append("security_gate")  # type: ignore[attr-defined]
