"""Roles, what each may do, and the pages each works with (R14).

The platform checks every request against `PERMISSIONS`; the workstation shows a role only the
pages whose work the platform allows it (a page it hid would be refused anyway).
"""
from __future__ import annotations

from enum import StrEnum


class Role(StrEnum):
    agent = "agent"
    expert = "expert"
    team_lead = "team_lead"
    dispatcher = "dispatcher"
    admin = "admin"
    unit = "unit"  # a handling unit's staff (users.unit_id says which unit)
    kb_editor = "kb_editor"  # keeps the knowledge base right: decides reports and proposals
    # a partner platform (a sub-centre such as 12315, another city's 12345; users.unit_id says which):
    # a client of the platform that gets the orders transferred to it and reports back (flow-back, R5-R6)
    partner = "partner"


# The roles bound to one unit (users.unit_id): each sees only that unit's orders.
UNIT_ROLES = frozenset({Role.unit, Role.partner})


_SEATS = frozenset({Role.agent, Role.expert, Role.team_lead})
_DESK = _SEATS | {Role.dispatcher}
ALL = frozenset(Role)

PERMISSIONS: dict[str, frozenset[Role]] = {
    "kb.read": ALL,
    "kb.import": frozenset({Role.admin}),
    "kb.export": frozenset({Role.admin}),
    "kb.report": _DESK,
    # each reader gets its own view of the feed and snapshots (central/views.py): a unit only its orders
    "feed.read": ALL,
    "events.subscribe": ALL,
    "account.own": ALL,  # one's own account: who one is, one's password, ending one's sessions
    "mutations.send": ALL,  # POST /mutations: each operation then needs its own permission (below)
    "orders.read": _DESK | UNIT_ROLES,  # a unit reads only the orders it handles, a partner those sent to it
    "orders.intake": _SEATS,
    "orders.dispatch": _DESK,
    # dispatcher and admin may act for any unit: the department simulator signs in as one
    "orders.handle": frozenset({Role.unit, Role.dispatcher, Role.admin}),
    # a partner reports progress and result on the orders transferred to it, or sends one back
    "orders.partner": frozenset({Role.partner, Role.admin}),
    "orders.review": frozenset({Role.dispatcher, Role.team_lead, Role.admin}),
    "orders.callback": frozenset({Role.agent, Role.expert, Role.team_lead}),
    "orders.supervise": frozenset({Role.team_lead, Role.dispatcher, Role.admin}),
    "orders.progress": _SEATS,
    "metrics.read": frozenset({Role.team_lead, Role.admin, Role.dispatcher}),
    "callers.read": _DESK,
    "agent.state": frozenset({Role.agent, Role.expert}),
    "calls.handle": frozenset({Role.agent, Role.expert}),
    "calls.inject": frozenset({Role.team_lead, Role.admin}),
    "queue.watch": frozenset({Role.team_lead, Role.admin}),
    "callbacks.work": _SEATS,
    "escalations.raise": frozenset({Role.agent, Role.team_lead}),
    "escalations.read": _SEATS,
    "escalations.answer": frozenset({Role.expert}),
    "kb.review": frozenset({Role.team_lead, Role.admin, Role.kb_editor}),
    # the synonym and colloquial-term lexicon of the search (不给退 -> 退费), carried to every seat
    "kb.lexicon": frozenset({Role.admin, Role.kb_editor}),
    # a department publishes its own entries and answers to hot questions (答复口径); admin any
    "kb.publish": frozenset({Role.unit, Role.admin}),
    "users.manage": frozenset({Role.admin}),
    "audit.read": frozenset({Role.admin}),
    "texts.edit": frozenset({Role.admin}),  # quick phrases, call scripts, form templates (domain/texts.py)
}


def allowed(role: str, permission: str) -> bool:
    return role in PERMISSIONS[permission]


def has_desk(role: str) -> bool:
    """The desk (the caller card, the work-order form, the knowledge pane beside it) is for the roles
    that take requests; a signed-out window (no role) shows it, empty."""
    return not role or allowed(role, "orders.intake")


def takes_calls(role: str) -> bool:
    """The call bar's state and call commands are for the roles that answer calls (or no role yet)."""
    return not role or allowed(role, "calls.handle")


class Page(StrEnum):
    """The workstation's pages besides the desk, which every role has."""
    my_orders = "my_orders"
    callback_queue = "callback_queue"
    missed_calls = "missed_calls"
    escalation_inbox = "escalation_inbox"
    my_escalations = "my_escalations"
    progress = "progress"
    reviews = "reviews"
    supervision = "supervision"
    wallboard = "wallboard"
    audit = "audit"
    kb_review = "kb_review"
    lexicon = "lexicon"
    dispatch = "dispatch"
    hot_topics = "hot_topics"
    unit_desk = "unit_desk"
    figures = "figures"
    my_kb_reports = "my_kb_reports"


# The permission a page's work needs (several: all of them): its list and its actions are refused without it.
PAGE_PERMISSIONS: dict[Page, str | tuple[str, ...]] = {
    Page.my_orders: "orders.intake",  # the orders the user recorded
    Page.callback_queue: "orders.callback",
    Page.missed_calls: "callbacks.work",
    Page.escalation_inbox: "escalations.answer",
    Page.my_escalations: "escalations.raise",
    Page.progress: "orders.progress",
    Page.reviews: "orders.review",
    Page.supervision: "orders.supervise",
    Page.wallboard: "queue.watch",
    Page.audit: "audit.read",
    Page.kb_review: "kb.review",
    Page.lexicon: "kb.lexicon",  # the search's lexicon: what callers say, the words the entries use
    # the dispatcher's workbench: who dispatches and decides the units' returns (not the intake seats)
    Page.dispatch: ("orders.dispatch", "orders.review"),
    Page.hot_topics: "metrics.read",
    Page.figures: "metrics.read",  # the centre's figures: per unit, per district, the period's totals  # the categories and places rising above their usual level
    # a handling unit's orders (dispatchers and admins, who may act for any unit, see every one)
    Page.unit_desk: "orders.handle",
    Page.my_kb_reports: "kb.report",  # one's own reports and their outcome
}


def pages_for(role: str) -> frozenset[Page]:
    """The pages `role` works with; an unknown role (signed out) has none."""
    def may(needed: str | tuple[str, ...]) -> bool:
        return all(allowed(role, p) for p in ((needed,) if isinstance(needed, str) else needed))
    return frozenset(page for page, needed in PAGE_PERMISSIONS.items() if may(needed))
