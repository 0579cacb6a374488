"""What the workflows tell people on GitHub: one pull-request comment with the plan of every
environment, kept up to date, and one open issue per environment that drifted.

usage: python -m deploy.github plan-comment | python -m deploy.github drift-issue --env ENV

Run in GitHub Actions: GITHUB_TOKEN (the job's token), GITHUB_REPOSITORY and GITHUB_EVENT_PATH
come from the runner; GITHUB_API_URL too (api.github.com unless GitHub Enterprise). The pull
request's number is read from the event file, never from text a pull request's author controls.
REST API: https://docs.github.com/en/rest/issues/comments and
https://docs.github.com/en/rest/issues/issues
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import urllib.error
import urllib.request
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

from client import outputs as outputs_location

BUILD_DIR = outputs_location.BUILD_DIR
PLAN_MARKER = "<!-- data-api:plan -->"
DRIFT_LABEL = "drift"
PER_PAGE = 100

Request = Callable[[str, str, "dict[str, Any] | None"], Any]
"""Calls GitHub's REST API: method, path (from /repos/...), JSON body; returns the decoded answer."""


class GitHubError(Exception):
    """A missing variable or a refused request: one line that says which."""


def api(env: Mapping[str, str]) -> Request:
    """GitHub's REST API with the job's token."""
    token = env.get("GITHUB_TOKEN", "")
    if not token:
        raise GitHubError("GITHUB_TOKEN is not set: the workflow passes the job's token")
    base = env.get("GITHUB_API_URL") or "https://api.github.com"

    def request(method: str, path: str, body: dict[str, Any] | None) -> Any:
        data = json.dumps(body).encode() if body is not None else None
        call = urllib.request.Request(
            f"{base}{path}",
            data=data,
            method=method,
            headers={
                "Authorization": f"Bearer {token}",
                "Accept": "application/vnd.github+json",
                "X-GitHub-Api-Version": "2022-11-28",
                "Content-Type": "application/json",
            },
        )
        try:
            with urllib.request.urlopen(call, timeout=30) as answer:
                text = answer.read().decode()
        except urllib.error.HTTPError as error:
            raise GitHubError(f"GitHub answered {error.code} to {method} {path}") from None
        except OSError as error:
            raise GitHubError(f"GitHub could not be reached for {method} {path} ({error})") from None
        return json.loads(text) if text else None

    return request


def _repository(env: Mapping[str, str]) -> str:
    repository = env.get("GITHUB_REPOSITORY", "")
    if "/" not in repository:
        raise GitHubError("GITHUB_REPOSITORY is not set to owner/repo: run this in GitHub Actions")
    return repository


def pull_request_number(env: Mapping[str, str]) -> int:
    """The pull request of the event that started the workflow."""
    path = env.get("GITHUB_EVENT_PATH", "")
    try:
        event = json.loads(Path(path).read_text())
        number = event["pull_request"]["number"]
    except (OSError, ValueError, KeyError, TypeError):
        raise GitHubError(
            f"no pull request in the event file {path!r}: plan-comment runs on pull requests"
        ) from None
    if not isinstance(number, int):
        raise GitHubError(f"the event file {path!r} holds no pull request number")
    return number


def _pages(request: Request, path: str) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = []
    page = 1
    while True:
        separator = "&" if "?" in path else "?"
        batch = request("GET", f"{path}{separator}per_page={PER_PAGE}&page={page}", None) or []
        items.extend(batch)
        if len(batch) < PER_PAGE:
            return items
        page += 1


def upsert_comment(request: Request, repository: str, number: int, body: str) -> str:
    """Update the comment this project posted before on the pull request, or post one."""
    text = f"{PLAN_MARKER}\n{body}"
    for comment in _pages(request, f"/repos/{repository}/issues/{number}/comments"):
        if str(comment.get("body", "")).startswith(PLAN_MARKER):
            request("PATCH", f"/repos/{repository}/issues/comments/{comment['id']}", {"body": text})
            return "updated"
    request("POST", f"/repos/{repository}/issues/{number}/comments", {"body": text})
    return "posted"


def drift_title(environment: str) -> str:
    return f"Drift in {environment}"


def upsert_issue(request: Request, repository: str, environment: str, body: str) -> str:
    """Update the open drift issue of the environment, or open one."""
    title = drift_title(environment)
    for issue in _pages(request, f"/repos/{repository}/issues?state=open&labels={DRIFT_LABEL}"):
        if issue.get("title") == title and "pull_request" not in issue:
            request("PATCH", f"/repos/{repository}/issues/{issue['number']}", {"body": body})
            return f"updated issue #{issue['number']}"
    created = request(
        "POST", f"/repos/{repository}/issues", {"title": title, "body": body, "labels": [DRIFT_LABEL]}
    )
    return f"opened issue #{created['number']}"


def plan_comment_body(build_dir: Path) -> str:
    """Every environment's plan summary this job found (.build/plan-<env>.md)."""
    summaries = sorted(build_dir.glob("plan-*.md"))
    if not summaries:
        raise GitHubError(f"no plan summary in {build_dir}: run make plan ENV=<env> first")
    sections = [path.read_text() for path in summaries]
    return "## Terraform plan\n\n" + "\n".join(sections)


def main(argv: Sequence[str], env: Mapping[str, str], request: Request | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m deploy.github")
    parser.add_argument("action", choices=("plan-comment", "drift-issue"))
    parser.add_argument("--env", default="", help="the environment (drift-issue)")
    parser.add_argument("--build-dir", type=Path, default=BUILD_DIR, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    try:
        repository = _repository(env)
        if args.action == "plan-comment":
            body = plan_comment_body(args.build_dir)
            number = pull_request_number(env)
            done = upsert_comment(request or api(env), repository, number, body)
            print(f"data-api: {done} the plan comment on pull request #{number}")
            return 0
        if not args.env:
            raise GitHubError("ENV is not set: add ENV=<environment>")
        summary = args.build_dir / f"drift-{args.env}.md"
        if not summary.is_file():
            raise GitHubError(f"{summary} does not exist: make drift ENV={args.env} did not finish its plans")
        body = summary.read_text()
        if body.startswith("No drift"):
            print(f"data-api: no drift in {args.env}: no issue to open")
            return 0
        print(f"data-api: {upsert_issue(request or api(env), repository, args.env, body)} for {args.env}")
        return 0
    except GitHubError as error:
        print(f"data-api: error: {error}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:], os.environ))
