"""The centre's figures over a period of China dates (R20): calls answered and abandoned, handling
time, on-time closure, resolution and satisfaction, overall and per handling unit and category.

Definitions (each order counts once, by its current row):
- calls: those that arrived in the period; answered = an answer time; answered within 15 s of
  arriving; abandoned = ended never answered; handling time = ended - answered.
- orders_total: created in the period. orders_closed: status closed or closed_at_intake with its
  closing time in the period.
- on_time_close_rate: of the closed orders that had a deadline, those replied (or closed, for one
  closed without a reply) by their deadline.
- resolution_rate and satisfaction rates: over the orders whose last reached callback is in the
  period; satisfied = 非常满意, 满意 or 基本满意. satisfaction_rate counts normal orders only;
  law-enforcement and mediation orders have their own rates (R15).
A rate with nothing to count is null, not 0. Figures per unit go to the order's lead unit; per
category to its top-level category; per district to the order's district.

Each unit's handling (`by_unit[...]["handling"]`), lead and assisting parts alike (a part is one
unit's share of one dispatch of an order), over the parts dispatched before the period ends and
not replied before it starts:
- received: dispatched in the period; signed_on_time: signed within SIGN_WORKING_DAYS working days
  of the dispatch (SIGN_URGENT_HOURS hours when urgent), of those signed in the period;
- replied, replied_on_time: replied in the period, and by the part's deadline;
- overdue: parts whose deadline fell in the period and that were not replied by it;
- returns_asked, returns_refused (a return the reviewer refused: 不当退单), returns_approved,
  extensions_asked, extensions_granted: the unit's reviews asked (or decided) in the period.
An order reopened after a callback keeps its part (no new one), so it is received once.
"""
from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime, time, timedelta

from sqlalchemy import TIMESTAMP, and_, case, cast, func, or_, select
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlalchemy.sql import ColumnElement

from central import catalog, db
from domain import clock
from domain.calendar import WorkCalendar
from domain.workorder import (
    PARTNER_KINDS,
    SIGN_URGENT_HOURS,
    SIGN_WORKING_DAYS,
    CaseKind,
    Satisfaction,
    Urgency,
    WorkOrderStatus,
)

SERVICE_LEVEL_S = 15.0
SATISFIED = [str(s) for s in Satisfaction if s.is_satisfied]
CLOSED = ("closed", "closed_at_intake")
RATE_DIGITS = 4

# the order counts summed per (lead unit, category), and the rates made from them
COUNTS = ("orders_total", "orders_closed", "closed_with_deadline", "closed_on_time", "callbacks_reached",
          "resolved", *(f"reached_{k}" for k in CaseKind), *(f"satisfied_{k}" for k in CaseKind))


def period_bounds(start: date, end: date) -> tuple[str, str]:
    """[start 00:00, the day after end 00:00) in China time, as stamps (which compare as text)."""
    if end < start:
        raise ValueError(f"the period ends ({end}) before it starts ({start})")
    first = datetime.combine(start, time(), tzinfo=clock.CENTRE_TZ)
    after = datetime.combine(end + timedelta(days=1), time(), tzinfo=clock.CENTRE_TZ)
    return clock.stamp(first), clock.stamp(after)


def rate(part: int, whole: int) -> float | None:
    return round(part / whole, RATE_DIGITS) if whole else None


def _seconds(conn: AsyncConnection, start: ColumnElement, end: ColumnElement) -> ColumnElement:
    """end - start in seconds, for two stamp columns."""
    if conn.dialect.name == "postgresql":
        return func.extract("epoch", cast(end, TIMESTAMP(timezone=True)) - cast(start, TIMESTAMP(timezone=True)))
    return (func.julianday(end) - func.julianday(start)) * 86400.0


def _count(condition: ColumnElement) -> ColumnElement:
    return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)


async def call_figures(conn: AsyncConnection, first: str, after: str) -> dict:
    c = db.calls
    answered = c.c.answered_at.is_not(None)
    # julianday is a double: a millisecond of slack keeps an answer at exactly 15 s inside
    in_time = and_(answered, _seconds(conn, c.c.arrived_at, c.c.answered_at) <= SERVICE_LEVEL_S + 0.001)
    handled = and_(answered, c.c.ended_at.is_not(None))
    row = (await conn.execute(select(
        func.count(), _count(answered), _count(in_time), _count(and_(c.c.state == "ended", ~answered)),
        _count(handled), func.sum(case((handled, _seconds(conn, c.c.answered_at, c.c.ended_at)), else_=None)),
    ).where(c.c.arrived_at >= first, c.c.arrived_at < after))).one()
    arrived, answered_n, in_time_n, abandoned, handled_n, handle_s = row
    return {
        "calls_arrived": arrived, "calls_answered": answered_n, "calls_answered_15s": in_time_n,
        "calls_abandoned": abandoned,
        "answer_rate": rate(answered_n, arrived), "answered_15s_rate": rate(in_time_n, arrived),
        "abandon_rate": rate(abandoned, arrived),
        "avg_handle_s": round(float(handle_s) / handled_n, 1) if handled_n else None,
    }


