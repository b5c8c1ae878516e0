"""Knowledge-base import and export in JSON Lines, shared by the CLI and the HTTP API.

An import is all or nothing: every line is checked first, and one malformed line (reported with
its line number) means nothing is applied.
"""
from __future__ import annotations

import json
import uuid
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncConnection

from central import db, feed
from central.errors import ApiError, invalid
from central.security import Claims
from central.validation import (
    FIRST_POLICY_DAY,
    MAX_DEPTH,
    Version,
    check_day,
    check_int,
    first_bad_char,
    raw_json_depth,
    text,
)
from domain import clock
from domain.knowledge import (
    BOOST_MIN_USERS,
    LEXICON_EXPANSIONS_MAX,
    LEXICON_TERMS_MAX,
    LEXICON_WORD_MAX,
    KnowledgeEntry,
    boost_key,
    lexicon_line,
    lexicon_term,
    usage_key,
)

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
        if raw_json_depth(text.encode()) > MAX_DEPTH:  # before parsing: the parser recurses
            problems.append(Problem(number, f"JSON nested deeper than {MAX_DEPTH} levels"))
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
            entry = _in_range(KnowledgeEntry.from_dict(obj))
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


def _in_range(entry: KnowledgeEntry) -> KnowledgeEntry:
    """What the database can store: a 64-bit version, dates that are dates of a policy."""
    check_int("version", entry.version, 1)
    for name in ("valid_from", "valid_to"):
        if (day := getattr(entry, name)) is not None:
            try:
                check_day(day, FIRST_POLICY_DAY)
            except ValueError as exc:
                raise ValueError(f"{name}: {exc}") from None
    return entry


def _forbidden_text(obj: dict) -> str | None:
    for key, value in obj.items():
        for item in value if isinstance(value, list) else [value]:
            if isinstance(item, str) and (c := first_bad_char(item)) is not None:
                return f"{key}: contains a forbidden character U+{ord(c):04X}"
    return None


def parse_one(text: str) -> KnowledgeEntry:
    """One entry as a JSON object (the export format); ImportRefused naming the problem. A line
    break inside JSON text is whitespace (strings cannot hold a raw one)."""
    entries = parse_lines([" ".join(text.splitlines())])
    if not entries:
        raise ImportRefused([Problem(1, "expected one knowledge entry as a JSON object")])
    return entries[0]


class NotYourDepartment(Exception):
    pass


async def publish(conn: AsyncConnection, who: Claims, entry: KnowledgeEntry) -> dict:
    """A department's own entry (a unit's user: `source_department` must be its unit, and an entry
    of another department is not its to change); admin any. Returns the entry as stored."""
    t = db.kb_entries
    current = (await conn.execute(select(t).where(t.c.id == entry.id))).mappings().first()
    if who.unit_id is not None:
        own = (await conn.execute(select(db.handling_units.c.name).where(
            db.handling_units.c.id == who.unit_id))).scalar()
        if entry.source_department != own:
            raise NotYourDepartment(f"source_department must be {own!r}, the department signed in")
        if current is not None and current["source_department"] != own:
            raise NotYourDepartment(f"entry {entry.id!r} belongs to {current['source_department']!r}")
    result = await apply(conn, [entry], by=who.username, why="publish")
    row = (await conn.execute(select(t).where(t.c.id == entry.id))).mappings().one()
    if result.created or result.updated:
        await announce(conn, row, "new" if result.created else "changed")
    return {**entry_from_row(row), "updated_at": row["updated_at"]}


NOTICE_CHANGES = ("new", "changed")


async def announce(conn: AsyncConnection, entry: dict, change: str) -> None:
    """Tell every seat that an answer was published or changed (答复口径): a notice the feed
    carries, which the seats show beside the knowledge search. A retired or draft entry is not
    announced."""
    if entry["status"] != "published":
        return
    row = {"id": uuid.uuid4().hex, "entry_id": entry["id"], "entry_version": entry["version"],
           "title": entry["title"], "department": entry["source_department"] or "", "change": change,
           "valid_from": entry["valid_from"], "at": clock.stamp(), "version": 1}
    await conn.execute(db.kb_notices.insert().values(**row))
    await feed.record(conn, "kb_notice", row["id"], row)


