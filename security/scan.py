"""The security gate behind `make scan`: checkov and parliament over every synthesized stack.

A finding passes only where the resource it is about carries an acceptance with a reason
(constructs_lib/accepted_findings.py writes them into the resource's "//" field). Everything else
fails the gate, and so does an acceptance that no finding needs any more. Runs offline.

usage: python security/scan.py CDKTF_OUT_DIR [CDKTF_OUT_DIR ...]
       python security/scan.py NAME=DIR[,DIR...] [NAME=DIR[,DIR...] ...]

The second form reports each named group on its own (a "== NAME: exit N" line, then its report),
from one run of each scanner over all of them (checkov's start-up alone takes seconds): the test
suite scans its clean stacks and its deliberately broken copies this way.
"""

from __future__ import annotations

import functools
import json
import os
import re
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

SKIP = re.compile(r"^checkov:skip=([A-Za-z0-9_]+):(.+)$")
CRASHED = re.compile(r"Failed to run check (\S+) on (\S+?):(\S+)$", re.MULTILINE)
"""checkov's log line for a check that raised instead of answering: it reports no result for that
resource (checkov 3.3.30's CKV2_AWS_70 reads a resource graph its terraform_json runner never
builds), so the gate counts it as a finding the resource must accept, never as a pass."""
POLICY_ATTRIBUTES = ("policy", "assume_role_policy")

# Values a synthesized policy holds as Terraform references, replaced by well-formed examples so
# the policy can be linted as AWS would see it after apply.
PLACEHOLDERS: dict[str, str] = {
    r"\$\{data\.aws_partition\.[^}]+\.partition\}": "aws",
    r"\$\{data\.aws_partition\.[^}]+\.dns_suffix\}": "amazonaws.com",
    r"\$\{data\.aws_caller_identity\.[^}]+\.account_id\}": "123456789012",
    r"\$\{aws_dynamodb_table\.[^}]+\.arn\}": "arn:aws:dynamodb:us-east-1:123456789012:table/example",
    r"\$\{aws_kms_key\.[^}]+\.arn\}": "arn:aws:kms:us-east-1:123456789012:key/"
    "1234abcd-12ab-34cd-56ef-1234567890ab",
    r"\$\{aws_api_gateway_rest_api\.[^}]+\.id\}": "a1b2c3d4e5",
    r"\$\{aws_s3_bucket\.[^}]+\.arn\}": "arn:aws:s3:::data-api-tfstate-123456789012-us-east-1",
    r"\$\{aws_iam_openid_connect_provider\.[^}]+\.arn\}": "arn:aws:iam::123456789012:oidc-provider/"
    "token.actions.githubusercontent.com",
}


@dataclass(frozen=True)
class Finding:
    tool: str
    check: str
    stack: str
    resource: str
    detail: str


@dataclass
class Resource:
    stack: str
    kind: str
    name: str
    config: dict[str, Any]

    def accepted(self, tool: str) -> dict[str, str]:
        """The findings of ``tool`` accepted on this resource: check id -> reason."""
        entries = (self.config.get("//") or {}).get(tool) or []
        result = {}
        for entry in entries:
            if tool == "checkov":
                match = SKIP.match(entry)
                if not match:
                    raise ValueError(f"{self.stack} {self.name}: malformed checkov acceptance {entry!r}")
                result[match.group(1)] = match.group(2)
            else:
                check, _, reason = entry.partition(":")
                result[check] = reason
        if any(not reason.strip() for reason in result.values()):
            raise ValueError(f"{self.stack} {self.name}: an accepted {tool} finding has no reason")
        return result


def stack_files(out_dirs: list[Path]) -> list[Path]:
    files = sorted(f for d in out_dirs for f in d.glob("stacks/*/cdk.tf.json"))
    if not files:
        raise SystemExit(
            f"scan: no stacks/*/cdk.tf.json under {', '.join(map(str, out_dirs))}: run make synth"
        )
    return files


def resources(files: list[Path]) -> Iterator[Resource]:
    for path in files:
        config = json.loads(path.read_text())
        for kind, blocks in config.get("resource", {}).items():
            for name, block in blocks.items():
                yield Resource(str(path), kind, name, block)


