"""Random faults against real processes on loopback, and whether any work order was lost.

    python -m benchmarks.faults --rounds 1000 [--db sqlite|postgresql] [--seed 1] [--damage-cache]

A real `hotline-central serve` (over a SQLite file, or a throwaway PostgreSQL cluster) sits behind a
fault proxy that runs in this process. Each round is one run of a headless seat
(benchmarks/fault_client.py: the real PlatformClient, SeatSession and OrderService) that records
one to three consultations, some closed at intake, then waits for its outbox to drain and its
cache to catch up. Three seats, each with a cache folder that outlives its runs, take the rounds in
turn and run side by side. Meanwhile, as the seeded plan says:
- the proxy, per request: resets the connection after the platform applied the request, sends half
  the answer, answers 503 or a proxy's HTML 404 or 502 page, drops the request, delays it, or
  delivers it twice; it streams the event stream and cuts it;
- the platform is killed (SIGKILL) or stopped (SIGTERM) and restarted on the same port;
- a seat's run is killed (SIGKILL), whatever it was doing (uploading, downloading, opening);
- with --damage-cache, a stopped seat's cache file is cut (to nothing or to half) or its header
  overwritten.
At the end, with no faults, each seat runs once more until its outbox is empty and its cache has
caught up, and the orders the seats printed as recorded are compared with the platform's rows and
with every seat's cache.

The plan (who runs, what is killed when) is drawn from random.Random(seed); the proxy's per-request
faults from a second seeded stream, in the order requests arrive. The last stdout line is JSON:
intended, created, lost, duplicated, cache_mismatches, stranded, rejected, and the faults counted.
Measured on two busy cores (load 6-9): 20 rounds in 25-55 s, 100 rounds in 126 s, so 1000 rounds
in about 20-30 minutes. Seat runs are forked from a server that has imported the client core once;
a SQLite platform starts from a seeded file kept in cache_dir(). --keep keeps the working folder:
the platform's log, each seat's log, each run's lines, and faults.log (every fault, with its request).
"""
from __future__ import annotations

import argparse
import asyncio
import contextlib
import hashlib
import multiprocessing
import os
import random
import shutil
import signal
import socket
import sqlite3
import struct
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from benchmarks import fault_client, pg
from benchmarks.common import cache_dir, emit, log
from offline_cache import cipher
from workstation.credentials import Credentials

HOST = "127.0.0.1"
DEMO_PASSWORD = "hotline-demo"  # central.seed.DEMO_PASSWORD, of the users `hotline-central seed` makes
USERS = ("agent", "agent2", "expert", "lead")  # seeded users who take calls; seat i signs in as USERS[i % 4]
ROOT = Path(__file__).resolve().parent.parent
PROXY_FAULTS = ("drop", "reset_after_applied", "half_answer", "http_503", "html_404", "html_502", "delay",
                "duplicate")
SEED_SOURCES = ("central/seed.py", "central/migrations.py", "central/db.py", "central/routes/auth.py", "central/accounts.py",
                "resources/demo/categories.json", "resources/demo/units.json")
RUN_DEADLINE_S = 25.0
FINAL_DEADLINE_S = 90.0
MAX_HEAD = 64 * 1024
MAX_BODY = 1 << 20


def free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


# -- the database: a SQLite file, or a throwaway PostgreSQL cluster ------------------------------

@contextlib.contextmanager
def database(kind: str, folder: Path) -> Iterator[str]:
    """The database URL; a PostgreSQL cluster is made in `folder` and stopped at the end (as root,
    it belongs to the postgres user: initdb refuses root)."""
    if kind == "sqlite":
        yield f"sqlite:///{folder / 'central.db'}"
        return
    programs = pg.bindir()
    if programs is None:
        raise SystemExit("PostgreSQL server binaries (initdb) not found; install the postgresql package")
    cluster_folder = folder / "pg"
    cluster_folder.mkdir()
    as_user = pg.as_server_user()
    if as_user:
        shutil.chown(folder, "postgres", "postgres")  # the server's user reaches its folder through this one
    with pg.cluster(cluster_folder, programs) as url:
        subprocess.run([*as_user, f"{programs}/createdb", "-h", pg.HOST, "-p", url.rsplit(":", 1)[1], "-U", "hotline",
                        "faults"], check=True, capture_output=True)
        yield f"{url}/faults"


