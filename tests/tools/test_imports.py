"""Dependencies run one way: lambda/ <- the core (constructs_lib) <- main.py; the tools import
the core and client/, never one another. Read from the source, so a new import breaks this."""

from __future__ import annotations

import ast
import functools
from pathlib import Path

import pytest

from tests.conftest import REPO_ROOT

CORE = {"constructs_lib"}
SHARED = {"client"}
TOOLS = {"local", "verify", "capacity", "bench", "deploy", "tools", "security"}
PROJECT = CORE | SHARED | TOOLS | {"main", "tests"}


@functools.cache
def syntax_tree(path: Path) -> ast.Module:
    """A file's syntax tree, parsed once per session: the walks below read each project file
    many times (the jsii walk once for every module that imports it)."""
    return ast.parse(path.read_text())


def imported_packages(path: Path) -> set[str]:
    """The project's top-level packages a file imports (absolute imports; the function's own
    modules import each other by bare name, as the Lambda runtime loads them)."""
    found: set[str] = set()
    for node in ast.walk(syntax_tree(path)):
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


PROVIDER_PACKAGES = ("cdktf_cdktf_provider_aws", "cdktn_provider_aws")
"""The AWS provider's package under each framework."""
FRAMEWORK_PACKAGES = ("cdktf", "cdktn", *PROVIDER_PACKAGES)
FRAMEWORK_MODULE = REPO_ROOT / "constructs_lib" / "framework.py"


def framework_imports(path: Path) -> list[str]:
    """The CDK framework or provider modules a file imports itself."""
    names: list[str] = []
    for node in ast.walk(syntax_tree(path)):
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


JSII_PACKAGES = {"constructs", "jsii", *FRAMEWORK_PACKAGES}
"""Packages whose import starts a jsii kernel: a Node process (about 0.6 s here)."""
NO_NODE_TOOLS = ("local", "verify", "deploy", "capacity", "client", "tools")
"""Tools that never synthesize: they read the core's plain data (settings, names, alarm specs,
policies) and must not pay for a Node process to do it."""


def module_file(name: str, root: Path = REPO_ROOT) -> Path | None:
    path = root.joinpath(*name.split("."))
    for candidate in (path / "__init__.py", path.with_suffix(".py")):
        if candidate.is_file():
            return candidate
    return None


def eager_imports(path: Path, module: str) -> list[str]:
    """The modules a file imports when it is imported: its module-level imports (inside ``if``
    and ``try`` too), but not those under ``if TYPE_CHECKING`` nor inside functions."""
    names: list[str] = []
    package = module.split(".") if path.name == "__init__.py" else module.split(".")[:-1]

    def visit(body: list[ast.stmt]) -> None:
        for node in body:
            if isinstance(node, ast.Import):
                names.extend(alias.name for alias in node.names)
            elif isinstance(node, ast.ImportFrom):
                base = package[: len(package) - node.level + 1] if node.level else []
                parent = ".".join([*base, *([node.module] if node.module else [])])
                names.append(parent)
                names.extend(f"{parent}.{alias.name}" for alias in node.names)
            elif isinstance(node, ast.If) and "TYPE_CHECKING" not in ast.unparse(node.test):
                visit(node.body)
                visit(node.orelse)
            elif isinstance(node, ast.Try):
                visit([*node.body, *node.orelse, *node.finalbody])
                for handler in node.handlers:
                    visit(handler.body)

    visit(syntax_tree(path).body)
    return names


def jsii_import_chain(module: str, root: Path = REPO_ROOT) -> str | None:
    """How importing ``module`` reaches a jsii package ("constructs <- a <- module"), if it does."""
    parents: dict[str, str | None] = {module: None}
    queue = [module]
    while queue:
        current = queue.pop(0)
        path = module_file(current, root)
        for name in eager_imports(path, current) if path else []:
            parts = name.split(".")
            if parts[0] in JSII_PACKAGES:
                chain: list[str] = [name]
                step: str | None = current
                while step is not None:
                    chain.append(step)
                    step = parents[step]
                return " <- ".join(chain)
            for end in range(1, len(parts) + 1):
                prefix = ".".join(parts[:end])
                if parts[0] in PROJECT and prefix not in parents and module_file(prefix, root):
                    parents[prefix] = current
                    queue.append(prefix)
    return None


def test_the_tools_that_never_synthesize_start_no_node_process() -> None:
    modules = [
        ".".join(path.relative_to(REPO_ROOT).with_suffix("").parts).removesuffix(".__init__")
        for tool in NO_NODE_TOOLS
        for path in files_of(tool)
    ]
    assert [chain for module in modules if (chain := jsii_import_chain(module))] == []


WALKED_MODULES = {
    "__init__.py": "",
    "a.py": "def later():\n    import jsii\nfrom . import b\n",
    "b.py": "if TYPE_CHECKING:\n    import jsii\ntry:\n    import constructs\nexcept OSError:\n    raise\n",
    "c.py": "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    import cdktf\n",
}


def test_the_walk_follows_imports_to_a_jsii_package(tmp_path: Path) -> None:
    (tmp_path / "local").mkdir()
    for name, text in WALKED_MODULES.items():
        (tmp_path / "local" / name).write_text(text)
    assert jsii_import_chain("local.a", tmp_path) == "constructs <- local.b <- local.a"
    assert jsii_import_chain("local.c", tmp_path) is None
    assert jsii_import_chain("constructs_lib.alarms") == "constructs <- constructs_lib.alarms"
    assert jsii_import_chain("constructs_lib.alarm_specs") is None
