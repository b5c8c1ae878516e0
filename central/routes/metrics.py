"""The centre's figures over a period (R20): the same object as `hotline-central metrics`."""
from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from central import hot_topics, metrics
from central.deps import PlatformDep, who
from central.errors import invalid
from central.validation import Day

router = APIRouter(prefix="/api/v1", tags=["metrics"])

@router.get("/metrics")
async def figures(platform: PlatformDep, _: who("metrics.read"),
                  start: Annotated[Day, Query(alias="from", description="first China date, YYYY-MM-DD")],
                  end: Annotated[Day | None, Query(alias="to", description="last China date; default: from")] = None,
                  ) -> dict:
    end = end or start
    if end < start:
        raise invalid("to", "the period ends before it starts")
    if (end - start).days > 366:
        raise invalid("to", "a period of at most a year")
    async with platform.db.read() as conn:
        return await metrics.compute(conn, start, end, platform.calendar)


@router.get("/metrics/hot-topics")
async def hot(platform: PlatformDep, _: who("metrics.read"),
              hours: Annotated[int, Query(ge=1, le=48, description="the window: the last hours")] = 3,
              days: Annotated[int, Query(ge=1, le=28, description="the earlier days it is compared with")] = 7,
              ) -> dict:
    """Categories (and categories in a district) whose requests of the last hours rise above the
    same hours of earlier days (domain/hot_topics.py), with the orders behind them."""
    async with platform.db.read() as conn:
        return await hot_topics.hot_topics(conn, hours=hours, days=days)
