"""What each work-order operation takes, and who may do it (domain/roles.py): the payloads are
checked here, before any row is read."""
from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from central.errors import invalid
from central.validation import Moment, text
from domain.intake import NotAcceptedReason
from domain.workorder import MAX_ATTACHMENT_NAME, MAX_ATTACHMENTS, CaseKind, RequestType, Satisfaction, Urgency

Text200 = text(1, 200)
Text5000 = text(1, 5000)
Reason = text(1, 2000)
Note = text(0, 2000)
Short = text(0, 64)
UnitId = text(1, 32)


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class NewWorkOrder(_Strict):
    request_type: RequestType
    urgency: Urgency = Urgency.normal
    category_id: Short
    title: Text200
    content: Text5000
    caller_phone: text(1, 80)
    requester_name: Short = ""
    confidential: bool = False
    address_district: Short = ""
    address_street: Short = ""
    address_detail: text(0, 200) = ""
    client_ref: Short | None = None
    status: Literal["draft", "accepted"] = "accepted"


class CloseAtIntake(_Strict):
    answer: Text5000


class RejectAtIntake(_Strict):
    reason: NotAcceptedReason
    note: Note = ""
    guidance: Note = Field(default="", description="what was read to the caller, when the agent changed the "
                                                   "reason's standard text")


class Transfer(_Strict):
    target_unit_id: Short
    note: Note = ""
    three_way: bool = False
    # a time without an offset is China time
    transferred_at: Moment | None = Field(default=None, description="when the call itself went (the seat's clock)")
    call_id: Short | None = Field(default=None, description="the call that was transferred")


class Dispatch(_Strict):
    handling_unit_id: Short
    assisting_unit_ids: list[Short] = Field(default_factory=list, max_length=10)
    working_days: int | None = Field(default=None, ge=1, le=60)
    note: Note = Field(default="", description="the dispatcher's instructions to the units (on the timeline)")


class Accept(_Strict):
    pass


class Sign(_Strict):
    unit_id: UnitId


class Reply(_Strict):
    unit_id: UnitId
    reply: Text5000
    attachments: list[text(1, MAX_ATTACHMENT_NAME)] = Field(default_factory=list, max_length=MAX_ATTACHMENTS,
                                                          description="the names of the files sent with the reply")


class ApplyReturn(_Strict):
    unit_id: UnitId
    reason: Reason


class ApplyExtension(_Strict):
    unit_id: UnitId
    working_days: int | None = Field(default=None, ge=1, le=30)
    hours: int | None = Field(default=None, ge=1, le=72, description="urgent orders only")
    reason: Reason


class Review(_Strict):
    decision: Literal["approve", "refuse"]
    note: Note = ""
    unit_id: UnitId | None = Field(default=None, description="whose application, when several are pending")


class Callback(_Strict):
    satisfaction: Satisfaction | None = None
    resolved: bool | None = None
    note: Note = ""
    reached: bool = True


class Supervise(_Strict):
    kind: Literal["supervise", "remind"] = "supervise"
    note: Note = ""


class Merge(_Strict):
    into: text(1, 32)
    reason: Note = Field(default="", description="why it is the same request (the agent's words)")


class ApplyUnreasonable(_Strict):
    reason: Reason


class Flag(_Strict):
    case_kind: CaseKind


class PartnerProgress(_Strict):
    note: Text5000 = Field(description="what the partner platform has done so far (on the timeline)")
    partner_ref: Short = Field(default="", description="the partner's own number of the case")


class PartnerReply(_Strict):
    reply: Text5000 = Field(description="the partner's result, told to the requester at the callback")
    partner_ref: Short = ""


class PartnerReturn(_Strict):
    reason: Reason = Field(description="why the matter is not the partner's (the dispatcher sends it on)")


PAYLOADS: dict[str, type[BaseModel]] = {
    "create": NewWorkOrder,
    "accept": Accept,
    "close_at_intake": CloseAtIntake,
    "reject_at_intake": RejectAtIntake,
    "transfer": Transfer,
    "dispatch": Dispatch,
    "sign": Sign,
    "reply": Reply,
    "apply_return": ApplyReturn,
    "apply_extension": ApplyExtension,
    "review_return": Review,
    "review_extension": Review,
    "callback": Callback,
    "supervise": Supervise,
    "merge": Merge,
    "apply_unreasonable": ApplyUnreasonable,
    "review_unreasonable": Review,
    "flag": Flag,
    "partner_progress": PartnerProgress,
    "partner_reply": PartnerReply,
    "partner_return": PartnerReturn,
}

# Who may do each operation (domain/roles.py); an unknown op is checked as intake and then
# refused as invalid.
PERMISSIONS: dict[str, str] = {
    "dispatch": "orders.dispatch",
    "sign": "orders.handle",
    "reply": "orders.handle",
    "apply_return": "orders.handle",
    "apply_extension": "orders.handle",
    "review_return": "orders.review",
    "review_extension": "orders.review",
    "review_unreasonable": "orders.review",
    "flag": "orders.review",
    "callback": "orders.callback",
    "supervise": "orders.supervise",
    "partner_progress": "orders.partner",
    "partner_reply": "orders.partner",
    "partner_return": "orders.partner",
}


def permission(op: str) -> str | None:
    """The permission an operation needs (the intake ones, not listed: `orders.intake`); None for an
    operation that does not exist (422, for anyone)."""
    return PERMISSIONS.get(op, "orders.intake") if op in PAYLOADS else None


def parse_payload(op: str, payload: dict) -> BaseModel:
    model = PAYLOADS.get(op)
    if model is None:
        raise invalid("op", f"unknown work-order operation {op!r}; expected one of {', '.join(PAYLOADS)}")
    try:
        return model.model_validate(payload)
    except ValidationError as exc:
        err = exc.errors()[0]
        field = ".".join(str(p) for p in err["loc"]) or "payload"
        raise invalid(f"payload.{field}", err["msg"]) from None
