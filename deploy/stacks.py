"""The synthesized app's stacks and their dependencies, read from cdktf's manifest.json.

The CDKTF CLI refuses to deploy a stack whose dependency is not in the same run
(hashicorp/terraform-cdk, packages/@cdktf/cli-core/src/lib/helpers/stack-helpers.ts,
checkIfAllDependenciesAreIncluded): a run is a stack and everything it depends on, in order.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from pathlib import Path


class StackError(ValueError):
    """The synthesized output cannot serve this run; the message says what to do."""


def read_manifest(out_dir: Path) -> dict[str, tuple[str, ...]]:
    """Every synthesized stack with the stacks it depends on."""
    path = out_dir / "manifest.json"
    try:
        manifest = json.loads(path.read_text())
    except FileNotFoundError:
        raise StackError(f"{path} does not exist: run `make synth`") from None
    except (OSError, ValueError) as error:
        raise StackError(f"{path} cannot be read ({error}): run `make synth`") from None
    stacks = manifest.get("stacks")
    if not isinstance(stacks, dict):
        raise StackError(f"{path} lists no stacks: run `make synth`")
    return {name: tuple(entry.get("dependencies") or ()) for name, entry in stacks.items()}


def run_order(manifest: Mapping[str, Sequence[str]], targets: Sequence[str]) -> list[str]:
    """``targets`` and every stack they depend on, each after its dependencies."""
    ordered: list[str] = []
    visiting: set[str] = set()

    def visit(name: str) -> None:
        if name in ordered:
            return
        if name not in manifest:
            raise StackError(f"stack {name} was not synthesized (synthesized: {', '.join(sorted(manifest))})")
        if name in visiting:
            raise StackError(f"stack {name} depends on itself")
        visiting.add(name)
        for dependency in manifest[name]:
            visit(dependency)
        visiting.discard(name)
        ordered.append(name)

    for target in targets:
        visit(target)
    return ordered
