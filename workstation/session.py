"""A signed-in seat: its cache, its sync service and the services the UI calls (work orders, calls,
missed calls, escalations, the knowledge base, the catalog, caller history), opened at sign-in and
closed at sign-out. The UI reaches the cache and the platform only through these."""
from __future__ import annotations

import asyncio
import logging
import re
from pathlib import Path

from offline_cache.store import CacheStore, PendingMutations, cache_path
from workstation.callers import CallerService
from workstation.calls import CallService
from workstation.catalog import CatalogService
from workstation.escalations import EscalationService
from workstation.knowledge import KnowledgeService
from workstation.missed_calls import MissedCallService
from workstation.orders import OrderService
from workstation.platform_client import PlatformClient
from workstation.sync import SyncService
from workstation.telephony.settings import TelephonySettings, make_source

log = logging.getLogger(__name__)


def seat_name(raw: str) -> str:
    """A seat id usable in provisional numbers: letters, digits, '.', '_', '-'."""
    cleaned = re.sub(r"[^A-Za-z0-9._-]+", "-", raw).strip("-._")
    return cleaned or "seat"


class SeatSession:
    def __init__(self, client: PlatformClient, store: CacheStore, seat: str,
                 telephony: TelephonySettings | None = None, telephony_secret: str = "", **sync_options) -> None:
        self.client, self.store, self.seat = client, store, seat_name(seat)
        self.sync = SyncService(store, client, **sync_options)
        self.orders = OrderService(self.sync, self.seat)
        self.telephony = telephony or TelephonySettings()
        self.calls = CallService(client, self.sync, make_source(self.telephony, client, self.sync, telephony_secret))
        self.missed_calls = MissedCallService(client, self.sync)
        self.escalations = EscalationService(client, self.sync)
        self.knowledge = KnowledgeService(self.sync)
        self.catalog = CatalogService(self.sync)
        self.callers = CallerService(client, self.sync)

    @classmethod
    async def open(cls, client: PlatformClient, seat: str, data_dir: Path | None = None,
                   **options) -> SeatSession:
        """Open (or create) the signed-in user's cache and start syncing."""
        assert client.session is not None, "sign in first"
        path = cache_path(data_dir, client.address, str(client.session.user.get("username", "user")))
        store = await asyncio.to_thread(CacheStore, path)  # a migration may take a moment
        session = cls(client, store, seat, **options)
        await session.sync.warm_up()
        session.sync.start()
        await session.calls.start()
        log.info("seat session open (cache %s)", path.name)
        return session

    async def use_telephony(self, settings: TelephonySettings, secret: str = "") -> None:
        """Take calls from another source from now on (raises TelephonyError during a call)."""
        await self.calls.use_source(make_source(settings, self.client, self.sync, secret))
        self.telephony = settings

    def _close_lists(self) -> None:
        self.missed_calls.close()
        self.escalations.close()

    async def close(self) -> None:
        self._close_lists()
        await self.calls.stop()
        await self.sync.stop()
        self.store.close()

    async def sign_out(self, *, wipe: bool = False, force: bool = False, upload_timeout_s: float = 10.0) -> None:
        """Sign out; on a shared seat also wipe the cache. Pending changes are uploaded first;
        those that cannot be raise PendingMutations (with the count) unless `force` says the agent
        was told and agreed to lose them."""
        await self.calls.flush()  # its last call reports go into the outbox before the upload
        if self.store.outbox_size():
            try:
                async with asyncio.timeout(upload_timeout_s):
                    await self.sync.upload_all()
            except TimeoutError:
                log.warning("sign-out: %d change(s) could not be uploaded", self.store.outbox_size())
        pending = self.store.outbox_size()
        if wipe and pending and not force:
            raise PendingMutations(pending)
        self._close_lists()
        await self.calls.stop()
        await self.sync.stop()
        await self.client.sign_out()
        if wipe:
            self.store.wipe(force=force)
        else:
            self.store.close()
