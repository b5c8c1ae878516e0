"""A handling unit's desk (承办单位工作台): the orders where the unit has a part to do, the earliest
deadline first, pushed to it as they are dispatched (R12).

Up/Down pick an order; its request and timeline show below (read from the platform). S signs it
(签收); Y writes the reply, T asks for a return (退单) with the reason, E for an extension (延期) with
the working days and the reason: Ctrl+Enter sends, Esc goes back to the list. Everything goes
through the outbox, so it is kept offline too."""
from __future__ import annotations

import html
import logging
from typing import Any

from PySide6.QtCore import QObject, Qt
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QSpinBox,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from domain.workorder import attachment_names
from ui.desk_page import DeskPage
from ui.my_orders import timeline_action_name, timeline_step_words
from ui.page import ERROR, action_button, day, facts_table, splitter
from ui.rows_model import RowsModel
from workstation.platform_client import PlatformError, PlatformUnreachable
from workstation.worklists import UnitDesk

log = logging.getLogger(__name__)


class UnitDeskModel(RowsModel):
    key = "number"
    NUMBER, STATE, TITLE, CATEGORY, DEADLINE = range(5)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__([self.tr("Order"), self.tr("State"), self.tr("Title"), self.tr("Category"),
                          self.tr("Deadline")], parent, "unitDeskModel")

    def state(self, item: dict) -> str:
        if item.get("sending"):
            return self.tr("Sending…")
        names = {"dispatched": self.tr("To sign"), "in_progress": self.tr("Signed"), "replied": self.tr("Replied"),
                 "return_review": self.tr("Return asked"), "extension_review": self.tr("Extension asked")}
        state = str((item.get("_part") or {}).get("state") or item.get("status") or "")
        return names.get(state, state)

    def cell(self, item: dict, column: int, role: int) -> Any:
        if role != Qt.ItemDataRole.DisplayRole:
            return None
        return {self.NUMBER: str(item.get("number") or ""), self.STATE: self.state(item),
                self.TITLE: " ".join(str(item.get("title") or "").split()),
                self.CATEGORY: str(item.get("_category") or ""),
                self.DEADLINE: day((item.get("_part") or {}).get("deadline") or item.get("deadline"))}.get(column, "")


