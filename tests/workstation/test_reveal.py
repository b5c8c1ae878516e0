"""A caller's number shown in full (Alt+N on the caller card) is recorded on the platform's audit,
who, when, which caller, which call; from an offline seat it waits in the outbox and arrives. The
real platform over loopback; the network cut is the fault transport's."""
from __future__ import annotations

import pytest

from workstation.callers import CallerService


@pytest.mark.asyncio
async def test_a_reveal_reaches_the_audit_even_from_an_offline_seat(sync, client, faults, sign_in):
    callers = CallerService(client, sync)
    faults.down = True
    await callers.reveal("+86 139 1234 5678", call_id="c3f0a8a2-0000-4000-8000-000000000001")
    await callers.reveal("13912345678")
    assert sync.store.outbox_size() == 2  # kept, not lost, while the platform cannot be reached
    faults.down = False
    await sync.upload_all()
    assert sync.store.outbox_size() == 0 and sync.store.rejections() == []
    rows = sign_in("admin").get("/api/v1/audit", params={"caller": "13912345678", "before": 10**12}).json()["items"]
    reveals = [r for r in rows if r["action"] == "reveal"]
    assert len(reveals) == 2 and {r["username"] for r in reveals} == {"agent"} and {r["seat"] for r in reveals} == {"A-01"}
    calls = sign_in("admin").get("/api/v1/audit", params={"user": "agent", "before": 10**12}).json()["items"]
    assert any(r["entity"] == "call" and r["entity_id"].startswith("c3f0a8a2") for r in calls)


@pytest.mark.asyncio
async def test_a_reveal_of_something_that_is_not_a_number_is_refused_with_the_reason(sync, client):
    await CallerService(client, sync).reveal("not a number")
    await sync.upload_all()
    [refused] = sync.store.rejections()
    assert (refused.status, refused.code) == (422, "invalid") and "number" in refused.message
