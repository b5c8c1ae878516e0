"""The supervision page (督办): open supervisions and reminders, overdue orders first.

Up/Down pick one; Ctrl+Shift+S supervises the selected order (or another, by its number) with a
note: the panel opens with the focus in the note, Ctrl+Enter records it (through the outbox, so it
is kept offline too), Esc closes the panel. Ctrl+R reads the list again."""
from __future__ import annotations

import logging
from typing import Any

from PySide6.QtCore import QObject, Qt
from PySide6.QtGui import QColor, QFont
from PySide6.QtWidgets import QComboBox, QFormLayout, QFrame, QHBoxLayout, QLabel, QLineEdit, QVBoxLayout, QWidget

from ui.desk_page import DeskPage
from ui.page import ERROR, MUTED, Message, action_button, day, moment
from ui.rows_model import RowsModel
from workstation.desk_lists import NOTE_MAX, SUPERVISION_KINDS, SupervisionService

log = logging.getLogger(__name__)

OVERDUE = QColor(ERROR)
PENDING = QColor(MUTED)


class SupervisionModel(RowsModel):
    """Open supervisions: why, which kind, the order, its deadline, the note, who and when."""

    REASON, KIND, NUMBER, TITLE, DEADLINE, NOTE, BY, SINCE = range(8)
    IdRole = Qt.ItemDataRole.UserRole + 1
    NumberRole = Qt.ItemDataRole.UserRole + 2

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__([self.tr("Why"), self.tr("Kind"), self.tr("Order"), self.tr("Title"), self.tr("Deadline"),
                          self.tr("Note"), self.tr("By"), self.tr("Since")], parent, "supervisionModel")

    def reason(self, reason: str | None) -> str:
        names = {"overdue": self.tr("Overdue"), "near_deadline": self.tr("Near the deadline"),
                 "flagged": self.tr("Flagged")}
        return names.get(str(reason), str(reason or ""))

    def kind(self, kind: str | None) -> str:
        names = {"supervise": self.tr("Supervise"), "remind": self.tr("Remind")}
        return names.get(str(kind), str(kind or ""))

    def cell(self, item: dict, column: int, role: int) -> Any:
        if role == self.IdRole:
            return str(item.get("id"))
        if role == self.NumberRole:
            return str(item.get("number") or "")
        if role == Qt.ItemDataRole.DisplayRole:
            return self._text(item, column)
        if role == Qt.ItemDataRole.ForegroundRole:
            if item.get("pending"):
                return PENDING
            if item.get("reason") == "overdue" and column in (self.REASON, self.DEADLINE):
                return OVERDUE
        if role == Qt.ItemDataRole.FontRole and item.get("pending"):
            font = QFont()
            font.setItalic(True)
            return font
        if role == Qt.ItemDataRole.ToolTipRole and column in (self.NOTE, self.TITLE):
            return item.get("note") if column == self.NOTE else item.get("title")
        return None

    def _text(self, item: dict, column: int) -> str:
        if column == self.REASON:
            return self.reason(item.get("reason"))
        if column == self.KIND:
            kind = self.kind(item.get("kind"))
            return kind + (" · " + self.tr("sending") if item.get("pending") else "")
        if column == self.NUMBER:
            return str(item.get("number") or "")
        if column == self.TITLE:
            return " ".join(str(item.get("title") or "").split())
        if column == self.DEADLINE:
            return day(item.get("deadline"))
        if column == self.NOTE:
            return " ".join(str(item.get("note") or "").split())
        if column == self.BY:
            by = str(item.get("created_by") or "")
            return self.tr("system") if by == "system" else by
        if column == self.SINCE:
            return moment(item.get("created_at"))
        return ""


