"""Pipfile.lock as pip requirements with hashes, so a fast installer (uv) installs exactly the lock.

usage: python tools/lockfile.py Pipfile.lock OUT.txt [--dev] [--framework-lock LOCK]

The Pipfile and its lock stay the source of truth (``make lock`` still resolves with pipenv);
this only restates the locked, hashed pins in the format every installer reads. Stdlib only: it
runs before the project's venv exists.

With ``--framework-lock`` (CDK Terrain: frameworks/cdktn/Pipfile.lock), that lock's packages
replace CDKTF's (cdktf and its AWS provider are left out) and win over the main lock's pins of
the same packages (constructs, jsii, ...): one venv per framework, each exactly locked.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

CDKTF_PACKAGES = frozenset({"cdktf", "cdktf-cdktf-provider-aws"})
"""What the main lock holds for CDKTF alone, left out when another framework's lock is laid over it."""


class LockError(ValueError):
    """The lock cannot be turned into requirements; the message says why, in one line."""


def locked_packages(lock: Mapping[str, Any], dev: bool) -> dict[str, Mapping[str, Any]]:
    sections = ["default", "develop"] if dev else ["default"]
    packages: dict[str, Mapping[str, Any]] = {}
    for section in sections:
        entries = lock.get(section)
        if not isinstance(entries, dict):
            raise LockError(f"the lock has no {section!r} section: run `make lock`")
        packages.update(entries)
    return packages


def requirement_lines(
    lock: Mapping[str, Any], dev: bool, framework_lock: Mapping[str, Any] | None = None
) -> list[str]:
    """One ``name==version ; markers --hash=...`` line per locked package (sorted by name)."""
    packages = locked_packages(lock, dev)
    if framework_lock is not None:
        packages = {n: e for n, e in packages.items() if n not in CDKTF_PACKAGES}
        packages.update(locked_packages(framework_lock, dev=False))
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
    parser = argparse.ArgumentParser(prog="python tools/lockfile.py", description=__doc__.split("\n\n")[0])
    parser.add_argument("lock", type=Path)
    parser.add_argument("out", type=Path)
    parser.add_argument("--dev", action="store_true", help="the develop section too")
    parser.add_argument(
        "--framework-lock", type=Path, help="another framework's lock, laid over the main one"
    )
    arguments = parser.parse_args(argv)
    locks: list[Mapping[str, Any]] = []
    for source in filter(None, (arguments.lock, arguments.framework_lock)):
        try:
            locks.append(json.loads(source.read_text()))
            # Every section and pin checked per file, so a refusal names the lock it is in.
            requirement_lines(locks[-1], arguments.dev and source == arguments.lock)
        except (OSError, json.JSONDecodeError, LockError) as error:
            print(f"data-api: error: {source}: {error}", file=sys.stderr)
            return 1
    lines = requirement_lines(locks[0], arguments.dev, locks[1] if len(locks) > 1 else None)
    target = arguments.out
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(
        "# Generated from Pipfile.lock by tools/lockfile.py: do not edit.\n" + "\n".join(lines) + "\n"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
