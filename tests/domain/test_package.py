from __future__ import annotations

import ast
import pathlib

import domain

DOMAIN_DIR = pathlib.Path(domain.__file__).parent
ALLOWED_THIRD_PARTY = {"phonenumbers", "chinese_calendar"}


def test_exports_resolve() -> None:
    for name in domain.__all__:
        assert getattr(domain, name) is not None


def _imported_roots(path: pathlib.Path) -> set[str]:
    roots: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            roots.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            roots.add(node.module.split(".")[0])
    return roots


def test_domain_imports_only_stdlib_and_its_two_libraries() -> None:
    import sys

    for path in DOMAIN_DIR.glob("*.py"):
        for root in _imported_roots(path) - {"__future__", "domain"}:
            assert root in sys.stdlib_module_names or root in ALLOWED_THIRD_PARTY, (path.name, root)
