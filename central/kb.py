"""Knowledge-base import and export in JSON Lines, shared by the CLI and the HTTP API.

An import is all or nothing: every line is checked first, and one malformed line (reported with
its line number) means nothing is applied.
"""
from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncConnection

from central import db, feed
from central.validation import first_bad_char
from domain import clock
from domain.knowledge import KnowledgeEntry

FIELDS = ("id", "title", "answer", "category_path", "source_department", "policy_basis", "keywords",
          "valid_from", "valid_to", "version", "status")


@dataclass(frozen=True)
class Problem:
    line: int
    message: str

    def __str__(self) -> str:
        return f"line {self.line}: {self.message}"


@dataclass
class ImportResult:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    problems: list[Problem] = field(default_factory=list)

    def counts(self) -> dict:
        return {"created": self.created, "updated": self.updated, "unchanged": self.unchanged}


class ImportRefused(Exception):
    def __init__(self, problems: list[Problem]) -> None:
        super().__init__(f"{len(problems)} malformed line(s); nothing was imported")
        self.problems = problems


def parse_lines(lines: Iterable[str]) -> list[KnowledgeEntry]:
    """Parse every line; raise ImportRefused listing every problem if any line is bad."""
    entries: list[KnowledgeEntry] = []
    problems: list[Problem] = []
    first_line_of: dict[str, int] = {}
    for number, raw in enumerate(lines, start=1):
        text = raw.strip()
        if not text:
            continue
        try:
            obj = json.loads(text)
        except json.JSONDecodeError as exc:
            problems.append(Problem(number, f"not valid JSON: {exc.msg} at column {exc.colno}"))
            continue
        if not isinstance(obj, dict):
            problems.append(Problem(number, "expected a JSON object"))
            continue
        if (bad := _forbidden_text(obj)) is not None:
            problems.append(Problem(number, bad))
            continue
        try:
            entry = KnowledgeEntry.from_dict(obj)
        except (ValueError, TypeError) as exc:
            problems.append(Problem(number, str(exc)))
            continue
        if entry.id in first_line_of:
            problems.append(Problem(number, f"id: {entry.id!r} already appears on line {first_line_of[entry.id]}"))
            continue
        first_line_of[entry.id] = number
        entries.append(entry)
    if problems:
        raise ImportRefused(problems)
    return entries


def _forbidden_text(obj: dict) -> str | None:
    for key, value in obj.items():
        for item in value if isinstance(value, list) else [value]:
            if isinstance(item, str) and (c := first_bad_char(item)) is not None:
                return f"{key}: contains a forbidden character U+{ord(c):04X}"
    return None


def _row(entry: KnowledgeEntry) -> dict:
    d = entry.to_dict()
    return {k: d[k] for k in FIELDS}


def entry_from_row(row: dict) -> dict:
    return {k: row[k] for k in FIELDS}


async def apply(conn: AsyncConnection, entries: list[KnowledgeEntry]) -> ImportResult:
    """Upsert entries; a changed entry gets a version above both the file's and the stored one."""
    result = ImportResult()
    t = db.kb_entries
    ids = [e.id for e in entries]
    existing: dict[str, dict] = {}
    for start in range(0, len(ids), 500):
        chunk = ids[start:start + 500]
        for r in (await conn.execute(select(t).where(t.c.id.in_(chunk)))).mappings():
            existing[r["id"]] = dict(r)
    now = clock.stamp()
    for entry in entries:
        row = _row(entry)
        old = existing.get(entry.id)
        if old is None:
            row["updated_at"] = now
            await conn.execute(t.insert().values(**row))
            result.created += 1
        else:
            if all(row[k] == old[k] for k in FIELDS if k != "version"):
                result.unchanged += 1
                continue
            row["version"] = max(row["version"], old["version"] + 1)
            row["updated_at"] = now
            await conn.execute(t.update().where(t.c.id == entry.id).values(**row))
            result.updated += 1
        await feed.record(conn, "kb_entry", entry.id, {**row})
    return result


async def export_lines(conn: AsyncConnection) -> Iterator[str]:
    rows = (await conn.execute(select(db.kb_entries).order_by(db.kb_entries.c.id))).mappings().all()
    return (json.dumps(entry_from_row(r), ensure_ascii=False) for r in rows)
