"""The dispatcher's and the team lead's lists: reviews to decide, supervisions, the wallboard.

Each service keeps the last answer the platform gave (also in the seat's cache, `offline_cache.lists`),
so a page opened offline still shows what there was, with the time it was fetched; `offline` says
the figures are not live. Decisions and supervisions go through the outbox (`SyncService.record`)
like every change and show at once; a refused one ends in the seat's rejections and is announced
with the platform's reason (`rejected`), and the list is read again.

Signals (of `workstation.observable`, emitted on the loop's thread): `changed()` after every read
(also a failed one: see `offline`, `error`) and every local change; `rejected(Rejection)`.
"""
from __future__ import annotations

import asyncio
import logging
import sqlite3
import time
from datetime import datetime
from typing import Any

from domain import clock
from offline_cache import lists, workorders
from offline_cache.store import Rejection
from workstation.observable import Signal
from workstation.platform_client import PlatformClient, PlatformError, PlatformUnreachable
from workstation.sync import LinkState, SyncService

log = logging.getLogger(__name__)

REFRESH_DELAY_S = 0.3      # events within this time after the first cost one read
CHANGES_DELAY_S = 2.0      # the change feed moves all day: at most one read per this time because of it
OUTBOX_SCAN = 10_000       # decisions still waiting are looked for among this many pending changes
NOTE_MAX = 2000
DECISIONS = ("approve", "refuse")
# the review's kind -> the work-order operation that decides it (see the platform's mutations)
REVIEW_OPS = {"return": "review_return", "extension": "review_extension",
              "unreasonable_repeat": "review_unreasonable"}
SUPERVISION_KINDS = ("supervise", "remind")
WALLBOARD_KEEP_S = 5.0     # the wallboard changes every second: the cache keeps it at most this often


