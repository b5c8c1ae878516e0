"""The dispatcher's and the team lead's lists: orders to dispatch, reviews to decide, supervisions,
the wallboard.

Each service keeps the last answer the platform gave (also in the seat's cache, `offline_cache.lists`),
so a page opened offline still shows what there was, with the time it was fetched; `offline` says
the figures are not live. Decisions and supervisions go through the outbox (`SyncService.record`)
like every change and show at once; a refused one ends in the seat's rejections and is announced
with the platform's reason (`rejected`), and the list is read again.

The attributes, signals and refresh semantics are those of every list (`workstation.list_service`).
"""
from __future__ import annotations

import logging
import sqlite3
import time
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from domain import clock
from domain.phone import normalize_phone
from offline_cache import workorders
from offline_cache.store import Rejection
from workstation.list_service import NO_ANSWER, ListService, items_of
from workstation.platform_client import PlatformClient
from workstation.sync import SyncService

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


class FetchedListService(ListService):
    """A list read from the platform and kept for offline use; subclasses say how to read it
    (`_fetch`) and what to keep of the answer (`_take`, `_cached`, `_to_keep`)."""

    keep = True

    def __init__(self, client: PlatformClient, sync: SyncService, *, refresh_delay_s: float = REFRESH_DELAY_S,
                 changes_delay_s: float = CHANGES_DELAY_S, monotonic: Callable[[], float] = time.monotonic) -> None:
        super().__init__(client, sync, refresh_delay_s=refresh_delay_s, monotonic=monotonic)
        self.changes_delay_s = changes_delay_s
        self.listen(sync.event, self._on_event)

    def _may_refresh(self) -> bool:
        return self.started and self.allowed and not self.closed

    async def refresh(self) -> None:
        """Read the list; unreachable (or refused), keep the last one and say so."""
        self._generation += 1
        generation = self._generation
        body = await self._ask(self._fetch, generation)
        if generation != self._generation:
            return  # a newer read was started meanwhile: its answer counts
        if body is NO_ANSWER:
            self.changed.emit()
            return
        if not self._take(body):
            return
        self._fresh()
        self.changed.emit()
        self._keep()

    # -- what subclasses say ----------------------------------------------------------------------

    async def _fetch(self) -> Any:
        raise NotImplementedError

    def _take(self, body: Any) -> bool:
        """Take the platform's answer; False to ignore it (older than what is shown)."""
        raise NotImplementedError

    # -- what the sync service hears ---------------------------------------------------------------

    def _on_event(self, name: str, _data: Any) -> None:
        if name in ("hello", "resync"):  # the stream (re)connected, or lost events: something was missed
            self.refresh_soon()
        elif name == "changes":
            self.refresh_soon(self.changes_delay_s)

    # -- the local cache, for the facts of an order ---------------------------------------------------

    def order(self, number: str) -> dict | None:
        """The order's summary as the seat's cache has it (None when it does not)."""
        try:
            return workorders.find(self.store.conn, number)
        except sqlite3.Error as exc:
            log.warning("order summary not read from the cache (%s)", type(exc).__name__)
            return None


def _check_note(note: str, required: bool) -> str:
    note = note.strip()
    if required and not note:
        raise ValueError("a note is required")
    if len(note) > NOTE_MAX:
        raise ValueError(f"the note has more than {NOTE_MAX} characters")
    return note


class WorkQueueService(FetchedListService):
    """A list of things to act on (`items`), kept as the platform gave it less what was acted on
    here (`_open`: what is still to do, in the order to do it)."""

    def __init__(self, client: PlatformClient, sync: SyncService, **options: Any) -> None:
        super().__init__(client, sync, **options)
        self.items: list[dict] = []

    def _open(self, items: list[dict]) -> list[dict]:
        raise NotImplementedError

    def _take(self, body: Any) -> bool:
        self.items = self._open(items_of(body))
        return True

    def _cached(self, data: Any) -> None:
        self.items = self._open(items_of(data))

    def _to_keep(self) -> Any:
        return {"items": self.items}


# --- reviews -----------------------------------------------------------------------------------------

class ReviewService(WorkQueueService):
    """Pending reviews (returns, extensions, unreasonable repeats), oldest first. `decide` records
    the decision and takes the review off the list at once."""

    name = "reviews"

    def __init__(self, client: PlatformClient, sync: SyncService, **options: Any) -> None:
        super().__init__(client, sync, **options)
        self._decided: dict[str, str] = {}  # review id -> mutation id, for decisions made here

    async def _fetch(self) -> Any:
        return await self.client.reviews("pending")

    def _open(self, items: list[dict]) -> list[dict]:
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


# --- the dispatcher's queue --------------------------------------------------------------------------

