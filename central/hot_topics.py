"""Hot topics on the platform (domain/hot_topics.py says how a surge is found): the requests of the
last hours counted per category and per category in a district, against the same hours of the
previous days; each surge with the orders behind it, for team leads and dispatchers
(`GET /api/v1/metrics/hot-topics`, `hotline-central metrics --json` key `hot_topics`)."""
from __future__ import annotations

from collections import Counter, defaultdict
from datetime import datetime, timedelta

from sqlalchemy import and_, func, select
from sqlalchemy.ext.asyncio import AsyncConnection

from central import catalog, db
from domain import clock
from domain.hot_topics import ALPHA, DAYS_DEFAULT, HOURS_DEFAULT, MIN_COUNT, MIN_RATIO, Surge, surges

ORDERS_SHOWN = 20
METHOD = (f"seasonal Poisson baseline: the requests of the last hours per category (and per category in a "
          f"district) against the mean of the same hours on each of the previous days; a surge when "
          f"P(X >= observed) < {ALPHA} for X ~ Poisson(mean), at least {MIN_COUNT} requests and "
          f"{MIN_RATIO:g} times the mean")


async def _counts(conn: AsyncConnection, first: str, after: str) -> Counter:
    o = db.work_orders
    rows = await conn.execute(
        select(o.c.category_id, o.c.address_district, func.count())
        .where(and_(o.c.created_at >= first, o.c.created_at < after), o.c.category_id.is_not(None))
        .group_by(o.c.category_id, o.c.address_district))
    counts: Counter = Counter()
    for category_id, district, count in rows:
        counts[(category_id, "")] += count
        if district:
            counts[(category_id, district)] += count
    return counts


async def hot_topics(conn: AsyncConnection, now: datetime | None = None, hours: int = HOURS_DEFAULT,
                     days: int = DAYS_DEFAULT) -> dict:
    """The surges of the `hours` before `now` over the same hours of the `days` days before, each
    with its category path, district, counts, and the newest orders behind it."""
    now = now or clock.now()
    span = timedelta(hours=hours)
    window = await _counts(conn, clock.stamp(now - span), clock.stamp(now))
    history: dict[tuple, list[int]] = defaultdict(lambda: [0] * days)
    for day in range(1, days + 1):
        end = now - timedelta(days=day)
        for key, count in (await _counts(conn, clock.stamp(end - span), clock.stamp(end))).items():
            history[key][day - 1] = count
    # a category is said once: where it rises most, the district rather than the whole city when
    # the district holds the whole rise
    best: dict[str, Surge] = {}
    for surge in surges(window, history):
        category_id, district = surge.key
        kept = best.get(category_id)
        if kept is None or (district and (surge.p_value, -surge.observed) <= (kept.p_value, -kept.observed)):
            best[category_id] = surge if kept is None or district else kept
    tree = await catalog.load_tree(conn)
    items = []
    for surge in sorted(best.values(), key=lambda s: (s.p_value, -s.observed)):
        category_id, district = surge.key
        items.append({
            "category_id": category_id, "category": " / ".join(tree.path(category_id)) if category_id in tree else "",
            "district": district, "observed": surge.observed, "expected": round(surge.expected, 2),
            "ratio": round(surge.ratio, 2), "p_value": surge.p_value,
            "orders": await _orders(conn, category_id, district, clock.stamp(now - span), clock.stamp(now))})
    return {"at": clock.stamp(now), "hours": hours, "days": days, "method": METHOD, "items": items}


async def _orders(conn: AsyncConnection, category_id: str, district: str, first: str, after: str) -> list[dict]:
    o = db.work_orders
    query = select(o.c.number, o.c.title, o.c.created_at, o.c.address_district, o.c.status).where(
        o.c.category_id == category_id, o.c.created_at >= first, o.c.created_at < after)
    if district:
        query = query.where(o.c.address_district == district)
    rows = await conn.execute(query.order_by(o.c.created_at.desc()).limit(ORDERS_SHOWN))
    return [dict(r) for r in rows.mappings()]
