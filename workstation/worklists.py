"""The agent's work lists, from the local cache first: my work orders, the callback queue (回访) and
the progress lookup for a caller asking "where is my case" (R10).

The cache is kept up to date by the sync service; these services read it and say when it moved on
(`changed`). The callback queue also asks the platform for the orders awaiting a callback (so an
order this seat never received still shows), and the progress lookup asks the platform first and
falls back to the cache offline. A callback result goes through the outbox with its local effect in
the same transaction, so the lists are right at once, offline too; while it waits in the outbox, a
fresh list from the platform is shown with it applied.

The platform client has no methods for these reads; the small functions below call its request
helper.
"""
from __future__ import annotations

import asyncio
import json
import logging
import sqlite3
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, TypeVar

from domain import clock
from domain.numbers import is_provisional_number, parse_order_number
from domain.phone import InvalidPhoneNumber, normalize_phone
from domain.workorder import Satisfaction, WorkOrderStatus, callback_outcome
from offline_cache import workorders
from offline_cache.store import CacheStore, Rejection
from workstation.observable import Signal
from workstation.platform_client import PlatformClient, PlatformError, PlatformUnreachable
from workstation.sync import LinkState, SyncService

log = logging.getLogger(__name__)
T = TypeVar("T")

SATISFACTION = tuple(str(s) for s in Satisfaction)  # 非常满意 ... 非常不满意, digits 1-5 on the page
NOTE_MAX = 2000
LIST_LIMIT = 200
SYNCED_AT = "worklists.synced_at"  # sync_state key: when the cache last caught up with the platform
OUTBOX_SCAN = 10_000
REFRESH_DELAY_S = 0.2
GROUPS = workorders.GROUPS


# -- rules shared with the platform (central/orders.py) ----------------------------------------------

def status_zh(status: str | None) -> str:
    """The Chinese word for a status; a status this build does not know is shown as it is."""
    try:
        return WorkOrderStatus(status).label_zh
    except ValueError:
        return str(status or "")


def callback_result(satisfaction: str | None, resolved: bool | None, reached: bool = True) -> str:
    """The status a callback leaves the order in: still `replied` (the requester was not reached: an
    attempt only), `closed` (satisfied and resolved) or `reopened` (back to the lead unit)."""
    if not reached:
        return "replied"
    return str(callback_outcome(Satisfaction(satisfaction), bool(resolved)))


def callback_payload(satisfaction: str | None, resolved: bool | None, note: str = "",
                     reached: bool = True) -> dict:
    """The mutation's payload, checked here so that a bad one never reaches the outbox."""
    note = note.strip()
    if len(note) > NOTE_MAX:
        raise ValueError(f"the note is longer than {NOTE_MAX} characters")
    if not reached:
        return {"reached": False, "note": note}
    if satisfaction not in SATISFACTION:
        raise ValueError(f"unknown satisfaction {satisfaction!r}")
    if not isinstance(resolved, bool):
        raise ValueError("say whether the matter was resolved")
    return {"satisfaction": satisfaction, "resolved": resolved, "note": note, "reached": True}


def apply_callback(order: dict, payload: dict) -> dict:
    """The order as the platform will make it once it applies the callback."""
    attempts = int(order.get("callback_attempts") or 0) + 1  # every callback counts, reached or not
    if not payload.get("reached", True):
        return {**order, "callback_attempts": attempts}
    return {**order, "status": callback_result(payload.get("satisfaction"), payload.get("resolved")),
            "satisfaction": payload.get("satisfaction"), "resolved": payload.get("resolved"),
            "callback_attempts": attempts}


def _callback_changes(order: dict, payload: dict) -> dict:
    after = apply_callback(order, payload)
    return {c: after[c] for c in ("status", "satisfaction", "resolved", "callback_attempts") if c in after}


def looks_like_order_number(text: str) -> bool:
    text = text.strip()
    if is_provisional_number(text):
        return True
    try:
        parse_order_number(text)
    except ValueError:
        return False
    return True


# -- the reads the platform client lacks ----------------------------------------------------------------

def _items(body: Any) -> list[dict]:
    if isinstance(body, dict):
        body = body.get("items", [])
    return [dict(i) for i in body or [] if isinstance(i, dict)]