def checkov_copies(files: list[Path], scratch: Path) -> dict[Path, list[Path]]:
    """Copies of the stacks checkov can parse, each mapped to its originals. checkov 3.3.30's
    terraform_json parser fails on any scalar in the ``terraform`` block (such as
    required_version); that block declares versions and the backend, nothing checkov checks.
    Stacks whose copies are the same (the account and state stacks of several apps in the test
    suite's gate) share one copy: checkov's verdict on it is each one's."""
    copies: dict[Path, list[Path]] = {}
    by_content: dict[str, Path] = {}
    for index, path in enumerate(files):
        config = json.loads(path.read_text())
        settings = config.get("terraform", {})
        config["terraform"] = {k: v for k, v in settings.items() if isinstance(v, dict)}
        text = json.dumps(config)
        if text in by_content:
            copies[by_content[text]].append(path)
            continue
        copy = scratch / str(index) / path.parent.name / path.name
        copy.parent.mkdir(parents=True)
        copy.write_text(text)
        by_content[text] = copy.resolve()
        copies[copy.resolve()] = [path]
    return copies


def run_checkov(files: list[Path]) -> tuple[dict[Path, int], list[Finding]]:
    """checkov's verdict on the files: how many checks passed in each, and every failed check."""
    with tempfile.TemporaryDirectory(prefix="scan-") as scratch:
        copies = checkov_copies(files, Path(scratch))
        passed, failed = _checkov_verdict(list(copies))
    passed_by_file = {
        original.resolve(): count for copy, count in passed.items() for original in copies[copy]
    }
    findings = [
        replace(f, stack=str(original)) for f in failed for original in copies[Path(f.stack).resolve()]
    ]
    return passed_by_file, findings


def _checkov_verdict(files: list[Path]) -> tuple[dict[Path, int], list[Finding]]:
    checkov = Path(sys.executable).parent / "checkov"
    command = [str(checkov), "--framework", "terraform_json", "--skip-download", "--compact"]
    command += ["--output", "json", "--soft-fail"]
    for path in files:
        command += ["--file", str(path)]
    env = {**os.environ, "BC_SKIP_MAPPING": "TRUE", "CHECKOV_NO_OUTPUT_TRUNCATE": "1", "LOG_LEVEL": "ERROR"}
    result = subprocess.run(command, capture_output=True, text=True, env=env, check=False)
    if result.returncode != 0:
        raise SystemExit(f"scan: checkov failed to run ({result.returncode}): {result.stderr[-2000:]}")
    reports = json.loads(result.stdout)
    reports = reports if isinstance(reports, list) else [reports]
    passed: dict[Path, int] = {}
    failed: list[Finding] = [
        Finding(
            "checkov",
            check,
            str(logged_file(where, files)),
            resource.rsplit(".", 1)[-1],
            "checkov failed to run this check",
        )
        for check, where, resource in dict.fromkeys(CRASHED.findall(result.stderr))
    ]
    for report in reports:
        if report.get("results", {}).get("parsing_errors"):
            raise SystemExit(f"scan: checkov could not parse {report['results']['parsing_errors']}")
        for check in report.get("results", {}).get("passed_checks", []):
            where = Path(check.get("file_abs_path") or check["file_path"]).resolve()
            passed[where] = passed.get(where, 0) + 1
        for check in report.get("results", {}).get("failed_checks", []):
            failed.append(
                Finding(
                    "checkov",
                    check["check_id"],
                    check.get("file_abs_path") or check["file_path"],
                    check["resource"].rsplit(".", 1)[-1],
                    check["check_name"],
                )
            )
    return passed, failed


def logged_file(logged: str, files: list[Path]) -> Path:
    """The scanned file a checkov log line names: checkov writes it from a root of its own choosing,
    with a leading slash (``/../../scan-x1y2/3/data-api-dev/cdk.tf.json`` from a working directory
    two folders below /tmp), so it is the one file whose path ends with the parts after the "..".
    """
    parts = tuple(part for part in Path(logged.lstrip("/")).parts if part != "..")
    matches = [f for f in files if parts and f.parts[-len(parts) :] == parts]
    if len(matches) != 1:
        raise SystemExit(
            f"scan: checkov failed to run a check on {logged}, which names no single scanned file"
        )
    return matches[0]


def lintable(document: str) -> str:
    """The policy with its Terraform references replaced by example values."""
    for pattern, value in PLACEHOLDERS.items():
        document = re.sub(pattern, value, document)
    if "${" in document:
        raise SystemExit(f"scan: a policy holds a reference the linter has no example for: {document}")
    return document


@functools.cache
def parliament_findings(document: str) -> tuple[tuple[str, str], ...]:
    """parliament's findings (issue, detail) on one lintable policy document. Linted once per
    text: the same policies recur in every environment and app (the test suite's gate: 52
    documents, 25 different)."""
    from parliament import analyze_policy_string

    policy = analyze_policy_string(document, include_community_auditors=True)
    return tuple((finding.issue, str(finding.detail)) for finding in policy.findings)


