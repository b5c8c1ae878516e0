"""Database access: URLs, the engine, and the tables (SQLAlchemy Core).

The same tables serve SQLite (one file, the default) and PostgreSQL. Timestamps are ISO strings
in the centre's time zone (see clock.py); JSON columns hold lists and objects.
"""
from __future__ import annotations

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Column,
    Float,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    event,
    false,
    text,
)
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

metadata = MetaData()

# BigInteger is an INTEGER PRIMARY KEY (the rowid alias) only as "INTEGER" on SQLite.
Seq = BigInteger().with_variant(Integer(), "sqlite")

meta_kv = Table(
    "meta", metadata,
    Column("key", String(64), primary_key=True),
    Column("value", Text, nullable=False),
)

schema_migrations = Table(
    "schema_migrations", metadata,
    Column("version", Integer, primary_key=True),
    Column("description", Text, nullable=False),
    Column("applied_at", String(40), nullable=False),
)

users = Table(
    "users", metadata,
    Column("id", Seq, primary_key=True, autoincrement=True),
    Column("username", String(64), nullable=False, unique=True),
    Column("display_name", String(128), nullable=False),
    Column("role", String(32), nullable=False),
    Column("password_hash", Text, nullable=False),
    Column("active", Boolean, nullable=False, default=True),
    Column("created_at", String(40), nullable=False),
    # migration 5: the handling unit a `unit` user works for
    Column("unit_id", String(32), nullable=True),
    # migration 7: the account lock after repeated wrong passwords (central/routes/auth.py)
    Column("failed_sign_ins", Integer, nullable=False, default=0, server_default="0"),
    Column("locked_until", String(40), nullable=True),
    Column("password_changed_at", String(40), nullable=True),
)

# migration 7: one row per sign-in. The refresh tokens rotated from it share its id (`family`) and
# the access tokens carry it (`sid`): ending the session ends them all, at once.
sessions = Table(
    "sessions", metadata,
    Column("id", String(32), primary_key=True),
    Column("user_id", Seq, nullable=False, index=True),
    Column("seat", String(64), nullable=False),
    Column("started_at", String(40), nullable=False),
    Column("ended_at", String(40), nullable=True),
    Column("ended_why", String(32), nullable=True),  # signed_out, token_reused, user_disabled, password_changed, …
)

# migration 9: the centre's seats by network address (central/seats.py)
seats = Table(
    "seats", metadata,
    Column("id", String(64), primary_key=True),
    Column("address", String(64), nullable=False, unique=True),
    Column("name", String(128), nullable=False, default=""),
    Column("created_at", String(40), nullable=False),
)

refresh_tokens = Table(
    "refresh_tokens", metadata,
    Column("token_hash", String(64), primary_key=True),
    Column("user_id", Seq, nullable=False, index=True),
    Column("seat", String(64), nullable=False),
    Column("expires_at", String(40), nullable=False),
    Column("revoked", Boolean, nullable=False, default=False),
    # migration 6: rotation with a grace period (central/routes/auth.py `refresh`). `parent` is the
    # token this one was issued for (none after a sign-in), `replaced_by` the newest token issued
    # for it, `used_at` when it was first presented for a refresh.
    Column("parent", String(64), nullable=True),
    Column("replaced_by", String(64), nullable=True),
    Column("used_at", String(40), nullable=True),
    # migration 7: the session (sign-in) the token belongs to; none for tokens issued before it
    Column("family", String(32), nullable=True),
    Index("ix_refresh_tokens_parent", "parent"),
    Index("ix_refresh_tokens_family", "family"),
)

categories = Table(
    "categories", metadata,
    Column("id", String(32), primary_key=True),
    Column("parent_id", String(32), nullable=True),
    Column("name", String(128), nullable=False),
    Column("position", Integer, nullable=False, default=0),
    Column("version", Integer, nullable=False, default=1),
)

handling_units = Table(
    "handling_units", metadata,
    Column("id", String(32), primary_key=True),
    Column("name", String(128), nullable=False),
    Column("kind", String(32), nullable=False),
    Column("parent_id", String(32), nullable=True),
    Column("phone", String(32), nullable=False, default=""),
    Column("category_prefixes", JSON, nullable=False),
    Column("version", Integer, nullable=False, default=1),
)

