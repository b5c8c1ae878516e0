"""Pure-Python domain of the 12345 workstation and platform: no Qt, no I/O.

Imported by both sides (`central -> domain`, `offline_cache -> domain`); imports
nothing else of the project.
"""
from __future__ import annotations

from domain.calendar import Deadline, WorkCalendar
from domain.catalog import Category, CategoryTree, HandlingUnit, UnitKind, suggest_units
from domain.intake import NotAcceptedReason, reason_from
from domain.knowledge import KnowledgeEntry
from domain.numbers import (
    format_order_number,
    is_provisional_number,
    parse_order_number,
    parse_provisional_number,
    provisional_number,
)
from domain.phone import (
    InvalidPhoneNumber,
    PhoneInfo,
    locate,
    mask_phone,
    normalize_phone,
    phone_kind,
)
from domain.workorder import (
    INTAKE_OPERATIONS,
    TERMINAL_STATUSES,
    TRANSITIONS,
    IllegalTransition,
    Requester,
    RequestType,
    Urgency,
    WorkOrder,
    WorkOrderStatus,
    check_transition,
)

__all__ = [
    "INTAKE_OPERATIONS",
    "TERMINAL_STATUSES",
    "TRANSITIONS",
    "Category",
    "CategoryTree",
    "Deadline",
    "HandlingUnit",
    "IllegalTransition",
    "InvalidPhoneNumber",
    "KnowledgeEntry",
    "NotAcceptedReason",
    "PhoneInfo",
    "RequestType",
    "Requester",
    "UnitKind",
    "Urgency",
    "WorkCalendar",
    "WorkOrder",
    "WorkOrderStatus",
    "check_transition",
    "format_order_number",
    "is_provisional_number",
    "locate",
    "mask_phone",
    "normalize_phone",
    "parse_order_number",
    "parse_provisional_number",
    "phone_kind",
    "provisional_number",
    "reason_from",
    "suggest_units",
]
