"""Work orders through the one mutations endpoint: at most once per mutation id, the intake
transitions, reads by caller, bad input answered with the field and the reason, and the audit log."""
from __future__ import annotations

import uuid
from concurrent.futures import ThreadPoolExecutor

import pytest

from domain.intake import NotAcceptedReason


def mutation(op: str, payload: dict, entity_id: str | None = None, mid: str | None = None) -> dict:
    body = {"id": mid or str(uuid.uuid4()), "entity": "work_order", "op": op, "payload": payload}
    if entity_id is not None:
        body["entity_id"] = entity_id
    return body


def new_order(phone: str = "13800138000", **extra) -> dict:
    return {"request_type": "consultation", "category_id": "010103", "title": "异地就医备案怎么办",
            "content": "来电人咨询异地就医备案流程", "caller_phone": phone, "requester_name": "张先生", **extra}


def orders_of(api, phone: str) -> list[dict]:
    r = api.get("/api/v1/work-orders", params={"phone": phone})
    assert r.status_code == 200, r.text
    return r.json()["items"]


def test_the_same_mutation_sent_twice_makes_one_work_order(platform, sign_in):
    agent = sign_in("agent")
    body = mutation("create", new_order())
    first = agent.post("/api/v1/mutations", json=body)
    second = agent.post("/api/v1/mutations", json=body)
    assert first.status_code == second.status_code == 200
    assert first.json() == second.json()
    assert first.json()["status"] == "applied"
    number = first.json()["data"]["number"]
    assert [o["number"] for o in orders_of(agent, "13800138000")] == [number]


def test_concurrent_retries_of_one_mutation_make_one_work_order(platform, sign_in):
    agent = sign_in("agent")
    body = mutation("create", new_order("13900139000"))
    with ThreadPoolExecutor(6) as pool:
        answers = list(pool.map(lambda _: agent.post("/api/v1/mutations", json=body), range(6)))
    assert {r.status_code for r in answers} == {200}
    assert len({r.json()["data"]["number"] for r in answers}) == 1
    assert len(orders_of(agent, "13900139000")) == 1


def test_a_mutation_id_cannot_be_reused_by_another_user(platform, sign_in):
    body = mutation("create", new_order())
    assert sign_in("agent").post("/api/v1/mutations", json=body).status_code == 200
    r = sign_in("expert").post("/api/v1/mutations", json=body)
    assert r.status_code == 409 and r.json()["field"] == "id"


def test_order_numbers_are_the_day_and_a_daily_serial(platform, sign_in):
    agent = sign_in("agent")
    numbers = [agent.post("/api/v1/mutations", json=mutation("create", new_order())).json()["data"]["number"]
               for _ in range(3)]
    days = {n[:8] for n in numbers}
    assert len(days) == 1 and all(len(n) == 14 for n in numbers)
    serials = [int(n[8:]) for n in numbers]
    assert serials == sorted(serials) and serials[2] - serials[0] == 2


def test_close_at_intake_records_the_answer_and_the_timeline(platform, sign_in):
    agent = sign_in("agent", seat="A-07")
    created = agent.post("/api/v1/mutations", json=mutation("create", new_order(client_ref="L-A07-1"))).json()["data"]
    r = agent.post("/api/v1/mutations", json=mutation("close_at_intake", {"answer": "按口径答复"}, "L-A07-1"))
    assert r.status_code == 200
    closed = r.json()["data"]
    assert (closed["status"], closed["answer"], closed["version"]) == ("closed_at_intake", "按口径答复", 2)
    order = agent.get(f"/api/v1/work-orders/{created['number']}").json()
    assert [t["action"] for t in order["timeline"]] == ["create", "close_at_intake"]
    assert all(t["actor"] == "agent" for t in order["timeline"])


def test_reject_at_intake_keeps_the_reason_and_its_guidance(platform, sign_in):
    agent = sign_in("agent")
    number = agent.post("/api/v1/mutations", json=mutation("create", new_order())).json()["data"]["number"]
    r = agent.post("/api/v1/mutations", json=mutation("reject_at_intake", {"reason": "litigation"}, number))
    data = r.json()["data"]
    assert data["status"] == "rejected_at_intake" and data["reject_reason"] == "litigation"
    assert data["answer"] == NotAcceptedReason.litigation.guidance_zh


def test_dispatch_sets_the_lead_unit_and_a_working_day_deadline(platform, sign_in):
    agent = sign_in("agent")
    number = agent.post("/api/v1/mutations", json=mutation("create", new_order())).json()["data"]["number"]
    r = agent.post("/api/v1/mutations", json=mutation(
        "dispatch", {"handling_unit_id": "B02", "assisting_unit_ids": ["D01"], "working_days": 5}, number))
    assert r.status_code == 200, r.text
    data = r.json()["data"]
    assert (data["status"], data["handling_unit_id"], data["assisting_unit_ids"]) == ("dispatched", "B02", ["D01"])
    assert data["deadline"] > data["created_at"] and data["deadline"].endswith("+08:00")