async def fetch_callbacks(client: PlatformClient, limit: int = LIST_LIMIT) -> list[dict]:
    """Orders awaiting a callback, oldest reply first (orders.callback)."""
    return _items(await client._request("GET", "/callbacks", params={"limit": limit}, auth=True))


async def fetch_progress(client: PlatformClient, *, number: str | None = None, phone: str | None = None) -> list[dict]:
    """What a caller may be told about their orders (R10), by number or by phone."""
    params = {"number": number} if number else {"phone": phone}
    return _items(await client._request("GET", "/progress", params=params, auth=True))


async def fetch_order(client: PlatformClient, number: str) -> dict:
    """One order with its whole timeline (audited on the platform)."""
    return dict(await client._request("GET", f"/work-orders/{number}", auth=True))


# -- the services ----------------------------------------------------------------------------------------

class _CacheList:
    """What the cache-backed lists share: reads off the event loop, the time of the last data, the
    link state, and a refresh that many triggers share."""

    def __init__(self, client: PlatformClient, sync: SyncService, refresh_delay_s: float) -> None:
        self.client, self.sync = client, sync
        self.store: CacheStore = sync.store
        self.refresh_delay_s = refresh_delay_s
        self.changed = Signal(f"{type(self).__name__}_changed")  # (items)
        self.items: list[dict] = []
        self._generation = 0
        self._soon: asyncio.Task | None = None
        self._wanted = False
        self._closed = False
        self._tasks: set[asyncio.Task] = set()
        self._connections: list[tuple[Signal, Callable]] = []
        self._listen(sync.synced, self._on_synced)
        self._listen(sync.outbox_changed, self._on_outbox)
        self._listen(sync.link_changed, self._on_link)

    def _listen(self, signal: Signal, slot: Callable) -> None:
        signal.connect(slot)
        self._connections.append((signal, slot))

    def close(self) -> None:
        self._closed = True
        for signal, slot in self._connections:
            try:
                signal.disconnect(slot)
            except ValueError:
                pass  # closed twice
        self._connections = []
        if self._soon is not None:
            self._soon.cancel()
            self._soon = None

    @property
    def offline(self) -> bool:
        return self.sync.link == LinkState.offline

    def data_at(self) -> datetime | None:
        """When this seat's cache last caught up with the platform (None: not known)."""
        value = self.store.get_state(SYNCED_AT)
        try:
            return clock.parse(value) if value else None
        except ValueError:
            return None

    async def _read(self, fn: Callable[..., T], *args: Any) -> T:
        """A cache read on the caller's connection, as the window's other reads are (indexed and
        limited: a millisecond or so). Worker threads would each keep a connection open that the
        store cannot close, and a shared seat's cache could then not be wiped on Windows."""
        return fn(self.store.conn, *args)

    def refresh_soon(self) -> None:
        if self._closed:
            return
        self._wanted = True
        if self._soon is None or self._soon.done():
            self._soon = asyncio.get_running_loop().create_task(self._refresh_later(),
                                                                name=f"{type(self).__name__}-refresh")

    async def _refresh_later(self) -> None:
        while self._wanted and not self._closed:
            await asyncio.sleep(self.refresh_delay_s)
            self._wanted = False
            await self.refresh()

    async def refresh(self) -> list[dict]:
        raise NotImplementedError

    def _on_synced(self, _cursor: int) -> None:
        if self._closed:
            return
        store = self.store

        def note() -> None:
            with store.transaction() as conn:
                store.set_state(conn, SYNCED_AT, clock.stamp())
        task = asyncio.get_running_loop().create_task(self._note_synced(note), name="worklists-synced-at")
        self._tasks.add(task)  # a task nobody holds may be collected before it ends
        task.add_done_callback(self._tasks.discard)
        self.refresh_soon()

    async def _note_synced(self, note: Callable[[], None]) -> None:
        try:
            await self.sync.write(note)
        except (sqlite3.Error, RuntimeError) as exc:  # the store closed meanwhile (sign-out)
            log.info("time of the last sync not kept: %s", type(exc).__name__)

    def _on_outbox(self, _count: int) -> None:
        self.refresh_soon()  # a change recorded elsewhere (the order form) may move an order

    def _on_link(self, _state: LinkState) -> None:
        if not self._closed:
            self.changed.emit(self.items)