kb_entries = Table(
    "kb_entries", metadata,
    Column("id", String(64), primary_key=True),
    Column("title", Text, nullable=False),
    Column("answer", Text, nullable=False),
    Column("category_path", JSON, nullable=False),
    Column("source_department", Text, nullable=False, default=""),
    Column("policy_basis", Text, nullable=False, default=""),
    Column("keywords", JSON, nullable=False),
    Column("valid_from", String(10), nullable=True),
    Column("valid_to", String(10), nullable=True),
    Column("version", Integer, nullable=False, default=1),
    Column("status", String(16), nullable=False),
    Column("updated_at", String(40), nullable=False),
)

callers = Table(
    "callers", metadata,
    Column("phone", String(32), primary_key=True),
    Column("name", String(128), nullable=False, default=""),
    Column("confidential", Boolean, nullable=False, default=False),
    Column("version", Integer, nullable=False, default=1),
    Column("updated_at", String(40), nullable=False),
    # migration 8: the keyed hash of the number (domain.privacy), the caller's key in the seats' feed
    Column("lookup", String(32), nullable=True),
    Index("ix_callers_lookup", "lookup", unique=True),
)

work_orders = Table(
    "work_orders", metadata,
    Column("number", String(32), primary_key=True),
    Column("client_ref", String(64), nullable=True, unique=True),
    Column("status", String(32), nullable=False),
    Column("request_type", String(32), nullable=False),
    Column("urgency", String(16), nullable=False),
    Column("category_id", String(32), nullable=False),
    Column("title", Text, nullable=False),
    Column("content", Text, nullable=False),
    Column("caller_phone", String(32), nullable=False),
    Column("requester_name", String(128), nullable=False, default=""),
    Column("confidential", Boolean, nullable=False, default=False),
    Column("address_district", String(64), nullable=False, default=""),
    Column("address_street", String(64), nullable=False, default=""),
    Column("address_detail", String(200), nullable=False, server_default=""),  # migration 10
    Column("handling_unit_id", String(32), nullable=True),
    Column("assisting_unit_ids", JSON, nullable=False),
    Column("answer", Text, nullable=False, default=""),
    Column("reject_reason", String(64), nullable=True),
    Column("transfer_target", String(32), nullable=True),
    Column("deadline", String(40), nullable=True),
    Column("deadline_provisional", Boolean, nullable=False, default=False),
    Column("created_at", String(40), nullable=False),
    Column("updated_at", String(40), nullable=False),
    Column("created_by", Seq, nullable=True),
    Column("version", Integer, nullable=False, default=1),
    # migration 5: handling after intake, callback, repeat requests, supervision
    Column("reply", Text, nullable=False, server_default=""),
    Column("replied_at", String(40), nullable=True),
    Column("callback_at", String(40), nullable=True),
    Column("closed_at", String(40), nullable=True),
    Column("satisfaction", String(24), nullable=True),
    Column("resolved", Boolean, nullable=True),
    Column("callback_attempts", Integer, nullable=False, server_default=text("0")),
    Column("case_kind", String(16), nullable=False, server_default="normal"),
    Column("merged_into", String(32), nullable=True),
    Column("repeat_count", Integer, nullable=False, server_default=text("0")),
    Column("unreasonable_repeat", Boolean, nullable=False, server_default=false()),
    Column("supervised", Boolean, nullable=False, server_default=false()),
    Column("reopen_count", Integer, nullable=False, server_default=text("0")),
    # [{unit_id, role, state, deadline}] of the latest dispatch, kept in step with order_units
    Column("units", JSON, nullable=False, server_default="[]"),
    Index("ix_work_orders_caller_created", "caller_phone", "created_at"),
    Index("ix_work_orders_status_created", "status", "created_at"),
    Index("ix_work_orders_status_replied", "status", "replied_at"),
    Index("ix_work_orders_transfer_target", "transfer_target", "status"),
)

order_timeline = Table(
    "order_timeline", metadata,
    Column("id", Seq, primary_key=True, autoincrement=True),
    Column("number", String(32), nullable=False, index=True),
    Column("at", String(40), nullable=False),
    Column("actor", String(64), nullable=False),
    Column("action", String(64), nullable=False),
    Column("detail", JSON, nullable=False),
)

daily_serials = Table(
    "daily_serials", metadata,
    Column("day", String(8), primary_key=True),
    Column("last", Integer, nullable=False),
)