def run_parliament(all_resources: list[Resource]) -> list[Finding]:
    """parliament's findings on every policy document of every resource."""
    findings = []
    for resource in all_resources:
        for attribute in POLICY_ATTRIBUTES:
            document = resource.config.get(attribute)
            if not isinstance(document, str):
                continue
            for issue, detail in parliament_findings(lintable(document)):
                findings.append(
                    Finding("parliament", issue, resource.stack, resource.name, f"{attribute}: {detail}")
                )
    return findings


def groups_of(argv: list[str]) -> dict[str, list[Path]]:
    """The stacks to scan: one unnamed group of out dirs, or NAME=DIR[,DIR...] groups."""
    if not any("=" in a for a in argv):
        return {"": stack_files([Path(a) for a in argv] or [Path("cdktf.out")])}
    groups = {}
    for argument in argv:
        name, separator, dirs = argument.partition("=")
        if not separator or not name or not dirs:
            raise SystemExit(f"scan: {argument!r} is not NAME=DIR[,DIR...]")
        groups[name] = stack_files([Path(d) for d in dirs.split(",")])
    return groups


def main(argv: list[str]) -> int:
    groups = groups_of(argv)
    files = [f for group in groups.values() for f in group]
    all_resources = list(resources(files))
    # parliament lints in this process while checkov scans in its own: the two overlap.
    with ThreadPoolExecutor(max_workers=1) as linter:
        linted = linter.submit(run_parliament, all_resources)
        passed, checkov_findings = run_checkov(files)
        findings = checkov_findings + linted.result()
    worst = 0
    for name, group in groups.items():
        inside = {f.resolve() for f in group}
        code, lines = report(
            group,
            [r for r in all_resources if Path(r.stack).resolve() in inside],
            sum(passed.get(f, 0) for f in inside),
            [f for f in findings if Path(f.stack).resolve() in inside],
        )
        if name:
            print(f"== {name}: exit {code}")
        print("\n".join(lines), flush=True)
        worst = max(worst, code)
    return worst


def report(
    files: list[Path],
    all_resources: list[Resource],
    checks_passed: int,
    findings: list[Finding],
) -> tuple[int, list[str]]:
    """One group's verdict: its exit code and its lines."""
    documents = sum(isinstance(r.config.get(a), str) for r in all_resources for a in POLICY_ATTRIBUTES)
    by_key = {(Path(r.stack).resolve(), r.name): r for r in all_resources}
    accepted: list[tuple[Finding, str]] = []
    failures: list[Finding] = []
    used: set[tuple[Path, str, str, str]] = set()
    for finding in findings:
        resource = by_key.get((Path(finding.stack).resolve(), finding.resource))
        reason = resource.accepted(finding.tool).get(finding.check) if resource else None
        if reason:
            accepted.append((finding, reason))
            used.add((Path(finding.stack).resolve(), finding.resource, finding.tool, finding.check))
        else:
            failures.append(finding)
    stale = [
        (r, tool, check)
        for r in all_resources
        for tool in ("checkov", "parliament")
        for check in r.accepted(tool)
        if (Path(r.stack).resolve(), r.name, tool, check) not in used
    ]

    lines = [
        f"scanned {len(files)} stacks: {checks_passed} checkov checks passed, {documents} policies linted"
    ]
    grouped: dict[tuple[str, str, str], int] = {}
    for finding, reason in accepted:
        key = (finding.tool, finding.check, reason)
        grouped[key] = grouped.get(key, 0) + 1
    for (tool, check, reason), count in sorted(grouped.items()):
        lines.append(f"  accepted  {tool} {check} (x{count}): {reason}")
    for finding in failures:
        where = f"{Path(finding.stack).parent.name}/{finding.resource}"
        lines.append(f"  FAILED    {finding.tool} {finding.check}  {where}: {finding.detail}")
    for resource, tool, check in stale:
        where = f"{Path(resource.stack).parent.name}/{resource.name}"
        lines.append(f"  STALE     {tool} {check}  {where}: accepted, but no such finding any more")
    verdict = "clean" if not failures and not stale else "NOT clean"
    counts = f"{len(failures)} unaccepted findings, {len(stale)} stale acceptances, {len(accepted)} accepted"
    lines.append(f"scan {verdict}: {counts}")
    return (0 if verdict == "clean" else 1), lines


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