class MyOrders(_CacheList):
    """The orders this user created, from the cache: `group` (open / closed / all) and `query` (number
    or title words) choose which; `items` is the list, newest first."""

    def __init__(self, client: PlatformClient, sync: SyncService, *, limit: int = LIST_LIMIT,
                 refresh_delay_s: float = REFRESH_DELAY_S) -> None:
        super().__init__(client, sync, refresh_delay_s)
        self.limit = limit
        self.group, self.query = "open", ""

    @property
    def user_id(self) -> int | None:
        session = self.client.session
        value = session.user.get("id") if session is not None else None
        return int(value) if value is not None else None

    async def refresh(self, group: str | None = None, query: str | None = None) -> list[dict]:
        if group is not None:
            if group not in GROUPS:
                raise ValueError(f"unknown group {group!r}")
            self.group = group
        if query is not None:
            self.query = query
        self._generation += 1
        generation = self._generation
        items = await self._read(workorders.my_orders, self.user_id, self.group, self.query, self.limit)
        if generation != self._generation or self._closed:
            return self.items  # a newer refresh (the agent typed on) counts
        self.items = items
        self.changed.emit(self.items)
        return self.items

    async def detail(self, number: str) -> OrderDetail:
        """The order with its timeline from the platform; offline, the cached summary."""
        cached = await self._read(workorders.by_number, number)
        try:
            body = await fetch_order(self.client, (cached or {}).get("number") or number)
        except PlatformUnreachable:
            return OrderDetail(cached or {"number": number}, [], offline=True, data_at=self.data_at())
        except PlatformError as exc:
            log.info("work order read refused: %s", exc.code)
            return OrderDetail(cached or {"number": number}, [], offline=exc.transient, data_at=self.data_at(),
                               error="" if exc.transient else (exc.message or exc.code))
        timeline = list(body.pop("timeline", []) or [])
        if cached and cached.get("handling_unit_name"):
            body.setdefault("handling_unit_name", cached["handling_unit_name"])
        return OrderDetail(body, timeline, offline=False, data_at=clock.now())


@dataclass
class OrderDetail:
    order: dict
    timeline: list[dict]
    offline: bool
    data_at: datetime | None
    error: str = ""


