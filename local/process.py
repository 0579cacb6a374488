"""Start the local API in its own process (its own in-memory DynamoDB) and find where it listens."""

from __future__ import annotations

import collections
import os
import re
import signal
import subprocess
import sys
import threading
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass

from constructs_lib.contract import PROJECT_ROOT, RESOURCE_PATH

_URL = re.compile(r"^data-api local API: (\S+)/" + RESOURCE_PATH + "$")
_DYNAMODB = re.compile(r"^DynamoDB: (\S+) table (\S+) ")


@dataclass(frozen=True)
class RunningApi:
    base_url: str
    """Where the stage's paths start: POST {base_url}/data."""
    dynamodb_endpoint: str
    table_name: str


@contextmanager
def local_api(
    startup_seconds: float = 60, settings_env: Mapping[str, str] | None = None
) -> Iterator[RunningApi]:
    """The local API on a free loopback port with a fresh in-memory table, stopped afterwards.

    Settings are the defaults plus ``settings_env``: DATA_API_* and AWS_ENDPOINT_URL_DYNAMODB of
    the caller's shell are not passed on, so what runs is what the caller expects.
    """
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith("DATA_API_") and k != "AWS_ENDPOINT_URL_DYNAMODB"
    }
    env.update(settings_env or {})
    env["PYTHONPATH"] = str(PROJECT_ROOT)
    process = subprocess.Popen(
        [sys.executable, "-m", "local.api", "--host", "127.0.0.1", "--port", "0"],
        cwd=PROJECT_ROOT,
        env=env,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        url = endpoint = table = None
        for line in process.stdout:
            if match := _URL.match(line.strip()):
                url = match.group(1)
            elif match := _DYNAMODB.match(line.strip()):
                endpoint, table = match.group(1), match.group(2)
            if url and endpoint and table:
                break
        if not (url and endpoint and table):
            raise RuntimeError(f"the local API did not start (exit status {process.poll()})")
        # Keep reading its log lines, or a full pipe would block the server.
        threading.Thread(target=collections.deque, args=(process.stdout, 0), daemon=True).start()
        yield RunningApi(url, endpoint, table)
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=startup_seconds)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
