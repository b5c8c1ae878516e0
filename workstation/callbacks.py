"""The missed-call callback list: calls that ended unanswered (abandoned in the queue, hung up while
ringing, a softphone call cancelled before the answer), which agents call back and record the
outcome of.

The list lives on the platform (`GET /api/v1/missed-calls`); this service keeps the last one it
got, so an agent offline still sees what there was to do. Outcomes go through the outbox like every
change and take effect in the list at once; while one waits in the outbox, a fresh list from the
platform is shown with it applied, so a refresh never brings back a call the agent has dealt with.
A refused outcome ends in the seat's rejections and the next list shows the platform's state.
"""
from __future__ import annotations

import asyncio
import logging
from datetime import datetime

from domain import clock
from workstation.observable import Signal
from workstation.platform_client import PlatformClient, PlatformError, PlatformUnreachable
from workstation.sync import LinkState, SyncService

log = logging.getLogger(__name__)

OUTCOMES = ("reached", "no_answer", "busy", "invalid_number", "not_needed")
DONE_OUTCOMES = frozenset({"reached", "invalid_number", "not_needed"})
MAX_CALLBACK_ATTEMPTS = 3  # the platform's: the third no_answer/busy closes the callback as unreachable
UNREACHABLE = "unreachable"
NOTE_MAX = 2000
ORDER_NUMBER_MAX = 32
LIST_LIMIT = 100
REFRESH_DELAY_S = 0.3  # events within this time after the first cost one request
OUTBOX_SCAN = 10_000  # outcomes still waiting are looked for among this many pending changes
STATES = ("open", "done", "all")


def apply_outcome(item: dict, payload: dict, username: str, at: str) -> dict:
    """The item as the platform will make it once it applies the outcome (see central/callbacks.py)."""
    outcome, attempts, state = payload["outcome"], int(item.get("callback_attempts") or 0), "done"
    if outcome not in DONE_OUTCOMES:
        attempts += 1
        if attempts >= MAX_CALLBACK_ATTEMPTS:
            outcome = UNREACHABLE
        else:
            state = "open"
    return {**item, "callback_state": state, "callback_attempts": attempts, "callback_outcome": outcome,
            "callback_note": payload.get("note", ""), "callback_by": username, "callback_at": at,
            "callback_order": payload.get("order_number") or None}