class CallbackQueue(_CacheList):
    """Orders awaiting the callback, oldest reply first: the cache's, merged by number with the
    platform's list (`GET /api/v1/callbacks`) when it answers. `fetched_at` is when the platform
    last sent its list; `error` its reason when it refused; `allowed` False once it said this user
    does not call back."""

    def __init__(self, client: PlatformClient, sync: SyncService, *, limit: int = LIST_LIMIT,
                 refresh_delay_s: float = REFRESH_DELAY_S) -> None:
        super().__init__(client, sync, refresh_delay_s)
        self.limit = limit
        self.fetched_at: datetime | None = None
        self.unreachable = False
        self.error = ""
        self.allowed = True
        self.calling: str | None = None
        self._remote: list[dict] = []
        self._fetch_wanted = False
        self._refused = {r.mutation_id for r in self.rejections()}
        self._listen(sync.rejections_changed, self._on_rejections)

    @property
    def offline(self) -> bool:
        return self.unreachable or self.sync.link == LinkState.offline

    async def refresh(self, fetch: bool = False) -> list[dict]:
        """The list again from the cache; with `fetch`, the platform's list too (offline or refused:
        the last one it sent stays, and `offline` / `error` say so)."""
        self._generation += 1
        generation = self._generation
        if fetch and self.allowed:
            await self._fetch()
        cached = await self._read(workorders.awaiting_callback, self.limit)
        names = await self._read(_unit_names, [r.get("handling_unit_id") for r in self._remote])
        pending = await self._read(_pending_callbacks)
        if generation != self._generation or self._closed:
            return self.items
        self.items = _merge(cached, self._remote, names, pending)
        if self.calling is not None and self.item(self.calling) is None:
            self.calling = None
        self.changed.emit(self.items)
        return self.items

    async def _fetch(self) -> None:
        try:
            remote = await fetch_callbacks(self.client, self.limit)
        except PlatformUnreachable:
            log.info("callback queue: platform unreachable; the cache's list is shown")
            self.unreachable = True
            return
        except PlatformError as exc:
            log.warning("callback queue refused: %s", exc.code)
            if exc.status == 403:
                self.allowed = False
            self.unreachable = exc.transient
            self.error = "" if exc.transient else (exc.message or exc.code)
            return
        self._remote, self.fetched_at = remote, clock.now()
        self.unreachable, self.error = False, ""

    def refresh_soon(self, fetch: bool = False) -> None:
        self._fetch_wanted = self._fetch_wanted or fetch
        super().refresh_soon()

    async def _refresh_later(self) -> None:
        while self._wanted and not self._closed:
            await asyncio.sleep(self.refresh_delay_s)
            self._wanted = False
            fetch, self._fetch_wanted = self._fetch_wanted, False
            await self.refresh(fetch)

    def _on_link(self, state: LinkState) -> None:
        if state == LinkState.online and self.unreachable and self.allowed:
            self.refresh_soon(fetch=True)
        super()._on_link(state)

    def _on_synced(self, cursor: int) -> None:
        # the feed answered: the platform is back even if the link never looked down to the sync
        super()._on_synced(cursor)
        if self.unreachable and self.allowed:
            self.refresh_soon(fetch=True)

    def _on_rejections(self, _count: int) -> None:
        refused = {r.mutation_id for r in self.rejections()}
        if refused - self._refused:  # a refused callback: the platform's state again
            self.refresh_soon(fetch=True)
        self._refused = refused

    def item(self, number: str) -> dict | None:
        return next((i for i in self.items if i["number"] == number), None)

    def start_callback(self, number: str) -> str:
        """Mark the order as being called back from this seat; return the number to dial."""
        item = self.item(number)
        if item is None:
            raise KeyError(number)
        self.calling = number
        self.changed.emit(self.items)
        return str(item.get("caller_phone") or "")

    async def record(self, number: str, satisfaction: str | None, resolved: bool | None, note: str = "",
                     reached: bool = True) -> str:
        """Record the callback (through the outbox; the cached order changes in the same transaction).
        Returns the mutation id; a refusal by the platform ends in the seat's rejections."""
        payload = callback_payload(satisfaction, resolved, note, reached)

        def local(conn: sqlite3.Connection) -> None:
            current = workorders.find(conn, number)
            if current is not None:
                workorders.update_local(conn, number, **_callback_changes(workorders.decode(current), payload))

        mutation_id = await self.sync.record("work_order", "callback", payload, entity_id=number,
                                             local_change=local)
        if self.calling == number:
            self.calling = None
        await self.refresh()
        return mutation_id

    def rejections(self) -> list[Rejection]:
        """Callbacks the platform refused that the agent has not dismissed, oldest first."""
        return [r for r in self.store.rejections() if r.entity == "work_order" and r.op == "callback"]


def _unit_names(conn: sqlite3.Connection, ids: list[str | None]) -> dict[str, str]:
    wanted = sorted({i for i in ids if i})
    if not wanted:
        return {}
    rows = conn.execute(f"SELECT id, name FROM handling_units WHERE id IN ({', '.join('?' for _ in wanted)})",
                        wanted)  # noqa: S608 - placeholders only
    return {r[0]: r[1] for r in rows}


def _pending_callbacks(conn: sqlite3.Connection) -> list[tuple[str, dict]]:
    rows = conn.execute("SELECT entity_id, payload FROM outbox WHERE entity = 'work_order' AND op = 'callback' "
                        "ORDER BY seq LIMIT ?", (OUTBOX_SCAN,))
    return [(r[0], json.loads(r[1])) for r in rows]


def _merge(cached: list[dict], remote: list[dict], names: dict[str, str],
           pending: list[tuple[str, dict]]) -> list[dict]:
    """By number, the newer version wins (the cache's at a tie: it holds this seat's own changes);
    callbacks still in the outbox are applied to what does not hold them yet; what is no longer
    `replied` leaves; oldest reply first."""
    by_number: dict[str, dict] = {}
    for row in remote:
        by_number[row["number"]] = {**row, "handling_unit_name": row.get("handling_unit_name")
                                    or names.get(row.get("handling_unit_id") or "")}
    for row in cached:
        other = by_number.get(row["number"])
        if other is None or int(row.get("version") or 0) >= int(other.get("version") or 0):
            by_number[row["number"]] = row
    for number, payload in pending:
        row = by_number.get(number)
        if row is not None and not row.get("local"):  # a local row has its change applied already
            by_number[number] = apply_callback(row, payload)
    items = [r for r in by_number.values() if r.get("status") == "replied"]
    return sorted(items, key=lambda r: (r.get("replied_at") or "", r["number"]))


