"""A deterministic knowledge-base corpus of any size, recombined from the demo KB.

Titles, keywords and answer sentences all come from resources/demo/kb_part*.jsonl, so the text has
the character and word statistics of real hotline answers (您好, 江州市, 办理 everywhere), which is
what makes single-character search hard. The same seed and size always give the same entries.
"""
from __future__ import annotations

import json
import random
import re
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path

DEMO = Path(__file__).resolve().parent.parent / "resources" / "demo"
_SENTENCE_END = re.compile(r"(?<=[。！？；])")
# Prefixes and suffixes callers' questions get in real KBs: places, years, politeness.
_PREFIXES = ["", "", "", "", "请问", "咨询：", "市民反映：", "我想问一下，", "2026年", "2027年度", "外地人",
             "城东区", "城西区", "城南区", "城北区", "高新区", "经开区", "滨江区", "临河县", "退休人员", "个体户"]
_SUFFIXES = ["", "", "", "", "（补充口径）", "（2026版）", "需要带什么材料？", "多久能办好？", "在哪里办？",
             "能在网上办吗？", "有什么条件？", "找哪个部门？"]


def demo_entries() -> list[dict]:
    entries = []
    for path in sorted(DEMO.glob("kb_part*.jsonl")):
        with path.open(encoding="utf-8") as handle:
            entries.extend(json.loads(line) for line in handle if line.strip())
    return entries


def generate(count: int, seed: int = 12345) -> Iterator[dict]:
    """`count` entries in the KB export format; about one in 15 expired (valid_to in the past)."""
    rng = random.Random(seed)
    demo = demo_entries()
    sentences = [s for e in demo for s in _SENTENCE_END.split(e["answer"]) if s and not s.startswith("您好")]
    keywords = sorted({k for e in demo for k in e["keywords"]})
    for number in range(count):
        base = rng.choice(demo)
        title = rng.choice(_PREFIXES) + base["title"].rstrip("？?") + rng.choice(_SUFFIXES)
        if not title.endswith(("？", "）")):
            title += "？"
        own = [s for s in _SENTENCE_END.split(base["answer"]) if s]
        body = own[: rng.randint(1, len(own))] + rng.sample(sentences, rng.randint(1, 4))
        answer = "您好，" + "".join(body).removeprefix("您好，")
        words = rng.sample(base["keywords"], min(len(base["keywords"]), rng.randint(1, 3)))
        words += rng.sample(keywords, rng.randint(0, 2))
        start = date(2019, 1, 1) + timedelta(days=rng.randrange(2500))
        if rng.randrange(15) == 0:
            valid_to: str | None = (date(2020, 1, 1) + timedelta(days=rng.randrange(1500))).isoformat()
            start = min(start, date(2019, 12, 31))
        elif rng.randrange(4) == 0:
            valid_to = (date(2031, 1, 1) + timedelta(days=rng.randrange(1000))).isoformat()
        else:
            valid_to = None
        yield {
            "id": f"bench-{number:07d}",
            "title": title,
            "answer": answer,
            "category_path": list(base["category_path"]),
            "source_department": base.get("source_department", ""),
            "policy_basis": base.get("policy_basis", ""),
            "keywords": list(dict.fromkeys(words)),
            "valid_from": start.isoformat(),
            "valid_to": valid_to,
            "version": rng.randint(1, 5),
            "status": "published",
            "updated_at": f"2026-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}T08:00:00.000000+08:00",
        }
