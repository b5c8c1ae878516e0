"""The platform's services, made once per server and shared by the routes."""
from __future__ import annotations

import asyncio
import logging

from sqlalchemy import select

from central import catalog, db, feed
from central.events import EventBroker
from central.routing import CallRouter
from central.store import Database
from domain.calendar import WorkCalendar

log = logging.getLogger(__name__)


class Platform:
    def __init__(self, db_url: str, *, access_ttl_s: int = 900, refresh_ttl_s: int = 30 * 86400,
                 ring_timeout_s: float = 20.0, calls_per_hour: float = 0.0, seed: int | None = None) -> None:
        self.db = Database(db_url)
        self.access_ttl_s = access_ttl_s
        self.refresh_ttl_s = refresh_ttl_s
        self.broker = EventBroker()
        self.router = CallRouter(self, ring_timeout_s=ring_timeout_s)
        self.calendar: WorkCalendar | None = None
        self.secret = b""
        self._calls_per_hour, self._seed = calls_per_hour, seed
        self._announce: asyncio.Handle | None = None
        self._tasks: set[asyncio.Task] = set()

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
        self.secret = await self.db.token_secret()
        async with self.db.write() as conn:
            await catalog.ensure_calendar(conn)
        async with self.db.read() as conn:
            self.calendar = await catalog.load_calendar(conn)
            if (await conn.execute(select(db.users.c.id).limit(1))).first() is None:
                log.warning("the database has no users: run `hotline-central seed` (or `seed --demo`) "
                            "or `hotline-central user add` with the same --db")
        self.router.start_arrivals(self._calls_per_hour, self._seed)

    async def stop(self) -> None:
        self.broker.close()
        await self.router.stop()
        if self._tasks:
            await asyncio.gather(*self._tasks, return_exceptions=True)
        await self.db.close()

    def changed(self) -> None:
        """Tell every stream that the feed has moved on; coalesced to one event per loop turn."""
        if self._announce is None:
            self._announce = asyncio.get_running_loop().call_soon(self._announce_head)

    def _announce_head(self) -> None:
        self._announce = None

        async def send() -> None:
            async with self.db.read() as conn:
                self.broker.broadcast("changes", {"seq": await feed.head(conn)})
        self.spawn(send(), "change announcement")