@dataclass
class ProgressAnswer:
    """A lookup's answer: `kind` "number" or "phone", the orders (each with `steps` a caller may be
    told and `next_step`), whether it came from the cache because the platform was unreachable
    (`offline`, with `data_at`), or the platform's reason when it refused."""

    query: str
    kind: str
    items: list[dict] = field(default_factory=list)
    offline: bool = False
    data_at: datetime | None = None
    error: str = ""


class ProgressService:
    """Where is my case (R10): by order number or caller phone; the platform first, the cache offline."""

    def __init__(self, client: PlatformClient, sync: SyncService) -> None:
        self.client, self.sync = client, sync
        self.store: CacheStore = sync.store

    async def lookup(self, text: str) -> ProgressAnswer:
        """Raises ValueError when the text is neither an order number nor a phone number."""
        text = text.strip()
        if looks_like_order_number(text):
            kind, key = "number", text
        else:
            try:
                kind, key = "phone", normalize_phone(text)
            except InvalidPhoneNumber as exc:
                raise ValueError(str(exc)) from None
        try:
            items = await (fetch_progress(self.client, number=key) if kind == "number"
                           else fetch_progress(self.client, phone=key))
        except PlatformUnreachable:
            log.info("progress lookup: platform unreachable; answering from the cache")
            return ProgressAnswer(text, kind, await self._cached(kind, key), offline=True,
                                  data_at=_synced_at(self.store))
        except PlatformError as exc:
            if exc.status == 404:
                return ProgressAnswer(text, kind, [])
            log.info("progress lookup refused: %s", exc.code)
            if exc.transient:
                return ProgressAnswer(text, kind, await self._cached(kind, key), offline=True,
                                      data_at=_synced_at(self.store))
            return ProgressAnswer(text, kind, [], error=exc.message or exc.code)
        return ProgressAnswer(text, kind, [progress_item(i) for i in items])

    async def _cached(self, kind: str, key: str) -> list[dict]:
        store = self.store

        def read() -> list[dict]:
            if kind == "number":
                row = workorders.by_number(store.conn, key)
                return [row] if row else []
            return workorders.by_phone(store.conn, key)
        return [cached_progress(r) for r in read()]


def _synced_at(store: CacheStore) -> datetime | None:
    value = store.get_state(SYNCED_AT)
    try:
        return clock.parse(value) if value else None
    except ValueError:
        return None


def progress_item(item: dict) -> dict:
    """The platform's answer for one order (`GET /api/v1/progress`), in the shape the page shows:
    `steps` [{step, step_zh, unit, at}] as a caller may hear them."""
    steps = [{"step": str(s.get("step") or ""), "step_zh": str(s.get("step_zh") or ""), "unit": s.get("unit") or "",
              "at": s.get("at")} for s in item.get("timeline") or [] if isinstance(s, dict)]
    return {"number": item.get("number"), "status": item.get("status"),
            "status_zh": item.get("status_zh") or status_zh(item.get("status")), "title": item.get("title") or "",
            "created_at": item.get("created_at"), "deadline": item.get("deadline"), "unit_name": item.get("unit") or "",
            "reply": item.get("reply") or "", "merged_into": item.get("merged_into"), "steps": steps}


def cached_progress(row: dict) -> dict:
    """What the cached summary can tell: accepted, dispatched to the lead unit, replied, the callback."""
    unit = row.get("handling_unit_name") or row.get("handling_unit_id") or ""
    steps = [{"step": "create", "unit": "", "at": row.get("created_at")}]
    if row.get("handling_unit_id"):
        steps.append({"step": "dispatch", "unit": unit, "at": None})
    if row.get("replied_at"):
        steps.append({"step": "reply", "unit": unit, "at": row.get("replied_at")})
    if row.get("satisfaction"):
        steps.append({"step": "callback", "unit": "", "at": None})
    if row.get("merged_into"):
        steps.append({"step": "merge", "unit": "", "at": None})
    status = row.get("status")
    answered = row.get("replied_at") or status == "closed_at_intake"
    return {"number": row.get("number"), "status": status, "status_zh": status_zh(status),
            "title": row.get("title") or "", "created_at": row.get("created_at"), "deadline": row.get("deadline"),
            "unit_name": unit, "reply": (row.get("reply") or "") if answered else "",
            "merged_into": row.get("merged_into"), "steps": [{**s, "step_zh": ""} for s in steps]}
