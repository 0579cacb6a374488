"""tools/pip_index.py, the Makefile's PIP_INDEX_URL: the answer `pip config get` gives for
global.index-url, then install.index-url, else pip's default index.

It runs where the Makefile runs it: on the machine's python3 (the project's venv has no pip).
Every case is answered by one process, each with its own environment."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.conftest import REPO_ROOT

MIRROR = "https://mirror.example/simple"
INSTALL_MIRROR = "https://install-mirror.example/simple"
PYTHON = shutil.which(os.environ.get("PYTHON", "python3")) or "python3"
"""The Makefile's $(PYTHON)."""
NONE_SET = "[global]\ntimeout = 60\n"
CASES: dict[str, tuple[str, str | None]] = {
    "global": (f"[global]\nindex-url = {MIRROR}\n", None),
    "install": (f"[install]\nindex-url = {INSTALL_MIRROR}\n", None),
    "both": (f"[global]\nindex-url = {MIRROR}\n[install]\nindex-url = {INSTALL_MIRROR}\n", None),
    "none": (NONE_SET, None),
    "config file variable": (
        f"[global]\nindex-url = {INSTALL_MIRROR}\n",
        f"[global]\nindex-url = {MIRROR}\n",
    ),
}
"""Each case: the user's pip configuration (it outranks the machine's file), and the contents of
a file PIP_CONFIG_FILE names, if any."""
DRIVER = """
import json, os, sys
sys.path.insert(0, sys.argv[1])
from pip_index import index_url
answers = {}
for name, env in json.loads(sys.argv[2]).items():
    os.environ.pop("PIP_CONFIG_FILE", None)
    os.environ.update(env)
    answers[name] = index_url()
print(json.dumps(answers))
"""


def environment(folder: Path, user: str, config_file: str | None) -> dict[str, str]:
    (folder / ".config" / "pip").mkdir(parents=True)
    (folder / ".config" / "pip" / "pip.conf").write_text(user)
    env = {"HOME": str(folder), "XDG_CONFIG_HOME": str(folder / ".config")}
    if config_file is not None:
        (folder / "ci.conf").write_text(config_file)
        env["PIP_CONFIG_FILE"] = str(folder / "ci.conf")
    return env


@pytest.fixture(scope="module")
def answers(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    envs = {
        name: environment(tmp_path_factory.mktemp(name.replace(" ", "-")), user, config_file)
        for name, (user, config_file) in CASES.items()
    }
    base = {k: v for k, v in os.environ.items() if k not in ("PIP_INDEX_URL", "PIP_CONFIG_FILE")}
    done = subprocess.run(
        [PYTHON, "-c", DRIVER, str(REPO_ROOT / "tools"), json.dumps(envs)],
        env=base,
        capture_output=True,
        text=True,
        check=True,
    )
    return {**json.loads(done.stdout), "_none_env": json.dumps({**base, **envs["none"]})}


@pytest.mark.parametrize(
    ("case", "expected"), [("global", MIRROR), ("install", INSTALL_MIRROR), ("both", MIRROR)]
)
def test_the_configured_index_is_used(answers: dict[str, str], case: str, expected: str) -> None:
    assert answers[case] == expected


def test_a_pip_config_file_variable_is_read_as_pip_install_reads_it(answers: dict[str, str]) -> None:
    # pip install reads the file PIP_CONFIG_FILE names, last; `pip config get` does not show it.
    assert answers["config file variable"] == MIRROR


def test_with_none_configured_it_is_what_pip_config_get_answers(answers: dict[str, str]) -> None:
    """What the Makefile asked before: `pip config get` for each key in turn, else pip's default
    (the machine's own files may name an index)."""
    env = json.loads(answers["_none_env"])
    for key in ("global.index-url", "install.index-url"):
        said = subprocess.run(
            [PYTHON, "-m", "pip", "config", "get", key], env=env, capture_output=True, text=True
        )
        if said.returncode == 0:
            assert answers["none"] == said.stdout.strip()
            return
    default = subprocess.run(
        [PYTHON, "-c", "from pip._internal.models.index import PyPI; print(PyPI.simple_url)"],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    assert answers["none"] == default.stdout.strip()