# -- the platform process -----------------------------------------------------------------------

class PlatformProcess:
    """`hotline-central serve` on a fixed loopback port, killed and restarted at will."""

    def __init__(self, url: str, port: int, log_path: Path) -> None:
        self.url, self.port, self.log_path = url, port, log_path
        self.proc: subprocess.Popen | None = None
        self.restarts = 0

    async def start(self) -> None:
        with open(self.log_path, "ab") as out:
            # the token key file beside the log: the same keys after every restart, as a centre's workers have
            self.proc = subprocess.Popen([sys.executable, "-m", "central.cli", "serve", "--db", self.url,
                                          "--host", HOST, "--port", str(self.port),
                                          "--token-keys", str(self.log_path.with_name("token-keys.json"))],
                                         cwd=ROOT, stdout=out, stderr=subprocess.STDOUT)
        await self._healthy()

    async def _healthy(self) -> None:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            if self.proc is None or self.proc.poll() is not None:
                raise RuntimeError(f"the platform exited; see {self.log_path}")
            if await _health(self.port):
                return
            await asyncio.sleep(0.05)
        raise RuntimeError("the platform did not start")

    async def stop(self, sig: int = signal.SIGTERM) -> None:
        proc, self.proc = self.proc, None
        if proc is None or proc.poll() is not None:
            return
        proc.send_signal(sig)
        try:
            await asyncio.to_thread(proc.wait, 15)
        except subprocess.TimeoutExpired:
            proc.kill()
            await asyncio.to_thread(proc.wait)

    async def restart(self, sig: int, down_s: float) -> None:
        await self.stop(sig)
        await asyncio.sleep(down_s)
        await self.start()
        self.restarts += 1


async def _health(port: int) -> bool:
    """One raw GET /api/v1/health: True on a 200."""
    try:
        reader, writer = await asyncio.open_connection(HOST, port)
    except OSError:
        return False
    try:
        writer.write(f"GET /api/v1/health HTTP/1.1\r\nHost: {HOST}\r\nConnection: close\r\n\r\n".encode())
        async with asyncio.timeout(5):
            answer = await reader.read()
        return answer.startswith(b"HTTP/1.1 200")
    except (OSError, TimeoutError):
        return False
    finally:
        writer.close()


# -- the fault proxy ------------------------------------------------------------------------------

@dataclass
class Request:
    method: str
    path: str
    head: bytes  # request line and headers, "Connection: close" towards the platform
    body: bytes


def _page(status: int, reason: str) -> bytes:
    """An answer as nginx makes it: HTML, nothing of the platform's."""
    body = (f"<html>\r\n<head><title>{status} {reason}</title></head>\r\n<body>\r\n<center><h1>{status} {reason}"
            f"</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n").encode()
    return (f"HTTP/1.1 {status} {reason}\r\nServer: nginx\r\nContent-Type: text/html\r\n"
            f"Content-Length: {len(body)}\r\n\r\n").encode() + body


async def _read_request(reader: asyncio.StreamReader) -> Request | None:
    """The next request on a client connection; None when the client closed it."""
    try:
        raw = await reader.readuntil(b"\r\n\r\n")
    except asyncio.IncompleteReadError:
        return None
    lines = raw.decode("latin-1").split("\r\n")
    method, path, _version = lines[0].split(" ", 2)
    headers = [line for line in lines[1:] if line]
    length = 0
    kept = []
    for line in headers:
        name, _, value = line.partition(":")
        name = name.strip().lower()
        if name == "content-length":
            length = int(value)
        elif name == "transfer-encoding":
            raise ValueError("chunked requests are not proxied")
        if name not in ("connection", "keep-alive"):
            kept.append(line)
    if not 0 <= length <= MAX_BODY:
        raise ValueError("request body too large")
    body = await reader.readexactly(length) if length else b""
    head = "\r\n".join([lines[0], *kept, "Connection: close", "", ""]).encode("latin-1")
    return Request(method, path, head, body)