async def order_counts(conn: AsyncConnection, first: str, after: str) -> list[dict]:
    """The COUNTS of every (lead unit, category) with any order created, closed or called back in the period."""
    o = db.work_orders

    def within(column: ColumnElement) -> ColumnElement:
        return and_(column >= first, column < after)

    closed = and_(o.c.status.in_(CLOSED), within(o.c.closed_at))
    with_deadline = and_(closed, o.c.deadline.is_not(None))
    on_time = and_(with_deadline, func.coalesce(o.c.replied_at, o.c.closed_at) <= o.c.deadline)
    reached = and_(o.c.satisfaction.is_not(None), within(o.c.callback_at))
    satisfied = and_(reached, o.c.satisfaction.in_(SATISFIED))
    sums = {
        "orders_total": _count(within(o.c.created_at)),
        "orders_closed": _count(closed),
        "closed_with_deadline": _count(with_deadline),
        "closed_on_time": _count(on_time),
        "callbacks_reached": _count(reached),
        "resolved": _count(and_(reached, o.c.resolved.is_(True))),
        **{f"reached_{k}": _count(and_(reached, o.c.case_kind == str(k))) for k in CaseKind},
        **{f"satisfied_{k}": _count(and_(satisfied, o.c.case_kind == str(k))) for k in CaseKind},
    }
    stmt = (select(o.c.handling_unit_id, o.c.category_id, o.c.address_district,
                   *(v.label(k) for k, v in sums.items()))
            .where(or_(within(o.c.created_at), closed, reached))
            .group_by(o.c.handling_unit_id, o.c.category_id, o.c.address_district))
    return [dict(r) for r in (await conn.execute(stmt)).mappings()]


def order_figures(counts: dict) -> dict:
    figures = {
        "orders_total": counts["orders_total"], "orders_closed": counts["orders_closed"],
        "on_time_close_rate": rate(counts["closed_on_time"], counts["closed_with_deadline"]),
        "resolution_rate": rate(counts["resolved"], counts["callbacks_reached"]),
        "satisfaction_rate": rate(counts["satisfied_normal"], counts["reached_normal"]),
        "satisfaction_rate_law_enforcement": rate(counts["satisfied_law_enforcement"],
                                                  counts["reached_law_enforcement"]),
        "satisfaction_rate_mediation": rate(counts["satisfied_mediation"], counts["reached_mediation"]),
        "callbacks_reached": counts["callbacks_reached"],
    }
    return figures


def _add(into: dict, row: dict) -> None:
    for key in COUNTS:
        into[key] += row[key]


HANDLING = ("received", "signed", "signed_on_time", "replied", "replied_on_time", "overdue", "returns_asked",
            "returns_refused", "returns_approved", "extensions_asked", "extensions_granted")


def _sign_due(calendar: WorkCalendar, dispatched: datetime, urgency: str) -> datetime:
    if urgency == Urgency.urgent:
        return dispatched + timedelta(hours=SIGN_URGENT_HOURS)
    return calendar.add_working_days(dispatched, SIGN_WORKING_DAYS).due


async def handling_counts(conn: AsyncConnection, calendar: WorkCalendar, first: str, after: str,
                          now: datetime) -> dict[str, dict]:
    """Each unit's HANDLING counts over the period (lead and assisting parts alike)."""
    u, o, r = db.order_units, db.work_orders, db.reviews
    counts: dict[str, dict] = defaultdict(lambda: dict.fromkeys(HANDLING, 0))
    horizon = min(clock.stamp(now), after)  # a deadline still ahead is not missed yet
    rows = await conn.execute(
        select(u.c.unit_id, u.c.dispatched_at, u.c.signed_at, u.c.replied_at, u.c.deadline, o.c.urgency)
        .select_from(u.join(o, o.c.number == u.c.number))
        .where(u.c.dispatched_at < after, or_(u.c.replied_at.is_(None), u.c.replied_at >= first)))
    for unit_id, dispatched_at, signed_at, replied_at, deadline, urgency in rows:
        c = counts[unit_id]
        c["received"] += first <= dispatched_at < after
        if signed_at is not None and first <= signed_at < after:
            c["signed"] += 1
            c["signed_on_time"] += clock.parse(signed_at) <= _sign_due(calendar, clock.parse(dispatched_at), urgency)
        if replied_at is not None and first <= replied_at < after:
            c["replied"] += 1
            c["replied_on_time"] += replied_at <= deadline
        if first <= deadline < horizon and (replied_at is None or replied_at > deadline):
            c["overdue"] += 1
    asked = await conn.execute(select(r.c.unit_id, r.c.kind, r.c.state, r.c.created_at, r.c.decided_at)
                               .where(r.c.unit_id.is_not(None), r.c.kind.in_(("return", "extension")),
                                      or_(and_(r.c.created_at >= first, r.c.created_at < after),
                                          and_(r.c.decided_at >= first, r.c.decided_at < after))))
    for unit_id, kind, state, created_at, decided_at in asked:
        c = counts[unit_id]
        plural = "returns" if kind == "return" else "extensions"
        if first <= created_at < after:
            c[f"{plural}_asked"] += 1
        if decided_at is not None and first <= decided_at < after:
            if kind == "return" and state in ("approved", "refused"):
                c[f"returns_{state}"] += 1
            elif kind == "extension" and state == "approved":
                c["extensions_granted"] += 1
    return counts


