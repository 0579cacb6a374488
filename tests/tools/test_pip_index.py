"""tools/pip_index.py, the Makefile's PIP_INDEX_URL: the answer `pip config get` gives for
global.index-url, then install.index-url, else pip's default index."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tools.pip_index import index_url

MIRROR = "https://mirror.example/simple"
INSTALL_MIRROR = "https://install-mirror.example/simple"


@pytest.fixture
def user_config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """This test's own user pip configuration (it outranks the machine's file), with no index
    variable and no configuration file variable."""
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / ".config"))
    monkeypatch.delenv("PIP_INDEX_URL", raising=False)
    monkeypatch.delenv("PIP_CONFIG_FILE", raising=False)
    (tmp_path / ".config" / "pip").mkdir(parents=True)
    return tmp_path / ".config" / "pip" / "pip.conf"


@pytest.mark.parametrize(
    ("config", "expected"),
    [
        (f"[global]\nindex-url = {MIRROR}\n", MIRROR),
        (f"[install]\nindex-url = {INSTALL_MIRROR}\n", INSTALL_MIRROR),
        (f"[global]\nindex-url = {MIRROR}\n[install]\nindex-url = {INSTALL_MIRROR}\n", MIRROR),
    ],
)
def test_the_configured_index_is_used(user_config: Path, config: str, expected: str) -> None:
    user_config.write_text(config)
    assert index_url() == expected


def test_with_none_configured_it_is_what_pip_config_get_answers(user_config: Path) -> None:
    """What the Makefile asked before: `pip config get` for each key in turn, else the default
    (the machine's own files may name an index; otherwise pip's default)."""
    user_config.write_text("[global]\ntimeout = 60\n")
    for key in ("global.index-url", "install.index-url"):
        answer = subprocess.run(
            [sys.executable, "-m", "pip", "config", "get", key],
            env=dict(os.environ),
            capture_output=True,
            text=True,
        )
        if answer.returncode == 0:
            assert index_url() == answer.stdout.strip()
            return
    from pip._internal.models.index import PyPI

    assert index_url() == PyPI.simple_url


def test_a_pip_config_file_variable_is_read_as_pip_install_reads_it(
    user_config: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # pip install reads the file PIP_CONFIG_FILE names, last; `pip config get` does not show it.
    user_config.write_text(f"[global]\nindex-url = {INSTALL_MIRROR}\n")
    (tmp_path / "ci.conf").write_text(f"[global]\nindex-url = {MIRROR}\n")
    monkeypatch.setenv("PIP_CONFIG_FILE", str(tmp_path / "ci.conf"))
    assert index_url() == MIRROR
