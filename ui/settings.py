"""Settings kept between runs in QSettings (never secrets: those go to the keyring)."""
from __future__ import annotations

import logging

from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QComboBox, QDialog, QDialogButtonBox, QFormLayout, QLabel, QLineEdit, QWidget

from workstation.telephony.settings import DEFAULT_ADDRESS, Adapter, BadTelephonySettings, TelephonySettings

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


class TelephonyDialog(QDialog):
    """Where calls come from: the platform, a local softphone, or a switch. `chosen` holds the
    checked settings once accepted (they are saved then)."""

    def __init__(self, current: TelephonySettings, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("telephonyDialog")
        self.setWindowTitle(self.tr("Phone settings"))
        self.chosen: TelephonySettings | None = None
        self.adapter = QComboBox(objectName="telephonyAdapter")
        for adapter, text in ((Adapter.platform, self.tr("Calls routed by the platform")),
                              (Adapter.baresip, self.tr("Softphone on this computer (baresip)")),
                              (Adapter.freeswitch, self.tr("FreeSWITCH switch (event socket)"))):
            self.adapter.addItem(text, str(adapter))
        self.adapter.setCurrentIndex(self.adapter.findData(str(current.adapter)))
        self.address = QLineEdit(current.address, objectName="telephonyAddress")
        self.address.setPlaceholderText(self.tr("host:port, e.g. 127.0.0.1:4444"))
        self.extension = QLineEdit(current.extension, objectName="telephonyExtension")
        self.agent = QLineEdit(current.agent, objectName="telephonyAgent")
        self.agent.setPlaceholderText(self.tr("e.g. 1001@default (FreeSWITCH queues)"))
        self.error = QLabel(objectName="telephonyError")
        self.error.setStyleSheet("color: #b3261e;")
        self.error.setWordWrap(True)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.save)
        buttons.rejected.connect(self.reject)
        form = QFormLayout(self)
        form.addRow(self.tr("Calls come from"), self.adapter)
        form.addRow(self.tr("Address"), self.address)
        form.addRow(self.tr("Extension"), self.extension)
        form.addRow(self.tr("Queue agent name"), self.agent)
        form.addRow(self.error)
        form.addRow(buttons)
        self.adapter.currentIndexChanged.connect(self._adapter_changed)
        self._adapter_changed()

    def _adapter_changed(self) -> None:
        remote = self.adapter.currentData() != Adapter.platform
        for field in (self.address, self.extension, self.agent):
            field.setEnabled(remote)
        if remote and not self.address.text():
            self.address.setText(DEFAULT_ADDRESS[Adapter(self.adapter.currentData())])

    def save(self) -> None:
        try:
            self.chosen = save_telephony(self.adapter.currentData(), self.address.text(), self.extension.text(),
                                         self.agent.text())
        except BadTelephonySettings as exc:
            self.error.setText(self.tr("Not saved: {reason}").format(reason=str(exc)))
            return
        self.accept()
