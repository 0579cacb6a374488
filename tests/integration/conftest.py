"""The integration suite's target: a deployed stage (DATA_API_URL) or the local API it starts."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

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
