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
category to its top-level category.
"""
from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime, time, timedelta

from sqlalchemy import TIMESTAMP, and_, case, cast, func, or_, select
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlalchemy.sql import ColumnElement

from central import catalog, db
from domain import clock
from domain.workorder import CaseKind, Satisfaction

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
    stmt = (select(o.c.handling_unit_id, o.c.category_id, *(v.label(k) for k, v in sums.items()))
            .where(or_(within(o.c.created_at), closed, reached))
            .group_by(o.c.handling_unit_id, o.c.category_id))
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


async def compute(conn: AsyncConnection, start: date, end: date) -> dict:
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
    for row in rows:
        _add(overall, row)
        if row["handling_unit_id"] is not None:
            _add(by_unit[row["handling_unit_id"]], row)
        _add(by_category[top(row["category_id"])], row)
    return {
        "from": start.isoformat(), "to": end.isoformat(),
        **order_figures(overall), **await call_figures(conn, first, after),
        "by_unit": {u: {"name": units.get(u, ""), **order_figures(c)} for u, c in sorted(by_unit.items())},
        "by_category": {k: {"name": tree.get(k).name if k in tree else "", **order_figures(c)}
                        for k, c in sorted(by_category.items())},
    }


async def hot_topics_at_end(conn: AsyncConnection, end: date) -> dict:
    """The hot topics of the last hours of the period (now, when the period runs to today)."""
    from central.hot_topics import hot_topics

    _, after = period_bounds(end, end)
    return await hot_topics(conn, min(clock.now(), clock.parse(after)))
