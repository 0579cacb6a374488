"""The local API in api_key mode answers like a stage with a usage plan: no valid key, 403."""

from __future__ import annotations

from client.http import request
from local.process import local_api


def test_api_key_mode_requires_the_key() -> None:
    settings = {"DATA_API_DEV_API_AUTH": "api_key", "DATA_API_LOCAL_API_KEY": "local-test-key"}
    with local_api(settings_env=settings) as api:
        url = f"{api.base_url}/data"
        json_type = {"Content-Type": "application/json"}
        missing = request(url, "POST", "{}", json_type)
        wrong = request(url, "POST", "{}", {**json_type, "x-api-key": "nope"})
        right = request(url, "POST", "{}", {**json_type, "X-Api-Key": "local-test-key"})
        preflight = request(url, "OPTIONS")
    for reply in (missing, wrong):
        assert reply.status == 403
        assert reply.json() == {"message": "Forbidden"}
        assert reply.headers["access-control-allow-origin"] == "*"
    assert right.status == 200
    assert preflight.status == 200  # the preflight never needs the key
