"""Start the local API in its own process (its own in-memory DynamoDB) and find where it listens."""

from __future__ import annotations

import collections
import gc
import multiprocessing
import os
import re
import signal
import subprocess
import sys
import threading
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from multiprocessing.connection import Connection
from multiprocessing.context import ForkServerContext
from typing import IO, Protocol

from constructs_lib.contract import PROJECT_ROOT, RESOURCE_PATH

_URL = re.compile(r"^data-api local API: (\S+)/" + RESOURCE_PATH + "$")
_DYNAMODB = re.compile(r"^DynamoDB: (\S+) table (\S+) ")

PRELOADED_MODULES = [
    "local.api",
    "moto.server",
    "moto.dynamodb.models",
    "moto.dynamodb.responses",
    "local.preload",
]
"""What a fork server imports once, so that each local API it forks starts without importing
them (about half of a start's CPU: moto alone is ~0.3 s); importing local.preload also builds
moto's DynamoDB model and backend (about 0.07 s of each forked start)."""
GC_THRESHOLD = 100_000
"""How many allocations the test suite's processes let pass before their collector looks at its
youngest generation (Python's default: 700): the pytest processes (tests/conftest.py) and the
local APIs forked for them (local.preload sets it, and freezes what the fork server built). The
suite allocates much and leaves few cycles (docs/performance.md, measured)."""


def collect_less_often() -> None:
    """This process's collector looks at its youngest generation every GC_THRESHOLD allocations
    (the older generations' thresholds as they were)."""
    gc.set_threshold(GC_THRESHOLD, *gc.get_threshold()[1:])


@dataclass(frozen=True)
class RunningApi:
    base_url: str
    """Where the stage's paths start: POST {base_url}/data."""
    dynamodb_endpoint: str
    table_name: str


class _Started(Protocol):
    @property
    def stdout(self) -> IO[str]: ...

    def exit_status(self) -> int | None: ...

    def stop(self, timeout: float) -> None: ...


class _Spawned:
    """``python -m local.api`` in a new interpreter: how `make load` starts it."""

    def __init__(self, env: Mapping[str, str]) -> None:
        self._process = subprocess.Popen(
            [sys.executable, "-m", "local.api", "--host", "127.0.0.1", "--port", "0"],
            cwd=PROJECT_ROOT,
            env={**env, "PYTHONPATH": str(PROJECT_ROOT)},
            stdout=subprocess.PIPE,
            text=True,
        )
        assert self._process.stdout is not None
        self.stdout: IO[str] = self._process.stdout

    def exit_status(self) -> int | None:
        return self._process.poll()

    def stop(self, timeout: float) -> None:
        self._process.send_signal(signal.SIGTERM)
        try:
            self._process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self._process.kill()
            self._process.wait()


def _run_forked(env: Mapping[str, str], stdout: Connection, stderr: Connection) -> None:
    """The forked process: local.api's main() with ``env`` as its whole environment, its output
    on the two pipes, as ``python -m local.api --host 127.0.0.1 --port 0`` would run it."""
    os.environ.clear()
    os.environ.update(env)
    os.chdir(PROJECT_ROOT)
    for connection, fd in ((stdout, 1), (stderr, 2)):
        os.dup2(connection.fileno(), fd)
        connection.close()
    sys.stdout = open(1, "w", buffering=1, closefd=False)  # noqa: SIM115 (the process's own stdout)
    sys.stderr = open(2, "w", buffering=1, closefd=False)  # noqa: SIM115
    from local.api import main

    sys.exit(main(["--host", "127.0.0.1", "--port", "0"]))


class _Forked:
    """The same main() in a process forked from a fork server that has PRELOADED_MODULES."""

    def __init__(self, context: ForkServerContext, env: Mapping[str, str]) -> None:
        out_read, out_write = context.Pipe(duplex=False)
        err_read, err_write = context.Pipe(duplex=False)
        self._process = context.Process(
            target=_run_forked, args=(dict(env), out_write, err_write), daemon=True
        )
        self._process.start()
        out_write.close()
        err_write.close()
        self.stdout: IO[str] = open(os.dup(out_read.fileno()), encoding="utf-8")  # noqa: SIM115 (read to its end)
        out_read.close()
        # Its stderr reaches this process's, as a spawned one's would (a test's failure shows it).
        errors = open(os.dup(err_read.fileno()), "rb", buffering=0)  # noqa: SIM115
        err_read.close()
        threading.Thread(target=_copy_to_stderr, args=(errors,), daemon=True).start()

    def exit_status(self) -> int | None:
        return self._process.exitcode

    def stop(self, timeout: float) -> None:
        self._process.terminate()  # SIGTERM: main() stops the server and returns
        self._process.join(timeout)
        if self._process.is_alive():
            self._process.kill()
            self._process.join()
        self._process.close()


def _copy_to_stderr(source: IO[bytes]) -> None:
    with source:
        while chunk := source.read(65536):
            os.write(2, chunk)


_fork_context: ForkServerContext | None = None


def use_fork_server() -> None:
    """Start every later local API of this process by forking a server that has imported it
    (PRELOADED_MODULES) instead of starting an interpreter: the test suite starts about fifteen.
    The started API runs the same main() as ``python -m local.api``; test_start_errors.py still
    runs that command itself."""
    global _fork_context
    if _fork_context is None:
        context = multiprocessing.get_context("forkserver")
        context.set_forkserver_preload(PRELOADED_MODULES)
        _fork_context = context


def fork_server() -> ForkServerContext | None:
    """The context local APIs are forked from (use_fork_server), if this process uses one."""
    return _fork_context


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
    started: _Started = _Spawned(env) if _fork_context is None else _Forked(_fork_context, env)
    try:
        url = endpoint = table = None
        for line in started.stdout:
            if match := _URL.match(line.strip()):
                url = match.group(1)
            elif match := _DYNAMODB.match(line.strip()):
                endpoint, table = match.group(1), match.group(2)
            if url and endpoint and table:
                break
        if not (url and endpoint and table):
            raise RuntimeError(f"the local API did not start (exit status {started.exit_status()})")
        # Keep reading its log lines, or a full pipe would block the server.
        threading.Thread(target=collections.deque, args=(started.stdout, 0), daemon=True).start()
        yield RunningApi(url, endpoint, table)
    finally:
        started.stop(startup_seconds)
