from __future__ import annotations

from datetime import datetime

import pytest

from domain.workorder import (
    ACTIVE_UNIT_STATES,
    HANDLING_STATUSES,
    INTAKE_OPERATIONS,
    LIFECYCLE_OPERATIONS,
    PARTNER_KINDS,
    REVIEW_DECISIONS,
    TERMINAL_STATUSES,
    TRANSITIONS,
    CaseKind,
    IllegalTransition,
    Requester,
    RequestType,
    Satisfaction,
    UnitRole,
    UnitState,
    Urgency,
    WorkOrder,
    WorkOrderStatus,
    callback_outcome,
    check_transition,
    transfer_status,
)

S = WorkOrderStatus

LEGAL = [
    (S.draft, S.accepted),
    (S.accepted, S.closed_at_intake),
    (S.accepted, S.rejected_at_intake),
    (S.accepted, S.transferred),
    (S.accepted, S.partner_handling),
    (S.partner_handling, S.replied),
    (S.partner_handling, S.accepted),
    (S.accepted, S.dispatched),
    (S.dispatched, S.in_progress),
    (S.dispatched, S.return_review),
    (S.in_progress, S.replied),
    (S.in_progress, S.extension_review),
    (S.in_progress, S.return_review),
    (S.return_review, S.accepted),
    (S.return_review, S.in_progress),
    (S.extension_review, S.in_progress),
    (S.replied, S.callback),
    (S.callback, S.closed),
    (S.callback, S.reopened),
    (S.reopened, S.in_progress),
    (S.reopened, S.replied),
    (S.accepted, S.merged),
    (S.accepted, S.repeat_review),
    (S.repeat_review, S.closed),
    (S.repeat_review, S.accepted),
]


def test_table_is_exactly_the_design() -> None:
    table = {(s, t) for s, targets in TRANSITIONS.items() for t in targets}
    assert table == set(LEGAL)
    assert set(TRANSITIONS) == set(WorkOrderStatus)


@pytest.mark.parametrize(("source", "target"), LEGAL)
def test_legal_transitions(source: WorkOrderStatus, target: WorkOrderStatus) -> None:
    check_transition(source, target)


@pytest.mark.parametrize(
    ("source", "target"),
    [
        (S.closed, S.dispatched),
        (S.draft, S.dispatched),
        (S.draft, S.closed),
        (S.accepted, S.in_progress),
        (S.dispatched, S.replied),
        (S.in_progress, S.closed),
        (S.replied, S.closed),
        (S.return_review, S.dispatched),
        (S.transferred, S.accepted),
        (S.rejected_at_intake, S.accepted),
        (S.closed_at_intake, S.reopened),
        (S.in_progress, S.in_progress),
        (S.merged, S.accepted),
        (S.repeat_review, S.dispatched),
        (S.dispatched, S.merged),
    ],
)
def test_illegal_transitions_name_both_states(
    source: WorkOrderStatus, target: WorkOrderStatus
) -> None:
    with pytest.raises(IllegalTransition) as info:
        check_transition(source, target)
    assert str(info.value) == f"illegal work-order transition: {source} -> {target}"
    assert (info.value.source, info.value.target) == (source, target)
    assert isinstance(info.value, ValueError)


def test_every_pair_outside_the_table_is_illegal() -> None:
    for source in WorkOrderStatus:
        for target in WorkOrderStatus:
            if (source, target) in LEGAL:
                continue
            with pytest.raises(IllegalTransition):
                check_transition(source, target)


def test_check_transition_accepts_strings() -> None:
    check_transition("draft", "accepted")
    with pytest.raises(IllegalTransition, match="closed -> dispatched"):
        check_transition("closed", "dispatched")


def test_unknown_status_is_a_value_error() -> None:
    with pytest.raises(ValueError):
        check_transition("draft", "finished")


def test_terminal_states() -> None:
    assert TERMINAL_STATUSES == {S.closed_at_intake, S.rejected_at_intake, S.transferred, S.closed, S.merged}
    assert all(s.is_terminal for s in TERMINAL_STATUSES)
    assert not S.callback.is_terminal


def test_every_state_is_reachable_from_draft() -> None:
    seen, todo = {S.draft}, [S.draft]
    while todo:
        for target in TRANSITIONS[todo.pop()]:
            if target not in seen:
                seen.add(target)
                todo.append(target)
    assert seen == set(WorkOrderStatus)


def test_intake_operations() -> None:
    assert INTAKE_OPERATIONS == {
        "accept": S.accepted,
        "close_at_intake": S.closed_at_intake,
        "reject_at_intake": S.rejected_at_intake,
        "dispatch": S.dispatched,
        "transfer": S.transferred,
    }
    for target in INTAKE_OPERATIONS.values():
        assert target == S.accepted or target in TRANSITIONS[S.accepted]