mutations = Table(
    "mutations", metadata,
    Column("id", String(36), primary_key=True),
    Column("user_id", Seq, nullable=False),
    Column("entity", String(32), nullable=False),
    Column("op", String(32), nullable=False),
    Column("status_code", Integer, nullable=False),
    Column("response", JSON, nullable=False),
    Column("at", String(40), nullable=False),
)

changes = Table(
    "changes", metadata,
    Column("seq", Seq, primary_key=True, autoincrement=True),
    Column("entity", String(32), nullable=False),
    Column("entity_id", String(64), nullable=False),
    Column("op", String(16), nullable=False),
    Column("data", JSON, nullable=True),
    Column("at", String(40), nullable=False),
    # AUTOINCREMENT: a seq is never reused, even after compaction deletes the newest rows
    sqlite_autoincrement=True,
)

audit_log = Table(
    "audit_log", metadata,
    Column("id", Seq, primary_key=True, autoincrement=True),
    Column("at", String(40), nullable=False),
    Column("user_id", Seq, nullable=False),
    Column("username", String(64), nullable=False),
    Column("seat", String(64), nullable=False),
    Column("action", String(64), nullable=False),
    Column("entity", String(32), nullable=False),
    Column("entity_id", String(128), nullable=False),
)

calendar_days = Table(
    "calendar_days", metadata,
    Column("day", String(10), primary_key=True),
    Column("workday", Boolean, nullable=False),
)

# Columns added by a later migration carry a server default: ALTER TABLE ADD COLUMN fills existing rows with it.
calls = Table(
    "calls", metadata,
    Column("id", String(64), primary_key=True),  # 36 until migration 4; softphone call ids are longer
    Column("caller_phone", String(32), nullable=False),
    Column("queue", String(32), nullable=False),
    Column("state", String(16), nullable=False),
    Column("agent_id", Seq, nullable=True),
    Column("arrived_at", String(40), nullable=False),
    Column("answered_at", String(40), nullable=True),
    Column("ended_at", String(40), nullable=True),
    Column("end_reason", String(32), nullable=True),
    # migration 4: calls reported by a seat's softphone, and the callback owed on a missed call
    Column("source", String(16), nullable=False, server_default="platform"),  # platform | sip | freeswitch
    Column("caller_name", String(128), nullable=False, server_default=""),
    Column("callback_state", String(16), nullable=True),  # open | done; none for a call that was answered
    Column("callback_attempts", Integer, nullable=False, server_default=text("0")),
    Column("callback_outcome", String(32), nullable=True),
    Column("callback_note", Text, nullable=True),
    Column("callback_by", String(64), nullable=True),
    Column("callback_at", String(40), nullable=True),
    Column("callback_order", String(32), nullable=True),
    Index("ix_calls_callback_arrived", "callback_state", "arrived_at"),
)


synonyms = Table(
    "synonyms", metadata,
    Column("term", String(64), primary_key=True),
    Column("expansions", JSON, nullable=False),
    Column("version", Integer, nullable=False, default=1),
)


kb_corrections = Table(
    "kb_corrections", metadata,
    Column("id", String(36), primary_key=True),
    Column("entry_id", String(64), nullable=False, index=True),
    Column("entry_version", Integer, nullable=True),
    Column("comment", Text, nullable=False),
    Column("reported_by", String(64), nullable=False),
    Column("seat", String(64), nullable=False),
    Column("at", String(40), nullable=False),
    Column("status", String(16), nullable=False),
    # migration 4: a proposed new answer, and the expert escalation it came from
    Column("proposed_answer", Text, nullable=False, server_default=""),
    Column("escalation_id", String(36), nullable=True),
    # migration 13: the reviewer's decision, for the reporter to see
    Column("decided_by", String(64), nullable=True),
    Column("decided_at", String(40), nullable=True),
    Column("decision_note", Text, nullable=False, server_default=""),
)


