"""tools/pip_index.py, the Makefile's PIP_INDEX_URL: the answer `pip config get` gives for
global.index-url, then install.index-url, else pip's default index.

It runs where the Makefile runs it: on the machine's python3 (the project's venv has no pip).
Every case is answered by one process, each with its own environment. Then the Makefile's use
of it: only the recipes that install are given the index, and a make run asks at most once."""

from __future__ import annotations

import ast
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


def test_with_none_configured_it_is_what_pip_config_answers(answers: dict[str, str]) -> None:
    """What the Makefile asked before: `pip config get` for each key in turn, else pip's default
    (the machine's own files may name an index). `pip config list` shows every key's value from
    the same files in one pip process (`key='value'`)."""
    env = json.loads(answers["_none_env"])
    listed = subprocess.run(
        [PYTHON, "-m", "pip", "config", "list"], env=env, capture_output=True, text=True, check=True
    ).stdout
    values = dict(line.split("=", 1) for line in listed.splitlines() if "=" in line)
    for key in ("global.index-url", "install.index-url"):
        if key in values:
            assert answers["none"] == ast.literal_eval(values[key])
            return
    default = subprocess.run(
        [PYTHON, "-c", "from pip._internal.models.index import PyPI; print(PyPI.simple_url)"],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    assert answers["none"] == default.stdout.strip()


CONFIGURED = "https://pip-config.example/simple"
FAKE_PYTHON = """#!/bin/sh
echo "python $*" >> "$FAKE_LOG"
if [ "$1" = tools/pip_index.py ]; then echo {configured}; exit 0; fi
exec {python} "$@"
"""
"""The Makefile's $(PYTHON): logs how it was called, and answers for pip's configuration."""
FAKE_UV = """#!/bin/sh
echo "uv $1 PIP_INDEX_URL=${PIP_INDEX_URL-unset} UV_DEFAULT_INDEX=${UV_DEFAULT_INDEX-unset}" >> "$FAKE_LOG"
if [ "$1" = venv ]; then for last; do :; done; mkdir -p "$last"; fi
"""
"""The Makefile's $(UV): logs the index each command is given (and makes the venv's folder)."""


def run_make(folder: Path, tmp_path: Path, *args: str, **variables: str) -> list[str]:
    """Run make in ``folder`` with the fake python and uv; the lines they logged."""
    log = tmp_path / "calls.log"
    log.unlink(missing_ok=True)
    for name, text in (("python", FAKE_PYTHON.format(configured=CONFIGURED, python=PYTHON)), ("uv", FAKE_UV)):
        (tmp_path / name).write_text(text)
        (tmp_path / name).chmod(0o755)
    skipped = ("PIP_INDEX_URL", "UV_DEFAULT_INDEX", "MAKEFLAGS", "MAKELEVEL", "MFLAGS")
    env = {k: v for k, v in os.environ.items() if k not in skipped}
    subprocess.run(
        [
            "make",
            "--no-print-directory",
            "-C",
            str(folder),
            f"PYTHON={tmp_path / 'python'}",
            f"UV={tmp_path / 'uv'}",
            *args,
        ],
        env={**env, "FAKE_LOG": str(log), **variables},
        capture_output=True,
        text=True,
        check=False,
    )
    return log.read_text().splitlines() if log.exists() else []


def test_a_make_run_that_installs_nothing_never_asks_pip(tmp_path: Path) -> None:
    """Asking costs about 0.3 s, which every make run paid (make synth with nothing changed, too)."""
    calls = run_make(REPO_ROOT, tmp_path, "-q", "setup")
    assert not [call for call in calls if "pip_index" in call]


@pytest.fixture
def scanner_install(tmp_path: Path) -> Path:
    """A folder with the Makefile and what its scanners' install reads, nothing installed."""
    folder = tmp_path / "project"
    (folder / "security").mkdir(parents=True)
    shutil.copy(REPO_ROOT / "Makefile", folder / "Makefile")
    shutil.copy(REPO_ROOT / "security" / "requirements.txt", folder / "security" / "requirements.txt")
    return folder


def test_the_recipes_that_install_get_pips_index_asked_once(scanner_install: Path, tmp_path: Path) -> None:
    calls = run_make(scanner_install, tmp_path, ".scan/.installed")
    assert [call for call in calls if "pip_index" in call] == ["python tools/pip_index.py"]
    installs = [call for call in calls if call.startswith("uv ")]
    assert [call.split()[1] for call in installs] == ["venv", "pip"]
    assert all(f"PIP_INDEX_URL={CONFIGURED} UV_DEFAULT_INDEX={CONFIGURED}" in call for call in installs)


def test_an_index_in_the_environment_wins_and_pip_is_not_asked(scanner_install: Path, tmp_path: Path) -> None:
    mine = "https://mine.example/simple"
    calls = run_make(scanner_install, tmp_path, ".scan/.installed", PIP_INDEX_URL=mine)
    assert not [call for call in calls if "pip_index" in call]
    installs = [call for call in calls if call.startswith("uv ")]
    assert len(installs) == 2
    assert all(f"PIP_INDEX_URL={mine} UV_DEFAULT_INDEX={mine}" in call for call in installs)
