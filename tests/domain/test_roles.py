"""The pages each role sees follow the permission table: a page shown to a role the platform would
refuse is a dead end, a page hidden from a role that may do its work is missing."""
from __future__ import annotations

from domain.roles import PAGE_PERMISSIONS, PERMISSIONS, Page, Role, allowed, has_desk, pages_for, takes_calls


def test_every_page_is_seen_by_exactly_the_roles_its_permission_allows() -> None:
    assert set(PAGE_PERMISSIONS) == set(Page)
    for page, permission in PAGE_PERMISSIONS.items():
        needed = (permission,) if isinstance(permission, str) else permission
        assert all(p in PERMISSIONS for p in needed), page
        assert {role for role in Role if page in pages_for(role)} == set.intersection(
            *(set(PERMISSIONS[p]) for p in needed)), page


def test_the_pages_of_each_role() -> None:
    seat = {Page.my_orders, Page.callback_queue, Page.missed_calls, Page.progress, Page.my_kb_reports}
    assert pages_for(Role.agent) == seat | {Page.my_escalations}
    assert pages_for(Role.expert) == seat | {Page.escalation_inbox}
    assert pages_for(Role.team_lead) == seat | {Page.my_escalations, Page.reviews, Page.supervision, Page.wallboard,
                                                Page.kb_review, Page.dispatch, Page.hot_topics, Page.figures}
    assert pages_for(Role.dispatcher) == {Page.reviews, Page.supervision, Page.my_kb_reports, Page.dispatch,
                                          Page.hot_topics, Page.unit_desk, Page.figures}
    assert pages_for(Role.admin) == {Page.reviews, Page.supervision, Page.wallboard, Page.audit, Page.kb_review,
                                     Page.lexicon, Page.hot_topics, Page.unit_desk, Page.figures}
    assert pages_for(Role.unit) == {Page.unit_desk}
    assert pages_for(Role.partner) == set()  # a partner platform is a client of the API, not of this desk
    assert pages_for(Role.kb_editor) == {Page.kb_review, Page.lexicon}  # the knowledge editor takes no calls


def test_only_the_roles_that_take_requests_have_the_desk_and_only_those_answering_calls_the_call_controls() -> None:
    assert {r for r in Role if has_desk(r)} == {Role.agent, Role.expert, Role.team_lead}
    assert {r for r in Role if takes_calls(r)} == {Role.agent, Role.expert}
    assert has_desk("") and takes_calls("")  # a signed-out window shows the desk, empty


def test_a_signed_out_window_or_an_unknown_role_sees_no_page() -> None:
    assert pages_for("") == set() and pages_for("visitor") == set()
    assert not allowed("", "kb.read")


def test_roles_compare_as_their_names() -> None:
    assert allowed("team_lead", "queue.watch") and not allowed("agent", "queue.watch")
    assert Role("dispatcher") is Role.dispatcher
