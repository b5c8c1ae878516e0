"""Several platform processes on one PostgreSQL database (central/cluster.py, issue 16): every event
reaches every stream it should, whichever worker holds the stream and whichever took the request;
the call router runs in one worker and is taken over within seconds when that worker is killed.
Real `hotline-central serve --cluster` processes on loopback ports, a real PostgreSQL server."""
from __future__ import annotations

import asyncio
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager

import httpx
import pytest

from central.server import bind_loopback
from tests.conftest import Api, _pg_admin
from tests.platform.test_events import Stream
from tests.platform.test_work_orders import mutation, new_order

START_S = 60.0  # a worker that has not answered its health check by then failed to start
TAKEOVER_S = 20.0  # give up waiting for another worker to take the router over


class Worker:
    """`hotline-central serve --cluster` in its own process, on its own loopback port."""

    def __init__(self, db_url: str, keys: str, log_path: str) -> None:
        probe = bind_loopback(0)
        self.port = probe.getsockname()[1]
        probe.close()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = open(log_path, "w")  # noqa: SIM115 - closed in stop()
        self.proc = subprocess.Popen([sys.executable, "-m", "central.cli", "serve", "--cluster", "--db", db_url,
                                      "--port", str(self.port), "--token-keys", keys],
                                     stdout=self.log, stderr=subprocess.STDOUT)

    def health(self) -> dict | None:
        try:
            r = httpx.get(f"{self.url}/api/v1/health", timeout=2.0)
        except httpx.HTTPError:
            return None
        return r.json() if r.status_code == 200 else None

    def wait_up(self) -> None:
        give_up = time.monotonic() + START_S
        while self.health() is None:
            assert self.proc.poll() is None, f"the worker ended with {self.proc.returncode}"
            assert time.monotonic() < give_up, "the worker did not start"
            time.sleep(0.1)  # a child process starting: nothing to wait on but its port

    def kill(self) -> None:
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(10)

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
        self.log.close()


@pytest.fixture
def cluster_db(pg_server, pg_template) -> str:
    name = f"c_{uuid.uuid4().hex[:12]}"
    asyncio.run(_pg_admin(pg_server, f"CREATE DATABASE {name} TEMPLATE {pg_template}"))
    return f"{pg_server}/{name}"


@pytest.fixture
def start_workers(cluster_db, tmp_path):
    made: list[Worker] = []

    def start(n: int) -> list[Worker]:
        workers = [Worker(cluster_db, str(tmp_path / "keys"), str(tmp_path / f"worker{len(made) + i}.log"))
                   for i in range(n)]
        made.extend(workers)
        for worker in workers:
            worker.wait_up()
        return workers
    # the key file, made before the workers start so that they do not race to make it
    subprocess.run([sys.executable, "-m", "central.cli", "keys", "new", "--file", str(tmp_path / "keys")],
                   check=True, capture_output=True)
    yield start
    for worker in made:
        worker.stop()


def leader(workers: list[Worker]) -> Worker:
    """The worker that holds the router, once exactly one does."""
    give_up = time.monotonic() + TAKEOVER_S
    while True:
        leading = [w for w in workers if w.proc.poll() is None and (w.health() or {}).get("leads")]
        if len(leading) == 1:
            return leading[0]
        assert time.monotonic() < give_up, f"{len(leading)} workers hold the router"
        time.sleep(0.1)  # other processes taking a lease: nothing to wait on but their answers


@contextmanager
def stream_at(worker: Worker, api: Api) -> Iterator[Stream]:
    """The user's event stream, held by this worker; returns once the router's state reached it."""
    with httpx.Client(base_url=worker.url, timeout=30.0, headers={"Authorization": api.headers["Authorization"]}) \
            as client, client.stream("GET", "/api/v1/events") as response:
        assert response.status_code == 200
        stream = Stream(response)
        assert stream.next()[0] == "hello"
        stream.until(lambda e, d: e == "agent")  # from the router, wherever it runs
        yield stream


def at(worker: Worker, username: str, seat: str) -> Api:
    return Api(worker.url, username, seat)


def ringing(stream: Stream) -> str:
    return stream.until(lambda e, d: e == "call" and d["type"] == "ringing")[-1][1]["call_id"]