WORKING_DAYS_RANGE = (1, 60)


class DispatchQueueService(WorkQueueService):
    """The orders waiting for dispatch (accepted: new from intake, or returned by their unit and the
    return approved), urgent first, then the longest waiting. `dispatch` records the dispatch and
    takes the order off the list at once."""

    name = "dispatch_queue"

    def __init__(self, client: PlatformClient, sync: SyncService, **options: Any) -> None:
        super().__init__(client, sync, **options)
        self._sent: dict[str, str] = {}  # number -> mutation id, for dispatches made here

    async def _fetch(self) -> Any:
        return await self.client.orders_in("accepted")

    def _open(self, items: list[dict]) -> list[dict]:
        waiting = {m.entity_id for m in self.sync.store.pending(OUTBOX_SCAN)
                   if m.entity == "work_order" and m.op == "dispatch"}
        kept = [i for i in items if i.get("status", "accepted") == "accepted"
                and str(i.get("number")) not in self._sent and str(i.get("number")) not in waiting]
        return sorted(kept, key=lambda i: (i.get("urgency") != "urgent", str(i.get("created_at") or ""),
                                           str(i.get("number"))))

    async def dispatch(self, order: dict, unit_id: str, assisting: list[str] | None = None,
                       working_days: int | None = None, note: str = "") -> str:
        """Dispatch one order to a lead unit (with assisting units, a time limit in working days,
        instructions); returns the mutation id. ValueError when the platform would refuse it."""
        assisting = list(assisting or [])
        if not unit_id:
            raise ValueError("choose the lead unit")
        if unit_id in assisting:
            raise ValueError("the lead unit cannot also assist")
        if len(set(assisting)) != len(assisting) or len(assisting) > 10:
            raise ValueError("at most 10 assisting units, each once")
        if working_days is not None and not WORKING_DAYS_RANGE[0] <= working_days <= WORKING_DAYS_RANGE[1]:
            raise ValueError(f"a time limit of {WORKING_DAYS_RANGE[0]} to {WORKING_DAYS_RANGE[1]} working days")
        note = _check_note(note, required=False)
        payload: dict[str, Any] = {"handling_unit_id": unit_id, "assisting_unit_ids": assisting}
        if working_days is not None:
            payload["working_days"] = working_days
        if note:
            payload["note"] = note
        number = str(order["number"])
        mutation_id = await self.sync.record("work_order", "dispatch", payload, entity_id=number,
                                             base_version=order.get("version"))
        self._sent[number] = mutation_id
        self.items = [i for i in self.items if str(i.get("number")) != number]
        log.info("order %s dispatched to %s", number, unit_id)
        self.changed.emit()
        self._keep()
        return mutation_id

    def _mine(self, rejection: Rejection) -> bool:
        return rejection.entity == "work_order" and rejection.op == "dispatch"

    def _refused(self, rejection: Rejection) -> None:
        for number, mutation_id in list(self._sent.items()):
            if mutation_id == rejection.mutation_id:
                del self._sent[number]  # back on the list when the platform still has it waiting


# --- knowledge corrections ------------------------------------------------------------------------

KB_DECISIONS = ("accept", "reject")
ANSWER_MAX = 5000


class KbReviewService(FetchedListService):
    """Correction reports and experts' proposed answers waiting for a knowledge editor, oldest
    first. `decide` accepts (the entry gets the answer as a new version, for every seat) or rejects
    with the reason (the reporter reads it), through the outbox, and takes the report off the list."""

    name = "kb_review"

    def __init__(self, client: PlatformClient, sync: SyncService, **options: Any) -> None:
        super().__init__(client, sync, **options)
        self.items: list[dict] = []
        self._decided: dict[str, str] = {}  # correction id -> mutation id

    async def _fetch(self) -> Any:
        return await self.client.kb_corrections()

    def _take(self, body: Any) -> bool:
        self.items = self._open(items_of(body))
        return True

    def _cached(self, data: Any) -> None:
        self.items = self._open(items_of(data))

    def _to_keep(self) -> Any:
        return {"items": self.items}

    def _open(self, items: list[dict]) -> list[dict]:
        waiting = {m.entity_id for m in self.sync.store.pending(OUTBOX_SCAN)
                   if m.entity == "kb_correction" and m.op == "decide"}
        kept = [i for i in items if i.get("status", "open") == "open" and str(i.get("id")) not in self._decided
                and str(i.get("id")) not in waiting]
        return sorted(kept, key=lambda i: (str(i.get("at") or ""), str(i.get("id"))))

    async def decide(self, correction: dict, decision: str, note: str = "", answer: str = "") -> str:
        """Accept (with `answer`, else the proposed one) or reject (the reason required); returns
        the mutation id. ValueError when the platform would refuse it here already."""
        if decision not in KB_DECISIONS:
            raise ValueError(f"unknown decision {decision!r}")
        note = _check_note(note, required=decision == "reject")
        answer = answer.strip()
        if decision == "accept" and not (answer or str(correction.get("proposed_answer") or "").strip()):
            raise ValueError("an accepted correction needs the corrected answer")
        if len(answer) > ANSWER_MAX:
            raise ValueError(f"the answer has more than {ANSWER_MAX} characters")
        correction_id = str(correction["id"])
        mutation_id = await self.sync.record("kb_correction", "decide", {"decision": decision, "note": note,
                                                                         "answer": answer}, entity_id=correction_id)
        self._decided[correction_id] = mutation_id
        self.items = [i for i in self.items if str(i.get("id")) != correction_id]
        log.info("knowledge correction %s decided (%s)", correction_id, decision)
        self.changed.emit()
        self._keep()
        return mutation_id

    def _mine(self, rejection: Rejection) -> bool:
        return rejection.entity == "kb_correction" and rejection.op == "decide"

    def _refused(self, rejection: Rejection) -> None:
        for correction_id, mutation_id in list(self._decided.items()):
            if mutation_id == rejection.mutation_id:
                del self._decided[correction_id]


