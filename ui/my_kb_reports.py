"""My knowledge reports (我的纠错): the errors the user reported and the answers proposed, with
the knowledge editors' decisions (accepted, or rejected and why), newest first. Up/Down move; the
reason of a rejection shows in full below the list. Ctrl+R reads it again."""
from __future__ import annotations

from typing import Any

from PySide6.QtCore import QObject, Qt
from PySide6.QtWidgets import QLabel, QWidget

from ui.desk_page import DeskPage
from ui.page import moment
from ui.rows_model import RowsModel
from workstation.desk_lists import MyKbReportsService


class MyKbReportsModel(RowsModel):
    """One row per report: the entry, what was said, the outcome, the editor's note, when."""

    ENTRY, REPORT, OUTCOME, NOTE, AT = range(5)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__([self.tr("Entry"), self.tr("Report"), self.tr("Outcome"), self.tr("Editor's note"),
                          self.tr("Reported at")], parent, "myKbReportsModel")

    def outcome(self, item: dict) -> str:
        return {"open": self.tr("Waiting for the editors"), "accepted": self.tr("Accepted"),
                "rejected": self.tr("Rejected")}.get(str(item.get("status")), str(item.get("status") or ""))

    def cell(self, item: dict, column: int, role: int) -> Any:
        if role != Qt.ItemDataRole.DisplayRole:
            return None
        return {self.ENTRY: str(item.get("_title") or item.get("entry_id") or ""),
                self.REPORT: " ".join(str(item.get("comment") or "").split()),
                self.OUTCOME: self.outcome(item), self.NOTE: " ".join(str(item.get("decision_note") or "").split()),
                self.AT: moment(item.get("at"))}.get(column, "")


class MyKbReportsPage(DeskPage):
    """`set_session(seat)`: a MyKbReportsService of the page's own."""

    object_name, service_attr, service_class = "myKbReportsPage", "my_kb_reports", MyKbReportsService
    sends_later = False

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._set_up()

    def page_title(self) -> str:
        return self.tr("My reports")

    def _build(self) -> None:
        top = self._build_common("myKbReports", MyKbReportsModel(self))
        self.detail = QLabel(objectName="myKbReportDetail", wordWrap=True,
                             textInteractionFlags=Qt.TextInteractionFlag.TextSelectableByMouse)
        self.table.selectionModel().currentRowChanged.connect(lambda current, _old: self._show_detail(current.row()))
        self.setFocusProxy(self.table)
        self._lay_out(top, self.error_label, self.notice, (self.table, 1), self.detail)

    def _build_actions(self) -> None:
        self.refresh_action = self.action(self.tr("Read my reports again"), ["Ctrl+R"], self.refresh,
                                          name="refreshMyKbReportsAction")

    def _show(self) -> None:
        service = self._service
        self.refresh_action.setEnabled(service is not None)
        if not isinstance(service, MyKbReportsService):
            self.model.set_items([])
            self.status_label.setText(self.signed_out_text())
            self._show_state()
            return
        self.model.set_items([{**i, "_title": i.get("entry_title")} for i in service.items])
        decided = sum(1 for i in service.items if i.get("status") != "open")
        self.status_label.setText(self.tr("{count} reports, {decided} decided").format(
            count=len(service.items), decided=decided))
        if service.items and not self.table.currentIndex().isValid():
            self.table.setCurrentIndex(self.model.index(0, 0))
        self._show_detail(self.table.currentIndex().row())
        self._show_state()

    def _show_detail(self, row: int) -> None:
        item = self.model.item(row) if row >= 0 else None
        if item is None or item.get("status") == "open":
            self.detail.clear()
            return
        self.detail.setText(self.tr("{outcome} by {who} on {when}: {note}").format(
            outcome=self.model.outcome(item), who=item.get("decided_by") or "—", when=moment(item.get("decided_at")),
            note=item.get("decision_note") or "—"))
