"""moto's HTTP server, as make local and the tests run it: on a free loopback port, quiet, its
DynamoDB operations atomic, without re-listing its own package on every request, and stopped
without waiting half a second.

moto 5.2's server finds the backend of each request by listing the folders of the moto package
(``moto.backends.list_of_moto_modules``: a listdir and ~200 stat calls, about a millisecond of
CPU per request). The list cannot change while the process runs, so it is read once.
"""

from __future__ import annotations

import functools
import logging
import threading
from typing import Any

POLL_SECONDS = 0.05
"""How often the serving loop looks for a stop request. moto's ThreadedMotoServer serves with
socketserver's default of 0.5 s, so each of its stop() calls waited up to half a second (the test
suite stops a server at the end of each process, and more in between)."""

_CACHED_MARK = "_data_api_cached"
_SERIALIZED_MARK = "_data_api_serialized"


def cache_backend_lookup() -> None:
    """List moto's service folders once, and answer every later request from that list."""
    import moto.backends

    if getattr(moto.backends, _CACHED_MARK, False):
        return
    modules = tuple(moto.backends.list_of_moto_modules())

    def list_of_moto_modules() -> tuple[str, ...]:
        return modules

    moto.backends.list_of_moto_modules = list_of_moto_modules
    setattr(moto.backends, _CACHED_MARK, True)


class MotoServer:
    """moto's server application and request handler (what ThreadedMotoServer serves) on a
    thread of its own, its loop polled every POLL_SECONDS."""

    def __init__(self, host: str = "127.0.0.1", port: int = 0) -> None:
        from moto.moto_server.werkzeug_app import MotoRequestHandler
        from werkzeug.serving import make_server

        application = moto_application()
        self._server = make_server(host, port, application, threaded=True, request_handler=MotoRequestHandler)
        self._thread = threading.Thread(
            target=self._server.serve_forever, args=(POLL_SECONDS,), name="moto-server", daemon=True
        )

    def start(self) -> None:
        self._thread.start()

    def get_host_and_port(self) -> tuple[str, int]:
        host, port = self._server.server_address[:2]
        return str(host), int(port)

    def stop(self) -> None:
        self._server.shutdown()  # returns once the loop has seen it: within POLL_SECONDS
        self._server.server_close()
        self._thread.join()


DYNAMODB_LOCK = threading.RLock()
"""Held by every DynamoDB operation of this process's moto (serialize_dynamodb)."""
SERIALIZED_OPERATIONS = (
    "put_item",
    "get_item",
    "update_item",
    "delete_item",
    "query",
    "scan",
    "transact_write_items",
)


def serialize_dynamodb() -> None:
    """Make moto's DynamoDB operations atomic, as DynamoDB's are. moto runs concurrent requests
    at once, and its transactions snapshot whole tables and restore the snapshot when cancelled,
    undoing writes other requests made meanwhile; real DynamoDB never does either. One lock
    around each operation (this process's moto only)."""
    from moto.dynamodb.models import DynamoDBBackend

    if getattr(DynamoDBBackend, _SERIALIZED_MARK, False):
        return

    def locked(operation: Any) -> Any:
        @functools.wraps(operation)
        def run(*args: Any, **kwargs: Any) -> Any:
            with DYNAMODB_LOCK:
                return operation(*args, **kwargs)

        return run

    for name in SERIALIZED_OPERATIONS:
        setattr(DynamoDBBackend, name, locked(getattr(DynamoDBBackend, name)))
    setattr(DynamoDBBackend, _SERIALIZED_MARK, True)


def moto_application() -> Any:
    """moto's WSGI application, what its server serves: its backend lookup cached
    (cache_backend_lookup) and its DynamoDB operations atomic (serialize_dynamodb). moto keeps
    its state in module-level backends, so every application of a process answers from one."""
    from moto.moto_server.werkzeug_app import DomainDispatcherApplication, create_backend_app

    cache_backend_lookup()
    serialize_dynamodb()
    return DomainDispatcherApplication(create_backend_app)


def start_moto_server() -> MotoServer:
    """A started moto server on 127.0.0.1 and a free port (``get_host_and_port()`` says which),
    its application as moto_application() makes it; ``stop()`` it when done."""
    logging.getLogger("werkzeug").setLevel(logging.ERROR)  # moto's per-request lines
    server = MotoServer()
    server.start()
    return server


def warm_up(service: str = "dynamodb", region: str = "us-east-1") -> None:
    """Build what moto's server builds on a service's first request: the service's model, its
    backend for moto's account and the region (the account's region list comes from botocore's
    endpoint data), and the service's web application. A process forked afterwards starts with
    them built, each its own copy: what it stores is its own."""
    import moto.backends
    from moto.core import DEFAULT_ACCOUNT_ID
    from moto.core.utils import get_service_model
    from moto.moto_server.werkzeug_app import create_backend_app

    cache_backend_lookup()
    get_service_model(service)
    moto.backends.get_backend(service)[DEFAULT_ACCOUNT_ID][region]
    create_backend_app(service)
