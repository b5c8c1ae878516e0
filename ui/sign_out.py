"""Signing out (Ctrl+Shift+Q): the question, with the "shared computer" choice kept between runs,
and what to do with changes not yet uploaded when a shared seat's data is about to be deleted.

A seat is not shared by default: an agent's own computer keeps the cache (encrypted, its key in the
agent's keyring) so that the next sign-in starts at once and works offline. On a computer several
agents use under one system account the keyring is theirs in common, so the cache and its key are
deleted at sign-out: the agent ticks the box once, and it stays ticked."""
from __future__ import annotations

from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QCheckBox, QDialog, QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from ui.dialogs import ChoiceDialog

SHARED_SEAT_KEY = "seat/shared"


def shared_seat() -> bool:
    return str(QSettings().value(SHARED_SEAT_KEY, "false")).lower() == "true"


def set_shared_seat(shared: bool) -> None:
    settings = QSettings()
    settings.setValue(SHARED_SEAT_KEY, "true" if shared else "false")
    settings.sync()


class SignOutDialog(QDialog):
    """Enter signs out, Esc stays. `wipe`: whether this computer's copy goes too (None: cancelled)."""

    def __init__(self, parent: QWidget, name: str, shared: bool) -> None:
        super().__init__(parent, objectName="signOut")
        self.setWindowTitle(self.tr("Sign out"))
        self.wipe: bool | None = None
        layout = QVBoxLayout(self)
        text = QLabel(self.tr("Sign out {name}? The sign-in kept on this computer is revoked: the next start asks "
                              "for the password.").format(name=name), wordWrap=True)
        layout.addWidget(text)
        self.shared = QCheckBox(self.tr("Shared computer: also delete this computer's copy of the work data "
                                        "(kept for the next one who signs out here too)"), objectName="signOutShared")
        self.shared.setChecked(shared)
        layout.addWidget(self.shared)
        row = QHBoxLayout()
        row.addStretch(1)
        self.sign_out = QPushButton(self.tr("Sign out (Enter)"), objectName="signOutConfirm")
        self.sign_out.setDefault(True)
        self.sign_out.clicked.connect(self.accept)
        cancel = QPushButton(self.tr("Cancel (Esc)"), objectName="signOutCancel")
        cancel.setAutoDefault(False)
        cancel.clicked.connect(self.reject)
        row.addWidget(self.sign_out)
        row.addWidget(cancel)
        layout.addLayout(row)
        self.sign_out.setFocus()

    def accept(self) -> None:
        self.wipe = self.shared.isChecked()
        super().accept()


class PendingChangesDialog(ChoiceDialog):
    """Changes that did not reach the platform, on a seat whose data is to be deleted. `choice`:
    "wait" (stay signed in; Esc and Enter), "keep" (sign out, keep the data here; Alt+K), "delete"
    (sign out and lose them; Alt+D)."""

    def __init__(self, parent: QWidget, count: int) -> None:
        super().__init__(parent, "signOutPending")
        self.setWindowTitle(self.tr("Changes not uploaded"))
        self.offer(self.tr("{count} change(s) you recorded have not reached the platform yet (it does not answer). "
                           "Deleting this computer's data now would lose them.").format(count=count), [
            ("wait", self.tr("Stay signed in: they are sent when the platform answers (Esc)"), "signOutWait"),
            ("keep", self.tr("&Keep them on this computer and sign out"), "signOutKeep"),
            ("delete", self.tr("&Delete them and sign out"), "signOutDelete")])