class MyKbReportsService(FetchedListService):
    """The user's own correction reports and proposals with their outcome (accepted, or rejected
    and why), newest first: what the reporter reads of the editors' decisions."""

    name = "my_kb_reports"

    def __init__(self, client: PlatformClient, sync: SyncService, **options: Any) -> None:
        super().__init__(client, sync, **options)
        self.items: list[dict] = []

    async def _fetch(self) -> Any:
        return await self.client.my_kb_corrections()

    def _take(self, body: Any) -> bool:
        self.items = items_of(body)
        return True

    def _cached(self, data: Any) -> None:
        self.items = items_of(data)

    def _to_keep(self) -> Any:
        return {"items": self.items}


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
        self.listen(sync.outbox_changed, self._on_outbox)

    async def _fetch(self) -> Any:
        return await self.client.supervisions(open_only=True)

    def _take(self, body: Any) -> bool:
        self._platform = [i for i in items_of(body) if not i.get("closed_at")]
        self._merge()
        return True

    def _cached(self, data: Any) -> None:
        self._platform = [i for i in items_of(data) if not i.get("pending")]
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


# --- hot topics --------------------------------------------------------------------------------------

HOT_TOPICS_EVERY_S = 60.0  # the platform compares a week of counts: read again at most once a minute on changes


class HotTopicsService(FetchedListService):
    """The categories (and places) whose requests of the last hours rise above their usual level,
    each with the orders behind it (the platform's `domain/hot_topics.py`), most surprising first."""

    name = "hot_topics"

    def __init__(self, client: PlatformClient, sync: SyncService, **options: Any) -> None:
        options.setdefault("changes_delay_s", HOT_TOPICS_EVERY_S)
        super().__init__(client, sync, **options)
        self.items: list[dict] = []
        self.method = ""

    async def _fetch(self) -> Any:
        return await self.client.hot_topics()

    def _take(self, body: Any) -> bool:
        self._cached(body)
        return True

    def _cached(self, data: Any) -> None:
        self.items = items_of(data)
        self.method = str(data.get("method") or "") if isinstance(data, dict) else ""

    def _to_keep(self) -> Any:
        return {"items": self.items, "method": self.method}


# --- the centre's figures -------------------------------------------------------------------------------

FIGURES_PERIODS = (1, 7, 30)  # today, the last week, the last month (days, today included)


