"""The package's shape: shared internals in private modules, and no overlong definitions."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import tutorial_lib

PACKAGE = Path(tutorial_lib.__file__).parent
MODULES = sorted(PACKAGE.glob("*.py"))
MAX_LINES = 120


def _tree(path: Path) -> ast.Module:
    return ast.parse(path.read_text(encoding="utf-8"), filename=str(path))


PRIVATE_MODULES = {p.stem for p in MODULES if p.stem.startswith("_") and p.stem != "__init__"}


def underscored_imports(tree: ast.Module) -> list[str]:
    """``module:name`` for every underscored name imported from a tutorial_lib module.

    A private module itself (``from . import _checks``) may be imported; its names are public.
    """
    found = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.ImportFrom):
            continue
        module = node.module or ""
        if not (node.level > 0 or module == "tutorial_lib" or module.startswith("tutorial_lib.")):
            continue
        from_package = module in ("", "tutorial_lib")  # `from . import x`: x is a module
        found += [
            f"{'.' * node.level}{module}:{alias.name}"
            for alias in node.names
            if alias.name.startswith("_")
            and not alias.name.startswith("__")
            and not (from_package and alias.name in PRIVATE_MODULES)
        ]
    return found


def _length(node: ast.AST) -> int:
    """Lines of a function; of a class, the lines outside its methods (each method counts alone)."""
    total = node.end_lineno - node.lineno + 1
    if isinstance(node, ast.ClassDef):
        methods = (ast.FunctionDef, ast.AsyncFunctionDef)
        total -= sum(m.end_lineno - m.lineno + 1 for m in node.body if isinstance(m, methods))
    return total


def long_definitions(tree: ast.Module, limit: int = MAX_LINES) -> list[str]:
    """``name (lines)`` for every function, method or class longer than ``limit`` lines.

    A class is measured without its methods, which are measured one by one: an estimator with
    many short methods is fine, one long method or a long class body is not.
    """
    kinds = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)
    return [
        f"{node.name} ({_length(node)} lines)"
        for node in ast.walk(tree)
        if isinstance(node, kinds) and _length(node) > limit
    ]


def test_the_checks_see_what_they_look_for():
    tree = ast.parse(
        "from ._checks import _as_array, check_image\n"
        "from .crop import __all__ as names\n"
        "from tutorial_lib.crop import _gather\n"
        "from numpy import _core\n"
        "from . import _checks, _no_such_module\n"
        "def f():\n" + "    x = 1\n" * MAX_LINES
    )
    assert underscored_imports(tree) == [
        "._checks:_as_array",
        "tutorial_lib.crop:_gather",
        ".:_no_such_module",
    ]
    assert long_definitions(tree) == [f"f ({MAX_LINES + 1} lines)"]
    assert long_definitions(ast.parse("def g():\n" + "    x = 1\n" * (MAX_LINES - 1))) == []
    method = "    def m(self):\n" + "        x = 1\n" * (MAX_LINES // 2)
    assert long_definitions(ast.parse("class C:\n" + method * 3)) == []
    body = "class D:\n" + "    x = 1\n" * MAX_LINES + method
    assert long_definitions(ast.parse(body)) == [f"D ({MAX_LINES + 1} lines)"]


def test_the_package_has_modules():
    assert {p.name for p in MODULES} >= {"__init__.py", "_checks.py", "crop.py", "paired.py"}


@pytest.mark.parametrize("path", MODULES, ids=lambda p: p.name)
def test_no_module_imports_another_modules_underscored_names(path):
    found = underscored_imports(_tree(path))
    assert not found, (
        f"{path.name} imports private names {found}; move what is shared into a private "
        "module (tutorial_lib/_x.py) under a public name."
    )


@pytest.mark.parametrize("path", MODULES, ids=lambda p: p.name)
def test_no_definition_is_longer_than_the_limit(path):
    found = long_definitions(_tree(path))
    assert not found, f"{path.name}: {found} longer than {MAX_LINES} lines; split them."
