"""The shipped number-location table (resources/phone/cn_location.json) against phonenumbers itself:
the same place and carrier on a deterministic sample of mobiles and landlines across China, the
committed table as scripts/build_tables.py makes it, and the workstation free of the library's
~100 MB geodata."""
from __future__ import annotations

import importlib.util
import json
import os
import random
import subprocess
import sys
from pathlib import Path

import phonenumbers
import pytest
from phonenumbers import carrier, geocoder

from domain.phone import LOCATION_TABLE, locate, split_region

ROOT = Path(__file__).resolve().parents[2]


def build_tables_script():
    spec = importlib.util.spec_from_file_location("build_tables", ROOT / "scripts" / "build_tables.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def area_codes() -> list[str]:
    """Every possible area code with its trunk 0 (010, 02X, 0XXX), valid or not."""
    return ["010", *(f"02{d}" for d in range(10)), *(f"0{n}" for n in range(310, 1000))]


def sample() -> list[str]:
    rng = random.Random(12345)
    mobiles = [f"1{second}{third}{rng.randrange(10 ** 8):08d}" for second in "3456789" for third in "0123456789"
               for _ in range(12)]
    landlines = [f"{code}{rng.randrange(2, 10)}{rng.randrange(10 ** 7):07d}"[:len(code) + size]
                 for code in area_codes() for size in (7, 8)]
    return mobiles + landlines


def library(number: str) -> tuple[str, str, str]:
    parsed = phonenumbers.parse(number, "CN")
    return (*split_region(geocoder.description_for_number(parsed, "zh")), carrier.name_for_number(parsed, "zh"))


def test_the_sample_covers_china() -> None:
    numbers = sample()
    places = {locate(n).province for n in numbers}
    assert len(numbers) > 2000
    assert len(places - {""}) >= 31  # every province-level division of the mainland
    assert {"中国移动", "中国联通", "中国电信"} <= {locate(n).carrier for n in numbers}


@pytest.mark.parametrize("part", range(4))
def test_place_and_carrier_are_the_librarys(part: int) -> None:
    numbers = sample()[part::4]
    wrong = [(n, (info.province, info.city, info.carrier), library(n))
             for n in numbers for info in [locate(n)] if (info.province, info.city, info.carrier) != library(n)]
    assert wrong == []


@pytest.mark.parametrize(("number", "expected"), [
    ("02410012345", ("辽宁省", "沈阳市", "")),  # a prefix longer than its area code
    ("08799512345", ("云南省", "普洱市", "")),  # English only in the library for 0879 95: the area code answers
    ("19912345678", ("", "", "中国电信")),  # no place known for 199
])
def test_prefixes_longer_than_an_area_code(number: str, expected: tuple[str, str, str]) -> None:
    info = locate(number)
    assert (info.province, info.city, info.carrier) == expected == library(number)


def test_the_committed_table_is_what_the_script_makes() -> None:
    script = build_tables_script()
    assert LOCATION_TABLE == script.PHONE_TABLE
    assert LOCATION_TABLE.read_text(encoding="utf-8") == script.render(script.phone_table())
    table = json.loads(LOCATION_TABLE.read_text(encoding="utf-8"))
    assert table["source"] == f"phonenumbers {phonenumbers.__version__}"
    assert LOCATION_TABLE.stat().st_size < 2_000_000


def test_the_workstation_starts_without_phonenumbers_and_never_imports_its_geodata() -> None:
    code = ("import sys, ui.app, workstation.session\n"
            "assert 'phonenumbers' not in sys.modules  # start-up does without it\n"
            "from domain.phone import locate, warm_up\n"
            "warm_up()\n"
            "assert locate('13800138000').city == '北京市'\n"
            "heavy = sorted(m for m in sys.modules if m.startswith(('phonenumbers.geo', 'phonenumbers.carrier')))\n"
            "print(heavy)\n")
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=60,
                         env={**os.environ, "QT_QPA_PLATFORM": "offscreen"})
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "[]"
