"""The agent's work lists, from the local cache first: my work orders, the callback queue (回访) and
the progress lookup for a caller asking "where is my case" (R10).

The cache is kept up to date by the sync service; these services read it and say when it moved on
(`changed`). The callback queue also asks the platform for the orders awaiting a callback (so an
order this seat never received still shows), and the progress lookup asks the platform first and
falls back to the cache offline. A callback result goes through the outbox with its local effect in
the same transaction, so the lists are right at once, offline too; while it waits in the outbox, a
fresh list from the platform is shown with it applied.

The attributes, signals and refresh semantics are those of every list (`workstation.list_service`);
`fetched_at` is, for the cache's lists, when the cache last caught up with the platform.
"""
from __future__ import annotations

import json
import logging
import sqlite3
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, TypeVar

from domain import clock
from domain.callbacks import NOTE_MAX, SATISFACTION, apply_callback, callback_payload, callback_result
from domain.numbers import is_provisional_number, parse_order_number
from domain.phone import InvalidPhoneNumber, normalize_phone
from domain.workorder import attachment_names, status_zh
from offline_cache import workorders
from offline_cache.store import CacheStore, Rejection
from workstation.catalog import unit_names
from workstation.list_service import NO_ANSWER, ListService
from workstation.platform_client import PlatformClient, PlatformError, PlatformUnreachable
from workstation.sync import LinkState, SyncService

log = logging.getLogger(__name__)
T = TypeVar("T")

LIST_LIMIT = 200
SYNCED_AT = "worklists.synced_at"  # sync_state key: when the cache last caught up with the platform
OUTBOX_SCAN = 10_000
REFRESH_DELAY_S = 0.2
GROUPS = workorders.GROUPS


# the rules shared with the platform live in domain.callbacks (re-exported here for the pages)
__all__ = ["GROUPS", "LIST_LIMIT", "NOTE_MAX", "SATISFACTION", "CacheListService", "CallbackQueue", "MyOrders",
           "OrderDetail", "ProgressAnswer", "ProgressService", "apply_callback", "cached_progress", "callback_payload",
           "callback_result", "looks_like_order_number", "progress_item", "status_zh"]


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


# -- the services ----------------------------------------------------------------------------------------

class CacheListService(ListService):
    """A list read from the seat's cache, read again when the cache moved on (a sync, a change in
    the outbox). The cache's lists are offline while the link is."""

    def __init__(self, client: PlatformClient, sync: SyncService, refresh_delay_s: float) -> None:
        super().__init__(client, sync, refresh_delay_s=refresh_delay_s)
        self.items: list[dict] = []
        self._set_offline(sync.link == LinkState.offline)
        self.listen(sync.synced, self._on_synced)
        self.listen(sync.outbox_changed, self._on_outbox)

    def data_at(self) -> datetime | None:
        """When this seat's cache last caught up with the platform (None: not known)."""
        return _synced_at(self.store)

    async def _read(self, fn: Callable[..., T], *args: Any) -> T:
        """A cache read on the caller's connection, as the window's other reads are (indexed and
        limited: a millisecond or so). Worker threads would each keep a connection open that the
        store cannot close, and a shared seat's cache could then not be wiped on Windows."""
        return fn(self.store.conn, *args)

    def _on_synced(self, _cursor: int) -> None:
        if self.closed:
            return
        store = self.store

        def note() -> None:
            with store.transaction() as conn:
                store.set_state(conn, SYNCED_AT, clock.stamp())
        self._spawn(self._note_synced(note))
        self.refresh_soon()

    async def _note_synced(self, note: Callable[[], None]) -> None:
        try:
            await self.sync.write(note)
        except (sqlite3.Error, RuntimeError) as exc:  # the store closed meanwhile (sign-out)
            log.info("time of the last sync not kept: %s", type(exc).__name__)

    def _on_outbox(self, _count: int) -> None:
        self.refresh_soon()  # a change recorded elsewhere (the order form) may move an order

    def _on_link(self, state: LinkState) -> None:
        if not self.closed:
            self._set_offline(state == LinkState.offline)
            self.changed.emit()


