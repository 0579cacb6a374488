"""The GitHub Actions workflows (.github/workflows/): linted by zizmor (its security audits,
offline) and check-jsonschema (GitHub's workflow schema, vendored), both pinned in the scanners'
venv; and held here to what the project promises of them: only make targets, every action
pinned to a commit, least permissions, a timeout on every job, one deploy per environment at a
time. None of this runs a workflow: that needs GitHub."""

from __future__ import annotations

import json
import re
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml  # type: ignore[import-untyped]  # (no stubs: the tests only read plain mappings)

from tests.conftest import REPO_ROOT

WORKFLOWS = REPO_ROOT / ".github" / "workflows"
SCAN_BIN = REPO_ROOT / ".scan" / "bin"
FILES = sorted(WORKFLOWS.glob("*.yml"))
PINNED = re.compile(r"^[\w.-]+/[\w.-]+@[0-9a-f]{40}$")
VERSION_COMMENT = re.compile(r"#\s*v\d+(\.\d+)*\s*$")
SELF_REPOSITORY = "$/.github/workflows/"


def load(path: Path) -> dict[str, Any]:
    document = yaml.safe_load(path.read_text())
    # YAML 1.1 reads the key `on` as True.
    if True in document:
        document["on"] = document.pop(True)
    return dict(document)


def jobs() -> Iterator[tuple[str, str, dict[str, Any]]]:
    for path in FILES:
        for name, job in load(path)["jobs"].items():
            yield path.name, name, job


def steps() -> Iterator[tuple[str, str, dict[str, Any]]]:
    for workflow, name, job in jobs():
        for step in job.get("steps", []):
            yield workflow, name, step


def makefile_targets() -> set[str]:
    text = (REPO_ROOT / "Makefile").read_text()
    return {t for line in re.findall(r"^([A-Za-z][\w -]*):(?!=)", text, re.M) for t in line.split()}


def tool(name: str) -> str:
    path = SCAN_BIN / name
    if not path.exists():
        pytest.fail(f"{name} is not installed in .scan/: run `make test`, which installs it")
    return str(path)


def test_the_four_workflows_exist() -> None:
    names = {path.stem for path in FILES}
    assert {"test", "plan", "deploy", "drift"} <= names