escalations = Table(
    "escalations", metadata,
    Column("id", String(36), primary_key=True),  # the raising seat's UUID
    Column("agent_id", Seq, nullable=False),
    Column("agent_username", String(64), nullable=False),
    Column("seat", String(64), nullable=False),
    Column("expert_group", String(32), nullable=False),
    Column("call_id", String(64), nullable=True),
    Column("caller_phone", String(32), nullable=False, default=""),
    Column("caller_name", String(128), nullable=False, default=""),
    Column("question", Text, nullable=False),
    Column("draft", JSON, nullable=False),  # the agent's work-order form, an object
    Column("state", String(16), nullable=False),  # open | claimed | answered | cancelled
    Column("expert_id", Seq, nullable=True),
    Column("expert_username", String(64), nullable=True),
    Column("answer", Text, nullable=True),
    Column("joined", Boolean, nullable=False, default=False),
    Column("created_at", String(40), nullable=False),
    Column("claimed_at", String(40), nullable=True),
    Column("answered_at", String(40), nullable=True),
    Index("ix_escalations_state_created", "state", "created_at"),
    Index("ix_escalations_agent_created", "agent_id", "created_at"),
)


# migration 5 ---------------------------------------------------------------------------------

order_units = Table(
    "order_units", metadata,
    Column("id", Seq, primary_key=True, autoincrement=True),
    Column("number", String(32), nullable=False),
    Column("dispatch_round", Integer, nullable=False),  # 1 for the first dispatch, +1 for each after a return
    Column("unit_id", String(32), nullable=False),
    Column("role", String(16), nullable=False),  # lead | assisting
    Column("state", String(24), nullable=False),  # domain.workorder.UnitState
    Column("deadline", String(40), nullable=False),
    Column("deadline_provisional", Boolean, nullable=False, default=False),
    Column("dispatched_at", String(40), nullable=False),
    Column("signed_at", String(40), nullable=True),
    Column("replied_at", String(40), nullable=True),
    Column("reply", Text, nullable=False, default=""),
    Column("extension_days_asked", Integer, nullable=True),
    Column("extension_hours_asked", Integer, nullable=True),
    Index("ix_order_units_number", "number", "dispatch_round"),
    Index("ix_order_units_unit_state", "unit_id", "state"),
    Index("ix_order_units_state_deadline", "state", "deadline"),
)

reviews = Table(
    "reviews", metadata,
    Column("id", Seq, primary_key=True, autoincrement=True),
    Column("number", String(32), nullable=False, index=True),
    Column("kind", String(24), nullable=False),  # return | extension | unreasonable_repeat
    Column("unit_id", String(32), nullable=True),
    Column("applicant", String(64), nullable=False),
    Column("reason", Text, nullable=False),
    Column("days_asked", Integer, nullable=True),
    Column("hours_asked", Integer, nullable=True),
    Column("state", String(16), nullable=False),  # pending | approved | refused | withdrawn (moot after a return)
    Column("reviewer", String(64), nullable=True),
    Column("note", Text, nullable=False, default=""),
    Column("created_at", String(40), nullable=False),
    Column("decided_at", String(40), nullable=True),
    Index("ix_reviews_state_created", "state", "created_at"),
)

supervisions = Table(
    "supervisions", metadata,
    Column("id", Seq, primary_key=True, autoincrement=True),
    Column("number", String(32), nullable=False, index=True),
    Column("kind", String(16), nullable=False),  # supervise | remind
    Column("reason", String(16), nullable=False),  # overdue | near_deadline | flagged
    Column("note", Text, nullable=False, default=""),
    Column("created_by", String(64), nullable=False),  # "system" for the sweep
    Column("created_at", String(40), nullable=False),
    Column("closed_at", String(40), nullable=True),
    Index("ix_supervisions_closed_created", "closed_at", "created_at"),
)


# migration 11: quick phrases, call scripts and form templates (domain/texts.py), synced to the seats
agent_texts = Table(
    "agent_texts", metadata,
    Column("id", String(36), primary_key=True),
    Column("kind", String(24), nullable=False),  # domain.texts.TextKind
    Column("title", String(64), nullable=False),
    Column("body", Text, nullable=False),
    Column("category", String(200), nullable=False, default=""),  # a form template's category prefix
    Column("position", Integer, nullable=False, default=0),
    Column("version", Integer, nullable=False, default=1),
    Column("updated_at", String(40), nullable=False),
    Column("updated_by", String(64), nullable=False, default=""),
)


