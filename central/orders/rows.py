"""An order's row and the one way it changes: `commit` writes the new version, its timeline steps
and the feed change together. Also the handling units' parts (order_units) and the supervision
records the operations keep."""
from __future__ import annotations

from sqlalchemy import func, or_, select
from sqlalchemy.ext.asyncio import AsyncConnection

from central import db, feed
from central.errors import ApiError
from central.security import Claims
from domain import clock
from domain.calendar import Deadline
from domain.phone import mask_phone
from domain.roles import UNIT_ROLES, Role
from domain.workorder import TERMINAL_STATUSES, IllegalTransition, UnitState, WorkOrderStatus, check_transition

S = WorkOrderStatus
U = UnitState


def conflict(code: str, message: str, current: dict | None = None) -> ApiError:
    return ApiError(409, code, message, **({"current": current} if current is not None else {}))


def move(current: dict, target: WorkOrderStatus) -> None:
    try:
        check_transition(WorkOrderStatus(current["status"]), target)
    except IllegalTransition as exc:
        raise conflict("illegal_transition", str(exc), current) from None


CONFIDENTIAL_NAME = "（保密）"  # shown instead of a confidential requester's name


def view(who: Claims, row: dict) -> dict:
    """The order as `who` may see it: handling units and partners do not see who a confidential
    requester is."""
    if who.role in UNIT_ROLES and row.get("confidential"):
        return {**row, "caller_phone": mask_phone(row["caller_phone"]), "requester_name": CONFIDENTIAL_NAME}
    return row


async def find(conn: AsyncConnection, key: str, lock: bool = False) -> dict | None:
    """An order by its platform number or by the provisional number a seat gave it offline.
    lock: hold the row until the transaction ends (PostgreSQL; SQLite has one writer anyway), so
    that two changes of one order at once apply one after the other."""
    t = db.work_orders
    query = select(t).where(or_(t.c.number == key, t.c.client_ref == key))
    if lock:
        query = query.with_for_update()
    row = (await conn.execute(query)).mappings().first()
    return dict(row) if row else None


async def write_step(conn: AsyncConnection, number: str, actor: str, action: str, detail: dict) -> None:
    await conn.execute(db.order_timeline.insert().values(
        number=number, at=clock.stamp(), actor=actor, action=action, detail=detail))


async def save(conn: AsyncConnection, row: dict) -> dict:
    await feed.record(conn, "work_order", row["number"], row)
    return row


# An order in one of these no longer needs supervising: its open supervisions close.
ANSWERED_STATUSES = TERMINAL_STATUSES | {S.replied}


async def commit(conn: AsyncConnection, actor: str, current: dict, changes: dict,
                 steps: list[tuple[str, dict]]) -> dict:
    """Write the changed order (one version up), its timeline steps and the feed change."""
    row = {**current, **changes, "updated_at": clock.stamp(), "version": current["version"] + 1}
    # a supervision ends with what it watched: the units' work (the order answered or ended), or the
    # callback of a replied order (the order closed or reopened)
    if row["status"] != current["status"] and current["supervised"] \
            and (row["status"] in ANSWERED_STATUSES or current["status"] == S.replied):
        await _close_supervisions(conn, current["number"])
        row["supervised"] = False
    await conn.execute(db.work_orders.update().where(db.work_orders.c.number == current["number"]).values(**row))
    for action, detail in steps:
        await write_step(conn, current["number"], actor, action, detail)
    return await save(conn, row)


# -- handling units' parts (order_units) ---------------------------------------------------------

async def unit_rows(conn: AsyncConnection, number: str) -> list[dict]:
    """The units of the order's latest dispatch, lead first."""
    t = db.order_units
    latest = select(func.max(t.c.dispatch_round)).where(t.c.number == number).scalar_subquery()
    rows = (await conn.execute(select(t).where(t.c.number == number, t.c.dispatch_round == latest)
                               .order_by(t.c.id))).mappings().all()
    return [dict(r) for r in rows]


def units_summary(rows: list[dict]) -> list[dict]:
    return [{"unit_id": r["unit_id"], "role": r["role"], "state": r["state"], "deadline": r["deadline"]}
            for r in rows]


async def put_unit(conn: AsyncConnection, row: dict, **changes: object) -> None:
    row.update(changes)
    await conn.execute(db.order_units.update().where(db.order_units.c.id == row["id"]).values(**changes))


def acting_for(who: Claims, unit_id: str) -> None:
    if who.role == Role.unit and who.unit_id != unit_id:
        raise ApiError(403, "forbidden", "a handling unit's user may act only for that unit")


def part_of(rows: list[dict], unit_id: str, current: dict) -> dict:
    for r in rows:
        if r["unit_id"] == unit_id and r["state"] != U.returned:
            return r
    raise conflict("not_assigned", f"unit {unit_id!r} does not handle order {current['number']}", current)


def unit_in(part: dict, states: set[UnitState], op: str, current: dict) -> None:
    if part["state"] not in states:
        raise conflict("illegal_transition", f"{op} needs the unit's part in {' or '.join(sorted(states))}; "
                       f"unit {part['unit_id']} is {part['state']}", current)


def deadline_fields(due: Deadline) -> dict:
    return {"deadline": clock.stamp(due.due), "deadline_provisional": due.provisional}


# -- supervision records (the sweep is in central/supervision.py) --------------------------------

async def add_supervision(conn: AsyncConnection, number: str, kind: str, reason: str, note: str,
                          created_by: str) -> int:
    result = await conn.execute(db.supervisions.insert().values(
        number=number, kind=kind, reason=reason, note=note, created_by=created_by, created_at=clock.stamp(),
        closed_at=None).returning(db.supervisions.c.id))
    return int(result.scalar_one())


async def _close_supervisions(conn: AsyncConnection, number: str) -> None:
    t = db.supervisions
    await conn.execute(t.update().where(t.c.number == number, t.c.closed_at.is_(None)).values(closed_at=clock.stamp()))
