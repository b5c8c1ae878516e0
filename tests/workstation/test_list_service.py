"""Every list the desk shows keeps one contract (workstation.list_service): the same attributes and
signals, a refresh planned by `refresh_soon` that many requests share, and a `close` that undoes
every subscription, harmless twice."""
from __future__ import annotations

import asyncio

import pytest

from workstation.desk_lists import ReviewService, SupervisionService, WallboardService
from workstation.escalations import EscalationService
from workstation.list_service import ListService
from workstation.missed_calls import MissedCallService
from workstation.observable import Signal
from workstation.worklists import CallbackQueue, MyOrders

SERVICES = [MyOrders, CallbackQueue, MissedCallService, EscalationService, ReviewService, SupervisionService,
            WallboardService]


def _listeners(sync) -> int:  # noqa: ANN001
    return sum(len(s) for s in (sync.event, sync.link_changed, sync.outbox_changed, sync.rejections_changed,
                                sync.synced))


@pytest.mark.asyncio
@pytest.mark.parametrize("kind", SERVICES, ids=lambda k: k.__name__)
async def test_every_list_keeps_the_contract_and_closes_cleanly(kind, client, sync):
    before = _listeners(sync)
    service = kind(client, sync)
    assert isinstance(service, ListService)
    assert (service.fetched_at, service.offline, service.offline_since, service.error, service.allowed) == \
        (None, False, None, "", True)
    assert isinstance(service.changed, Signal) and isinstance(service.rejected, Signal)
    assert _listeners(sync) > before
    service.close()
    service.close()
    assert _listeners(sync) == before


class Counting(ListService):
    """A list whose read waits for the test to let it finish (`release`), so "during the read" is a
    state the test holds, not a moment it hopes to hit."""

    name = "counting"

    def __init__(self, client, sync) -> None:  # noqa: ANN001
        super().__init__(client, sync, refresh_delay_s=0.0)
        self.reads = 0
        self.reading = asyncio.Event()
        self.release = asyncio.Event()

    async def refresh(self) -> None:
        self.reads += 1
        self.reading.set()
        await self.release.wait()
        self.release.clear()
        self._fresh()
        self.changed.emit()


@pytest.mark.asyncio
async def test_requests_before_the_read_share_it_and_one_during_it_brings_one_more(client, sync):
    service = Counting(client, sync)
    for _ in range(5):
        service.refresh_soon()
    await service.reading.wait()
    service.reading.clear()
    for _ in range(3):
        service.refresh_soon()  # while the read is on its way: it may have begun before what changed
    service.release.set()
    await service.reading.wait()  # the one more read
    planned = service._soon  # the task that plans the reads: it ends when none is asked for
    service.release.set()
    await planned
    assert service.reads == 2 and service.fetched_at is not None
    service.close()


@pytest.mark.asyncio
async def test_a_closed_list_plans_no_read(client, sync):
    service = Counting(client, sync)
    service.close()
    service.refresh_soon()
    assert service._soon is None and service.reads == 0  # nothing planned
