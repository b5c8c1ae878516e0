"""Caller lookup on the local cache: the newest 20 orders of a phone number, with the open-order
and repeat-request checks the screen pop runs on every ring.

    python -m benchmarks.caller_lookup --orders 1000000

The cache file is generated once (deterministic, seed 7) under tempfile.gettempdir()/hotline-bench
and reused; the lookups then run on a fresh connection, as a seat would after start-up.
"""
from __future__ import annotations

import argparse
import hashlib
import random
import time
from datetime import datetime, timedelta
from pathlib import Path

from benchmarks.common import cache_dir, emit, log, summary_ms
from domain.clock import CENTRE_TZ, stamp
from domain.phone import mask_phone
from domain.privacy import lookup_hash
from offline_cache import schema, workorders
from offline_cache.store import CacheStore

VERSION = 3  # 3: masked numbers and their keyed hashes, as the platform sends others' orders
NOW = datetime(2026, 11, 25, 10, 0, tzinfo=CENTRE_TZ)
STATUSES = ["closed_at_intake"] * 6 + ["closed"] * 3 + ["dispatched", "in_progress", "rejected_at_intake"]


def phones(count: int, rng: random.Random) -> list[str]:
    return [f"1{rng.choice('3456789')}{rng.randrange(10**9):09d}" for _ in range(count)]


def build(store: CacheStore, orders: int, seed: int) -> list[str]:
    rng = random.Random(seed)
    callers = phones(max(1000, orders // 5), rng)
    # as the platform sends others' orders: the number masked, found by its keyed hash
    key = hashlib.sha256(f"caller_lookup-{seed}".encode()).hexdigest()
    with store.transaction() as conn:
        workorders.set_lookup_key(conn, key)
    day_serial: dict[str, int] = {}
    batch: list[dict] = []
    started = time.perf_counter()
    for i in range(orders):
        # a few callers call very often (Pareto), most once or twice
        phone = callers[min(int(rng.paretovariate(1.1)) - 1, len(callers) - 1)] if rng.random() < 0.3 \
            else rng.choice(callers)
        created = NOW - timedelta(seconds=rng.randrange(3 * 365 * 86400))
        day = created.strftime("%Y%m%d")
        day_serial[day] = day_serial.get(day, 0) + 1
        batch.append({"number": f"{day}{day_serial[day]:06d}", "client_ref": None, "caller_phone": mask_phone(phone),
                      "caller_lookup": lookup_hash(key, phone),
                      "created_at": stamp(created), "request_type": "consultation",
                      "category_id": f"{rng.randrange(1, 12):02d}0101", "status": rng.choice(STATUSES),
                      "title": "来电咨询相关政策", "handling_unit_id": None, "deadline": None,
                      "deadline_provisional": False, "version": 1})
        if len(batch) == 10_000:
            with store.transaction() as conn:
                for row in batch:
                    workorders.apply(conn, row["number"], "upsert", row)
            batch.clear()
            log(f"built {i + 1}/{orders} orders ({time.perf_counter() - started:.0f} s)")
    with store.transaction() as conn:
        for row in batch:
            workorders.apply(conn, row["number"], "upsert", row)
    return callers


def cache_file(orders: int, seed: int) -> Path:
    return cache_dir() / f"caller_lookup-{orders}-{seed}-v{VERSION}-s{schema.MIGRATIONS[-1][0]}.db"


def ensure_cache(path: Path, orders: int, seed: int) -> list[str]:
    """Build the cache file once; return the callers' phones (the same list every time)."""
    if not path.exists():
        building = path.with_suffix(".building")
        store = CacheStore(building)
        build(store, orders, seed)
        store.close()
        building.rename(path)
        for suffix in ("-wal", "-shm"):
            Path(f"{building}{suffix}").unlink(missing_ok=True)
    return phones(max(1000, orders // 5), random.Random(seed))


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.caller_lookup")
    parser.add_argument("--orders", type=int, default=1_000_000)
    parser.add_argument("--lookups", type=int, default=5000)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    path = cache_file(args.orders, args.seed)
    callers = ensure_cache(path, args.orders, args.seed)
    store = CacheStore(path)
    rng = random.Random(99)
    sample = [callers[min(int(rng.paretovariate(1.1)) - 1, len(callers) - 1)] if rng.random() < 0.5
              else rng.choice(callers) for _ in range(args.lookups)]
    conn = store.conn
    for phone in sample[:200]:
        workorders.caller_history(conn, phone, NOW)  # warm the page cache, as a running seat has it
    timings, found = [], 0
    for phone in sample:
        t0 = time.perf_counter()
        history = workorders.caller_history(conn, phone, NOW)
        timings.append(time.perf_counter() - t0)
        found += bool(history.orders)
    store.close()
    emit({"benchmark": "caller_lookup", "orders": args.orders, "lookups": len(sample), "found": found,
          **summary_ms(timings)})


if __name__ == "__main__":
    main()
