"""data-api's infrastructure: one construct per concern, assembled by stack.py."""

import contextlib
import os

from constructs_lib.node import NodeError, use_project_node

# jsii runs on the project's pinned Node, never the machine's (missing, or past its end of life).
# Outside the project's venv there is none to point at, and jsii looks for a node itself.
with contextlib.suppress(NodeError):
    use_project_node(os.environ)
