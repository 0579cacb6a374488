"""Reaching a deployed stage: what the environment must say, and what is read from it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from local.target import TargetError, resolve_target

URL = "https://abc123.execute-api.us-east-1.amazonaws.com/dev"


def test_deployed_target_reads_table_and_key_from_the_outputs_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    outputs = tmp_path / "outputs.json"
    outputs.write_text(
        json.dumps({"data-api-dev": {"table_name": "data-api-dev-data", "api_key_value": "k"}})
    )
    with resolve_target({"DATA_API_URL": URL + "/data/", "DATA_API_OUTPUTS": str(outputs)}) as target:
        assert (target.base_url, target.data_url) == (URL, URL + "/data")
        assert (target.table_name, target.api_key, target.deployed) == ("data-api-dev-data", "k", True)


def test_deployed_target_needs_a_table(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    with (
        pytest.raises(TargetError, match="DATA_API_TABLE or DATA_API_OUTPUTS"),
        resolve_target({"DATA_API_URL": URL}),
    ):
        pass
