"""The per-user event stream: a call is announced only to the agent it is offered to; unanswered
offers move on; callers who run out of patience abandon; the feed head is announced to everyone."""
from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager

import pytest

from tests.platform.test_work_orders import mutation, new_order


class Stream:
    """Reads server-sent events off a live response, one event at a time."""

    def __init__(self, response) -> None:
        self.lines = response.iter_lines()

    def next(self) -> tuple[str, dict]:
        event, data = None, None
        for line in self.lines:
            if line.startswith("event: "):
                event = line[7:]
            elif line.startswith("data: "):
                data = json.loads(line[6:])
            elif line == "" and event is not None:
                return event, data
        raise AssertionError("the event stream ended")

    def until(self, predicate) -> list[tuple[str, dict]]:
        """Every event up to and including the first that satisfies predicate."""
        seen = []
        while True:
            item = self.next()
            seen.append(item)
            if predicate(*item):
                return seen


@contextmanager
def events(api) -> Iterator[Stream]:
    with api.stream("GET", "/api/v1/events", timeout=10.0) as response:
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/event-stream")
        stream = Stream(response)
        assert stream.next()[0] == "hello"
        yield stream


def calls_in(items: list[tuple[str, dict]]) -> list[tuple[str, str]]:
    return [(d["type"], d["call_id"]) for e, d in items if e == "call"]


def queue_where(key: str, value: int):
    return lambda e, d: e == "queue" and d[key] == value


def test_each_agent_hears_only_the_calls_offered_to_their_seat(platform, sign_in):
    a, b, lead = sign_in("agent", "A-01"), sign_in("agent2", "A-02"), sign_in("lead", "L-01")
    with events(a) as sa, events(b) as sb:
        assert a.post("/api/v1/agent/state", json={"state": "ready"}).status_code == 200
        assert b.post("/api/v1/agent/state", json={"state": "ready"}).status_code == 200
        first = lead.post("/api/v1/calls", json={"caller_phone": "13800138000"}).json()
        second = lead.post("/api/v1/calls", json={"caller_phone": "+86 139 0013 9000"}).json()
        assert first["agent_id"] == a.session["user"]["id"] and second["agent_id"] == b.session["user"]["id"]

        seen_a = sa.until(queue_where("offered", 2))
        seen_b = sb.until(queue_where("offered", 2))
        assert calls_in(seen_a) == [("ringing", first["call_id"])]
        assert calls_in(seen_b) == [("ringing", second["call_id"])]
        ringing = next(d for e, d in seen_b if e == "call")
        assert ringing["caller_number"] == "13900139000" and ringing["queue"] == "12345"

        assert a.post(f"/api/v1/calls/{first['call_id']}/answer").status_code == 200
        assert b.post(f"/api/v1/calls/{first['call_id']}/answer").status_code == 409
        assert a.post(f"/api/v1/calls/{first['call_id']}/hangup").status_code == 200
        tail_a = sa.until(lambda e, d: e == "call" and d["type"] == "ended")
        assert calls_in(tail_a) == [("answered", first["call_id"]), ("ended", first["call_id"])]
        assert tail_a[-1][1]["reason"] == "agent_hangup"
        # B heard nothing of A's call: the next call event B sees is about B's own
        assert b.post(f"/api/v1/calls/{second['call_id']}/answer").status_code == 200
        assert calls_in(sb.until(lambda e, d: e == "call")) == [("answered", second["call_id"])]