async def expiring(conn: AsyncConnection, who: Claims, within_days: int) -> list[dict]:
    """Published entries whose validity ends within `within_days` (those of the signed-in
    department for a unit's user), soonest first: for their editors to renew or retire."""
    t = db.kb_entries
    today = clock.now().date()
    until = date.fromordinal(today.toordinal() + within_days).isoformat()
    query = select(t).where(t.c.valid_to.is_not(None), t.c.valid_to >= today.isoformat(), t.c.valid_to <= until,
                            t.c.status == "published")
    if who.unit_id is not None:
        own = (await conn.execute(select(db.handling_units.c.name).where(
            db.handling_units.c.id == who.unit_id))).scalar()
        query = query.where(t.c.source_department == own)
    rows = (await conn.execute(query.order_by(t.c.valid_to, t.c.id).limit(500))).mappings()
    return [{"id": r["id"], "title": r["title"], "valid_to": r["valid_to"], "source_department": r["source_department"],
             "version": r["version"]} for r in rows]


def _row(entry: KnowledgeEntry) -> dict:
    d = entry.to_dict()
    return {k: d[k] for k in FIELDS}


def entry_from_row(row: dict) -> dict:
    return {k: row[k] for k in FIELDS}


async def apply(conn: AsyncConnection, entries: list[KnowledgeEntry], by: str = "import",
                why: str = "import") -> ImportResult:
    """Upsert entries; a changed entry gets a version above both the file's and the stored one,
    kept in `kb_entry_versions` with who made it and why."""
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
        await conn.execute(db.kb_entry_versions.insert().values(
            entry_id=entry.id, version=row["version"], data=entry_from_row(row), changed_by=by, changed_at=now, why=why))
        await feed.record(conn, "kb_entry", entry.id, {**row})
    return result


async def versions(conn: AsyncConnection, entry_id: str) -> list[dict]:
    """The entry's versions, newest first: who changed it, when, why, and the entry as it was."""
    v = db.kb_entry_versions
    rows = (await conn.execute(select(v).where(v.c.entry_id == entry_id).order_by(v.c.version.desc()))).mappings()
    return [{"version": r["version"], "changed_by": r["changed_by"], "changed_at": r["changed_at"], "why": r["why"],
             "entry": r["data"]} for r in rows]


class Decision(BaseModel):
    model_config = ConfigDict(extra="forbid")
    decision: Literal["accept", "reject"]
    note: text(0, 2000) = ""
    answer: text(0, 5000) = ""  # the answer accepted (the proposed one when empty)


def parse_decision(payload: dict) -> Decision:
    try:
        return Decision.model_validate(payload)
    except ValidationError as exc:
        err = exc.errors()[0]
        raise invalid("payload." + ".".join(str(p) for p in err["loc"]), err["msg"]) from None


async def decide(conn: AsyncConnection, who: Claims, correction_id: str, data: Decision) -> dict:
    """Accept a correction (the entry gets the proposed or given answer as a new version, which the
    feed carries to every seat) or reject it with the reason, for the reporter to read."""
    c = db.kb_corrections
    row = (await conn.execute(select(c).where(c.c.id == correction_id))).mappings().first()
    if row is None:
        raise ApiError(404, "not_found", f"no correction {correction_id!r}")
    if row["status"] != "open":
        raise ApiError(409, "conflict", f"correction {correction_id} was {row['status']} already")
    if data.decision == "reject" and not data.note.strip():
        raise invalid("payload.note", "say why the correction is rejected")
    if data.decision == "accept":
        answer = data.answer.strip() or row["proposed_answer"].strip()
        if not answer:
            raise invalid("payload.answer", "the report proposes no answer: give the corrected answer")
        t = db.kb_entries
        current = (await conn.execute(select(t).where(t.c.id == row["entry_id"]))).mappings().one()
        entry = KnowledgeEntry.from_dict({**entry_from_row(current), "answer": answer})
        if (await apply(conn, [entry], by=who.username, why="correction")).updated:
            await announce(conn, dict((await conn.execute(select(t).where(t.c.id == entry.id))).mappings().one()),
                           "changed")
    values = {"status": "accepted" if data.decision == "accept" else "rejected", "decided_by": who.username,
              "decided_at": clock.stamp(), "decision_note": data.note.strip()}
    await conn.execute(c.update().where(c.c.id == correction_id).values(**values))
    return {**dict(row), **values}


async def reported_by(conn: AsyncConnection, username: str, limit: int = 200) -> list[dict]:
    """A reporter's own corrections with their outcome, newest first."""
    c = db.kb_corrections
    rows = (await conn.execute(_with_entry(c).where(c.c.reported_by == username)
                               .order_by(c.c.at.desc(), c.c.id.desc()).limit(limit))).mappings()
    return [dict(r) for r in rows]


async def export_lines(conn: AsyncConnection) -> Iterator[str]:
    rows = (await conn.execute(select(db.kb_entries).order_by(db.kb_entries.c.id))).mappings().all()
    return (json.dumps(entry_from_row(r), ensure_ascii=False) for r in rows)


