"""npm and the CDKTF CLI on the project's own Node.js (see constructs_lib/node.py).

usage: python -m tools.node npm ci | python -m tools.node cdktf <args>
"""

from __future__ import annotations

import os
import subprocess
import sys

from constructs_lib.node import NodeError, cli_command, node_bin_dir, node_environment


def command(tool: str, args: list[str]) -> list[str]:
    """The command line that runs npm or the CDKTF CLI on the project's node."""
    node = str(node_bin_dir() / "node")
    if tool == "npm":
        npm = node_bin_dir().parent / "lib" / "node_modules" / "npm" / "bin" / "npm-cli.js"
        return [node, str(npm), *args]
    if tool == "cdktf":
        return cli_command(args)
    raise NodeError(f"unknown tool {tool!r}: npm or cdktf")


def main(argv: list[str]) -> int:
    if not argv:
        print("usage: python -m tools.node npm|cdktf [args...]", file=sys.stderr)
        return 2
    try:
        return subprocess.call(command(argv[0], argv[1:]), env=node_environment(os.environ))
    except NodeError as error:
        print(f"data-api: error: {error}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
