"""Work orders (工单) and their state machine (R7-R11)."""
from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

# Enum members are spelled like their values (RequestType.help == "help") so that
# code, JSON payloads and database columns all use one name.


class RequestType(StrEnum):
    consultation = "consultation"
    help = "help"
    complaint = "complaint"
    report = "report"
    suggestion = "suggestion"
    praise = "praise"

    @property
    def label_zh(self) -> str:
        return _REQUEST_TYPE_LABELS[self]


_REQUEST_TYPE_LABELS = {
    RequestType.consultation: "咨询",
    RequestType.help: "求助",
    RequestType.complaint: "投诉",
    RequestType.report: "举报",
    RequestType.suggestion: "建议",
    RequestType.praise: "表扬",
}


class Urgency(StrEnum):
    normal = "normal"
    urgent = "urgent"

    @property
    def label_zh(self) -> str:
        return "紧急" if self is Urgency.urgent else "一般"


class WorkOrderStatus(StrEnum):
    draft = "draft"
    accepted = "accepted"
    closed_at_intake = "closed_at_intake"
    rejected_at_intake = "rejected_at_intake"
    transferred = "transferred"
    partner_handling = "partner_handling"  # transferred to a partner platform (12315, another city's 12345)
    dispatched = "dispatched"
    in_progress = "in_progress"
    return_review = "return_review"
    extension_review = "extension_review"
    replied = "replied"
    callback = "callback"
    reopened = "reopened"
    closed = "closed"
    merged = "merged"
    repeat_review = "repeat_review"

    @property
    def label_zh(self) -> str:
        return _STATUS_LABELS[self]

    @property
    def is_terminal(self) -> bool:
        return not TRANSITIONS[self]


_STATUS_LABELS = {
    WorkOrderStatus.draft: "草稿",
    WorkOrderStatus.accepted: "已受理",
    WorkOrderStatus.closed_at_intake: "直接办结",
    WorkOrderStatus.rejected_at_intake: "不予受理",
    WorkOrderStatus.transferred: "即时转办",
    WorkOrderStatus.partner_handling: "联动办理中",
    WorkOrderStatus.dispatched: "已派单",
    WorkOrderStatus.in_progress: "办理中",
    WorkOrderStatus.return_review: "退单审核",
    WorkOrderStatus.extension_review: "延期审核",
    WorkOrderStatus.replied: "已答复",
    WorkOrderStatus.callback: "回访中",
    WorkOrderStatus.reopened: "重新办理",
    WorkOrderStatus.closed: "已办结",
    WorkOrderStatus.merged: "已并单",
    WorkOrderStatus.repeat_review: "重复诉求审核",
}



def status_zh(status: str | None) -> str:
    """The Chinese word for a status; a status this build does not know is shown as it is."""
    try:
        return WorkOrderStatus(status).label_zh
    except ValueError:
        return str(status or "")


_S = WorkOrderStatus

# The lifecycle of DESIGN.md. Choices the diagram leaves open:
# - A return (退单) can be asked for before the unit starts (dispatched) or while it
#   handles (in_progress). An approved return goes back to `accepted`, so the
#   dispatcher sends it again (possibly to another unit); a refused return goes back
#   to the unit as `in_progress`.
# - An extension review (延期审核) always resumes handling; the decision only moves
#   the deadline, not the state.
# - A reopened order (unsatisfied callback) is handled again by the same unit
#   (in_progress) or answered again directly (replied).
# - A repeat request (重复诉求) is merged (并单) into the caller's open order, which ends it, or
#   goes through an approval as an unreasonable repeat (无理重复诉求): confirmed, it closes;
#   refused, it is handled like any other order.
# - The callback state lasts one operation: a reached callback moves on at once to closed or
#   reopened (both steps are on the timeline).
# - An order transferred to a partner platform (a sub-centre such as 12315, or another city's 12345)
#   is in partner_handling until the partner reports its result (replied: the callback follows) or
#   sends it back as not its matter (accepted: the dispatcher sends it on). One transferred to an
#   emergency line (110, 119, 120, 122) ends as transferred: nothing comes back from those.
# - No state moves to itself, and the five terminal states have no way out.
TRANSITIONS: dict[WorkOrderStatus, frozenset[WorkOrderStatus]] = {
    _S.draft: frozenset({_S.accepted}),
    _S.accepted: frozenset(
        {_S.closed_at_intake, _S.rejected_at_intake, _S.transferred, _S.partner_handling, _S.dispatched, _S.merged,
         _S.repeat_review}
    ),
    _S.partner_handling: frozenset({_S.replied, _S.accepted}),
    _S.dispatched: frozenset({_S.in_progress, _S.return_review}),
    _S.in_progress: frozenset({_S.replied, _S.extension_review, _S.return_review}),
    _S.return_review: frozenset({_S.accepted, _S.in_progress}),
    _S.extension_review: frozenset({_S.in_progress}),
    _S.replied: frozenset({_S.callback}),
    _S.callback: frozenset({_S.closed, _S.reopened}),
    _S.reopened: frozenset({_S.in_progress, _S.replied}),
    _S.repeat_review: frozenset({_S.closed, _S.accepted}),
    _S.closed_at_intake: frozenset(),
    _S.rejected_at_intake: frozenset(),
    _S.transferred: frozenset(),
    _S.closed: frozenset(),
    _S.merged: frozenset(),
}

