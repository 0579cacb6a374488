"""What synth writes under cdktf.out, and how to remove it without touching what a user put there.

Run as ``python -m constructs_lib.output_dir clean [DIR]`` (make clean): standard library only.
"""

from __future__ import annotations

import shutil
import sys
from collections.abc import Iterable, Mapping
from pathlib import Path

GENERATED_IN_STACK = ("cdk.tf.json", "assets")
"""What synth writes in a stack's folder; anything else there (terraform's .terraform and lock
file, a user's notes or var file) is not ours to delete."""
GENERATED_AT_TOP = ("manifest.json", ".synth-stamp.json")


def synth_output_dir(root: Path, env: Mapping[str, str]) -> Path:
    """Where synth writes: CDKTF_OUTDIR (as cdktf's App reads it), else cdktf.out in ``root``."""
    return root / env.get("CDKTF_OUTDIR", "cdktf.out")


def remove_generated(stack_dir: Path) -> list[Path]:
    """Remove what synth wrote in one stack folder (the folder too, once empty); returns what
    was kept because synth did not write it."""
    for name in GENERATED_IN_STACK:
        target = stack_dir / name
        if target.is_dir():
            shutil.rmtree(target)
        elif target.exists():
            target.unlink()
    kept = sorted(stack_dir.iterdir()) if stack_dir.is_dir() else []
    if stack_dir.is_dir() and not kept:
        stack_dir.rmdir()
    return kept


def remove_stale_stacks(out_dir: Path, current: Iterable[str]) -> list[Path]:
    """After a synth: remove stack folders this run did not write, so no stale stack can be
    applied (as the cdktf CLI's synth does); returns the user files kept in them."""
    stacks = out_dir / "stacks"
    wanted = set(current)
    kept: list[Path] = []
    for folder in sorted(stacks.iterdir()) if stacks.is_dir() else []:
        if folder.is_dir() and folder.name not in wanted:
            kept += remove_generated(folder)
    return kept


def clean(out_dir: Path) -> list[Path]:
    """Remove everything synth wrote under ``out_dir``; returns the user files kept."""
    kept: list[Path] = []
    stacks = out_dir / "stacks"
    for folder in sorted(stacks.iterdir()) if stacks.is_dir() else []:
        if folder.is_dir():
            kept += remove_generated(folder)
    for name in GENERATED_AT_TOP:
        (out_dir / name).unlink(missing_ok=True)
    for folder in (stacks, out_dir):
        if folder.is_dir() and not any(folder.iterdir()):
            folder.rmdir()
    return kept


def main(argv: list[str]) -> int:
    if not argv or argv[0] != "clean":
        print("usage: python -m constructs_lib.output_dir clean [DIR]", file=sys.stderr)
        return 2
    for path in clean(Path(argv[1] if len(argv) > 1 else "cdktf.out")):
        print(f"kept {path}: synth did not write it")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
