"""The pull-request comment and the drift issue (deploy/github.py), against a small in-memory
GitHub, and once over HTTP against a local server standing in for GitHub's REST API. Neither
shows what GitHub itself answers (its permissions, rate limits): the job's token needs
pull-requests: write (the comment) or issues: write (the issue), which the workflows grant."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, ClassVar

import pytest

from deploy import github

REPOSITORY = "example-org/data-api"


class FakeGitHub:
    """Issues and comments of one repository, answering the REST paths deploy/github.py uses."""

    def __init__(self) -> None:
        self.comments: list[dict[str, Any]] = []
        self.issues: list[dict[str, Any]] = []
        self.calls: list[tuple[str, str]] = []

    def __call__(self, method: str, path: str, body: dict[str, Any] | None) -> Any:
        self.calls.append((method, path))
        route, _, query = path.partition("?")
        page = int(dict(p.split("=") for p in query.split("&") if p).get("page", "1"))
        parts = route.removeprefix(f"/repos/{REPOSITORY}/").split("/")
        if method == "GET" and parts[0] == "issues" and len(parts) == 3:
            return self.comments[(page - 1) * 100 : page * 100]
        if method == "POST" and len(parts) == 3:
            self.comments.append({"id": len(self.comments) + 1, "body": body["body"]})  # type: ignore[index]
            return self.comments[-1]
        if method == "PATCH" and parts[:2] == ["issues", "comments"]:
            next(c for c in self.comments if c["id"] == int(parts[2]))["body"] = body["body"]  # type: ignore[index]
            return {}
        if method == "GET" and parts == ["issues"]:
            return [i for i in self.issues if i["state"] == "open"][(page - 1) * 100 : page * 100]
        if method == "POST" and parts == ["issues"]:
            self.issues.append({"number": len(self.issues) + 1, "state": "open", **body})  # type: ignore[dict-item]
            return self.issues[-1]
        if method == "PATCH" and parts[0] == "issues":
            next(i for i in self.issues if i["number"] == int(parts[1])).update(body or {})
            return {}
        raise AssertionError(f"unexpected {method} {path}")


@pytest.fixture
def event(tmp_path: Path) -> Path:
    path = tmp_path / "event.json"
    path.write_text(json.dumps({"pull_request": {"number": 7, "title": "$(rm -rf /)"}}))
    return path


@pytest.fixture
def build(tmp_path: Path) -> Path:
    folder = tmp_path / "build"
    folder.mkdir()
    (folder / "plan-dev.md").write_text("### dev\n\nNo changes.\n")
    (folder / "plan-staging.md").write_text("### staging\n\n| `data-api-staging` | 1 | 0 | 1 |\n")
    return folder


def variables(event: Path) -> dict[str, str]:
    return {"GITHUB_REPOSITORY": REPOSITORY, "GITHUB_EVENT_PATH": str(event), "GITHUB_TOKEN": "t"}


def test_the_plan_comment_is_posted_once_then_updated_in_place(event, build, capsys) -> None:
    fake = FakeGitHub()
    fake.comments.append({"id": 1, "body": "a reviewer's comment"})
    argv = ["plan-comment", "--build-dir", str(build)]
    assert github.main(argv, variables(event), fake) == 0
    assert "posted the plan comment on pull request #7" in capsys.readouterr().out
    (build / "plan-dev.md").write_text("### dev\n\n| `data-api-dev` | 2 | 0 | 0 |\n")
    assert github.main(argv, variables(event), fake) == 0
    assert "updated the plan comment on pull request #7" in capsys.readouterr().out
    ours = [c for c in fake.comments if c["body"].startswith(github.PLAN_MARKER)]
    assert len(ours) == 1
    assert "### dev" in ours[0]["body"]
    assert "| `data-api-dev` | 2 | 0 | 0 |" in ours[0]["body"]
    assert "### staging" in ours[0]["body"]
    assert fake.comments[0]["body"] == "a reviewer's comment"


def test_the_comment_is_found_beyond_the_first_page(event, build) -> None:
    fake = FakeGitHub()
    fake.comments.extend({"id": i, "body": f"comment {i}"} for i in range(1, 151))
    fake.comments.append({"id": 151, "body": f"{github.PLAN_MARKER}\nold plan"})
    assert github.main(["plan-comment", "--build-dir", str(build)], variables(event), fake) == 0
    assert len(fake.comments) == 151
    assert "old plan" not in fake.comments[-1]["body"]


def test_drift_opens_one_issue_per_environment_and_updates_it(event, tmp_path, capsys) -> None:
    fake = FakeGitHub()
    (tmp_path / "drift-dev.md").write_text("Changed outside Terraform in dev:\n\n- `data-api-dev`: `x`\n")
    argv = ["drift-issue", "--env", "dev", "--build-dir", str(tmp_path)]
    assert github.main(argv, variables(event), fake) == 0
    assert github.main(argv, variables(event), fake) == 0
    assert [i["title"] for i in fake.issues] == ["Drift in dev"]
    assert fake.issues[0]["labels"] == ["drift"]
    assert "opened issue #1 for dev" in capsys.readouterr().out.splitlines()[0]
    (tmp_path / "drift-dev.md").write_text("No drift in dev: every stack matches its last apply.\n")
    assert github.main(argv, variables(event), fake) == 0
    assert len(fake.calls) == 4  # nothing asked of GitHub without drift


@pytest.mark.parametrize(
    ("argv", "changed", "message"),
    [
        (["plan-comment"], {"GITHUB_TOKEN": ""}, "GITHUB_TOKEN is not set"),
        (["plan-comment"], {"GITHUB_REPOSITORY": ""}, "GITHUB_REPOSITORY is not set to owner/repo"),
        (["plan-comment"], {"GITHUB_EVENT_PATH": "/nonexistent.json"}, "no pull request in the event file"),
        (["drift-issue"], {}, "ENV is not set"),
        (["drift-issue", "--env", "prod"], {}, "drift-prod.md does not exist"),
    ],
)
def test_bad_input_is_one_line(event, build, capsys, argv, changed, message) -> None:
    fake = FakeGitHub()
    env = {**variables(event), **changed}
    request = None if "GITHUB_TOKEN" in changed else fake
    assert github.main([*argv, "--build-dir", str(build)], env, request) == 1
    err = capsys.readouterr().err
    assert err.startswith("data-api: error: ")
    assert message in err
    assert err.count("\n") == 1


class GitHubApi(BaseHTTPRequestHandler):
    """GitHub's REST API as far as one comment goes: records each request, refuses a bad token."""

    requests: ClassVar[list[tuple[str, str, dict[str, str], Any]]] = []

    def _answer(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = json.loads(self.rfile.read(length)) if length else None
        self.requests.append((self.command, self.path, dict(self.headers), body))
        if self.headers.get("Authorization") != "Bearer good":
            self.send_response(401)
            self.end_headers()
            return
        answer = [] if self.command == "GET" else {"id": 1}
        data = json.dumps(answer).encode()
        self.send_response(200 if self.command == "GET" else 201)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    do_GET = do_POST = do_PATCH = _answer  # noqa: N815 (the names http.server calls)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def server() -> Iterator[str]:
    GitHubApi.requests = []
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), GitHubApi)
    thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


def test_over_http_the_token_and_json_reach_the_api_and_a_refusal_is_one_line(
    event, build, server, capsys
) -> None:
    env = {**variables(event), "GITHUB_API_URL": server, "GITHUB_TOKEN": "good"}
    assert github.main(["plan-comment", "--build-dir", str(build)], env) == 0
    (get, post) = GitHubApi.requests
    assert get[:2] == ("GET", f"/repos/{REPOSITORY}/issues/7/comments?per_page=100&page=1")
    assert post[0] == "POST"
    assert post[2]["Accept"] == "application/vnd.github+json"
    assert post[3]["body"].startswith(github.PLAN_MARKER)
    capsys.readouterr()
    assert github.main(["plan-comment", "--build-dir", str(build)], {**env, "GITHUB_TOKEN": "bad"}) == 1
    refused = f"GitHub answered 401 to GET /repos/{REPOSITORY}/issues/7/comments?per_page=100&page=1"
    assert capsys.readouterr().err == f"data-api: error: {refused}\n"
