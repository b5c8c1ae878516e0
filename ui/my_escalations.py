"""The agent's own escalations and their state (the "my escalations" page)."""
from __future__ import annotations

from typing import Any

import shiboken6
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QListWidget, QListWidgetItem, QVBoxLayout, QWidget

from ui.escalation_texts import EscalationTexts
from ui.page import ERROR, Page, disconnect
from workstation.escalations import ACTIVE, EscalationService, newest_first
from workstation.session import SeatSession

ERROR_STYLE = f"color: {ERROR};"


class MyEscalations(Page):
    """The agent's own escalations and their state, newest first; the answer is in the tooltip and,
    once it arrives, on the line itself. Ctrl+Shift+X cancels the selected open one."""

    object_name = "myEscalations"

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._service: EscalationService | None = None
        self._texts = EscalationTexts(self)
        self.title = QLabel(objectName="myEscalationsTitle")
        self.title.setStyleSheet("font-weight: bold;")
        self.list = QListWidget(objectName="myEscalationsList")
        self.notice = QLabel(objectName="myEscalationsNotice")
        self.notice.setWordWrap(True)
        self.error_label = self.notice
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.title)
        layout.addWidget(self.list, 1)
        layout.addWidget(self.notice)
        self.cancel_action = self.action(self.tr("Cancel my escalation"), ["Ctrl+Shift+X"], self._cancel,
                                         name="cancelEscalationAction")
        self._reload()

    def page_title(self) -> str:
        return self.tr("My escalations")

    def set_session(self, seat: SeatSession | None) -> None:
        if self._service is not None:
            disconnect(self._service.changed, self._reload)
            disconnect(self._service.rejected, self._refused)
        super().set_session(seat)
        self._service = getattr(seat, "escalations", None)
        if self._service is not None:
            self._service.changed.connect(self._reload)
            self._service.rejected.connect(self._refused)
            self._service.refresh_soon()
        self.notice.clear()
        self._reload()

    def _reload(self) -> None:
        if not shiboken6.isValid(self):
            return
        items = newest_first(self._service.mine.values()) if self._service is not None else []
        selected = self._selected_id()
        self.list.clear()
        for item in items:
            line = f"[{self._texts.state(item)}] {self._texts.group(item.get('group', ''))} · {item['question']}"
            if item.get("answer"):
                line += "\n→ " + item["answer"]
            row = QListWidgetItem(line)
            row.setData(Qt.ItemDataRole.UserRole, item["id"])
            row.setToolTip(item.get("answer") or item["question"])
            self.list.addItem(row)
            if item["id"] == selected:
                self.list.setCurrentItem(row)
        waiting = sum(1 for i in items if i["state"] in ACTIVE)
        title = self.tr("My escalations: {count} waiting").format(count=waiting)
        if self._service is not None and self._service.offline:
            title += "  " + self.tr("(offline: the answers arrive when the link is back)")
        self.title.setText(title)

    def _selected_id(self) -> str | None:
        row = self.list.currentItem()
        return row.data(Qt.ItemDataRole.UserRole) if row is not None else None

    def _cancel(self) -> None:
        esc_id = self._selected_id()
        if self._service is None or esc_id is None:
            return
        if self._service.mine.get(esc_id, {}).get("state") not in ACTIVE:
            self.notice.setText(self.tr("Only a waiting or claimed escalation can be cancelled."))
            return
        self.operation(self._service.cancel(esc_id)).busy(self.cancel_action) \
            .failure(lambda _exc, _text: self.notice.setStyleSheet(ERROR_STYLE)) \
            .success(lambda _result: self._cancelled()).run()

    def _cancelled(self) -> None:
        self.notice.setStyleSheet("")
        self.notice.setText(self.tr("Escalation cancelled"))

    def _refused(self, rejection: Any) -> None:
        if shiboken6.isValid(self):
            self.notice.setStyleSheet(ERROR_STYLE)
            self.notice.setText(self._texts.refusal(rejection))

