"""Versioned schema migrations.

Each step runs once, in its own transaction, and is recorded in `schema_migrations`. Steps are
append-only: once a version has shipped, a schema change is a new step, never an edit of an old one.
"""
from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import Connection, inspect, select
from sqlalchemy.ext.asyncio import AsyncEngine

from central import db
from domain import clock

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Migration:
    version: int
    description: str
    apply: Callable[[Connection], None]


V2_TABLES = {"synonyms"}
V3_TABLES = {"kb_corrections"}


def _v1_initial(conn: Connection) -> None:
    tables = [t for t in db.metadata.sorted_tables if t.name not in {"schema_migrations"} | V2_TABLES | V3_TABLES]
    db.metadata.create_all(conn, tables=tables)


def _v2_synonyms(conn: Connection) -> None:
    db.synonyms.create(conn)


def _v3_corrections(conn: Connection) -> None:
    db.kb_corrections.create(conn)


MIGRATIONS: list[Migration] = [
    Migration(1, "initial schema", _v1_initial),
    Migration(2, "synonyms of the knowledge-base search", _v2_synonyms),
    Migration(3, "correction reports on knowledge entries", _v3_corrections),
]


def _applied(conn: Connection) -> set[int]:
    if not inspect(conn).has_table("schema_migrations"):
        db.schema_migrations.create(conn)
        return set()
    return set(conn.execute(select(db.schema_migrations.c.version)).scalars())


async def migrate(engine: AsyncEngine) -> list[int]:
    """Apply every pending migration; return the versions applied now."""
    async with engine.begin() as conn:
        done = await conn.run_sync(_applied)
    applied = []
    for step in MIGRATIONS:
        if step.version in done:
            continue
        async with engine.begin() as conn:
            await conn.run_sync(step.apply)
            await conn.execute(db.schema_migrations.insert().values(
                version=step.version, description=step.description, applied_at=clock.stamp()))
        log.info("applied schema migration %d: %s", step.version, step.description)
        applied.append(step.version)
    return applied


def latest_version() -> int:
    return MIGRATIONS[-1].version
