"""The platform under a centre's load: seats that hold event streams, go ready, answer the calls
the platform's router offers them, record an order per call, and (with --follow-feed) follow the
change feed as the workstation does: the rows a `changes` event carries are taken when the seat
has everything before them, else the seat reads the feed.

    python -m benchmarks.platform_load --seats 750 --calls-per-hour 7920 --follow-feed --ramp-s 10

The platform is `hotline-central serve` in its own process on loopback (its call simulator makes
the Poisson arrivals), over a fresh SQLite file, or `--db URL` (PostgreSQL: its sessions are
dropped first; `--workers N` runs `serve --workers N` on it). The seats are asyncio tasks of this
process, one HTTP connection each for the stream and a shared pool for requests. The seats connect spread over --ramp-s seconds, then all go
ready within --ready-s; calls flow for --duration-s. Figures: seats_connected (streams that said
hello), streams_dropped (ended by the platform before the end), ring_p50_ms / ring_p99_ms (from the
platform's ringing stamp to the seat hearing it), completed_per_h, mutations_per_s, server_cpu_pct
(of one core, the server's processes), errors (requests that failed or answered 5xx).
"""
from __future__ import annotations

import argparse
import asyncio
import os
import random
import re
import resource
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

from benchmarks.common import emit, log, percentile

TALK_S = (20.0, 40.0)  # the call's length: short, so that a short run sees many calls
ACW_S = 3.0


@dataclass
class Figures:
    hello: int = 0
    dropped: int = 0
    rings: list = field(default_factory=list)
    completed: int = 0
    mutations: int = 0
    errors: int = 0
    feed_reads: int = 0
    rows_pushed: int = 0  # `changes` events whose rows a seat took (it read no feed for them)
    frames: int = 0
    error_kinds: dict = field(default_factory=dict)

    def error(self, kind: str) -> None:
        self.errors += 1
        self.error_kinds[kind] = self.error_kinds.get(kind, 0) + 1


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


async def prepare(url: str, seats: int, keys_file: Path) -> list[str]:
    """Schema, reference data and `seats` agents with a session each; their access tokens."""
    from sqlalchemy import delete, select

    from central import accounts, db, seed
    from central.security import Claims, TokenKeys, issue_access_token
    from central.store import Database

    keys = TokenKeys.generate()
    keys_file.touch(mode=0o600)  # the platform refuses a key file others may read
    keys_file.write_text(keys.to_json(), encoding="utf-8")
    database = Database(url)
    await database.start()  # the schema's migrations
    try:
        async with database.write() as conn:
            if not await seed.is_seeded(conn):
                await seed.seed_reference(conn)
            await conn.execute(delete(db.sessions))
        tokens = []
        async with database.write() as conn:
            existing = set((await conn.execute(select(db.users.c.username))).scalars())
            for i in range(seats):
                name = f"load_{i:05d}"
                if name not in existing:
                    await accounts.create_user(conn, name, f"坐席 {i}", accounts.Role.agent, "!")
            rows = (await conn.execute(select(db.users.c.id, db.users.c.username)
                                       .where(db.users.c.username.like("load_%")))).all()
            ids = dict((name, uid) for uid, name in rows)
            for i in range(seats):
                name = f"load_{i:05d}"
                session = await accounts.start_session(conn, ids[name], f"LD-{i:05d}")
                claims = Claims(ids[name], name, "agent", f"LD-{i:05d}", int(time.time()) + 6 * 3600, None, session)
                tokens.append(issue_access_token(keys, claims))
        return tokens
    finally:
        await database.close()


