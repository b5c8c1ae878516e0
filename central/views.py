"""What each reader of the change feed and the snapshots may hold (R14, least data per seat).

- Callers go only to the roles that speak with callers or dispatch (`callers.read`), keyed by
  the keyed hash of the number (`lookup`), with the number and name masked: the seat finds a
  ringing caller's history offline by hashing the number it rings with, and reads the record
  in full from the platform (audited) when it is online.
- Work orders carry the hash (`caller_lookup`) and the masked number. The personal fields (the
  requester's name, street address and the request's own words) stay in only for the user who
  took the order (`created_by`); anyone else reads an order in full through
  `GET /work-orders/{number}`, audited.
- A handling unit gets only the orders dispatched to it, with no hash, and a confidential
  requester's number masked and name withheld; no callers at all. A partner platform (12315,
  another city's 12345) likewise gets only the orders transferred to it.
- Administrators get what a desk role gets, without callers and hashes: they take no calls.

Every caller or order a reader receives is audited, one row per record (`audited`).
"""
from __future__ import annotations

from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlalchemy.sql import ColumnElement

from central import db
from central.migrations import LOOKUP_KEY
from central.orders.rows import view as unit_view
from central.security import Claims
from domain.phone import mask_phone
from domain.privacy import lookup_hash, mask_name
from domain.roles import Role, allowed

PERSONAL = ("caller", "work_order")
WITHHELD = {"requester_name": "", "address_street": "", "address_detail": "", "content": ""}  # of orders the reader did not take


async def lookup_key(conn: AsyncConnection) -> str:
    """The platform's key of the callers' hashes (made by migration 8)."""
    return (await conn.execute(select(db.meta_kv.c.value).where(db.meta_kv.c.key == LOOKUP_KEY))).scalar_one()


class FeedView:
    """One reader's view of the feed's rows: `item` gives a row as the reader may see it, or None
    when the reader gets nothing of it."""

    def __init__(self, who: Claims, key: str) -> None:
        self.who, self.key = who, key
        self.callers = allowed(who.role, "callers.read")
        self.unit = who.unit_id if who.role == Role.unit else None
        self.partner = who.unit_id if who.role == Role.partner else None

    def item(self, entity: str, key: str, op: str, data: dict | None) -> tuple[str, dict | None] | None:
        """(the key the reader knows the row by, its data) or None."""
        if entity == "caller":
            if not self.callers:
                return None
            return lookup_hash(self.key, key), (self.caller(data) if data is not None else None)
        if entity == "work_order" and data is not None:
            order = self.order(data)
            return None if order is None else (key, order)
        if entity == "work_order" and (self.unit or self.partner) is not None:
            return None  # an order leaving the feed: the unit never knew most of them
        return key, data

    def page(self, items: list[dict]) -> tuple[list[dict], list[tuple[str, str]]]:
        """The feed's rows as the reader may see them, and the personal records among them
        (entity, key) that it receives, for the audit."""
        served, read = [], []
        for item in items:
            seen = self.item(item["entity"], item["id"], item["op"], item["data"])
            if seen is None:
                continue
            served.append({**item, "id": seen[0], "data": seen[1]})
            if seen[1] is not None and item["entity"] in PERSONAL:
                read.append((item["entity"], item["id"]))
        return served, read

    def caller(self, row: dict) -> dict:
        confidential = bool(row.get("confidential"))
        return {"lookup": lookup_hash(self.key, row["phone"]), "phone": mask_phone(row["phone"]),
                "name": "" if confidential else mask_name(row.get("name") or ""), "confidential": confidential,
                "version": row["version"], "updated_at": row["updated_at"]}

    def order(self, row: dict) -> dict | None:
        if self.unit is not None:
            return unit_view(self.who, row) if self.handles(row) else None
        if self.partner is not None:
            return unit_view(self.who, row) if row.get("transfer_target") == self.partner else None
        if row.get("created_by") == self.who.user_id:
            mine = dict(row)
        else:
            mine = {**row, **WITHHELD, "caller_phone": mask_phone(row.get("caller_phone") or "")}
        if self.callers:
            mine["caller_lookup"] = lookup_hash(self.key, row["caller_phone"])
        return mine

    def handles(self, row: dict) -> bool:
        return row.get("handling_unit_id") == self.unit or any(
            isinstance(u, dict) and u.get("unit_id") == self.unit for u in row.get("units") or ())

    def orders_filter(self) -> ColumnElement[bool] | None:
        """A unit's orders in SQL, for the snapshot: the lead unit, or any unit of a dispatch; a
        partner's: those transferred to it."""
        t, parts = db.work_orders, db.order_units
        if self.partner is not None:
            return t.c.transfer_target == self.partner
        if self.unit is None:
            return None
        return or_(t.c.handling_unit_id == self.unit,
                   t.c.number.in_(select(parts.c.number).where(parts.c.unit_id == self.unit)))

