"""The function runs on every runtime the stack allows, python3.9 included: where a 3.9
interpreter is installed, run the pure rules under it (the handler needs the runtime's boto3,
so it is compiled there, not run)."""

from __future__ import annotations

import glob
import os
import shutil
import subprocess

import pytest

from constructs_lib.contract import FUNCTION_SOURCE_DIR

SMOKE = r"""
import sys
assert sys.version_info[:2] == (3, 9), sys.version
compile(open("handler.py").read(), "handler.py", "exec")
import ingest
attribute, size = ingest.to_attribute(ingest.parse_payload('{"a": [1.50, "x", null, true, {"b": 1e3}]}'))
assert attribute == {"M": {"a": {"L": [{"N": "1.50"}, {"S": "x"}, {"NULL": True}, {"BOOL": True},
                                        {"M": {"b": {"N": "1E+3"}}}]}}}, attribute
for bad in ("1E126", "[" * 33 + "]" * 33, '{"": 1}'):
    try:
        ingest.to_attribute(ingest.parse_payload(bad))
    except ingest.RequestError as error:
        assert error.status == 400
    else:
        raise AssertionError(bad)
item = ingest.build_item({"k": 1}, "dev", {"request_id": "r"}, *ingest.new_item_key())
assert item["timestamp"]["S"].endswith("+00:00")
assert ingest.respond(200, {}, "https://a.example")["headers"]["Vary"] == "Origin"
print("ok")
"""


def python39() -> str | None:
    candidates = [
        shutil.which("python3.9"),
        *sorted(glob.glob(os.path.expanduser("~/.pyenv/versions/3.9*/bin/python3.9"))),
    ]
    for candidate in filter(None, candidates):
        probe = subprocess.run(
            [candidate, "-c", "import sys; print(sys.version_info[:2] == (3, 9))"],
            capture_output=True,
            text=True,
            check=False,
        )
        if probe.stdout.strip() == "True":
            return candidate
    return None


def test_pure_rules_run_on_python39() -> None:
    interpreter = python39()
    if interpreter is None:
        pytest.skip("no python3.9 interpreter on this machine (PATH or pyenv)")
    result = subprocess.run(
        [interpreter, "-I", "-c", f"import sys; sys.path.insert(0, '.'); exec({SMOKE!r})"],
        cwd=FUNCTION_SOURCE_DIR,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
        env={**os.environ, "PYTHONDONTWRITEBYTECODE": "1"},
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "ok"
