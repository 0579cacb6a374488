"""Terraform's own verdict on the synthesized JSON, where this machine can get one.

`terraform init` parses every block before it installs providers, so even without the AWS
provider it rejects malformed expressions (an HCL escape cdktf did not add, say). The full
`Testing.to_be_valid_terraform` needs the provider plugin and runs only where it installs.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.conftest import REPO_ROOT, SynthesizedStack, synth_worker

pytestmark = [
    pytest.mark.terraform,
    pytest.mark.skipif(shutil.which("terraform") is None, reason="terraform is not on PATH"),
]

PROVIDER_UNAVAILABLE = re.compile(
    r"Failed to query available provider packages|Failed to install provider|could not connect to registry"
)


PLUGIN_CACHE = REPO_ROOT / ".build" / "terraform-plugins"
"""One provider download for every stack and run, under the project's build folder."""


def terraform_env() -> dict[str, str]:
    PLUGIN_CACHE.mkdir(parents=True, exist_ok=True)
    return {**os.environ, "TF_IN_AUTOMATION": "1", "TF_PLUGIN_CACHE_DIR": str(PLUGIN_CACHE)}


def test_every_terraform_run_shares_one_plugin_cache() -> None:
    env = terraform_env()
    assert env["TF_PLUGIN_CACHE_DIR"] == str(REPO_ROOT / ".build" / "terraform-plugins")
    assert PLUGIN_CACHE.is_dir()


def terraform_init(stack: SynthesizedStack, workdir: Path) -> subprocess.CompletedProcess[str]:
    copy = workdir / stack.name
    shutil.copytree(stack.directory, copy)
    return subprocess.run(
        ["terraform", "init", "-backend=false", "-input=false", "-no-color"],
        cwd=copy,
        env=terraform_env(),
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def errors(output: str) -> list[str]:
    return [line.strip() for line in output.splitlines() if line.strip().startswith("Error:")]


@pytest.fixture(scope="module")
def every_kind_of_stack(
    synthesized: dict[str, SynthesizedStack], ci_app: dict[str, SynthesizedStack]
) -> dict[str, SynthesizedStack]:
    """The default app's stacks and the CI stack (the one kind the default app has not)."""
    return {**synthesized, **{name: stack for name, stack in ci_app.items() if "-ci-" in name}}


@pytest.fixture(scope="module")
def init_results(
    every_kind_of_stack: dict[str, SynthesizedStack], tmp_path_factory: pytest.TempPathFactory
) -> dict[str, subprocess.CompletedProcess[str]]:
    workdir = tmp_path_factory.mktemp("terraform")
    return {name: terraform_init(stack, workdir) for name, stack in every_kind_of_stack.items()}


def test_terraform_parses_every_stack(init_results: dict[str, subprocess.CompletedProcess[str]]) -> None:
    for name, result in init_results.items():
        output = result.stdout + result.stderr
        if result.returncode == 0:
            continue
        # The only acceptable failure is the one after parsing: fetching the provider.
        assert PROVIDER_UNAVAILABLE.search(output), f"{name}: {output}"
        assert errors(output) == ["Error: Failed to query available provider packages"], f"{name}: {output}"


def test_to_be_valid_terraform(
    every_kind_of_stack: dict[str, SynthesizedStack],
    init_results: dict[str, subprocess.CompletedProcess[str]],
) -> None:
    unavailable = [n for n, r in init_results.items() if PROVIDER_UNAVAILABLE.search(r.stdout + r.stderr)]
    if unavailable:
        # How far it got, said in the skip: every stack parsed, then provider installation failed.
        reached = sorted(
            {e for n in unavailable for e in errors(init_results[n].stdout + init_results[n].stderr)}
        )
        pytest.skip(
            f"terraform init -backend=false parsed all {len(init_results)} stacks and stopped at provider "
            f"installation in {len(unavailable)} ({'; '.join(reached)}): no registry access here"
        )
    directories = [str(stack.directory) for stack in every_kind_of_stack.values()]
    assert synth_worker().call(f"{__name__}:valid_terraform", directories, terraform_env()) == directories


def valid_terraform(directories: list[str], env: dict[str, str]) -> list[str]:
    """In the synth worker: the stack folders CDKTF's Testing finds valid Terraform (it runs
    terraform itself, with that process's environment)."""
    from constructs_lib.framework import Testing

    os.environ.update(env)
    return [d for d in directories if Testing.to_be_valid_terraform(d)]
