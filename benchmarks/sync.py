"""Initial sync of a seat from the real platform on loopback, and the outbox drain rate.

    python -m benchmarks.sync --orders 100000 --entries 200000

The platform's SQLite file (reference data, `--entries` generated knowledge entries, `--orders`
historical work orders) is built once under tempfile.gettempdir()/hotline-bench and served by
`hotline-central serve` in a separate process, so that the figures are the client's alone. The
client syncs into a fresh cache with the real SyncService while a monitor task measures how late
the event loop wakes up (the longest stall), then uploads `--uploads` recorded orders.
"""
from __future__ import annotations

import argparse
import asyncio
import os
import resource
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from benchmarks.common import cache_dir, emit, log
from offline_cache.store import CacheStore
from workstation.orders import OrderService
from workstation.platform_client import PlatformClient
from workstation.sync import SyncService

VERSION = 1


DEMO_PASSWORD = "hotline-demo"  # the seeded users' password (central.seed), not imported: see build_platform


async def build_platform(url: str, orders: int, entries: int) -> None:
    # Imported here: the measuring process must not carry the platform's libraries in its RSS.
    from benchmarks import corpus
    from central import kb
    from central.seed import seed_demo_users, seed_history, seed_reference
    from central.store import Database
    from domain import clock

    database = Database(url)
    await database.start()
    async with database.write() as conn:
        await seed_reference(conn)
        await seed_demo_users(conn)
        await seed_history(conn, callers=max(1000, orders // 5), orders=orders, seed=3)
    batch: list[dict] = []
    for i, entry in enumerate(corpus.generate(entries), start=1):
        batch.append({**entry, "updated_at": clock.stamp()})
        if len(batch) == 5000 or i == entries:
            async with database.write() as conn:
                await kb.apply_bulk(conn, batch)
            batch.clear()
            log(f"platform: {i}/{entries} knowledge entries")
    await database.close()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


async def wait_for(client: PlatformClient, proc: subprocess.Popen) -> None:
    for _ in range(600):
        if await client.health():
            return
        if proc.poll() is not None:
            raise RuntimeError("the platform exited")
        await asyncio.sleep(0.05)
    raise RuntimeError("the platform did not start")


async def stall_monitor(stalls: list[float], period: float = 0.005) -> None:
    loop = asyncio.get_running_loop()
    while True:
        t0 = loop.time()
        await asyncio.sleep(period)
        stalls.append(loop.time() - t0 - period)


async def measure(url: str, folder: Path, uploads: int, page_size: int) -> dict:
    client = PlatformClient(url, timeout=60.0)
    await client.sign_in("agent", DEMO_PASSWORD, "B-01")
    store = CacheStore(folder / "cache.db")
    sync = SyncService(store, client, page_size=page_size)
    stalls: list[float] = []
    monitor = asyncio.get_running_loop().create_task(stall_monitor(stalls))
    t_warm = time.perf_counter()
    await sync.warm_up()  # what a seat does at sign-in
    warm_s = time.perf_counter() - t_warm
    warm_stall = max(stalls, default=0.0)
    stalls.clear()
    t0 = time.perf_counter()
    await sync.download_all()
    initial = time.perf_counter() - t0
    sync_stalls = list(stalls)
    stalls.clear()
    rows = sum(store.conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0]  # noqa: S608 - fixed names
               for t in ("work_orders", "kb_entries", "callers", "categories", "handling_units"))
    orders = OrderService(sync, "B-01")
    for i in range(uploads):
        await orders.create({"request_type": "consultation", "category_id": "010101", "title": f"压测工单 {i}",
                             "content": "来电咨询", "caller_phone": "13800138000"})
    t1 = time.perf_counter()
    await sync.upload_all()
    upload_s = time.perf_counter() - t1
    monitor.cancel()
    await sync.stop()
    await client.close()
    store.close()
    return {"initial_sync_s": round(initial, 2), "rows": rows, "rows_per_s": round(rows / initial),
            "uploads": uploads, "upload_per_s": round(uploads / upload_s, 1),
            "max_stall_ms": round(max(sync_stalls + stalls) * 1000, 1),
            "max_stall_sync_ms": round(max(sync_stalls) * 1000, 1),
            "max_stall_upload_ms": round(max(stalls, default=0.0) * 1000, 1),
            "stalls_over_50ms": sum(s > 0.05 for s in sync_stalls + stalls),
            "warm_up_s": round(warm_s, 2), "warm_up_stall_ms": round(warm_stall * 1000, 1)}


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.sync")
    parser.add_argument("--orders", type=int, default=100_000)
    parser.add_argument("--entries", type=int, default=200_000)
    parser.add_argument("--uploads", type=int, default=500)
    parser.add_argument("--page-size", type=int, default=1000)
    parser.add_argument("--build-only", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.build_only:
        asyncio.run(build_platform(f"sqlite:///{args.build_only}", args.orders, args.entries))
        return
    platform_file = cache_dir() / f"sync-platform-{args.orders}-{args.entries}-v{VERSION}.db"
    if not platform_file.exists():
        building = platform_file.with_suffix(".building")
        building.unlink(missing_ok=True)
        subprocess.run([sys.executable, "-m", "benchmarks.sync", "--orders", str(args.orders), "--entries",
                        str(args.entries), "--build-only", str(building)], check=True)
        building.rename(platform_file)
    folder = Path(tempfile.mkdtemp(prefix="hotline-sync-"))
    served = folder / "central.db"
    shutil.copy(platform_file, served)  # uploads change it; the cached original stays as built
    port = free_port()
    proc = subprocess.Popen([sys.executable, "-m", "central.cli", "serve", "--db", f"sqlite:///{served}",
                             "--port", str(port)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        async def run() -> dict:
            probe = PlatformClient(f"http://127.0.0.1:{port}")
            await wait_for(probe, proc)
            await probe.close()
            return await measure(f"http://127.0.0.1:{port}", folder, args.uploads, args.page_size)
        result = asyncio.run(run())
    finally:
        proc.terminate()
        proc.wait(timeout=30)
        shutil.rmtree(folder, ignore_errors=True)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    emit({"benchmark": "sync", "orders": args.orders, "entries": args.entries, **result,
          "peak_rss_mb": round(peak, 1), "client_pid_cpu_s": round(time.process_time(), 1),
          "platform": "hotline-central serve (SQLite) in its own process", "pid": os.getpid()})


if __name__ == "__main__":
    main()
