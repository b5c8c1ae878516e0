"""The centre's figures over a period (R20): the same object as `hotline-central metrics`."""
from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from central import metrics
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
        return await metrics.compute(conn, start, end)
