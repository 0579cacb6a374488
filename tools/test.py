"""`make test` after ruff: mypy and the test suite at once, the suite's failures named last.

mypy runs in the background (a cold cache takes about 11 s here, a warm one under a second)
while pytest runs in the foreground with its usual live output. Then mypy's verdict is printed,
and, when tests failed, their names once more as the very last lines: whatever ran last, the
end of `make test` says what failed.
"""

from __future__ import annotations

import os
import shlex
import subprocess
import sys
import xml.etree.ElementTree as ElementTree
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
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


def main(argv: list[str]) -> int:
    REPORT.parent.mkdir(parents=True, exist_ok=True)
    REPORT.unlink(missing_ok=True)
    mypy = subprocess.Popen(
        # MYPY_FLAGS: the Makefile's, per framework (CDK Terrain's branch of framework.py).
        [sys.executable, "-m", "mypy", *shlex.split(os.environ.get("MYPY_FLAGS", ""))],
        cwd=PROJECT_ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    tests = subprocess.run(
        [sys.executable, "-m", "pytest", f"--junitxml={REPORT}", *argv], cwd=PROJECT_ROOT, check=False
    )
    types_output, _ = mypy.communicate()
    print(f"mypy: {types_output.strip()}", flush=True)
    if tests.returncode != 0:
        failed = failed_tests(REPORT)
        print(f"make test: pytest exited {tests.returncode}; failed: {', '.join(failed) or 'see above'}")
    if mypy.returncode != 0:
        print("make test: mypy found type errors (above)")
    return 1 if tests.returncode or mypy.returncode else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
