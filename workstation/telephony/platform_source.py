"""The default call source: calls routed by the platform, arriving on the seat's event stream."""
from __future__ import annotations

import logging

from workstation.observable import Subscriptions
from workstation.platform_client import PlatformClient, PlatformError, PlatformUnreachable
from workstation.sync import LinkState, SyncService
from workstation.telephony.base import CallEvent, CallSource, TelephonyError

log = logging.getLogger(__name__)


class PlatformCallSource(CallSource):
    name = "platform"
    platform_native = True

    def __init__(self, client: PlatformClient, sync: SyncService) -> None:
        super().__init__()
        self.client, self.sync = client, sync
        self._subs = Subscriptions()

    async def start(self) -> None:
        self._subs.close()  # started twice: listen once
        self._subs.connect(self.sync.event, self._on_event)
        self._subs.connect(self.sync.link_changed, self._on_link)
        self._on_link(self.sync.link)

    async def stop(self) -> None:
        self._subs.close()  # also when never started

    def _on_link(self, state: LinkState) -> None:
        self._set_up(state == LinkState.online)

    def _on_event(self, name: str, data: dict) -> None:
        if name == "agent" and isinstance(data, dict) and "call_id" in data:
            # The seat as the platform has it (sent at every stream start, so after a reconnect or a
            # platform restart too): a call it no longer has at this seat has ended here as well.
            self._lost({str(data["call_id"])} if data["call_id"] else set())
            return
        if name != "call":
            return
        try:
            event = CallEvent.from_dict(data)
        except (KeyError, ValueError):
            log.warning("ignored a malformed call event")
            return
        self._emit(event)

    async def _command(self, coroutine) -> None:  # noqa: ANN001
        try:
            await coroutine
        except PlatformUnreachable:
            raise TelephonyError("the platform cannot be reached", "link_down") from None
        except PlatformError as exc:
            raise TelephonyError(exc.message or exc.code) from None

    async def answer(self, call_id: str) -> None:
        await self._command(self.client.answer_call(call_id))

    async def hang_up(self, call_id: str) -> None:
        await self._command(self.client.hang_up_call(call_id))

    async def transfer(self, call_id: str, target: str, three_way: bool = False) -> None:
        await self._command(self.client.transfer_call(call_id, target, three_way))
