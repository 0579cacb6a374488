"""The ingest function's code, packaged: its files staged in a folder named for their content,
then zipped once per content, byte for byte the same each time.

No framework import here: the tests and benchmarks that package the code never load the provider.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import tempfile
import zipfile
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from constructs_lib.contract import FUNCTION_SOURCE_DIR, PROJECT_ROOT, function_source_files

BUILD_DIR = PROJECT_ROOT / ".build"
ARCHIVE_NAME = "archive.zip"
ZIP_TIMESTAMP = (1980, 1, 1, 0, 0, 0)
"""Every entry's date in the function's zip (the earliest a zip can hold): the same files always
make the same bytes."""


def _code_digest(source_dir: Path, files: list[Path], generated: Mapping[str, bytes]) -> str:
    """sha256 (hex) of the function's files and generated modules: their names and contents."""
    digest = hashlib.sha256()
    for path in files:
        digest.update(path.relative_to(source_dir).as_posix().encode() + b"\0")
        digest.update(path.read_bytes() + b"\0")
    for name, content in generated.items():
        digest.update(name.encode() + b"\0" + content + b"\0")
    return digest.hexdigest()


def stage_function_code(
    source_dir: Path = FUNCTION_SOURCE_DIR,
    build_dir: Path = BUILD_DIR,
    extra_files: Mapping[str, str] | None = None,
) -> Path:
    """Copy the function's own files, and ``extra_files`` (name -> text: code synth generates),
    into a folder named for their content and return it.

    Packaging ``lambda/`` directly would also ship ``__pycache__`` left by tests, and change
    the asset hash (and so redeploy the function) whenever a test ran.
    """
    files = function_source_files(source_dir)
    generated = {name: text.encode() for name, text in sorted((extra_files or {}).items())}
    target = build_dir / f"function-{_code_digest(source_dir, files, generated)[:16]}"
    if target.is_dir():
        return target
    build_dir.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=".staging-", dir=build_dir))
    for path in files:
        destination = staging / path.relative_to(source_dir)
        destination.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, destination)
    for name, content in generated.items():
        (staging / name).write_bytes(content)
    try:
        os.rename(staging, target)
    except OSError:  # another synth staged the same content first
        shutil.rmtree(staging, ignore_errors=True)
    return target


@dataclass(frozen=True)
class FunctionPackage:
    archive: Path
    """The zip Lambda runs (``archive.zip``, in a folder of its own under .build/)."""
    digest: str
    """sha256 (hex) of the files it holds: the asset's hash, so it changes when they do."""


def package_function_code(
    source_dir: Path = FUNCTION_SOURCE_DIR,
    build_dir: Path = BUILD_DIR,
    extra_files: Mapping[str, str] | None = None,
) -> FunctionPackage:
    """The staged function (stage_function_code) zipped once per content, deterministically:
    entries sorted, each dated ZIP_TIMESTAMP with mode 0644, deflated.

    Zipped here rather than by CDKTF's ARCHIVE asset, which starts a Node.js process for every
    stack at every synth (about 0.2 s of CPU each): the app's stacks share this one file, and
    CDKTF copies it as a FILE asset.
    """
    staged = stage_function_code(source_dir, build_dir, extra_files)
    files = sorted(p for p in staged.rglob("*") if p.is_file())
    digest = _code_digest(staged, files, {})
    archive = build_dir / f"{staged.name}-zip" / ARCHIVE_NAME
    if not archive.is_file():
        archive.parent.mkdir(parents=True, exist_ok=True)
        fd, partial = tempfile.mkstemp(prefix=".zip-", dir=archive.parent)
        with os.fdopen(fd, "wb") as output, zipfile.ZipFile(output, "w") as zipped:
            for path in files:
                entry = zipfile.ZipInfo(path.relative_to(staged).as_posix(), ZIP_TIMESTAMP)
                entry.external_attr = 0o100644 << 16  # a regular file, rw-r--r--
                entry.compress_type = zipfile.ZIP_DEFLATED
                zipped.writestr(entry, path.read_bytes(), compresslevel=9)
        os.chmod(partial, 0o644)
        os.replace(partial, archive)  # atomic: a synth beside this one never reads half a zip
    return FunctionPackage(archive, digest)