def _complete(raw: bytes) -> tuple[bytes, bool] | None:
    """(the answer to pass on, whether the client connection may stay open), or None when the
    platform's answer was cut short."""
    end = raw.find(b"\r\n\r\n")
    if end < 0:
        return None
    head, body = raw[:end].decode("latin-1").split("\r\n"), raw[end + 4:]
    kept = [head[0]]
    length, chunked = None, False
    for line in head[1:]:
        name, _, value = line.partition(":")
        name = name.strip().lower()
        if name == "content-length":
            length = int(value)
        elif name == "transfer-encoding" and "chunked" in value.lower():
            chunked = True
        if name != "connection":
            kept.append(line)
    if length is not None and len(body) < length or chunked and not body.endswith(b"0\r\n\r\n"):
        return None
    framed = length is not None or chunked
    if not framed:
        kept.append("Connection: close")
    return "\r\n".join([*kept, "", ""]).encode("latin-1") + body, framed


class FaultProxy:
    """An HTTP/1.1 proxy on loopback in front of the platform, injecting faults per request."""

    def __init__(self, upstream_port: int, rng: random.Random, fault_rate: float) -> None:
        self.upstream_port, self.rng, self.fault_rate = upstream_port, rng, fault_rate
        self.enabled = True
        self.faults: Counter[str] = Counter()
        self.on_mutations: Counter[str] = Counter()  # the faults that hit POST /mutations
        self.requests = 0
        self.upstream_down = 0
        self.journal: list[str] = []  # the faults, for a look at a kept working folder
        self._server: asyncio.Server | None = None
        self._handlers: set[asyncio.Task] = set()
        self._bags: dict[str, list[str]] = {}
        self.port = 0

    async def start(self) -> None:
        self._server = await asyncio.start_server(self._serve, HOST, 0, limit=MAX_HEAD)
        self.port = self._server.sockets[0].getsockname()[1]

    async def stop(self) -> None:
        assert self._server is not None
        self._server.close()
        for task in list(self._handlers):
            task.cancel()
        await asyncio.gather(*self._handlers, return_exceptions=True)
        await self._server.wait_closed()

    def _fault(self, kind_of_request: str, kinds: tuple[str, ...] = PROXY_FAULTS) -> str | None:
        """A fault for this request or None. Each kind of request (uploads, sign-in and refresh, the
        rest) draws its faults from its own shuffled bag of every kind: a small run still gives each
        kind of fault to each kind of request, a few times."""
        if not self.enabled or self.rng.random() >= self.fault_rate:
            return None
        bag = self._bags.setdefault(kind_of_request, [])
        if not bag:
            bag.extend(kinds)
            self.rng.shuffle(bag)
        return bag.pop()

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        self._handlers.add(task)
        try:
            while (request := await _read_request(reader)) is not None:
                self.requests += 1
                if request.path.startswith("/api/v1/events"):
                    await self._stream(request, reader, writer)
                    return
                if not await self._exchange(request, writer):
                    return
        except (OSError, ValueError, asyncio.IncompleteReadError, asyncio.LimitOverrunError):
            pass  # the client went, or sent what a proxy refuses: close
        finally:
            self._handlers.discard(task)
            writer.close()

    async def _forward(self, request: Request) -> bytes | None:
        """The platform's raw answer (perhaps cut short), or None when it could not be reached."""
        try:
            reader, writer = await asyncio.open_connection(HOST, self.upstream_port)
        except OSError:
            return None
        try:
            writer.write(request.head + request.body)
            async with asyncio.timeout(30):
                return await reader.read()
        except (OSError, TimeoutError):
            return b""
        finally:
            writer.close()

    async def _exchange(self, request: Request, writer: asyncio.StreamWriter) -> bool:
        """Answer one request; False when the client connection is to be closed."""
        upload = request.method == "POST" and request.path.startswith("/api/v1/mutations")
        kind = self._fault("upload" if upload else "auth" if request.path.startswith("/api/v1/auth/") else "other")
        if kind is not None:
            self.faults[kind] += 1
            self.journal.append(f"{time.monotonic():.3f} {request.method} {request.path.split('?')[0]} {kind}")
            if upload:
                self.on_mutations[kind] += 1
        if kind == "drop":
            return False
        if kind in ("http_503", "html_404") or kind == "html_502" and self.rng.random() < 0.5:
            writer.write(_page(*{"http_503": (503, "Service Temporarily Unavailable"), "html_404": (404, "Not Found"),
                                 "html_502": (502, "Bad Gateway")}[kind]))
            await writer.drain()
            return True
        if kind == "delay":
            await asyncio.sleep(self.rng.uniform(0.05, 1.0))
        if kind == "duplicate":
            answers = await asyncio.gather(self._forward(request), self._forward(request))
            raw = answers[self.rng.randrange(2)]
        else:
            raw = await self._forward(request)
        if raw is None:
            self.upstream_down += 1
            writer.write(_page(502, "Bad Gateway"))  # what nginx answers when its upstream refuses
            await writer.drain()
            return True
        if kind == "html_502":  # the platform applied it; the proxy gave up on the answer
            writer.write(_page(502, "Bad Gateway"))
            await writer.drain()
            return True
        if kind == "reset_after_applied":
            _reset(writer)
            return False
        answer = _complete(raw)
        if answer is None:  # the platform died mid-answer: pass on what came, then close
            writer.write(raw)
            await writer.drain()
            return False
        data, keep = answer
        if kind == "half_answer":
            writer.write(data[: len(data) // 2])
            await writer.drain()
            return False
        writer.write(data)
        await writer.drain()
        return keep

    async def _stream(self, request: Request, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        """The event stream, passed on as it comes; the only fault is a cut."""
        cut_after = None
        if self._fault("stream", ("stream_cut",)):
            self.faults["stream_cut"] += 1
            self.journal.append(f"{time.monotonic():.3f} GET /api/v1/events stream_cut")
            cut_after = self.rng.uniform(0.1, 3.0)
        try:
            up_reader, up_writer = await asyncio.open_connection(HOST, self.upstream_port)
        except OSError:
            self.upstream_down += 1
            writer.write(_page(502, "Bad Gateway"))
            await writer.drain()
            return
        try:
            up_writer.write(request.head + request.body)
            async with asyncio.timeout(cut_after):
                client_gone = asyncio.ensure_future(reader.read(1))
                try:
                    while chunk := await _first(up_reader.read(65536), client_gone):
                        writer.write(chunk)
                        await writer.drain()
                finally:
                    client_gone.cancel()
        except TimeoutError:
            _reset(writer)
        finally:
            up_writer.close()


async def _first(read, client_gone: asyncio.Future) -> bytes:  # noqa: ANN001
    """The upstream chunk, or b"" when the client closed its side first."""
    task = asyncio.ensure_future(read)
    done, _ = await asyncio.wait({task, client_gone}, return_when=asyncio.FIRST_COMPLETED)
    if task in done:
        return task.result()
    task.cancel()
    return b""


def _reset(writer: asyncio.StreamWriter) -> None:
    """Close with a TCP reset, as a proxy or a middlebox dropping the connection does."""
    sock = writer.get_extra_info("socket")
    if sock is not None:
        with contextlib.suppress(OSError):
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    writer.transport.abort()


# -- the plan ---------------------------------------------------------------------------------------

@dataclass
class Round:
    number: int
    seat: int
    orders: int
    close: list[int]
    resume: bool
    kill_client_at: float | None
    platform_fault: tuple[str, float, float] | None  # (signal name, after s, down for s)
    damage: str | None  # what happens to the cache file after the run, with --damage-cache


def plan(rng: random.Random, rounds: int, seats: int) -> list[Round]:
    made = []
    for number in range(rounds):
        orders = rng.randint(1, 3)
        close = [i for i in range(orders) if rng.random() < 0.5]
        resume = rng.random() < 0.8  # as the app starts: the kept token; now and then the password
        kill = rng.uniform(0.2, 3.0) if rng.random() < 0.3 else None
        platform = ((rng.choice(("SIGKILL", "SIGTERM")), rng.uniform(0.1, 2.5), rng.uniform(0.0, 1.5))
                    if rng.random() < 0.1 else None)
        damage = rng.choice(("empty", "half", "header")) if rng.random() < 0.05 else None
        made.append(Round(number, number % seats, orders, close, resume, kill, platform, damage))
    return made


# -- the driver ---------------------------------------------------------------------------------------

@dataclass
class Tally:
    intended: dict[str, tuple[int, str, bool]] = field(default_factory=dict)  # ref -> (seat, token, closed)
    runs: int = 0
    kills: int = 0
    crashes: int = 0
    timeouts: int = 0
    resume_refused: int = 0
    open_waits: int = 0
    offline_starts: int = 0
    damaged: int = 0
    platform_faults: Counter = field(default_factory=Counter)


class Driver:
    def __init__(self, args: argparse.Namespace, folder: Path, url: str) -> None:
        self.args, self.folder = args, folder
        self.platform = PlatformProcess(url, free_port(), folder / "platform.log")
        self.proxy = FaultProxy(self.platform.port, random.Random(f"{args.seed}/proxy"), args.fault_rate)
        self.tally = Tally()
        self._platform_lock = asyncio.Lock()
        self._platform_tasks: set[asyncio.Task] = set()
        self._clients: set[multiprocessing.process.BaseProcess] = set()
        # Seat runs are forked from a server that has imported the client core once (see
        # fault_client.forked): real processes, killed for real, without an interpreter start each.
        self.forks = multiprocessing.get_context("forkserver")
        self.forks.set_forkserver_preload(["benchmarks.fault_client"])
        (folder / "runs").mkdir()

    def seat_folder(self, seat: int) -> Path:
        return self.folder / f"seat-{seat + 1}"

    async def run(self) -> dict:
        await self.platform.start()
        await self.proxy.start()
        try:
            rounds = plan(random.Random(self.args.seed), self.args.rounds, self.args.seats)
            await asyncio.gather(*(self._seat(seat, [r for r in rounds if r.seat == seat])
                                   for seat in range(self.args.seats)))
            await asyncio.gather(*self._platform_tasks)
            self.proxy.enabled = False
            log("faults: rounds done; final runs without faults")
            # every outbox first, then every cache catches up with the head they made
            await asyncio.gather(*(self._final(seat) for seat in range(self.args.seats)))
            unsettled = await asyncio.gather(*(self._final(seat) for seat in range(self.args.seats)))
            return await self._compare(sum(unsettled))
        finally:
            for proc in self._clients:
                proc.kill()
                proc.join()
            await self.proxy.stop()
            await self.platform.stop()
            (self.folder / "faults.log").write_text("\n".join(self.proxy.journal) + "\n", encoding="utf-8")

    async def _seat(self, seat: int, rounds: list[Round]) -> None:
        for r in rounds:
            if r.platform_fault is not None:
                task = asyncio.get_running_loop().create_task(self._platform_fault(*r.platform_fault))
                self._platform_tasks.add(task)
            await self._client_run(seat, r)
            if r.damage and self.args.damage_cache:
                self._damage(seat, r.damage)
            if r.number % 20 == 19:
                log(f"faults: round {r.number + 1}/{self.args.rounds}")

    async def _platform_fault(self, sig_name: str, after_s: float, down_s: float) -> None:
        await asyncio.sleep(after_s)
        async with self._platform_lock:
            self.tally.platform_faults[f"platform_{sig_name.lower()}"] += 1
            started = time.monotonic()
            await self.platform.restart(getattr(signal, sig_name), down_s)
            if self.args.verbose:
                log(f"platform {sig_name} and restart: {time.monotonic() - started:.1f} s (down {down_s:.1f} s)")

    async def _client_run(self, seat: int, r: Round | None, deadline_s: float = RUN_DEADLINE_S) -> list[str]:
        argv = ["--platform", f"http://{HOST}:{self.proxy.port}", "--folder", str(self.seat_folder(seat)),
                "--seat", f"F-{seat + 1}", "--user", USERS[seat % len(USERS)], "--deadline", str(deadline_s),
                "--run", f"r{r.number}" if r else f"final{seat + 1}"]
        if r is not None:
            argv += ["--orders", str(r.orders), "--close", ",".join(map(str, r.close))]
            if r.resume:
                argv.append("--resume")
        self.tally.runs += 1
        out = self.folder / "runs" / f"{self.tally.runs}.out"
        proc = self.forks.Process(target=fault_client.forked, name=f"seat-{seat + 1}", daemon=True,
                                  args=(argv, str(out), str(self.seat_folder(seat).with_suffix(".log")),
                                        DEMO_PASSWORD))
        started = time.monotonic()
        proc.start()
        self._clients.add(proc)
        exited = asyncio.get_running_loop().create_future()
        asyncio.get_running_loop().add_reader(proc.sentinel, lambda: exited.done() or exited.set_result(None))
        killed = False
        try:
            kill_at = r.kill_client_at if r else None
            if kill_at is not None and not await _within(exited, kill_at):
                proc.kill()
                killed = True
                self.tally.kills += 1
            if not await _within(exited, deadline_s + 15):
                proc.kill()
            await exited
        finally:
            asyncio.get_running_loop().remove_reader(proc.sentinel)
            proc.join()
            self._clients.discard(proc)
        code = proc.exitcode
        proc.close()
        lines = out.read_text(encoding="utf-8", errors="replace").splitlines() if out.exists() else []
        if self.args.verbose:
            log(f"seat {seat + 1} {'final' if r is None else r.number}: exit {code} after "
                f"{time.monotonic() - started:.1f} s{' (killed)' if killed else ''}: {' | '.join(lines)}")
        self._note(seat, lines)
        if not killed and code not in (0, 3):
            self.tally.crashes += 1
        if not killed and code == 3:
            self.tally.timeouts += 1
        return lines

    def _note(self, seat: int, lines: list[str]) -> None:
        for line in lines:
            word, _, rest = line.partition(" ")
            parts = rest.split(" ")
            if word == "intended" and len(parts) == 3:  # a line cut by a kill is not a whole one
                ref, token, closed = parts
                self.tally.intended[ref] = (seat, token, closed == "closed")
            elif word == "resume_refused":
                self.tally.resume_refused += 1
            elif word == "open_wait":
                self.tally.open_waits += 1
            elif word == "offline_start":
                self.tally.offline_starts += 1

    def _damage(self, seat: int, how: str) -> None:
        """Damage the stopped seat's cache as a crash or a full disk can: the file cut to nothing or
        to half (its write-ahead log gone with it), or its header overwritten."""
        for path in self.seat_folder(seat).glob("cache/*/*.db"):
            if how == "header":
                with open(path, "r+b") as f:
                    f.write(b"\0not a database\0")
            else:
                size = path.stat().st_size
                with open(path, "r+b") as f:
                    f.truncate(0 if how == "empty" else size // 2)
                for suffix in ("-wal", "-shm"):
                    Path(f"{path}{suffix}").unlink(missing_ok=True)
            self.tally.damaged += 1

    async def _final(self, seat: int) -> int:
        """A run of the seat after the faults; 1 when it ended without settling."""
        lines = await self._client_run(seat, None, FINAL_DEADLINE_S)
        return 0 if lines and lines[-1].startswith("done ") else 1

    async def _compare(self, unsettled: int) -> dict:
        orders = await platform_orders(self.platform.url)
        by_ref: dict[str, list[dict]] = {}
        by_token: Counter[str] = Counter()
        for row in orders:
            if row["client_ref"]:
                by_ref.setdefault(row["client_ref"], []).append(row)
            by_token[row["title"].removeprefix("故障演练 ")] += 1
        intended = self.tally.intended
        created = [ref for ref in intended if ref in by_ref]
        mismatches, stranded, rejected, unreadable = 0, 0, 0, 0
        examples: dict[str, list[str]] = {"lost": [ref for ref in intended if ref not in by_ref][:5], "mismatch": []}
        for seat in range(self.args.seats):
            cache = read_cache(self.seat_folder(seat))
            if cache is None:
                unreadable += 1
                mismatches += len(orders)
                continue
            rows, outbox, refused = cache
            stranded += outbox
            rejected += refused
            differences = [f"seat {seat + 1} {d}" for d in cache_differences(rows, orders)]
            mismatches += len(differences)
            examples["mismatch"] += differences[:5 - len(examples["mismatch"])]
        closes = [ref for ref, (_, _, closed) in intended.items() if closed and ref in by_ref]
        return {
            "intended": len(intended), "created": len(created), "lost": len(intended) - len(created),
            "duplicated": sum(n - 1 for n in by_token.values()) + sum(len(rows) - 1 for rows in by_ref.values()),
            "created_unprinted": sum(1 for ref in by_ref if ref not in intended),
            "cache_mismatches": mismatches, "stranded": stranded, "rejected": rejected,
            "caches_unreadable": unreadable, "unsettled_final_runs": unsettled,
            "platform_orders": len(orders),
            "lost_closes": sum(1 for ref in closes if by_ref[ref][0]["status"] != "closed_at_intake"),
            "client_runs": self.tally.runs, "client_kills": self.tally.kills, "client_crashes": self.tally.crashes,
            "client_timeouts": self.tally.timeouts, "resume_refused": self.tally.resume_refused,
            "open_waits": self.tally.open_waits, "offline_starts": self.tally.offline_starts,
            "platform_restarts": self.platform.restarts,
            "faults": {**dict(sorted(self.proxy.faults.items())), **dict(self.tally.platform_faults),
                       "client_sigkill": self.tally.kills, "cache_damaged": self.tally.damaged},
            "faults_on_mutations": dict(sorted(self.proxy.on_mutations.items())),
            "requests_proxied": self.proxy.requests, "upstream_down_answers": self.proxy.upstream_down,
            "examples": examples,
        }


async def _within(future: asyncio.Future, seconds: float) -> bool:
    """Whether the future is done within the time (it is not cancelled)."""
    done, _ = await asyncio.wait({future}, timeout=seconds)
    return bool(done)


async def platform_orders(url: str) -> list[dict]:
    from sqlalchemy import select

    from central import db
    from central.store import Database

    o = db.work_orders
    store = Database(url)
    try:
        await store.start()
        async with store.read() as conn:
            rows = (await conn.execute(select(o.c.number, o.c.client_ref, o.c.status, o.c.version, o.c.title)))
            return [dict(r) for r in rows.mappings()]
    finally:
        await store.close()


def cache_differences(rows: dict[str, dict], orders: list[dict]) -> list[str]:
    """Each platform order the cache lacks or holds at another status or version, and each order the
    cache made that never reached the platform (nor was refused by it)."""
    differences = []
    for order in orders:
        mine = rows.get(order["number"])
        if mine is None or (mine["status"], mine["version"]) != (order["status"], order["version"]):
            seen = "missing" if mine is None else f"{mine['status']} v{mine['version']}"
            differences.append(f"{order['number']}: {seen}, platform {order['status']} v{order['version']}")
    differences += [f"{number}: only in the cache" for number, row in rows.items()
                    if row["local"] and not row["rejected_code"]]
    return differences


def read_cache(seat_folder: Path) -> tuple[dict[str, dict], int, int] | None:
    """(work orders by number, outbox size, rejections) of the seat's cache, opened read-only with
    its key after its last run exited; None when there is no readable cache."""
    paths = sorted(seat_folder.glob("cache/*/*.db"))
    if not paths:
        return None
    # the cache is encrypted with its key in the OS keyring (the seats' and this driver's: one session)
    key = Credentials().load_cache_key(paths[0])
    try:
        conn = cipher.connect(f"file:{paths[0]}?mode=ro", key, uri=True)
    except sqlite3.Error:
        return None
    try:
        conn.row_factory = cipher.Row
        rows = {r["number"]: dict(r) for r in conn.execute(
            "SELECT number, client_ref, status, version, local, rejected_code FROM work_orders")}
        outbox = conn.execute("SELECT count(*) FROM outbox").fetchone()[0]
        rejected = conn.execute("SELECT count(*) FROM rejected").fetchone()[0]
        return rows, outbox, rejected
    except sqlite3.Error:
        return None
    finally:
        conn.close()


def seed_platform(url: str, folder: Path) -> None:
    """Reference data and the demo users (`hotline-central seed --demo-users`). A SQLite platform is copied from a
    file seeded once per version of the schema and the seed, kept in cache_dir(): seeding hashes a
    password per user, seconds on a busy machine."""
    if not url.startswith("sqlite:///"):
        _seed(url, folder)
        return
    digest = hashlib.sha256(b"".join((ROOT / name).read_bytes() for name in SEED_SOURCES)).hexdigest()[:16]
    template = cache_dir() / f"faults-platform-{digest}.db"
    if not template.exists():
        for stale in cache_dir().glob("faults-platform-*.db"):
            stale.unlink(missing_ok=True)
        building = template.with_suffix(f".{os.getpid()}.building")
        _seed(f"sqlite:///{building}", folder)
        os.replace(building, template)
    shutil.copy(template, url.removeprefix("sqlite:///"))


def _seed(url: str, folder: Path) -> None:
    with open(folder / "platform.log", "ab") as out:
        subprocess.run([sys.executable, "-m", "central.cli", "seed", "--demo-users", "--db", url], cwd=ROOT, stdout=out,
                       stderr=subprocess.STDOUT, check=True)


def main() -> None:
    p = argparse.ArgumentParser(prog="python -m benchmarks.faults", description=__doc__.splitlines()[0])
    p.add_argument("--rounds", type=int, default=1000)
    p.add_argument("--db", choices=("sqlite", "postgresql"), default="sqlite")
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--seats", type=int, default=3)
    p.add_argument("--fault-rate", type=float, default=0.25, help="share of proxied requests given a fault")
    p.add_argument("--damage-cache", action="store_true",
                   help="also truncate a stopped seat's cache file now and then")
    p.add_argument("--keep", action="store_true", help="keep the working folder (logs, caches) for a look")
    p.add_argument("--verbose", action="store_true", help="one line on stderr per client run")
    args = p.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="hotline-faults-"))
    t0 = time.perf_counter()
    try:
        with database(args.db, folder) as url:
            seed_platform(url, folder)
            log(f"faults: {args.rounds} rounds, {args.seats} seats, {args.db}, seed {args.seed}, in {folder}")
            result = asyncio.run(Driver(args, folder, url).run())
    finally:
        if not args.keep:
            shutil.rmtree(folder, ignore_errors=True)
    emit({"benchmark": "faults", "rounds": args.rounds, "db": args.db, "seed": args.seed, "seats": args.seats,
          "fault_rate": args.fault_rate, "damage_cache": args.damage_cache, **result,
          "wall_s": round(time.perf_counter() - t0, 1)})


if __name__ == "__main__":
    main()
