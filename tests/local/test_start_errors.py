"""make local and make load fail in one line, and make local needs no credentials for a local DynamoDB."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from constructs_lib.settings import Settings
from local.api import LocalApi, StartError
from local.target import TargetError, region_from_url, resolve_target
from tests.conftest import REPO_ROOT


def local_api_process(tmp_path: Path, **env: str) -> subprocess.Popen[str]:
    environment = {
        k: v for k, v in os.environ.items() if not k.startswith(("DATA_API_", "AWS_")) and k != "HOME"
    }
    environment |= {
        "HOME": str(tmp_path),  # no ~/.aws here
        "AWS_CONFIG_FILE": str(tmp_path / "none"),
        "AWS_SHARED_CREDENTIALS_FILE": str(tmp_path / "none"),
        "PYTHONPATH": str(REPO_ROOT),
        **env,
    }
    return subprocess.Popen(
        [sys.executable, "-m", "local.api"],
        cwd=REPO_ROOT,
        env=environment,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def finished(process: subprocess.Popen[str]) -> tuple[int, str]:
    _, err = process.communicate(timeout=60)
    assert "Traceback" not in err
    return process.returncode, err


@pytest.fixture(scope="module")
def busy_port() -> Iterator[int]:
    """A port that accepts connections and never answers."""
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        yield taken.getsockname()[1]


@pytest.fixture(scope="module")
def start_errors(busy_port: int, tmp_path_factory: pytest.TempPathFactory) -> dict[str, tuple[int, str]]:
    """make local started with each bad input, all at once (a process each): exit code, stderr."""
    home = tmp_path_factory.mktemp("start-errors")
    # A configured half second instead of the default 5 s: the same code path, waited out sooner.
    unanswered = {"PORT": "0", "DATA_API_LOCAL_DYNAMODB_TIMEOUT_SECONDS": "0.5"}
    cases = {
        "port in use": {"PORT": str(busy_port)},
        "refused": {**unanswered, "AWS_ENDPOINT_URL_DYNAMODB": "http://127.0.0.1:1"},
        "silent": {**unanswered, "AWS_ENDPOINT_URL_DYNAMODB": f"http://127.0.0.1:{busy_port}"},
    }
    started = {name: local_api_process(home, **env) for name, env in cases.items()}
    return {name: finished(process) for name, process in started.items()}


def test_a_port_in_use_is_one_line(start_errors: dict[str, tuple[int, str]], busy_port: int) -> None:
    code, err = start_errors["port in use"]
    assert code == 1
    expected = f"cannot listen on 127.0.0.1:{busy_port}: the port is in use: set PORT to a free one"
    assert err == f"data-api: error: {expected}\n"


def test_a_port_in_use_is_said_before_moto_starts(busy_port: int, monkeypatch: pytest.MonkeyPatch) -> None:
    import local.emulator

    def never() -> None:
        raise AssertionError("moto was started before the port was taken")

    monkeypatch.setattr(local.emulator, "start_moto_server", never)
    with pytest.raises(StartError, match="the port is in use"):
        LocalApi(Settings(environment="dev"), "127.0.0.1", busy_port, None)


def test_a_start_that_fails_after_taking_the_port_gives_it_back(monkeypatch: pytest.MonkeyPatch) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "local")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "local")
    with pytest.raises(StartError, match="did not answer as DynamoDB"):  # port 1 refuses
        LocalApi(Settings(environment="dev"), "127.0.0.1", port, "http://127.0.0.1:1")
    with socket.socket() as again:
        again.bind(("127.0.0.1", port))  # EADDRINUSE here if the failed start kept it


@pytest.mark.parametrize(("case", "port"), [("refused", None), ("silent", "busy")])
def test_a_dynamodb_endpoint_that_does_not_answer_is_one_line(
    start_errors: dict[str, tuple[int, str]], busy_port: int, case: str, port: str | None
) -> None:
    # busy_port accepts connections and never answers; port 1 refuses them.
    endpoint = f"http://127.0.0.1:{busy_port if port else 1}"
    code, err = start_errors[case]
    assert code == 1
    assert err.startswith(f"data-api: error: the DynamoDB endpoint {endpoint} did not answer as DynamoDB")
    assert err.count("\n") == 1


def test_a_local_dynamodb_needs_no_credentials(tmp_path: Path, moto_endpoint: str) -> None:
    process = local_api_process(tmp_path, AWS_ENDPOINT_URL_DYNAMODB=moto_endpoint, PORT="0")
    try:
        assert process.stdout is not None
        first = process.stdout.readline()
        assert first.startswith("data-api local API: http://127.0.0.1:"), process.stderr
    finally:
        process.terminate()
        process.wait(timeout=30)


@pytest.mark.parametrize(
    ("url", "region"),
    [
        ("https://abc123.execute-api.eu-west-1.amazonaws.com/dev/data", "eu-west-1"),
        ("https://abc123.execute-api.cn-north-1.amazonaws.com.cn/prod", "cn-north-1"),
        ("https://api.example.com/dev/data", None),
    ],
)
def test_make_load_reads_the_region_from_the_stage_url(url: str, region: str | None) -> None:
    assert region_from_url(url) == region


def test_make_load_without_a_region_anywhere_is_one_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in ("AWS_REGION", "AWS_DEFAULT_REGION", "AWS_PROFILE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "none"))
    env = {"DATA_API_URL": "https://api.example.com/dev", "DATA_API_TABLE": "t"}
    with pytest.raises(TargetError, match=r"^no AWS region: set AWS_REGION"), resolve_target(env):
        pass


def test_make_load_with_a_bad_outputs_file_is_one_line(tmp_path: Path) -> None:
    (tmp_path / "o.json").write_text("{oops")
    env = {
        "DATA_API_URL": "https://x.execute-api.us-east-1.amazonaws.com/dev",
        "DATA_API_OUTPUTS": str(tmp_path / "o.json"),
    }
    with pytest.raises(TargetError, match="is not a JSON outputs file"), resolve_target(env):
        pass


@pytest.mark.parametrize(
    ("value", "expected"),
    [("", 5.0), ("0.5", 0.5), ("abc", "is not a number of seconds"), ("0", "must be more than 0")],
)
def test_the_dynamodb_wait_at_start_is_five_seconds_or_the_variables(value: str, expected: object) -> None:
    from local.api import StartError, dynamodb_read_timeout

    env = {"DATA_API_LOCAL_DYNAMODB_TIMEOUT_SECONDS": value}
    if isinstance(expected, float):
        assert dynamodb_read_timeout(env) == expected
    else:
        with pytest.raises(StartError, match=str(expected)):
            dynamodb_read_timeout(env)
