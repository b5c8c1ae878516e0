"""The change feed with concurrent writers on PostgreSQL: a seat that pages with its cursor is never
served a sequence number while a lower one may still commit, so it misses no change however the
commits interleave, and a resync from a snapshot's `as_of` misses nothing either.

The writers are real transactions through the platform's write path (`Database.write` and
`feed.record`, what every mutation uses) on the real database; the reader is the seat's paging
loop against the real platform on a loopback port. Two points of a writer are held by events so
that the interleavings are exact: after it recorded its change, and at its commit itself (a
SQLAlchemy `commit` event, fired after everything the platform does before the database's COMMIT).
"""
from __future__ import annotations

import asyncio
import random
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import httpx
import pytest
from sqlalchemy import event, select, text

from central import db, feed
from central.seed import DEMO_PASSWORD
from central.store import Database

pytestmark = [pytest.mark.asyncio, pytest.mark.parametrize("db_url", ["postgresql"], indirect=True)]

WRITERS = 8


class Writer:
    """One write transaction: a synonym and its feed change. It waits for `finish` once it has
    recorded the change, and for `commit` at the commit itself (set from the start unless held)."""

    def __init__(self, database: Database, hold_commit: bool = False) -> None:
        self.database = database
        self.term = f"t-{uuid.uuid4().hex[:12]}"
        self.recorded, self.finish = asyncio.Event(), asyncio.Event()
        self.at_commit, self.commit = asyncio.Event(), asyncio.Event()
        if not hold_commit:
            self.commit.set()
        self.pid = 0
        self.task = asyncio.create_task(self._run())

    async def _run(self) -> None:
        async with self.database.write() as conn:
            self.pid = (await conn.execute(text("SELECT pg_backend_pid()"))).scalar_one()
            data = {"term": self.term, "expansions": ["试验"], "version": 1}
            await conn.execute(db.synonyms.insert().values(**data))
            await feed.record(conn, "synonym", self.term, data)
            event.listen(conn.sync_connection, "commit", self._on_commit)
            self.recorded.set()
            await self.finish.wait()

    def _on_commit(self, sync_conn) -> None:  # noqa: ANN001
        # SQLAlchemy runs this inside its greenlet, where the driver connection's run_async may await
        self.at_commit.set()
        sync_conn.connection.dbapi_connection.run_async(lambda _driver: self.commit.wait())

    async def committed_or_blocked(self, database: Database) -> None:
        """Until this writer has committed or waits for a lock another transaction holds."""
        query = text("SELECT EXISTS (SELECT 1 FROM pg_locks WHERE pid = :pid AND NOT granted)")
        async with database.read() as conn:
            while not self.task.done():
                if (await conn.execute(query, {"pid": self.pid})).scalar_one():
                    return


class Seat:
    """Pages the feed as the seat's downloader does (workstation.sync.download_all): the cursor of
    each page is the `after` of the next request. Through the platform's HTTP API, or, where the
    test needs many quick reads, straight through `feed.page` (what the route serves)."""

    def __init__(self, cursor: int, client: httpx.AsyncClient | None = None, database: Database | None = None) -> None:
        self.client, self.database = client, database
        self.cursor = cursor
        self.received: list[dict] = []

    async def _page(self, limit: int) -> dict:
        if self.client is not None:
            r = await self.client.get("/api/v1/changes", params={"after": self.cursor, "limit": limit})
            assert r.status_code == 200, r.text
            return r.json()
        async with self.database.read() as conn:
            items, more = await feed.page(conn, self.cursor, limit)
        return {"changes": items, "cursor": items[-1]["seq"] if items else self.cursor, "has_more": more}

    async def catch_up(self, limit: int = 1000) -> None:
        while True:
            page = await self._page(limit)
            self.received += page["changes"]
            self.cursor = page["cursor"]
            if not page["has_more"]:
                return

    @property
    def seqs(self) -> list[int]:
        return [c["seq"] for c in self.received]


@asynccontextmanager
async def lab(db_url: str, platform=None) -> AsyncIterator[tuple[Database, Seat]]:  # noqa: ANN001
    """The writers' database handle and a seat whose cursor is the feed's head now: it reads through
    the platform's HTTP API when given the platform, else straight through `feed.page`."""
    database = Database(db_url)
    client = httpx.AsyncClient(base_url=platform.url, timeout=30.0) if platform is not None else None
    try:
        if client is not None:
            r = await client.post("/api/v1/auth/sign-in",
                                  json={"username": "agent", "password": DEMO_PASSWORD, "seat": "S-01"})
            assert r.status_code == 200, r.text
            client.headers["Authorization"] = f"Bearer {r.json()['access_token']}"
        async with database.read() as conn:
            head = await feed.head(conn)
        yield database, Seat(head, client, database)
    finally:
        if client is not None:
            await client.aclose()
        await database.close()