def parse_synonyms(obj: object) -> dict[str, list[str]]:
    """{"医保": ["医疗保险"], ...}: callers' words and the formal terms the entries use (each line
    as `domain.knowledge.lexicon_line` keeps it)."""
    if not isinstance(obj, dict):
        raise ValueError("synonyms: expected a JSON object of term -> list of expansions")
    if len(obj) > LEXICON_TERMS_MAX:
        raise ValueError(f"synonyms: at most {LEXICON_TERMS_MAX} terms")
    result: dict[str, list[str]] = {}
    for term, expansions in obj.items():
        try:
            line_term, words = lexicon_line(term, expansions)
        except ValueError as exc:
            raise ValueError(f"synonyms.{str(term)[:64]}: {exc}") from None
        result[line_term] = words
    return result


class LexiconLine(BaseModel):
    model_config = ConfigDict(extra="forbid")
    expansions: list[text(0, LEXICON_WORD_MAX)] = Field(default_factory=list, max_length=LEXICON_EXPANSIONS_MAX)


def parse_lexicon(op: str, term: str | None, payload: dict) -> tuple[str, list[str]]:
    """A knowledge editor's change of one lexicon line (entity `synonym`, the term as entity id):
    `put` its expansions, or `delete` it."""
    if op not in ("put", "delete"):
        raise invalid("op", f"unknown lexicon operation {op!r}; expected put or delete")
    try:
        line = LexiconLine.model_validate(payload)
    except ValidationError as exc:
        err = exc.errors()[0]
        raise invalid("payload." + ".".join(str(p) for p in err["loc"]), err["msg"]) from None
    try:
        if op == "delete":
            return lexicon_term(term or ""), []
        return lexicon_line(term or "", line.expansions)
    except ValueError as exc:
        name = str(exc).split(":")[0]
        raise invalid("entity_id" if name == "term" else "payload.expansions", str(exc)) from None


async def change_lexicon(conn: AsyncConnection, op: str, term: str, expansions: list[str]) -> dict:
    """Put or delete one lexicon line; the feed carries it to every seat."""
    t = db.synonyms
    row = (await conn.execute(select(t).where(t.c.term == term))).mappings().first()
    if op == "delete":
        if row is not None:
            await conn.execute(t.delete().where(t.c.term == term))
            await feed.record(conn, "synonym", term, None, op="delete")
        return {"term": term, "deleted": row is not None}
    _, words = lexicon_line(term, expansions)
    if row is None and (await conn.execute(select(func.count()).select_from(t))).scalar_one() >= LEXICON_TERMS_MAX:
        raise ApiError(409, "conflict", f"the lexicon holds {LEXICON_TERMS_MAX} terms already")
    data = {"term": term, "expansions": words, "version": row["version"] + 1 if row else 1}
    if row is not None and row["expansions"] == words:
        return dict(row)
    if row is None:
        await conn.execute(t.insert().values(**data))
    else:
        await conn.execute(t.update().where(t.c.term == term).values(**data))
    await feed.record(conn, "synonym", term, data)
    return data


async def replace_synonyms(conn: AsyncConnection, mapping: dict[str, list[str]]) -> dict:
    """Make the table equal `mapping`, recording only what changed in the feed."""
    t = db.synonyms
    old = {r["term"]: r for r in (await conn.execute(select(t))).mappings()}
    counts = {"created": 0, "updated": 0, "deleted": 0, "unchanged": 0}
    for term, expansions in mapping.items():
        row = old.get(term)
        if row is not None and row["expansions"] == expansions:
            counts["unchanged"] += 1
            continue
        data = {"term": term, "expansions": expansions, "version": row["version"] + 1 if row else 1}
        if row is None:
            await conn.execute(t.insert().values(**data))
            counts["created"] += 1
        else:
            await conn.execute(t.update().where(t.c.term == term).values(**data))
            counts["updated"] += 1
        await feed.record(conn, "synonym", term, data)
    for term in old.keys() - mapping.keys():
        await conn.execute(t.delete().where(t.c.term == term))
        await feed.record(conn, "synonym", term, None, op="delete")
        counts["deleted"] += 1
    return counts


async def apply_bulk(conn: AsyncConnection, rows: list[dict]) -> None:
    """Insert new entries (already valid, with updated_at) in bulk, with their feed records: for
    generating large knowledge bases (benchmarks), not for imports."""
    await conn.execute(db.kb_entries.insert(), rows)
    at = clock.stamp()
    await feed.record_many(conn, [{"entity": "kb_entry", "entity_id": r["id"], "op": "upsert", "data": r, "at": at}
                                  for r in rows])


class Correction(BaseModel):
    """纠错: an agent's report that a knowledge entry is wrong or out of date, or an expert's proposed
    new answer after an escalation; either waits for a team lead's review."""

    model_config = ConfigDict(extra="forbid")
    entry_id: text(1, 64)
    entry_version: Version | None = None
    comment: text(1, 2000)
    proposed_answer: text(0, 5000) = ""
    escalation_id: text(1, 36) | None = None


