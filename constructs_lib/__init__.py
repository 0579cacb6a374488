"""data-api's infrastructure: one construct per concern, assembled by stack.py."""

import os

# jsii prints an end-of-life banner on Node 20 in every process. The variable names the one
# Node major version to stay quiet about, so a different, unsupported Node still warns.
os.environ.setdefault("JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION", "20")
