"""`make parity`: CDKTF and CDK Terrain synthesize the same stacks.

usage: python -m tools.parity CDKTF_OUT CDKTN_OUT

Compares every ``stacks/<stack>/cdk.tf.json`` of two synth outputs (the same settings, one per
framework) and fails, naming each path, on any difference but the three the frameworks are
known to write differently: the framework's version in the stack's metadata, and the AWS
provider's version and source in ``required_providers``. The order of keys counts: the same JSON,
not only the same meaning.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

FRAMEWORK_FIELDS: dict[str, dict[str, str]] = {
    "cdktf": {
        "//.metadata.version": "0.21.0",
        "terraform.required_providers.aws.version": "6.25.0",
        "terraform.required_providers.aws.source": "aws",
    },
    "cdktn": {
        "//.metadata.version": "0.24.0",
        "terraform.required_providers.aws.version": "6.58.0",
        "terraform.required_providers.aws.source": "hashicorp/aws",
    },
}
"""What each framework writes in the fields they write differently, in every stack (the tests
hold each framework's synth to its own values: nothing looser)."""
KNOWN_DIFFERENCES = tuple(FRAMEWORK_FIELDS["cdktf"])


def field(config: dict[str, Any], path: str) -> Any:
    """The value at a dotted path of a stack's JSON ("//" is a key of its own)."""
    value: Any = config
    for key in path.split("."):
        value = value[key]
    return value


def as_cdktf(config: dict[str, Any], framework: str) -> dict[str, Any]:
    """A copy of a stack's JSON with the known fields as CDKTF writes them, after checking that
    ``framework`` wrote its own values there (AssertionError naming the field otherwise)."""
    copy: dict[str, Any] = json.loads(json.dumps(config))
    for path, expected in FRAMEWORK_FIELDS[framework].items():
        actual = field(copy, path)
        assert actual == expected, f"{path} is {actual!r}, {framework} writes {expected!r}"
        *parents, last = path.split(".")
        field(copy, ".".join(parents))[last] = FRAMEWORK_FIELDS["cdktf"][path]
    return copy


def differences(left: Any, right: Any, path: str = "") -> Iterator[str]:
    """Every path where the two JSON values differ (keys and their order, values, lengths)."""
    if isinstance(left, dict) and isinstance(right, dict):
        if list(left) != list(right) and set(left) == set(right):
            yield f"{path or '(top)'}: the same keys in another order"
        for key in left.keys() | right.keys():
            child = f"{path}.{key}" if path else key
            if key not in right:
                yield f"{child}: only with CDKTF"
            elif key not in left:
                yield f"{child}: only with CDK Terrain"
            else:
                yield from differences(left[key], right[key], child)
    elif isinstance(left, list) and isinstance(right, list):
        if len(left) != len(right):
            yield f"{path}: {len(left)} elements with CDKTF, {len(right)} with CDK Terrain"
        for index, (a, b) in enumerate(zip(left, right, strict=False)):
            yield from differences(a, b, f"{path}[{index}]")
    elif left != right:
        yield f"{path}: {json.dumps(left)[:80]} with CDKTF, {json.dumps(right)[:80]} with CDK Terrain"


def known(difference: str) -> bool:
    return difference.split(": ", 1)[0] in KNOWN_DIFFERENCES


def compare(cdktf_out: Path, cdktn_out: Path) -> list[str]:
    """The unexplained differences between two synth outputs, each naming its stack and path."""
    found = []
    stacks = sorted(
        {p.parent.name for out in (cdktf_out, cdktn_out) for p in out.glob("stacks/*/cdk.tf.json")}
    )
    if not stacks:
        return [f"no stacks in {cdktf_out} or {cdktn_out}: synthesize first"]
    for stack in stacks:
        left, right = (out / "stacks" / stack / "cdk.tf.json" for out in (cdktf_out, cdktn_out))
        if not left.is_file() or not right.is_file():
            found.append(f"{stack}: synthesized by {'CDK Terrain' if right.is_file() else 'CDKTF'} only")
            continue
        found.extend(
            f"{stack}: {d}"
            for d in sorted(differences(json.loads(left.read_text()), json.loads(right.read_text())))
            if not known(d)
        )
    return found


def main(argv: list[str]) -> int:
    if len(argv) != 2:
        print("usage: python -m tools.parity CDKTF_OUT CDKTN_OUT", file=sys.stderr)
        return 2
    cdktf_out, cdktn_out = map(Path, argv)
    found = compare(cdktf_out, cdktn_out)
    for difference in found:
        print(f"parity: {difference}", file=sys.stderr)
    if found:
        print(f"parity: {len(found)} difference(s) besides the known three", file=sys.stderr)
        return 1
    stacks = len(list(cdktf_out.glob("stacks/*/cdk.tf.json")))
    print(f"parity: {stacks} stacks, the same JSON but for {', '.join(KNOWN_DIFFERENCES)}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
