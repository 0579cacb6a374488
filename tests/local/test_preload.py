"""local/emulator.py's warm_up (the fork server imports local/preload.py, which calls it): what
moto's server builds on DynamoDB's first request is built once, before any local API is forked;
and every forked API starts with the collector tuned."""

from __future__ import annotations

import gc
from multiprocessing.connection import Connection

import moto.backends
import pytest
from moto.core import DEFAULT_ACCOUNT_ID
from moto.core.utils import get_service_model

from local.emulator import warm_up
from local.process import GC_THRESHOLD, fork_server


def test_the_model_and_the_backend_are_built_before_the_first_request() -> None:
    get_service_model.cache_clear()
    warm_up("dynamodb", "eu-west-3")
    assert get_service_model.cache_info().currsize == 1
    account = moto.backends.get_backend("dynamodb")[DEFAULT_ACCOUNT_ID]
    assert "eu-west-3" in list(account)  # built (`in` alone asks whether moto knows the region)
    assert account["eu-west-3"].tables == {}


def _report_collector(answer: Connection) -> None:
    answer.send((gc.get_threshold()[0], gc.get_freeze_count()))
    answer.close()


def test_a_forked_api_starts_with_the_collector_looking_less_often_and_never_at_the_preload() -> None:
    context = fork_server()
    if context is None:
        pytest.skip("this process starts its local APIs as new interpreters (no fork server)")
    receive, send = context.Pipe(duplex=False)
    child = context.Process(target=_report_collector, args=(send,))
    child.start()
    send.close()
    threshold, frozen = receive.recv()
    child.join(timeout=30)
    assert threshold == GC_THRESHOLD
    assert frozen > 50_000  # moto and local.api, imported and built once
