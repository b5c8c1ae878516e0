"""Callbacks, as both sides decide them: the platform when it applies one, the seat when it shows
the effect at once (offline too) before the platform has answered.

Two kinds: the callback (回访) of a replied work order, which closes or reopens it, and the
callback owed on a missed call, worked through to an outcome in a limited number of attempts.
"""
from __future__ import annotations

from domain.workorder import Satisfaction, WorkOrderStatus, callback_outcome, closes_unreached

NOTE_MAX = 2000
ORDER_NUMBER_MAX = 32

# --- the callback of a work order (回访) ----------------------------------------------------------

SATISFACTION = tuple(str(s) for s in Satisfaction)  # 非常满意 ... 非常不满意


def callback_result(satisfaction: str | None, resolved: bool | None, reached: bool = True,
                    case_kind: str = "normal", unreachable: bool = False) -> str:
    """The status a callback leaves the order in: still `replied` (the requester was not reached: an
    attempt only), `closed` (satisfied and resolved; for law enforcement and mediation, resolved;
    or not reached on enough different days: `unreachable`) or `reopened` (back to the lead unit)."""
    if not reached:
        return str(WorkOrderStatus.closed if unreachable else WorkOrderStatus.replied)
    return str(callback_outcome(Satisfaction(satisfaction), bool(resolved), case_kind))


def callback_attempts(done_before: int | None) -> int:
    """Every callback counts as an attempt, the requester reached or not."""
    return int(done_before or 0) + 1


def callback_payload(satisfaction: str | None, resolved: bool | None, note: str = "",
                     reached: bool = True) -> dict:
    """The callback's payload, checked as the platform checks it (ValueError when it would refuse)."""
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


def apply_callback(order: dict, payload: dict, unreached_days: list[str] | None = None,
                   limit: int | None = None) -> dict:
    """The order (a summary dict) as the platform makes it once it applies the callback. An
    unreached attempt closes it when `unreached_days` (the days of the unreached attempts, this one
    among them) reach the centre's `limit`; without them (a seat does not know the earlier days)
    the order stays replied until the platform answers."""
    attempts = callback_attempts(order.get("callback_attempts"))
    if not payload.get("reached", True):
        if unreached_days is not None and limit is not None and closes_unreached(unreached_days, limit):
            return {**order, "status": str(WorkOrderStatus.closed), "callback_attempts": attempts}
        return {**order, "callback_attempts": attempts}
    status = callback_result(payload.get("satisfaction"), payload.get("resolved"),
                             case_kind=str(order.get("case_kind") or "normal"))
    return {**order, "status": status, "satisfaction": payload.get("satisfaction"),
            "resolved": payload.get("resolved"), "callback_attempts": attempts}


# --- the callback of a missed call ----------------------------------------------------------------

MISSED_CALL_OUTCOMES = ("reached", "no_answer", "busy", "invalid_number", "not_needed")
DONE_OUTCOMES = frozenset({"reached", "invalid_number", "not_needed"})
MAX_CALLBACK_ATTEMPTS = 3  # the third no_answer/busy closes the callback as unreachable
UNREACHABLE = "unreachable"


def missed_call_outcome(outcome: str, attempts_before: int | None) -> tuple[str, int, str]:
    """(the outcome recorded, the attempts counted, the callback's state "open" or "done") after one
    callback attempt: no answer and busy count an attempt and leave it open, up to the limit."""
    attempts, state = int(attempts_before or 0), "done"
    if outcome not in DONE_OUTCOMES:
        attempts += 1
        if attempts >= MAX_CALLBACK_ATTEMPTS:
            outcome = UNREACHABLE
        else:
            state = "open"
    return outcome, attempts, state
