"""The agent asks an expert (升级求助): `escalate(...)` opens `EscalateDialog` (group, question, attach
the current call) and raises the escalation with the form as it stands, through the outbox."""
from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QCheckBox, QComboBox, QDialog, QFormLayout, QPlainTextEdit, QVBoxLayout, QWidget

from domain.phone import mask_phone
from ui.dialogs import ask, send_and_cancel
from ui.escalation_texts import EscalationTexts
from ui.operation import Operation
from ui.page import ERROR, Message, text_problem
from workstation.calls import Call
from workstation.escalations import GROUPS, QUESTION_MAX
from workstation.session import SeatSession


class EscalateDialog(QDialog):
    """Ask the expert seats: the group, the question (prefilled), and whether the current call goes
    with it. Ctrl+Enter sends, Esc cancels; `escalation_id` is set once it is recorded."""

    def __init__(self, seat: SeatSession, question: str = "", call: Call | None = None, draft: dict | None = None,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("escalateDialog")
        self.setWindowTitle(self.tr("Ask an expert"))
        self.seat, self.call, self.draft = seat, call, dict(draft or {})
        self.escalation_id: str | None = None
        texts = EscalationTexts(self)
        self.group_combo = QComboBox(objectName="escalationGroup")
        for name in GROUPS:
            self.group_combo.addItem(texts.group(name), name)
        self.question_edit = QPlainTextEdit(objectName="escalationQuestion")
        self.question_edit.setPlainText(question)
        self.question_edit.setPlaceholderText(self.tr("What do you need the expert to answer? "
                                                      "Ctrl+Enter sends, Esc cancels"))
        self.question_edit.setTabChangesFocus(True)
        self.attach_box = QCheckBox(objectName="escalationAttachCall")
        if call is not None:
            self.attach_box.setText(self.tr("Attach the current call ({number})").format(
                number=mask_phone(call.caller_number) if call.caller_number else self.tr("number withheld")))
            self.attach_box.setChecked(True)
        else:
            self.attach_box.setText(self.tr("Attach the current call (no call now)"))
            self.attach_box.setEnabled(False)
        self.error_label = Message("escalationError", ERROR)
        self.send_action, buttons = send_and_cancel(self, self.tr("Send to the experts"), "escalation")
        form = QFormLayout()
        form.addRow(self.tr("Expert group"), self.group_combo)
        form.addRow(self.tr("Question"), self.question_edit)
        form.addRow("", self.attach_box)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.error_label)
        layout.addLayout(buttons)
        self.resize(520, 320)
        self.question_edit.setFocus(Qt.FocusReason.OtherFocusReason)

    def send(self) -> None:
        question = self.question_edit.toPlainText().strip()
        problem = text_problem(question, QUESTION_MAX, self.tr("Write the question first."),
                               self.tr("The question is too long ({count} of at most {limit} characters)."))
        if problem:
            self.error_label.setText(problem)
            return
        call = self.call if self.attach_box.isChecked() else None
        raised = self.seat.escalations.raise_(
            question, str(self.group_combo.currentData()), call_id=call.platform_id if call else None,
            caller_phone=call.caller_number if call else "", caller_name=call.caller_name if call else "",
            draft=self.draft)
        # one escalation per Ctrl+Enter, however fast the keys
        Operation(self, raised).busy(self.send_action).show_on(self.error_label) \
            .failure_text(self.tr("The escalation could not be recorded: {error}")).success(self._raised).run()

    def _raised(self, esc_id: str) -> None:
        self.escalation_id = esc_id
        self.accept()


async def escalate(parent: QWidget | None, seat: SeatSession, question: str = "", call: Call | None = None,
                   draft: dict | None = None) -> str | None:
    """Ask the agent what to escalate and raise it; the new escalation's id, or None when cancelled.
    A coroutine: the dialog is window-modal without a nested event loop."""
    return await ask(EscalateDialog(seat, question, call, draft, parent), "escalation_id")
