"""One HTTP request at a time, on its own connection: what every client of a stage sends."""

from __future__ import annotations

import http.client
import json
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit


@dataclass(frozen=True)
class Reply:
    status: int
    headers: Mapping[str, str]
    """Header names in lower case."""
    body: bytes
    seconds: float = 0.0

    def json(self) -> Any:
        return json.loads(self.body)


def request(
    url: str, method: str = "POST", body: bytes | str | None = None, headers: Mapping[str, str] | None = None
) -> Reply:
    """One HTTP request on its own connection (safe from many threads)."""
    parts = urlsplit(url)
    connection_class = http.client.HTTPSConnection if parts.scheme == "https" else http.client.HTTPConnection
    connection = connection_class(parts.netloc, timeout=60)
    started = time.perf_counter()
    try:
        payload = body.encode() if isinstance(body, str) else body
        sent = {"User-Agent": "data-api-client", **(headers or {})}
        connection.request(method, parts.path + (f"?{parts.query}" if parts.query else ""), payload, sent)
        response = connection.getresponse()
        data = response.read()
        return Reply(
            response.status,
            {k.lower(): v for k, v in response.getheaders()},
            data,
            time.perf_counter() - started,
        )
    finally:
        connection.close()
