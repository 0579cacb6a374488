"""Snapshots of every stack's synthesized JSON, next to (never instead of) the assertions.

A change shows up here as a diff to review; after an intended change, `make snapshot-update`.
"""

from __future__ import annotations

import json
import os
from typing import Any

import pytest
from syrupy.assertion import SnapshotAssertion
from syrupy.extensions.json import JSONSnapshotExtension

from constructs_lib.settings import ENVIRONMENTS
from tests.conftest import SynthesizedStack
from tools.parity import as_cdktf

FRAMEWORK = os.environ.get("CDK_FRAMEWORK") or "cdktf"

ASSET_MASK = "<asset-hash>"


def mask_assets(stack: SynthesizedStack) -> Any:
    """The stack's JSON with the function code's hash masked, so editing the handler does not
    churn the snapshot (the function tests check the asset itself). One snapshot serves both
    frameworks: CDK Terrain's three known fields are checked, then written as CDKTF's."""
    text = json.dumps(as_cdktf(dict(stack.config), FRAMEWORK), sort_keys=True)
    for function in stack.resources("aws_lambda_function").values():
        text = text.replace(function["source_code_hash"], ASSET_MASK)
    return json.loads(text)


@pytest.fixture
def snapshot_json(snapshot: SnapshotAssertion) -> SnapshotAssertion:
    return snapshot.use_extension(JSONSnapshotExtension)


@pytest.mark.parametrize(
    "stack_name",
    [*(f"data-api-{e}" for e in ENVIRONMENTS), "data-api-account-us-east-1", "data-api-state-us-east-1"],
)
def test_stack_matches_snapshot(
    synthesized: dict[str, SynthesizedStack], snapshot_json: SnapshotAssertion, stack_name: str
) -> None:
    masked = mask_assets(synthesized[stack_name])
    assert ASSET_MASK in json.dumps(masked) or stack_name.startswith(("data-api-account", "data-api-state"))
    assert masked == snapshot_json, (
        f"{stack_name} differs from its snapshot: if the change is intended, review the diff above "
        "and run `make snapshot-update`"
    )