class MyOrders(CacheListService):
    """The orders this user created, from the cache: `group` (open / closed / all) and `query` (number
    or title words) choose which; `items` is the list, newest first."""

    name = "my_orders"

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
        if generation != self._generation or self.closed:
            return self.items  # a newer refresh (the agent typed on) counts
        self.items, self.fetched_at = items, self.data_at()
        self.changed.emit()
        return self.items

    async def detail(self, number: str) -> OrderDetail:
        """The order with its timeline from the platform; offline, the cached summary."""
        cached = await self._read(workorders.by_number, number)
        try:
            body = await self.client.work_order((cached or {}).get("number") or number)
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


class UnitDesk(CacheListService):
    """A handling unit's desk: the orders where it has a part to do (its feed holds only its own),
    the earliest deadline first; a dispatcher or an administrator, who may act for any unit, sees
    every order in handling and acts for its lead unit. Sign, reply, ask for a return or an
    extension go through the outbox (kept offline too); the list moves when the platform's version
    of the order comes back."""

    name = "unit_desk"
    OPS = ("sign", "reply", "apply_return", "apply_extension")

    def __init__(self, client: PlatformClient, sync: SyncService, *, refresh_delay_s: float = REFRESH_DELAY_S) -> None:
        super().__init__(client, sync, refresh_delay_s)
        self._sending: dict[str, str] = {}  # number -> the operation waiting in the outbox

    @property
    def unit_id(self) -> str | None:
        session = self.client.session
        value = session.user.get("unit_id") if session is not None else None
        return str(value) if value else None

    async def refresh(self) -> list[dict]:
        self._generation += 1
        generation = self._generation
        items = await self._read(workorders.in_handling, self.unit_id)
        if generation != self._generation or self.closed:
            return self.items
        waiting = {m.entity_id: m.op for m in self.sync.store.pending(OUTBOX_SCAN)
                   if m.entity == "work_order" and m.op in self.OPS}
        self._sending = waiting
        self.items = [{**i, "sending": waiting.get(str(i["number"]))} for i in items]
        self.fetched_at = self.data_at()
        self.changed.emit()
        return self.items

    def part(self, order: dict) -> dict:
        """This unit's part of the order (for who acts for any unit: the lead's)."""
        parts = [u for u in order.get("units") or [] if u.get("state") != "returned"]
        mine = [u for u in parts if u.get("unit_id") == self.unit_id] if self.unit_id else \
            [u for u in parts if u.get("role") == "lead"]
        return mine[0] if mine else {"unit_id": order.get("handling_unit_id"), "state": order.get("status")}

    async def act(self, order: dict, op: str, **payload: Any) -> str:
        """One of OPS on the order, for this unit's part; returns the mutation id. ValueError when
        the platform would refuse it here already."""
        if op not in self.OPS:
            raise ValueError(f"unknown operation {op!r}")
        for name in ("reply", "reason"):
            if name in payload:
                payload[name] = str(payload[name]).strip()
                if not payload[name]:
                    raise ValueError(f"the {name} is empty")
                if len(payload[name]) > (5000 if name == "reply" else 2000):
                    raise ValueError(f"the {name} is too long")
        if "attachments" in payload:
            payload["attachments"] = attachment_names("\n".join(payload["attachments"]))
            if not payload["attachments"]:
                del payload["attachments"]
        unit_id = self.part(order).get("unit_id")
        number = str(order["number"])
        mutation_id = await self.sync.record("work_order", op, {"unit_id": unit_id, **payload}, entity_id=number)
        log.info("order %s: %s recorded for unit %s", number, op, unit_id)
        await self.refresh()
        return mutation_id

    def _mine(self, rejection: Rejection) -> bool:
        return rejection.entity == "work_order" and rejection.op in self.OPS


