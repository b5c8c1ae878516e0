"""`hotline-central` as a user runs it: serve on a chosen port, migrate, seed the demo data."""
from __future__ import annotations

import asyncio
import os
import socket
import subprocess
import sys
import time

import httpx
from sqlalchemy import func, select

from central import db
from central.migrations import latest_version
from central.store import Database


def cli(*args: str, **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "central.cli", *args], capture_output=True, text=True,
                          timeout=180, **kwargs)


def test_serve_listens_on_the_given_port_and_serves_openapi(db_url):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    proc = subprocess.Popen([sys.executable, "-m", "central.cli", "serve", "--db", db_url, "--host", "127.0.0.1",
                             "--port", str(port)], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        give_up = time.monotonic() + 30
        while True:  # the server is another process: poll its port until it answers
            try:
                spec = httpx.get(f"http://127.0.0.1:{port}/openapi.json", timeout=2).json()
                break
            except httpx.TransportError:
                assert proc.poll() is None, proc.stdout.read()
                assert time.monotonic() < give_up, "the platform did not start"
                time.sleep(0.1)
        for path in ("/api/v1/auth/sign-in", "/api/v1/mutations", "/api/v1/changes", "/api/v1/events",
                     "/api/v1/kb/import", "/api/v1/work-orders"):
            assert path in spec["paths"]
    finally:
        proc.terminate()
        output, _ = proc.communicate(timeout=20)
    # uvicorn shuts down gracefully, then re-raises SIGTERM so that the exit status tells why it ended
    assert proc.returncode in (0, -15)
    assert "Application shutdown complete" in output


async def _counts(url: str) -> dict:
    database = Database(url)
    try:
        async with database.read() as conn:
            async def count(table, *where) -> int:  # noqa: ANN001
                return (await conn.execute(select(func.count()).select_from(table).where(*where))).scalar_one()
            leaves = (await conn.execute(select(func.count()).select_from(db.categories).where(
                db.categories.c.id.not_in(select(db.categories.c.parent_id).where(
                    db.categories.c.parent_id.is_not(None)))))).scalar_one()
            return {
                "version": (await conn.execute(select(func.max(db.schema_migrations.c.version)))).scalar_one(),
                "top": await count(db.categories, db.categories.c.parent_id.is_(None)),
                "leaves": leaves,
                "units": await count(db.handling_units),
                "kb": await count(db.kb_entries),
                "short_answers": await count(db.kb_entries, func.length(db.kb_entries.c.answer) < 100),
                "callers": await count(db.callers),
                "orders": await count(db.work_orders),
                "roles": set((await conn.execute(select(db.users.c.role))).scalars()),
            }
    finally:
        await database.close()


def test_seed_demo_makes_the_promised_demo_data_once(empty_db_url):
    assert cli("migrate", "--db", empty_db_url).returncode == 0
    first = cli("seed", "--demo", "--db", empty_db_url)
    assert first.returncode == 0, first.stderr
    counts = asyncio.run(_counts(empty_db_url))
    assert counts["version"] == latest_version()
    assert counts["top"] >= 9 and counts["leaves"] >= 100 and counts["units"] >= 40
    assert counts["kb"] >= 300 and counts["short_answers"] == 0
    assert counts["callers"] >= 1000 and counts["orders"] >= 5000
    assert counts["roles"] == {"agent", "expert", "team_lead", "dispatcher", "admin", "unit"}
    again = cli("seed", "--demo", "--db", empty_db_url)
    assert again.returncode == 0 and "nothing to do" in again.stdout
    assert asyncio.run(_counts(empty_db_url))["orders"] == counts["orders"]


def test_user_add_takes_the_password_from_the_environment_not_the_command_line(db_url):
    env = {**os.environ, "HOTLINE_PASSWORD": "s3cret-pass"}
    added = cli("user", "add", "zhao", "--role", "dispatcher", "--db", db_url, env=env)
    assert added.returncode == 0, added.stderr
    assert "s3cret" not in added.stdout + added.stderr
    duplicate = cli("user", "add", "zhao", "--role", "dispatcher", "--db", db_url, env=env)
    assert duplicate.returncode == 1 and "already exists" in duplicate.stderr
    no_unit = cli("user", "add", "qian", "--role", "unit", "--db", db_url, env=env)
    assert no_unit.returncode == 1 and "unit" in no_unit.stderr
    unit = cli("user", "add", "qian", "--role", "unit", "--unit", "E110", "--db", db_url, env=env)
    assert unit.returncode == 0, unit.stderr


def test_an_unsupported_database_url_is_a_clear_error():
    r = cli("migrate", "--db", "mysql://x@localhost/db")
    assert r.returncode != 0 and "unsupported database URL" in r.stderr
