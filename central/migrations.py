"""Versioned schema migrations.

Each step runs once, in its own transaction, and is recorded in `schema_migrations`. Steps are
append-only: once a version has shipped, a schema change is a new step, never an edit of an old one.
"""
from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import Connection, Table, bindparam, inspect, select, text
from sqlalchemy.exc import OperationalError
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlalchemy.schema import CreateColumn

from central import db
from domain import clock
from domain.privacy import lookup_hash, new_lookup_key

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Migration:
    version: int
    description: str
    apply: Callable[[Connection], None]


V2_TABLES = {"synonyms"}
V3_TABLES = {"kb_corrections"}
V4_TABLES = {"escalations"}
V5_TABLES = {"order_units", "reviews", "supervisions"}
V7_TABLES = {"sessions"}
V9_TABLES = {"seats"}
V11_TABLES = {"agent_texts"}
V12_TABLES = {"kb_usage", "kb_boosts"}
V13_TABLES = {"kb_entry_versions"}
V13_CORRECTION_COLUMNS = ("decided_by", "decided_at", "decision_note")
V14_TABLES = {"kb_notices"}


def _v1_initial(conn: Connection) -> None:
    later = V2_TABLES | V3_TABLES | V4_TABLES | V5_TABLES | V7_TABLES | V9_TABLES | V11_TABLES | V12_TABLES | V13_TABLES \
        | V14_TABLES
    tables = [t for t in db.metadata.sorted_tables if t.name not in {"schema_migrations"} | later]
    db.metadata.create_all(conn, tables=tables)


def _v2_synonyms(conn: Connection) -> None:
    db.synonyms.create(conn)


def _v3_corrections(conn: Connection) -> None:
    db.kb_corrections.create(conn)


V4_CALL_COLUMNS = ("source", "caller_name", "callback_state", "callback_attempts", "callback_outcome",
                   "callback_note", "callback_by", "callback_at", "callback_order")
V4_CORRECTION_COLUMNS = ("proposed_answer", "escalation_id")


def _add_columns(conn: Connection, table: Table, names: tuple[str, ...]) -> None:
    """ALTER TABLE ADD COLUMN for the columns the table lacks. The earlier steps create tables from
    the current definitions, so a database made since then has them already."""
    present = {c["name"] for c in inspect(conn).get_columns(table.name)}
    name = conn.dialect.identifier_preparer.format_table(table)
    for column in names:
        if column not in present:
            spec = CreateColumn(table.c[column]).compile(dialect=conn.dialect)
            conn.execute(text(f"ALTER TABLE {name} ADD COLUMN {spec}"))


def _v4_telephony(conn: Connection) -> None:
    _add_columns(conn, db.calls, V4_CALL_COLUMNS)
    if conn.dialect.name == "postgresql":  # SQLite does not enforce VARCHAR lengths
        conn.execute(text("ALTER TABLE calls ALTER COLUMN id TYPE VARCHAR(64)"))
    for index in db.calls.indexes:
        index.create(conn, checkfirst=True)
    _add_columns(conn, db.kb_corrections, V4_CORRECTION_COLUMNS)
    db.escalations.create(conn)


V5_ORDER_COLUMNS = ("reply", "replied_at", "callback_at", "closed_at", "satisfaction", "resolved",
                    "callback_attempts", "case_kind", "merged_into", "repeat_count", "unreasonable_repeat",
                    "supervised", "reopen_count", "units")


def _v5_lifecycle(conn: Connection) -> None:
    _add_columns(conn, db.users, ("unit_id",))
    _add_columns(conn, db.work_orders, V5_ORDER_COLUMNS)
    for index in db.work_orders.indexes:
        index.create(conn, checkfirst=True)
    for table in (db.order_units, db.reviews, db.supervisions):
        table.create(conn)


V6_REFRESH_COLUMNS = ("parent", "replaced_by", "used_at")


def _v6_refresh_grace(conn: Connection) -> None:
    # Tokens spent before this step stay spent: they are revoked, and a grace needs `used_at`.
    _add_columns(conn, db.refresh_tokens, V6_REFRESH_COLUMNS)
    for index in db.refresh_tokens.indexes:
        index.create(conn, checkfirst=True)


def _v7_sessions(conn: Connection) -> None:
    """Sessions, account locks, and the token key out of the database: a copy of a backup must not
    be able to sign tokens. Refresh tokens issued before sessions existed belong to none and are
    revoked (their seats sign in again once)."""
    present = inspect(conn)
    if present.has_table("users"):
        _add_columns(conn, db.users, ("failed_sign_ins", "locked_until", "password_changed_at"))
    if present.has_table("refresh_tokens"):
        _add_columns(conn, db.refresh_tokens, ("family",))
        for index in db.refresh_tokens.indexes:
            index.create(conn, checkfirst=True)
        conn.execute(db.refresh_tokens.update().where(db.refresh_tokens.c.family.is_(None)).values(revoked=True))
    if present.has_table("meta"):
        conn.execute(db.meta_kv.delete().where(db.meta_kv.c.key == "token_secret"))
    db.sessions.create(conn, checkfirst=True)


LOOKUP_KEY = "phone_lookup_key"  # meta: the key of the callers' keyed hashes (domain.privacy)


