"""Edit a change the platform refused, then send it again: the platform's reason on top, each text
field of the change below it (Ctrl+Enter sends, Esc cancels). What is not text stays as it was."""
from __future__ import annotations

from PySide6.QtWidgets import QDialog, QFormLayout, QLabel, QLineEdit, QPlainTextEdit, QVBoxLayout, QWidget

from ui.dialogs import send_and_cancel
from ui.page import ERROR
from workstation.sync import Rejection

HIDDEN = {"client_ref", "request_type"}  # the seat's own reference; a choice from a list, not text
LONG = 30  # longer texts (30 Chinese characters fill the line) get a multi-line editor


class RefusedChangeDialog(QDialog):
    """`payload` is the edited change once sent (None when cancelled)."""

    def __init__(self, rejection: Rejection, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("refusedChange")
        self.setWindowTitle(self.tr("Edit and send again"))
        self.rejection, self.payload = rejection, None
        layout = QVBoxLayout(self)
        reason = QLabel(self.tr("The platform refused it: {reason}").format(
            reason=rejection.message or rejection.code), objectName="refusedReason", wordWrap=True)
        reason.setStyleSheet(f"color: {ERROR};")
        layout.addWidget(reason)
        form = QFormLayout()
        self.editors: dict[str, QLineEdit | QPlainTextEdit] = {}
        for key, value in rejection.payload.items():
            if key in HIDDEN or not isinstance(value, str):
                continue
            editor: QLineEdit | QPlainTextEdit
            if len(value) > LONG or "\n" in value:
                editor = QPlainTextEdit(value, objectName=f"refused_{key}")
                editor.setTabChangesFocus(True)
            else:
                editor = QLineEdit(value, objectName=f"refused_{key}")
            form.addRow(self._label(key), editor)
            self.editors[key] = editor
        layout.addLayout(form)
        _action, buttons = send_and_cancel(self, self.tr("Send again"), "refusedChange")
        layout.addLayout(buttons)
        if self.editors:
            next(iter(self.editors.values())).setFocus()

    def _label(self, key: str) -> str:
        labels = {"title": self.tr("Title"), "content": self.tr("Request"), "caller_phone": self.tr("Caller's number"),
                  "requester_name": self.tr("Requester's name"), "category_id": self.tr("Category code"),
                  "request_type": self.tr("Request type"), "reply": self.tr("Reply"), "answer": self.tr("Answer"),
                  "note": self.tr("Note"), "reason": self.tr("Reason"), "address": self.tr("Address")}
        return labels.get(key, key)

    def send(self) -> None:
        edited = {key: editor.toPlainText() if isinstance(editor, QPlainTextEdit) else editor.text()
                  for key, editor in self.editors.items()}
        self.payload = {**self.rejection.payload, **edited}
        self.accept()
