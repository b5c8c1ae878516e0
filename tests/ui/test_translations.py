"""Every string of the interface has a finished zh_CN translation, and the shipped .qm is the
compiled form of the shipped .ts (run scripts/update_translations.sh when either fails)."""
from __future__ import annotations

import re
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
TS = ROOT / "resources" / "i18n" / "hotline_zh_CN.ts"
QM = TS.with_suffix(".qm")
TOOLS = Path(sys.executable).parent  # pyside6-lupdate / -lrelease live beside the venv's python
FIX = "run scripts/update_translations.sh and translate what it reports"


def _tool(name: str) -> str:
    path = TOOLS / name
    if not path.exists():
        pytest.fail(f"{name} not found in {TOOLS}; install pyside6-essentials into this environment")
    return str(path)


def _messages(ts: Path) -> dict[tuple[str, str], str | None]:
    """(context, source) -> the translation, or None when unfinished or empty."""
    found: dict[tuple[str, str], str | None] = {}
    for context in ET.parse(ts).getroot().iter("context"):
        name = context.findtext("name", "")
        for message in context.iter("message"):
            translation = message.find("translation")
            finished = translation is not None and translation.get("type") is None and bool(translation.text)
            found[(name, message.findtext("source", ""))] = translation.text if finished else None
    return found


def test_every_source_string_has_a_finished_translation(tmp_path: Path) -> None:
    fresh = tmp_path / "fresh.ts"
    sources = sorted(str(p) for p in (ROOT / "ui").glob("*.py"))
    subprocess.run([_tool("pyside6-lupdate"), "-locations", "none", *sources, "-ts", str(fresh)],
                   check=True, capture_output=True)
    wanted = _messages(fresh)
    assert wanted, "lupdate found no strings in ui/*.py"
    shipped = _messages(TS)
    missing = [f"{context}: {source!r}" for context, source in sorted(wanted) if not shipped.get((context, source))]
    assert not missing, f"{len(missing)} string(s) without a zh_CN translation ({FIX}):\n" + "\n".join(missing)


def test_translations_keep_the_placeholders() -> None:
    wrong = [f"{source!r} -> {text!r}" for (_, source), text in _messages(TS).items()
             if text and sorted(re.findall(r"\{\w+\}", source)) != sorted(re.findall(r"\{\w+\}", text))]
    assert not wrong, "translations whose {placeholders} differ from the source:\n" + "\n".join(wrong)


def test_shipped_qm_is_the_compiled_ts(tmp_path: Path) -> None:
    fresh = tmp_path / "fresh.qm"
    subprocess.run([_tool("pyside6-lrelease"), str(TS), "-qm", str(fresh)], check=True, capture_output=True)
    assert QM.read_bytes() == fresh.read_bytes(), f"{QM.name} is older than {TS.name}: {FIX}"
