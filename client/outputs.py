"""The outputs file `make deploy` writes: {"<stack>": {"<output>": value}}."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

BUILD_DIR = Path(__file__).resolve().parent.parent / ".build"
"""Where `make deploy` writes an environment's outputs (git-ignored)."""


def outputs_file(environment: str, build_dir: Path = BUILD_DIR) -> Path:
    """The file `make deploy ENV=<environment>` writes and `make verify ENV=<environment>` reads."""
    return build_dir / f"outputs-{environment}.json"


class OutputsError(Exception):
    """The outputs file cannot be read; the message names it and says why."""


def read_outputs_file(path: str) -> dict[str, dict[str, Any]]:
    """The stacks of an outputs file (`make deploy`, or `cdktf deploy --outputs-file`)."""
    try:
        document = json.loads(Path(path).read_text())
    except FileNotFoundError:
        raise OutputsError(f"DATA_API_OUTPUTS={path}: no such file") from None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
        raise OutputsError(f"DATA_API_OUTPUTS={path} is not a JSON outputs file ({error})") from None
    if not isinstance(document, dict):
        return {}
    return {name: value for name, value in document.items() if isinstance(value, dict)}