class SupervisionPage(DeskPage):
    """`set_session(seat)`: the seat's `supervisions` (a SupervisionService) when it has one.
    `last_supervision` is the mutation id of the last supervision recorded here."""

    object_name, service_attr, service_class = "supervisionPage", "supervisions", SupervisionService

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.last_supervision = ""
        self._set_up()

    def page_title(self) -> str:
        return self.tr("Supervision")

    # --- layout ---------------------------------------------------------------------------------
    def _build(self) -> None:
        top = self._build_common("supervision", SupervisionModel(self))
        self.table.activated.connect(lambda _index: self.open_panel())
        self.setFocusProxy(self.table)

        self.panel = QFrame(objectName="supervisePanel")
        self.panel.setFrameShape(QFrame.Shape.StyledPanel)
        self.panel_title = QLabel(objectName="superviseTitle")
        self.panel_title.setStyleSheet("font-weight: 600;")
        self.number_edit = QLineEdit(objectName="superviseNumber")
        self.number_edit.setMaxLength(32)
        self.kind_box = QComboBox(objectName="superviseKind")
        for kind in SUPERVISION_KINDS:
            self.kind_box.addItem(self.model.kind(kind), kind)
        self.note_edit = QLineEdit(objectName="superviseNote")
        self.note_edit.setMaxLength(NOTE_MAX)
        self.note_edit.setPlaceholderText(self.tr("What the unit must do, and by when"))
        form = QFormLayout()
        form.addRow(self.tr("Order"), self.number_edit)
        form.addRow(self.tr("Kind"), self.kind_box)
        form.addRow(self.tr("Note"), self.note_edit)
        self.panel_error = Message("superviseError", ERROR)
        self.panel_buttons = QHBoxLayout()
        box = QVBoxLayout(self.panel)
        box.setContentsMargins(6, 6, 6, 6)
        box.addWidget(self.panel_title)
        box.addLayout(form)
        box.addWidget(self.panel_error)
        box.addLayout(self.panel_buttons)
        self.panel.hide()

        self.buttons = QHBoxLayout()
        self._lay_out(top, self.error_label, self.notice, (self.table, 1), self.buttons, self.panel)

    def _build_actions(self) -> None:
        self.supervise_action = self.action(self.tr("Supervise the selected order"), ["Ctrl+Shift+S"],
                                            self.open_panel, name="superviseAction")
        self.send_action = self.action(self.tr("Record the supervision"), ["Ctrl+Return", "Ctrl+Enter"],
                                       self.send, self.panel, name="sendSupervisionAction")
        self.cancel_action = self.action(self.tr("Close the supervision panel"), ["Esc"], self.close_panel,
                                         self.panel, name="cancelSupervisionAction")
        self.refresh_action = self.action(self.tr("Read the supervisions again"), ["Ctrl+R"], self.refresh,
                                          name="refreshSupervisionsAction")
        self.buttons.addWidget(action_button(self.supervise_action, "superviseButton"))
        self.buttons.addStretch(1)
        self.buttons.addWidget(action_button(self.refresh_action, "supervisionRefresh"))
        self.panel_buttons.addStretch(1)
        self.panel_buttons.addWidget(action_button(self.send_action, "superviseSend"))
        self.panel_buttons.addWidget(action_button(self.cancel_action, "superviseCancel"))

    # --- the list -------------------------------------------------------------------------------
    def _show(self) -> None:
        service = self._service
        for action in (self.supervise_action, self.refresh_action):
            action.setEnabled(service is not None)
        if not isinstance(service, SupervisionService):
            self.model.set_items([])
            self.status_label.setText(self.signed_out_text())
            self.close_panel()
            self._show_state()
            return
        current = self.current_item()
        self.model.set_items([self._enriched(i) for i in service.items])
        overdue = sum(1 for i in service.items if i.get("reason") == "overdue")
        self.status_label.setText(self.tr("{count} open supervisions and reminders, {overdue} overdue").format(
            count=len(service.items), overdue=overdue))
        self._select(current["id"] if current else None)
        self._show_state()

    def _enriched(self, item: dict) -> dict:
        """The supervision with its order's title and deadline: the platform's, else the cache's."""
        assert self._service is not None
        if item.get("title") and item.get("deadline"):
            return item
        order = self._service.order(str(item.get("number"))) or {}
        return {**item, "title": item.get("title") or order.get("title"),
                "deadline": item.get("deadline") or order.get("deadline")}

    # --- supervising ------------------------------------------------------------------------------
    def open_panel(self) -> None:
        if self._service is None:
            return
        item = self.current_item()
        number = str(item.get("number") or "") if item else ""
        self.number_edit.setText(number)
        self.kind_box.setCurrentIndex(0)
        self.note_edit.clear()
        self.panel_error.clear()
        self.panel_title.setText(self.tr("Supervise order {number}").format(number=number) if number
                                 else self.tr("Supervise an order"))
        self.panel.show()
        (self.note_edit if number else self.number_edit).setFocus(Qt.FocusReason.ShortcutFocusReason)

    def close_panel(self) -> None:
        self._leave_panel(self.panel)

    def send(self) -> None:
        service = self._service
        if not isinstance(service, SupervisionService) or not self.panel.isVisible():
            return
        number = self.number_edit.text().strip()
        note = self.note_edit.text().strip()
        if not number:
            self.panel_error.setText(self.tr("Which order? Type its number."))
            self.number_edit.setFocus(Qt.FocusReason.OtherFocusReason)
            return
        if not note:
            self.panel_error.setText(self.tr("Write a note for the unit first."))
            self.note_edit.setFocus(Qt.FocusReason.OtherFocusReason)
            return
        kind = str(self.kind_box.currentData())
        self.operation(service.supervise(number, note, kind)).busy(self.send_action).show_on(self.panel_error) \
            .failure_text(self.tr("The supervision could not be saved: {error}")) \
            .success(lambda mutation_id: self._supervised(number, kind, mutation_id)).run()

    def _supervised(self, number: str, kind: str, mutation_id: str) -> None:
        self.last_supervision = mutation_id
        self.close_panel()
        self.table.setFocus(Qt.FocusReason.OtherFocusReason)
        text = (self.tr("Order {number} supervised") if kind == "supervise"
                else self.tr("Order {number} reminded")).format(number=number)
        self.error_label.clear()
        self.notice.setText(self.texts.kept(text, self._seat))
