"""Snapshots of every stack's synthesized JSON, next to (never instead of) the assertions.

A change shows up here as a diff to review; after an intended change, `make snapshot-update`.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from syrupy.assertion import SnapshotAssertion
from syrupy.extensions.json import JSONSnapshotExtension

from constructs_lib.settings import ENVIRONMENTS
from tests.conftest import SynthesizedStack

ASSET_MASK = "<asset-hash>"


def mask_assets(stack: SynthesizedStack) -> Any:
    """The stack's JSON with the function code's hash masked, so editing the handler does not
    churn the snapshot (the function tests check the asset itself)."""
    text = json.dumps(stack.config, sort_keys=True)
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
