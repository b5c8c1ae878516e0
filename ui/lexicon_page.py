"""The search lexicon (检索词库), the knowledge editors' page: what callers say and the words the
entries use for it (不给退 -> 退费, 掉了 -> 遗失、补办). The knowledge search of every seat reads it.

The list is the seat's own copy (the feed keeps it, so it opens offline too). Ctrl+F finds a term
or a word; Enter edits the line selected, Ctrl+N starts a new one; in the editor, Ctrl+Enter saves
and Esc goes back to the list. Delete removes the line selected and Ctrl+Z puts the last one
removed back. A change goes through the outbox: this seat's search uses it at once, every other
seat once the platform has it (a refusal shows with the other refused changes)."""
from __future__ import annotations

import logging
import re
from typing import Any

import shiboken6
from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QFormLayout, QHBoxLayout, QHeaderView, QLineEdit, QWidget

from domain.knowledge import LEXICON_EXPANSIONS_MAX, lexicon_line
from ui.page import Page, action_button
from ui.rows_model import RowsModel, table_view
from workstation.errors import CacheError
from workstation.session import SeatSession

log = logging.getLogger(__name__)

_WORD_SEPARATORS = re.compile(r"[、,，;；\s]+")
_ENTER = (Qt.Key.Key_Return, Qt.Key.Key_Enter)


def split_words(text: str) -> list[str]:
    """The words of the expansions box: separated by 、 , ; or spaces."""
    return [w for w in _WORD_SEPARATORS.split(text) if w]


class LexiconModel(RowsModel):
    key = "term"
    TERM, WORDS = range(2)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__([self.tr("What callers say"), self.tr("Words the entries use")], parent, "lexiconModel")

    def cell(self, item: dict, column: int, role: int) -> Any:
        if role != Qt.ItemDataRole.DisplayRole:
            return None
        return item["term"] if column == self.TERM else "、".join(item["expansions"])


