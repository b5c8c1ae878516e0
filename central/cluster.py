"""Several platform processes (workers, on one machine or several) serving one PostgreSQL database.

- **Events** go through PostgreSQL's LISTEN/NOTIFY on one channel: what a worker's broker publishes
  to a user, broadcasts, or the sessions it ends, it also sends there, and every other worker
  delivers it to its own streams. Messages leave one connection in the order they were made (one
  `pg_notify` statement for all that waited), so a stream hears a worker's events in that order. A
  message over the payload limit (8,000 bytes) is stored in `bus_spill` and its number is sent
  instead; the receivers read it back before the messages after it. The `changes` event is not
  sent: each worker hears that the feed moved and makes its own streams' events from the feed.
- **Presence** (which users hold a stream) is shared: a worker says when a user's first stream
  comes or last one goes, and repeats its whole list every `PRESENCE_EVERY_S`; a worker not heard
  from for `WORKER_EXPIRES_S` is taken as gone with its streams.
- **The call router, the wallboard, the sweeps and the simulators** run in one worker at a time, the
  holder of a session-level advisory lock (the lease). The others try to take it every
  `LEASE_RETRY_S`: PostgreSQL lets it go when its holder's connection ends (a killed process at
  once). The holder writes where it can be reached (`router_owner`); the others forward the
  router's requests there (`RouterForward`). Agents' states are kept in `agent_states`, so that a
  new holder routes to the agents who were ready; the calls the old one held are ended.
"""
from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import re
import time
import uuid
from typing import TYPE_CHECKING

import asyncpg
import httpx
from sqlalchemy import text
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from central.events import RESYNC
from domain.errors import error_body

if TYPE_CHECKING:
    from central.platform import Platform

log = logging.getLogger(__name__)

CHANNEL = "hotline_bus"
PAYLOAD_LIMIT = 7900  # bytes of a NOTIFY payload (PostgreSQL's limit: 8000)
PRESENCE_EVERY_S = 2.0
WORKER_EXPIRES_S = 6.0
LEASE_RETRY_S = 0.5
LEASE_KEY = (12345, 1)  # a two-key advisory lock: the change feed owns the one-key ones (central/feed.py)
OWNER_KEY = "router_owner"  # meta: the address of the lease's holder
SPILL_KEEP_S = 120.0
OUTBOX_MAX = 50_000  # messages kept for a bus link that is down; older ones are dropped
FORWARD_TIMEOUT_S = 10.0

# the requests only the router's owner can answer
ROUTER_PATHS = re.compile(r"^/api/v1/(agent/state|calls|calls/[^/]+/(answer|hangup|transfer)|queue|wallboard)$")


def asyncpg_dsn(url: str) -> str:
    return re.sub(r"^postgresql(\+\w+)?://", "postgresql://", url)


