"""Repeat requests (重复诉求): a second order from the same caller on the same matter is linked to the
open one and merged into it (并单); an unreasonable repeat request is closed only through a review."""
from __future__ import annotations

from tests.platform.test_lifecycle import desk, sim_clock  # noqa: F401 (fixtures)
from tests.platform.test_work_orders import new_order


def test_a_repeat_request_is_linked_and_merged_into_the_callers_open_order(platform, desk, sim_clock):  # noqa: F811
    agent, dispatcher = desk("agent"), desk("dispatcher")
    first = agent.ok("create", None, **new_order())["number"]
    dispatcher.ok("dispatch", first, handling_unit_id="B02")
    other_matter = agent.ok("create", None, **new_order(category_id="010101"))["number"]

    sim_clock.set(2026, 10, 20, 9)  # 22 days later: within the 30-day window
    again = agent.ok("create", None, **new_order(content="第二次来电：备案仍未办好"))
    created = agent.order(again["number"])["timeline"][0]
    assert created["detail"]["repeat_of"] == [first]  # the same category only, open orders only

    merged = agent.ok("merge", again["number"], into=first)
    assert (merged["status"], merged["merged_into"]) == ("merged", first)
    target = agent.order(first)
    assert target["repeat_count"] == 1 and target["status"] == "dispatched"
    step = target["timeline"][-1]
    assert (step["action"], step["actor"]) == ("repeat_merged", "agent")
    assert (step["detail"]["number"], step["detail"]["content"]) == (again["number"], "第二次来电：备案仍未办好")
    assert agent.order(other_matter)["repeat_count"] == 0

    # merged is the end of that order
    r = dispatcher.op("dispatch", again["number"], handling_unit_id="B02")
    assert r.status_code == 409 and r.json()["error"] == "illegal_transition"
    # outside the window it is not linked
    sim_clock.set(2026, 11, 30, 9)
    late = agent.ok("create", None, **new_order())["number"]
    assert agent.order(late)["timeline"][0]["detail"]["repeat_of"] == []


def test_a_merge_needs_an_open_order_of_the_same_caller(platform, desk, sim_clock):  # noqa: F811
    agent = desk("agent")
    open_order = agent.ok("create", None, **new_order())["number"]
    other_caller = agent.ok("create", None, **new_order("13900139000"))["number"]
    closed = agent.ok("create", None, **new_order())["number"]
    agent.ok("close_at_intake", closed, answer="已答复")
    repeat = agent.ok("create", None, **new_order())["number"]

    for into, code, error in ((other_caller, 409, "not_same_caller"), (closed, 409, "target_closed"),
                              (repeat, 422, "invalid"), ("20990101000001", 422, "invalid")):
        r = agent.op("merge", repeat, into=into)
        assert (r.status_code, r.json()["error"]) == (code, error), r.text
    assert agent.order(repeat)["status"] == "accepted"
    assert agent.ok("merge", repeat, into=open_order)["status"] == "merged"
    assert desk("dispatcher").op("merge", closed, into=open_order).status_code == 403  # intake is the seats'


def test_an_unreasonable_repeat_request_is_closed_only_when_the_review_confirms_it(platform, desk, sim_clock):  # noqa: F811
    agent, dispatcher = desk("agent"), desk("dispatcher")
    numbers = [agent.ok("create", None, **new_order())["number"] for _ in range(2)]
    for number in numbers:
        order = agent.ok("apply_unreasonable", number, reason="同一诉求已答复多次，无新情况")
        assert order["status"] == "repeat_review"
    pending = dispatcher.get("/api/v1/reviews", params={"kind": "unreasonable_repeat"}).json()["items"]
    assert sorted(p["number"] for p in pending) == sorted(numbers)
    assert {p["applicant"] for p in pending} == {"agent"} and {p["order_status"] for p in pending} == {"repeat_review"}
    assert agent.op("review_unreasonable", numbers[0], decision="approve").status_code == 403

    closed = dispatcher.ok("review_unreasonable", numbers[0], decision="approve", note="确认无理重复")
    assert (closed["status"], closed["unreasonable_repeat"]) == ("closed", True) and closed["closed_at"]
    kept = dispatcher.ok("review_unreasonable", numbers[1], decision="refuse", note="有新情况")
    assert (kept["status"], kept["unreasonable_repeat"]) == ("accepted", False)
    assert dispatcher.ok("dispatch", numbers[1], handling_unit_id="B02")["status"] == "dispatched"
    r = dispatcher.op("review_unreasonable", numbers[0], decision="refuse")
    assert r.status_code == 409 and r.json()["error"] == "illegal_transition"
    assert dispatcher.get("/api/v1/reviews", params={"kind": "unreasonable_repeat"}).json()["items"] == []
    actions = [(t["action"], t["actor"]) for t in agent.order(numbers[0])["timeline"]]
    assert actions == [("create", "agent"), ("apply_unreasonable", "agent"), ("review_unreasonable", "dispatcher")]