def test_zizmor_finds_nothing_even_pedantic() -> None:
    result = subprocess.run(
        [tool("zizmor"), "--offline", "--persona", "pedantic", "--no-progress", str(WORKFLOWS)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "No findings to report" in result.stdout + result.stderr


def test_zizmor_catches_an_injection_and_an_unpinned_action(tmp_path: Path) -> None:
    """The linter can fail: a copy of the test workflow, broken the ways the audits are for."""
    broken = tmp_path / ".github" / "workflows"
    broken.mkdir(parents=True)
    text = (WORKFLOWS / "test.yml").read_text()
    text = text.replace("pull_request:\n", "pull_request_target:\n", 1)
    text = text.replace(
        "      - run: make test\n", '      - run: echo "${{ github.event.pull_request.title }}"\n', 1
    )
    text = re.sub(r"actions/cache@[0-9a-f]{40}", "actions/cache@v5", text)
    (broken / "test.yml").write_text(text)
    result = subprocess.run(
        [tool("zizmor"), "--offline", "--no-progress", str(broken)],
        capture_output=True,
        text=True,
        check=False,
    )
    output = result.stdout + result.stderr
    assert result.returncode != 0
    for audit in ("template-injection", "unpinned-uses", "dangerous-triggers"):
        assert audit in output, audit


def test_every_workflow_matches_githubs_schema(tmp_path: Path) -> None:
    """The workflows and a broken copy in one run (one start of the tool): only the copy fails."""
    broken = tmp_path / "broken.yml"
    broken.write_text((WORKFLOWS / "test.yml").read_text().replace("runs-on:", "runs_on:", 1))
    command = [
        tool("check-jsonschema"),
        "--output-format",
        "json",
        "--builtin-schema",
        "vendor.github-workflows",
    ]
    paths = [str(path) for path in [*FILES, broken]]
    result = subprocess.run([*command, *paths], capture_output=True, text=True, check=False)
    assert result.returncode == 1, result.stdout + result.stderr
    report = json.loads(result.stdout)
    assert report["parse_errors"] == []
    assert {error["filename"] for error in report["errors"]} == {str(broken)}, report["errors"]
    assert "$.jobs.test" in {error["path"] for error in report["errors"]}


def test_every_run_step_is_a_make_target_the_makefile_defines() -> None:
    targets = makefile_targets()
    assert {"test", "plan", "deploy", "verify", "drift"} <= targets
    for workflow, job, step in steps():
        if "run" not in step:
            continue
        command = step["run"].strip()
        assert "${{" not in command, (workflow, job, command)  # no expression ever reaches a shell
        words = command.split()
        assert words[0] == "make", (workflow, job, command)
        assert "\n" not in command, (workflow, job, command)
        named = [w for w in words[1:] if "=" not in w and not w.startswith("-")]
        assert named, (workflow, job, command)
        assert set(named) <= targets, (workflow, job, command)


def test_every_action_is_pinned_to_a_commit_with_its_version_in_a_comment() -> None:
    pins: dict[str, set[str]] = {}
    for path in FILES:
        for line in path.read_text().splitlines():
            match = re.match(r"^\s*(?:- )?uses:\s*(\S+)(.*)$", line)
            if not match:
                continue
            action, rest = match.groups()
            if action.startswith(SELF_REPOSITORY):
                assert (WORKFLOWS / action.removeprefix(SELF_REPOSITORY)).is_file(), action
                continue
            assert PINNED.match(action), (path.name, action)
            assert VERSION_COMMENT.search(rest), (path.name, line)
            name, _, sha = action.partition("@")
            pins.setdefault(name, set()).add(sha)
    assert {n: s for n, s in pins.items() if len(s) > 1} == {}  # one pin per action everywhere
    assert "aws-actions/configure-aws-credentials" in pins


def test_least_permissions_and_a_timeout_on_every_job() -> None:
    for path in FILES:
        document = load(path)
        assert "pull_request_target" not in document["on"], path.name
        assert document.get("permissions") in ({}, {"contents": "read"}), path.name
    for workflow, name, job in jobs():
        if "uses" in job:  # a call of a reusable workflow: its own jobs carry the timeout
            assert job["permissions"] == {"contents": "read", "id-token": "write"}, (workflow, name)
            continue
        assert isinstance(job.get("timeout-minutes"), int), (workflow, name)
        granted = job.get("permissions", {})
        actions = {step.get("uses", "").partition("@")[0] for step in job.get("steps", [])}
        assumes_aws = "aws-actions/configure-aws-credentials" in actions
        assert (granted.get("id-token") == "write") == assumes_aws, (workflow, name)
        runs = " ".join(step.get("run", "") for step in job.get("steps", []))
        assert (granted.get("pull-requests") == "write") == ("plan-comment" in runs), (workflow, name)
        assert (granted.get("issues") == "write") == ("drift-issue" in runs), (workflow, name)
        assert set(granted.values()) <= {"read", "write"}
        for step in job.get("steps", []):
            if step.get("uses", "").startswith("actions/checkout@"):
                assert step["with"]["persist-credentials"] is False, (workflow, name)


def test_deploys_go_dev_staging_prod_each_in_its_github_environment_one_at_a_time() -> None:
    deploy = load(WORKFLOWS / "deploy.yml")
    assert deploy["on"] == {"push": {"branches": ["main"]}}
    order = {name: job.get("needs") for name, job in deploy["jobs"].items()}
    assert order == {"dev": None, "staging": "dev", "prod": "staging"}
    for name, job in deploy["jobs"].items():
        assert job["with"] == {"environment": name}
    [(_, job)] = load(WORKFLOWS / "deploy-environment.yml")["jobs"].items()
    assert job["environment"] == "${{ inputs.environment }}"
    assert job["concurrency"] == {"group": "deploy-${{ inputs.environment }}", "cancel-in-progress": False}
    runs = [step["run"] for step in job["steps"] if "run" in step]
    assert runs == ["make deploy", "make verify"]  # a failed verify stops the promotion
    assert job["env"]["AUTO_APPROVE"] == "1"


def test_plan_and_drift_cover_every_environment_with_its_plan_role() -> None:
    for name in ("plan", "drift"):
        [job] = [j for j in load(WORKFLOWS / f"{name}.yml")["jobs"].values() if "strategy" in j]
        include = job["strategy"]["matrix"]["include"]
        assert [i["environment"] for i in include] == ["dev", "staging", "prod"]
        for entry in include:
            assert entry["role"] == f"${{{{ vars.AWS_PLAN_ROLE_ARN_{entry['environment'].upper()} }}}}"
    drift = load(WORKFLOWS / "drift.yml")
    assert set(drift["on"]) == {"schedule", "workflow_dispatch"}
    [job] = drift["jobs"].values()
    assert [s.get("run") for s in job["steps"] if "run" in s] == ["make drift", "make drift-issue"]
    assert job["steps"][-1]["if"] == "failure()"
