"""The platform's handle on its database: one engine, reads, and serialized writes on SQLite."""
from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from central import db, feed
from central.migrations import migrate


class Database:
    """Owns the engine. SQLite allows one writer at a time; a lock makes writers queue politely
    instead of failing with "database is locked" when a read transaction tries to upgrade."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.engine: AsyncEngine = db.create_engine(url)
        self._write_lock = asyncio.Lock() if db.is_sqlite(self.engine) else None

    async def start(self) -> None:
        await migrate(self.engine)

    async def close(self) -> None:
        await self.engine.dispose()

    @asynccontextmanager
    async def read(self) -> AsyncIterator[AsyncConnection]:
        async with self.engine.connect() as conn:
            yield conn

    @asynccontextmanager
    async def write(self) -> AsyncIterator[AsyncConnection]:
        """A transaction whose feed changes are numbered at its end (see feed.py)."""
        if self._write_lock is None:
            async with self.engine.begin() as conn, feed.batched(conn):
                yield conn
            return
        async with self._write_lock, self.engine.begin() as conn, feed.batched(conn):
            yield conn

    async def get_meta(self, key: str) -> str | None:
        async with self.read() as conn:
            return (await conn.execute(select(db.meta_kv.c.value).where(db.meta_kv.c.key == key))).scalar()

    async def set_meta(self, conn: AsyncConnection, key: str, value: str) -> None:
        await conn.execute(db.meta_kv.delete().where(db.meta_kv.c.key == key))
        await conn.execute(db.meta_kv.insert().values(key=key, value=value))