class Seat:
    def __init__(self, i: int, token: str, run: Run) -> None:
        self.i, self.run = i, run
        self.headers = {"Authorization": f"Bearer {token}"}
        self.cursor = 0
        self.rng = random.Random(i)
        self.reading = False
        self.again = False

    async def request(self, method: str, path: str, **kwargs: object) -> dict | None:
        try:
            r = await self.run.client.request(method, path, headers=self.headers, **kwargs)
        except Exception as exc:  # noqa: BLE001 - a refused or timed-out request counts as an error
            if self.run.ending:
                return None
            self.run.figures.error(f"{path.split('/')[3]}: {type(exc).__name__}")
            return None
        if r.status_code >= 500 or r.status_code in (401, 403, 429):
            self.run.figures.error(f"{path.split('/')[3]}: {r.status_code}")
            return None
        return r.json() if r.status_code < 300 else None

    async def listen(self) -> None:
        """The event stream over a bare connection (HTTP/1.1, chunked): an HTTP library's reader
        would make this process, not the platform, the bottleneck of 2,000 streams."""
        f = self.run.figures
        writer = None
        try:
            reader, writer = await asyncio.open_connection(self.run.host, self.run.port, limit=1 << 20)
            writer.write(f"GET /api/v1/events HTTP/1.1\r\nHost: {self.run.host}\r\n"
                         f"Authorization: {self.headers['Authorization']}\r\nAccept: text/event-stream\r\n\r\n"
                         .encode())
            status = (await reader.readline()).split()
            if len(status) < 2 or status[1] != b"200":
                f.error(f"events: {status[1:2]}")
                return
            while (await reader.readline()) not in (b"\r\n", b""):
                pass  # the headers
            buffer = b""
            while True:
                size = int((await reader.readline()).strip() or b"0", 16)
                if size == 0:
                    break
                buffer += await reader.readexactly(size)
                await reader.readexactly(2)
                *frames, buffer = buffer.split(b"\n\n")
                for frame in frames:
                    event = data = ""
                    for line in frame.decode().split("\n"):
                        if line.startswith("event: "):
                            event = line[7:]
                        elif line.startswith("data: "):
                            data = line[6:]
                    if event:
                        f.frames += 1
                        self.on_event(event, data)
        except (OSError, ValueError, asyncio.IncompleteReadError):
            pass  # the stream broke: counted below as dropped
        finally:
            if writer is not None:
                writer.close()
        if not self.run.ending:
            f.dropped += 1

    def on_event(self, event: str, raw: str) -> None:
        import json
        if event == "hello":
            self.run.figures.hello += 1
            self.cursor = int(json.loads(raw).get("seq", 0))
        elif event == "call":
            data = json.loads(raw)
            if data.get("type") == "ringing":
                from domain import clock
                self.run.figures.rings.append(time.time() - clock.parse(data["at"]).timestamp())
                self.run.spawn(self.take(data["call_id"]))
        elif event == "changes" and self.run.follow_feed:
            # the head of the event only: a seat of its own would parse the rows, but 2,000 seats
            # parsing them in this one process made the client the bottleneck it measures
            head = HEAD.match(raw)
            seq, after = (int(head[1]), int(head[2])) if head else (int(json.loads(raw).get("seq", 0)), None)
            if after is not None and not self.reading and after <= self.cursor:
                self.cursor = max(self.cursor, seq)
                self.run.figures.rows_pushed += 1
            elif seq > self.cursor:
                self.read_feed()

    def read_feed(self) -> None:
        if self.reading:
            self.again = True
            return
        self.reading = True
        self.run.spawn(self._read_feed())

    async def _read_feed(self) -> None:
        try:
            while True:
                self.again = False
                page = await self.request("GET", "/api/v1/changes", params={"after": self.cursor, "limit": 500})
                self.run.figures.feed_reads += 1
                if page is None:
                    return
                self.cursor = page["cursor"]
                if not page["has_more"] and not self.again:
                    return
        finally:
            self.reading = False

    async def take(self, call_id: str) -> None:
        await asyncio.sleep(self.rng.uniform(0.5, 2.0))
        if await self.request("POST", f"/api/v1/calls/{call_id}/answer") is None:
            return
        await asyncio.sleep(self.rng.uniform(*TALK_S))
        await self.request("POST", f"/api/v1/calls/{call_id}/hangup")
        body = {"id": str(uuid.uuid4()), "entity": "work_order", "op": "create", "payload": {
            "request_type": "consultation", "category_id": "010103", "title": "咨询异地就医备案",
            "content": "来电咨询异地就医备案流程", "caller_phone": f"139{self.rng.randrange(10 ** 8):08d}"}}
        made = await self.request("POST", "/api/v1/mutations", json=body)
        if made is not None:
            self.run.figures.mutations += 1
            close = {"id": str(uuid.uuid4()), "entity": "work_order", "op": "close_at_intake",
                     "entity_id": made["data"]["number"], "payload": {"answer": "已按知识库答复。"}}
            if await self.request("POST", "/api/v1/mutations", json=close) is not None:
                self.run.figures.mutations += 1
        self.run.figures.completed += 1
        await asyncio.sleep(ACW_S)
        await self.request("POST", "/api/v1/agent/state", json={"state": "ready"})