def test_a_transfer_waits_for_a_partner_platform_and_ends_at_an_emergency_line() -> None:
    from domain.catalog import UnitKind
    assert {str(k) for k in UnitKind} >= PARTNER_KINDS
    assert transfer_status(UnitKind.sub_centre) == transfer_status(UnitKind.region) == S.partner_handling
    assert transfer_status(UnitKind.emergency) == S.transferred and S.transferred.is_terminal
    assert not S.partner_handling.is_terminal


def test_labels() -> None:
    assert [t.label_zh for t in RequestType] == ["咨询", "求助", "投诉", "举报", "建议", "表扬"]
    assert [s.label_zh for s in WorkOrderStatus] == (
        "草稿 已受理 直接办结 不予受理 即时转办 联动办理中 已派单 办理中 退单审核 延期审核 已答复 回访中 重新办理 已办结 "
        "已并单 重复诉求审核"
    ).split()
    assert Urgency.urgent.label_zh == "紧急"


def test_enums_are_strings() -> None:
    assert RequestType("help") is RequestType.help
    assert WorkOrderStatus.in_progress == "in_progress"
    assert f"{Urgency.urgent}" == "urgent"


def _order() -> WorkOrder:
    return WorkOrder(
        number="20261125000042",
        status=S.draft,
        request_type=RequestType.complaint,
        urgency=Urgency.normal,
        category_id="c1",
        title="施工噪声扰民",
        content="夜间施工",
        requester=Requester(phone="13800138000"),
        address_district="城东区",
        address_street="东门街道",
        handling_unit_id=None,
        created_at=datetime(2026, 11, 25, 9, 30),
    )


def test_work_order_defaults() -> None:
    order = _order()
    assert (order.deadline, order.deadline_provisional, order.version) == (None, False, 1)
    assert order.requester == Requester("13800138000", "", False)


def test_work_order_transition() -> None:
    order = _order()
    order.transition(S.accepted)
    order.transition("dispatched")
    assert order.status is S.dispatched
    with pytest.raises(IllegalTransition, match="dispatched -> closed"):
        order.transition(S.closed)
    assert order.status is S.dispatched


def test_lifecycle_operations_lead_along_the_table() -> None:
    for op, target in LIFECYCLE_OPERATIONS.items():
        if target is not None:
            assert any(target in TRANSITIONS[s] for s in WorkOrderStatus), op
    for op, decisions in REVIEW_DECISIONS.items():
        assert set(decisions) == {"approve", "refuse"}
        review_state = {"review_return": S.return_review, "review_extension": S.extension_review,
                        "review_unreasonable": S.repeat_review}[op]
        for target in decisions.values():
            check_transition(review_state, target)


@pytest.mark.parametrize(("satisfaction", "resolved", "status"), [
    ("very_satisfied", True, S.closed),
    ("satisfied", True, S.closed),
    ("basically_satisfied", True, S.closed),
    ("satisfied", False, S.reopened),
    ("dissatisfied", True, S.reopened),
    ("very_dissatisfied", False, S.reopened),
])
def test_a_callback_closes_only_when_satisfied_and_resolved(satisfaction, resolved, status) -> None:
    assert callback_outcome(satisfaction, resolved) is status
    check_transition(S.callback, status)


def test_satisfaction_and_case_kind_labels() -> None:
    assert [s.label_zh for s in Satisfaction] == ["非常满意", "满意", "基本满意", "不满意", "非常不满意"]
    assert [s.is_satisfied for s in Satisfaction] == [True, True, True, False, False]
    assert [k.label_zh for k in CaseKind] == ["一般", "执法类", "调解类"]
    assert UnitRole.assisting.label_zh == "协办"


def test_handling_statuses_are_between_dispatch_and_reply() -> None:
    assert HANDLING_STATUSES == {S.dispatched, S.in_progress, S.return_review, S.extension_review, S.reopened}
    assert not HANDLING_STATUSES & TERMINAL_STATUSES
    assert UnitState.returned not in ACTIVE_UNIT_STATES and UnitState.replied not in ACTIVE_UNIT_STATES


def test_attachment_names_are_split_stripped_and_bounded() -> None:
    from domain.workorder import MAX_ATTACHMENTS, attachment_names
    assert attachment_names(" 现场照片.jpg 、维修记录.pdf,整改通知.docx\n现场照片.jpg ；") == [
        "现场照片.jpg", "维修记录.pdf", "整改通知.docx"]
    assert attachment_names("") == []
    with pytest.raises(ValueError, match="at most"):
        attachment_names("、".join(f"f{i}.pdf" for i in range(MAX_ATTACHMENTS + 1)))
    with pytest.raises(ValueError, match="characters"):
        attachment_names("长" * 201)
