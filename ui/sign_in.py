"""Sign-in inside the main window (no stack of dialogs): platform address, user, password."""
from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QFormLayout, QLabel, QLineEdit, QPushButton, QVBoxLayout, QWidget

from ui.overlay import Overlay


class SignInOverlay(Overlay):
    """Covers the window until the agent is signed in. `submitted(address, username, password)`."""

    submitted = Signal(str, str, str)

    def __init__(self, parent: QWidget) -> None:
        super().__init__(parent, "signIn", dim=110, panel_width=460)
        layout = QVBoxLayout(self.panel)
        title = QLabel(self.tr("Sign in to the hotline platform"))
        title.setStyleSheet("font-weight: bold; font-size: 14pt;")
        layout.addWidget(title)
        form = QFormLayout()
        self.address = QLineEdit(objectName="signInAddress", placeholderText="http://127.0.0.1:8345")
        self.username = QLineEdit(objectName="signInUser")
        self.password = QLineEdit(objectName="signInPassword", echoMode=QLineEdit.EchoMode.Password)
        form.addRow(self.tr("Platform address"), self.address)
        form.addRow(self.tr("User name"), self.username)
        form.addRow(self.tr("Password"), self.password)
        layout.addLayout(form)
        self.error = QLabel(objectName="signInError", wordWrap=True)
        self.error.setStyleSheet("color: #b3261e;")
        self.error.hide()
        layout.addWidget(self.error)
        self.keyring_note = QLabel(objectName="signInKeyring", wordWrap=True)
        self.keyring_note.setStyleSheet("color: palette(mid);")
        layout.addWidget(self.keyring_note)
        self.button = QPushButton(self.tr("Sign in"), objectName="signInButton")
        self.button.setDefault(True)
        self.button.clicked.connect(self._submit)
        layout.addWidget(self.button)
        # signing in again during a session: the agent may go on working offline meanwhile
        self.later = QPushButton(self.tr("Later: keep working offline (Esc)"), objectName="signInLater")
        self.later.clicked.connect(self.hide)
        layout.addWidget(self.later)
        self.later.hide()
        self._again = False
        for field in (self.address, self.username, self.password):
            field.returnPressed.connect(self._submit)

    def open(self, address: str, username: str, keyring_available: bool | None) -> None:
        self._set_again(False)
        self._fill(address, username, keyring_available)

    def open_again(self, address: str, username: str, keyring_available: bool) -> None:
        """The platform refused the seat's sign-in during a session: the same user types the
        password again; what is on the screen stays. Esc (or Later) keeps working offline."""
        self._set_again(True)
        self._fill(address, username, keyring_available)
        self.error.setText(self.tr("The platform no longer accepts your sign-in (it expired or was revoked). "
                                   "Type your password to go on; nothing you typed is lost."))
        self.error.show()

    def _set_again(self, again: bool) -> None:
        self._again = again
        self.address.setReadOnly(again)
        self.username.setReadOnly(again)
        self.later.setVisible(again)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if self._again and event.key() == Qt.Key.Key_Escape:
            self.hide()
            return
        super().keyPressEvent(event)

    def _fill(self, address: str, username: str, keyring_available: bool | None) -> None:
        self.address.setText(address)
        self.username.setText(username)
        self.password.clear()
        self.error.hide()
        self.show_keyring(keyring_available)
        self.setEnabled(True)
        self.present()
        (self.password if address and username else self.address if not address else self.username).setFocus()

    def show_keyring(self, available: bool | None) -> None:
        """Says whether the sign-in is kept; None while the keyring is still being looked for."""
        self.keyring_note.setText(
            "" if available is None else
            self.tr("You stay signed in through the system keyring; the password itself is never stored.")
            if available else
            self.tr("This computer has no system keyring: the password is asked at every sign-in and "
                    "nothing is saved."))

    def show_error(self, text: str) -> None:
        self.error.setText(text)
        self.error.show()
        self.setEnabled(True)
        self.password.selectAll()
        self.password.setFocus()

    def _submit(self) -> None:
        address, username, password = self.address.text().strip(), self.username.text().strip(), self.password.text()
        missing = [name for name, value in ((self.tr("platform address"), address), (self.tr("user name"), username),
                                            (self.tr("password"), password)) if not value]
        if missing:
            self.show_error(self.tr("Please fill in: {fields}").format(fields="、".join(missing)))
            return
        self.error.hide()
        self.setEnabled(False)  # until the platform has answered
        self.submitted.emit(address, username, password)