TERMINAL_STATUSES: frozenset[WorkOrderStatus] = frozenset(
    s for s, targets in TRANSITIONS.items() if not targets
)

# What the agent does on the intake form, and the status it leads to.
INTAKE_OPERATIONS: dict[str, WorkOrderStatus] = {
    "accept": _S.accepted,
    "close_at_intake": _S.closed_at_intake,
    "reject_at_intake": _S.rejected_at_intake,
    "dispatch": _S.dispatched,
    "transfer": _S.transferred,
}


# The unit kinds that are platforms of their own and report back (flow-back, R5-R6): an order
# transferred to one waits in partner_handling for its result. The kinds' values (domain/catalog.py
# UnitKind), kept as strings so that this module stays free of the catalog.
PARTNER_KINDS: frozenset[str] = frozenset({"sub_centre", "region"})
# The statuses in which a partner may report on an order transferred to it (a reopened one: again).
PARTNER_STATUSES: frozenset[WorkOrderStatus] = frozenset({_S.partner_handling, _S.reopened})


def transfer_status(unit_kind: str) -> WorkOrderStatus:
    """Where a transfer leads: to a partner platform, partner_handling; to an emergency line, the end."""
    return _S.partner_handling if str(unit_kind) in PARTNER_KINDS else _S.transferred


# Operations after intake and the status they lead the order to (for the lead unit; an assisting
# unit's sign, reply and applications change only its own state). None: it depends on the payload
# (see REVIEW_DECISIONS and callback_outcome) or the status does not change.
LIFECYCLE_OPERATIONS: dict[str, WorkOrderStatus | None] = {
    "sign": _S.in_progress,
    "reply": _S.replied,
    "apply_return": _S.return_review,
    "apply_extension": _S.extension_review,
    "review_return": None,
    "review_extension": _S.in_progress,
    "callback": None,
    "supervise": None,
    "merge": _S.merged,
    "apply_unreasonable": _S.repeat_review,
    "review_unreasonable": None,
    "flag": None,
    # a partner platform's report on an order transferred to it (flow-back, R5-R6)
    "partner_progress": None,
    "partner_reply": _S.replied,
    "partner_return": _S.accepted,
}

# op -> decision -> the order's next status
REVIEW_DECISIONS: dict[str, dict[str, WorkOrderStatus]] = {
    "review_return": {"approve": _S.accepted, "refuse": _S.in_progress},
    "review_extension": {"approve": _S.in_progress, "refuse": _S.in_progress},
    "review_unreasonable": {"approve": _S.closed, "refuse": _S.accepted},
}

# Statuses in which handling units hold the order (dispatched to them and not yet answered).
HANDLING_STATUSES: frozenset[WorkOrderStatus] = frozenset(
    {_S.dispatched, _S.in_progress, _S.return_review, _S.extension_review, _S.reopened}
)


class UnitState(StrEnum):
    """One handling unit's part of an order (主办 or 协办)."""

    dispatched = "dispatched"
    in_progress = "in_progress"
    replied = "replied"
    return_review = "return_review"
    extension_review = "extension_review"
    returned = "returned"


class UnitRole(StrEnum):
    lead = "lead"
    assisting = "assisting"

    @property
    def label_zh(self) -> str:
        return "主办" if self is UnitRole.lead else "协办"


# A unit still working on the order: the supervision sweep watches these deadlines.
ACTIVE_UNIT_STATES: frozenset[UnitState] = frozenset(
    {UnitState.dispatched, UnitState.in_progress, UnitState.return_review, UnitState.extension_review}
)


class Satisfaction(StrEnum):
    very_satisfied = "very_satisfied"
    satisfied = "satisfied"
    basically_satisfied = "basically_satisfied"
    dissatisfied = "dissatisfied"
    very_dissatisfied = "very_dissatisfied"

    @property
    def label_zh(self) -> str:
        return _SATISFACTION_LABELS[self]

    @property
    def is_satisfied(self) -> bool:
        """非常满意, 满意 and 基本满意 count as satisfied."""
        return self in _SATISFIED