PARTNER_COUNTS = ("received", "replied", "replied_on_time", "sent_back", "overdue")


async def partner_counts(conn: AsyncConnection, first: str, after: str, now: datetime) -> dict[str, dict]:
    """Each partner platform's PARTNER_COUNTS over the period (flow-back): the orders transferred to
    it, its results (on time: by the order's deadline), the orders it sent back, and those it holds
    past their deadline."""
    t, o, u = db.order_timeline, db.work_orders, db.handling_units
    partners = select(u.c.id).where(u.c.kind.in_(sorted(PARTNER_KINDS)))
    counts: dict[str, dict] = defaultdict(lambda: dict.fromkeys(PARTNER_COUNTS, 0))
    rows = await conn.execute(
        select(t.c.action, t.c.at, o.c.transfer_target, o.c.deadline).select_from(t.join(o, o.c.number == t.c.number))
        .where(o.c.transfer_target.in_(partners), t.c.action.in_(("transfer", "partner_reply", "partner_return")),
               t.c.at >= first, t.c.at < after))
    for action, at, target, deadline in rows:
        c = counts[target]
        if action == "transfer":
            c["received"] += 1
        elif action == "partner_reply":
            c["replied"] += 1
            c["replied_on_time"] += deadline is None or at <= deadline
        else:
            c["sent_back"] += 1
    horizon = min(clock.stamp(now), after)
    late = await conn.execute(select(o.c.transfer_target, func.count()).where(
        o.c.status == str(WorkOrderStatus.partner_handling), o.c.deadline >= first, o.c.deadline < horizon)
        .group_by(o.c.transfer_target))
    for target, n in late:
        counts[target]["overdue"] += n
    return counts


def handling_figures(c: dict) -> dict:
    return {**c, "signed_on_time_rate": rate(c["signed_on_time"], c["signed"]),
            "replied_on_time_rate": rate(c["replied_on_time"], c["replied"]),
            "improper_return_rate": rate(c["returns_refused"], c["returns_refused"] + c["returns_approved"])}


async def compute(conn: AsyncConnection, start: date, end: date, calendar: WorkCalendar | None = None) -> dict:
    """The figures of the days start..end (China dates, both included), as one JSON-ready object."""
    first, after = period_bounds(start, end)
    rows = await order_counts(conn, first, after)
    tree = await catalog.load_tree(conn)
    units = dict((await conn.execute(select(db.handling_units.c.id, db.handling_units.c.name))).all())

    def top(category_id: str) -> str:
        if category_id not in tree:
            return category_id
        while (parent := tree.get(category_id).parent_id) is not None:
            category_id = parent
        return category_id

    overall: dict = dict.fromkeys(COUNTS, 0)
    by_unit: dict[str, dict] = defaultdict(lambda: dict.fromkeys(COUNTS, 0))
    by_category: dict[str, dict] = defaultdict(lambda: dict.fromkeys(COUNTS, 0))
    by_district: dict[str, dict] = defaultdict(lambda: dict.fromkeys(COUNTS, 0))
    for row in rows:
        _add(overall, row)
        if row["handling_unit_id"] is not None:
            _add(by_unit[row["handling_unit_id"]], row)
        _add(by_category[top(row["category_id"])], row)
        _add(by_district[row["address_district"] or ""], row)
    calendar = calendar or await catalog.load_calendar(conn)
    handling = await handling_counts(conn, calendar, first, after, clock.now())
    for unit_id in handling:
        by_unit[unit_id]  # noqa: B018 - an assisting unit has a row of its own too
    partners = await partner_counts(conn, first, after, clock.now())
    return {
        "from": start.isoformat(), "to": end.isoformat(),
        **order_figures(overall), **await call_figures(conn, first, after),
        "by_unit": {u: {"name": units.get(u, ""), **order_figures(c),
                        "handling": handling_figures(handling.get(u) or dict.fromkeys(HANDLING, 0))}
                    for u, c in sorted(by_unit.items())},
        "by_partner": {p: {"name": units.get(p, ""), **c, "replied_on_time_rate": rate(c["replied_on_time"], c["replied"])}
                       for p, c in sorted(partners.items())},
        "by_district": {d: order_figures(c) for d, c in sorted(by_district.items())},
        "by_category": {k: {"name": tree.get(k).name if k in tree else "", **order_figures(c)}
                        for k, c in sorted(by_category.items())},
    }


async def hot_topics_at_end(conn: AsyncConnection, end: date) -> dict:
    """The hot topics of the last hours of the period (now, when the period runs to today)."""
    from central.hot_topics import hot_topics

    _, after = period_bounds(end, end)
    return await hot_topics(conn, min(clock.now(), clock.parse(after)))
