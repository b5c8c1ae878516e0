"""The shipped pinyin table (resources/pinyin/readings.json) against pypinyin itself: the committed
table as scripts/build_tables.py makes it, and the same syllables as reading pypinyin's own
dictionaries (the way textsearch did before the table) for the demo KB and pypinyin's phrases."""
from __future__ import annotations

import importlib.util
import json
import os
import random
import subprocess
import sys
from functools import lru_cache
from importlib.metadata import version
from pathlib import Path

from offline_cache import textsearch as ts

ROOT = Path(__file__).resolve().parents[2]
DEMO = ROOT / "resources" / "demo"


def build_tables_script():
    spec = importlib.util.spec_from_file_location("build_tables", ROOT / "scripts" / "build_tables.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


class PypinyinReadings:
    """Syllables straight from pypinyin's dictionaries: the reference the table must agree with."""

    def __init__(self) -> None:
        from pypinyin import Style
        from pypinyin.constants import PHRASES_DICT, PINYIN_DICT
        from pypinyin.style import convert

        @lru_cache(maxsize=None)
        def plain(reading: str) -> str:
            return convert(reading, Style.NORMAL, strict=True)

        self.plain, self.phrases = plain, PHRASES_DICT
        self.usual = {chr(code): plain(readings.split(",", 1)[0]) for code, readings in PINYIN_DICT.items()}
        self.several = {char for word, readings in PHRASES_DICT.items()
                        if 2 <= len(word) <= 3 and len(readings) == len(word)
                        for char, reading in zip(word, readings) if plain(reading[0]) != self.usual[char]}

    def syllables(self, run: str) -> list[str]:
        out = [self.usual.get(char, "") for char in run]
        for i, char in enumerate(run):
            if char in self.several:
                for start, end in ((i, i + 2), (i - 1, i + 1), (i, i + 3), (i - 2, i + 1)):
                    if start >= 0 and end <= len(run) and run[start:end] in self.phrases:
                        reading = [self.plain(r[0]) for r in self.phrases[run[start:end]]]
                        if len(reading) == end - start:
                            out[i] = reading[i - start]
                        break
        return out


def demo_texts() -> list[str]:
    texts = []
    for path in sorted(DEMO.glob("kb_part*.jsonl")):
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip():
                entry = json.loads(line)
                texts += [entry["title"], entry["answer"], *entry["keywords"]]
    return texts


def test_the_committed_table_is_what_the_script_makes() -> None:
    script = build_tables_script()
    assert ts.PINYIN_TABLE == script.PINYIN_TABLE
    assert ts.PINYIN_TABLE.read_text(encoding="utf-8") == script.render(script.pinyin_table())
    assert ts.PINYIN_TABLE.stat().st_size < 1_000_000


def test_the_source_is_read_without_loading_the_table() -> None:
    code = ("from offline_cache import textsearch\n"
            "print(textsearch.pinyin_source(), textsearch._pinyin_table.cache_info().currsize)\n")
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    assert out.stdout.split() == ["pypinyin", version("pypinyin"), "0"]
    assert ts.pinyin_source() == ts._pinyin_table()["source"]


def test_the_table_reads_as_pypinyin_does() -> None:
    reference, table = PypinyinReadings(), ts._pinyin()
    runs = [run for text in demo_texts() for run in ts._HAN_RUN.findall(text)]
    runs += [word for word in reference.phrases if 2 <= len(word) <= 4]
    rng = random.Random(3)
    several, common = sorted(reference.several), [c for c in reference.usual if "\u4e00" <= c <= "\u9fff"]
    runs += ["".join(rng.choice(several if rng.random() < 0.5 else common) for _ in range(rng.randrange(2, 9)))
             for _ in range(20_000)]
    assert len(runs) > 75_000
    wrong = [(run, table.syllables(run), reference.syllables(run)) for run in runs
             if table.syllables(run) != reference.syllables(run)]
    assert wrong == []


def test_the_workstation_never_imports_pypinyin() -> None:
    code = ("import sys\n"
            "from offline_cache import textsearch\n"
            "textsearch.warm_up()\n"
            "print(textsearch.pinyin_tokens('住房公积金'), sorted(m for m in sys.modules if 'pinyin' in m))\n")
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=60,
                         env={**os.environ, "QT_QPA_PLATFORM": "offscreen"})
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "(\"zhu'fang fang'gong gong'ji ji'jin\", 'zf fg gj jj') []"
