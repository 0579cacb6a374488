"""`make synth`, skipped when nothing it reads has changed since the last synth.

A stamp (a digest of every input) is written beside the output after a synth succeeds; the next
`make synth` compares and, when equal and every stack it wrote is still there, says so in one
line instead of paying the provider's load again. `cdktf synth` and `python main.py` always synthesize.
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
from collections.abc import Iterable, Mapping
from pathlib import Path

from constructs_lib.output_dir import synth_output_dir

PROJECT_ROOT = Path(__file__).resolve().parent.parent
SOURCE_DIRECTORIES = ("constructs_lib", "lambda")
"""The packages main.py imports (and the function's asset), read as they are on disk."""
SOURCE_FILES = ("main.py", "Pipfile.lock", "frameworks/cdktn/Pipfile.lock", "cdktf.json")
VARIABLE_PREFIXES = ("DATA_API_", "CDKTF_", "CDK_", "JSII_")
STAMP_NAME = ".synth-stamp.json"
DEFAULT_SETTINGS_FILE = "settings.toml"


def code_files(root: Path) -> list[Path]:
    """The code synth imports, the function's files (its asset) and the locks."""
    files = [root / name for name in SOURCE_FILES]
    for directory in SOURCE_DIRECTORIES:
        files.extend(
            p for p in sorted((root / directory).rglob("*")) if p.is_file() and "__pycache__" not in p.parts
        )
    return files


def input_files(root: Path, env: Mapping[str, str]) -> list[Path]:
    """Every file synth reads: the code it imports, the asset, the lock and the settings file."""
    files = code_files(root)
    chosen = env.get("DATA_API_SETTINGS", "")
    settings_file = Path(chosen) if chosen else root / DEFAULT_SETTINGS_FILE
    files.append(settings_file)
    files.extend(schema_files({**env, "DATA_API_SETTINGS": str(settings_file)}))
    return files


def schema_files(env: Mapping[str, str]) -> list[Path]:
    """The payload schema files the settings name (none when the settings are refused: synth
    then fails, saying why, and writes no stamp). The settings are loaded only when the file or
    a variable mentions the setting: loading them costs over a second, the stamp's whole budget."""
    import warnings

    settings_file = Path(env["DATA_API_SETTINGS"])
    try:
        mentioned = "payload_schema" in settings_file.read_text(errors="replace")
    except OSError:
        mentioned = False
    if not mentioned and not any(name.endswith("PAYLOAD_SCHEMA") for name in env):
        return []

    from constructs_lib.settings import SettingsError, load

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # synth itself says them
            resolved = load(env)
    except SettingsError:
        return []
    return sorted({Path(r.settings.payload_schema) for r in resolved if r.settings.payload_schema})


def hash_files(h: hashlib._Hash, paths: Iterable[Path]) -> None:
    """Each file's name and contents (``<missing>`` for none) into ``h``."""
    for path in paths:
        h.update(str(path).encode() + b"\0")
        h.update(path.read_bytes() if path.is_file() else b"<missing>")
        h.update(b"\0")


def hash_variables(h: hashlib._Hash, env: Mapping[str, str]) -> None:
    """Every variable synth reads (VARIABLE_PREFIXES), by name, into ``h``."""
    for name in sorted(n for n in env if n.startswith(VARIABLE_PREFIXES)):
        h.update(f"{name}={env[name]}\0".encode())


def digest(root: Path, env: Mapping[str, str]) -> str:
    """One digest of every input: file names and contents, and every variable synth reads."""
    h = hashlib.sha256()
    hash_files(h, input_files(root, env))
    hash_variables(h, env)
    return h.hexdigest()


def written_stacks(out: Path) -> list[str]:
    return sorted(p.parent.name for p in (out / "stacks").glob("*/cdk.tf.json"))


def is_current(root: Path, env: Mapping[str, str]) -> bool:
    """Whether the last synth's stamp matches these inputs and its stacks are all still there."""
    out = synth_output_dir(root, env)
    try:
        stamp = json.loads((out / STAMP_NAME).read_text())
    except (OSError, ValueError):
        return False
    return bool(stamp.get("stacks")) and stamp == {"digest": digest(root, env), "stacks": written_stacks(out)}


def write_stamp(root: Path, env: Mapping[str, str], before: str) -> None:
    """Stamp the inputs as they were when synth started (a change during synth re-synthesizes)."""
    out = synth_output_dir(root, env)
    (out / STAMP_NAME).write_text(json.dumps({"digest": before, "stacks": written_stacks(out)}))


def synth(root: Path, env: Mapping[str, str], command: Iterable[str]) -> int:
    if is_current(root, env):
        print(
            f"data-api: synth skipped: nothing it reads changed since the last synth "
            f"({synth_output_dir(root, env).name}/{STAMP_NAME}); `make clean` or `python main.py` forces one",
            file=sys.stderr,
        )
        return 0
    before = digest(root, env)
    stamp = synth_output_dir(root, env) / STAMP_NAME
    stamp.unlink(missing_ok=True)  # a failed synth never leaves a stamp that claims success
    code = subprocess.call(list(command), cwd=root, env=dict(env))
    if code == 0:
        write_stamp(root, env, before)
    return code


if __name__ == "__main__":
    sys.exit(synth(PROJECT_ROOT, os.environ, [sys.executable, str(PROJECT_ROOT / "main.py")]))
