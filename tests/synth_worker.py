"""The one process of a test session that loads the provider: it runs the synths (and the few
tests that build constructs) on the second core while the rest of the suite runs on the first.

The session starts it (``python -m tests.synth_worker``) and calls functions in it by name:
``SynthWorker.submit("tests.synth_worker:synth_app", outdir, settings)`` returns a future. Each
call travels as a pickle over the worker's stdin and its answer comes back over its stdout: the
value, or the error's type and message, which the caller raises again as the same kind of error
(RuntimeError for a failed synth), so a test reads exactly as if it ran in-process.
"""

from __future__ import annotations

import importlib
import os
import pickle
import struct
import subprocess
import sys
import threading
from collections.abc import Callable
from concurrent.futures import Future
from pathlib import Path
from typing import IO, Any

REPO_ROOT = Path(__file__).resolve().parent.parent
_HEADER = struct.Struct(">Q")
RAISED_AGAIN: dict[str, type[Exception]] = {
    "RuntimeError": RuntimeError,
    "ValueError": ValueError,
    "AssertionError": AssertionError,
}
"""Errors a call may end in that the caller raises as the same type (any other: RuntimeError)."""


def _send(stream: IO[bytes], value: object) -> None:
    data = pickle.dumps(value)
    stream.write(_HEADER.pack(len(data)) + data)
    stream.flush()


def _receive(stream: IO[bytes]) -> Any:
    header = stream.read(_HEADER.size)
    if len(header) < _HEADER.size:
        raise EOFError
    (size,) = _HEADER.unpack(header)
    return pickle.loads(stream.read(size))  # only ever our own calls and answers


def synth_app(outdir: str, all_settings: list[Any]) -> None:
    """Synthesize the app for these settings into ``outdir``/cdktf.out, from ``outdir`` as the
    working directory (so a path resolved from the cwd would break)."""
    from constructs_lib.framework import App
    from constructs_lib.stack import build_app

    previous = Path.cwd()
    os.chdir(outdir)
    try:
        app = App(outdir=str(Path(outdir) / "cdktf.out"))
        build_app(app, all_settings)
        app.synth()
    finally:
        os.chdir(previous)


def load_framework() -> None:
    """Load the provider now, before the first call that needs it."""
    import constructs_lib.framework  # noqa: F401


def collector_state() -> tuple[bool, int]:
    """Whether the garbage collector runs, and how many objects it no longer sees (frozen)."""
    import gc

    import constructs_lib.framework  # noqa: F401 - loaded as every synth loads it

    return gc.isenabled(), gc.get_freeze_count()


def provider_submodules() -> list[str]:
    """The provider package's submodules this process has loaded (the first name under it)."""
    from constructs_lib.framework import PROVIDER_PACKAGE

    prefix = f"{PROVIDER_PACKAGE}."
    return sorted({name[len(prefix) :].split(".")[0] for name in sys.modules if name.startswith(prefix)})


def serve(requests: IO[bytes], answers: IO[bytes]) -> None:
    """Answer calls until the session closes the worker's stdin."""
    while True:
        try:
            call_id, target, args = _receive(requests)
        except EOFError:
            return
        module_name, _, function_name = target.partition(":")
        try:
            function: Callable[..., Any] = getattr(importlib.import_module(module_name), function_name)
            answer: tuple[Any, ...] = (call_id, "ok", function(*args))
        except Exception as error:  # the caller raises it again, in the test that asked
            answer = (call_id, "error", type(error).__name__, str(error))
        _send(answers, answer)


class SynthWorker:
    """The worker process, and the calls in flight (answered in the order they were sent)."""

    def __init__(self) -> None:
        self._process = subprocess.Popen(
            [sys.executable, "-m", "tests.synth_worker"],
            cwd=REPO_ROOT,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        self._lock = threading.Lock()
        self._pending: dict[int, Future[Any]] = {}
        self._next_id = 0
        self._stderr: list[bytes] = []
        self._loading: Future[Any] | None = None
        threading.Thread(target=self._read_answers, daemon=True).start()
        threading.Thread(target=self._read_stderr, daemon=True).start()

    def load_framework(self) -> Future[Any]:
        """Have the worker load the provider now (once, however often this is asked)."""
        if self._loading is None:
            self._loading = self.submit("tests.synth_worker:load_framework")
        return self._loading

    def submit(self, target: str, *args: Any) -> Future[Any]:
        future: Future[Any] = Future()
        with self._lock:
            call_id = self._next_id
            self._next_id += 1
            self._pending[call_id] = future
            assert self._process.stdin is not None
            _send(self._process.stdin, (call_id, target, args))
        return future

    def call(self, target: str, *args: Any) -> Any:
        return self.submit(target, *args).result(timeout=900)

    def _read_stderr(self) -> None:
        assert self._process.stderr is not None
        with self._process.stderr as stream:  # read to its end, then closed
            for line in stream:
                self._stderr.append(line)

    def _read_answers(self) -> None:
        assert self._process.stdout is not None
        while True:
            try:
                call_id, status, *rest = _receive(self._process.stdout)
            except EOFError:
                self._process.stdout.close()
                break
            with self._lock:
                future = self._pending.pop(call_id)
            if status == "ok":
                future.set_result(rest[0])
            else:
                kind, message = rest
                future.set_exception(RAISED_AGAIN.get(kind, RuntimeError)(message))
        self._process.wait()
        tail = b"".join(self._stderr[-20:]).decode(errors="replace")
        with self._lock:
            for future in self._pending.values():
                future.set_exception(
                    RuntimeError(f"the synth worker exited ({self._process.returncode}): {tail}")
                )
            self._pending.clear()

    def close(self) -> None:
        """Stop the worker: at once when calls are still waiting (nobody needs them any more),
        else by closing its stdin, which ends it."""
        with self._lock:
            waiting = bool(self._pending)
        if waiting:
            self._process.kill()
        elif self._process.stdin is not None and not self._process.stdin.closed:
            self._process.stdin.close()
        try:
            self._process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self._process.kill()


def main() -> None:
    answers = os.fdopen(os.dup(sys.stdout.fileno()), "wb")
    os.dup2(sys.stderr.fileno(), sys.stdout.fileno())  # prints go to stderr, never into answers
    serve(sys.stdin.buffer, answers)


if __name__ == "__main__":
    main()
