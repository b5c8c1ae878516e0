"""Categories, handling units and the working-day calendar: reference data the platform keeps as
tables (editable, synced to the seats) and checks work orders against."""
from __future__ import annotations

from datetime import date

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncConnection

from central import db, feed
from domain.calendar import WorkCalendar
from domain.catalog import Category, CategoryTree, HandlingUnit, UnitKind


def category_row(c: Category, position: int) -> dict:
    return {"id": c.id, "parent_id": c.parent_id, "name": c.name, "position": position, "version": 1}


def unit_row(u: HandlingUnit) -> dict:
    return {"id": u.id, "name": u.name, "kind": str(u.kind), "parent_id": u.parent_id, "phone": u.phone,
            "category_prefixes": list(u.category_prefixes), "version": 1}


async def insert_categories(conn: AsyncConnection, cats: list[Category]) -> None:
    rows = [category_row(c, i) for i, c in enumerate(cats)]
    await conn.execute(db.categories.insert(), rows)
    for row in rows:
        await feed.record(conn, "category", row["id"], row)


async def insert_units(conn: AsyncConnection, units: list[HandlingUnit]) -> None:
    rows = [unit_row(u) for u in units]
    await conn.execute(db.handling_units.insert(), rows)
    for row in rows:
        await feed.record(conn, "handling_unit", row["id"], row)


async def load_tree(conn: AsyncConnection) -> CategoryTree:
    rows = (await conn.execute(select(db.categories).order_by(db.categories.c.position))).mappings().all()
    return CategoryTree([Category(r["id"], r["parent_id"], r["name"]) for r in rows])


async def is_leaf(conn: AsyncConnection, category_id: str) -> bool:
    """Whether the category exists and has no children: one indexed query (an order's create
    checks it; loading the tree each time cost a tenth of a create)."""
    c, child = db.categories, db.categories.alias("child")
    found = await conn.execute(select(c.c.id).where(
        c.c.id == category_id, ~select(child.c.id).where(child.c.parent_id == c.c.id).exists()))
    return found.first() is not None


async def load_unit(conn: AsyncConnection, unit_id: str) -> HandlingUnit | None:
    r = (await conn.execute(select(db.handling_units).where(db.handling_units.c.id == unit_id))).mappings().first()
    if r is None:
        return None
    return HandlingUnit(r["id"], r["name"], UnitKind(r["kind"]), r["parent_id"], r["phone"],
                        tuple(r["category_prefixes"]))


async def ensure_calendar(conn: AsyncConnection) -> None:
    """Seed the working-day table from chinese-calendar once; after that it is data an admin edits."""
    if (await conn.execute(select(db.calendar_days.c.day).limit(1))).first() is not None:
        return
    rows = [{"day": d.isoformat(), "workday": w} for d, w in WorkCalendar.from_library().table_rows()]
    if rows:
        await conn.execute(db.calendar_days.insert(), rows)


async def load_calendar(conn: AsyncConnection) -> WorkCalendar:
    rows = (await conn.execute(select(db.calendar_days))).mappings().all()
    return WorkCalendar.from_rows([(date.fromisoformat(r["day"]), bool(r["workday"])) for r in rows])