def _v8_caller_lookup(conn: Connection) -> None:
    """Seats find callers by a keyed hash of the number, never the number (R14): the platform's
    key, and each caller's hash, kept for paging the callers' snapshot in hash order. The key may
    sit beside the numbers it hashes: a copy of the database holds the numbers themselves."""
    present = inspect(conn)
    db.meta_kv.create(conn, checkfirst=True)
    key = conn.execute(select(db.meta_kv.c.value).where(db.meta_kv.c.key == LOOKUP_KEY)).scalar()
    if key is None:
        key = new_lookup_key()
        conn.execute(db.meta_kv.insert().values(key=LOOKUP_KEY, value=key))
    if not present.has_table("callers"):
        return
    _add_columns(conn, db.callers, ("lookup",))
    t = db.callers
    phones = conn.execute(select(t.c.phone).where(t.c.lookup.is_(None))).scalars().all()
    if phones:
        conn.execute(t.update().where(t.c.phone == bindparam("p")).values(lookup=bindparam("h")),
                     [{"p": p, "h": lookup_hash(key, p)} for p in phones])
    for index in t.indexes:
        index.create(conn, checkfirst=True)


def _v9_seats(conn: Connection) -> None:
    db.seats.create(conn, checkfirst=True)


def _v10_address_detail(conn: Connection) -> None:
    if inspect(conn).has_table("work_orders"):
        _add_columns(conn, db.work_orders, ("address_detail",))


def _v11_agent_texts(conn: Connection) -> None:
    db.agent_texts.create(conn, checkfirst=True)  # its rows come from the seed (central/texts.py)


def _v12_kb_usage(conn: Connection) -> None:
    db.kb_usage.create(conn, checkfirst=True)
    db.kb_boosts.create(conn, checkfirst=True)


def _v13_kb_review(conn: Connection) -> None:
    db.kb_entry_versions.create(conn, checkfirst=True)
    if inspect(conn).has_table("kb_corrections"):
        _add_columns(conn, db.kb_corrections, V13_CORRECTION_COLUMNS)


def _v14_kb_notices(conn: Connection) -> None:
    db.kb_notices.create(conn, checkfirst=True)


def _v15_partner_orders(conn: Connection) -> None:
    if not inspect(conn).has_table("work_orders"):  # a schema of before migration 1's orders
        return
    index = next(i for i in db.work_orders.indexes if i.name == "ix_work_orders_transfer_target")
    index.create(conn, checkfirst=True)


def _v16_dispatch_rules(conn: Connection) -> None:
    db.dispatch_rules.create(conn, checkfirst=True)  # its rows: `hotline-central dispatch-rules import`, the seed


def _v17_cluster(conn: Connection) -> None:
    db.agent_states.create(conn, checkfirst=True)
    db.bus_spill.create(conn, checkfirst=True)


MIGRATIONS: list[Migration] = [
    Migration(1, "initial schema", _v1_initial),
    Migration(2, "synonyms of the knowledge-base search", _v2_synonyms),
    Migration(3, "correction reports on knowledge entries", _v3_corrections),
    Migration(4, "telephony: reported calls, callbacks, escalations", _v4_telephony),
    Migration(5, "work orders after intake: units, reviews, callbacks, repeats, supervision", _v5_lifecycle),
    Migration(6, "refresh tokens: rotation links and a grace for a lost answer", _v6_refresh_grace),
    Migration(7, "sessions, account locks; the token key leaves the database", _v7_sessions),
    Migration(8, "callers' keyed hashes: seats hold no phone numbers", _v8_caller_lookup),
    Migration(9, "seats registered by network address", _v9_seats),
    Migration(10, "work orders: the detailed address (building, landmark) beside district and street",
              _v10_address_detail),
    Migration(11, "agent texts: quick phrases, call scripts, form templates", _v11_agent_texts),
    Migration(12, "knowledge search learns from agents: entries used after a query", _v12_kb_usage),
    Migration(13, "knowledge entries' versions; decisions on correction reports", _v13_kb_review),
    Migration(14, "new and changed answers announced to the seats", _v14_kb_notices),
    Migration(15, "partner platforms' orders (flow-back): transferred orders by their target", _v15_partner_orders),
    Migration(16, "the dispatch rule table: who takes a category in a district", _v16_dispatch_rules),
    Migration(17, "several workers: agents' states, the bus's large messages", _v17_cluster),
]


def _applied(conn: Connection) -> set[int]:
    if not inspect(conn).has_table("schema_migrations"):
        db.schema_migrations.create(conn)
        return set()
    return set(conn.execute(select(db.schema_migrations.c.version)).scalars())


MIGRATION_LOCK = 1_234_512_345  # the PostgreSQL advisory lock that makes migrations run one process at a time


def _run_pending(conn: Connection) -> list[int]:
    """Every migration not yet applied, each with its own record, in one transaction (the caller's)."""
    done = _applied(conn)
    applied = []
    for step in MIGRATIONS:
        if step.version in done:
            continue
        step.apply(conn)
        conn.execute(db.schema_migrations.insert().values(
            version=step.version, description=step.description, applied_at=clock.stamp()))
        log.info("applied schema migration %d: %s", step.version, step.description)
        applied.append(step.version)
    return applied


async def migrate(engine: AsyncEngine) -> list[int]:
    """Apply every pending migration; return the versions applied now. Several processes starting
    at once on one database (the workers of a centre) apply them once: on PostgreSQL the first
    takes an advisory lock, the others wait for it and then find nothing to do; on SQLite the
    transaction takes the database's write lock before it reads what was applied."""
    async with engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            await conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": MIGRATION_LOCK})
        else:
            await conn.run_sync(_migrations_table)
            # a write, though it changes nothing, makes SQLite take its write lock now: another
            # process migrating waits here (busy_timeout) and then reads what this one applied
            await conn.exec_driver_sql("UPDATE schema_migrations SET version = version WHERE 0")
        return await conn.run_sync(_run_pending)


def _migrations_table(conn: Connection) -> None:
    try:
        db.schema_migrations.create(conn, checkfirst=True)
    except OperationalError as exc:  # made by another process between the check and the create
        if "already exists" not in str(exc):
            raise


def latest_version() -> int:
    return MIGRATIONS[-1].version