class MissedCallService:
    """Signals: `changed(items)` after every refresh (also a failed one: see `offline`, `error`) and
    every outcome recorded here.

    `items` is the last list, `fetched_at` when the platform sent it, `total` the platform's count of
    the list (the page holds at most LIST_LIMIT), `offline` whether the last refresh found the platform
    unreachable, `error` the platform's reason when it refused the last refresh."""

    def __init__(self, client: PlatformClient, sync: SyncService, *, refresh_delay_s: float = REFRESH_DELAY_S,
                 limit: int = LIST_LIMIT) -> None:
        self.client, self.sync = client, sync
        self.refresh_delay_s, self.limit = refresh_delay_s, limit
        self.state = "open"
        self.items: list[dict] = []
        self.total = 0
        self.fetched_at: datetime | None = None
        self.offline = False
        self.error = ""
        self.calling: str | None = None  # the call id being called back from this seat
        self.allowed = True  # False once the platform said this user may not work the list
        self.changed = Signal("missed_calls_changed")
        self._generation = 0  # only the newest refresh may replace the list
        self._soon: asyncio.Task | None = None
        self._wanted = False
        self._refused = {r.mutation_id for r in self.rejections()}
        sync.event.connect(self._on_event)
        sync.rejections_changed.connect(self._on_rejections)
        sync.link_changed.connect(self._on_link)

    def close(self) -> None:
        for signal, slot in ((self.sync.event, self._on_event), (self.sync.rejections_changed, self._on_rejections),
                             (self.sync.link_changed, self._on_link)):
            try:
                signal.disconnect(slot)
            except ValueError:
                pass  # closed twice
        if self._soon is not None:
            self._soon.cancel()
            self._soon = None

    # -- the list -------------------------------------------------------------------------------

    async def refresh(self, state: str = "open") -> list[dict]:
        """Fetch the list; offline (or refused), keep the last one and say so."""
        if state not in STATES:
            raise ValueError(f"unknown missed-call list {state!r}")
        self.state = state
        self._generation += 1
        generation = self._generation
        try:
            body = await self.client.missed_calls(state, self.limit)
        except PlatformUnreachable:
            if generation == self._generation:
                log.info("missed calls: platform unreachable, keeping the list of %s", self.fetched_at)
                self.offline = True
                self.changed.emit(self.items)
            return self.items
        except PlatformError as exc:
            if exc.status == 403:
                self.allowed = False  # this role does not work the list: events no longer fetch it
            if generation == self._generation:
                log.warning("missed calls refused: %s", exc.code)
                self.offline = exc.transient
                self.error = "" if exc.transient else (exc.message or exc.code)
                self.changed.emit(self.items)
            return self.items
        self.allowed = True
        if generation != self._generation:
            return self.items  # a newer refresh was started meanwhile: its answer counts
        items = list(body.get("items", []))
        self.total = int(body.get("total", len(items)))
        self.items = self._with_outbox(items)
        self.fetched_at, self.offline, self.error = clock.now(), False, ""
        if self.calling is not None and self.item(self.calling) is None:
            self.calling = None
        self.changed.emit(self.items)
        return self.items

    def item(self, call_id: str) -> dict | None:
        return next((i for i in self.items if i["call_id"] == call_id), None)

    def refresh_soon(self) -> None:
        """Refresh after a short delay; everything asking meanwhile is served by that one request,
        and a request made while it is on the way brings one more."""
        self._wanted = True
        if self._soon is None or self._soon.done():
            self._soon = asyncio.get_running_loop().create_task(self._refresh_later(), name="missed-calls-refresh")

    async def _refresh_later(self) -> None:
        while self._wanted:
            await asyncio.sleep(self.refresh_delay_s)
            self._wanted = False
            await self.refresh(self.state)

    def _on_event(self, name: str, _data: dict) -> None:
        if name == "missed_call" and self.allowed:
            self.refresh_soon()

    def _on_rejections(self, _count: int) -> None:
        refused = {r.mutation_id for r in self.rejections()}
        if refused - self._refused:  # a refused outcome: show the platform's state again
            self.refresh_soon()
        self._refused = refused

    def _on_link(self, state: LinkState) -> None:
        if state == LinkState.online and self.offline and self.allowed:
            self.refresh_soon()

    # -- outcomes -------------------------------------------------------------------------------

    def start_callback(self, call_id: str) -> str:
        """Mark the call as being called back from this seat; return the number to dial."""
        item = self.item(call_id)
        if item is None:
            raise KeyError(call_id)
        self.calling = call_id
        self.changed.emit(self.items)
        return str(item["caller_phone"])

    async def record_outcome(self, call_id: str, outcome: str, note: str = "",
                             order_number: str | None = None) -> str:
        """Record how the callback went (through the outbox); the list changes at once. Returns the
        mutation id; a refusal by the platform ends in the seat's rejections."""
        if outcome not in OUTCOMES:
            raise ValueError(f"unknown callback outcome {outcome!r}")
        note, order_number = note.strip(), (order_number or "").strip() or None
        if len(note) > NOTE_MAX or (order_number and len(order_number) > ORDER_NUMBER_MAX):
            raise ValueError("note or work-order number too long")
        payload = {"outcome": outcome, "note": note, "order_number": order_number}
        mutation_id = await self.sync.record("missed_call", "outcome", payload, entity_id=call_id)
        self.items = self._applied(self.items, call_id, payload, clock.stamp())
        if self.calling == call_id:
            self.calling = None
        self.changed.emit(self.items)
        return mutation_id

    def _username(self) -> str:
        session = self.client.session
        return str(session.user.get("username", "")) if session is not None else ""

    def _applied(self, items: list[dict], call_id: str, payload: dict, at: str) -> list[dict]:
        """The list after an outcome: the item changes, or leaves a list it no longer belongs to."""
        out = []
        for item in items:
            if item["call_id"] == call_id:
                before = item.get("callback_state")
                item = apply_outcome(item, payload, self._username(), at)
                if self.state != "all" and item["callback_state"] != self.state:
                    if before == self.state:
                        self.total = max(0, self.total - 1)
                    continue
            out.append(item)
        return out

    def _with_outbox(self, items: list[dict]) -> list[dict]:
        """The platform's list with the outcomes still waiting in the outbox applied, in order."""
        for mutation in self.sync.store.pending(OUTBOX_SCAN):
            if mutation.entity == "missed_call" and mutation.op == "outcome" and mutation.entity_id:
                items = self._applied(items, mutation.entity_id, mutation.payload, clock.stamp())
        return items

    def rejections(self) -> list:
        """Outcomes the platform refused that the agent has not dismissed yet, oldest first."""
        return [r for r in self.sync.store.rejections() if r.entity == "missed_call"]
