"""Imports point one way: ui -> workstation -> offline_cache -> domain, and central -> domain.
Nothing below ui imports Qt widgets; the client never imports the platform, nor the reverse.
The UI reaches the cache only through workstation services (no offline_cache, no sqlite3), and no
package uses another's private (`_name`) functions, classes or attributes."""
from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ["domain", "offline_cache", "workstation", "ui", "central"]
MAY_IMPORT = {
    "domain": set(),
    "offline_cache": {"domain"},
    "workstation": {"offline_cache", "domain"},
    "ui": {"workstation", "domain", "resources"},
    "central": {"domain", "resources"},
}
QT_GUI = ("PySide6.QtWidgets", "PySide6.QtGui")
FORBIDDEN = {"ui": ("sqlite3",)}  # modules a layer may not use although they are not ours
# underscore names that are public API (namedtuple's)
PUBLIC_UNDERSCORE = {"_asdict", "_replace", "_fields", "_make", "_field_defaults"}


def imported_modules(path: Path) -> set[str]:
    return _imported(ast.parse(path.read_text(encoding="utf-8")))


def _imported(tree: ast.AST) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module)
            names.update(f"{node.module}.{a.name}" for a in node.names)
    return names


def _private(name: str) -> bool:
    return name.startswith("_") and not name.startswith("__") and name not in PUBLIC_UNDERSCORE


def foreign_privates(source: str, package: str, theirs: set[str]) -> list[str]:
    """Private names of another package this source uses: imported (`from x import _y`), or read as
    an attribute (of anything but `self`, `cls`, `super()` or a module that is not ours) when another
    package defines that name (`theirs`) and this module does not (another instance of its own class).
    Privates of the standard library and other libraries are not this rule's business."""
    tree = ast.parse(source)
    own = _defined_privates(tree)
    not_ours: set[str] = set()  # local names bound to another package of ours
    exempt: set[str] = {"self", "cls"}
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            top = node.module.split(".")[0]
            for alias in node.names:
                local = alias.asname or alias.name
                if top in PACKAGES and top != package:
                    not_ours.add(local)
                    if _private(alias.name):
                        found.append(f"imports {node.module}.{alias.name}")
                else:
                    exempt.add(local)
        elif isinstance(node, ast.Import):
            for alias in node.names:
                top = alias.name.split(".")[0]
                local = alias.asname or top
                (not_ours if top in PACKAGES and top != package else exempt).add(local)
    for node in ast.walk(tree):
        if not isinstance(node, ast.Attribute) or node.attr not in theirs or node.attr in own:
            continue
        value = node.value
        if isinstance(value, ast.Name) and value.id in exempt - not_ours:
            continue
        if isinstance(value, ast.Call) and isinstance(value.func, ast.Name) and value.func.id == "super":
            continue
        found.append(f"uses {ast.unparse(node)} (line {node.lineno})")
    return found


def _defined_privates(tree: ast.AST) -> set[str]:
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            names.add(node.name)
        elif isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
            names.add(node.id)
        elif isinstance(node, ast.Attribute) and isinstance(node.ctx, ast.Store) \
                and isinstance(node.value, ast.Name) and node.value.id in ("self", "cls"):
            names.add(node.attr)
    return {n for n in names if _private(n)}


def _sources(package: str) -> list[Path]:
    return sorted((ROOT / package).rglob("*.py"))


def test_every_package_imports_only_the_layers_below_it():
    wrong = []
    for package in PACKAGES:
        for path in _sources(package):
            for name in imported_modules(path):
                top = name.split(".")[0]
                if top in PACKAGES + ["resources"] and top != package and top not in MAY_IMPORT[package]:
                    wrong.append(f"{path.relative_to(ROOT)} imports {name}")
                if package != "ui" and name.startswith(QT_GUI):
                    wrong.append(f"{path.relative_to(ROOT)} imports {name} (widgets belong in ui/)")
                if top in FORBIDDEN.get(package, ()):
                    wrong.append(f"{path.relative_to(ROOT)} imports {name} (use a workstation service)")
    assert wrong == []


def test_no_package_uses_another_packages_private_names():
    sources = {p: [(path, path.read_text(encoding="utf-8")) for path in _sources(p)] for p in PACKAGES}
    defined = {p: set().union(*(_defined_privates(ast.parse(text)) for _, text in sources[p])) for p in PACKAGES}
    wrong = []
    for package in PACKAGES:
        theirs = set().union(*(defined[p] for p in PACKAGES if p != package))
        for path, text in sources[package]:
            wrong += [f"{path.relative_to(ROOT)} {what}" for what in foreign_privates(text, package, theirs)]
    assert wrong == []


def test_the_layer_check_sees_a_violation(tmp_path):
    bad = tmp_path / "x.py"
    bad.write_text("from central.app import create_app\nimport PySide6.QtWidgets\n", encoding="utf-8")
    assert {"central.app", "PySide6.QtWidgets"} <= imported_modules(bad)


def test_the_private_check_sees_a_violation():
    source = ("import sys\nfrom workstation.sync import _helper, LinkState\nfrom ui.page import _own\n"
              "class Page:\n"
              "    def f(self, client):\n"
              "        self._x, sys._getframe(), _own(), super()._y\n"
              "        return client._request('GET', '/x'), self._seat._store, row._asdict()\n")
    theirs = {"_request", "_store", "_getframe", "_y"}
    assert sorted(foreign_privates(source, "ui", theirs)) == [
        "imports workstation.sync._helper", "uses client._request (line 7)", "uses self._seat._store (line 7)"]
