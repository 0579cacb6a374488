"""How security/scan.py reads checkov: one copy per distinct stack (the same account and state
stacks of several apps are scanned once, and checkov's verdict on that copy is each original's),
and a check that fails to run is a finding, never a pass."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from security import scan


def write_stack(root: Path, app: str, name: str, resources: dict[str, Any]) -> Path:
    path = root / app / "stacks" / name / "cdk.tf.json"
    path.parent.mkdir(parents=True)
    backend = {"local": {"path": f"../../../terraform.{name}.tfstate"}}  # relative, as synth writes it
    config = {"terraform": {"required_version": ">= 1.5", "backend": backend}}
    path.write_text(json.dumps({**config, "resource": resources}))
    return path


BUCKET = {"aws_s3_bucket": {"state": {"bucket": "example"}}}
TABLE = {"aws_dynamodb_table": {"data": {"name": "example-data"}}}


def test_the_same_stack_in_two_apps_is_one_copy_and_another_stack_its_own(tmp_path: Path) -> None:
    first = write_stack(tmp_path, "one", "state", BUCKET)
    second = write_stack(tmp_path, "two", "state", BUCKET)
    other = write_stack(tmp_path, "one", "dev", TABLE)
    copies = scan.checkov_copies([first, other, second], tmp_path / "scratch")
    assert sorted(copies.values()) == sorted([[first, second], [other]])
    for copy in copies:
        assert "required_version" not in json.loads(copy.read_text())["terraform"]


def test_a_finding_on_a_shared_copy_is_each_originals(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = write_stack(tmp_path, "one", "state", BUCKET)
    second = write_stack(tmp_path, "two", "state", BUCKET)
    other = write_stack(tmp_path, "one", "dev", TABLE)
    scanned: list[Path] = []

    def verdict(files: list[Path]) -> tuple[dict[Path, int], list[scan.Finding]]:
        scanned.extend(files)
        shared = next(f for f in files if f.parent.name == "state")
        return {f: 2 for f in files}, [scan.Finding("checkov", "CKV_AWS_1", str(shared), "state", "x")]

    monkeypatch.setattr(scan, "_checkov_verdict", verdict)
    passed, findings = scan.run_checkov([first, second, other])
    assert len(scanned) == 2
    assert passed == {first.resolve(): 2, second.resolve(): 2, other.resolve(): 2}
    assert sorted(f.stack for f in findings) == sorted([str(first), str(second)])


CHECKOV_LOG = (
    "2026-12-02 02:07:27,184 [MainThread  ] [ERROR]  Failed to run check CKV2_AWS_70 on "
    "{path}:aws_api_gateway_method.rest_api_options_54AB0D51\n"
    "Traceback (most recent call last):\n"
    "AttributeError: 'NoneType' object has no attribute 'nodes'\n"
)


def test_a_check_that_fails_to_run_is_a_finding_on_its_resource(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    stack = write_stack(tmp_path, "one", "dev", TABLE)
    report = {"check_type": "terraform_json", "results": {"passed_checks": [], "failed_checks": []}}

    def checkov(command: list[str], **_: object) -> subprocess.CompletedProcess[str]:
        copy = Path(command[command.index("--file") + 1])
        # checkov names the file from a root of its own: here two folders beside the copies'
        logged = "/../../" + copy.relative_to(copy.parent.parent.parent.parent).as_posix()
        log = CHECKOV_LOG.format(path=logged) * 2  # the same failure, logged twice, is one finding
        return subprocess.CompletedProcess(command, 0, json.dumps(report), log)

    monkeypatch.setattr(subprocess, "run", checkov)
    passed, findings = scan.run_checkov([stack])
    assert passed == {}
    assert findings == [
        scan.Finding(
            "checkov",
            "CKV2_AWS_70",
            str(stack),
            "rest_api_options_54AB0D51",
            "checkov failed to run this check",
        )
    ]


def test_a_logged_file_is_the_scanned_file_its_path_ends_with(tmp_path: Path) -> None:
    files = [tmp_path / "scan-1" / str(i) / "data-api-dev" / "cdk.tf.json" for i in (3, 13)]
    assert scan.logged_file("/scan-1/3/data-api-dev/cdk.tf.json", files) == files[0]
    assert scan.logged_file(str(files[1]), files) == files[1]
    # from a working directory two folders deep beside the scanned files, as in a clone under /tmp
    assert scan.logged_file("/../../scan-1/13/data-api-dev/cdk.tf.json", files) == files[1]
    with pytest.raises(SystemExit, match="names no single scanned file"):
        scan.logged_file("/data-api-dev/cdk.tf.json", files)


def test_parliament_lints_each_distinct_policy_once_and_reports_it_on_every_resource(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # parliament lives in the scanners' venv: a stand-in answers one finding per document.
    linted: list[str] = []

    class Policy:
        def __init__(self, document: str) -> None:
            self.findings = [type("Found", (), {"issue": "RESOURCE_STAR", "detail": document[-6:]})()]

    def analyze_policy_string(document: str, include_community_auditors: bool) -> Policy:
        assert include_community_auditors
        linted.append(document)
        return Policy(document)

    fake = type(sys)("parliament")
    fake.analyze_policy_string = analyze_policy_string  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "parliament", fake)
    scan.parliament_findings.cache_clear()
    shared, other = '{"Version": "2012-10-17", "a": 1}', '{"Version": "2012-10-17", "b": 2}'
    resources = [
        scan.Resource("dev.json", "aws_iam_role_policy", "one", {"policy": shared}),
        scan.Resource("prod.json", "aws_iam_role_policy", "one", {"policy": shared}),
        scan.Resource("dev.json", "aws_iam_role", "two", {"assume_role_policy": other}),
    ]
    findings = scan.run_parliament(resources)
    scan.parliament_findings.cache_clear()
    assert sorted(linted) == sorted([shared, other])
    assert [(f.stack, f.resource, f.detail) for f in findings] == [
        ("dev.json", "one", 'policy: a": 1}'),
        ("prod.json", "one", 'policy: a": 1}'),
        ("dev.json", "two", 'assume_role_policy: b": 2}'),
    ]
