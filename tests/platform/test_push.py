"""The `changes` event carries the changed rows each reader may see (central/push.py): the same rows
its own read of the change feed would give, so that a seat need not read the feed for each one;
a reader who took an order gets it whole, another agent masked, a unit only its own orders; what
was sent is audited. The real platform over loopback, real event streams."""
from __future__ import annotations

from contextlib import ExitStack

from tests.platform.test_events import events
from tests.platform.test_least_data import PHONE, STREET, audited
from tests.platform.test_lifecycle import db_run, desk, sim_clock  # noqa: F401 - fixtures
from tests.platform.test_work_orders import new_order


def pushed_until(stream, head: int) -> tuple[int, list[dict]]:  # noqa: ANN001
    """The rows of the `changes` events up to the one that reaches `head`, checking that each
    event starts where the one before it ended; returns where the first started and the rows."""
    first, rows, at = None, [], None
    while at is None or at < head:
        _, data = stream.until(lambda e, d: e == "changes")[-1]
        assert "changes" in data, "a stream of a known reader is sent the rows"
        if first is None:
            first = data["after"]
        else:
            assert data["after"] == at, "no gap between two announcements"
        rows += data["changes"]
        at = data["seq"]
    return first, rows


def test_each_stream_is_sent_the_changed_rows_its_reader_may_see(platform, desk, sim_clock):  # noqa: F811
    taker, dispatcher = desk("agent"), desk("dispatcher")
    readers = {name: desk(name) for name in ("agent", "agent2", "unit_b02", "unit_b04")}
    with ExitStack() as stack:
        streams = {name: stack.enter_context(events(api)) for name, api in readers.items()}
        number = taker.ok("create", None, **new_order(PHONE, requester_name="王小明", address_street=STREET))["number"]
        dispatcher.ok("dispatch", number, handling_unit_id="B02", working_days=3)
        head = taker.get("/api/v1/changes", params={"after": 0, "limit": 5000}).json()["cursor"]
        pushed = {name: pushed_until(stream, head) for name, stream in streams.items()}

    sent_to_other = audited(platform, "agent2", "feed")  # before any reader reads the feed itself
    assert ("work_order", number) in sent_to_other and ("caller", PHONE) in sent_to_other
    assert not any(e == "work_order" for e, _ in audited(platform, "unit_b04", "feed"))

    for name, (after, rows) in pushed.items():  # exactly what the reader's own read of the feed gives
        pulled = readers[name].get("/api/v1/changes", params={"after": after, "limit": 5000}).json()["changes"]
        assert rows == [c for c in pulled if c["seq"] <= head], name

    def orders(name: str) -> list[dict]:
        return [c["data"] for c in pushed[name][1] if c["entity"] == "work_order" and c["id"] == number]
    assert orders("agent")[-1]["requester_name"] == "王小明" and orders("agent")[-1]["address_street"] == STREET
    masked = orders("agent2")[-1]
    assert masked["requester_name"] == "" and masked["caller_phone"] == "139****5678" and masked["caller_lookup"]
    assert any(c["entity"] == "caller" for c in pushed["agent2"][1])
    assert [o["status"] for o in orders("unit_b02")] == ["dispatched"]  # not the order before it was its own
    assert not any(c["entity"] == "caller" for c in pushed["unit_b02"][1])
    assert orders("unit_b04") == []
