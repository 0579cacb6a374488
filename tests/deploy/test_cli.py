"""The real CDKTF CLI (node_modules, on the project's Node) driven by `python -m deploy.run`, with
a stand-in `terraform` (fake_terraform.py, named by TERRAFORM_BINARY_NAME) that records its calls.

This proves the orchestration: which stacks run, in which order, with which arguments, variables
and backend migration. It cannot show what Terraform or AWS would do with them: no provider is
installed here and nothing is deployed.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest

from constructs_lib.node import cli_path
from tests.conftest import REPO_ROOT, SynthesizedStack, early_job
from tests.deploy import fake_terraform

EMAIL = "ops@example.com"


@pytest.fixture(scope="module")
def out_dir(synthesized: dict[str, SynthesizedStack]) -> Path:
    if not cli_path().exists():
        pytest.fail(f"the CLI is not installed ({cli_path()}): run `make setup` (make test does)")
    return synthesized["data-api-dev"].directory.parent.parent


def run(
    argv: list[str], out_dir: Path, tmp_path: Path, **variables: str
) -> tuple[subprocess.CompletedProcess[str], list[dict[str, Any]]]:
    log = tmp_path / "terraform-calls.jsonl"
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("DATA_API_", "TF_VAR_"))},
        "CDKTF_OUTDIR": str(out_dir),
        "TERRAFORM_BINARY_NAME": fake_terraform.installed(str(tmp_path / "bin")),
        "FAKE_TERRAFORM_LOG": str(log),
        "TF_VAR_alert_email": EMAIL,
        **variables,
    }
    result = subprocess.run(
        [sys.executable, "-m", "deploy.run", *argv, "--build-dir", str(tmp_path)],
        cwd=REPO_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        stdin=subprocess.DEVNULL,
        check=False,
    )
    calls = [json.loads(line) for line in log.read_text().splitlines()] if log.exists() else []
    # Only the calls in a stack's folder: the CLI also asks `terraform version` from the project.
    return result, [c for c in calls if "/stacks/" in c["cwd"]]


WELCOME_ERROR = (
    "Error: creating CloudWatch Logs Log Group (/aws/apigateway/welcome): operation error "
    "CloudWatch Logs: CreateLogGroup, ResourceAlreadyExistsException: "
    "The specified log group already exists"
)
Run = tuple[subprocess.CompletedProcess[str], list[dict[str, Any]], Path]


SCENARIOS: dict[str, tuple[list[str], dict[str, str]]] = {
    "deploy": (["deploy", "--env", "dev"], {"AUTO_APPROVE": "1", "MIGRATE_STATE": "1"}),
    "failing deploy": (
        ["deploy", "--env", "dev"],
        {"AUTO_APPROVE": "1", "FAKE_TERRAFORM_FAIL": "account", "FAKE_TERRAFORM_ERROR": WELCOME_ERROR},
    ),
}


def cli_runs(out_dir: Path, scratch: Path) -> dict[str, Run]:
    """Both CLI runs at once, each in a folder of its own: a node process each. The session
    starts this as soon as the default app is synthesized (tests/conftest.py, EARLY_JOBS)."""

    def start(name: str) -> Run:
        argv, variables = SCENARIOS[name]
        folder = scratch / name.replace(" ", "-")
        folder.mkdir()
        return (*run(argv, out_dir, folder, **variables), folder)

    with ThreadPoolExecutor(max_workers=len(SCENARIOS)) as pool:
        return dict(zip(SCENARIOS, pool.map(start, SCENARIOS), strict=True))


@pytest.fixture(scope="module")
def runs(out_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Run]:
    """The runs started early in the background, or now when this run did not start them."""
    early = early_job("tests/deploy/test_cli.py")
    if early is not None:
        return dict(early.result(timeout=600))
    return cli_runs(out_dir, tmp_path_factory.mktemp("cli"))


def steps(calls: list[dict[str, Any]]) -> list[tuple[str, str]]:
    return [(Path(c["cwd"]).name, " ".join(c["args"])) for c in calls]


def test_make_deploy_runs_the_account_stack_then_the_environment_with_the_email_as_a_variable(runs) -> None:
    result, calls, tmp_path = runs["deploy"]
    assert result.returncode == 0, result.stdout + result.stderr
    applied = [s for s in steps(calls) if s[1].startswith(("init", "apply", "output"))]
    assert applied == [
        ("data-api-account-us-east-1", "init -migrate-state"),
        ("data-api-dev", "init -migrate-state"),
        ("data-api-account-us-east-1", "apply -auto-approve"),
        ("data-api-account-us-east-1", "output -json"),
        ("data-api-dev", "apply -auto-approve"),
        ("data-api-dev", "output -json"),
    ]
    # No -var reaches Terraform (it would fail the account stack); every call sees TF_VAR_alert_email.
    assert not any(a.startswith("-var") for c in calls for a in c["args"])
    assert {c["variables"].get("TF_VAR_alert_email") for c in calls} == {EMAIL}
    outputs = json.loads((tmp_path / "outputs-dev.json").read_text())
    assert set(outputs) == {"data-api-account-us-east-1", "data-api-dev"}
    assert outputs["data-api-dev"]["api_url"] == "fake-api_url"
    assert "next: make verify ENV=dev" in result.stdout


def test_a_failure_shows_the_cli_output_and_the_welcome_hint_and_stops_the_run(runs) -> None:
    result, calls, _ = runs["failing deploy"]
    assert result.returncode == 1
    assert "set adopt_welcome_log_group = true in settings.toml" in result.stderr
    assert (
        result.stderr.strip()
        .splitlines()[-1]
        .startswith("data-api: error: cdktf deploy data-api-account-us-east-1 data-api-dev failed")
    )
    # The environment's stack is never applied after its dependency failed.
    assert ("data-api-account-us-east-1", "apply -auto-approve") in steps(calls)
    assert not [step for step in steps(calls) if step[0] == "data-api-dev" and step[1].startswith("apply")]
