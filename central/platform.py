"""The platform's services, made once per server and shared by the routes.

Time comes from one scheduler (real on the asyncio loop, or virtual in a simulation or a test): the
router's timers, the call arrivals, the wallboard's pushes and the supervision sweep all run on it.
Background writes are spawned and kept; `drain()` waits for them, so that a simulation keeps the
order of its events.
"""
from __future__ import annotations

import asyncio
import dataclasses
import logging

from sqlalchemy import select

from central import audit, catalog, db, feed, push, seats, supervision, texts, views
from central.events import EventBroker
from central.routing import CallRouter, Handle, LoopScheduler, Scheduler
from central.security import TokenKeys
from central.sign_in import MovingWindow, SignInGuard, SignInLimits
from central.store import Database
from central.wallboard import Wallboard
from domain import clock
from domain.calendar import WorkCalendar

log = logging.getLogger(__name__)

SWEEP_EVERY_S = 60.0
CHANGES_EVERY_S = 1.0  # `changes` events at most this often: each is a frame on every stream
# A rotated refresh token stays good this long (or until its successor is used): the seat may
# have lost the answer that carried the new pair.
REFRESH_GRACE_S = 120.0
UNIT_PHONE_SEARCHES_PER_HOUR = 20


class Platform:
    def __init__(self, db_url: str, *, access_ttl_s: int = 900, refresh_ttl_s: int = 30 * 86400,
                 refresh_grace_s: float = REFRESH_GRACE_S, ring_timeout_s: float = 20.0,
                 calls_per_hour: float = 0.0, seed: int | None = None,
                 scheduler: Scheduler | None = None, sweep_every_s: float | None = SWEEP_EVERY_S,
                 departments=None, announce_changes: bool = True,  # noqa: ANN001
                 token_keys: TokenKeys | None = None, sign_in_limits: SignInLimits | None = None,
                 unit_phone_searches_per_hour: int = UNIT_PHONE_SEARCHES_PER_HOUR,
                 cluster_address: str | None = None) -> None:
        """token_keys: the access tokens' signing keys, shared by every worker of the centre (a key
        file or the environment: see central/security.py); a platform given none makes its own,
        good for its lifetime only (a test, the demo: the seats' refresh tokens outlive it).
        sign_in_limits: when wrong passwords lock an account or an address (central/sign_in.py).
        departments: OfficeRates to run the department simulator with (the demo), or None.
        announce_changes: False when no seat follows the feed (a simulation), to save a query a change.
        refresh_grace_s: how long a refresh token just rotated stays good for a seat that lost the answer.
        cluster_address: this worker's address, when several workers serve one PostgreSQL database
        (central/cluster.py): the router, the wallboard, the sweeps and the simulators then run in
        one of them at a time."""
        self.db = Database(db_url)
        self.access_ttl_s = access_ttl_s
        self.refresh_ttl_s = refresh_ttl_s
        self.refresh_grace_s = refresh_grace_s
        self.scheduler: Scheduler = scheduler or LoopScheduler()
        self.broker = EventBroker()
        self.router = CallRouter(self, ring_timeout_s=ring_timeout_s, scheduler=self.scheduler)
        self.wallboard = Wallboard(self)
        self.calendar: WorkCalendar | None = None
        self.keys = token_keys or TokenKeys.generate()
        self.sign_in_limits = sign_in_limits or SignInLimits()
        self.sign_in_guard = SignInGuard(self.sign_in_limits)
        # a handling unit's user searching orders by a phone number: per user, per hour
        self.unit_phone_searches = MovingWindow(unit_phone_searches_per_hour, 3600.0)
        self.refusals_audited = MovingWindow(audit.REFUSALS_PER_ADDRESS_MINUTE, 60.0)  # per address
        self._calls_per_hour, self._seed = calls_per_hour, seed
        self._sweep_every_s = sweep_every_s
        self._sweep: Handle | None = None
        self._department_rates = departments
        self.departments: list = []  # the simulators of the units and partner platforms (the demo)
        self._announce: asyncio.Handle | None = None
        self._announce_changes = announce_changes
        self._announced_at = float("-inf")  # the loop's time of the last `changes` event
        self._announcing = asyncio.Lock()
        self._pushed_seq: int | None = None  # the feed's head the last `changes` event went out with
        self._lookup_key: str | None = None
        self._tasks: set[asyncio.Task] = set()
        self.cluster = None
        if cluster_address is not None:
            if not self.db.url.startswith("postgresql"):
                raise ValueError("several workers need a PostgreSQL database")
            from central.cluster import Cluster
            self.cluster = Cluster(self, cluster_address)
            self.broker.relay = self.cluster
            self.router.active = False

    def spawn(self, coro, what: str) -> None:  # noqa: ANN001
        """Run a background coroutine, keeping a reference to it and logging its failure."""
        task = asyncio.get_running_loop().create_task(coro)
        self._tasks.add(task)

        def done(t: asyncio.Task) -> None:
            self._tasks.discard(t)
            if not t.cancelled() and t.exception() is not None:
                log.error("%s failed", what, exc_info=t.exception())
        task.add_done_callback(done)

    async def start(self) -> None:
        await self.db.start()
        async with self.db.write() as conn:
            await catalog.ensure_calendar(conn)
            await texts.ensure_defaults(conn)  # a platform seeded before the texts existed gets them once
        async with self.db.read() as conn:
            self.calendar = await catalog.load_calendar(conn)
            self._pushed_seq = await feed.head(conn)
            if (await conn.execute(select(db.users.c.id).limit(1))).first() is None:
                log.warning("the database has no users: run `hotline-central seed` (or `seed --demo`) "
                            "or `hotline-central user add` with the same --db")
            if not await seats.any_registered(conn):
                log.info("no seat is registered: a sign-in works at the seat its client names "
                         "(`hotline-central seat add` binds seats to addresses)")
        if self.cluster is not None:
            await self.cluster.start()  # this worker leads when it takes the lease
        else:
            await self.start_leading()

    async def start_leading(self) -> None:
        """Run the call router, the wallboard, the sweeps and the simulators (this worker alone)."""
        if self.cluster is not None:
            await self.router.take_over()
        self.router.active = True
        await self.router.start_arrivals(self._calls_per_hour, self._seed)
        await self.wallboard.start()
        if self._sweep_every_s:
            self._sweep = self.scheduler.call_later(self._sweep_every_s, self._sweep_tick)
        if self._department_rates is not None:
            from central.departments import start_departments
            self.departments = await start_departments(self, self._department_rates, self._seed)

    async def stop_leading(self) -> None:
        for simulator in self.departments:
            simulator.stop()
        self.departments = []
        if self._sweep is not None:
            self._sweep.cancel()
            self._sweep = None
        await self.wallboard.stop()
        await self.router.stop()
        if self.cluster is not None:
            self.router.active = False

    async def stop(self) -> None:
        if self.cluster is not None:
            await self.cluster.stop()
        else:
            await self.stop_leading()
        self.broker.close()
        await self.drain()
        await self.db.close()

    def greet(self, user_id: int) -> None:
        """The router's state for a stream that just opened in another worker."""
        self.broker.publish(user_id, "agent", self.router.agent_event(self.router.seats.get(user_id)))
        self.broker.publish(user_id, "queue", self.router.stats())

    def call_reported(self, who, before: str | None, row: dict) -> None:  # noqa: ANN001
        """A seat's softphone reported a call (committed): the router counts it, wherever it runs."""
        if self.router.active:
            self.router.reported(who, before, row)
        elif self.cluster is not None:
            self.cluster.send({"k": "reported", "who": dataclasses.asdict(who), "before": before, "row": row})

    async def drain(self) -> None:
        """Wait until every background write (and any it started) has finished."""
        while True:
            if self._announce is not None:  # a change announcement waiting for its second: made now
                self._announce.cancel()
                self._announce_head()
            if not self._tasks:
                return
            await asyncio.gather(*self._tasks, return_exceptions=True)

    def _sweep_tick(self) -> None:
        """The supervision sweep, every minute of the scheduler's time."""
        self._sweep = self.scheduler.call_later(self._sweep_every_s, self._sweep_tick)
        self.spawn(supervision.sweep(self, clock.now()), "supervision sweep")

    def changed(self, relay: bool = True) -> None:
        """Tell every stream that the feed has moved on, with the changed rows: at once after a
        quiet second, else once at the end of that second for every change within it.
        relay: tell the other workers too (False: they told us)."""
        if relay and self.cluster is not None:
            self.cluster.send({"k": "changed"})
        self.wallboard.orders_changed()
        if self._announce is None and self._announce_changes:
            loop = asyncio.get_running_loop()
            wait = max(0.0, self._announced_at + CHANGES_EVERY_S - loop.time())
            self._announce = loop.call_later(wait, self._announce_head)

    def _announce_head(self) -> None:
        self._announce = None
        self._announced_at = asyncio.get_running_loop().time()
        self.spawn(self._send_changes(), "change announcement")

    async def _send_changes(self) -> None:
        """Every stream's `changes` event, with the rows since the last one as its reader may see
        them (central/push.py), and the audit of the personal records sent."""
        async with self._announcing:  # one at a time, each from where the last one ended
            after = self._pushed_seq
            async with self.db.read() as conn:
                head = await feed.head(conn)
                items: list[dict] | None = None
                if after is not None and head > after:
                    items, more = await feed.page(conn, after, push.MAX_ROWS)
                    if more:
                        items = None  # too many to send: the seats read the feed
                    elif items:
                        head = max(head, items[-1]["seq"])  # committed since `head` was read
                if self._lookup_key is None:
                    self._lookup_key = await views.lookup_key(conn)
            if after is not None and head <= after:
                return
            reads = push.announce(list(self.broker.subscriptions()), head, after, items, self._lookup_key)
            self._pushed_seq = head
            if reads:
                async with self.db.write() as conn:
                    await audit.record_served(conn, "feed", reads)
