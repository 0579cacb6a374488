"""make load: keyed requests with retries against the local API, and how duplicates are counted."""

from __future__ import annotations

import json
from typing import Any

import pytest

from client.http import Reply
from local import load
from local.target import Target


def test_keyed_retries_store_every_payload_once(capsys: pytest.CaptureFixture[str]) -> None:
    # 30 requests and 15 retries: 45 fit the stage's burst of 50 at any speed, so none is throttled.
    code = load.main(["--requests", "30", "--rate", "300", "--concurrency", "8", "--retry-share", "0.5"])
    out = capsys.readouterr().out
    figures = {
        k.strip(): v.strip() for k, v in (line.rsplit("  ", 1) for line in out.splitlines() if "  " in line)
    }
    assert code == 0, out
    assert figures["duplicates (a payload stored twice)"] == "0"
    assert figures["lost writes (200 without an item)"] == "0"
    assert figures["items found in the table"] == "30"
    assert int(figures["replayed answers"]) >= 1


class _Items:
    def __init__(self, items: list[dict[str, Any]]) -> None:
        self.items = items


def test_a_payload_stored_twice_is_counted_and_fails_the_check() -> None:
    def item(item_id: str, n: int) -> dict[str, Any]:
        return {"id": {"S": item_id}, "data": {"M": {"n": {"N": str(n)}}}}

    target = Target("http://x", "t", None, deployed=False)
    target.items_marked = lambda marker: [item("a", 1), item("b", 1), item("c", 2)]  # type: ignore[method-assign]
    replies = [Reply(200, {}, json.dumps({"id": i}).encode()) for i in ("a", "b", "c")]
    figures = load.report(target, replies, "m", 1.0)
    assert figures["duplicates (a payload stored twice)"] == 1
    assert figures["lost writes (200 without an item)"] == 0
