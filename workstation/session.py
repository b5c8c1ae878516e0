"""A signed-in seat: its cache, its sync service and the services the UI calls (work orders, calls,
missed calls, escalations, the knowledge base, the catalog, caller history, the agent texts), opened
at sign-in and closed at sign-out. The UI reaches the cache and the platform only through these.

The cache is encrypted (offline_cache.cipher) with a key made at its creation and kept in the OS
keyring only (`Credentials.load_cache_key`). Without a keyring nothing could keep it but a file
beside the cache, which would protect nothing: the key then lives in this process's memory only,
and the next launch cannot read the cache it left, so it starts a fresh one (rescuing the outbox
from its journal, as for a damaged cache) and syncs it in full; without a keyring the password is
asked at every launch anyway, so the seat never starts offline there."""
from __future__ import annotations

import asyncio
import json
import logging
import re
from pathlib import Path

from offline_cache import cipher
from offline_cache.lock import CacheInUse
from offline_cache.recovery import CacheRecovery
from offline_cache.store import CacheStore, PendingMutations, cache_path
from workstation.agent_state import AgentStateService
from workstation.callers import CallerService
from workstation.calls import CallService
from workstation.catalog import CatalogService
from workstation.credentials import Credentials, KeyringFailed
from workstation.escalations import EscalationService
from workstation.knowledge import KnowledgeService
from workstation.missed_calls import MissedCallService
from workstation.orders import OrderService
from workstation.platform_client import PlatformClient
from workstation.sync import SyncService
from workstation.telephony.settings import TelephonySettings, make_source
from workstation.texts import TextService
from workstation.today import TodayService

log = logging.getLogger(__name__)


__all__ = ["CacheInUse", "CacheRecovery", "NoOfflineSeat", "PendingMutations", "SeatSession", "seat_name"]

USER_PROFILE = "user"  # the signed-in user as the platform described them, for an offline start


class NoOfflineSeat(Exception):
    """The platform did not answer and this computer has no cache of the user to work offline from."""

    def __init__(self, path: Path) -> None:
        super().__init__("no cache to work offline from")
        self.path = path


_MEMORY_KEYS: dict[Path, bytes] = {}  # caches' keys where no keyring keeps them: this process only


def _cache_key(credentials: Credentials, path: Path) -> tuple[bytes, bool]:
    """The cache's key, and False when no keyring can have kept it (a cache it does not open is then
    a previous launch's, unreadable to anyone). A new key is made (and kept) when the keyring has
    none: a cache it does not open is then recovered as a damaged one."""
    try:
        key = credentials.load_cache_key(path)
    except KeyringFailed as exc:  # the key may be there: a key in memory, the cache moved aside, never deleted
        log.warning("the keyring did not answer (%s): this session's cache key is kept in memory only", exc)
        return _MEMORY_KEYS.setdefault(path, cipher.new_key()), True
    if key is not None:
        return key, True
    if credentials.available:
        key = cipher.new_key()
        if credentials.save_cache_key(path, key):
            return key, True
    return _MEMORY_KEYS.setdefault(path, cipher.new_key()), False


def _open_store(path: Path, profile: dict | None, credentials: Credentials) -> CacheStore:
    """Open the cache; signed in, remember who the user is. Offline, never create a blank cache."""
    if profile is None and not path.exists():
        raise NoOfflineSeat(path)
    key, kept = _cache_key(credentials, path)
    # a migration may take a moment: off the loop; the journal sealed when the keyring keeps the key
    store = CacheStore(path, key, key_rejected="recover", seal_journal=kept)
    if not kept and store.recovery is not None and store.recovery.moved_to is not None \
            and store.recovery.detail == "the key does not open it":
        for suffix in ("", "-wal", "-shm"):  # a previous launch's: its key died with that process
            Path(f"{store.recovery.moved_to}{suffix}").unlink(missing_ok=True)
    if profile is not None:
        with store.transaction() as conn:
            store.set_state(conn, USER_PROFILE, json.dumps(
                {k: profile[k] for k in ("id", "username", "display_name", "role", "unit_id") if k in profile},
                ensure_ascii=False))
    return store


