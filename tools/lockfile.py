"""Pipfile.lock as pip requirements with hashes, so a fast installer (uv) installs exactly the lock.

usage: python tools/lockfile.py Pipfile.lock OUT.txt [--dev]

The Pipfile and its lock stay the source of truth (``make lock`` still resolves with pipenv);
this only restates the locked, hashed pins in the format every installer reads. Stdlib only: it
runs before the project's venv exists.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any


class LockError(ValueError):
    """The lock cannot be turned into requirements; the message says why, in one line."""


def requirement_lines(lock: Mapping[str, Any], dev: bool) -> list[str]:
    """One ``name==version ; markers --hash=...`` line per locked package (sorted by name)."""
    sections = ["default", "develop"] if dev else ["default"]
    packages: dict[str, Mapping[str, Any]] = {}
    for section in sections:
        entries = lock.get(section)
        if not isinstance(entries, dict):
            raise LockError(f"the lock has no {section!r} section: run `make lock`")
        packages.update(entries)
    lines = []
    for name in sorted(packages):
        entry = packages[name]
        version = entry.get("version", "")
        hashes = entry.get("hashes") or []
        if not version.startswith("==") or not hashes:
            raise LockError(f"{name} is not pinned with hashes in the lock: run `make lock`")
        markers = f" ; {entry['markers']}" if entry.get("markers") else ""
        lines.append(f"{name}{version}{markers} " + " ".join(f"--hash={h}" for h in hashes))
    return lines


def main(argv: list[str]) -> int:
    if len(argv) not in (2, 3) or (len(argv) == 3 and argv[2] != "--dev"):
        print("usage: python tools/lockfile.py Pipfile.lock OUT.txt [--dev]", file=sys.stderr)
        return 2
    source, target = Path(argv[0]), Path(argv[1])
    try:
        lock = json.loads(source.read_text())
        lines = requirement_lines(lock, dev=len(argv) == 3)
    except (OSError, json.JSONDecodeError, LockError) as error:
        print(f"data-api: error: {source}: {error}", file=sys.stderr)
        return 1
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(
        "# Generated from Pipfile.lock by tools/lockfile.py: do not edit.\n" + "\n".join(lines) + "\n"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
