"""Reads of work orders: an order's timeline, the lists the lifecycle is worked from (reviews, the
callback queue) and the progress lookup a caller may hear (R10)."""
from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncConnection

from central import db
from domain.workorder import UnitRole, UnitState, WorkOrderStatus

S = WorkOrderStatus
U = UnitState


async def timeline(conn: AsyncConnection, number: str) -> list[dict]:
    t = db.order_timeline
    rows = (await conn.execute(select(t).where(t.c.number == number).order_by(t.c.id))).mappings().all()
    return [{"at": r["at"], "actor": r["actor"], "action": r["action"], "detail": r["detail"]} for r in rows]


async def handled_by(conn: AsyncConnection, number: str, unit_id: str) -> bool:
    """Whether the unit has (or had) a part in the order."""
    t = db.order_units
    return (await conn.execute(select(t.c.id).where(t.c.number == number, t.c.unit_id == unit_id).limit(1))).first() \
        is not None


async def list_orders(conn: AsyncConnection, *, phone: str | None = None, statuses: list[str] | None = None,
                      unit_id: str | None = None, created_by: int | None = None, limit: int = 20,
                      offset: int = 0, confidential: bool = True, transfer_target: str | None = None) -> list[dict]:
    """Orders newest first, filtered; a unit's orders are those it has a live part in.
    `confidential=False` leaves out the orders of requesters who asked for confidentiality."""
    t = db.work_orders
    query = select(t)
    if phone is not None:
        query = query.where(t.c.caller_phone == phone)
    if not confidential:
        query = query.where(~t.c.confidential)
    if statuses:
        query = query.where(t.c.status.in_(statuses))
    if created_by is not None:
        query = query.where(t.c.created_by == created_by)
    if transfer_target is not None:
        query = query.where(t.c.transfer_target == transfer_target)
    if unit_id is not None:
        u = db.order_units
        query = query.where(t.c.number.in_(select(u.c.number).where(u.c.unit_id == unit_id,
                                                                     u.c.state != U.returned)))
    rows = (await conn.execute(query.order_by(t.c.created_at.desc(), t.c.number.desc())
                               .limit(limit).offset(offset))).mappings().all()
    return [dict(r) for r in rows]


async def list_by_phone(conn: AsyncConnection, phone: str, limit: int, offset: int) -> list[dict]:
    return await list_orders(conn, phone=phone, limit=limit, offset=offset)


async def list_reviews(conn: AsyncConnection, state: str | None, kind: str | None, limit: int,
                       offset: int) -> list[dict]:
    """Applications for review, oldest first (the order they are worked in), with their order."""
    r, o = db.reviews, db.work_orders
    query = (select(r, o.c.title, o.c.status.label("order_status"), o.c.urgency, o.c.category_id,
                    o.c.deadline, o.c.handling_unit_id)
             .select_from(r.join(o, o.c.number == r.c.number)))
    if state is not None:
        query = query.where(r.c.state == state)
    if kind is not None:
        query = query.where(r.c.kind == kind)
    rows = await conn.execute(query.order_by(r.c.created_at, r.c.id).limit(limit).offset(offset))
    return [dict(m) for m in rows.mappings()]


async def callback_queue(conn: AsyncConnection, limit: int, offset: int = 0) -> list[dict]:
    """Replied orders waiting for their callback, the longest waiting first."""
    t = db.work_orders
    rows = await conn.execute(select(t).where(t.c.status == S.replied)
                              .order_by(t.c.replied_at, t.c.number).limit(limit).offset(offset))
    return [dict(m) for m in rows.mappings()]


# -- progress lookup (R10): what the agent may tell a caller ---------------------------------------

PROGRESS_STEPS = {
    "create": "登记", "accept": "受理", "close_at_intake": "直接办结", "reject_at_intake": "不予受理",
    "transfer": "转办", "dispatch": "派单", "sign": "签收", "reply": "答复", "review_extension": "延期办理",
    "callback": "回访", "close": "办结", "reopen": "重新办理", "merge": "并单", "repeat_merged": "重复来电并入",
    "review_unreasonable": "办结",
}


def _step(action: str, detail: dict, names: dict[str, str]) -> dict | None:
    """One timeline row as a caller may hear it (no staff names, no internal reviews), or None."""
    if action not in PROGRESS_STEPS:
        return None
    decision = detail.get("decision")
    if action in ("review_extension", "review_unreasonable") and decision != "approve":
        return None
    if action == "create" and detail.get("status") == "accepted":
        action_zh = "受理"
    else:
        action_zh = PROGRESS_STEPS[action]
    unit = detail.get("unit_id") or (detail.get("lead") or {}).get("id") or (detail.get("target") or {}).get("id")
    step = {"step": action, "step_zh": action_zh, "unit": names.get(unit, "") if unit else ""}
    if action == "review_extension":
        step["deadline"] = detail.get("deadline")
    if action == "reply" and detail.get("role") == UnitRole.assisting:
        step["step_zh"] = "协办答复"
    if action == "merge":
        step["into"] = detail.get("into")
    return step


async def progress(conn: AsyncConnection, rows: list[dict]) -> list[dict]:
    names = dict((await conn.execute(select(db.handling_units.c.id, db.handling_units.c.name))).all())
    result = []
    for row in rows:
        steps = []
        for item in await timeline(conn, row["number"]):
            step = _step(item["action"], item["detail"] or {}, names)
            if step is not None:
                steps.append({**step, "at": item["at"]})
        answered = row["replied_at"] is not None or row["status"] == S.closed_at_intake
        result.append({
            "number": row["number"], "status": row["status"], "status_zh": WorkOrderStatus(row["status"]).label_zh,
            "title": row["title"], "created_at": row["created_at"], "deadline": row["deadline"],
            "unit": names.get(row["handling_unit_id"], "") if row["handling_unit_id"] else "",
            "merged_into": row["merged_into"], "timeline": steps,
            "reply": (row["reply"] or row["answer"]) if answered else None,
        })
    return result
