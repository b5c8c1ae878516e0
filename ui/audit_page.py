"""The audit page (审计), for administrators (R14): who read which caller or order, when, from which
seat; refused sign-ins and requests. Newest first, by user name, caller's number and period.

Enter in a filter field (or Ctrl+R) reads the log again with the filters; Up/Down move in the list.
Nothing of it is kept on the seat."""
from __future__ import annotations

from typing import Any

from PySide6.QtCore import QObject, Qt
from PySide6.QtWidgets import QComboBox, QHBoxLayout, QLabel, QLineEdit, QWidget

from domain.phone import InvalidPhoneNumber, normalize_phone
from ui.desk_page import DeskPage
from ui.page import action_button, moment
from ui.rows_model import RowsModel
from workstation.desk_lists import AUDIT_LIMIT, AUDIT_PERIODS_DAYS, AuditService


class AuditModel(RowsModel):
    """One row per audited event: when, who, which seat, what, which record."""

    WHEN, USER, SEAT, ACTION, RECORD = range(5)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__([self.tr("When"), self.tr("User"), self.tr("Seat"), self.tr("What"), self.tr("Record")],
                         parent, "auditModel")

    def action_name(self, action: str) -> str:
        names = {"read": self.tr("Read"), "list": self.tr("Listed"), "list_by_phone": self.tr("Listed by phone"),
                 "search_by_phone": self.tr("Searched by phone"), "progress": self.tr("Progress lookup"),
                 "feed": self.tr("Synced"), "snapshot": self.tr("Synced (snapshot)"),
                 "sign_in_failed": self.tr("Wrong password"), "sign_in_locked": self.tr("Sign-in while locked"),
                 "sign_in_disabled": self.tr("Sign-in of a disabled account"),
                 "forbidden": self.tr("Refused (not allowed)"), "unauthenticated": self.tr("Refused (not signed in)"),
                 "read_audit": self.tr("Read the audit"), "reveal": self.tr("Showed the number in full"),
                 "sign_in_unregistered_seat": self.tr("Sign-in from an unregistered seat")}
        return names.get(action, action)

    def entity_name(self, entity: str) -> str:
        names = {"caller": self.tr("caller"), "work_order": self.tr("order"), "user": self.tr("account"),
                 "request": self.tr("request"), "audit": self.tr("audit")}
        return names.get(entity, entity)

    def cell(self, item: dict, column: int, role: int) -> Any:
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole):
            return self._text(item, column)
        return None

    def _text(self, item: dict, column: int) -> str:
        if column == self.WHEN:
            return moment(item.get("at"))
        if column == self.USER:
            return str(item.get("username") or "—")
        if column == self.SEAT:
            return str(item.get("seat") or "—")
        if column == self.ACTION:
            return self.action_name(str(item.get("action") or ""))
        if column == self.RECORD:
            return f"{self.entity_name(str(item.get('entity') or ''))} {item.get('entity_id') or ''}".strip()
        return ""


class AuditPage(DeskPage):
    """`set_session(seat)`: an AuditService of the page's own (the seat keeps none)."""

    object_name, service_attr, service_class = "auditPage", "audit", AuditService
    sends_later = False

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._set_up()

    def page_title(self) -> str:
        return self.tr("Audit")

    # --- layout ---------------------------------------------------------------------------------
    def _build(self) -> None:
        top = self._build_common("audit", AuditModel(self))
        self.user_edit = QLineEdit(objectName="auditUser")
        self.user_edit.setMaxLength(64)
        self.user_edit.setPlaceholderText(self.tr("User name (all when empty)"))
        self.caller_edit = QLineEdit(objectName="auditCaller")
        self.caller_edit.setMaxLength(32)
        self.caller_edit.setPlaceholderText(self.tr("Caller's number (all when empty)"))
        self.period_box = QComboBox(objectName="auditPeriod")
        for days in AUDIT_PERIODS_DAYS:
            self.period_box.addItem(self.tr("Today") if days == 1 else
                                    self.tr("Last {days} days").format(days=days), days)
        self.period_box.setCurrentIndex(AUDIT_PERIODS_DAYS.index(7))
        for edit in (self.user_edit, self.caller_edit):
            edit.returnPressed.connect(self.search)
        self.period_box.activated.connect(lambda _index: self.search())
        self.filters = QHBoxLayout()
        for label, widget in ((self.tr("User"), self.user_edit), (self.tr("Caller"), self.caller_edit),
                              (self.tr("Period"), self.period_box)):
            caption = QLabel(label)
            caption.setBuddy(widget)
            self.filters.addWidget(caption)
            self.filters.addWidget(widget, 1 if widget is not self.period_box else 0)
        self.setFocusProxy(self.user_edit)
        self._lay_out(top, self.filters, self.error_label, self.notice, (self.table, 1))

    def _build_actions(self) -> None:
        self.search_action = self.action(self.tr("Read the audit log with these filters"), ["Ctrl+R"], self.search,
                                         name="searchAuditAction")
        self.filters.addWidget(action_button(self.search_action, "auditSearch"))

    # --- the list -------------------------------------------------------------------------------
    def search(self) -> None:
        service = self._service
        if not isinstance(service, AuditService):
            return
        caller = self.caller_edit.text().strip()
        try:
            caller = normalize_phone(caller) if caller else ""
        except InvalidPhoneNumber:
            self.error_label.setText(self.tr("Not a phone number: {text}").format(text=caller))
            self.caller_edit.setFocus()
            return
        self.error_label.clear()
        self.operation(service.search(self.user_edit.text(), caller, int(self.period_box.currentData()))) \
            .busy(self.search_action).run()

    def _show(self) -> None:
        service = self._service
        self.search_action.setEnabled(service is not None)
        if not isinstance(service, AuditService):
            self.model.set_items([])
            self.status_label.setText(self.signed_out_text())
            self._show_state()
            return
        self.model.set_items(service.items)
        count = len(service.items)
        self.status_label.setText(
            self.tr("{count} events, newest first (the newest {limit} shown)").format(count=count, limit=AUDIT_LIMIT)
            if count >= AUDIT_LIMIT else self.tr("{count} events, newest first").format(count=count))
        if count and not self.table.currentIndex().isValid():
            self.table.setCurrentIndex(self.model.index(0, 0))
        self._show_state()
