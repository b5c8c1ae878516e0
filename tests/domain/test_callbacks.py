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


@pytest.mark.parametrize(("outcome", "before", "after"), [
    ("reached", 0, ("reached", 0, "done")),
    ("not_needed", 1, ("not_needed", 1, "done")),
    ("no_answer", 0, ("no_answer", 1, "open")),
    ("busy", MAX_CALLBACK_ATTEMPTS - 2, ("busy", MAX_CALLBACK_ATTEMPTS - 1, "open")),
    ("busy", MAX_CALLBACK_ATTEMPTS - 1, ("unreachable", MAX_CALLBACK_ATTEMPTS, "done")),
])
def test_a_missed_call_is_unreachable_after_the_last_attempt(outcome, before, after):
    assert missed_call_outcome(outcome, before) == after
