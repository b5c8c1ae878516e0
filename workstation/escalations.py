"""Expert escalations (升级求助) on the workstation, for both sides.

An agent raises a question to an expert group, with the caller and the work-order form as it
stands; an expert seat claims it, may join the call, and answers; from the answer the expert may
propose a change to a knowledge entry, which a team lead reviews.

Every change goes through the outbox (`SyncService.record`), so nothing typed is lost offline, and
is applied here at once (optimistically). The platform's `"escalation"` events replace an item with
the platform's version; a refused change (in the seat's rejections) sets the list right with a
fresh read. The list itself is kept in memory: after a restart it is read again.

The attributes, signals and refresh semantics are those of every list (`workstation.list_service`;
`items` is a dict by id here, `mine` the ones this user raised), and two more signals:
`answered(item)` one of my escalations got its answer; `joined(item)` an expert joins my call.
"""
from __future__ import annotations

import json
import logging
import uuid
from typing import Any

from domain import clock
from domain.phone import InvalidPhoneNumber, normalize_phone
from domain.roles import allowed
from offline_cache.store import Rejection
from workstation.list_service import ListService
from workstation.observable import Signal
from workstation.platform_client import PlatformClient, PlatformError, PlatformUnreachable
from workstation.sync import SyncService

log = logging.getLogger(__name__)

GROUPS = ("general", "policy", "legal", "technical")
ACTIVE = ("open", "claimed")
RANK = {"open": 0, "claimed": 1, "answered": 2, "cancelled": 2}  # the platform moves an escalation forward only
CLOSED = ("answered", "cancelled")
# The platform's limits (central/escalations.py, central/kb.py): checked here first, so that a
# change that would be refused never enters the outbox.
QUESTION_MAX = 2000
ANSWER_MAX = 5000
COMMENT_MAX = 2000
PROPOSED_ANSWER_MAX = 5000
DRAFT_MAX_BYTES = 20_000
REFRESH_DELAY_S = 0.0  # a read at once; a reason that comes during it makes one more read after it


