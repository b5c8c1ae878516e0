"""The seat's cache key: made at the cache's creation, kept in the OS keyring only (never in a
file), forgotten with a wiped cache; without a keyring, kept in memory for the session only, so
that the next launch starts a fresh cache with the outbox rescued."""
from __future__ import annotations

import os
import sqlite3

import keyring.backends.fail
import pytest

from offline_cache import cipher
from offline_cache.store import cache_path
from tests.workstation.test_sync import new_order, until
from workstation import session as session_module
from workstation.credentials import Credentials
from workstation.session import SeatSession


@pytest.fixture
def keyring_credentials():
    credentials = Credentials()
    if not credentials.available:
        if os.environ.get("CI") == "true":
            pytest.fail("no OS keyring (Secret Service): `./dev test` starts one")
        pytest.skip("this machine has no OS keyring backend (Secret Service); `./dev test` starts one")
    return credentials


def files_under(folder) -> bytes:
    return b"".join(p.read_bytes() for p in folder.rglob("*") if p.is_file())


@pytest.mark.asyncio
async def test_the_cache_key_is_made_once_kept_in_the_keyring_only_and_forgotten_with_the_cache(
        client, tmp_path, keyring_credentials, sign_in):
    seat = await SeatSession.open(client, "A-01", tmp_path, credentials=keyring_credentials)
    path = seat.store.path
    key = keyring_credentials.load_cache_key(path)
    try:
        assert key is not None and len(key) == 32
        await until(seat.sync.synced, lambda: seat.store.get_state("cursor") is not None)
        await seat.orders.create(new_order())
        on_disk = files_under(tmp_path)
        assert key not in on_disk and key.hex().encode() not in on_disk and key.hex().upper().encode() not in on_disk
    finally:
        await seat.close()
    with pytest.raises(sqlite3.DatabaseError):
        plain = sqlite3.connect(path)
        try:
            plain.execute("SELECT count(*) FROM outbox").fetchone()
        finally:
            plain.close()
    await client.sign_in("agent", "hotline-demo", "A-01")
    seat = await SeatSession.open(client, "A-01", tmp_path, credentials=keyring_credentials)
    assert seat.store.recovery is None and keyring_credentials.load_cache_key(path) == key  # the same key
    await seat.sign_out(wipe=True)
    assert keyring_credentials.load_cache_key(path) is None and not path.exists()


@pytest.mark.asyncio
async def test_without_a_keyring_the_key_lives_for_the_session_and_the_next_launch_starts_afresh(
        client, faults, tmp_path, sign_in):
    none = Credentials(keyring.backends.fail.Keyring())
    seat = await SeatSession.open(client, "A-01", tmp_path, credentials=none, offline_after=1)
    path = seat.store.path
    await until(seat.sync.synced, lambda: seat.store.get_state("cursor") is not None)
    faults.down = True
    number = await seat.orders.create(new_order(1))
    await seat.close()
    session_module._MEMORY_KEYS.clear()  # what a new launch of the workstation has: no key at all
    faults.down = False
    await client.sign_in("agent", "hotline-demo", "A-01")
    seat = await SeatSession.open(client, "A-01", tmp_path, credentials=none)
    try:
        recovery = seat.store.recovery
        assert recovery is not None and (recovery.reason, recovery.recovered, recovery.at_risk) == (
            "not_a_database", 1, 0)
        assert sorted(p.name for p in path.parent.iterdir()) == sorted(
            [path.name, f"{path.name}.lock", f"{path.name}.outbox.jsonl", f"{path.name}-wal", f"{path.name}-shm"])
        await until(seat.sync.synced, lambda: seat.store.outbox_size() == 0)
    finally:
        await seat.close()
    on_platform = sign_in("agent").get("/api/v1/work-orders", params={"phone": "13800138000"}).json()["items"]
    assert number in [o["client_ref"] for o in on_platform]
    assert path == cache_path(tmp_path, client.address, "agent") and not cipher.is_plaintext(path)