def test_two_workers_deliver_every_event_to_every_stream(start_workers):
    a, b = start_workers(2)
    leader([a, b])
    agent, agent2, lead = at(b, "agent", "A-01"), at(a, "agent2", "A-02"), at(a, "lead", "L-01")
    with ExitStack() as stack:
        for api in (agent, agent2, lead):
            stack.callback(api.client.close)
        # each stream in the other worker than the one its user's requests go to
        s1 = stack.enter_context(stream_at(a, agent))
        s2 = stack.enter_context(stream_at(b, agent2))
        s3 = stack.enter_context(stream_at(b, lead))
        for api in (agent, agent2):
            assert api.post("/api/v1/agent/state", json={"state": "ready"}).status_code == 200
        calls = {lead.post("/api/v1/calls", json={"caller_phone": phone}).json()["call_id"]
                 for phone in ("13800138000", "13900139000")}
        assert {ringing(s1), ringing(s2)} == calls  # every call rang, one at each agent

        lead_b = at(b, "lead", "L-02")
        stack.callback(lead_b.client.close)
        queues = [api.get("/api/v1/queue").json() for api in (lead, lead_b)]  # asked of each worker
        assert queues[0]["agents"] == queues[1]["agents"] and queues[0]["agents"]["ringing"] == 2
        board = lead.get("/api/v1/wallboard").json()
        states = {x["username"]: x["state"] for x in board["agents"]}
        assert states["agent"] == states["agent2"] == "ringing"

        number = agent.post("/api/v1/mutations", json=mutation("create", new_order())).json()["data"]["number"]
        for stream in (s1, s2, s3):  # the change, from worker b, on the streams of both
            stream.until(lambda e, d: e == "changes" and any(c["id"] == number for c in d.get("changes", ())))

        assert agent2.post("/api/v1/auth/sign-out-everywhere").status_code == 200  # asked of worker a
        with pytest.raises(AssertionError, match="ended"):
            s2.until(lambda e, d: False)  # its stream in worker b ended


def test_the_router_is_taken_over_when_its_worker_dies(start_workers):
    workers = start_workers(3)
    owner = leader(workers)
    others = [w for w in workers if w is not owner]
    agent, lead = at(others[0], "agent", "A-01"), at(others[1], "lead", "L-01")
    with ExitStack() as stack:
        stack.callback(agent.client.close)
        stack.callback(lead.client.close)
        stream = stack.enter_context(stream_at(others[1], agent))
        assert agent.post("/api/v1/agent/state", json={"state": "ready"}).status_code == 200
        first = lead.post("/api/v1/calls", json={"caller_phone": "13800138000"}).json()["call_id"]
        assert ringing(stream) == first
        assert agent.post(f"/api/v1/calls/{first}/answer").status_code == 200
        assert agent.post(f"/api/v1/calls/{first}/hangup").status_code == 200
        assert agent.post("/api/v1/agent/state", json={"state": "ready"}).status_code == 200
        stream.until(lambda e, d: e == "agent" and d["state"] == "ready")

        owner.kill()
        successor = leader(others)
        # the new holder says what it knows of the agent: still ready
        state = stream.until(lambda e, d: e == "agent")[-1][1]
        assert state["state"] == "ready" and state["call_id"] is None
        second = lead.post("/api/v1/calls", json={"caller_phone": "13900139000"})
        assert second.status_code == 201, second.text
        assert ringing(stream) == second.json()["call_id"]
        assert successor.health()["leads"]


def test_events_too_large_for_a_notify_arrive_in_order(cluster_db):
    """PostgreSQL's NOTIFY takes at most 8,000 bytes: a larger event goes through the spill table,
    and the events after it still come after it. Two platforms in this process, one database."""
    from central.platform import Platform
    from central.server import ThreadedPlatform

    a = ThreadedPlatform(Platform(cluster_db, cluster_address="http://127.0.0.1:9")).start()
    b = ThreadedPlatform(Platform(cluster_db, cluster_address="http://127.0.0.1:9")).start()
    try:
        async def subscribe():  # noqa: ANN202
            return b.platform.broker.subscribe(4242, role="agent")
        sub = b.run_coroutine(subscribe())
        give_up = time.monotonic() + TAKEOVER_S
        while not a.run_coroutine(asyncio.sleep(0, a.platform.broker.is_connected(4242))):
            assert time.monotonic() < give_up, "the other worker never heard of the stream"
            time.sleep(0.05)  # another worker's presence: nothing here to wait on but its answer
        big = "长" * 4000  # 12,000 bytes in UTF-8

        async def publish():  # noqa: ANN202
            for n, text in enumerate(("before", big, "after")):
                a.platform.broker.publish(4242, "note", {"n": n, "text": text})
        a.run_coroutine(publish())

        async def take(count: int):  # noqa: ANN202
            got = []
            while len(got) < count:
                got += [e for e in await sub.wait(10.0) if e.name == "note"]  # not the queue's figures
            return got
        got = b.run_coroutine(take(3))
        assert [(e.name, e.data["n"]) for e in got] == [("note", 0), ("note", 1), ("note", 2)]
        assert got[1].data["text"] == big and a.platform.cluster.spilled == 1
    finally:
        a.stop()
        b.stop()
