"""IAM policy documents as JSON strings, built from plain statements."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

Statement = dict[str, Any]


def policy_document(statements: Sequence[Statement]) -> str:
    """A policy document (version 2012-10-17) holding ``statements``.

    Values may be CDKTF tokens (ARNs of other resources): they survive ``json.dumps`` as
    placeholders and become Terraform interpolations in the synthesized string.
    """
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)})


def allow(
    sid: str,
    actions: Sequence[str],
    resources: Sequence[str],
    conditions: dict[str, dict[str, Any]] | None = None,
    principal: dict[str, Any] | None = None,
) -> Statement:
    """One Allow statement; ``principal`` only for resource policies (key, trust)."""
    statement: Statement = {"Sid": sid, "Effect": "Allow"}
    if principal is not None:
        statement["Principal"] = principal
    statement["Action"] = list(actions)
    statement["Resource"] = list(resources) if len(resources) != 1 else resources[0]
    if conditions:
        statement["Condition"] = conditions
    return statement