class LexiconPage(Page):
    """`set_session(seat)`: the lexicon of the seat's cache, edited through its knowledge service."""

    object_name = "lexiconPage"
    sends_later = True

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._lines: list[dict] = []
        self._editing: str | None = None  # the term of the line in the editor ("" for a new one)
        self._removed: dict | None = None  # the last line removed, for Ctrl+Z
        self._set_up()

    def page_title(self) -> str:
        return self.tr("Search lexicon")

    # --- layout ---------------------------------------------------------------------------------
    def _build(self) -> None:
        top = self._build_lines("lexicon")
        self.filter_edit = QLineEdit(objectName="lexiconFilter", clearButtonEnabled=True)
        self.filter_edit.textChanged.connect(lambda _text: self._show())
        self.filter_edit.installEventFilter(self)
        top.addWidget(self.filter_edit, 1)
        self.model = LexiconModel(self)
        self.table = table_view("lexiconTable", self.model, wrap=False)
        self.table.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.Interactive)
        self.table.setColumnWidth(0, 220)
        self.table.installEventFilter(self)
        self.setFocusProxy(self.table)
        self.editor = QWidget(objectName="lexiconEditor")
        form = QFormLayout(self.editor)
        form.setContentsMargins(0, 0, 0, 0)
        self.term_edit = QLineEdit(objectName="lexiconTerm", maxLength=64)
        self.words_edit = QLineEdit(objectName="lexiconWords", maxLength=LEXICON_EXPANSIONS_MAX * 65)
        for edit in (self.term_edit, self.words_edit):
            edit.installEventFilter(self)
        form.addRow(self.tr("What callers say"), self.term_edit)
        form.addRow(self.tr("Words the entries use"), self.words_edit)
        self.buttons = QHBoxLayout()
        form.addRow(self.buttons)
        self.editor.hide()
        self._lay_out(top, self.error_label, self.notice, (self.table, 1), self.editor)

    def _build_actions(self) -> None:
        self.find_action = self.action(self.tr("Find a term or a word"), ["Ctrl+F"], self.find,
                                       name="findLexiconAction")
        self.new_action = self.action(self.tr("New line"), ["Ctrl+N"], self.new_line, name="newLexiconAction")
        self.edit_action = self.action(self.tr("Edit the line selected"), ["Enter"], self.edit_current, None,
                                       name="editLexiconAction")
        self.save_action = self.action(self.tr("Save the line"), ["Ctrl+Return", "Ctrl+Enter"], self.save,
                                       self.editor, name="saveLexiconAction")
        self.cancel_action = self.action(self.tr("Back to the list"), ["Esc"], self.back_to_list, None,
                                         name="cancelLexiconAction")
        self.remove_action = self.action(self.tr("Remove the line selected"), ["Delete"], self.remove_current, None,
                                         name="removeLexiconAction")
        self.undo_action = self.action(self.tr("Put back the line removed last"), ["Ctrl+Z"], self.undo_remove,
                                       self.table, name="undoLexiconAction")
        self.buttons.addWidget(action_button(self.save_action, "lexiconSave"))
        self.buttons.addWidget(action_button(self.cancel_action, "lexiconCancel"))
        self.buttons.addStretch(1)
        self.filter_edit.setPlaceholderText(self.tr("Find a term or a word") + "  Ctrl+F")
        self.term_edit.setPlaceholderText(self.tr("A word callers use, e.g. 不给退"))
        self.words_edit.setPlaceholderText(self.tr("The words the entries use, separated by 、 e.g. 退费、退款"))

    # --- session --------------------------------------------------------------------------------
    def set_session(self, seat: SeatSession | None) -> None:
        if self._seat is not None:
            try:
                self._seat.sync.synced.disconnect(self._on_synced)
            except (RuntimeError, ValueError):
                pass
        super().set_session(seat)
        self._editing, self._removed = None, None
        self.editor.hide()
        self.error_label.clear()
        self.notice.clear()
        if seat is not None:
            seat.sync.synced.connect(self._on_synced)
        self.reload()

    def _on_synced(self, _cursor: int) -> None:
        if shiboken6.isValid(self):
            self.reload()  # another editor's change, or the platform's version of ours

    def reload(self) -> None:
        for action in self.actions_for_help:
            action.setEnabled(self._seat is not None)
        if self._seat is None:
            self._lines = []
            self.count_label.setText(self.signed_out_text())
            self._show()
            return
        try:
            self._lines = [{"term": t, "expansions": e} for t, e in self._seat.knowledge.lexicon()]
        except CacheError as exc:
            log.warning("lexicon not read from the cache: %s", type(exc).__name__)
            self.error_label.setText(self.tr("The lexicon of this seat cannot be read"))
            self._lines = []
        self._show()

    def _show(self) -> None:
        wanted = self.filter_edit.text().strip().casefold()
        lines = [line for line in self._lines if not wanted or wanted in line["term"].casefold()
                 or any(wanted in w.casefold() for w in line["expansions"])]
        current = self.current_item()
        self.model.set_items(lines)
        if self._seat is not None:
            self.count_label.setText(self.tr("{count} terms").format(count=len(self._lines)) if not wanted else
                                     self.tr("{shown} of {count} terms").format(shown=len(lines),
                                                                                count=len(self._lines)))
        self._select(current["term"] if current else None)

    # --- keys -----------------------------------------------------------------------------------
    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() != QEvent.Type.KeyPress or not isinstance(event, QKeyEvent) \
                or event.modifiers() & ~Qt.KeyboardModifier.KeypadModifier:
            return super().eventFilter(watched, event)
        key = event.key()
        if watched is self.table and key in _ENTER:
            self.edit_action.trigger()
            return True
        if watched is self.table and key == Qt.Key.Key_Delete:
            self.remove_action.trigger()
            return True
        if watched is self.filter_edit and key in (Qt.Key.Key_Down, *_ENTER):
            self.table.setFocus(Qt.FocusReason.OtherFocusReason)
            if not self.table.currentIndex().isValid():
                self._move(1)
            return True
        if watched in (self.term_edit, self.words_edit, self.filter_edit) and key == Qt.Key.Key_Escape:
            self.cancel_action.trigger()
            return True
        return super().eventFilter(watched, event)

    # --- actions --------------------------------------------------------------------------------
    def find(self) -> None:
        self.filter_edit.setFocus(Qt.FocusReason.ShortcutFocusReason)
        self.filter_edit.selectAll()

    def new_line(self) -> None:
        self._open_editor("", [])
        self.term_edit.setFocus(Qt.FocusReason.ShortcutFocusReason)

    def edit_current(self) -> None:
        item = self.current_item()
        if item is None:
            return
        self._open_editor(item["term"], item["expansions"])
        self.words_edit.setFocus(Qt.FocusReason.ShortcutFocusReason)
        self.words_edit.end(False)

    def _open_editor(self, term: str, words: list[str]) -> None:
        self._editing = term
        self.term_edit.setText(term)
        self.term_edit.setReadOnly(bool(term))  # a term is renamed by removing it and adding the new one
        self.words_edit.setText("、".join(words))
        self.error_label.clear()
        self.editor.show()

    def back_to_list(self) -> None:
        if self.filter_edit.hasFocus() and self.filter_edit.text():
            self.filter_edit.clear()
        self._editing = None
        self._leave_panel(self.editor)
        self.table.setFocus(Qt.FocusReason.OtherFocusReason)

    def save(self) -> None:
        seat = self._seat
        if seat is None or self._editing is None:
            return
        term, words = self.term_edit.text(), split_words(self.words_edit.text())
        try:
            term, words = lexicon_line(term, words)
        except ValueError as exc:
            self.error_label.setText(self._problem(str(exc)))
            (self.term_edit if str(exc).startswith("term") else self.words_edit).setFocus()
            return
        if self._editing == "" and any(line["term"] == term for line in self._lines):
            self.error_label.setText(self.tr("{term} is in the lexicon already: select it and press Enter to "
                                             "change it").format(term=term))
            self.term_edit.setFocus()
            return
        self.operation(seat.knowledge.put_lexicon_line(term, words)).busy(self.editor) \
            .success(lambda _id: self._saved(term)).run()

    def _problem(self, message: str) -> str:
        field = message.split(":")[0]
        if field == "term":
            return self.tr("Type the one word callers use (at most 64 characters, no spaces)")
        return self.tr("Type at least one word the entries use, at most {count}, separated by 、").format(
            count=LEXICON_EXPANSIONS_MAX)

    def _saved(self, term: str) -> None:
        self.notice.setText(self.tr("Saved {term}: this seat's search uses it now, the others after the "
                                    "upload").format(term=term))
        self._editing = None
        self.editor.hide()
        self.reload()
        self._select(term)
        self.table.setFocus(Qt.FocusReason.OtherFocusReason)

    def remove_current(self) -> None:
        item, seat = self.current_item(), self._seat
        if item is None or seat is None:
            return
        self.operation(seat.knowledge.delete_lexicon_line(item["term"])) \
            .success(lambda _id: self._removed_line(item)).run()

    def _removed_line(self, item: dict) -> None:
        self._removed = item
        self.notice.setText(self.tr("Removed {term}: Ctrl+Z puts it back").format(term=item["term"]))
        self.reload()

    def undo_remove(self) -> None:
        item, seat = self._removed, self._seat
        if item is None or seat is None:
            return
        self._removed = None
        self.operation(seat.knowledge.put_lexicon_line(item["term"], item["expansions"])) \
            .success(lambda _id: self._saved(item["term"])).run()
