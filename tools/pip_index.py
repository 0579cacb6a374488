"""Print the package index pip is configured with, for the Makefile's PIP_INDEX_URL: pip's
``global.index-url``, else its ``install.index-url``, else pip's built-in default.

The answer ``pip config get`` gives for each key in turn, in one process: three `pip` processes
took about a second here. The Makefile asks only when a recipe installs, at most once a run. It
also reads the file PIP_CONFIG_FILE names, as `pip install` does and `pip config get` does not.
Runs on the machine's Python, before any venv exists.
"""

from __future__ import annotations

import sys

KEYS = ("global.index-url", "install.index-url")


def index_url() -> str:
    from pip._internal.configuration import Configuration
    from pip._internal.exceptions import ConfigurationError
    from pip._internal.models.index import PyPI

    configuration = Configuration(isolated=False)
    configuration.load()
    for key in KEYS:
        try:
            return str(configuration.get_value(key))
        except ConfigurationError:
            continue
    return str(PyPI.simple_url)


if __name__ == "__main__":
    try:
        print(index_url())
    except ImportError:
        sys.exit(f"data-api: error: {sys.executable} has no pip to read the package index from")