def test_immediate_transfer_to_an_emergency_line(platform, sign_in):
    agent = sign_in("agent")
    number = agent.post("/api/v1/mutations", json=mutation("create", new_order())).json()["data"]["number"]
    r = agent.post("/api/v1/mutations", json=mutation(
        "transfer", {"target_unit_id": "E120", "note": "来电人突发胸痛", "three_way": True}, number))
    assert r.json()["data"]["status"] == "transferred" and r.json()["data"]["transfer_target"] == "E120"
    bad = agent.post("/api/v1/mutations", json=mutation("create", new_order()))
    r = agent.post("/api/v1/mutations", json=mutation("transfer", {"target_unit_id": "D01S01"},
                                                      bad.json()["data"]["number"]))
    assert r.status_code == 422 and r.json()["field"] == "payload.target_unit_id"


def test_an_illegal_transition_is_rejected_naming_both_states_and_remembered(platform, sign_in):
    agent = sign_in("agent")
    number = agent.post("/api/v1/mutations", json=mutation("create", new_order())).json()["data"]["number"]
    agent.post("/api/v1/mutations", json=mutation("close_at_intake", {"answer": "已答复"}, number))
    body = mutation("dispatch", {"handling_unit_id": "B02"}, number)
    r = agent.post("/api/v1/mutations", json=body)
    assert r.status_code == 409
    answer = r.json()
    assert answer["status"] == "rejected" and answer["error"] == "illegal_transition"
    assert "closed_at_intake" in answer["message"] and "dispatched" in answer["message"]
    assert answer["current"]["status"] == "closed_at_intake"
    again = agent.post("/api/v1/mutations", json=body)
    assert (again.status_code, again.json()) == (409, answer)


def test_a_callers_orders_are_listed_newest_first_and_found_by_any_number_form(platform, sign_in):
    agent = sign_in("agent")
    made = [agent.post("/api/v1/mutations", json=mutation("create", new_order("+86 150-0000-1111"))).json()["data"]
            for _ in range(3)]
    listed = orders_of(agent, "0086 15000001111")
    assert [o["number"] for o in listed] == [o["number"] for o in reversed(made)]
    assert orders_of(agent, "13700000000") == []
    caller = agent.get("/api/v1/callers/sip:15000001111@10.0.0.1").json()
    assert caller["known"] and caller["name"] == "张先生" and caller["phone"] == "15000001111"


BAD_CREATES = [
    ({"caller_phone": "12ab"}, "payload.caller_phone"),
    ({"category_id": "01"}, "payload.category_id"),
    ({"category_id": "999999"}, "payload.category_id"),
    ({"title": ""}, "payload.title"),
    ({"request_type": "gossip"}, "payload.request_type"),
    ({"surprise": 1}, "payload.surprise"),
]


@pytest.mark.parametrize(("change", "field"), BAD_CREATES)
def test_bad_input_names_the_field_and_the_reason(platform, sign_in, change, field):
    agent = sign_in("agent")
    r = agent.post("/api/v1/mutations", json=mutation("create", {**new_order(), **change}))
    assert r.status_code == 422, r.text
    assert r.json()["field"] == field and r.json()["message"].startswith(f"{field}: ")


def test_malformed_requests_get_4xx_never_500(platform, sign_in):
    agent = sign_in("agent")
    cases = [
        agent.post("/api/v1/mutations", content=b"{not json", headers={"content-type": "application/json"}),
        agent.post("/api/v1/mutations", json={"id": "not-a-uuid", "entity": "work_order", "op": "create"}),
        agent.post("/api/v1/mutations", json=mutation("fly", {})),
        agent.post("/api/v1/mutations", json=mutation("accept", {}, None)),
        agent.post("/api/v1/mutations", json=mutation("accept", {}, "20990101000001")),
        agent.get("/api/v1/work-orders", params={"phone": "hello"}),
        agent.get("/api/v1/work-orders", params={"phone": "13800138000", "limit": 0}),
        agent.get("/api/v1/changes", params={"after": -1}),
    ]
    assert [r.status_code for r in cases] == [422, 422, 422, 422, 404, 422, 422, 422]
    assert all(r.json()["message"] for r in cases)


def test_oversized_bodies_are_refused(platform, sign_in):
    agent = sign_in("agent")
    big = mutation("create", new_order(content="诉" * 700_000))
    r = agent.post("/api/v1/mutations", json=big)
    assert r.status_code == 413 and r.json()["error"] == "too_large"

    def chunks():  # no Content-Length: the limit must hold on the stream too
        yield b'{"id": "'
        for _ in range(300):
            yield b"x" * 8192
    r = agent.post("/api/v1/mutations", content=chunks(), headers={"content-type": "application/json"})
    assert r.status_code == 413


def test_every_read_of_an_order_or_a_caller_is_audited_with_user_and_seat(platform, sign_in):
    agent = sign_in("agent", seat="A-12")
    number = agent.post("/api/v1/mutations", json=mutation("create", new_order())).json()["data"]["number"]
    agent.get(f"/api/v1/work-orders/{number}")
    orders_of(agent, "13800138000")
    agent.get("/api/v1/callers/13800138000")
    items = sign_in("admin").get("/api/v1/audit").json()["items"]
    seen = [(i["username"], i["seat"], i["action"], i["entity"], i["entity_id"]) for i in items]
    assert seen == [("agent", "A-12", "read", "work_order", number),
                    ("agent", "A-12", "search_by_phone", "caller", "13800138000"),  # the search, whatever it finds
                    ("agent", "A-12", "list_by_phone", "work_order", number),
                    ("agent", "A-12", "read", "caller", "13800138000")]
