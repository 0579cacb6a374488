"""The security gate (security/scan.py: checkov and parliament) on the stacks this session
synthesized: every auth mode must scan clean, and the gate must catch what it is there for."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

from tests.conftest import SynthesizedStack, start_gate


def run_gate(*out_dirs: Path) -> subprocess.CompletedProcess[str]:
    process = start_gate(*out_dirs)
    output, _ = process.communicate(timeout=600)
    return subprocess.CompletedProcess(process.args, process.returncode, output, "")


def test_every_stack_and_auth_mode_scans_clean(security_gate: subprocess.Popen[str]) -> None:
    """Started in the background right after the session's synth; its verdict is read here."""
    output, _ = security_gate.communicate(timeout=600)
    assert security_gate.returncode == 0, output
    assert "scan clean: 0 unaccepted findings, 0 stale acceptances" in output
    assert "scanned 7 stacks" in output  # 4 default, 3 with the auth modes


def break_acceptance(config: dict[str, Any]) -> None:
    """Drop the function's accepted checkov findings."""
    (function,) = config["resource"]["aws_lambda_function"].values()
    del function["//"]["checkov"]


def weaken_policy(config: dict[str, Any]) -> None:
    """Let the function do anything to any table."""
    (role_policy,) = config["resource"]["aws_iam_role_policy"].values()
    document = json.loads(role_policy["policy"])
    document["Statement"][0]["Action"] = ["dynamodb:*"]
    document["Statement"][0]["Resource"] = "*"
    role_policy["policy"] = json.dumps(document)


def accept_a_finding_that_is_not_there(config: dict[str, Any]) -> None:
    (table,) = config["resource"]["aws_dynamodb_table"].values()
    table["//"]["checkov"] = ["checkov:skip=CKV_AWS_28:point-in-time recovery is on, so this is stale"]


def test_the_gate_catches_what_it_is_there_for(dev: SynthesizedStack, tmp_path: Path) -> None:
    """Scratch copies of the dev stack, each broken one way, in one run of the gate."""
    breakages = {
        "unaccepted": (break_acceptance, "FAILED    checkov CKV_AWS_117  unaccepted/"),
        "weakened": (weaken_policy, "FAILED    parliament"),
        "stale": (accept_a_finding_that_is_not_there, "STALE     checkov CKV_AWS_28  stale/"),
    }
    for name, (breakage, _) in breakages.items():
        config = json.loads((dev.directory / "cdk.tf.json").read_text())
        breakage(config)
        copy = tmp_path / "stacks" / name
        copy.mkdir(parents=True)
        (copy / "cdk.tf.json").write_text(json.dumps(config, indent=2))
    result = run_gate(tmp_path)
    assert result.returncode == 1
    for name, (_, expected) in breakages.items():
        assert expected in result.stdout, name
    assert "weakened/" in result.stdout.split("FAILED    parliament", 1)[1].splitlines()[0]