# migration 12: learning from agents (domain/knowledge.py): which entry was used after which query,
# and the pairs enough agents share, which the feed carries to every seat
kb_usage = Table(
    "kb_usage", metadata,
    Column("id", Seq, primary_key=True, autoincrement=True),
    Column("query_key", String(64), nullable=False),
    Column("entry_id", String(64), nullable=False),
    Column("user_id", Seq, nullable=False),
    Column("action", String(8), nullable=False),
    Column("at", String(40), nullable=False),
    Index("ix_kb_usage_pair", "query_key", "entry_id", "user_id"),
)

kb_boosts = Table(
    "kb_boosts", metadata,
    Column("key", String(32), primary_key=True),  # domain.knowledge.boost_key
    Column("query_key", String(64), nullable=False),
    Column("entry_id", String(64), nullable=False),
    Column("weight", Integer, nullable=False),  # the different agents who used it
    Column("version", Integer, nullable=False, default=1),
    Column("updated_at", String(40), nullable=False),
)


# migration 13: every version of a knowledge entry, who made it and when (an agent can read the
# previous answer; an editor sees what changed)
kb_entry_versions = Table(
    "kb_entry_versions", metadata,
    Column("entry_id", String(64), primary_key=True),
    Column("version", Integer, primary_key=True),
    Column("data", JSON, nullable=False),
    Column("changed_by", String(64), nullable=False),
    Column("changed_at", String(40), nullable=False),
    Column("why", String(32), nullable=False),  # import, publish, correction
)



# migration 14: a new or changed answer (答复口径) published by a department or accepted from a
# correction, announced to every seat through the feed
kb_notices = Table(
    "kb_notices", metadata,
    Column("id", String(32), primary_key=True),
    Column("entry_id", String(64), nullable=False),
    Column("entry_version", Integer, nullable=False),
    Column("title", Text, nullable=False),
    Column("department", Text, nullable=False),
    Column("change", String(8), nullable=False),  # new | changed
    Column("valid_from", String(10)),
    Column("at", String(40), nullable=False),
    Column("version", Integer, nullable=False, default=1),
    Index("ix_kb_notices_at", "at"),
)

def async_url(url: str) -> str:
    """Map a plain database URL to its async driver: sqlite -> aiosqlite, postgresql -> asyncpg."""
    parsed = make_url(url)
    backend = parsed.get_backend_name()
    if backend == "sqlite":
        return str(parsed.set(drivername="sqlite+aiosqlite"))
    if backend in ("postgresql", "postgres"):
        return parsed.set(drivername="postgresql+asyncpg").render_as_string(hide_password=False)
    raise ValueError(f"unsupported database URL scheme {parsed.drivername!r}: use sqlite:/// or postgresql://")


def is_sqlite(engine: AsyncEngine) -> bool:
    return engine.dialect.name == "sqlite"


def create_engine(url: str) -> AsyncEngine:
    engine = create_async_engine(async_url(url))
    if is_sqlite(engine):
        @event.listens_for(engine.sync_engine, "connect")
        def _sqlite_pragmas(dbapi_conn, _record) -> None:  # noqa: ANN001
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA synchronous=NORMAL")
            cur.execute("PRAGMA busy_timeout=10000")
            cur.close()
    return engine


# The dispatch rule table (派单规则, domain/catalog.py DispatchRule): carried to the seats in the feed.
dispatch_rules = Table(
    "dispatch_rules", metadata,
    Column("key", String(200), primary_key=True),  # district|category
    Column("district", String(32), nullable=False),
    Column("category", String(160), nullable=False),
    Column("lead", String(32), nullable=False),
    Column("assisting", JSON, nullable=False),
    Column("note", Text, nullable=False, default=""),
    Column("version", Integer, nullable=False, default=1),
    Column("updated_at", String(40), nullable=False),
)


# Several workers (central/cluster.py): the agents' states, so that the worker that takes the call
# router over routes to the agents who were ready; and the bus's messages too large for a NOTIFY.
agent_states = Table(
    "agent_states", metadata,
    Column("user_id", Seq, primary_key=True),
    Column("username", String(64), nullable=False),
    Column("seat", String(64), nullable=False),
    Column("state", String(32), nullable=False),
    Column("reason", String(64), nullable=False),
    Column("at", String(40), nullable=False),
)

bus_spill = Table(
    "bus_spill", metadata,
    Column("id", Seq, primary_key=True, autoincrement=True),
    Column("payload", Text, nullable=False),
    Column("at", Float, nullable=False, index=True),  # seconds since the epoch: old ones are dropped
)