class Run:
    def __init__(self, url: str, follow_feed: bool) -> None:
        import httpx
        self.figures = Figures()
        self.follow_feed = follow_feed
        self.ending = False
        self.host, self.port = url.split("//")[1].split(":")[0], int(url.rsplit(":", 1)[1])
        self.tasks: set[asyncio.Task] = set()
        self.client = httpx.AsyncClient(base_url=url, timeout=30.0,
                                        limits=httpx.Limits(max_connections=200, max_keepalive_connections=200))


    def spawn(self, coroutine) -> None:  # noqa: ANN001
        task = asyncio.get_running_loop().create_task(coroutine)
        self.tasks.add(task)
        task.add_done_callback(self.tasks.discard)


def run_loop(coroutine):  # noqa: ANN001, ANN201
    """The client's loop: uvloop when installed, so that 2,000 seats in one process measure the
    platform rather than this process."""
    try:
        import uvloop
    except ImportError:
        return asyncio.run(coroutine)
    return uvloop.run(coroutine)


HEAD = re.compile(r'\{"seq":(\d+),"after":(\d+),"changes":')  # a `changes` event with its rows


def client_cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def machine_busy() -> tuple[float, float]:
    """Busy and total jiffies of all cores since boot (/proc/stat)."""
    values = [int(v) for v in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    idle = values[3] + values[4]  # idle, iowait
    return float(sum(values) - idle), float(sum(values))


def cpu_seconds(pid: int) -> float:
    """CPU time of the process and of its children still running (the workers of `serve --workers`)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    total = (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    try:
        children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    except OSError:
        children = []
    for child in children:
        try:
            total += cpu_seconds(int(child))
        except OSError:  # ended meanwhile
            pass
    return total


async def drive(url: str, tokens: list[str], args: argparse.Namespace, pid: int) -> dict:
    run = Run(url, args.follow_feed)
    seats = [Seat(i, t, run) for i, t in enumerate(tokens)]
    listeners = []
    for i, seat in enumerate(seats):  # connect spread over the ramp
        listeners.append(asyncio.create_task(seat.listen()))
        if args.ramp_s:
            await asyncio.sleep(args.ramp_s / len(seats))
    give_up = time.monotonic() + 30 + args.ramp_s
    while run.figures.hello + run.figures.dropped < len(seats) and time.monotonic() < give_up:
        await asyncio.sleep(0.1)
    connected = run.figures.hello
    cpu0, t0, client0, busy0 = cpu_seconds(pid), time.monotonic(), client_cpu_seconds(), machine_busy()

    async def ready(seat: Seat) -> None:
        await asyncio.sleep(seat.rng.uniform(0, args.ready_s))
        await seat.request("POST", "/api/v1/agent/state", json={"state": "ready"})
    await asyncio.gather(*(ready(s) for s in seats))
    await asyncio.sleep(max(0.0, args.duration_s - (time.monotonic() - t0)))
    elapsed = time.monotonic() - t0
    cpu = cpu_seconds(pid) - cpu0
    client_cpu = client_cpu_seconds() - client0
    busy = [b - a for a, b in zip(busy0, machine_busy())]
    run.ending = True
    for task in [*listeners, *run.tasks]:
        task.cancel()
    await asyncio.gather(*listeners, *run.tasks, return_exceptions=True)
    await run.client.aclose()
    f = run.figures
    rings_ms = [r * 1000 for r in f.rings] or [0.0]
    return {"benchmark": "platform_load", "seats": len(seats), "calls_per_hour": args.calls_per_hour,
            "follow_feed": args.follow_feed, "workers": args.workers, "seats_connected": connected,
            "streams_dropped": f.dropped, "rings": len(f.rings), "ring_p50_ms": round(percentile(rings_ms, 50), 1),
            "ring_p99_ms": round(percentile(rings_ms, 99), 1), "completed_per_h": round(f.completed * 3600 / elapsed),
            "mutations_per_s": round(f.mutations / elapsed, 2), "server_cpu_pct": round(100 * cpu / elapsed, 1),
            # this load client's own share, and how busy the whole machine was (of all its cores):
            # near 100 % the figures are the machine's, not the platform's
            "client_cpu_pct": round(100 * client_cpu / elapsed, 1),
            "machine_busy_pct": round(100 * busy[0] / busy[1], 1) if busy[1] else None,
            "server_cpu_ms_per_call": round(1000 * cpu / f.completed, 1) if f.completed else None,
            "feed_reads": f.feed_reads, "rows_pushed": f.rows_pushed, "frames": f.frames, "errors": f.errors, "error_kinds": f.error_kinds,
            "seconds": round(elapsed, 1)}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seats", type=int, default=100)
    parser.add_argument("--calls-per-hour", type=float, default=1000.0)
    parser.add_argument("--workers", type=int, default=1,
                        help="platform worker processes (`serve --workers N`; more than 1 needs --db postgresql://...)")
    parser.add_argument("--db", default=None, help="database URL (default: a fresh SQLite file)")
    parser.add_argument("--follow-feed", action="store_true", help="follow the change feed as the workstation does (the rows pushed, else a read)")
    parser.add_argument("--ramp-s", type=float, default=5.0, help="seconds over which the seats connect")
    parser.add_argument("--ready-s", type=float, default=10.0, help="seconds within which all go ready")
    parser.add_argument("--duration-s", type=float, default=60.0, help="seconds measured, from the first ready")
    args = parser.parse_args(argv)
    if args.workers > 1 and not (args.db or "").startswith("postgresql"):
        parser.error("--workers: several workers need --db postgresql://...")
    resource.setrlimit(resource.RLIMIT_NOFILE, (min(65536, resource.getrlimit(resource.RLIMIT_NOFILE)[1]),) * 2)
    folder = Path(tempfile.mkdtemp(prefix="hotline-load-"))
    url = args.db or f"sqlite:///{folder / 'central.db'}"
    keys = folder / "keys.json"
    log(f"preparing {args.seats} seats on {url.split('@')[-1]}")
    tokens = asyncio.run(prepare(url, args.seats, keys))
    port = free_port()
    server_log = open(folder / "server.log", "w+b")  # noqa: SIM115 - read and closed at the end
    server = subprocess.Popen([sys.executable, "-m", "central.cli", "serve", "--db", url, "--port", str(port),
                               "--token-keys", str(keys), "--calls-per-hour", str(args.calls_per_hour),
                               "--seed", "1", "--workers", str(args.workers)],
                              stdout=subprocess.DEVNULL, stderr=server_log)
    try:
        base = f"http://127.0.0.1:{port}"
        import httpx
        for _ in range(600):
            if server.poll() is not None:
                server_log.seek(0)
                raise SystemExit("the platform did not start: " + server_log.read().decode(errors="replace")[-2000:])
            try:
                if httpx.get(f"{base}/api/v1/health", timeout=1.0).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            time.sleep(0.1)
        else:
            raise SystemExit("the platform did not answer within a minute")
        log(f"{args.seats} seats connecting over {args.ramp_s:g} s, ready within {args.ready_s:g} s, "
            f"{args.calls_per_hour:g} calls/h for {args.duration_s:g} s")
        result = run_loop(drive(base, tokens, args, server.pid))
    finally:
        server.terminate()
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
    server_log.seek(0)
    text = server_log.read().decode(errors="replace")
    server_log.close()
    result["server_500s"] = text.count(" 500 on ")
    result["server_recursion_errors"] = text.count("RecursionError")
    emit(result)
    return 0


if __name__ == "__main__":
    sys.exit(main())
