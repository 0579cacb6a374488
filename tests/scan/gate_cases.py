"""Scratch copies of a synthesized stack, each broken one way the security gate must catch."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any


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
    table = next(t for t in config["resource"]["aws_dynamodb_table"].values() if t["name"].endswith("-data"))
    table["//"]["checkov"] = ["checkov:skip=CKV_AWS_28:point-in-time recovery is on, so this is stale"]


BREAKAGES: dict[str, tuple[Callable[[dict[str, Any]], None], str]] = {
    "unaccepted": (break_acceptance, "FAILED    checkov CKV_AWS_117  unaccepted/"),
    "weakened": (weaken_policy, "FAILED    parliament"),
    "stale": (accept_a_finding_that_is_not_there, "STALE     checkov CKV_AWS_28  stale/"),
}
"""Each breakage, and the line the gate must print for it."""


def write_broken_copies(stack_dir: Path, out_dir: Path) -> Path:
    """A cdktf.out-like folder holding one broken copy of the stack per breakage."""
    for name, (breakage, _) in BREAKAGES.items():
        config = json.loads((stack_dir / "cdk.tf.json").read_text())
        breakage(config)
        copy = out_dir / "stacks" / name
        copy.mkdir(parents=True)
        (copy / "cdk.tf.json").write_text(json.dumps(config, indent=2))
    return out_dir
