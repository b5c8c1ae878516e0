"""Generate the compact lookup tables the workstation ships instead of two heavy libraries' data.

    .venv/bin/python scripts/build_tables.py          # rewrite the tables
    .venv/bin/python scripts/build_tables.py --check  # exit 1 when a committed table is stale

- resources/phone/cn_location.json: number location (归属地) and carrier of Chinese numbers, from
  phonenumbers' geocoder and carrier data. Importing those costs ~100 MB and ~0.8 s; the table is
  < 1 MB. Both maps are cut into runs over the first DIGITS digits of the national significant
  number: `starts` (delta-encoded) and the index of each run's text, "" where the library has none.
- resources/pinyin/readings.json: what offline_cache.textsearch needs of pypinyin (~55 MB once
  imported): each character's usual toneless reading, the characters read otherwise in some two- or
  three-character word, and those words' readings.

Run it after upgrading phonenumbers or pypinyin; tests/domain/test_phone_location.py and
tests/offline_cache/test_pinyin_table.py fail while a committed table differs from what this makes.
"""
from __future__ import annotations

import argparse
import json
import sys
from importlib.metadata import version
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PHONE_TABLE = ROOT / "resources" / "phone" / "cn_location.json"
PINYIN_TABLE = ROOT / "resources" / "pinyin" / "readings.json"
DIGITS = 7  # the library's longest Chinese prefix: country code 86 + 7 digits


# --- phone --------------------------------------------------------------------------------------

def _chinese(data: dict) -> dict[str, str]:
    """National prefix -> Chinese text. Entries without Chinese are left out: for "zh" the library
    never falls back to English, it tries the next shorter prefix."""
    return {key[2:]: texts["zh"] for key, texts in data.items() if key.startswith("86") and "zh" in texts}


def prefix_runs(table: dict[str, str]) -> list[tuple[int, str]]:
    """(first DIGITS-digit prefix, text) of each run of prefixes with the same longest-prefix match."""
    assert max(map(len, table)) <= DIGITS, "a prefix longer than DIGITS: raise DIGITS"
    points = {0}
    for key in table:
        size = 10 ** (DIGITS - len(key))
        points.update((int(key) * size, int(key) * size + size))
    points.discard(10 ** DIGITS)
    runs: list[tuple[int, str]] = []
    for point in sorted(points):
        digits = f"{point:0{DIGITS}d}"
        text = next((table[digits[:n]] for n in range(DIGITS, 0, -1) if digits[:n] in table), "")
        if not runs or runs[-1][1] != text:
            runs.append((point, text))
    return runs


def _encoded(runs: list[tuple[int, str]]) -> dict:
    texts = sorted({text for _, text in runs})  # "" first
    index = {text: i for i, text in enumerate(texts)}
    starts = [b - a for (a, _), (b, _) in zip([(0, "")] + runs, runs)]
    return {"texts": texts, "starts": starts, "text_of_run": [index[text] for _, text in runs]}


def phone_table() -> dict:
    from phonenumbers.carrierdata import CARRIER_DATA
    from phonenumbers.geodata import GEOCODE_DATA

    return {"source": f"phonenumbers {version('phonenumbers')}", "digits": DIGITS,
            "location": _encoded(prefix_runs(_chinese(GEOCODE_DATA))),
            "carrier": _encoded(prefix_runs(_chinese(CARRIER_DATA)))}


# --- pinyin -------------------------------------------------------------------------------------

def pinyin_table() -> dict:
    from pypinyin import Style
    from pypinyin.constants import PHRASES_DICT, PINYIN_DICT
    from pypinyin.style import convert

    def plain(reading: str) -> str:
        return convert(reading, Style.NORMAL, strict=True)

    usual = {chr(code): plain(readings.split(",", 1)[0]) for code, readings in PINYIN_DICT.items()}
    several = set()
    for word, readings in PHRASES_DICT.items():
        if 2 <= len(word) <= 3 and len(readings) == len(word):
            several.update(char for char, reading in zip(word, readings) if plain(reading[0]) != usual[char])
    by_reading: dict[str, list[str]] = {}
    for char in sorted(usual):
        if usual[char]:  # a character without a reading is left out: it reads as ""
            by_reading.setdefault(usual[char], []).append(char)
    # textsearch looks words up only around those characters, at most three characters long
    words = {word: " ".join(plain(r[0]) for r in readings) for word, readings in sorted(PHRASES_DICT.items())
             if 2 <= len(word) <= 3 and not several.isdisjoint(word)}
    return {"source": f"pypinyin {version('pypinyin')}",
            "readings": {reading: "".join(chars) for reading, chars in sorted(by_reading.items())},
            "several": "".join(sorted(several)), "words": words}


# --- files --------------------------------------------------------------------------------------

def render(table: dict) -> str:
    """One line per top-level key (and per nested key), no spaces: small, and a diff says what moved."""
    lines = []
    for key, value in table.items():
        if isinstance(value, dict) and key != "words" and key != "readings":
            inner = ",\n".join(f"  {json.dumps(k)}:{json.dumps(v, ensure_ascii=False, separators=(',', ':'))}"
                               for k, v in value.items())
            lines.append(f"{json.dumps(key)}:{{\n{inner}\n}}")
        else:
            lines.append(f"{json.dumps(key)}:{json.dumps(value, ensure_ascii=False, separators=(',', ':'))}")
    return "{\n" + ",\n".join(lines) + "\n}\n"


TABLES = {PHONE_TABLE: phone_table, PINYIN_TABLE: pinyin_table}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="scripts/build_tables.py", description=__doc__.split("\n\n")[0])
    parser.add_argument("--check", action="store_true", help="only compare; exit 1 when a table is stale")
    args = parser.parse_args(argv)
    stale = []
    for path, build in TABLES.items():
        text = render(build())
        current = path.read_text(encoding="utf-8") if path.exists() else None
        if text == current:
            continue
        stale.append(path)
        if not args.check:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
            print(f"wrote {path.relative_to(ROOT)} ({len(text.encode()) // 1024} KiB)")
    if args.check and stale:
        print("stale: " + ", ".join(str(p.relative_to(ROOT)) for p in stale), file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
