"""The client process killed with SIGKILL in the middle of an upload and of a download: started
again, it finishes the work, every recorded mutation reaches the platform exactly once, and the
cache equals the platform's state."""
from __future__ import annotations

import asyncio
import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

from central.seed import DEMO_PASSWORD, seed_history
from central.store import Database
from offline_cache.store import CacheStore
from tests.workstation.test_sync import cache_orders, platform_orders
from workstation.sync import ENTITIES


def headless(url: str, cache: Path, *args: str) -> subprocess.Popen:
    env = {**os.environ, "HOTLINE_PASSWORD": DEMO_PASSWORD}
    return subprocess.Popen([sys.executable, "-m", "workstation.headless", "--platform", url, "--cache", str(cache),
                             "--user", "agent", "--seat", "K-01", *args], env=env, text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)


def kill_when(proc: subprocess.Popen, reached, timeout: float = 60.0) -> None:
    """SIGKILL the process as soon as reached() holds (checked every 10 ms; it is another process)."""
    give_up = time.monotonic() + timeout
    while not reached():
        assert proc.poll() is None, f"finished before the kill: {proc.communicate()}"
        assert time.monotonic() < give_up, "the moment to kill never came"
        time.sleep(0.01)
    os.kill(proc.pid, signal.SIGKILL)
    proc.communicate(timeout=30)
    assert proc.returncode == -signal.SIGKILL


def finish(proc: subprocess.Popen) -> str:
    out, err = proc.communicate(timeout=120)
    assert proc.returncode == 0, err
    return out


def sqlite_count(path: str, sql: str) -> int:
    with sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=5) as conn:
        return conn.execute(sql).fetchone()[0]


def test_killed_in_the_middle_of_an_upload(platform, db_url, tmp_path, sign_in):
    central_file = db_url.removeprefix("sqlite:///")
    cache = tmp_path / "cache.db"
    first = headless(platform.url, cache, "--record", "100")
    assert first.stdout.readline().strip() == "recorded 100"
    kill_when(first, lambda: sqlite_count(central_file, "SELECT count(*) FROM mutations") >= 40)
    finish(headless(platform.url, cache, "--record", "100"))

    store = CacheStore(cache)
    try:
        aliases = dict(store.conn.execute("SELECT alias, number FROM order_aliases").fetchall())
        assert len(aliases) == 100 and len(set(aliases.values())) == 100
        assert store.outbox_size() == 0 and store.rejections() == []
        on_platform = platform_orders(sign_in("agent"))
        mine = {n: o for n, o in on_platform.items() if o["client_ref"]}
        assert {o["client_ref"]: n for n, o in mine.items()} == aliases
        assert {o["status"] for o in mine.values()} == {"closed_at_intake"}
        assert sqlite_count(central_file, "SELECT count(*) FROM mutations") == 200
        assert cache_orders(store) == on_platform
    finally:
        store.close()


def test_killed_in_the_middle_of_a_download(platform, db_url, tmp_path, sign_in):
    async def history() -> None:
        database = Database(db_url)
        async with database.write() as conn:
            await seed_history(conn, callers=300, orders=3000)
        await database.close()
    asyncio.run(history())
    cache = tmp_path / "cache.db"

    def halfway() -> bool:
        try:
            with sqlite3.connect(f"file:{cache}?mode=ro", uri=True, timeout=5) as conn:
                row = conn.execute("SELECT value FROM sync_state WHERE key = 'resync'").fetchone()
        except sqlite3.OperationalError:
            return False  # not created yet
        return (row is not None and json.loads(row[0])["entity"] == ENTITIES.index("work_order")
                and json.loads(row[0])["done"] >= 500)

    first = headless(platform.url, cache, "--page-size", "100")
    kill_when(first, halfway)
    out = finish(headless(platform.url, cache, "--page-size", "100"))
    resumed = [line.split() for line in out.splitlines() if line.startswith("progress work_order")]
    assert int(resumed[0][2]) > 500, "the download started over instead of resuming"
    store = CacheStore(cache)
    try:
        assert cache_orders(store) == platform_orders(sign_in("agent"))
        assert store.conn.execute("SELECT count(*) FROM callers").fetchone()[0] == 300
    finally:
        store.close()
