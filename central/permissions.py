"""Who may do what. The platform checks every request against this table; the workstation only
hides what a role cannot do."""
from __future__ import annotations

from enum import StrEnum


class Role(StrEnum):
    agent = "agent"
    expert = "expert"
    team_lead = "team_lead"
    dispatcher = "dispatcher"
    admin = "admin"
    unit = "unit"  # a handling unit's staff (users.unit_id says which unit)


_SEATS = {Role.agent, Role.expert, Role.team_lead}
_DESK = _SEATS | {Role.dispatcher}
ALL = set(Role)

PERMISSIONS: dict[str, set[Role]] = {
    "kb.read": ALL,
    "kb.import": {Role.admin},
    "kb.export": {Role.admin},
    "kb.report": _DESK,
    # the feed and snapshots carry every order as it is: not for handling units (R14, confidential requesters)
    "feed.read": ALL - {Role.unit},
    "events.subscribe": ALL,
    "orders.read": _DESK | {Role.unit},  # a unit reads only the orders it handles
    "orders.intake": _SEATS,
    "orders.dispatch": _DESK,
    # dispatcher and admin may act for any unit: the department simulator signs in as one
    "orders.handle": {Role.unit, Role.dispatcher, Role.admin},
    "orders.review": {Role.dispatcher, Role.team_lead, Role.admin},
    "orders.callback": {Role.agent, Role.expert, Role.team_lead},
    "orders.supervise": {Role.team_lead, Role.dispatcher, Role.admin},
    "orders.progress": _SEATS,
    "metrics.read": {Role.team_lead, Role.admin, Role.dispatcher},
    "callers.read": _DESK,
    "agent.state": {Role.agent, Role.expert},
    "calls.handle": {Role.agent, Role.expert},
    "calls.inject": {Role.team_lead, Role.admin},
    "queue.watch": {Role.team_lead, Role.admin},
    "callbacks.work": _SEATS,
    "escalations.raise": {Role.agent, Role.team_lead},
    "escalations.read": _SEATS,
    "escalations.answer": {Role.expert},
    "kb.review": {Role.team_lead, Role.admin},
    "users.manage": {Role.admin},
    "audit.read": {Role.admin},
}


def allowed(role: str, permission: str) -> bool:
    return role in PERMISSIONS[permission]
