"""Settings kept between runs in QSettings (never secrets: those go to the keyring)."""
from __future__ import annotations

import logging

from PySide6.QtCore import QSettings

from workstation.telephony.settings import Adapter, BadTelephonySettings, TelephonySettings

log = logging.getLogger(__name__)

TELEPHONY_KEYS = {"adapter": "telephony/adapter", "address": "telephony/address",
                  "extension": "telephony/extension", "agent": "telephony/agent"}
#: the keyring entry of a FreeSWITCH event socket's password: user EVENT_SOCKET_USER at "freeswitch:<address>"
EVENT_SOCKET_USER = "event-socket"


def load_telephony() -> TelephonySettings:
    """The saved telephony settings; broken ones (edited by hand) fall back to the platform's calls."""
    settings = QSettings()
    values = {name: str(settings.value(key, "") or "") for name, key in TELEPHONY_KEYS.items()}
    try:
        return TelephonySettings.parse(**values)
    except BadTelephonySettings as exc:
        log.warning("telephony settings ignored: %s", exc)
        return TelephonySettings()


def save_telephony(adapter: str, address: str = "", extension: str = "", agent: str = "") -> TelephonySettings:
    """Check and keep the telephony settings; raises BadTelephonySettings with the reason."""
    parsed = TelephonySettings.parse(adapter, address, extension, agent)
    settings = QSettings()
    for name, key in TELEPHONY_KEYS.items():
        settings.setValue(key, str(getattr(parsed, name)))
    settings.sync()
    return parsed


def event_socket_key(settings: TelephonySettings) -> str:
    return f"freeswitch:{settings.address}" if settings.adapter == Adapter.freeswitch else ""
