"""Several platform processes starting at once on an empty database (the workers of a centre)
apply the schema's migrations once between them: none fails with "already exists" (issue 16)."""
from __future__ import annotations

import asyncio
import subprocess
import sys

from sqlalchemy import func, select

from central import db
from central.migrations import latest_version
from central.store import Database


async def _versions(url: str) -> tuple[int, int]:
    database = Database(url)
    try:
        async with database.read() as conn:
            t = db.schema_migrations
            return tuple((await conn.execute(select(func.count(), func.count(func.distinct(t.c.version))))).one())
    finally:
        await database.close()


def test_three_processes_migrating_an_empty_database_at_once_apply_each_migration_once(empty_db_url):
    runs = [subprocess.Popen([sys.executable, "-m", "central.cli", "migrate", "--db", empty_db_url],
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for _ in range(3)]
    results = [(run.communicate(timeout=180)[1], run.returncode) for run in runs]
    for err, code in results:
        assert code == 0, err[-2000:]
    assert asyncio.run(_versions(empty_db_url)) == (latest_version(), latest_version())