def parse_correction(op: str, payload: dict) -> Correction:
    if op != "create":
        raise invalid("op", f"unknown correction operation {op!r}; expected create")
    try:
        return Correction.model_validate(payload)
    except ValidationError as exc:
        err = exc.errors()[0]
        raise invalid("payload." + ".".join(str(p) for p in err["loc"]), err["msg"]) from None


async def record_correction(conn: AsyncConnection, who: Claims, correction_id: str, data: Correction) -> dict:
    exists = (await conn.execute(select(db.kb_entries.c.id).where(db.kb_entries.c.id == data.entry_id))).first()
    if exists is None:
        raise invalid("payload.entry_id", f"no knowledge entry {data.entry_id!r}")
    e = db.escalations
    if data.escalation_id and (await conn.execute(select(e.c.id).where(e.c.id == data.escalation_id))).first() is None:
        raise invalid("payload.escalation_id", f"no escalation {data.escalation_id!r}")
    row = {"id": correction_id, "entry_id": data.entry_id, "entry_version": data.entry_version,
           "comment": data.comment, "reported_by": who.username, "seat": who.seat, "at": clock.stamp(),
           "status": "open", "proposed_answer": data.proposed_answer, "escalation_id": data.escalation_id}
    await conn.execute(db.kb_corrections.insert().values(**row))
    return row


async def list_corrections(conn: AsyncConnection, status: str, limit: int) -> list[dict]:
    """Corrections for review, newest first; `status` "all" or one status."""
    t = db.kb_corrections
    query = _with_entry(t) if status == "all" else _with_entry(t).where(t.c.status == status)
    rows = (await conn.execute(query.order_by(t.c.at.desc(), t.c.id.desc()).limit(limit))).mappings()
    return [dict(r) for r in rows]


def _with_entry(t):  # noqa: ANN001, ANN202 - a select of corrections
    """The corrections with their entry as it is now (title, answer, current_version): the reader needs no
    cache of its own to see what a report is about."""
    e = db.kb_entries
    return select(t, e.c.title.label("entry_title"), e.c.answer.label("entry_answer"),
                  e.c.version.label("current_version")).select_from(t.outerjoin(e, e.c.id == t.c.entry_id))


# --- learning from agents (domain/knowledge.py) --------------------------------------------------

class Usage(BaseModel):
    model_config = ConfigDict(extra="forbid")
    query: text(1, 200)
    entry_id: text(1, 64)
    action: Literal["insert", "open"]


def parse_usage(op: str, payload: dict) -> Usage:
    if op != "use":
        raise invalid("op", f"unknown knowledge usage operation {op!r}; expected use")
    try:
        return Usage.model_validate(payload)
    except ValidationError as exc:
        err = exc.errors()[0]
        raise invalid("payload." + ".".join(str(p) for p in err["loc"]), err["msg"]) from None


async def record_usage(conn: AsyncConnection, who: Claims, data: Usage) -> dict:
    """One agent used an entry after a query. Once BOOST_MIN_USERS different agents did, the pair
    goes to every seat through the feed (its weight: how many agents). A query with nothing left to
    learn (numbers only) is taken and forgotten."""
    key = usage_key(data.query)
    if key is None:
        return {"learnt": False}
    if (await conn.execute(select(db.kb_entries.c.id).where(db.kb_entries.c.id == data.entry_id))).first() is None:
        raise invalid("payload.entry_id", f"no knowledge entry {data.entry_id!r}")
    u = db.kb_usage
    await conn.execute(u.insert().values(query_key=key, entry_id=data.entry_id, user_id=who.user_id,
                                         action=data.action, at=clock.stamp()))
    users = (await conn.execute(select(func.count(func.distinct(u.c.user_id))).where(
        u.c.query_key == key, u.c.entry_id == data.entry_id))).scalar_one()
    if users < BOOST_MIN_USERS:
        return {"learnt": False}
    b = db.kb_boosts
    ident = boost_key(key, data.entry_id)
    current = (await conn.execute(select(b).where(b.c.key == ident))).mappings().first()
    if current is not None and current["weight"] == users:
        return {"learnt": True}
    row = {"key": ident, "query_key": key, "entry_id": data.entry_id, "weight": users,
           "version": (current["version"] + 1) if current else 1, "updated_at": clock.stamp()}
    if current is None:
        await conn.execute(b.insert().values(**row))
    else:
        await conn.execute(b.update().where(b.c.key == ident).values(**row))
    await feed.record(conn, "kb_boost", ident, row)
    return {"learnt": True}