class Cluster:
    def __init__(self, platform: Platform, address: str, worker_id: str | None = None) -> None:
        """address: where the other workers reach this one (its router requests, when it leads)."""
        self.platform = platform
        self.address = address.rstrip("/")
        self.worker_id = worker_id or uuid.uuid4().hex[:12]
        self.leading = False
        self.owner_address: str | None = None
        self._dsn = asyncpg_dsn(platform.db.url)
        self._listener: asyncpg.Connection | None = None
        self._sender: asyncpg.Connection | None = None
        self._lease: asyncpg.Connection | None = None
        self._outbox: list[str] = []
        self._outbox_ready = asyncio.Event()
        self._inbox: asyncio.Queue[str] = asyncio.Queue()
        self._heard_at: dict[str, float] = {}  # other workers: when last heard from
        self._tasks: list[asyncio.Task] = []
        self._client = httpx.AsyncClient(timeout=FORWARD_TIMEOUT_S)
        self.sent = 0  # messages sent, spilled ones included
        self.spilled = 0

    # -- life --------------------------------------------------------------------------------------

    async def start(self) -> None:
        self._sender = await asyncpg.connect(self._dsn)
        self._listener = await asyncpg.connect(self._dsn)
        await self._listener.add_listener(CHANNEL, self._heard)
        self._lease = await asyncpg.connect(self._dsn)
        self.owner_address = await self.platform.db.get_meta(OWNER_KEY)
        loop = asyncio.get_running_loop()
        self._tasks = [loop.create_task(f()) for f in (self._send_loop, self._receive_loop, self._presence_loop,
                                                       self._lease_loop)]
        self.send({"k": "who"})  # every worker answers with its streams' users

    async def stop(self) -> None:
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        self.send({"k": "bye"})  # the others drop this worker's streams now, not after WORKER_EXPIRES_S
        with contextlib.suppress(Exception):
            await self._flush()
        if self.leading:
            await self.platform.stop_leading()
            self.leading = False
        for conn in (self._listener, self._sender, self._lease):
            if conn is not None:
                with contextlib.suppress(Exception):
                    await conn.close(timeout=2)
        await self._client.aclose()

    # -- sending -----------------------------------------------------------------------------------

    def send(self, message: dict) -> None:
        self._outbox.append(json.dumps({"w": self.worker_id, **message}, ensure_ascii=False,
                                       separators=(",", ":"), default=str))
        self._outbox_ready.set()

    async def _send_loop(self) -> None:
        while True:
            await self._outbox_ready.wait()
            try:
                await self._flush()
            except (OSError, asyncpg.PostgresError, asyncpg.InterfaceError) as exc:
                log.warning("cluster bus: sending failed (%s); retrying", type(exc).__name__)
                if self._sender is not None:
                    self._sender.terminate()
                self._sender = None
                await asyncio.sleep(0.5)
                self._outbox_ready.set()

    async def _flush(self) -> None:
        self._outbox_ready.clear()
        batch, self._outbox = self._outbox, []
        if not batch:
            return
        try:
            await self._notify(batch)
        except (OSError, asyncpg.InterfaceError):  # the link: sent again once it is back
            self._outbox[:0] = batch[-OUTBOX_MAX:]
            raise

    async def _notify(self, batch: list[str]) -> None:
        if self._sender is None or self._sender.is_closed():
            self._sender = await asyncpg.connect(self._dsn)
        payloads = []
        for message in batch:
            if len(message.encode()) > PAYLOAD_LIMIT:
                spill = await self._sender.fetchval(
                    "INSERT INTO bus_spill (payload, at) VALUES ($1, $2) RETURNING id", message, time.time())
                message = json.dumps({"w": self.worker_id, "spill": spill})
                self.spilled += 1
            payloads.append(message)
        await self._sender.execute("SELECT pg_notify($1, p) FROM unnest($2::text[]) WITH ORDINALITY AS m(p, n) "
                                   "ORDER BY n", CHANNEL, payloads)
        self.sent += len(payloads)

    # -- receiving ---------------------------------------------------------------------------------

    async def _listen_again(self) -> None:
        """The listening connection ended (the database restarted, the network): listen again;
        what was said meanwhile is lost, so every stream here is told to read again."""
        try:
            self._listener = await asyncpg.connect(self._dsn)
            await self._listener.add_listener(CHANNEL, self._heard)
        except (OSError, asyncpg.PostgresError, asyncpg.InterfaceError) as exc:
            log.warning("cluster bus: cannot listen (%s); trying again", type(exc).__name__)
            self._listener = None
            return
        log.warning("cluster bus: listening again; the streams here are told to resync")
        self.send({"k": "who"})
        self.platform.broker.deliver_all(RESYNC.name, RESYNC.data)

    def _heard(self, _conn, _pid, _channel, payload: str) -> None:  # noqa: ANN001
        self._inbox.put_nowait(payload)

    async def _receive_loop(self) -> None:
        while True:
            payload = await self._inbox.get()
            try:
                message = json.loads(payload)
                worker = message.get("w")
                if worker == self.worker_id:
                    continue
                if "spill" in message:
                    async with self.platform.db.read() as conn:
                        stored = (await conn.execute(text("SELECT payload FROM bus_spill WHERE id = :i"),
                                                     {"i": message["spill"]})).scalar()
                    if stored is None:
                        log.warning("cluster bus: a spilled message was gone")
                        continue
                    message = json.loads(stored)
                self._heard_at[worker] = time.monotonic()
                self._take(worker, message)
            except Exception:  # one bad message must not stop the bus
                log.exception("cluster bus: a message was not taken")

    def _take(self, worker: str, m: dict) -> None:
        broker, kind = self.platform.broker, m["k"]
        if kind == "pub":
            broker.deliver(m["u"], m["e"], m["d"])
        elif kind == "cast":
            broker.deliver_all(m["e"], m["d"], m.get("r"))
        elif kind == "end":
            broker.end_local(set(m["s"]))
        elif kind == "changed":
            self.platform.changed(relay=False)
        elif kind == "here":
            broker.remote_present(worker, m["u"], m["c"])
        elif kind == "all":
            broker.remote_set(worker, m["u"])
            if m.get("owner"):
                self.owner_address = m["owner"]
        elif kind == "who":
            self._send_presence()
        elif kind == "bye":
            broker.remote_gone(worker)
            self._heard_at.pop(worker, None)
        elif kind == "owner":
            self.owner_address = m["address"]
        elif kind == "greet" and self.leading:
            self.platform.greet(int(m["u"]))
        elif kind == "reported" and self.leading:
            self.platform.call_reported(_claims(m["who"]), m["before"], m["row"])

    # -- presence ----------------------------------------------------------------------------------

    def presence(self, user_id: int, connected: bool) -> None:
        """This worker's first stream of a user came, or its last went."""
        self.send({"k": "here", "u": user_id, "c": connected})

    def _send_presence(self) -> None:
        self.send({"k": "all", "u": self.platform.broker.local_users(),
                   "owner": self.address if self.leading else None})

    async def _presence_loop(self) -> None:
        while True:
            await asyncio.sleep(PRESENCE_EVERY_S)
            if self._listener is None or self._listener.is_closed():
                await self._listen_again()
            self._send_presence()
            now = time.monotonic()
            for worker, heard in list(self._heard_at.items()):
                if now - heard > WORKER_EXPIRES_S:
                    log.warning("cluster: worker %s not heard from for %.0f s: its streams are taken as gone",
                                worker, now - heard)
                    del self._heard_at[worker]
                    self.platform.broker.remote_gone(worker)
            if self.leading:
                with contextlib.suppress(Exception):
                    async with self.platform.db.write() as conn:
                        await conn.execute(text("DELETE FROM bus_spill WHERE at < :t"),
                                           {"t": time.time() - SPILL_KEEP_S})

    # -- the lease ---------------------------------------------------------------------------------

    async def _lease_loop(self) -> None:
        while True:
            try:
                if self._lease is None or self._lease.is_closed():
                    self._lease = await asyncpg.connect(self._dsn)
                if not self.leading:
                    if await self._lease.fetchval("SELECT pg_try_advisory_lock($1, $2)", *LEASE_KEY):
                        await self._take_lead()
                else:
                    await self._lease.fetchval("SELECT 1", timeout=5)
            except (OSError, asyncio.TimeoutError, asyncpg.PostgresError, asyncpg.InterfaceError) as exc:
                log.warning("cluster: the lease's connection failed (%s)", type(exc).__name__)
                if self.leading:  # it may be another's now: never two routers
                    self.leading = False
                    await self.platform.stop_leading()
                with contextlib.suppress(Exception):
                    if self._lease is not None:
                        self._lease.terminate()
                self._lease = None
            await asyncio.sleep(LEASE_RETRY_S)

    async def _take_lead(self) -> None:
        log.info("cluster: worker %s runs the call router (%s)", self.worker_id, self.address)
        self.leading = True
        self.owner_address = self.address
        async with self.platform.db.write() as conn:
            await self.platform.db.set_meta(conn, OWNER_KEY, self.address)
        await self.platform.start_leading()
        self.send({"k": "owner", "address": self.address})

    # -- forwarding --------------------------------------------------------------------------------

    async def forward(self, request: Request) -> Response:
        """A router request, answered by the lease's holder."""
        body = await request.body()
        headers = {k: v for k, v in request.headers.items()
                   if k.lower() in ("authorization", "content-type", "x-request-id", "user-agent")}
        for attempt in range(2):
            owner = self.owner_address
            if attempt or owner is None or owner == self.address:
                owner = await self.platform.db.get_meta(OWNER_KEY)
                self.owner_address = owner
            if owner is None or owner == self.address:
                break
            try:
                answer = await self._client.request(request.method, owner + request.url.path,
                                                    params=request.url.query, content=body, headers=headers)
            except httpx.HTTPError:
                continue
            return Response(answer.content, answer.status_code,
                            headers={"content-type": answer.headers.get("content-type", "application/json")})
        return JSONResponse(error_body("router_unavailable", "the call router is moving to another worker of the "
                                                             "platform; try again in a few seconds"),
                            status_code=503, headers={"Retry-After": "2"})


class RouterForward:
    """ASGI middleware: a worker that does not hold the router sends its requests to the one that does."""

    def __init__(self, app, platform: Platform) -> None:  # noqa: ANN001
        self.app, self.platform = app, platform

    async def __call__(self, scope, receive, send) -> None:  # noqa: ANN001
        cluster = self.platform.cluster
        if scope["type"] == "http" and cluster is not None and not cluster.leading \
                and ROUTER_PATHS.match(scope["path"]):
            response = await cluster.forward(Request(scope, receive))
            await response(scope, receive, send)
            return
        await self.app(scope, receive, send)


def _claims(data: dict):  # noqa: ANN202
    from central.security import Claims
    return Claims(**data)

