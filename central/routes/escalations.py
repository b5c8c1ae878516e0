"""Expert escalations: the agent's and the experts' lists (changes go through the mutations endpoint)."""
from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Path, Query
from pydantic import AfterValidator

from central import audit, escalations
from central.deps import PlatformDep, who
from central.validation import clean

router = APIRouter(prefix="/api/v1", tags=["escalations"])


@router.get("/escalations")
async def list_escalations(platform: PlatformDep, claims: who("escalations.read"),
                           state: Literal["open", "claimed", "answered", "cancelled", "active", "all"] = "active",
                           limit: Annotated[int, Query(ge=1, le=500)] = 200) -> dict:
    """Newest first; "active" is open or claimed. Experts and team leads see all, agents their own."""
    async with platform.db.write() as conn:
        items = await escalations.list_items(conn, claims, state, limit)
        # an escalation carries the caller's number, name and the form: audited like a caller record
        await audit.record_reads(conn, claims, "list", "escalation", [i["id"] for i in items])
    return {"items": items}


@router.get("/escalations/{escalation_id}")
async def get_escalation(escalation_id: Annotated[str, Path(max_length=36), AfterValidator(clean)],
                         platform: PlatformDep, claims: who("escalations.read")) -> dict:
    async with platform.db.write() as conn:
        found = await escalations.get_item(conn, claims, escalation_id)
        await audit.record_reads(conn, claims, "read", "escalation", [found["id"]])
    return found
