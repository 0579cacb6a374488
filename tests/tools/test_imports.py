"""Dependencies run one way: lambda/ <- the core (constructs_lib) <- main.py; the tools import
the core and client/, never one another. Read from the source, so a new import breaks this."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from tests.conftest import REPO_ROOT

CORE = {"constructs_lib"}
SHARED = {"client"}
TOOLS = {"local", "verify", "capacity", "bench", "deploy", "tools", "security"}
PROJECT = CORE | SHARED | TOOLS | {"main", "tests"}


def imported_packages(path: Path) -> set[str]:
    """The project's top-level packages a file imports (absolute imports; the function's own
    modules import each other by bare name, as the Lambda runtime loads them)."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            found.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.add(node.module.split(".")[0])
    return found & PROJECT


def files_of(package: str) -> list[Path]:
    return sorted((REPO_ROOT / package).rglob("*.py"))


def violations(package: str, allowed: set[str]) -> list[str]:
    return [
        f"{path.relative_to(REPO_ROOT)} imports {other}"
        for path in files_of(package)
        for other in sorted(imported_packages(path) - allowed - {package})
    ]


def test_the_core_imports_no_tool_and_no_client() -> None:
    assert violations("constructs_lib", CORE) == []


def test_the_function_imports_nothing_of_the_project() -> None:
    assert [
        f"{p.name}: {sorted(imported_packages(p))}" for p in files_of("lambda") if imported_packages(p)
    ] == []


def test_the_app_imports_the_core_only() -> None:
    assert imported_packages(REPO_ROOT / "main.py") <= CORE


def test_client_imports_only_the_core() -> None:
    assert violations("client", CORE) == []


@pytest.mark.parametrize("tool", sorted(TOOLS))
def test_a_tool_imports_the_core_and_client_never_another_tool(tool: str) -> None:
    assert violations(tool, CORE | SHARED) == []


def test_the_walk_sees_a_tool_importing_another(tmp_path: Path) -> None:
    module = tmp_path / "example.py"
    module.write_text("import json\nfrom local.target import Target\nfrom constructs_lib import naming\n")
    assert imported_packages(module) == {"local", "constructs_lib"}


FRAMEWORK_PACKAGES = ("cdktf", "cdktf_cdktf_provider_aws", "cdktn", "cdktn_provider_aws")
FRAMEWORK_MODULE = REPO_ROOT / "constructs_lib" / "framework.py"


def framework_imports(path: Path) -> list[str]:
    """The CDK framework or provider modules a file imports itself."""
    names: list[str] = []
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            names.extend(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.append(node.module)
    return [n for n in names if n.split(".")[0] in FRAMEWORK_PACKAGES]


def test_only_the_framework_module_imports_cdktf_and_the_provider() -> None:
    python_files = [REPO_ROOT / "main.py", *(p for d in sorted(PROJECT - {"main"}) for p in files_of(d))]
    assert framework_imports(FRAMEWORK_MODULE), "framework.py imports the framework"
    assert [
        f"{path.relative_to(REPO_ROOT)}: {name}"
        for path in python_files
        if path != FRAMEWORK_MODULE
        for name in framework_imports(path)
    ] == []
