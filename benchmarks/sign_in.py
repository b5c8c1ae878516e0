"""Sign-in under guessing: the platform's other requests while wrong passwords arrive, and the cost of
a known versus an unknown user name.

    python -m benchmarks.sign_in [--attempts 60] [--concurrency 4]

The real platform over loopback (one process, a SQLite file with the demo accounts; the account
lock and the address limit raised out of the way: they are tested, not timed here). First the
health check alone (`health_idle_*`); then `--attempts` wrong passwords from `--concurrency`
clients at once while one client keeps asking the health check (`health_during_*`: argon2 runs on
a worker thread, outside the write lock, so the event loop keeps answering); then wrong passwords
for a known and an unknown user name, one at a time (`wrong_known_ms`, `wrong_unknown_ms`: the
same work, so the time does not tell which names exist).
"""
from __future__ import annotations

import argparse
import asyncio
import statistics
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx

from benchmarks.common import emit, log, summary_ms
from central.platform import Platform
from central.seed import seed_demo_users, seed_reference
from central.server import ThreadedPlatform
from central.sign_in import SignInLimits
from central.store import Database

OPEN = SignInLimits(account_failures=1_000_000, address_failures=1_000_000)


async def _seed(url: str) -> None:
    database = Database(url)
    try:
        await database.start()
        async with database.write() as conn:
            await seed_reference(conn)
            await seed_demo_users(conn)
    finally:
        await database.close()


def _timed(client: httpx.Client, method: str, path: str, **kwargs) -> float:
    t0 = time.perf_counter()
    client.request(method, path, **kwargs)
    return time.perf_counter() - t0


def _health_while(client: httpx.Client, busy: threading.Event, samples: list[float]) -> None:
    while busy.is_set():
        samples.append(_timed(client, "GET", "/api/v1/health"))


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.sign_in")
    parser.add_argument("--attempts", type=int, default=60)
    parser.add_argument("--concurrency", type=int, default=4)
    parser.add_argument("--health", type=int, default=200, help="health checks timed while idle")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="hotline-sign-in-") as folder:
        url = f"sqlite:///{Path(folder) / 'central.db'}"
        asyncio.run(_seed(url))
        server = ThreadedPlatform(Platform(url, sign_in_limits=OPEN)).start()
        try:
            with httpx.Client(base_url=server.url, timeout=30.0) as client:
                idle = [_timed(client, "GET", "/api/v1/health") for _ in range(args.health)]
                wrong = {"username": "agent", "password": "not-the-password", "seat": "BENCH"}
                busy, during = threading.Event(), []
                busy.set()
                watcher = threading.Thread(target=_health_while, args=(client, busy, during))
                watcher.start()
                t0 = time.perf_counter()
                with ThreadPoolExecutor(args.concurrency) as pool, \
                        httpx.Client(base_url=server.url, timeout=60.0) as guesser:
                    codes = list(pool.map(lambda _: guesser.post("/api/v1/auth/sign-in", json=wrong).status_code,
                                          range(args.attempts)))
                storm_s = time.perf_counter() - t0
                busy.clear()
                watcher.join()
                known = [_timed(client, "POST", "/api/v1/auth/sign-in", json=wrong) for _ in range(10)]
                unknown = [_timed(client, "POST", "/api/v1/auth/sign-in",
                                  json={**wrong, "username": f"nobody-{i}"}) for i in range(10)]
        finally:
            server.stop()
    if set(codes) != {401}:
        raise SystemExit(f"wrong passwords were answered {sorted(set(codes))}, not only 401")
    log(f"{args.attempts} wrong passwords in {storm_s:.1f} s; {len(during)} health checks meanwhile")
    idle_ms, during_ms = summary_ms(idle), summary_ms(during or [0.0])
    emit({"benchmark": "sign_in", "attempts": args.attempts, "concurrency": args.concurrency,
          "wrong_per_s": round(args.attempts / storm_s, 1),
          "health_idle_p50_ms": idle_ms["p50_ms"], "health_idle_p99_ms": idle_ms["p99_ms"],
          "health_during_p50_ms": during_ms["p50_ms"], "health_during_p99_ms": during_ms["p99_ms"],
          "health_during_n": len(during),
          "wrong_known_ms": round(statistics.median(known) * 1000, 1),
          "wrong_unknown_ms": round(statistics.median(unknown) * 1000, 1)})


if __name__ == "__main__":
    main()
