"""local/emulator.py: moto's server finds each request's backend without listing its package."""

from __future__ import annotations

import contextlib
import os
import threading
from pathlib import Path
from typing import Any

import boto3
import moto
import pytest

from local.emulator import (
    DYNAMODB_LOCK,
    POLL_SECONDS,
    SERIALIZED_OPERATIONS,
    cache_backend_lookup,
    start_moto_server,
)

MOTO_DIR = Path(moto.__file__).parent


def test_the_cached_list_is_motos_service_folders() -> None:
    cache_backend_lookup()
    import moto.backends

    expected = sorted(p.name for p in MOTO_DIR.iterdir() if p.is_dir() and not p.name.startswith("__"))
    assert list(moto.backends.list_of_moto_modules()) == expected
    assert "dynamodb" in moto.backends.list_of_moto_modules()


def test_requests_to_the_server_never_list_the_moto_package(monkeypatch: pytest.MonkeyPatch) -> None:
    server = start_moto_server()
    try:
        host, port = server.get_host_and_port()
        client = boto3.client(
            "dynamodb",
            endpoint_url=f"http://{host}:{port}",
            region_name="us-east-1",
            aws_access_key_id="local",
            aws_secret_access_key="local",
        )
        client.list_tables()  # the first request loads the service's model (a listing, once)
        listed: list[str] = []
        real_listdir = os.listdir

        def counting_listdir(path: Any = ".") -> list[str]:
            listed.append(str(path))
            return real_listdir(path)

        monkeypatch.setattr(os, "listdir", counting_listdir)
        for _ in range(3):  # moto's backends are this process's: other tests' tables may be listed
            assert isinstance(client.list_tables()["TableNames"], list)
    finally:
        server.stop()
    assert str(MOTO_DIR) not in listed


def test_the_serving_loop_looks_for_a_stop_every_poll_interval(monkeypatch: pytest.MonkeyPatch) -> None:
    """stop() returns once the loop has seen the request: within one poll interval (socketserver's
    default, which ThreadedMotoServer keeps, is half a second)."""
    from werkzeug.serving import BaseWSGIServer

    polls: list[float] = []
    serve = BaseWSGIServer.serve_forever

    def recording(self: BaseWSGIServer, poll_interval: float = 0.5) -> None:
        polls.append(poll_interval)
        serve(self, poll_interval)

    monkeypatch.setattr(BaseWSGIServer, "serve_forever", recording)
    server = start_moto_server()
    server.stop()
    assert polls == [POLL_SECONDS]
    assert POLL_SECONDS <= 0.05


def test_a_started_server_runs_one_dynamodb_operation_at_a_time() -> None:
    """No DynamoDB operation of a started server's moto begins while another holds the lock:
    tests/integration/test_api.py's twenty concurrent requests with one key store one item only
    so (moto's cancelled transactions restore whole tables, undoing other requests' writes)."""
    from moto.core import DEFAULT_ACCOUNT_ID
    from moto.dynamodb.models import DynamoDBBackend, dynamodb_backends

    start_moto_server().stop()
    assert all(hasattr(getattr(DynamoDBBackend, name), "__wrapped__") for name in SERIALIZED_OPERATIONS)
    backend = dynamodb_backends[DEFAULT_ACCOUNT_ID]["us-east-1"]
    done = threading.Event()

    def read() -> None:
        with contextlib.suppress(Exception):  # the answer is not under test, only when it comes
            backend.get_item("no-such-table", {"id": {"S": "x"}})
        done.set()

    with DYNAMODB_LOCK:
        threading.Thread(target=read, daemon=True).start()
        # A slower machine only makes this pass more easily; it never fails it.
        started_while_held = done.wait(0.2)
    assert not started_while_held
    assert done.wait(30)