def seat_name(raw: str) -> str:
    """A seat id usable in provisional numbers: letters, digits, '.', '_', '-'."""
    cleaned = re.sub(r"[^A-Za-z0-9._-]+", "-", raw).strip("-._")
    return cleaned or "seat"


class SeatSession:
    def __init__(self, client: PlatformClient, store: CacheStore, seat: str,
                 telephony: TelephonySettings | None = None, telephony_secret: str = "",
                 credentials: Credentials | None = None, **sync_options) -> None:
        self.client, self.store, self.seat = client, store, seat_name(seat)
        self.credentials = credentials  # where the cache's key is kept, forgotten with a wiped cache
        self.sync = SyncService(store, client, **sync_options)
        self.orders = OrderService(self.sync, self.seat)
        self.telephony = telephony or TelephonySettings()
        self.calls = CallService(client, self.sync, make_source(self.telephony, client, self.sync, telephony_secret))
        self.agent = AgentStateService(self.calls, self.sync)
        self.today = TodayService(self.sync, self.calls, self.agent, client)  # the agent's figures for today
        self.missed_calls = MissedCallService(client, self.sync)
        self.escalations = EscalationService(client, self.sync)
        self.knowledge = KnowledgeService(self.sync)
        self.catalog = CatalogService(self.sync)
        self.callers = CallerService(client, self.sync)
        self.texts = TextService(self.sync)  # quick phrases, call scripts, form templates

    @classmethod
    async def open(cls, client: PlatformClient, seat: str, data_dir: Path | None = None,
                   credentials: Credentials | None = None, **options) -> SeatSession:
        """Open (or create) the signed-in user's cache and start syncing. The cache's key comes
        from `credentials`' keyring (by default the OS keyring's).

        With a session adopted from the keyring and not yet refreshed (the platform did not answer),
        the seat opens offline from the cache it kept, as the user it last was; it signs in again by
        itself when the platform answers. NoOfflineSeat when there is no such cache."""
        assert client.session is not None, "sign in first"
        path = cache_path(data_dir, client.address, str(client.session.user.get("username", "user")))
        online = bool(client.session.access_token)
        credentials = credentials or Credentials()
        store = await asyncio.to_thread(_open_store, path, client.session.user if online else None, credentials)
        if not online:
            profile = store.get_state(USER_PROFILE)
            if profile is None:
                store.close()
                raise NoOfflineSeat(path)
            client.know_user(json.loads(profile))
        if store.recovery is not None:
            r = store.recovery
            log.warning("the cache was damaged (%s: %s); moved aside, %d change(s) recovered, %d at risk, "
                        "a full resync follows", r.reason, r.detail, r.recovered, r.at_risk)
        # the platform's word on the seat wins: where seats are registered, it is the one at this address
        session = cls(client, store, client.session.seat or seat, credentials=credentials, **options)
        await session.sync.warm_up()
        session.sync.start()
        await session.calls.start()
        log.info("seat session open (cache %s)", path.name)
        return session

    @property
    def recovery(self) -> CacheRecovery | None:
        """Set when the cache was found damaged at open: what was rescued and what may be lost."""
        return self.store.recovery

    async def use_telephony(self, settings: TelephonySettings, secret: str = "") -> None:
        """Take calls from another source from now on (raises TelephonyError during a call)."""
        await self.calls.use_source(make_source(settings, self.client, self.sync, secret))
        self.telephony = settings

    def _close_lists(self) -> None:
        self.missed_calls.close()
        self.escalations.close()

    async def close(self) -> None:
        self._close_lists()
        self.agent.close()
        await self.calls.stop()
        await self.today.close()
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
        await self.today.close()
        await self.sync.stop()
        await self.client.sign_out()
        if wipe:
            self.store.wipe(force=force)
            _MEMORY_KEYS.pop(self.store.path, None)
            if self.credentials is not None:
                await asyncio.to_thread(self.credentials.forget_cache_key, self.store.path)
        else:
            self.store.close()
