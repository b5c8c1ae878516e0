"""Imports point one way: ui -> workstation -> offline_cache -> domain, and central -> domain.
Nothing below ui imports Qt widgets; the client never imports the platform, nor the reverse."""
from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ["domain", "offline_cache", "workstation", "ui", "central"]
MAY_IMPORT = {
    "domain": set(),
    "offline_cache": {"domain"},
    "workstation": {"offline_cache", "domain"},
    "ui": {"workstation", "offline_cache", "domain", "resources"},
    "central": {"domain", "resources"},
}
QT_GUI = ("PySide6.QtWidgets", "PySide6.QtGui")


def imported_modules(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module)
            names.update(f"{node.module}.{a.name}" for a in node.names)
    return names


def test_every_package_imports_only_the_layers_below_it():
    wrong = []
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            for name in imported_modules(path):
                top = name.split(".")[0]
                if top in PACKAGES + ["resources"] and top != package and top not in MAY_IMPORT[package]:
                    wrong.append(f"{path.relative_to(ROOT)} imports {name}")
                if package != "ui" and name.startswith(QT_GUI):
                    wrong.append(f"{path.relative_to(ROOT)} imports {name} (widgets belong in ui/)")
    assert wrong == []


def test_the_layer_check_sees_a_violation(tmp_path):
    bad = tmp_path / "x.py"
    bad.write_text("from central.app import create_app\nimport PySide6.QtWidgets\n", encoding="utf-8")
    assert {"central.app", "PySide6.QtWidgets"} <= imported_modules(bad)