class EscalationService(ListService):
    name = "escalations"

    def __init__(self, client: PlatformClient, sync: SyncService, *,
                 refresh_delay_s: float = REFRESH_DELAY_S) -> None:
        super().__init__(client, sync, refresh_delay_s=refresh_delay_s)
        self.items: dict[str, dict[str, Any]] = {}  # by id: what the platform said, or a local change
        self.mine: dict[str, dict[str, Any]] = {}   # the escalations this user raised, by id
        self.answered = Signal("answered")
        self.joined = Signal("joined")
        self._announced: set[tuple[str, str]] = set()  # (id, "answered" | "joined") already emitted
        # A list read that started before an item changed here (an event, a local change) must not
        # put the older version back: each change gets a tick, each read remembers the tick it began at.
        self._tick = 0
        self._changed_at: dict[str, int] = {}
        self.listen(sync.event, self._on_event)

    def active(self) -> list[dict[str, Any]]:
        """Open and claimed escalations, newest first."""
        return newest_first(i for i in self.items.values() if i["state"] in ACTIVE)

    # -- the agent's side ------------------------------------------------------------------------

    async def raise_(self, question: str, group: str = "general", call_id: str | None = None,
                     caller_phone: str = "", caller_name: str = "", draft: dict | None = None) -> str:
        """Put a question to an expert group; returns the new escalation's id. ValueError when the
        platform would refuse it (empty or too long, a draft too big)."""
        question, group, draft = question.strip(), (group or "general").strip(), dict(draft or {})
        if not question or len(question) > QUESTION_MAX:
            raise ValueError(f"the question must have 1 to {QUESTION_MAX} characters")
        if not group or len(group) > 32:
            raise ValueError("the group must have 1 to 32 characters")
        if len(json.dumps(draft, ensure_ascii=False).encode()) > DRAFT_MAX_BYTES:
            raise ValueError(f"the draft is larger than {DRAFT_MAX_BYTES} bytes")
        payload = {"group": group, "question": question, "call_id": (call_id or None) and call_id[:64],
                   "caller_phone": _normalised(caller_phone), "caller_name": caller_name.strip()[:128],
                   "draft": draft}
        esc_id = str(uuid.uuid4())
        await self.sync.record("escalation", "create", payload, entity_id=esc_id)
        item = {"id": esc_id, "agent_username": self.username, "seat": "", **payload, "state": "open",
                "expert_username": None, "answer": None, "joined": False, "created_at": clock.stamp(),
                "claimed_at": None, "answered_at": None, "pending": True}
        self.items[esc_id] = self.mine[esc_id] = item
        self._touch(esc_id)
        log.info("escalation %s raised to group %s", esc_id, group)
        self.changed.emit()
        return esc_id

    async def cancel(self, esc_id: str) -> str:
        return await self._change(esc_id, "cancel", {}, {"state": "cancelled"})

    # -- the expert's side -----------------------------------------------------------------------

    async def claim(self, esc_id: str) -> str:
        item = self.items.get(esc_id)
        local = self._claimed() if item is not None and item["state"] == "open" else {}
        return await self._change(esc_id, "claim", {}, local)

    async def join(self, esc_id: str) -> str:
        """Join the call of the escalation (the platform claims it first when it is open)."""
        item = self.items.get(esc_id)
        local = {"joined": True, **(self._claimed() if item is not None and item["state"] == "open" else {})}
        return await self._change(esc_id, "join", {}, local)

    async def answer(self, esc_id: str, text: str) -> str:
        text = text.strip()
        if not text or len(text) > ANSWER_MAX:
            raise ValueError(f"the answer must have 1 to {ANSWER_MAX} characters")
        item = self.items.get(esc_id) or {}
        local = {"state": "answered", "answer": text, "answered_at": clock.stamp(),
                 "expert_username": item.get("expert_username") or self.username}
        return await self._change(esc_id, "answer", {"answer": text}, local)

    async def propose_kb_change(self, entry_id: str, entry_version: int | None, comment: str,
                                proposed_answer: str, escalation_id: str | None) -> str:
        """Propose a new answer for a knowledge entry; it goes to a team lead's review."""
        comment, proposed_answer = comment.strip(), proposed_answer.strip()
        if not comment or len(comment) > COMMENT_MAX:
            raise ValueError(f"the comment must have 1 to {COMMENT_MAX} characters")
        if len(proposed_answer) > PROPOSED_ANSWER_MAX:
            raise ValueError(f"the proposed answer has more than {PROPOSED_ANSWER_MAX} characters")
        payload = {"entry_id": entry_id, "entry_version": entry_version, "comment": comment,
                   "proposed_answer": proposed_answer, "escalation_id": escalation_id or None}
        mutation_id = await self.sync.record("kb_correction", "create", payload)
        log.info("knowledge change proposed for entry %s", entry_id)
        return mutation_id

    def _claimed(self) -> dict[str, Any]:
        return {"state": "claimed", "expert_username": self.username, "claimed_at": clock.stamp()}

    async def _change(self, esc_id: str, op: str, payload: dict, local: dict[str, Any]) -> str:
        mutation_id = await self.sync.record("escalation", op, payload, entity_id=esc_id)
        item = self.items.get(esc_id)
        if item is not None and local:
            item.update(local, pending=True)
            self._touch(esc_id)
            self.changed.emit()
        return mutation_id

    # -- reading the platform's list ---------------------------------------------------------------

    async def refresh(self, state: str = "active") -> list[dict[str, Any]]:
        """Read the platform's list (experts and team leads: all; agents: their own). Unreachable:
        the list kept is the last one and `offline` says so. PlatformError goes to the caller."""
        began = self._tick
        try:
            fresh = {i["id"]: i for i in await self.client.escalations(state)}
            if state == "active":
                fresh.update(await self._closed_mine(fresh))
        except PlatformUnreachable:
            if not self.offline:
                self._set_offline(True)
                self.changed.emit()
            return []
        self._fresh()
        newer = {k for k, tick in self._changed_at.items() if tick > began}  # changed while we read
        if state == "active":  # active here, gone there: closed meanwhile, or never ours to see
            for esc_id in [k for k, i in self.items.items()
                           if i["state"] in ACTIVE and k not in fresh and k not in newer and not i.get("pending")]:
                del self.items[esc_id]
        for esc_id, item in fresh.items():
            if esc_id not in newer and not self._behind(item):
                self._take(item)
        self.changed.emit()
        return list(fresh.values())

    async def _closed_mine(self, fresh: dict[str, dict]) -> dict[str, dict]:
        """My escalations that left the active list while no event reached us: their end (an answer
        to put in the form) is read from the whole list."""
        gone = {k for k, i in self.mine.items() if i["state"] in ACTIVE and k not in fresh and not i.get("pending")}
        if not gone:
            return {}
        return {i["id"]: i for i in await self.client.escalations("all") if i["id"] in gone}

    async def _soon_refresh(self) -> None:
        try:
            await self.refresh()
        except PlatformError as exc:
            log.warning("escalations not refreshed: %s %s", exc.status, exc.code)

    def _take(self, item: dict[str, Any]) -> None:
        """The platform's version of an escalation; tell about an answer or a join once."""
        esc_id = str(item["id"])
        item = {k: v for k, v in item.items() if k != "pending"}
        self.items[esc_id] = item
        self._touch(esc_id)
        if esc_id not in self.mine and (not item.get("agent_username") or item["agent_username"] != self.username):
            return
        self.mine[esc_id] = item
        if item.get("state") == "answered" and (esc_id, "answered") not in self._announced:
            self._announced.add((esc_id, "answered"))
            log.info("escalation %s answered", esc_id)
            self.answered.emit(item)
        if item.get("joined") and item.get("state") in ACTIVE and (esc_id, "joined") not in self._announced:
            self._announced.add((esc_id, "joined"))
            self.joined.emit(item)

    def _touch(self, esc_id: str) -> None:
        self._tick += 1
        self._changed_at[esc_id] = self._tick

    # -- what the sync service hears ---------------------------------------------------------------

    def _on_event(self, name: str, data: Any) -> None:
        if name in ("hello", "resync"):  # the stream (re)connected, or lost events: read again
            if self._may_read():
                self.refresh_soon()
            return
        if name != "escalation" or not isinstance(data, dict) or not data.get("id"):
            return
        if self._behind(data):
            return
        self._take(data)
        self.changed.emit()

    def _may_read(self) -> bool:
        """Whether this user's role reads escalations (a knowledge editor's or an admin's does not)."""
        session = self.client.session
        role = str(session.user.get("role") or "") if session is not None else ""
        return not role or allowed(role, "escalations.read")

    def _behind(self, item: dict[str, Any]) -> bool:
        """The platform's state from before our change, which is still on its way (or refused: then
        the item is no longer pending)."""
        known = self.items.get(str(item["id"]))
        return known is not None and bool(known.get("pending")) and \
            RANK.get(str(item.get("state")), 0) < RANK.get(str(known.get("state")), 0)

    def _mine(self, rejection: Rejection) -> bool:
        return rejection.entity == "escalation" or (rejection.entity == "kb_correction"
                                                    and bool(rejection.payload.get("escalation_id")))

    def _refused(self, rejection: Rejection) -> None:
        if rejection.entity == "escalation" and rejection.op == "create" and rejection.entity_id:
            self.items.pop(rejection.entity_id, None)
            self.mine.pop(rejection.entity_id, None)
        elif rejection.entity == "escalation" and rejection.entity_id in self.items:
            self.items[rejection.entity_id].pop("pending", None)  # the platform's state stands


def newest_first(items: Any) -> list[dict[str, Any]]:
    return sorted(items, key=lambda i: (i.get("created_at") or "", i["id"]), reverse=True)


def _normalised(phone: str) -> str:
    """The number as the platform stores it; a number it would refuse (withheld, foreign) is left out."""
    if not phone.strip():
        return ""
    try:
        return normalize_phone(phone)
    except InvalidPhoneNumber:
        log.info("caller number not attached to the escalation: not a valid number")
        return ""
