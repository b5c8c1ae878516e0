"""A seat session: one cache file per user and platform, opened at sign-in, and a sign-out that
never loses pending work silently."""
from __future__ import annotations

import asyncio

import pytest

from central import seats
from central.seed import DEMO_PASSWORD
from offline_cache.store import CacheStore, PendingMutations, cache_path
from tests.workstation.test_sync import new_order, until
from workstation.platform_client import PlatformClient
from workstation.session import SeatSession, seat_name


@pytest.mark.asyncio
async def test_the_cache_is_one_file_per_user_and_platform(client, tmp_path):
    seat = await SeatSession.open(client, "A-01", tmp_path)
    try:
        expected = cache_path(tmp_path, client.address, "agent")
        assert seat.store.path == expected and expected.exists()
        assert expected.parent.name == client.address.replace(":", "_")
        await until(seat.sync.synced, lambda: seat.store.get_state("cursor") is not None)
    finally:
        await seat.close()


@pytest.mark.asyncio
async def test_signing_out_of_a_shared_seat_uploads_first_then_wipes(client, tmp_path, sign_in):
    seat = await SeatSession.open(client, "A-01", tmp_path)
    number = await seat.orders.create(new_order())
    await seat.sign_out(wipe=True)
    assert not seat.store.path.exists()
    on_platform = sign_in("agent").get("/api/v1/work-orders", params={"phone": "13800138000"}).json()["items"]
    assert [o["client_ref"] for o in on_platform] == [number]


@pytest.mark.asyncio
async def test_pending_work_is_counted_and_only_wiped_when_the_agent_agrees(client, faults, tmp_path):
    seat = await SeatSession.open(client, "A-01", tmp_path, offline_after=1)
    faults.down = True
    await seat.orders.create(new_order(1))
    await seat.orders.create(new_order(2))
    with pytest.raises(PendingMutations) as refused:
        await seat.sign_out(wipe=True, upload_timeout_s=0.3)
    assert refused.value.count == 2 and seat.store.path.exists()
    await seat.sign_out(wipe=True, force=True, upload_timeout_s=0.3)
    assert not seat.store.path.exists()


def test_seat_names_are_made_safe_for_provisional_numbers():
    assert seat_name("座席 07/A") == "07-A"
    assert seat_name("ws-12.local") == "ws-12.local"
    assert seat_name("座席") == "seat"


@pytest.mark.asyncio
async def test_a_seat_that_closes_before_its_call_source_started_closes_cleanly(client, tmp_path):
    """Signing out while the seat is still opening (its call source not started yet) must not fail:
    stopping a source undoes only what starting it did."""
    store = CacheStore(cache_path(tmp_path, client.address, "agent"))
    seat = SeatSession(client, store, "A-01")
    assert len(seat.sync.event) > 0  # the seat's lists listen already; the call source does not yet
    await seat.close()  # the call source never started
    await seat.close()  # and twice is harmless
    assert len(seat.sync.event) == 0 and len(seat.sync.link_changed) == 0


@pytest.mark.asyncio
async def test_a_started_call_source_stops_listening_when_the_seat_closes(client, tmp_path):
    seat = await SeatSession.open(client, "A-01", tmp_path)
    assert seat.sync.event.connected(seat.calls.source._on_event)
    await seat.close()
    assert len(seat.sync.event) == 0 and len(seat.sync.link_changed) == 0


@pytest.mark.asyncio
async def test_a_seat_registered_on_the_platform_wins_over_the_one_the_workstation_names(platform, tmp_path):
    async def register(conn):  # noqa: ANN001, ANN202
        return await seats.add(conn, "B-07", "127.0.0.1")
    await asyncio.to_thread(platform.run_coroutine, _write(platform, register))
    client = PlatformClient(platform.url, timeout=5.0)
    try:
        await client.sign_in("agent", DEMO_PASSWORD, "A-01")
        assert client.session.seat == "B-07"
        seat = await SeatSession.open(client, "A-01", tmp_path)
        try:
            assert seat.seat == "B-07"
            assert (await seat.orders.create(new_order())).startswith("L-B-07-")  # provisional numbers name it
        finally:
            await seat.close()
    finally:
        await client.close()


async def _write(platform, work):  # noqa: ANN001, ANN202
    async with platform.platform.db.write() as conn:
        return await work(conn)
