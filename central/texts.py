"""Agent texts (domain/texts.py): quick phrases, call scripts and form templates, kept as a table an
administrator edits through the API. Every change goes into the change feed, so every seat's cache
follows it; a new platform gets the default texts once (`ensure_defaults`), and an administrator's
deletions stay deleted."""
from __future__ import annotations

import json
import uuid
from importlib import resources
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncConnection

from central import db, feed
from central.errors import ApiError, invalid, not_found
from central.validation import Version, text
from domain import clock
from domain.texts import BODY_MAX, CATEGORY_MAX, MAX_TEXTS, REPLY, TITLE_MAX, TextKind, normal_category

ENTITY = "agent_text"
SEEDED_KEY = "agent_texts_seeded"  # meta: the defaults went in once
MAX_POSITION = 100_000
COLUMNS = ("id", "kind", "title", "body", "category", "position", "version", "updated_at", "updated_by")


class TextIn(BaseModel):
    """A text as an administrator writes it; `base_version` (on a change) is the version the change
    was made against: another administrator's change in between is a conflict (409)."""

    model_config = ConfigDict(extra="forbid")
    kind: TextKind
    title: text(1, TITLE_MAX)
    body: text(1, BODY_MAX)
    category: text(0, CATEGORY_MAX) = ""
    position: Annotated[int, Field(ge=0, le=MAX_POSITION)] = 0
    base_version: Version | None = None


def _checked(body: TextIn) -> dict:
    """The row's own fields, or a 422 naming the field: a form template needs its category, the
    others have none; the callback script must show the unit's reply."""
    category = normal_category(body.category)
    if body.kind == TextKind.form_template and not category:
        raise invalid("category", "a form template needs the category prefix it is for, e.g. 城市管理与环境/噪声污染")
    if body.kind != TextKind.form_template and category:
        raise invalid("category", "only a form template belongs to a category")
    if body.kind == TextKind.script_callback and REPLY not in body.body:
        raise invalid("body", f"the callback script must hold {REPLY}, where the handling unit's reply goes")
    return {"kind": str(body.kind), "title": body.title, "body": body.body, "category": category,
            "position": body.position}


def _row(row: object) -> dict:
    return {c: row[c] for c in COLUMNS}  # type: ignore[index]


async def list_texts(conn: AsyncConnection, kind: TextKind | None = None) -> list[dict]:
    t = db.agent_texts
    query = select(t).order_by(t.c.kind, t.c.position, t.c.id)
    if kind is not None:
        query = query.where(t.c.kind == str(kind))
    return [_row(r) for r in (await conn.execute(query)).mappings()]


async def _get(conn: AsyncConnection, text_id: str) -> dict:
    row = (await conn.execute(select(db.agent_texts).where(db.agent_texts.c.id == text_id))).mappings().first()
    if row is None:
        raise not_found("agent text", text_id)
    return _row(row)


async def create(conn: AsyncConnection, body: TextIn, username: str) -> dict:
    count = (await conn.execute(select(func.count()).select_from(db.agent_texts))).scalar_one()
    if count >= MAX_TEXTS:
        raise ApiError(409, "too_many_texts", f"the platform keeps at most {MAX_TEXTS} agent texts")
    row = {"id": uuid.uuid4().hex, **_checked(body), "version": 1, "updated_at": clock.stamp(),
           "updated_by": username}
    await conn.execute(db.agent_texts.insert().values(**row))
    await feed.record(conn, ENTITY, row["id"], row)
    return row


async def update(conn: AsyncConnection, text_id: str, body: TextIn, username: str) -> dict:
    old = await _get(conn, text_id)
    if body.base_version is not None and body.base_version != old["version"]:
        raise ApiError(409, "version_conflict", f"agent text {text_id!r} is at version {old['version']}, "
                       f"not {body.base_version}: read it again", version=old["version"])
    fields = _checked(body)
    if all(old[k] == v for k, v in fields.items()):
        return old
    row = {**old, **fields, "version": old["version"] + 1, "updated_at": clock.stamp(), "updated_by": username}
    await conn.execute(db.agent_texts.update().where(db.agent_texts.c.id == text_id).values(**row))
    await feed.record(conn, ENTITY, text_id, row)
    return row


async def delete(conn: AsyncConnection, text_id: str) -> None:
    await _get(conn, text_id)
    await conn.execute(db.agent_texts.delete().where(db.agent_texts.c.id == text_id))
    await feed.record(conn, ENTITY, text_id, None, op="delete")


def default_texts() -> list[dict]:
    """The texts a new platform starts with (resources/demo/agent_texts.json), with fixed ids."""
    data = json.loads(resources.files("resources.demo").joinpath("agent_texts.json").read_text(encoding="utf-8"))
    rows = []
    for kind in TextKind:
        for position, item in enumerate(data.get(str(kind), [])):
            title, category, body = (item[0], item[1], item[2]) if kind == TextKind.form_template \
                else (item[0], "", item[1])
            rows.append({"id": f"{kind}-{position + 1:02d}", "kind": str(kind), "title": title, "body": body,
                         "category": normal_category(category), "position": position, "version": 1})
    return rows


async def ensure_defaults(conn: AsyncConnection) -> int:
    """Put the default texts in once per platform; returns how many went in now."""
    meta = db.meta_kv
    if (await conn.execute(select(meta.c.value).where(meta.c.key == SEEDED_KEY))).first() is not None:
        return 0
    present = set((await conn.execute(select(db.agent_texts.c.id))).scalars())
    stamp = clock.stamp()
    rows = [{**r, "updated_at": stamp, "updated_by": "system"} for r in default_texts() if r["id"] not in present]
    if rows:
        await conn.execute(db.agent_texts.insert(), rows)
        await feed.record_many(conn, [{"entity": ENTITY, "entity_id": r["id"], "op": "upsert", "data": r, "at": stamp}
                                      for r in rows])
    await conn.execute(meta.insert().values(key=SEEDED_KEY, value=stamp))
    return len(rows)
