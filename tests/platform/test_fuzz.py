"""Whatever a client sends, the platform answers with a status a client can act on, never a 500."""
from __future__ import annotations

from urllib.parse import quote

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

json_scalars = st.none() | st.booleans() | st.integers(-2**70, 2**70) | st.floats(allow_nan=False) | st.text(max_size=30)
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

SETTINGS = settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


@SETTINGS
@given(body=mutations | json_values)
def test_any_mutation_body_gets_an_answer_below_500(platform, sign_in, body):
    agent = _agent(sign_in)
    r = agent.post("/api/v1/mutations", json=body)
    assert r.status_code < 500, r.text
    assert r.status_code in (200, 404, 409, 422), r.text
    assert r.json().get("message") or r.json().get("status") == "applied"


# control characters cannot be sent in a URL at all (the client refuses them)
url_text = st.text(st.characters(blacklist_categories=("Cc", "Cs")), min_size=1, max_size=30)


@settings(SETTINGS, max_examples=50)
@given(phone=st.text(max_size=40), after=st.text(max_size=8), key=url_text)
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