class FetchedListService:
    """A list read from the platform and kept for offline use; subclasses say how to read it
    (`_fetch`) and what to keep of the answer (`_take`, `_cached`)."""

    name = ""

    def __init__(self, client: PlatformClient, sync: SyncService, *, refresh_delay_s: float = REFRESH_DELAY_S,
                 changes_delay_s: float = CHANGES_DELAY_S) -> None:
        self.client, self.sync = client, sync
        self.refresh_delay_s, self.changes_delay_s = refresh_delay_s, changes_delay_s
        self.fetched_at = ""   # when the platform gave what is shown (a clock stamp), "" before any
        self.offline = False   # the last read found the platform unreachable, or the link is down
        self.offline_since: float | None = None  # monotonic time `offline` became true
        self.error = ""        # the platform's reason when it refused the last read
        self.allowed = True    # False once the platform said this role may not read the list
        self.started = False
        self.changed = Signal(f"{self.name}_changed")
        self.rejected = Signal(f"{self.name}_rejected")
        self._generation = 0   # only the newest read may replace the list
        self._soon: asyncio.Task | None = None
        self._soon_at = 0.0    # when the read asked for will run (loop time)
        self._tasks: set[asyncio.Task] = set()
        self._seen_rejections = {r.mutation_id for r in sync.store.rejections(include_dismissed=True)}
        sync.event.connect(self._on_event)
        sync.link_changed.connect(self._on_link)
        sync.rejections_changed.connect(self._on_rejections)

    def close(self) -> None:
        for signal, slot in ((self.sync.event, self._on_event), (self.sync.link_changed, self._on_link),
                             (self.sync.rejections_changed, self._on_rejections)):
            try:
                signal.disconnect(slot)
            except ValueError:
                pass  # closed twice
        for task in (self._soon, *self._tasks):
            if task is not None:
                task.cancel()
        self._soon = None
        self.started = False

    @property
    def username(self) -> str:
        session = self.client.session
        return str(session.user.get("username", "")) if session is not None else ""

    # -- reading --------------------------------------------------------------------------------

    async def start(self) -> None:
        """Show the kept list at once (when nothing fresher is there), then read the platform's."""
        if not self.started:
            self.started = True
            self._spawn(self._load_kept())
        await self.refresh()

    async def _load_kept(self) -> None:
        def work() -> lists.FetchedList | None:
            lists.ensure_schema(self.sync.store)
            return lists.load(self.sync.store, self.name)
        try:
            kept = await self.sync.write(work)
        except sqlite3.Error as exc:
            log.warning("%s: the kept list could not be read (%s)", self.name, type(exc).__name__)
            return
        except RuntimeError:  # the seat closed meanwhile (its writer is shut down)
            log.debug("%s: the seat closed before the kept list was read", self.name)
            return
        if kept is not None and not self.fetched_at:  # a read that came first is fresher
            self._cached(kept.data)
            self.fetched_at = kept.fetched_at
            self.changed.emit()

    async def refresh(self) -> None:
        """Read the list; unreachable (or refused), keep the last one and say so."""
        self._generation += 1
        generation = self._generation
        try:
            body = await self._fetch()
        except PlatformUnreachable:
            if generation == self._generation:
                log.info("%s: platform unreachable, keeping the list of %s", self.name, self.fetched_at or "never")
                self._set_offline(True)
                self.changed.emit()
            return
        except PlatformError as exc:
            if exc.status == 403:
                self.allowed = False  # events no longer ask for it
            if generation == self._generation:
                log.warning("%s refused: %s %s", self.name, exc.status, exc.code)
                self._set_offline(exc.transient)
                self.error = "" if exc.transient else (exc.message or exc.code)
                self.changed.emit()
            return
        self.allowed = True
        if generation != self._generation:
            return  # a newer read was started meanwhile: its answer counts
        if not self._take(body):
            return
        self.fetched_at, self.error = clock.stamp(), ""
        self._set_offline(False)
        self.changed.emit()
        self._keep()

    def _set_offline(self, offline: bool) -> None:
        if offline and not self.offline:
            self.offline_since = time.monotonic()
        self.offline = offline

    def _keep(self) -> None:
        """Keep what is shown for the next offline start, on the writer thread."""
        data, at = self._to_keep(), self.fetched_at
        self._spawn(self._save(data, at))

    async def _save(self, data: Any, at: str) -> None:
        try:
            await self.sync.write(lists.save, self.sync.store, self.name, data, at)
        except sqlite3.Error as exc:  # a full disk: the page works on, the next start fetches again
            log.warning("%s not kept in the cache (%s)", self.name, type(exc).__name__)
        except RuntimeError:  # the seat closed meanwhile (its writer is shut down): nothing to keep it in
            log.debug("%s: the seat closed before the list was kept", self.name)

    def refresh_soon(self, delay_s: float | None = None) -> None:
        """Read again after a short delay; everything asking meanwhile is served by that one read."""
        if not self.started or not self.allowed:
            return
        loop = asyncio.get_running_loop()
        at = loop.time() + (self.refresh_delay_s if delay_s is None else delay_s)
        if self._soon is not None and not self._soon.done():
            if at >= self._soon_at:
                return
            self._soon.cancel()  # asked sooner than the read planned
        self._soon_at = at
        self._soon = loop.create_task(self._refresh_at(at), name=f"{self.name}-refresh")

    async def _refresh_at(self, at: float) -> None:
        await asyncio.sleep(max(0.0, at - asyncio.get_running_loop().time()))
        await self.refresh()

    def _spawn(self, coro: Any) -> None:
        task = asyncio.get_running_loop().create_task(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    # -- what subclasses say ----------------------------------------------------------------------

    async def _fetch(self) -> Any:
        raise NotImplementedError

    def _take(self, body: Any) -> bool:
        """Take the platform's answer; False to ignore it (older than what is shown)."""
        raise NotImplementedError

    def _cached(self, data: Any) -> None:
        raise NotImplementedError

    def _to_keep(self) -> Any:
        raise NotImplementedError

    def _mine(self, rejection: Rejection) -> bool:
        return False

    def _refused(self, rejection: Rejection) -> None:
        """A change of ours the platform refused (before `rejected` is emitted)."""

    # -- what the sync service hears ---------------------------------------------------------------

    def _on_event(self, name: str, _data: Any) -> None:
        if name == "hello":  # the stream (re)connected: something may have been missed meanwhile
            self.refresh_soon()
        elif name == "changes":
            self.refresh_soon(self.changes_delay_s)

    def _on_link(self, state: LinkState) -> None:
        if state == LinkState.offline and not self.offline:
            self._set_offline(True)
            self.changed.emit()
        elif state == LinkState.online and self.offline:
            self.refresh_soon()

    def _on_rejections(self, _count: int) -> None:
        refused = []
        for rejection in self.sync.store.rejections(include_dismissed=True):
            if rejection.mutation_id not in self._seen_rejections:
                self._seen_rejections.add(rejection.mutation_id)
                if self._mine(rejection):
                    refused.append(rejection)
        for rejection in refused:
            log.info("%s: change refused: %s (%s)", self.name, rejection.op, rejection.code)
            self._refused(rejection)
            self.rejected.emit(rejection)
        if refused:
            self.changed.emit()
            self.refresh_soon()  # the platform's state replaces what was shown here

    # -- the local cache, for the facts of an order ---------------------------------------------------

    def order(self, number: str) -> dict | None:
        """The order's summary as the seat's cache has it (None when it does not)."""
        try:
            return workorders.find(self.sync.store.conn, number)
        except sqlite3.Error as exc:
            log.warning("order summary not read from the cache (%s)", type(exc).__name__)
            return None

    def unit_name(self, unit_id: str | None) -> str:
        if not unit_id:
            return ""
        try:
            row = self.sync.store.conn.execute("SELECT name FROM handling_units WHERE id = ?", (unit_id,)).fetchone()
        except sqlite3.Error:
            row = None
        return str(row[0]) if row else str(unit_id)


def _items(body: Any) -> list[dict]:
    """A list answer: `{"items": [...]}` (or a bare list)."""
    items = body.get("items", []) if isinstance(body, dict) else body
    return [dict(i) for i in items or [] if isinstance(i, dict)]


def _check_note(note: str, required: bool) -> str:
    note = note.strip()
    if required and not note:
        raise ValueError("a note is required")
    if len(note) > NOTE_MAX:
        raise ValueError(f"the note has more than {NOTE_MAX} characters")
    return note


# --- reviews -----------------------------------------------------------------------------------------

class ReviewService(FetchedListService):
    """Pending reviews (returns, extensions, unreasonable repeats), oldest first. `decide` records
    the decision and takes the review off the list at once."""

    name = "reviews"

    def __init__(self, client: PlatformClient, sync: SyncService, **options: Any) -> None:
        super().__init__(client, sync, **options)
        self.items: list[dict] = []
        self._decided: dict[str, str] = {}  # review id -> mutation id, for decisions made here

    async def _fetch(self) -> Any:
        return await self.client._request("GET", "/reviews", params={"state": "pending"}, auth=True)

    def _take(self, body: Any) -> bool:
        self.items = self._pending(_items(body))
        return True

    def _cached(self, data: Any) -> None:
        self.items = self._pending(_items(data))

    def _to_keep(self) -> Any:
        return {"items": self.items}

    def _pending(self, items: list[dict]) -> list[dict]:
        """Reviews still to decide: not decided here, nor by a decision waiting in the outbox."""
        waiting = {(m.entity_id, m.op) for m in self.sync.store.pending(OUTBOX_SCAN)
                   if m.entity == "work_order" and m.op in REVIEW_OPS.values()}
        kept = [i for i in items if i.get("state", "pending") == "pending" and str(i.get("id")) not in self._decided
                and (str(i.get("number")), REVIEW_OPS.get(str(i.get("kind")), "")) not in waiting]
        return sorted(kept, key=lambda i: (str(i.get("created_at") or ""), str(i.get("id"))))

    def item(self, review_id: str) -> dict | None:
        return next((i for i in self.items if str(i.get("id")) == str(review_id)), None)

    async def decide(self, review: dict, decision: str, note: str = "") -> str:
        """Approve or refuse (a refusal needs the reason); returns the mutation id. ValueError when
        the platform would refuse it here already."""
        if decision not in DECISIONS:
            raise ValueError(f"unknown decision {decision!r}")
        op = REVIEW_OPS.get(str(review.get("kind")))
        if op is None:
            raise ValueError(f"unknown review kind {review.get('kind')!r}")
        note = _check_note(note, required=decision == "refuse")
        number, review_id = str(review["number"]), str(review["id"])
        mutation_id = await self.sync.record("work_order", op, {"decision": decision, "note": note},
                                             entity_id=number)
        self._decided[review_id] = mutation_id
        self.items = [i for i in self.items if str(i.get("id")) != review_id]
        log.info("review %s decided (%s, %s)", review_id, review.get("kind"), decision)
        self.changed.emit()
        self._keep()
        return mutation_id

    def _mine(self, rejection: Rejection) -> bool:
        return rejection.entity == "work_order" and rejection.op in REVIEW_OPS.values()

    def _refused(self, rejection: Rejection) -> None:
        for review_id, mutation_id in list(self._decided.items()):
            if mutation_id == rejection.mutation_id:
                del self._decided[review_id]  # it may come back: the platform still has it pending


# --- supervision -------------------------------------------------------------------------------------

def supervision_order(item: dict) -> tuple:
    """Overdue first, then supervisions before reminders, the oldest first."""
    return (item.get("reason") != "overdue", item.get("kind") != "supervise",
            str(item.get("deadline") or "~"), str(item.get("created_at") or ""), str(item.get("id")))


class SupervisionService(FetchedListService):
    """Open supervisions and reminders (督办 / 催办), overdue first. `supervise` adds one for an
    order; it shows at once (marked pending) and is replaced by the platform's once delivered."""

    name = "supervisions"

    def __init__(self, client: PlatformClient, sync: SyncService, **options: Any) -> None:
        super().__init__(client, sync, **options)
        self.items: list[dict] = []
        self._platform: list[dict] = []
        self._waiting: set[str] = set()  # mutation ids of supervisions this service shows as pending
        self._local: dict[str, dict] = {}  # those items, by mutation id
        sync.outbox_changed.connect(self._on_outbox)

    def close(self) -> None:
        try:
            self.sync.outbox_changed.disconnect(self._on_outbox)
        except ValueError:
            pass
        super().close()

    async def _fetch(self) -> Any:
        return await self.client._request("GET", "/supervisions", params={"open": "true"}, auth=True)

    def _take(self, body: Any) -> bool:
        self._platform = [i for i in _items(body) if not i.get("closed_at")]
        self._merge()
        return True

    def _cached(self, data: Any) -> None:
        self._platform = [i for i in _items(data) if not i.get("pending")]
        self._merge()

    def _to_keep(self) -> Any:
        return {"items": self._platform}

    def _merge(self) -> None:
        """The platform's list with the supervisions still in the outbox, in the page's order."""
        local = {}
        for m in self.sync.store.pending(OUTBOX_SCAN):
            if m.entity == "work_order" and m.op == "supervise" and m.entity_id:
                local[m.id] = self._local.get(m.id) or self._local_item(m.id, m.entity_id, m.payload)
        self._local, self._waiting = local, set(local)
        self.items = sorted(self._platform + list(local.values()), key=supervision_order)

    def _local_item(self, mutation_id: str, number: str, payload: dict) -> dict:
        order = self.order(number) or {}
        return {"id": f"local:{mutation_id}", "number": number, "kind": payload.get("kind", "supervise"),
                "reason": "flagged", "note": payload.get("note", ""), "created_by": self.username,
                "created_at": clock.stamp(), "closed_at": None, "deadline": order.get("deadline"),
                "title": order.get("title"), "pending": True}

    async def supervise(self, number: str, note: str, kind: str = "supervise") -> str:
        """Supervise (or remind) an order with a note; returns the mutation id."""
        number = number.strip()
        if not number:
            raise ValueError("which order?")
        if kind not in SUPERVISION_KINDS:
            raise ValueError(f"unknown supervision kind {kind!r}")
        note = _check_note(note, required=True)
        mutation_id = await self.sync.record("work_order", "supervise", {"kind": kind, "note": note},
                                             entity_id=number)
        log.info("order supervised (%s)", kind)
        self._merge()
        self.changed.emit()
        return mutation_id

    def _on_outbox(self, _count: int) -> None:
        if not self._waiting:
            return
        pending = {m.id for m in self.sync.store.pending(OUTBOX_SCAN)}
        if self._waiting - pending:  # delivered (or refused): the platform's list has the answer
            self._merge()
            self.changed.emit()
            self.refresh_soon()

    def _mine(self, rejection: Rejection) -> bool:
        return rejection.entity == "work_order" and rejection.op == "supervise"


# --- the wallboard -----------------------------------------------------------------------------------

class WallboardService(FetchedListService):
    """The team lead's figures: read once, then kept up to date by the platform's "wallboard"
    events. `data` is the latest object; `received` the monotonic time it came (None for one read
    from the cache: its times do not run on)."""

    name = "wallboard"

    def __init__(self, client: PlatformClient, sync: SyncService, **options: Any) -> None:
        super().__init__(client, sync, **options)
        self.data: dict | None = None
        self.received: float | None = None
        self._kept_at = 0.0

    async def _fetch(self) -> Any:
        return await self.client._request("GET", "/wallboard", auth=True)

    def _take(self, body: Any) -> bool:
        if not isinstance(body, dict) or _older(body, self.data):
            return False  # an event came while the read was on its way
        self.data, self.received = body, time.monotonic()
        return True

    def _cached(self, data: Any) -> None:
        if isinstance(data, dict):
            self.data, self.received = data, None

    def _to_keep(self) -> Any:
        self._kept_at = time.monotonic()
        return self.data

    def _on_event(self, name: str, data: Any) -> None:
        if name == "hello":
            self.refresh_soon()
        if name != "wallboard" or not isinstance(data, dict) or _older(data, self.data):
            return
        self.data, self.received = data, time.monotonic()
        self.fetched_at, self.error = clock.stamp(), ""
        self._set_offline(False)
        self.changed.emit()
        if self.started and time.monotonic() - self._kept_at >= WALLBOARD_KEEP_S:
            self._keep()

    def elapsed(self) -> float:
        """Seconds since the figures shown came: times in them run on by this much. Offline they
        stop where the link was lost; figures from the cache do not run at all."""
        if self.received is None:
            return 0.0
        end = self.offline_since if self.offline and self.offline_since is not None else time.monotonic()
        return max(0.0, end - self.received)


def _stamp(data: dict | None) -> datetime | None:
    try:
        return clock.parse(str(data["at"])) if data and data.get("at") else None
    except ValueError:
        return None


def _older(new: dict, current: dict | None) -> bool:
    a, b = _stamp(new), _stamp(current)
    return a is not None and b is not None and a < b
