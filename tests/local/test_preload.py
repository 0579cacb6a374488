"""local/emulator.py's warm_up (the fork server imports local/preload.py, which calls it): what
moto's server builds on DynamoDB's first request is built once, before any local API is forked."""

from __future__ import annotations

import moto.backends
from moto.core import DEFAULT_ACCOUNT_ID
from moto.core.utils import get_service_model

from local.emulator import warm_up


def test_the_model_and_the_backend_are_built_before_the_first_request() -> None:
    get_service_model.cache_clear()
    warm_up("dynamodb", "eu-west-3")
    assert get_service_model.cache_info().currsize == 1
    account = moto.backends.get_backend("dynamodb")[DEFAULT_ACCOUNT_ID]
    assert "eu-west-3" in list(account)  # built (`in` alone asks whether moto knows the region)
    assert account["eu-west-3"].tables == {}
