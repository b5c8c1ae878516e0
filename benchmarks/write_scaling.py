"""Writes with one platform process and with several: how many orders a second the platform takes
when many seats record at once, for each worker count, on PostgreSQL.

    python -m benchmarks.write_scaling --workers 1 2 --writers 48 --duration-s 20

For each count, a fresh database on a throwaway PostgreSQL server (or `--db SERVER_URL`, without a
database name: one is made per count), `hotline-central serve --workers N` (1: the plain single
process) on loopback, and `--writers` seats that each record an order (a `create` mutation) and
the next as soon as it is answered, for `--duration-s` after a warm-up. Figures per count:
writes_per_s, p50/p99 of a write, server_cpu_pct (all the server's processes, of one core), and
errors; `ratio` is the writes of the largest count over those of the first.
"""
from __future__ import annotations

import argparse
import asyncio
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

from benchmarks.common import emit, log, machine, percentile
from benchmarks.platform_load import cpu_seconds, free_port, prepare

WARM_UP_S = 3.0


async def _create_database(server: str, name: str) -> None:
    import asyncpg
    conn = await asyncpg.connect(f"{server}/postgres")
    try:
        await conn.execute(f"CREATE DATABASE {name}")
    finally:
        await conn.close()


def _order(i: int) -> dict:
    return {"request_type": "consultation", "category_id": "010103", "title": f"异地就医备案怎么办 {i}",
            "content": "来电人咨询异地就医备案流程", "caller_phone": f"139{i % 100_000_000:08d}",
            "requester_name": "张先生"}


async def _write(base: str, tokens: list[str], duration_s: float) -> dict:
    import httpx
    latencies: list[float] = []
    errors = 0
    measuring = False
    stop_at = time.monotonic() + WARM_UP_S + duration_s

    async def writer(n: int, token: str) -> None:
        nonlocal errors
        headers = {"Authorization": f"Bearer {token}"}
        i = n * 1_000_000
        async with httpx.AsyncClient(base_url=base, timeout=30.0, headers=headers) as client:
            while time.monotonic() < stop_at:
                i += 1
                body = {"id": str(uuid.uuid4()), "entity": "work_order", "op": "create", "payload": _order(i)}
                started = time.monotonic()
                try:
                    r = await client.post("/api/v1/mutations", json=body)
                    ok = r.status_code == 200 and r.json().get("status") == "applied"
                except httpx.HTTPError:
                    ok = False
                if measuring and time.monotonic() < stop_at:
                    if ok:
                        latencies.append(time.monotonic() - started)
                    else:
                        errors += 1

    tasks = [asyncio.create_task(writer(n, t)) for n, t in enumerate(tokens)]
    await asyncio.sleep(WARM_UP_S)
    measuring = True
    await asyncio.gather(*tasks)
    ms = [x * 1000 for x in latencies] or [0.0]
    return {"writes": len(latencies), "errors": errors, "p50_ms": round(percentile(ms, 50), 1),
            "p99_ms": round(percentile(ms, 99), 1)}


def _serve(url: str, keys: Path, workers: int, log_file) -> tuple[subprocess.Popen, str]:  # noqa: ANN001
    import httpx
    port = free_port()
    server = subprocess.Popen([sys.executable, "-m", "central.cli", "serve", "--db", url, "--port", str(port),
                               "--token-keys", str(keys), "--workers", str(workers)],
                              stdout=subprocess.DEVNULL, stderr=log_file)
    base = f"http://127.0.0.1:{port}"
    seen: set[str] = set()
    give_up = time.monotonic() + 90
    while len(seen) < (workers if workers > 1 else 1):  # every worker answered once
        if server.poll() is not None or time.monotonic() > give_up:
            raise SystemExit("the platform did not start; see " + log_file.name)
        try:
            with httpx.Client(base_url=base, timeout=1.0) as client:  # a new connection: any worker
                answer = client.get("/api/v1/health").json()
            seen.add(answer.get("worker", "single"))
        except httpx.HTTPError:
            pass
        time.sleep(0.05)  # a process starting: nothing to wait on but its port
    return server, base


def run(server_url: str, counts: list[int], writers: int, duration_s: float, folder: Path) -> dict:
    results = {}
    for workers in counts:
        name = f"writes_{workers}_{uuid.uuid4().hex[:6]}"
        asyncio.run(_create_database(server_url, name))
        url = f"{server_url}/{name}"
        keys = folder / f"keys-{workers}.json"
        tokens = asyncio.run(prepare(url, writers, keys))
        with open(folder / f"server-{workers}.log", "w+b") as log_file:
            server, base = _serve(url, keys, workers, log_file)
            try:
                log(f"{workers} worker(s): {writers} seats writing for {duration_s:g} s")
                cpu0 = cpu_seconds(server.pid)
                started = time.monotonic()
                figures = asyncio.run(_write(base, tokens, duration_s))
                elapsed = time.monotonic() - started - WARM_UP_S
                cpu = cpu_seconds(server.pid) - cpu0
            finally:
                server.terminate()
                try:
                    server.wait(20)
                except subprocess.TimeoutExpired:
                    server.kill()
            log_file.seek(0)
            text = log_file.read().decode(errors="replace")
        results[str(workers)] = {**figures, "writes_per_s": round(figures["writes"] / duration_s, 1),
                                 "server_cpu_pct": round(100 * cpu / (elapsed + WARM_UP_S), 1),
                                 "server_500s": text.count(" 500 on ")}
    first, last = results[str(counts[0])]["writes_per_s"], results[str(counts[-1])]["writes_per_s"]
    return {"benchmark": "write_scaling", "writers": writers, "duration_s": duration_s, "by_workers": results,
            "ratio": round(last / first, 2) if first else None, "machine": machine()}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2], help="worker counts to measure")
    parser.add_argument("--writers", type=int, default=48, help="seats writing at once")
    parser.add_argument("--duration-s", type=float, default=20.0)
    parser.add_argument("--db", default=None, help="a PostgreSQL server, postgresql://USER@HOST:PORT "
                                                   "(default: a throwaway one)")
    args = parser.parse_args(argv)
    folder = Path(tempfile.mkdtemp(prefix="hotline-writes-"))
    if args.db:
        result = run(args.db.rstrip("/"), args.workers, args.writers, args.duration_s, folder)
    else:
        from benchmarks import pg
        with pg.throwaway("hotline-writes-pg-") as server_url:
            result = run(server_url, args.workers, args.writers, args.duration_s, folder)
    emit(result)
    return 0


if __name__ == "__main__":
    sys.exit(main())
