"""The dispatch rule table (派单规则): which unit takes a category of request in a district, with
which assisting units. Kept as data in the platform's database, changed by an administrator's
import (`hotline-central dispatch-rules import FILE`), carried to every seat in the change feed
(entity `dispatch_rule`), and read by the dispatcher's workbench, the intake form and the department
simulator through one rule (domain/catalog.py `suggest_dispatch`)."""
from __future__ import annotations

import json
from importlib import resources
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncConnection

from central import catalog, db, feed
from central.errors import invalid
from domain import clock
from domain.catalog import DispatchRule, InvalidDispatchRule, dispatch_rule

MAX_RULES = 5000


def row_rule(row: dict) -> DispatchRule:
    return DispatchRule(row["district"], row["category"], row["lead"], tuple(row["assisting"] or ()), row["note"])


async def load(conn: AsyncConnection) -> list[DispatchRule]:
    rows = (await conn.execute(select(db.dispatch_rules).order_by(db.dispatch_rules.c.key))).mappings().all()
    return [row_rule(dict(r)) for r in rows]


def read_file(path: Path | None = None) -> list[dict]:
    """The rules of a JSON file ({"rules": [...]}, or the list itself); the demo's without a path."""
    text = path.read_text(encoding="utf-8") if path else \
        resources.files("resources.demo").joinpath("dispatch_rules.json").read_text(encoding="utf-8")
    data = json.loads(text)
    rules = data.get("rules") if isinstance(data, dict) else data
    if not isinstance(rules, list):
        raise invalid("rules", "expected a list of rules, or an object with one under \"rules\"")
    return rules


async def check(conn: AsyncConnection, given: list[dict]) -> list[DispatchRule]:
    """Every rule checked against the catalogue; 422 naming the first wrong one (nothing applied)."""
    if len(given) > MAX_RULES:
        raise invalid("rules", f"{len(given)} rules: at most {MAX_RULES}")
    tree = await catalog.load_tree(conn)
    paths = ["/".join(tree.path(c.id)) for c in tree.leaves()]
    ids = (await conn.execute(select(db.handling_units.c.id))).scalars().all()
    units = [await catalog.load_unit(conn, i) for i in ids]
    rules: list[DispatchRule] = []
    seen: set[str] = set()
    for i, data in enumerate(given):
        try:
            if not isinstance(data, dict):
                raise InvalidDispatchRule("expected an object")
            rule = dispatch_rule(data, units, paths)
        except InvalidDispatchRule as exc:
            raise invalid(f"rules.{i}", str(exc)) from None
        if rule.key in seen:
            raise invalid(f"rules.{i}", f"a second rule for {rule.district} {rule.category}")
        seen.add(rule.key)
        rules.append(rule)
    return rules


async def replace(conn: AsyncConnection, given: list[dict]) -> dict:
    """Make the table the rules given: new, changed and removed lines go into the feed. Returns the counts."""
    rules = await check(conn, given)
    t = db.dispatch_rules
    current = {r["key"]: dict(r) for r in (await conn.execute(select(t))).mappings()}
    now = clock.stamp()
    made = {"added": 0, "changed": 0, "removed": 0, "unchanged": 0}
    for rule in rules:
        fields = {"district": rule.district, "category": rule.category, "lead": rule.lead,
                  "assisting": list(rule.assisting), "note": rule.note}
        old = current.pop(rule.key, None)
        if old is not None and all(old[k] == v for k, v in fields.items()):
            made["unchanged"] += 1
            continue
        row = {"key": rule.key, **fields, "version": (old["version"] + 1) if old else 1, "updated_at": now}
        if old is None:
            await conn.execute(t.insert().values(**row))
            made["added"] += 1
        else:
            await conn.execute(t.update().where(t.c.key == rule.key).values(**row))
            made["changed"] += 1
        await feed.record(conn, "dispatch_rule", rule.key, row)
    for key in current:
        await conn.execute(t.delete().where(t.c.key == key))
        await feed.record(conn, "dispatch_rule", key, None, op="delete")
        made["removed"] += 1
    return made
