"""Whatever a client sends, the platform answers with a status a client can act on, never a 500."""
from __future__ import annotations

import json
from urllib.parse import quote

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

json_scalars = st.none() | st.booleans() | st.integers(-2**70, 2**70) | st.floats(allow_nan=False, allow_infinity=False) | st.text(max_size=30)
json_values = st.recursive(json_scalars, lambda inner: st.lists(inner, max_size=4)
                           | st.dictionaries(st.text(max_size=10), inner, max_size=4), max_leaves=12)
PAYLOAD_KEYS = ["request_type", "urgency", "category_id", "title", "content", "caller_phone", "requester_name",
                "confidential", "client_ref", "status", "answer", "reason", "target_unit_id", "handling_unit_id",
                "assisting_unit_ids", "working_days", "three_way", "note"]
payloads = st.dictionaries(st.sampled_from(PAYLOAD_KEYS), json_values, max_size=8)
mutations = st.fixed_dictionaries(
    {"id": st.uuids().map(str) | st.text(max_size=40), "entity": st.sampled_from(["work_order", "caller", ""]),
     "op": st.sampled_from(["create", "accept", "close_at_intake", "reject_at_intake", "dispatch", "transfer", "x"])},
    optional={"entity_id": st.none() | st.text(max_size=20), "base_version": json_values, "payload": payloads})

# derandomize: CI runs the same examples every time; the @example cases pin what was found before
SETTINGS = settings(max_examples=120, deadline=None, derandomize=True, database=None,
                    suppress_health_check=[HealthCheck.function_scoped_fixture])
NEW = {"request_type": "consultation", "category_id": "010101", "title": "t", "content": "c",
       "caller_phone": "13800138000"}


@SETTINGS
@given(body=mutations | json_values)
@example(body={"id": "e3e70682-c209-4cac-629f-6fbed82c07cd", "entity": "work_order", "op": "create",
               "payload": {**NEW, "title": "a\x00b"}})
@example(body={"id": "e3e70682-c209-4cac-629f-6fbed82c07ce", "entity": "work_order", "op": "create",
               "payload": {**NEW, "content": "\ud800"}})
@example(body={"id": "e3e70682-c209-4cac-629f-6fbed82c07cf", "entity": "work_order\x00", "op": "create\x00",
               "entity_id": "\x00"})
def test_any_mutation_body_gets_an_answer_below_500(platform, sign_in, body):
    agent = _agent(sign_in)
    # json.dumps escapes non-ASCII, so even a lone surrogate reaches the server as valid JSON
    r = agent.post("/api/v1/mutations", content=json.dumps(body).encode(), headers={"content-type": "application/json"})
    assert r.status_code < 500, r.text
    assert r.status_code in (200, 404, 409, 422), r.text
    assert r.json().get("message") or r.json().get("status") == "applied"


# control characters cannot be sent in a URL at all (the client refuses them)
url_text = st.text(st.characters(blacklist_categories=("Cc", "Cs")), min_size=1, max_size=30)


@settings(SETTINGS, max_examples=50)
@given(phone=st.text(max_size=40), after=st.text(max_size=8), key=url_text)
@example(phone="\x00", after="\x00", key="\x00")
def test_any_query_gets_an_answer_below_500(platform, sign_in, phone, after, key):
    agent = _agent(sign_in)
    for r in (agent.get("/api/v1/work-orders", params={"phone": phone}),
              agent.get("/api/v1/changes", params={"after": after}),
              agent.get(f"/api/v1/work-orders/{quote(key, safe='')}"),
              agent.get("/api/v1/snapshot/work_order", params={"after": phone})):
        assert r.status_code < 500, r.text


_agents: dict[int, object] = {}


def _agent(sign_in):  # noqa: ANN001, ANN202
    """Sign in once per platform, not once per example (argon2 is slow on purpose)."""
    key = id(sign_in)
    if key not in _agents:
        _agents.clear()
        _agents[key] = sign_in("agent")
    return _agents[key]