async def committed_after(database: Database, start: int) -> list[int]:
    """Every seq in the feed after `start`, once all writers are done."""
    async with database.read() as conn:
        return list((await conn.execute(
            select(db.changes.c.seq).where(db.changes.c.seq > start).order_by(db.changes.c.seq))).scalars())


async def test_a_change_committed_after_a_higher_one_was_read_still_reaches_the_seat(platform, db_url):
    """Eight writers record their changes one after the other and commit in the reverse order, the
    seat reading after each commit: it receives every change, once, in sequence order."""
    async with lab(db_url, platform) as (database, seat):
        head = seat.cursor
        writers = []
        for _ in range(WRITERS):
            writers.append(Writer(database))
            await writers[-1].recorded.wait()
        # the last to record commits first, and the seat reads after every commit
        for w in reversed(writers):
            w.finish.set()
            await w.task
            await seat.catch_up()
        committed = await committed_after(database, head)
        assert len(committed) == WRITERS
        assert seat.seqs == committed


async def test_a_writer_held_in_its_commit_holds_back_the_seat_not_the_other_writers(platform, db_url):
    """The first writer stops inside its commit; the seven others finish meanwhile (the feed does
    not make writers wait for each other), and the seat reads. Nothing of theirs may reach the
    seat before the first writer's change does."""
    async with lab(db_url, platform) as (database, seat):
        head = seat.cursor
        first = Writer(database, hold_commit=True)
        await first.recorded.wait()
        others = []
        for _ in range(WRITERS - 1):
            others.append(Writer(database))
            await others[-1].recorded.wait()
        first.finish.set()
        await first.at_commit.wait()
        for w in others:
            w.finish.set()
        for w in others:
            await w.committed_or_blocked(database)
        assert all(w.task.done() for w in others), "a writer waited for another one's commit"
        await seat.catch_up()
        first.commit.set()
        await first.task
        await seat.catch_up()
        committed = await committed_after(database, head)
        assert len(committed) == WRITERS
        assert seat.seqs == committed


async def test_a_resync_from_the_snapshot_misses_no_change_committed_after_it(platform, db_url):
    """A snapshot taken while one writer is inside its commit and another has finished its work:
    following the feed from the snapshot's `as_of` must bring both changes, which the snapshot lacks."""
    async with lab(db_url, platform) as (database, seat):
        first = Writer(database, hold_commit=True)
        await first.recorded.wait()
        second = Writer(database)
        await second.recorded.wait()
        first.finish.set()
        await first.at_commit.wait()
        second.finish.set()
        await second.committed_or_blocked(database)
        r = await seat.client.get("/api/v1/snapshot/synonym", params={"limit": 5000})
        assert r.status_code == 200, r.text
        snapshot = r.json()
        assert snapshot["next"] is None
        first.commit.set()
        await asyncio.gather(first.task, second.task)
        seat.cursor = snapshot["as_of"]
        await seat.catch_up()
        terms = {i["term"] for i in snapshot["items"]} | {c["id"] for c in seat.received}
        assert {first.term, second.term} <= terms


async def test_a_writer_holds_its_floor_before_it_takes_a_number(db_url):
    """A writer takes its floor lock before its insert takes any number: else a reader could find no
    floor of it and still see a higher number committed. An exclusive lock on the floor's key, taken
    here only to stop the writer at that point, shows where it waits: no number taken yet."""
    handed_out = text("SELECT last_value FROM changes_seq_seq")
    async with lab(db_url) as (database, _seat), database.read() as blocker:
        floor = (await blocker.execute(handed_out)).scalar_one()
        await blocker.execute(text("SELECT pg_advisory_lock(:key)"), {"key": floor})
        writer = Writer(database)
        writer.finish.set()
        await writer.committed_or_blocked(database)
        assert not writer.task.done()
        assert (await blocker.execute(handed_out)).scalar_one() == floor
        await blocker.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": floor})
        await writer.task
        assert (await blocker.execute(handed_out)).scalar_one() == floor + 1


async def test_eight_busy_writers_and_a_reader_miss_nothing(db_url):
    """Eight writers at once, 50 transactions each of one to three changes in a random mix, while
    a seat pages all along with random page sizes (through `feed.page`: HTTP requests served by the
    platform's thread in this process would slow the writers down tenfold on the GIL)."""
    rng = random.Random(11)
    async with lab(db_url) as (database, seat):
        head = seat.cursor

        async def write(n: int) -> None:
            for _ in range(n):
                async with database.write() as conn:
                    for _ in range(rng.randint(1, 3)):
                        term = f"r-{uuid.uuid4().hex[:12]}"
                        data = {"term": term, "expansions": ["试验"], "version": 1}
                        await conn.execute(db.synonyms.insert().values(**data))
                        await feed.record(conn, "synonym", term, data)

        writers = asyncio.gather(*(write(50) for _ in range(WRITERS)))
        while not writers.done():
            await seat.catch_up(limit=rng.choice([1, 5, 50]))
        await writers
        await seat.catch_up()
        committed = await committed_after(database, head)
        assert len(committed) >= WRITERS * 50
        assert seat.seqs == committed
