"""A hypothesis state machine interleaves the agent's edits, another agent's work on the platform,
injected faults and syncs. Whatever the interleaving, once the faults heal and the seat syncs,
every mutation it recorded reached the platform exactly once and the cache equals the platform."""
from __future__ import annotations

import asyncio
import shutil
import tempfile
import uuid
from pathlib import Path

import httpx
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, precondition, rule

from central.platform import Platform
from central.seed import DEMO_PASSWORD
from central.server import ThreadedPlatform
from offline_cache.store import CacheStore
from tests.conftest import Api
from tests.workstation.faults import FaultyTransport
from tests.workstation.test_sync import assert_consistent, new_order
from workstation.orders import OrderService
from workstation.platform_client import PlatformClient, PlatformError, PlatformUnreachable
from workstation.sync import Backoff, SyncService

FAULTS = ["connect", "server_error", "lost_answer", "duplicate"]


class SeatAgainstPlatform(RuleBasedStateMachine):
    platform: ThreadedPlatform  # one platform for all examples; each example is a new seat
    other: Api
    seat_view: Api  # the seat's own user, who sees the platform's orders as the seat may hold them

    @initialize()
    def new_seat(self) -> None:
        self.loop = asyncio.new_event_loop()
        self.folder = Path(tempfile.mkdtemp(prefix="seat-"))
        self.store = CacheStore(self.folder / "cache.db")
        self.faults = FaultyTransport(httpx.AsyncHTTPTransport())
        self.client = PlatformClient(self.platform.url, transport=self.faults, timeout=5.0)
        self.run(self.client.sign_in("agent", DEMO_PASSWORD, "P-01"))
        self.sync = SyncService(self.store, self.client, page_size=20, backoff=Backoff(base_s=0.005, cap_s=0.05))
        self.orders = OrderService(self.sync, "P-01")
        self.made: list[str] = []
        self.open: list[str] = []

    def run(self, coro, timeout: float = 30.0):  # noqa: ANN001, ANN201
        return self.loop.run_until_complete(asyncio.wait_for(coro, timeout))

    @rule(close=st.booleans())
    def agent_records_an_order(self, close: bool) -> None:
        then = ("close_at_intake", {"answer": "已答复"}) if close else None
        number = self.run(self.orders.create(new_order(len(self.made)), then=then))
        self.made.append(number)
        if not close:
            self.open.append(number)

    @precondition(lambda self: self.open)
    @rule(data=st.data())
    def agent_closes_an_open_order(self, data) -> None:  # noqa: ANN001
        key = self.open.pop(data.draw(st.integers(0, len(self.open) - 1)))
        self.run(self.orders.act(key, "close_at_intake", {"answer": "补充答复"}))

    @rule()
    def another_agent_works_on_the_platform(self) -> None:
        r = self.other.post("/api/v1/mutations", json={"id": str(uuid.uuid4()), "entity": "work_order",
                                                       "op": "create", "payload": new_order(phone="13900139000")})
        assert r.status_code == 200

    @rule(kind=st.sampled_from(FAULTS), times=st.integers(1, 3), path=st.sampled_from(
        ["/api/v1/mutations", "/api/v1/changes", "/api/v1/snapshot"]))
    def a_fault_is_armed(self, kind: str, times: int, path: str) -> None:
        self.faults.arm(kind, path=path, times=times)

    @rule(down=st.booleans())
    def the_link_goes(self, down: bool) -> None:
        self.faults.down = down

    @precondition(lambda self: not self.faults.down)
    @rule()
    def the_seat_syncs(self) -> None:
        self.run(self.sync.upload_all())  # retries until every mutation is decided
        try:
            self.run(self.sync.download_all())
        except (PlatformUnreachable, PlatformError):
            pass  # an injected fault: the service's download loop would try again later

    def teardown(self) -> None:
        if not hasattr(self, "store"):
            return
        try:
            self.faults.down = False
            self.faults.faults.clear()
            self.run(self.sync.upload_all())
            try:
                self.run(self.sync.download_all())
            except PlatformUnreachable:  # an idle connection the server had closed: once more
                self.run(self.sync.download_all())
            assert_consistent(self.sync, self.seat_view, self.made)
        finally:
            self.run(self.sync.stop())
            self.run(self.client.close())
            self.loop.close()
            self.store.close()
            shutil.rmtree(self.folder, ignore_errors=True)


def test_any_interleaving_of_edits_faults_and_syncs_converges(db_url):
    server = ThreadedPlatform(Platform(db_url)).start()
    SeatAgainstPlatform.platform = server
    SeatAgainstPlatform.other = Api(server.url, "agent2", "P-02")
    SeatAgainstPlatform.seat_view = Api(server.url, "agent", "P-01")
    try:
        run = SeatAgainstPlatform.TestCase()
        run.settings = settings(max_examples=12, stateful_step_count=12, deadline=None, derandomize=True,
                                database=None, suppress_health_check=list(HealthCheck))
        run.runTest()
    finally:
        SeatAgainstPlatform.other.client.close()
        SeatAgainstPlatform.seat_view.client.close()
        server.stop()
