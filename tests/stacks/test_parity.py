"""CDKTF and CDK Terrain synthesize the same JSON (tools/parity.py), when both are installed.

The session's stacks come from this venv's framework; the other one synthesizes the same default
settings in its own venv (.venv for CDKTF, .venv-cdktn for CDK Terrain), and the two outputs must
differ in the three known fields only. Without the other venv the test says how to install it.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from tests.conftest import REPO_ROOT, SynthesizedStack
from tools.parity import KNOWN_DIFFERENCES, compare, differences, known

OTHER = {"cdktf": ("cdktn", ".venv-cdktn"), "cdktn": ("cdktf", ".venv")}
"""For the framework of this run: the other one, and its venv."""
SYNTH_DEFAULTS = (
    "import sys; from tests.conftest import SESSION_APPS; from tests.synth_worker import synth_app; "
    "synth_app(sys.argv[1], SESSION_APPS['default'])"
)
"""The session's default app (tests/conftest.py), synthesized by another venv's framework."""


def test_both_frameworks_synthesize_the_same_json(
    synthesized: dict[str, SynthesizedStack], tmp_path: Path
) -> None:
    framework = os.environ.get("CDK_FRAMEWORK") or "cdktf"
    other, venv = OTHER[framework]
    python = REPO_ROOT / venv / "bin" / "python"
    if not python.exists():
        pytest.skip(
            f"the {other} environment is not installed ({venv}/): `CDK_FRAMEWORK={other} make setup` "
            "installs it, and `make parity` runs this comparison"
        )
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DATA_API_", "CDKTF_", "VIRTUAL_ENV"))}
    result = subprocess.run(
        [str(python), "-c", SYNTH_DEFAULTS, str(tmp_path)],
        cwd=REPO_ROOT,
        env={**env, "CDK_FRAMEWORK": other},
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    ours = synthesized["data-api-dev"].directory.parent.parent
    theirs = tmp_path / "cdktf.out"
    cdktf_out, cdktn_out = (ours, theirs) if framework == "cdktf" else (theirs, ours)
    assert compare(cdktf_out, cdktn_out) == []


def test_the_comparison_names_every_unexplained_difference() -> None:
    left = {"//": {"metadata": {"version": "0.21.0"}}, "a": {"x": 1, "y": [1, 2]}, "b": 1}
    right = {"//": {"metadata": {"version": "0.24.0"}}, "a": {"y": [1, 3], "x": 1}, "c": 1}
    found = sorted(differences(left, right))
    assert found == [
        '//.metadata.version: "0.21.0" with CDKTF, "0.24.0" with CDK Terrain',
        "a.y[1]: 2 with CDKTF, 3 with CDK Terrain",
        "a: the same keys in another order",
        "b: only with CDKTF",
        "c: only with CDK Terrain",
    ]
    assert [d for d in found if not known(d)] == found[1:]
    assert KNOWN_DIFFERENCES[0] == "//.metadata.version"


def test_a_stack_only_one_framework_wrote_is_a_difference(tmp_path: Path) -> None:
    for framework, stacks in (("cdktf", ["a", "b"]), ("cdktn", ["a"])):
        for stack in stacks:
            folder = tmp_path / framework / "stacks" / stack
            folder.mkdir(parents=True)
            (folder / "cdk.tf.json").write_text("{}")
    assert compare(tmp_path / "cdktf", tmp_path / "cdktn") == ["b: synthesized by CDKTF only"]
    assert compare(tmp_path / "none", tmp_path / "none") == [
        f"no stacks in {tmp_path / 'none'} or {tmp_path / 'none'}: synthesize first"
    ]
