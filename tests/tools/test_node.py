"""The project's own Node.js: pinned, supported, and the one jsii and the CLI run on."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from constructs_lib.node import node_bin_dir, node_environment
from tests.conftest import REPO_ROOT
from tools.node import command


def test_the_pinned_node_is_a_supported_lts_release() -> None:
    version = subprocess.run(
        [str(node_bin_dir() / "node"), "--version"], capture_output=True, text=True, check=True
    ).stdout.strip()
    major = int(version.lstrip("v").split(".")[0])
    # jsii declared Node 20 end-of-life on 2026-10-30; CDK Terrain needs >= 22.19.
    assert major >= 22, version


def test_the_project_node_comes_first_and_is_named_for_jsii() -> None:
    env = node_environment({"PATH": "/usr/bin:/bin"})
    assert env["PATH"].split(":")[0] == str(node_bin_dir())
    assert env["JSII_NODE"] == str(node_bin_dir() / "node")


def test_a_jsii_node_the_user_chose_wins() -> None:
    assert (
        node_environment({"PATH": "", "JSII_NODE": "/opt/node/bin/node"})["JSII_NODE"] == "/opt/node/bin/node"
    )


def test_this_process_runs_jsii_on_the_project_node() -> None:

    import constructs_lib  # noqa: F401  (sets JSII_NODE on import)

    assert os.environ["JSII_NODE"] == str(node_bin_dir() / "node")


def test_npm_runs_from_the_wheel_on_the_same_node() -> None:
    npm = command("npm", ["--version"])
    assert npm[0] == str(node_bin_dir() / "node")
    assert subprocess.run(npm, capture_output=True, text=True, check=True).stdout.strip()[0].isdigit()


PATHS = {"no node": "/nonexistent", "machine node": "/usr/local/bin:/usr/bin:/bin"}
"""The machine's own node (Node 20 here, past its end of life) is on the second PATH; the first
has none at all."""


@pytest.fixture(scope="module")
def jsii_runs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, subprocess.CompletedProcess[str]]:
    """A jsii construct tree with each PATH, both started at once (each starts a node of its own).

    The `constructs` package is enough: importing any jsii package starts the kernel on
    JSII_NODE, and its assembly is small. The framework's core (cdktf) ran here before; with a
    fresh HOME, jsii unpacked its assembly again each time, about 9 s for the same proof.
    """
    code = (
        "import os, constructs_lib\n"
        "from constructs import RootConstruct\n"
        "RootConstruct('app')\n"
        "print(os.environ['JSII_NODE'])"
    )
    started = {}
    for name, path in PATHS.items():
        home = tmp_path_factory.mktemp(name.replace(" ", "-"))
        started[name] = subprocess.Popen(
            [sys.executable, "-c", code],
            env={"HOME": str(home), "PATH": path, "PYTHONPATH": str(REPO_ROOT)},
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
    results = {}
    for name, process in started.items():
        out, err = process.communicate(timeout=120)
        results[name] = subprocess.CompletedProcess(process.args, process.returncode, out, err)
    return results


@pytest.mark.parametrize("path", list(PATHS))
def test_jsii_runs_on_the_project_node_whatever_node_the_path_has(jsii_runs, path: str) -> None:
    # Either way jsii starts the project's node and prints no banner.
    result = jsii_runs[path]
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == str(node_bin_dir() / "node")
    assert "end-of-life" not in result.stderr
    assert "not supported" not in result.stderr
