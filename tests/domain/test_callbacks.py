"""The callback rules both sides apply: the seat shows at once what the platform will decide."""
from __future__ import annotations

import pytest

from domain.callbacks import (
    MAX_CALLBACK_ATTEMPTS,
    apply_callback,
    callback_payload,
    callback_result,
    missed_call_outcome,
)
from domain.workorder import closes_unreached


def test_a_callback_closes_or_reopens_the_order_and_counts_every_attempt():
    assert callback_result(None, None, reached=False) == "replied"
    assert callback_result("satisfied", True) == "closed"
    assert callback_result("satisfied", False) == "reopened"
    assert callback_result("dissatisfied", True) == "reopened"
    order = {"number": "N1", "status": "replied", "callback_attempts": 1}
    assert apply_callback(order, callback_payload(None, None, reached=False)) == {**order, "callback_attempts": 2}
    assert apply_callback(order, callback_payload("very_satisfied", True))["status"] == "closed"
    with pytest.raises(ValueError):
        callback_payload("satisfied", None)


@pytest.mark.parametrize("kind", ["law_enforcement", "mediation"])
def test_law_enforcement_and_mediation_close_when_resolved_whatever_the_satisfaction(kind: str):
    assert callback_result("very_dissatisfied", True, case_kind=kind) == "closed"
    assert callback_result("very_satisfied", False, case_kind=kind) == "reopened"
    order = {"number": "N1", "status": "replied", "callback_attempts": 0, "case_kind": kind}
    after = apply_callback(order, callback_payload("dissatisfied", True))
    assert (after["status"], after["satisfaction"]) == ("closed", "dissatisfied")  # recorded, not reopening


def test_unreached_attempts_close_the_order_on_enough_different_days():
    assert not closes_unreached(["2026-09-28", "2026-09-28T15:00:00+08:00", "2026-09-29"], 3)
    assert closes_unreached(["2026-09-28", "2026-09-29", "2026-10-08"], 3)
    assert closes_unreached(["2026-09-28"], 1)
    order = {"number": "N1", "status": "replied", "callback_attempts": 2}
    unreached = callback_payload(None, None, reached=False)
    days = ["2026-09-28", "2026-09-29", "2026-10-08"]
    assert apply_callback(order, unreached, days, 3)["status"] == "closed"
    assert apply_callback(order, unreached, days[:2], 3)["status"] == "replied"
    assert apply_callback(order, unreached)["status"] == "replied"  # the days unknown: the platform decides


@pytest.mark.parametrize(("outcome", "before", "after"), [
    ("reached", 0, ("reached", 0, "done")),
    ("not_needed", 1, ("not_needed", 1, "done")),
    ("no_answer", 0, ("no_answer", 1, "open")),
    ("busy", MAX_CALLBACK_ATTEMPTS - 2, ("busy", MAX_CALLBACK_ATTEMPTS - 1, "open")),
    ("busy", MAX_CALLBACK_ATTEMPTS - 1, ("unreachable", MAX_CALLBACK_ATTEMPTS, "done")),
])
def test_a_missed_call_is_unreachable_after_the_last_attempt(outcome, before, after):
    assert missed_call_outcome(outcome, before) == after
