"""A knowledge change proposed from an escalation: pick the entry (search the local knowledge base;
arrows move, Enter picks), write the answer it should give and why; a team lead reviews it."""
from __future__ import annotations

import logging

from PySide6.QtCore import QEvent, QObject, Qt, QTimer
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import (
    QDialog,
    QFormLayout,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPlainTextEdit,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from ui.dialogs import ask, send_and_cancel
from ui.kb_pane import search_knowledge
from ui.operation import Operation
from ui.page import ENTER_KEYS, ERROR, Message
from workstation.escalations import COMMENT_MAX, PROPOSED_ANSWER_MAX
from workstation.session import SeatSession

log = logging.getLogger(__name__)

SEARCH_DELAY_MS = 120
KB_RESULTS = 20


class KbProposalDialog(QDialog):
    """Pick the entry (search the local knowledge base; arrows move, Enter picks), write the answer
    it should give and why. Ctrl+Enter sends, Esc cancels; `mutation_id` is set once recorded."""

    def __init__(self, seat: SeatSession, item: dict, answer: str = "", parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("kbProposalDialog")
        self.setWindowTitle(self.tr("Propose a knowledge change"))
        self.seat, self.item = seat, item
        self.entry: dict | None = None
        self.mutation_id: str | None = None
        self._timer = QTimer(self, singleShot=True, interval=SEARCH_DELAY_MS)
        self._timer.timeout.connect(self.search_now)
        self.search_edit = QLineEdit(objectName="kbProposalSearch")
        self.search_edit.setPlaceholderText(self.tr("Search the entry to change (pinyin initials work too)"))
        self.search_edit.textChanged.connect(lambda _text: self._timer.start())
        self.search_edit.installEventFilter(self)
        self.results = QListWidget(objectName="kbProposalResults")
        self.results.currentItemChanged.connect(lambda current, _old: self._pick(current))
        self.results.itemActivated.connect(lambda _row: self.answer_edit.setFocus())
        self.current_view = QTextBrowser(objectName="kbProposalCurrent")
        self.answer_edit = QPlainTextEdit(objectName="kbProposalAnswer")
        self.answer_edit.setPlainText(answer)
        self.answer_edit.setTabChangesFocus(True)
        self.answer_edit.setPlaceholderText(self.tr("The answer the entry should give"))
        self.comment_edit = QLineEdit(objectName="kbProposalComment")
        self.comment_edit.setPlaceholderText(self.tr("Why it should change. Ctrl+Enter sends, Esc cancels"))
        self.error_label = Message("kbProposalError", ERROR)
        self.send_action, buttons = send_and_cancel(self, self.tr("Send the proposal"), "kbProposal")
        form = QFormLayout()
        form.addRow(self.tr("Entry"), self.search_edit)
        form.addRow("", self.results)
        form.addRow(self.tr("Current answer"), self.current_view)
        form.addRow(self.tr("Proposed answer"), self.answer_edit)
        form.addRow(self.tr("Comment"), self.comment_edit)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.error_label)
        layout.addLayout(buttons)
        self.resize(640, 620)
        title = (item.get("draft") or {}).get("title", "") if isinstance(item.get("draft"), dict) else ""
        if title:
            self.search_edit.setText(title)
            self.search_now()
        self.search_edit.setFocus(Qt.FocusReason.OtherFocusReason)

    def search_now(self) -> None:
        self._timer.stop()
        query = self.search_edit.text().strip()
        self.results.clear()
        if not query:
            return
        hits = search_knowledge(self.seat, query, KB_RESULTS, self.error_label)
        if hits is None:
            return
        for hit in hits:
            row = QListWidgetItem(hit.title)
            row.setData(Qt.ItemDataRole.UserRole, hit.id)
            row.setToolTip(" › ".join(hit.category_path))
            self.results.addItem(row)
        if not hits:
            self.error_label.setText(self.tr("No entries found for “{query}”.").format(query=query))
        else:
            self.error_label.clear()
            self.results.setCurrentRow(0)

    def _pick(self, row: QListWidgetItem | None) -> None:
        entry = self.seat.knowledge.entry(row.data(Qt.ItemDataRole.UserRole)) if row else None
        self.entry = entry
        if entry is None:
            self.current_view.clear()
            return
        self.current_view.setPlainText(f"{entry['title']}\n\n{entry['answer']}")

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self.search_edit and event.type() == QEvent.Type.KeyPress:
            return self._search_key(event)
        return super().eventFilter(watched, event)

    def _search_key(self, event: QKeyEvent) -> bool:
        if event.modifiers() & ~Qt.KeyboardModifier.KeypadModifier:
            return False
        steps = {Qt.Key.Key_Down: 1, Qt.Key.Key_Up: -1}
        if event.key() in steps and self.results.count():
            row = max(0, min(self.results.count() - 1, self.results.currentRow() + steps[event.key()]))
            self.results.setCurrentRow(row)
            return True
        if event.key() in ENTER_KEYS:
            if self._timer.isActive():
                self.search_now()
            self.answer_edit.setFocus(Qt.FocusReason.OtherFocusReason)
            return True
        return False

    def send(self) -> None:
        answer = self.answer_edit.toPlainText().strip()
        comment = self.comment_edit.text().strip()
        if self.entry is None:
            self.error_label.setText(self.tr("Pick the entry to change first."))
            self.search_edit.setFocus()
        elif not answer:
            self.error_label.setText(self.tr("Write the answer the entry should give."))
            self.answer_edit.setFocus()
        elif len(answer) > PROPOSED_ANSWER_MAX:
            self.error_label.setText(self.tr("The proposed answer is too long ({count} of at most {limit} "
                                             "characters).").format(count=len(answer), limit=PROPOSED_ANSWER_MAX))
        elif not comment or len(comment) > COMMENT_MAX:
            self.error_label.setText(self.tr("Write why it should change (at most {limit} characters).").format(
                limit=COMMENT_MAX))
            self.comment_edit.setFocus()
        else:
            entry = self.entry
            proposed = self.seat.escalations.propose_kb_change(entry["id"], entry.get("version"), comment, answer,
                                                                self.item["id"])
            Operation(self, proposed).busy(self.send_action).show_on(self.error_label) \
                .failure_text(self.tr("The proposal could not be saved: {error}")).success(self._proposed).run()

    def _proposed(self, mutation_id: str) -> None:
        self.mutation_id = mutation_id
        self.accept()


async def propose(parent: QWidget | None, seat: SeatSession, item: dict, answer: str = "") -> str | None:
    """Ask for a knowledge change to propose from an escalation; the correction's mutation id, or None."""
    return await ask(KbProposalDialog(seat, item, answer, parent), "mutation_id")