class FiguresService(FetchedListService):
    """The centre's figures over the last `days` days (the platform's `GET /metrics`): the orders,
    the calls, and per handling unit (lead and assisting parts alike) what it received and how it
    signed, replied, returned and asked for time; per district. Read again at most once a minute
    as orders change; `set_days` reads another period at once."""

    name = "figures"

    def __init__(self, client: PlatformClient, sync: SyncService, **options: Any) -> None:
        options.setdefault("changes_delay_s", HOT_TOPICS_EVERY_S)
        super().__init__(client, sync, **options)
        self.days = FIGURES_PERIODS[1]
        self.data: dict = {}

    def period(self) -> tuple[str, str]:
        today = clock.now().date()
        return (today - timedelta(days=self.days - 1)).isoformat(), today.isoformat()

    async def set_days(self, days: int) -> None:
        if days not in FIGURES_PERIODS:
            raise ValueError(f"a period of {days} days: expected one of {FIGURES_PERIODS}")
        self.days = days  # the figures shown stay, with their own dates, until the period's come
        await self.refresh()

    async def _fetch(self) -> Any:
        start, end = self.period()
        return await self.client.metrics(start, end)

    def _take(self, body: Any) -> bool:
        self._cached(body)
        return True

    def _cached(self, data: Any) -> None:
        self.data = dict(data) if isinstance(data, dict) else {}
        days = self.data.get("_days")
        if isinstance(days, int) and days in FIGURES_PERIODS:
            self.days = days

    def _to_keep(self) -> Any:
        return {**self.data, "_days": self.days}

    def units(self) -> list[dict]:
        """Each unit with a part in the period, the most orders received first: its id, name and
        handling figures, with its satisfaction and resolution as the lead unit."""
        rows = []
        for unit_id, unit in (self.data.get("by_unit") or {}).items():
            handling = unit.get("handling") or {}
            rows.append({"unit_id": unit_id, "name": unit.get("name") or unit_id, **handling,
                         "satisfaction_rate": unit.get("satisfaction_rate"), "resolution_rate": unit.get("resolution_rate"),
                         "orders_total": unit.get("orders_total", 0)})
        return sorted(rows, key=lambda r: (-(r.get("received") or 0), -(r.get("orders_total") or 0), r["unit_id"]))

    def districts(self) -> list[tuple[str, int]]:
        """(district, orders) of the period, the most first; the orders with no district given last."""
        by = self.data.get("by_district") or {}
        named = sorted(((d, int(f.get("orders_total") or 0)) for d, f in by.items() if d), key=lambda t: (-t[1], t[0]))
        return named + [("", int(by[""].get("orders_total") or 0))] if "" in by else named


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
        return await self.client.wallboard()

    def _take(self, body: Any) -> bool:
        if not isinstance(body, dict) or _older(body, self.data):
            return False  # an event came while the read was on its way
        self.data, self.received = body, self.monotonic()
        return True

    def _cached(self, data: Any) -> None:
        if isinstance(data, dict):
            self.data, self.received = data, None

    def _to_keep(self) -> Any:
        self._kept_at = self.monotonic()
        return self.data

    def _on_event(self, name: str, data: Any) -> None:
        if name == "hello":
            self.refresh_soon()
        if name != "wallboard" or not isinstance(data, dict) or _older(data, self.data):
            return
        self.data, self.received = data, self.monotonic()
        self._fresh()
        self.changed.emit()
        if self.started and self.monotonic() - self._kept_at >= WALLBOARD_KEEP_S:
            self._keep()

    def elapsed(self) -> float:
        """Seconds since the figures shown came: times in them run on by this much. Offline they
        stop where the link was lost; figures from the cache do not run at all."""
        if self.received is None:
            return 0.0
        end = self.offline_since if self.offline and self.offline_since is not None else self.monotonic()
        return max(0.0, end - self.received)


def _stamp(data: dict | None) -> datetime | None:
    try:
        return clock.parse(str(data["at"])) if data and data.get("at") else None
    except ValueError:
        return None


def _older(new: dict, current: dict | None) -> bool:
    a, b = _stamp(new), _stamp(current)
    return a is not None and b is not None and a < b


# --- the audit log ------------------------------------------------------------------------------------

AUDIT_PERIODS_DAYS = (1, 7, 30)
AUDIT_LIMIT = 500


class AuditService(FetchedListService):
    """The audit log for an administrator (R14: who read which caller, when, from which seat), newest
    first, filtered by user name, caller's number and period. Never kept on the seat: who read what
    is itself personal data. Read when the page opens and when asked (`search`, `refresh`)."""

    name = "audit"
    keep = False

    def __init__(self, client: PlatformClient, sync: SyncService, **options: Any) -> None:
        super().__init__(client, sync, **options)
        self.items: list[dict] = []
        self.user, self.caller, self.days = "", "", AUDIT_PERIODS_DAYS[1]

    async def search(self, user: str, caller: str, days: int) -> None:
        """Raises InvalidPhoneNumber for a caller's number that is not one (nothing is asked then)."""
        caller = normalize_phone(caller) if caller.strip() else ""
        self.user, self.caller, self.days = user.strip(), caller, days
        await self.refresh()

    async def _fetch(self) -> Any:
        since = clock.stamp(clock.now() - timedelta(days=self.days))
        return await self.client.audit(user=self.user or None, caller=self.caller or None, since=since,
                                       limit=AUDIT_LIMIT)

    def _take(self, body: Any) -> bool:
        self.items = items_of(body)
        return True

    def _on_event(self, name: str, _data: Any) -> None:
        if name == "hello":  # reads happen all the time: the list is read again when asked, not on changes
            self.refresh_soon()
