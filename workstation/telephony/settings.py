"""Which call source a seat uses, and where it is: the workstation's telephony settings."""
from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from workstation.platform_client import PlatformClient
from workstation.sync import SyncService
from workstation.telephony.base import CallSource


class Adapter(StrEnum):
    platform = "platform"        # calls routed by the platform (the default)
    baresip = "baresip"          # a local softphone, baresip with ctrl_tcp
    freeswitch = "freeswitch"    # a FreeSWITCH event socket


DEFAULT_ADDRESS = {Adapter.baresip: "127.0.0.1:4444", Adapter.freeswitch: "127.0.0.1:8021"}


class BadTelephonySettings(ValueError):
    pass


@dataclass(frozen=True)
class TelephonySettings:
    adapter: Adapter = Adapter.platform
    address: str = ""          # host:port of the softphone's ctrl_tcp or the switch's event socket
    extension: str = ""        # the agent's extension (FreeSWITCH: the number that rings this agent)
    agent: str = ""            # the agent's mod_callcenter name, when calls come through a queue

    @classmethod
    def parse(cls, adapter: str, address: str = "", extension: str = "", agent: str = "") -> TelephonySettings:
        """From user input (command line, settings file); raises BadTelephonySettings with the reason."""
        try:
            kind = Adapter(adapter or "platform")
        except ValueError:
            raise BadTelephonySettings(
                f"unknown telephony adapter {adapter!r}; expected one of {', '.join(Adapter)}") from None
        settings = cls(kind, address.strip() or DEFAULT_ADDRESS.get(kind, ""), extension.strip(), agent.strip())
        if kind != Adapter.platform:
            settings.host_port()
        if kind == Adapter.freeswitch and not (settings.extension or settings.agent):
            raise BadTelephonySettings("the FreeSWITCH adapter needs the agent's extension or callcenter name")
        return settings

    def host_port(self) -> tuple[str, int]:
        host, sep, port = self.address.rpartition(":")
        if not sep or not host or not port.isdigit() or not 0 < int(port) < 65536:
            raise BadTelephonySettings(f"the telephony address must be host:port, not {self.address!r}")
        return host, int(port)


def make_source(settings: TelephonySettings, client: PlatformClient, sync: SyncService,
                secret: str = "") -> CallSource:
    """The call source the settings name. `secret` is the event socket's password (from the keyring);
    without one the FreeSWITCH link does not try FreeSWITCH's published default, it says so."""
    if settings.adapter == Adapter.baresip:
        from workstation.telephony.baresip import BaresipCallSource
        return BaresipCallSource(*settings.host_port())
    if settings.adapter == Adapter.freeswitch:
        from workstation.telephony.freeswitch import FreeSwitchCallSource
        return FreeSwitchCallSource(*settings.host_port(), password=secret,
                                    extension=settings.extension, agent=settings.agent)
    from workstation.telephony.platform_source import PlatformCallSource
    return PlatformCallSource(client, sync)
