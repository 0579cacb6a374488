"""Where client-side tools send requests: a deployed stage (DATA_API_URL) or a local API they
start; with the table behind it, to check what was stored."""

from __future__ import annotations

import os
import re
import threading
import time
import uuid
from collections.abc import Callable, Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from client.http import Reply, request
from client.outputs import OutputsError, read_outputs_file
from constructs_lib.contract import RESOURCE_PATH
from local.process import local_api


class TargetError(Exception):
    """The environment does not say enough to reach the target; the message says what to set."""


def new_marker() -> str:
    """A value to tag one run's payloads with (``{"marker": ...}``), to find what it stored."""
    return f"run-{uuid.uuid4()}"


@dataclass
class Target:
    """The API to call and the table behind it."""

    base_url: str
    table_name: str
    dynamodb: Any
    deployed: bool
    outputs: Mapping[str, str] = field(default_factory=dict)
    api_key: str | None = None
    """Sent as x-api-key when the stage requires one (api_auth=api_key)."""
    held_throttle: Callable[[], AbstractContextManager[None]] | None = None
    """A local stage in the caller's process only: hold its throttle full and still for a burst
    (LocalApi.held_throttle). A deployed stage's throttle runs on AWS's clock."""

    @property
    def data_url(self) -> str:
        return f"{self.base_url}/{RESOURCE_PATH}"

    def post(
        self,
        body: bytes | str | None,
        content_type: str | None = "application/json",
        retry_throttled: bool = True,
        extra_headers: Mapping[str, str] | None = None,
    ) -> Reply:
        """POST /data; by default a 429 (say, left over from a burst) is waited out."""
        headers = {"Content-Type": content_type} if content_type else {}
        headers.update(extra_headers or {})
        if self.api_key:
            headers["x-api-key"] = self.api_key
        for _ in range(50):
            reply = request(self.data_url, "POST", body, headers)
            if reply.status != 429 or not retry_throttled:
                break
            time.sleep(0.1)
        return reply

    def burst(
        self, bodies: list[str], threads: int, extra_headers: Mapping[str, str] | None = None
    ) -> list[Reply]:
        """Send the bodies from ``threads`` threads that all start at the same instant (so the
        first wave really is simultaneous, however busy the machine); no 429 is retried."""
        threads = min(threads, len(bodies))
        start = threading.Barrier(threads)
        # Each worker waits at the barrier once, as it starts: the first wave leaves together.
        with ThreadPoolExecutor(max_workers=threads, initializer=start.wait, initargs=(30,)) as pool:
            return list(
                pool.map(
                    lambda body: self.post(body, retry_throttled=False, extra_headers=extra_headers), bodies
                )
            )

    def item(self, item_id: str) -> dict[str, Any] | None:
        """The stored item with this id, read back consistently."""
        items = self.dynamodb.query(
            TableName=self.table_name,
            KeyConditionExpression="#id = :id",
            ExpressionAttributeNames={"#id": "id"},
            ExpressionAttributeValues={":id": {"S": item_id}},
            ConsistentRead=True,
        )["Items"]
        if len(items) > 1:
            raise AssertionError(f"{len(items)} items share the id {item_id}")
        return items[0] if items else None

    def items_marked(self, marker: str) -> list[dict[str, Any]]:
        """Every stored item whose payload carries ``"marker": marker`` (a scan: test tables only)."""
        found: list[dict[str, Any]] = []
        arguments: dict[str, Any] = {
            "TableName": self.table_name,
            "FilterExpression": "#d.#m = :m",
            "ExpressionAttributeNames": {"#d": "data", "#m": "marker"},
            "ExpressionAttributeValues": {":m": {"S": marker}},
            "ConsistentRead": True,
        }
        while True:
            page = self.dynamodb.scan(**arguments)
            found.extend(page["Items"])
            if "LastEvaluatedKey" not in page:
                return found
            arguments["ExclusiveStartKey"] = page["LastEvaluatedKey"]


def _deployed(url: str, env: Mapping[str, str]) -> Target:
    import boto3

    outputs: dict[str, str] = {}
    if path := env.get("DATA_API_OUTPUTS"):
        try:
            stacks = [v for v in read_outputs_file(path).values() if "table_name" in v]
        except OutputsError as error:
            raise TargetError(str(error)) from None
        if len(stacks) != 1:
            raise TargetError(
                f"DATA_API_OUTPUTS ({path}) must hold the outputs of exactly one data-api stack"
            )
        outputs = stacks[0]
    table = env.get("DATA_API_TABLE") or outputs.get("table_name")
    if not table:
        raise TargetError("DATA_API_URL is set: also set DATA_API_TABLE or DATA_API_OUTPUTS")
    base = url.rstrip("/").removesuffix(f"/{RESOURCE_PATH}")
    # With api_auth=api_key: DATA_API_KEY, or the sensitive output when the outputs file holds it
    # (cdktf deploy --outputs-file-include-sensitive-outputs).
    api_key = env.get("DATA_API_KEY") or outputs.get("api_key_value")
    # No region configured: the stage's own URL names it.
    region = boto3.Session().region_name or region_from_url(url)
    if not region:
        raise TargetError(f"no AWS region: set AWS_REGION (the URL {url} does not name one)")
    client = boto3.client("dynamodb", region_name=region)
    return Target(base, table, client, deployed=True, outputs=outputs, api_key=api_key)


_STAGE_HOST = re.compile(r"^[a-z0-9]+\.execute-api\.([a-z0-9-]+)\.amazonaws\.com(?:\.cn)?$")


def region_from_url(url: str) -> str | None:
    """The region in a stage URL (``https://<api>.execute-api.<region>.amazonaws.com/<stage>``)."""
    match = _STAGE_HOST.match(urlsplit(url).hostname or "")
    return match.group(1) if match else None


@contextmanager
def resolve_target(env: Mapping[str, str] = os.environ) -> Iterator[Target]:
    """The deployed stage named by DATA_API_URL, else a local API started (and stopped) here."""
    if url := env.get("DATA_API_URL"):
        yield _deployed(url, env)
        return
    import boto3

    with local_api() as api:
        client = boto3.client(
            "dynamodb",
            endpoint_url=api.dynamodb_endpoint,
            region_name="us-east-1",
            aws_access_key_id="local",
            aws_secret_access_key="local",
        )
        yield Target(api.base_url, api.table_name, client, deployed=False)