@pytest.mark.parametrize("platform_options", [{"ring_timeout_s": 0.3}])
def test_an_unanswered_offer_moves_to_the_next_agent(platform, sign_in):
    a, b, lead = sign_in("agent"), sign_in("agent2"), sign_in("lead")
    with events(a) as sa, events(b) as sb:
        a.post("/api/v1/agent/state", json={"state": "ready"})
        b.post("/api/v1/agent/state", json={"state": "ready"})
        call = lead.post("/api/v1/calls", json={"caller_phone": "13800138000"}).json()["call_id"]
        ended = sa.until(lambda e, d: e == "call" and d["type"] == "ended")
        assert calls_in(ended) == [("ringing", call), ("ended", call)] and ended[-1][1]["reason"] == "ring_timeout"
        assert calls_in(sb.until(lambda e, d: e == "call")) == [("ringing", call)]
        # the agent who let it ring is no longer offered calls until ready again, and is told so
        assert lead.get("/api/v1/queue").json()["agents"]["not_ready"] == 1
        told = [d for e, d in sa.until(lambda e, d: e == "agent" and d["state"] == "not_ready") if e == "agent"]
        assert (told[-1]["state"], told[-1]["reason"]) == ("not_ready", "no_answer")
    with events(a) as again:  # a new stream starts with the state as it is
        kind, data = again.next()
        assert kind == "agent" and (data["state"], data["reason"]) == ("not_ready", "no_answer")


def test_the_agent_hears_each_state_the_platform_puts_the_seat_in(platform, sign_in):
    agent, lead = sign_in("agent"), sign_in("lead")
    with events(agent) as stream:
        agent.post("/api/v1/agent/state", json={"state": "ready"})
        call = lead.post("/api/v1/calls", json={"caller_phone": "13800138000"}).json()["call_id"]
        seen = stream.until(lambda e, d: e == "call" and d["type"] == "ringing")
        assert agent.post(f"/api/v1/calls/{call}/answer").status_code == 200
        assert agent.post(f"/api/v1/calls/{call}/hangup").status_code == 200
        seen += stream.until(lambda e, d: e == "agent" and d["state"] == "after_call_work")
        states = [(d["state"], d["reason"]) for e, d in seen if e == "agent"]
        # the first is the state at the stream's start: a seat the router does not know yet is not ready
        assert states == [("not_ready", ""), ("ready", ""), ("after_call_work", "")]
        assert [d["call_id"] for e, d in seen if e == "agent"] == [None, None, None]  # hung up: no call
        agent.post("/api/v1/agent/state", json={"state": "not_ready", "reason": "training"})
        assert stream.until(lambda e, d: e == "agent")[-1][1]["reason"] == "training"


def test_a_caller_who_runs_out_of_patience_abandons(platform, sign_in):
    lead = sign_in("lead")
    with events(lead) as stream:
        lead.post("/api/v1/calls", json={"caller_phone": "13800138000", "patience_s": 0.2})
        seen = stream.until(queue_where("abandoned", 1))
    assert seen[-1][1]["waiting"] == 0 and seen[-1][1]["answered"] == 0


def test_a_change_is_announced_on_every_stream(platform, sign_in):
    agent, expert = sign_in("agent"), sign_in("expert")
    with events(agent) as s1, events(expert) as s2:
        created = agent.post("/api/v1/mutations", json=mutation("create", new_order()))
        assert created.status_code == 200
        for stream in (s1, s2):
            _, data = stream.until(lambda e, d: e == "changes")[-1]
            head = agent.get("/api/v1/changes", params={"after": data["seq"] - 1}).json()["changes"]
            assert head[-1]["id"] == created.json()["data"]["number"]


@pytest.mark.parametrize("platform_options", [{"calls_per_hour": 36000, "seed": 7}])
def test_the_simulator_offers_poisson_arrivals_to_a_ready_agent(platform, sign_in):
    agent = sign_in("agent")
    with events(agent) as stream:
        agent.post("/api/v1/agent/state", json={"state": "ready"})
        ringing = stream.until(lambda e, d: e == "call" and d["type"] == "ringing")[-1][1]
        assert ringing["caller_number"].isdigit() and ringing["queue"] == "12345"
        assert agent.post(f"/api/v1/calls/{ringing['call_id']}/answer").status_code == 200
        # more callers keep arriving and wait while the only agent talks
        stream.until(lambda e, d: e == "queue" and d["waiting"] >= 2)
