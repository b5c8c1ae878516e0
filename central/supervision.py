"""Supervision (督办) and reminders (催办): the sweep that watches handling units' deadlines and the
callbacks (回访) of replied orders, and the list a team lead or dispatcher works from.

The platform runs the sweep every minute of its scheduler's time (simulated time in a simulation). An
order gets at most one open "overdue" supervision and one open reminder at a time; both close when
the order is replied or ends (central/orders/rows.py, commit).
"""
from __future__ import annotations

import logging
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncConnection

from central import db
from central.orders.rows import add_supervision, commit
from domain import clock
from domain.calendar import WorkCalendar
from domain.workorder import ACTIVE_UNIT_STATES, CALLBACK_WORKING_DAYS, HANDLING_STATUSES, Urgency, WorkOrderStatus

log = logging.getLogger(__name__)

URGENT_NOTICE = timedelta(hours=2)
SYSTEM = "system"


def _near(calendar: WorkCalendar, now: datetime, urgency: str, deadline: datetime) -> bool:
    """Within 1 working day (urgent orders: 2 hours) of the deadline: due by the end of the next
    working day."""
    if urgency == Urgency.urgent:
        return deadline - now <= URGENT_NOTICE
    return deadline <= calendar.add_working_days(now, 1).due


async def _due_orders(conn: AsyncConnection, horizon: str) -> list[tuple[str, str, str]]:
    """(number, urgency, earliest deadline of a unit still working on it) of the orders in handling
    whose earliest deadline is before `horizon`, and of those a partner platform has not yet
    answered."""
    o, u = db.work_orders, db.order_units
    rows = await conn.execute(
        select(o.c.number, o.c.urgency, func.min(u.c.deadline))
        .select_from(u.join(o, o.c.number == u.c.number))
        .where(u.c.state.in_([str(s) for s in ACTIVE_UNIT_STATES]), o.c.status.in_([str(s) for s in HANDLING_STATUSES]),
               u.c.deadline <= horizon)
        .group_by(o.c.number, o.c.urgency).order_by(o.c.number))
    partners = await conn.execute(
        select(o.c.number, o.c.urgency, o.c.deadline)
        .where(o.c.status == str(WorkOrderStatus.partner_handling), o.c.deadline.is_not(None), o.c.deadline <= horizon)
        .order_by(o.c.number))  # a partner platform's report is due like a unit's reply
    return sorted([tuple(r) for r in rows] + [tuple(r) for r in partners])


async def _callbacks_due(conn: AsyncConnection, calendar: WorkCalendar, now: datetime) -> list[tuple[str, str]]:
    """(number, callback deadline) of the replied orders whose callback is overdue: due within
    CALLBACK_WORKING_DAYS working days of the reply."""
    o = db.work_orders
    earliest = clock.stamp(now - timedelta(days=CALLBACK_WORKING_DAYS))  # never fewer calendar days than working days
    rows = await conn.execute(select(o.c.number, o.c.replied_at).where(
        o.c.status == str(WorkOrderStatus.replied), o.c.replied_at.is_not(None), o.c.replied_at <= earliest)
        .order_by(o.c.number))
    due = []
    for number, replied_at in rows:
        deadline = calendar.add_working_days(clock.parse(replied_at), CALLBACK_WORKING_DAYS).due
        if now > deadline:
            due.append((number, clock.stamp(deadline)))
    return due


async def _open_reasons(conn: AsyncConnection, numbers: list[str]) -> dict[str, set[str]]:
    t = db.supervisions
    found: dict[str, set[str]] = {}
    for i in range(0, len(numbers), 500):
        rows = await conn.execute(select(t.c.number, t.c.reason)
                                  .where(t.c.number.in_(numbers[i:i + 500]), t.c.closed_at.is_(None)))
        for number, reason in rows:
            found.setdefault(number, set()).add(reason)
    return found


async def sweep(platform, now: datetime | None = None) -> dict:  # noqa: ANN001
    """Supervise overdue orders and remind those near their deadline, once each; return the counts."""
    now = now or clock.now()
    calendar: WorkCalendar = platform.calendar
    horizon = clock.stamp(max(calendar.add_working_days(now, 1).due, now + URGENT_NOTICE))
    made = {"overdue": 0, "near_deadline": 0, "callback_overdue": 0}
    async with platform.db.write() as conn:
        due = await _due_orders(conn, horizon)
        todo: list[tuple[str, str, str, str]] = []  # number, kind, reason, deadline
        for number, urgency, deadline in due:
            moment = clock.parse(deadline)
            if now > moment:
                todo.append((number, "supervise", "overdue", deadline))
            elif _near(calendar, now, urgency, moment):
                todo.append((number, "remind", "near_deadline", deadline))
        # a replied order's callback is owed by the centre itself: flagged when it is late
        todo += [(number, "supervise", "callback_overdue", deadline)
                 for number, deadline in await _callbacks_due(conn, calendar, now)]
        if todo:
            # lock the orders (PostgreSQL), then look at their open supervisions: two API workers
            # sweeping at once make each supervision once
            numbers = [n for n, *_ in todo]
            t = db.work_orders
            locked = {}
            for i in range(0, len(numbers), 500):
                rows = await conn.execute(select(t).where(t.c.number.in_(numbers[i:i + 500])).with_for_update())
                locked.update({r["number"]: dict(r) for r in rows.mappings()})
            open_reasons = await _open_reasons(conn, numbers)
            for number, kind, reason, deadline in todo:
                if reason in open_reasons.get(number, set()):
                    continue
                sid = await add_supervision(conn, number, kind, reason, "", SYSTEM)
                await commit(conn, SYSTEM, locked[number], {"supervised": True}, [("supervise", {
                    "kind": kind, "reason": reason, "note": "", "supervision_id": sid, "deadline": deadline})])
                made[reason] += 1
    if any(made.values()):
        platform.changed()
        log.info("supervision sweep: %d overdue, %d near their deadline, %d callbacks late", made["overdue"],
                 made["near_deadline"], made["callback_overdue"])
    return made


async def list_supervisions(conn: AsyncConnection, open_only: bool, limit: int, offset: int) -> list[dict]:
    """Supervisions newest first, each with what the order is and where it stands."""
    s, o = db.supervisions, db.work_orders
    query = (select(s, o.c.title, o.c.status, o.c.urgency, o.c.deadline, o.c.handling_unit_id)
             .select_from(s.join(o, o.c.number == s.c.number)))
    if open_only:
        query = query.where(s.c.closed_at.is_(None))
    rows = (await conn.execute(query.order_by(s.c.created_at.desc(), s.c.id.desc()).limit(limit).offset(offset)))
    return [dict(r) for r in rows.mappings()]
