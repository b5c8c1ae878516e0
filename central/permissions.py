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


_SEATS = {Role.agent, Role.expert, Role.team_lead}
_DESK = _SEATS | {Role.dispatcher}
ALL = set(Role)

PERMISSIONS: dict[str, set[Role]] = {
    "kb.read": ALL,
    "kb.import": {Role.admin},
    "kb.export": {Role.admin},
    "kb.report": _DESK,
    "feed.read": ALL,
    "events.subscribe": ALL,
    "orders.read": _DESK,
    "orders.intake": _SEATS,
    "orders.dispatch": _DESK,
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
