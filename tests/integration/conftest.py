"""The integration suite's target: a deployed stage (DATA_API_URL) or the local API it starts."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from unittest import mock

import pytest

from constructs_lib.settings import Settings
from local.target import Target, TargetError, resolve_target


@pytest.fixture(scope="session")
def target() -> Iterator[Target]:
    try:
        with resolve_target() as resolved:
            yield resolved
    except TargetError as error:
        pytest.exit(str(error), 2)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    if os.environ.get("DATA_API_URL"):
        return
    skip = pytest.mark.skip(reason="needs a deployed stage: set DATA_API_URL (and DATA_API_OUTPUTS)")
    for item in items:
        if "deployed" in item.keywords:
            item.add_marker(skip)


@pytest.fixture
def held_stage(moto_endpoint: str) -> Iterator[Target]:
    """A local stage in this process (the session's target runs in a process of its own), so a
    test can hold its throttle still (Target.held_throttle); the session's moto server holds its
    table, and the function's environment is put back afterwards."""
    import boto3

    from local.api import LocalApi

    settings = Settings(environment="dev", name_prefix=f"held-{uuid.uuid4().hex[:8]}")
    with mock.patch.dict(os.environ, {"AWS_ACCESS_KEY_ID": "local", "AWS_SECRET_ACCESS_KEY": "local"}):
        api = LocalApi(settings, "127.0.0.1", 0, moto_endpoint)
        api.start()
        try:
            client = boto3.client("dynamodb", endpoint_url=moto_endpoint, region_name=settings.region)
            yield Target(api.url, api.table_name, client, deployed=False, held_throttle=api.held_throttle)
        finally:
            api.stop()
