"""`make test` after ruff: mypy and the test suite at once, the suite's failures named last.

mypy runs in the background (a cold cache takes about 11 s here, a warm one under a second)
while pytest runs in the foreground with its usual live output. Then mypy's verdict is printed,
and, when tests failed, their names once more as the very last lines: whatever ran last, the
end of `make test` says what failed.
"""

from __future__ import annotations

import functools
import os
import shlex
import subprocess
import sys
import xml.etree.ElementTree as ElementTree
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent

SCHEMATHESIS_PLUGIN = "schemathesis.pytest.plugin"
"""Only tests/local/test_openapi.py needs it: the first pytest process, which runs no test of
tests/local, blocks it (``-p no:...``) and skips its import."""
PYTEST_PLUGINS = ["_hypothesis_pytestplugin", "syrupy", SCHEMATHESIS_PLUGIN]
"""The pytest plugins the suite loads (tests/conftest.py names them). pyproject.toml turns
autoloading off, so an installed package's plugin (anyio's, typeguard's) never joins a run
unasked, and pytest does not rewrite the assertions of those whole packages on a first run."""
REPORT = PROJECT_ROOT / ".build" / "pytest-report.xml"


def failed_tests(report: Path) -> list[str]:
    """The node ids of the failed or erroring tests in a JUnit XML report (none if unreadable)."""
    try:
        root = ElementTree.parse(report).getroot()
    except (OSError, ElementTree.ParseError):
        return []
    failed = []
    for case in root.iter("testcase"):
        if case.find("failure") is not None or case.find("error") is not None:
            module = case.get("classname", "").replace(".", "/")
            failed.append(f"{module}.py::{case.get('name', '')}" if module else case.get("name", ""))
    return failed


SIDE_PATHS: tuple[str, ...] = ("tests/verify", "tests/local", "tests/integration")
"""Test folders that need no synth, run by a second pytest process: the synth worker keeps the
second core busy for the first half of a run (its synths, then the scan) and leaves it idle for
the second, while the main process runs everything else in order. Every test that starts a local
API is here, so only this process runs a fork server (local/process.py). Measured (make bench,
the first hour): docs/performance.md. Neither process loads the provider for these."""
MYPY_NICENESS = 10
"""How far below the tests mypy runs (os.nice)."""
SIDE_REPORT = PROJECT_ROOT / ".build" / "pytest-side-report.xml"
SIDE_OUTPUT = PROJECT_ROOT / ".build" / "pytest-side.log"


def main(argv: list[str]) -> int:
    REPORT.parent.mkdir(parents=True, exist_ok=True)
    REPORT.unlink(missing_ok=True)
    SIDE_REPORT.unlink(missing_ok=True)
    # With arguments (a selection, --durations), one pytest runs them as asked.
    side_paths = () if argv else SIDE_PATHS
    side = None
    if side_paths:
        with SIDE_OUTPUT.open("w") as output:
            side = subprocess.Popen(
                [sys.executable, "-m", "pytest", "-q", f"--junitxml={SIDE_REPORT}", *side_paths],
                cwd=PROJECT_ROOT,
                stdout=output,
                stderr=subprocess.STDOUT,
            )
    mypy = subprocess.Popen(
        # MYPY_FLAGS: the Makefile's, per framework (CDK Terrain's branch of framework.py).
        [sys.executable, "-m", "mypy", *shlex.split(os.environ.get("MYPY_FLAGS", ""))],
        cwd=PROJECT_ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        # Below the tests in the CPU's queue: its verdict is read last, and a cold type check
        # (about 8 s of CPU) then fills the cores' idle moments instead of slowing the tests.
        preexec_fn=functools.partial(os.nice, MYPY_NICENESS),
    )
    ignored = [f"--ignore={path}" for path in side_paths]
    if "tests/local" in side_paths:  # Schemathesis's plugin (~0.7 s to load) serves only tests/local
        ignored += ["-p", f"no:{SCHEMATHESIS_PLUGIN}"]
    tests = subprocess.run(
        [sys.executable, "-m", "pytest", f"--junitxml={REPORT}", *ignored, *argv],
        cwd=PROJECT_ROOT,
        check=False,
    )
    side_code = 0
    if side is not None:
        side_code = side.wait()
        print(f"\n{' and '.join(side_paths)}, in a second process:", flush=True)
        print(SIDE_OUTPUT.read_text().rstrip(), flush=True)
    types_output, _ = mypy.communicate()
    print(f"mypy: {types_output.strip()}", flush=True)
    if tests.returncode != 0 or side_code != 0:
        failed = failed_tests(REPORT) + failed_tests(SIDE_REPORT)
        codes = f"{tests.returncode}" + (f" (second process {side_code})" if side is not None else "")
        print(f"make test: pytest exited {codes}; failed: {', '.join(failed) or 'see above'}")
    if mypy.returncode != 0:
        print("make test: mypy found type errors (above)")
    return 1 if tests.returncode or side_code or mypy.returncode else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
