"""The function's zip (constructs_lib/function_package.py): its files, the same bytes every time,
and a new hash when any file changes. test_stack_function.py checks the synthesized asset is it."""

from __future__ import annotations

import shutil
import stat
import zipfile
from pathlib import Path

from constructs_lib.contract import FUNCTION_SOURCE_DIR, function_source_files
from constructs_lib.function_package import ARCHIVE_NAME, ZIP_TIMESTAMP, package_function_code

GENERATED = {"payload_validator.py": "def validate(data):\n    return data\n"}


def test_the_zip_holds_the_function_files_and_the_generated_ones(tmp_path: Path) -> None:
    package = package_function_code(build_dir=tmp_path, extra_files=GENERATED)
    assert package.archive.name == ARCHIVE_NAME
    with zipfile.ZipFile(package.archive) as zipped:
        expected = {p.relative_to(FUNCTION_SOURCE_DIR).as_posix() for p in function_source_files()}
        assert set(zipped.namelist()) == expected | set(GENERATED)
        assert zipped.read("handler.py") == (FUNCTION_SOURCE_DIR / "handler.py").read_bytes()
        assert zipped.read("payload_validator.py").decode() == GENERATED["payload_validator.py"]
        for entry in zipped.infolist():
            assert entry.date_time == ZIP_TIMESTAMP
            assert entry.compress_type == zipfile.ZIP_DEFLATED
            mode = entry.external_attr >> 16
            assert stat.S_ISREG(mode), entry.filename
            assert stat.S_IMODE(mode) == 0o644, entry.filename


def test_the_same_files_make_the_same_bytes(tmp_path: Path) -> None:
    first = package_function_code(build_dir=tmp_path / "one", extra_files=GENERATED)
    second = package_function_code(build_dir=tmp_path / "two", extra_files=GENERATED)
    assert first.archive != second.archive
    assert first.archive.read_bytes() == second.archive.read_bytes()
    assert first.digest == second.digest
    # Packaging again finds the zip already there.
    again = package_function_code(build_dir=tmp_path / "one", extra_files=GENERATED)
    assert again == first


def test_any_changed_file_changes_the_hash_and_the_zip(tmp_path: Path) -> None:
    source = tmp_path / "lambda"
    shutil.copytree(FUNCTION_SOURCE_DIR, source, ignore=shutil.ignore_patterns("__pycache__"))
    before = package_function_code(source, tmp_path / "build")
    handler = source / "handler.py"
    handler.write_text(handler.read_text() + "\n# changed\n")
    after = package_function_code(source, tmp_path / "build")
    assert after.digest != before.digest
    assert after.archive != before.archive
    with zipfile.ZipFile(after.archive) as zipped:
        assert zipped.read("handler.py").endswith(b"# changed\n")
    generated = package_function_code(source, tmp_path / "build", extra_files=GENERATED)
    assert generated.digest not in (before.digest, after.digest)