class UnitDeskPage(DeskPage):
    """`set_session(seat)`: a UnitDesk service of the page's own. The mutation id of the last
    action is in `last_action`."""

    object_name, service_attr, service_class = "unitDeskPage", "unit_desk", UnitDesk

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.last_action = ""
        self._mode: str | None = None  # reply | apply_return | apply_extension
        self._shown: str | None = None
        self._set_up()

    def page_title(self) -> str:
        return self.tr("Unit desk")

    def _build(self) -> None:
        top = self._build_common("unitDesk", UnitDeskModel(self))
        self.table.selectionModel().currentRowChanged.connect(lambda current, _old: self._show_order(current.row()))
        self.setFocusProxy(self.table)
        self.detail = QTextBrowser(objectName="unitDeskDetail")
        self.detail.setOpenLinks(False)
        self.mode_label = QLabel(objectName="unitDeskMode")
        self.mode_label.setStyleSheet("font-weight: 600;")
        self.text_edit = QPlainTextEdit(objectName="unitDeskText")
        self.text_edit.setTabChangesFocus(True)
        self.text_edit.setMaximumHeight(110)
        self.attachments_edit = QLineEdit(objectName="unitDeskAttachments")
        self.attachments_edit.setPlaceholderText(self.tr("Attachments sent with the reply: their file names, "
                                                         "separated by 、 (optional)"))
        self.days_spin = QSpinBox(objectName="unitDeskDays")
        self.days_spin.setRange(1, 30)
        self.days_spin.setValue(5)
        self.panel_error = QLabel(objectName="unitDeskError", wordWrap=True)
        self.panel_error.setStyleSheet(f"color: {ERROR};")
        self.panel = QWidget(objectName="unitDeskPanel")
        box = QVBoxLayout(self.panel)
        box.setContentsMargins(0, 0, 0, 0)
        for widget in (self.mode_label, self.days_spin, self.text_edit, self.attachments_edit, self.panel_error):
            box.addWidget(widget)
        self.buttons = QHBoxLayout()
        self.panel.hide()
        lower = QWidget()
        column = QVBoxLayout(lower)
        column.setContentsMargins(0, 0, 0, 0)
        column.addWidget(self.detail, 1)
        column.addLayout(self.buttons)
        column.addWidget(self.panel)
        self._lay_out(top, self.error_label, self.notice,
                      (splitter("unitDeskSplitter", [self.table, lower], [240, 420]), 1))

    def _build_actions(self) -> None:
        self.sign_action = self.action(self.tr("Sign the order"), ["S", "Alt+S"], self.sign, name="signOrderAction")
        self.reply_action = self.action(self.tr("Write the reply"), ["Y", "Alt+Y"], lambda: self.open_panel("reply"),
                                        name="replyOrderAction")
        self.return_action = self.action(self.tr("Ask for a return"), ["T", "Alt+T"],
                                         lambda: self.open_panel("apply_return"), name="returnOrderAction")
        self.extension_action = self.action(self.tr("Ask for an extension"), ["E", "Alt+E"],
                                            lambda: self.open_panel("apply_extension"), name="extendOrderAction")
        self.send_action = self.action(self.tr("Send"), ["Ctrl+Return", "Ctrl+Enter"], self.send,
                                       name="sendUnitActionAction")
        self.back_action = self.action(self.tr("Back to the list"), ["Esc"], self.back_to_list,
                                       name="backToUnitDeskAction")
        self.refresh_action = self.action(self.tr("Read the list again"), ["Ctrl+R"], self.refresh,
                                          name="refreshUnitDeskAction")
        for action, name in ((self.sign_action, "unitDeskSign"), (self.reply_action, "unitDeskReply"),
                             (self.return_action, "unitDeskReturn"), (self.extension_action, "unitDeskExtend")):
            self.buttons.addWidget(action_button(action, name))
        self.buttons.addStretch(1)

    # --- the list -------------------------------------------------------------------------------
    def _show(self) -> None:
        service = self._service
        if self._show_signed_out(lambda: self._show_order(-1)):
            return
        self.model.set_items([{**i, "_part": service.part(i),
                               "_category": self.category_name(str(i.get("category_id") or ""))}
                              for i in service.items])
        self.status_label.setText(self.tr("{count} orders to handle").format(count=len(service.items)))
        self._show_order(self._select(self._shown))
        self._show_state()

    def _show_order(self, row: int) -> None:
        item = self.model.item(row) if row >= 0 else None
        number = str(item["number"]) if item is not None else None
        if number != self._shown:
            self._shown = number
            self._leave_panel(self.panel)
            self._mode = None
            if item is not None:
                self._read_detail(item)
        if item is None:
            self.detail.clear()

    def _read_detail(self, item: dict) -> None:
        """The request in full (the seat keeps the summary only), read from the platform."""
        service = self._service
        self.detail.setHtml(facts_table([(self.tr("Title"), item.get("title")),
                                         (self.tr("Deadline"), day((item.get("_part") or {}).get("deadline")))]))
        if not isinstance(service, UnitDesk):
            return

        async def read() -> dict | None:
            try:
                return await service.client.work_order(str(item["number"]))
            except (PlatformUnreachable, PlatformError) as exc:
                log.info("order detail not read: %s", type(exc).__name__)
                return None
        self.operation(read()).success(lambda body: self._show_detail(str(item["number"]), body)).run()

    def _show_detail(self, number: str, body: dict | None) -> None:
        if body is None or number != self._shown:
            return
        rows = [(self.tr("Title"), body.get("title")), (self.tr("Content"), body.get("content")),
                (self.tr("Place"), " ".join(str(body.get(k) or "") for k in ("address_district", "address_street",
                                                                              "address_detail"))),
                (self.tr("Deadline"), day(body.get("deadline")))]
        steps = "".join(f"<li>{html.escape(timeline_action_name(str(t.get('action') or '')))} · "
                        f"{html.escape(day(t.get('at')))}"
                        + (f" · {html.escape(words)}" if (words := timeline_step_words(t)) else "") + "</li>"
                        for t in body.get("timeline") or [])
        self.detail.setHtml(facts_table(rows) + (f"<ul>{steps}</ul>" if steps else ""))

    # --- acting ---------------------------------------------------------------------------------
    def sign(self) -> None:
        item, service = self.current_item(), self._service
        if item is None or not isinstance(service, UnitDesk):
            return
        self._run(service.act(item, "sign"), item, self.tr("Order {number} signed"))

    def open_panel(self, mode: str) -> None:
        if self.current_item() is None:
            return
        self._mode = mode
        titles = {"reply": self.tr("Reply to the requester (what was done): Ctrl+Enter sends"),
                  "apply_return": self.tr("Why the order is not this unit's: Ctrl+Enter asks for the return"),
                  "apply_extension": self.tr("Working days more and why: Ctrl+Enter asks for the extension")}
        self.mode_label.setText(titles[mode])
        self.days_spin.setVisible(mode == "apply_extension")
        self.attachments_edit.setVisible(mode == "reply")
        self.attachments_edit.clear()
        self.text_edit.clear()
        self.panel_error.clear()
        self.panel.show()
        self.text_edit.setFocus(Qt.FocusReason.ShortcutFocusReason)

    def back_to_list(self) -> None:
        self._mode = None
        self._leave_panel(self.panel)
        self.table.setFocus(Qt.FocusReason.ShortcutFocusReason)

    def send(self) -> None:
        item, service, mode = self.current_item(), self._service, self._mode
        if item is None or not isinstance(service, UnitDesk) or mode is None:
            return
        text = self.text_edit.toPlainText().strip()
        if not text:
            self.panel_error.setText(self.tr("Write it first."))
            return
        payload: dict[str, Any] = {"reply": text} if mode == "reply" else {"reason": text}
        if mode == "apply_extension":
            payload["working_days"] = self.days_spin.value()
        if mode == "reply":
            try:
                payload["attachments"] = attachment_names(self.attachments_edit.text())
            except ValueError as exc:
                self.panel_error.setText(self.tr("The attachments: {error}").format(error=exc))
                return
        done = {"reply": self.tr("Order {number}: reply sent"),
                "apply_return": self.tr("Order {number}: return asked"),
                "apply_extension": self.tr("Order {number}: extension asked")}[mode]
        self._run(service.act(item, mode, **payload), item, done)

    def _run(self, coro: Any, item: dict, done: str) -> None:
        self.operation(coro).failure_text(self.tr("Not sent: {error}")) \
            .success(lambda mutation_id: self._acted(item, done, mutation_id)).run()

    def _acted(self, item: dict, done: str, mutation_id: str) -> None:
        self.last_action = mutation_id
        self.notice.setText(self.texts.kept(done.format(number=item.get("number")), self._seat))
        self.back_to_list()
