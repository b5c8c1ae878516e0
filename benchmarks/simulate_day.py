"""A day of the centre on a simulated clock: wall time of
`hotline-central simulate --days 1 --calls-per-hour 300 --seed 7` over a fresh SQLite database, then
`metrics` over the simulated day, checked against the orders.

    python -m benchmarks.simulate_day [--days 1] [--calls-per-hour 300] [--seed 7] [--db URL]

Target: under 5 minutes on 2 cores. The checks: the figures count what the database holds (calls
arrived, orders created, closed orders once each) and every rate lies between 0 and 1.
"""
from __future__ import annotations

import argparse
import asyncio
import tempfile
from datetime import date, datetime, time, timedelta
from pathlib import Path

from sqlalchemy import func, select

from benchmarks.common import emit, log
from central import db, metrics
from central.simulate import Simulation
from central.store import Database
from domain import clock

TARGET_S = 300.0


async def check(url: str, first_day: date, days: float) -> dict:
    """The metrics of the simulated days, and whether they agree with the rows."""
    start = datetime.combine(first_day, time(), tzinfo=clock.CENTRE_TZ)
    last_day = (start + timedelta(days=days) - timedelta(microseconds=1)).date()
    first, after = clock.stamp(start), clock.stamp(datetime.combine(last_day + timedelta(days=1), time(),
                                                                    tzinfo=clock.CENTRE_TZ))
    o, c = db.work_orders, db.calls
    database = Database(url)
    try:
        async with database.read() as conn:
            figures = await metrics.compute(conn, first_day, last_day)
            calls = (await conn.execute(select(func.count()).select_from(c).where(
                c.c.arrived_at >= first, c.c.arrived_at < after))).scalar_one()
            created = (await conn.execute(select(func.count()).select_from(o).where(
                o.c.created_at >= first, o.c.created_at < after))).scalar_one()
            closed = (await conn.execute(select(func.count(func.distinct(o.c.number))).where(
                o.c.status.in_(("closed", "closed_at_intake")), o.c.closed_at >= first,
                o.c.closed_at < after))).scalar_one()
    finally:
        await database.close()
    rates = {k: v for k, v in figures.items() if "_rate" in k}
    return {
        "metrics": {k: figures[k] for k in ("orders_total", "orders_closed", "calls_arrived", "calls_answered",
                                            "calls_abandoned", "avg_handle_s", *rates)},
        "agrees": figures["calls_arrived"] == calls and figures["orders_total"] == created
        and figures["orders_closed"] == closed and all(v is None or 0 <= v <= 1 for v in rates.values()),
    }


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--days", type=float, default=1.0)
    p.add_argument("--calls-per-hour", type=float, default=300.0)
    p.add_argument("--seed", type=int, default=7)
    p.add_argument("--start", type=date.fromisoformat, default=date(2026, 3, 2), help="the first simulated day")
    p.add_argument("--db", default=None, help="database URL (default: a fresh SQLite file)")
    args = p.parse_args()
    folder = tempfile.mkdtemp(prefix="hotline-sim-")
    url = args.db or f"sqlite:///{Path(folder) / 'central.db'}"
    log(f"simulating {args.days} day(s) at {args.calls_per_hour:g} calls/hour into {url}")
    start = datetime.combine(args.start, time(), tzinfo=clock.CENTRE_TZ)
    summary = asyncio.run(Simulation(url, days=args.days, calls_per_hour=args.calls_per_hour, seed=args.seed,
                                     start=start).run())
    log(f"simulated in {summary['wall_s']} s: {summary['calls']} calls, {summary['orders']} orders")
    checked = asyncio.run(check(url, args.start, args.days))
    emit({"benchmark": "simulate_day", "days": args.days, "calls_per_hour": args.calls_per_hour,
          "seed": args.seed, "wall_s": summary["wall_s"], "target_s": TARGET_S,
          "within_target": summary["wall_s"] <= TARGET_S, "summary": summary, **checked})


if __name__ == "__main__":
    main()
