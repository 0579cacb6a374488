"""Load check: N requests at a given rate and concurrency, then an audit of what was stored.

Against DATA_API_URL when set (a deployed stage), else a local API started here. Exits 1 if a
single request that got 200 has no item in the table (a lost write), or if any payload was stored
twice (a duplicate). With --retry-share, every request carries an Idempotency-Key and that share
of them is sent again, as a client that timed out would: duplicates must stay 0.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

from botocore.exceptions import BotoCoreError, ClientError

from client.http import Reply, request
from local.target import Target, TargetError, new_marker, resolve_target


def fire(
    target: Target,
    requests: int,
    rate: float,
    concurrency: int,
    marker: str,
    retry_share: float | None = None,
) -> list[Reply]:
    """Send ``requests`` POSTs, the n-th no earlier than n/rate seconds after the start. With
    ``retry_share``, each carries an Idempotency-Key and every 1/retry_share-th is sent twice."""
    started = time.monotonic()
    lock = threading.Lock()
    replies: list[Reply] = []
    retry_every = round(1 / retry_share) if retry_share else 0

    def send(body: str, headers: dict[str, str]) -> None:
        try:
            reply = request(target.data_url, "POST", body, headers)
        except OSError as error:  # a refused or reset connection is a result too
            reply = Reply(0, {}, str(error).encode())
        with lock:
            replies.append(reply)

    def one(n: int) -> None:
        delay = started + n / rate - time.monotonic()
        if delay > 0:
            time.sleep(delay)
        body = json.dumps({"marker": marker, "n": n, "padding": "x" * 256})
        headers = {"Content-Type": "application/json"}
        if target.api_key:
            headers["x-api-key"] = target.api_key
        if retry_share is not None:
            headers["Idempotency-Key"] = f'"{marker}-{n}"'
        send(body, headers)
        if retry_every and n % retry_every == 0:
            send(body, headers)  # the client's retry: same key, same payload

    with ThreadPoolExecutor(max_workers=concurrency) as pool:
        list(pool.map(one, range(requests)))
    return replies


def percentile(values: list[float], fraction: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


def report(target: Target, replies: list[Reply], marker: str, seconds: float) -> dict[str, object]:
    statuses = Counter(r.status for r in replies)
    ok_ids = {r.json()["id"] for r in replies if r.status == 200}
    stored = target.items_marked(marker)
    stored_ids = {item["id"]["S"] for item in stored}
    copies = Counter(item["data"]["M"]["n"]["N"] for item in stored)
    latencies_ms = [r.seconds * 1000 for r in replies if r.status]
    return {
        "target": target.data_url,
        "requests sent": len(replies),
        "seconds": round(seconds, 2),
        "200": statuses.get(200, 0),
        "429": statuses.get(429, 0),
        "other statuses": {str(k): v for k, v in sorted(statuses.items()) if k not in (200, 429)},
        "p50 latency ms": round(statistics.median(latencies_ms), 1) if latencies_ms else 0.0,
        "p99 latency ms": round(percentile(latencies_ms, 0.99), 1),
        "items found in the table": len(stored_ids),
        "lost writes (200 without an item)": len(ok_ids - stored_ids),
        "stray items (stored without a 200)": len(stored_ids - ok_ids),
        "replayed answers": sum(r.headers.get("idempotent-replayed") == "true" for r in replies),
        "duplicates (a payload stored twice)": sum(count - 1 for count in copies.values()),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--requests", type=int, default=1000, help="how many requests (default 1000)")
    parser.add_argument("--rate", type=float, default=100.0, help="requests per second (default 100)")
    parser.add_argument("--concurrency", type=int, default=20, help="requests in flight at most (default 20)")
    parser.add_argument(
        "--retry-share",
        type=float,
        metavar="FRACTION",
        help="send an Idempotency-Key with every request and retry this share of them (e.g. 0.1)",
    )
    arguments = parser.parse_args(argv)
    if arguments.requests < 1 or arguments.rate <= 0 or arguments.concurrency < 1:
        parser.error("--requests and --concurrency must be at least 1, --rate above 0")
    if arguments.retry_share is not None and not 0 < arguments.retry_share <= 1:
        parser.error("--retry-share must be above 0 and at most 1")
    try:
        with resolve_target() as target:
            marker = new_marker()
            started = time.monotonic()
            replies = fire(
                target,
                arguments.requests,
                arguments.rate,
                arguments.concurrency,
                marker,
                arguments.retry_share,
            )
            figures = report(target, replies, marker, time.monotonic() - started)
    except TargetError as error:
        print(f"data-api: error: {error}", file=sys.stderr)
        return 1
    except (BotoCoreError, ClientError) as error:  # reading the table back: credentials, access, endpoint
        print(f"data-api: error: reading the table back failed: {error}", file=sys.stderr)
        return 1
    width = max(len(k) for k in figures)
    for name, value in figures.items():
        print(f"{name:<{width}}  {value}")
    failed = figures["lost writes (200 without an item)"] or figures["duplicates (a payload stored twice)"]
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
