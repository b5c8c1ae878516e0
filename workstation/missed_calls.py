"""The missed-call callback list: calls that ended unanswered (abandoned in the queue, hung up while
ringing, a softphone call cancelled before the answer), which agents call back and record the
outcome of.

The list lives on the platform (`GET /api/v1/missed-calls`); this service keeps the last one it
got, so an agent offline still sees what there was to do. Outcomes go through the outbox like every
change and take effect in the list at once; while one waits in the outbox, a fresh list from the
platform is shown with it applied, so a refresh never brings back a call the agent has dealt with.
A refused outcome ends in the seat's rejections and the next list shows the platform's state.

The attributes, signals and refresh semantics are those of every list (`workstation.list_service`).
"""
from __future__ import annotations

import logging

from domain import clock
from domain.callbacks import (
    DONE_OUTCOMES,
    MAX_CALLBACK_ATTEMPTS,
    MISSED_CALL_OUTCOMES,
    NOTE_MAX,
    ORDER_NUMBER_MAX,
    UNREACHABLE,
    missed_call_outcome,
)
from offline_cache.store import Rejection
from workstation.list_service import NO_ANSWER, ListService
from workstation.platform_client import PlatformClient
from workstation.sync import SyncService

log = logging.getLogger(__name__)

OUTCOMES = MISSED_CALL_OUTCOMES
LIST_LIMIT = 100
REFRESH_DELAY_S = 0.3  # events within this time after the first cost one request
OUTBOX_SCAN = 10_000  # outcomes still waiting are looked for among this many pending changes
STATES = ("open", "done", "all")

__all__ = ["DONE_OUTCOMES", "MAX_CALLBACK_ATTEMPTS", "NOTE_MAX", "ORDER_NUMBER_MAX", "OUTCOMES", "UNREACHABLE",
           "MissedCallService", "apply_outcome"]


def apply_outcome(item: dict, payload: dict, username: str, at: str) -> dict:
    """The item as the platform will make it once it applies the outcome (domain.callbacks)."""
    outcome, attempts, state = missed_call_outcome(payload["outcome"], item.get("callback_attempts"))
    return {**item, "callback_state": state, "callback_attempts": attempts, "callback_outcome": outcome,
            "callback_note": payload.get("note", ""), "callback_by": username, "callback_at": at,
            "callback_order": payload.get("order_number") or None}


class MissedCallService(ListService):
    """`items` is the last list (of `state`: open, done or all), `total` the platform's count of it
    (the page holds at most LIST_LIMIT), `calling` the call id being called back from this seat."""

    name = "missed_calls"

    def __init__(self, client: PlatformClient, sync: SyncService, *, refresh_delay_s: float = REFRESH_DELAY_S,
                 limit: int = LIST_LIMIT) -> None:
        super().__init__(client, sync, refresh_delay_s=refresh_delay_s)
        self.limit = limit
        self.state = "open"
        self.items: list[dict] = []
        self.total = 0
        self.calling: str | None = None
        self.listen(sync.event, self._on_event)

    # -- the list -------------------------------------------------------------------------------

    async def refresh(self, state: str | None = None) -> list[dict]:
        """Fetch the list (of `state`, else the one shown); offline (or refused), keep the last one
        and say so."""
        state = self.state if state is None else state
        if state not in STATES:
            raise ValueError(f"unknown missed-call list {state!r}")
        self.state = state
        self._generation += 1
        generation = self._generation
        body = await self._ask(lambda: self.client.missed_calls(state, self.limit), generation)
        if generation != self._generation:
            return self.items  # a newer refresh was started meanwhile: its answer counts
        if body is NO_ANSWER:
            self.changed.emit()
            return self.items
        items = list(body.get("items", []))
        self.total = int(body.get("total", len(items)))
        self.items = self._with_outbox(items)
        self._fresh()
        if self.calling is not None and self.item(self.calling) is None:
            self.calling = None
        self.changed.emit()
        return self.items

    def item(self, call_id: str) -> dict | None:
        return next((i for i in self.items if i["call_id"] == call_id), None)

    def _on_event(self, name: str, _data: dict) -> None:
        if name == "missed_call" and self.allowed:
            self.refresh_soon()

    def _mine(self, rejection: Rejection) -> bool:
        return rejection.entity == "missed_call"

    # -- outcomes -------------------------------------------------------------------------------

    async def start_callback(self, call_id: str) -> str:
        """Mark the call as being called back from this seat; return the number to dial."""
        item = self.item(call_id)
        if item is None:
            raise KeyError(call_id)
        self.calling = call_id
        self.changed.emit()
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
        self.changed.emit()
        return mutation_id

    def _applied(self, items: list[dict], call_id: str, payload: dict, at: str) -> list[dict]:
        """The list after an outcome: the item changes, or leaves a list it no longer belongs to."""
        out = []
        for item in items:
            if item["call_id"] == call_id:
                before = item.get("callback_state")
                item = apply_outcome(item, payload, self.username, at)
                if self.state != "all" and item["callback_state"] != self.state:
                    if before == self.state:
                        self.total = max(0, self.total - 1)
                    continue
            out.append(item)
        return out

    def _with_outbox(self, items: list[dict]) -> list[dict]:
        """The platform's list with the outcomes still waiting in the outbox applied, in order."""
        for mutation in self.store.pending(OUTBOX_SCAN):
            if mutation.entity == "missed_call" and mutation.op == "outcome" and mutation.entity_id:
                items = self._applied(items, mutation.entity_id, mutation.payload, clock.stamp())
        return items

    def rejections(self) -> list[Rejection]:
        """Outcomes the platform refused that the agent has not dismissed yet, oldest first."""
        return [r for r in self.store.rejections() if r.entity == "missed_call"]
