"""The security gate (security/scan.py: checkov and parliament) on the stacks this session
synthesized: every auth mode must scan clean, and the gate must catch what it is there for."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import REPO_ROOT, SynthesizedStack

SCAN_PYTHON = REPO_ROOT / ".scan" / "bin" / "python"
GATE = REPO_ROOT / "security" / "scan.py"


def run_gate(*out_dirs: Path) -> subprocess.CompletedProcess[str]:
    if not SCAN_PYTHON.exists():
        pytest.fail("the scanners are not installed in .scan/: run `make test`, which installs them")
    return subprocess.run(
        [str(SCAN_PYTHON), str(GATE), *map(str, out_dirs)],
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )


def out_dir(stack: SynthesizedStack) -> Path:
    return stack.directory.parent.parent


def test_every_stack_and_auth_mode_scans_clean(
    synthesized: dict[str, SynthesizedStack], auth_modes: dict[str, SynthesizedStack]
) -> None:
    result = run_gate(out_dir(synthesized["data-api-dev"]), out_dir(auth_modes["iam"]))
    assert result.returncode == 0, result.stdout + result.stderr
    assert "scan clean: 0 unaccepted findings, 0 stale acceptances" in result.stdout
    assert "scanned 7 stacks" in result.stdout  # 4 default, 3 with the auth modes


@pytest.fixture
def scratch(dev: SynthesizedStack, tmp_path: Path) -> tuple[Path, dict[str, Any]]:
    """A scratch copy of the dev stack to break on purpose."""
    copy = tmp_path / "cdktf.out" / "stacks" / dev.name
    shutil.copytree(dev.directory, copy)
    return tmp_path / "cdktf.out", json.loads((copy / "cdk.tf.json").read_text())


def write(out: Path, config: dict[str, Any]) -> None:
    (out / "stacks" / "data-api-dev" / "cdk.tf.json").write_text(json.dumps(config, indent=2))


def test_a_finding_without_an_acceptance_fails_the_gate(scratch: tuple[Path, dict[str, Any]]) -> None:
    out, config = scratch
    (function,) = config["resource"]["aws_lambda_function"].values()
    del function["//"]["checkov"]
    write(out, config)
    result = run_gate(out)
    assert result.returncode == 1
    assert "FAILED    checkov CKV_AWS_117" in result.stdout


def test_a_weakened_policy_fails_the_gate(scratch: tuple[Path, dict[str, Any]]) -> None:
    out, config = scratch
    (role_policy,) = config["resource"]["aws_iam_role_policy"].values()
    document = json.loads(role_policy["policy"])
    document["Statement"][0]["Action"] = ["dynamodb:*"]
    document["Statement"][0]["Resource"] = "*"
    role_policy["policy"] = json.dumps(document)
    write(out, config)
    result = run_gate(out)
    assert result.returncode == 1
    assert "FAILED    parliament" in result.stdout


def test_an_acceptance_nothing_needs_fails_the_gate(scratch: tuple[Path, dict[str, Any]]) -> None:
    out, config = scratch
    (table,) = config["resource"]["aws_dynamodb_table"].values()
    table["//"]["checkov"] = ["checkov:skip=CKV_AWS_28:point-in-time recovery is on, so this is stale"]
    write(out, config)
    result = run_gate(out)
    assert result.returncode == 1
    assert "STALE     checkov CKV_AWS_28" in result.stdout