@dataclass
class OrderDetail:
    order: dict
    timeline: list[dict]
    offline: bool
    data_at: datetime | None
    error: str = ""


class CallbackQueue(CacheListService):
    """Orders awaiting the callback, oldest reply first: the cache's, merged by number with the
    platform's list (`GET /api/v1/callbacks`) when it answers. `fetched_at` is when the platform
    last sent its list; `error` its reason when it refused; `allowed` False once it said this user
    does not call back."""

    name = "callback_queue"

    def __init__(self, client: PlatformClient, sync: SyncService, *, limit: int = LIST_LIMIT,
                 refresh_delay_s: float = REFRESH_DELAY_S) -> None:
        super().__init__(client, sync, refresh_delay_s)
        self.limit = limit
        self.calling: str | None = None
        self._remote: list[dict] = []
        self._fetch_wanted = False

    async def refresh(self, fetch: bool = False) -> list[dict]:
        """The list again from the cache; with `fetch`, the platform's list too (offline or refused:
        the last one it sent stays, and `offline` / `error` say so)."""
        self._generation += 1
        generation = self._generation
        if fetch and self.allowed:
            remote = await self._ask(lambda: self.client.callbacks(self.limit))
            if remote is not NO_ANSWER:
                self._remote = remote
                self._fresh()
        cached = await self._read(workorders.awaiting_callback, self.limit)
        names = await self._read(unit_names, [r.get("handling_unit_id") for r in self._remote])
        pending = await self._read(_pending_callbacks)
        if generation != self._generation or self.closed:
            return self.items
        self.items = _merge(cached, self._remote, names, pending)
        if self.calling is not None and self.item(self.calling) is None:
            self.calling = None
        self.changed.emit()
        return self.items

    def refresh_soon(self, delay_s: float | None = None, fetch: bool = False) -> None:
        self._fetch_wanted = self._fetch_wanted or fetch
        super().refresh_soon(delay_s)

    async def _soon_refresh(self) -> None:
        fetch, self._fetch_wanted = self._fetch_wanted, False
        await self.refresh(fetch)

    def _on_link(self, state: LinkState) -> None:
        if state == LinkState.offline and not self.offline:
            self._set_offline(True)
            self.changed.emit()
        elif state == LinkState.online and self.offline:
            if self.allowed:
                self.refresh_soon(fetch=True)  # the read says whether the platform is back
            else:
                self._set_offline(False)
                self.changed.emit()

    def _on_synced(self, cursor: int) -> None:
        # the feed answered: the platform is back even if the link never looked down to the sync
        super()._on_synced(cursor)
        if self.offline and self.allowed:
            self.refresh_soon(fetch=True)

    def _mine(self, rejection: Rejection) -> bool:
        return rejection.entity == "work_order" and rejection.op == "callback"

    def _refused(self, rejection: Rejection) -> None:
        self._fetch_wanted = True  # the platform's state again

    def item(self, number: str) -> dict | None:
        return next((i for i in self.items if i["number"] == number), None)

    async def start_callback(self, number: str) -> str:
        """Mark the order as being called back from this seat; return the number to dial. The
        cache holds the number of an order another agent took masked (R14): it is read from the
        platform then (the read audited there), which needs the platform. Raises
        PlatformUnreachable or PlatformError when it cannot be read."""
        item = self.item(number)
        if item is None:
            raise KeyError(number)
        phone = str(item.get("caller_phone") or "")
        if "*" in phone:
            phone = str((await self.client.work_order(number))["caller_phone"])
        self.calling = number
        self.changed.emit()
        return phone

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
            # the platform's list holds the number in full where the cache has it masked (R14)
            by_number[row["number"]] = row if other is None else {**row, "caller_phone": other.get("caller_phone")
                                                                 or row.get("caller_phone")}
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
            items = await (self.client.progress(number=key) if kind == "number"
                           else self.client.progress(phone=key))
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
