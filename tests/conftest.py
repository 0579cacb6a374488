"""Shared fixtures: the app is synthesized once per test session (loading the provider costs seconds)."""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from constructs_lib.config import ENVIRONMENTS, Settings

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
    from cdktf import App

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
)
"""Every setting a test wants to see away from its default, in one extra synth."""


@pytest.fixture(scope="session")
def variant(tmp_path_factory: pytest.TempPathFactory) -> SynthesizedStack:
    stacks = synthesize(tmp_path_factory.mktemp("synth-variant"), [VARIANT])
    return stacks[VARIANT.stack_name]


AUTH_MODES = [
    Settings(environment="dev", api_auth="api_key", api_key_daily_quota=5000),
    Settings(environment="staging", api_auth="iam"),
]


@pytest.fixture(scope="session")
def auth_modes(tmp_path_factory: pytest.TempPathFactory) -> dict[str, SynthesizedStack]:
    """dev with an API key, staging with IAM auth (the default stacks cover none)."""
    stacks = synthesize(tmp_path_factory.mktemp("synth-auth"), AUTH_MODES)
    return {"api_key": stacks["data-api-dev"], "iam": stacks["data-api-staging"]}