_SATISFACTION_LABELS = {
    Satisfaction.very_satisfied: "非常满意",
    Satisfaction.satisfied: "满意",
    Satisfaction.basically_satisfied: "基本满意",
    Satisfaction.dissatisfied: "不满意",
    Satisfaction.very_dissatisfied: "非常不满意",
}
_SATISFIED = frozenset({Satisfaction.very_satisfied, Satisfaction.satisfied, Satisfaction.basically_satisfied})


def callback_outcome(satisfaction: Satisfaction | str, resolved: bool,
                     case_kind: str = "normal") -> WorkOrderStatus:
    """Where a reached callback leads: closed when the requester is satisfied and the matter is
    resolved, else reopened for the unit to handle again.

    Law-enforcement and mediation orders (R15: not judged by satisfaction alone): a requester who
    lost a case or a dispute is rarely satisfied, and handling it again changes nothing. They
    close when the callback finds the matter resolved (the unit acted, the mediation ended), the
    dissatisfaction recorded and reported apart; only an unresolved matter reopens them."""
    if case_kind in (CaseKind.law_enforcement, CaseKind.mediation):
        return _S.closed if resolved else _S.reopened
    if Satisfaction(satisfaction).is_satisfied and resolved:
        return _S.closed
    return _S.reopened


# A handling unit signs (签收) an order within this many working days of its dispatch (urgent
# orders: SIGN_URGENT_HOURS hours); the figures count a later sign as late.
SIGN_WORKING_DAYS = 1
SIGN_URGENT_HOURS = 1

# A replied order whose requester cannot be reached: after unreached callback attempts on this
# many different days (the centre's setting `callback_unreached_days`) it closes as unreachable.
UNREACHED_DAYS_DEFAULT = 3
UNREACHED_DAYS_RANGE = (1, 10)
UNREACHABLE_REASON = "unreachable"
# The callback of a replied order is due within this many working days of the reply (the
# supervision sweep flags it after that).
CALLBACK_WORKING_DAYS = 3


def closes_unreached(attempt_days: Iterable[str], limit: int = UNREACHED_DAYS_DEFAULT) -> bool:
    """Whether the unreached callback attempts made on these days (ISO dates, the one just made
    among them) close the order as unreachable: attempts on `limit` different days."""
    return len({str(d)[:10] for d in attempt_days}) >= limit


class CaseKind(StrEnum):
    """Law-enforcement and mediation orders have their satisfaction reported apart (R15)."""

    normal = "normal"
    law_enforcement = "law_enforcement"
    mediation = "mediation"

    @property
    def label_zh(self) -> str:
        return {"normal": "一般", "law_enforcement": "执法类", "mediation": "调解类"}[self.value]


# A second request from the same caller on the same category within this many days is a repeat
# request (重复诉求): the agent merges it into the open order instead of dispatching it again.
REPEAT_WINDOW_DAYS = 30


class IllegalTransition(ValueError):
    def __init__(self, source: WorkOrderStatus, target: WorkOrderStatus) -> None:
        self.source = source
        self.target = target
        super().__init__(f"illegal work-order transition: {source} -> {target}")


def check_transition(source: WorkOrderStatus | str, target: WorkOrderStatus | str) -> None:
    """Raise IllegalTransition unless the lifecycle allows source -> target."""
    src, dst = WorkOrderStatus(source), WorkOrderStatus(target)
    if dst not in TRANSITIONS[src]:
        raise IllegalTransition(src, dst)


@dataclass
class Requester:
    phone: str
    name: str = ""
    confidential: bool = False


@dataclass
class WorkOrder:
    number: str
    status: WorkOrderStatus
    request_type: RequestType
    urgency: Urgency
    category_id: str
    title: str
    content: str
    requester: Requester
    address_district: str
    address_street: str
    handling_unit_id: str | None
    created_at: datetime
    deadline: datetime | None = None
    deadline_provisional: bool = False
    version: int = 1
    address_detail: str = ""  # building, door, landmark: where the unit goes

    def transition(self, target: WorkOrderStatus | str) -> None:
        check_transition(self.status, target)
        self.status = WorkOrderStatus(target)


# A reply names the files sent with it (the files themselves go by the unit's own channel).
MAX_ATTACHMENTS = 20
MAX_ATTACHMENT_NAME = 200


def attachment_names(text: str) -> list[str]:
    """The attachments' names an agent or a unit typed, separated by 、, commas or new lines: each
    stripped, empty ones and repeats dropped; ValueError when too many or one too long."""
    names = list(dict.fromkeys(n.strip() for n in re.split(r"[、,，;；\n]", text) if n.strip()))
    if len(names) > MAX_ATTACHMENTS:
        raise ValueError(f"{len(names)} attachments: at most {MAX_ATTACHMENTS}")
    long = next((n for n in names if len(n) > MAX_ATTACHMENT_NAME), None)
    if long is not None:
        raise ValueError(f"an attachment's name of {len(long)} characters: at most {MAX_ATTACHMENT_NAME}")
    return names
