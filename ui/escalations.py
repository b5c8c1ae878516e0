"""Expert escalations (升级求助), both sides.

- The agent: `escalate(...)` opens `EscalateDialog` (group, question, attach the current call) and
  raises the escalation with the form as it stands; `MyEscalations` lists the agent's own.
- The expert: `EscalationInbox`, a page listing the active escalations live (newest first); the
  selected one shows the caller card, the agent's draft and an answer box. From there the expert
  claims, answers, joins the call, or proposes a knowledge change (`KbProposalDialog`).

Every change goes through the seat's `EscalationService` (the outbox): nothing typed is lost
offline, and the platform's refusals are shown with its reason."""
from __future__ import annotations

import asyncio
import html
import logging
import sqlite3
from datetime import datetime
from typing import Any

import shiboken6
from PySide6.QtCore import (
    QCoreApplication,
    QEvent,
    QModelIndex,
    QObject,
    Qt,
    QTimer,
    Signal,
)
from PySide6.QtGui import QAction, QColor, QKeyEvent, QKeySequence
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QDialog,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPlainTextEdit,
    QPushButton,
    QSplitter,
    QTableView,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)
from qasync import asyncSlot

from domain import clock
from domain.phone import mask_phone
from domain.workorder import RequestType
from offline_cache import kb_index
from offline_cache.store import Rejection
from ui.caller_card import CallerCard
from ui.page_actions import desk_action, desk_button
from ui.rows_model import RowsModel
from workstation.calls import Call
from workstation.escalations import (
    ACTIVE,
    ANSWER_MAX,
    COMMENT_MAX,
    GROUPS,
    PROPOSED_ANSWER_MAX,
    QUESTION_MAX,
    EscalationService,
    newest_first,
)
from workstation.platform_client import PlatformError
from workstation.session import SeatSession
from workstation.sync import LinkState

log = logging.getLogger(__name__)

AGE_TICK_MS = 30_000
SEARCH_DELAY_MS = 120
KB_RESULTS = 20
ANSWERED_KEPT = 20  # answered escalations kept in the inbox, for a knowledge change proposed afterwards
ERROR_STYLE = "color: #b3261e;"
MUTED_STYLE = "color: palette(mid);"
CLOSED_COLOUR = QColor("#6b6b6b")
_ENTER = (Qt.Key.Key_Return, Qt.Key.Key_Enter)


class EscalationTexts(QObject):
    """Words shared by the escalation widgets (one translation context for them)."""

    def groups(self) -> dict[str, str]:
        return {"general": self.tr("General"), "policy": self.tr("Policy"), "legal": self.tr("Legal"),
                "technical": self.tr("Technical")}

    def group(self, name: str) -> str:
        return self.groups().get(name, name)

    def state(self, item: dict, me: str = "") -> str:
        state, expert = item.get("state"), item.get("expert_username") or ""
        if state == "open":
            return self.tr("Waiting")
        if state == "claimed":
            return self.tr("Claimed by me") if expert and expert == me else \
                self.tr("Claimed by {expert}").format(expert=expert)
        if state == "answered":
            return self.tr("Answered")
        if state == "cancelled":
            return self.tr("Cancelled")
        return str(state or "")

    def age(self, stamp: str | None, now: datetime) -> str:
        try:
            minutes = int((now - clock.parse(stamp or "")).total_seconds() // 60)
        except ValueError:
            return ""
        if minutes < 1:
            return self.tr("just now")
        if minutes < 60:
            return self.tr("{minutes} min").format(minutes=minutes)
        return self.tr("{hours} h {minutes} min").format(hours=minutes // 60, minutes=minutes % 60)

    def refusal(self, rejection: Rejection) -> str:
        """A refused change in words the expert or the agent can act on, with the platform's reason."""
        reason = rejection.message or rejection.code
        if rejection.code == "escalation_taken":
            return self.tr("Another expert has claimed this escalation: {reason}").format(reason=reason)
        if rejection.code == "escalation_closed":
            return self.tr("The escalation is closed already: {reason}").format(reason=reason)
        if rejection.status == 403:
            return self.tr("Your role may not do this: {reason}").format(reason=reason)
        return self.tr("The platform refused the change ({code}): {reason}").format(code=rejection.code,
                                                                                     reason=reason)


async def _finished(dialog: QDialog) -> int:
    """Show a dialog without a nested event loop and wait until it closes."""
    done: asyncio.Future[int] = asyncio.get_running_loop().create_future()
    dialog.finished.connect(lambda result: done.done() or done.set_result(result))
    dialog.open()
    return await done


def _send_and_cancel(dialog: QDialog, action_text: str, name: str) -> tuple[QAction, QHBoxLayout]:
    """A dialog's send action (Ctrl+Enter, and `dialog.send`) with its Send and Cancel (Esc) buttons."""
    action = QAction(action_text, dialog)
    action.setShortcuts([QKeySequence("Ctrl+Return"), QKeySequence("Ctrl+Enter")])
    action.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
    action.triggered.connect(dialog.send)
    dialog.addAction(action)
    send = QPushButton(QCoreApplication.translate("DialogButtons", "Send (Ctrl+Enter)"), objectName=f"{name}Send")
    cancel = QPushButton(QCoreApplication.translate("DialogButtons", "Cancel (Esc)"), objectName=f"{name}Cancel")
    for button in (send, cancel):
        button.setAutoDefault(False)  # Enter belongs to the text, not to a button
    send.clicked.connect(action.trigger)
    cancel.clicked.connect(dialog.reject)
    row = QHBoxLayout()
    row.addStretch(1)
    row.addWidget(send)
    row.addWidget(cancel)
    return action, row


# --- the agent's side -------------------------------------------------------------------------------

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
        self.error_label = QLabel(objectName="escalationError")
        self.error_label.setStyleSheet(ERROR_STYLE)
        self.error_label.setWordWrap(True)
        self.send_action, buttons = _send_and_cancel(self, self.tr("Send to the experts"), "escalation")
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
        if not question:
            self.error_label.setText(self.tr("Write the question first."))
            return
        if len(question) > QUESTION_MAX:
            self.error_label.setText(self.tr("The question is too long ({count} of at most {limit} characters).")
                                     .format(count=len(question), limit=QUESTION_MAX))
            return
        self.send_action.setEnabled(False)  # one escalation per Ctrl+Enter, however fast the keys
        self._record(question, str(self.group_combo.currentData()))

    @asyncSlot(str, str)
    async def _record(self, question: str, group: str) -> None:
        call = self.call if self.attach_box.isChecked() else None
        try:
            esc_id = await self.seat.escalations.raise_(
                question, group, call_id=call.platform_id if call else None,
                caller_phone=call.caller_number if call else "", caller_name=call.caller_name if call else "",
                draft=self.draft)
        except (ValueError, sqlite3.Error) as exc:
            log.warning("escalation not recorded: %s", type(exc).__name__)
            if shiboken6.isValid(self):
                self.send_action.setEnabled(True)
                self.error_label.setText(self.tr("The escalation could not be recorded: {error}").format(error=exc))
            return
        if shiboken6.isValid(self):
            self.escalation_id = esc_id
            self.accept()


async def escalate(parent: QWidget | None, seat: SeatSession, question: str = "", call: Call | None = None,
                   draft: dict | None = None) -> str | None:
    """Ask the agent what to escalate and raise it; the new escalation's id, or None when cancelled.
    A coroutine: the dialog is window-modal without a nested event loop."""
    dialog = EscalateDialog(seat, question, call, draft, parent)
    try:
        await _finished(dialog)
        return dialog.escalation_id if shiboken6.isValid(dialog) else None
    finally:
        if shiboken6.isValid(dialog):
            dialog.deleteLater()


class MyEscalations(QWidget):
    """The agent's own escalations and their state, newest first; the answer is in the tooltip and,
    once it arrives, on the line itself. Ctrl+Shift+X cancels the selected open one."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("myEscalations")
        self._seat: SeatSession | None = None
        self._service: EscalationService | None = None
        self._texts = EscalationTexts(self)
        self.title = QLabel(objectName="myEscalationsTitle")
        self.title.setStyleSheet("font-weight: bold;")
        self.list = QListWidget(objectName="myEscalationsList")
        self.notice = QLabel(objectName="myEscalationsNotice")
        self.notice.setWordWrap(True)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.title)
        layout.addWidget(self.list, 1)
        layout.addWidget(self.notice)
        self.cancel_action = desk_action(self, self.tr("Cancel my escalation"), ["Ctrl+Shift+X"], self._cancel,
                                     "cancelEscalationAction")
        self.actions_for_help = [self.cancel_action]
        self._reload()

    def page_title(self) -> str:
        return self.tr("My escalations")

    def set_session(self, seat: SeatSession | None) -> None:
        if self._service is not None:
            _disconnect(self._service.changed, self._reload)
            _disconnect(self._service.rejected, self._refused)
        self._seat, self._service = seat, getattr(seat, "escalations", None)
        if self._service is not None:
            self._service.changed.connect(self._reload)
            self._service.rejected.connect(self._refused)
            self._service.schedule_refresh()
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
        self._record_cancel(esc_id)

    @asyncSlot(str)
    async def _record_cancel(self, esc_id: str) -> None:
        service = self._service
        if service is None:
            return
        await service.cancel(esc_id)
        if shiboken6.isValid(self):
            self.notice.setStyleSheet("")
            self.notice.setText(self.tr("Escalation cancelled"))

    def _refused(self, rejection: Rejection) -> None:
        if shiboken6.isValid(self):
            self.notice.setStyleSheet(ERROR_STYLE)
            self.notice.setText(self._texts.refusal(rejection))


# --- the expert's side ------------------------------------------------------------------------------

class EscalationModel(RowsModel):
    """The inbox's rows: state, group, agent, age, question."""

    STATE, GROUP, AGENT, AGE, QUESTION = range(5)
    IdRole = Qt.ItemDataRole.UserRole + 1

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__([self.tr("State"), self.tr("Group"), self.tr("Agent"), self.tr("Waiting for"),
                          self.tr("Question")], parent)
        self.setObjectName("escalationModel")
        self._me = ""
        self._now = clock.now()
        self._texts = EscalationTexts(self)

    def set_items(self, items: list[dict], me: str) -> None:
        self._me, self._now = me, clock.now()
        self._reset(items)

    def tick(self) -> None:
        """Ages move on."""
        self._now = clock.now()
        if self._rows:
            self.dataChanged.emit(self.index(0, self.AGE), self.index(len(self._rows) - 1, self.AGE))

    def cell(self, item: dict, column: int, role: int) -> Any:
        if role == self.IdRole:
            return item["id"]
        if role == Qt.ItemDataRole.DisplayRole:
            return self._text(item, column)
        if role == Qt.ItemDataRole.ToolTipRole and column == self.QUESTION:
            return item["question"]
        if role == Qt.ItemDataRole.ForegroundRole and item["state"] not in ACTIVE:
            return CLOSED_COLOUR  # answered: kept for a knowledge change, greyed
        return None

    def _text(self, item: dict, column: int) -> str | None:
        if column == self.STATE:
            return self._texts.state(item, self._me)
        if column == self.GROUP:
            return self._texts.group(item.get("group", ""))
        if column == self.AGENT:
            return item.get("agent_username") or ""
        if column == self.AGE:
            return self._texts.age(item.get("created_at"), self._now) if item["state"] in ACTIVE else ""
        if column == self.QUESTION:
            return " ".join(item["question"].split())
        return None


class EscalationInbox(QWidget):
    """The expert's page. `set_session(seat)` with `seat.escalations` set. The list follows the
    platform's events; the selected escalation shows the caller, the agent's draft and the answer box.
    Keys (inside the page): Ctrl+Enter answer (claims first), Alt+C claim, Ctrl+Shift+J join the
    call, Ctrl+Shift+K propose a knowledge change, Ctrl+R read the list again; Enter in the list goes
    to the answer box."""

    answer_sent = Signal(str)     # escalation id
    proposal_sent = Signal(str)   # the correction's mutation id

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("escalationInbox")
        self._seat: SeatSession | None = None
        self._service: EscalationService | None = None
        self._shown_id: str | None = None
        self._shown_answer: str | None = None
        self._texts = EscalationTexts(self)
        self._age_timer = QTimer(self, interval=AGE_TICK_MS)
        self._build()
        self._build_actions()
        self._age_timer.timeout.connect(self.model.tick)
        self._show_item(None)
        self._update_status()

    def page_title(self) -> str:
        return self.tr("Expert escalations")

    # --- layout ---------------------------------------------------------------------------------
    def _build(self) -> None:
        self.status = QLabel(objectName="escalationStatus")
        self.model = EscalationModel(self)
        self.view = QTableView(objectName="escalationList")
        self.view.setModel(self.model)
        self.view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.view.verticalHeader().hide()
        self.view.setWordWrap(False)
        header = self.view.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(EscalationModel.QUESTION, QHeaderView.ResizeMode.Stretch)
        self.view.selectionModel().currentRowChanged.connect(lambda current, _old: self._current_changed(current))
        self.view.activated.connect(lambda _index: self.focus_answer())

        self.question_label = QLabel(objectName="escalationQuestionText")
        self.question_label.setWordWrap(True)
        self.question_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.question_label.setStyleSheet("font-size: 12pt; font-weight: bold;")
        self.meta_label = QLabel(objectName="escalationMeta")
        self.meta_label.setWordWrap(True)
        self.meta_label.setStyleSheet(MUTED_STYLE)
        self.caller_card = CallerCard()
        # the window may show its own caller card: this one's key works only with the focus in it
        self.caller_card.reveal_action.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        self.draft_view = QTextBrowser(objectName="escalationDraft")
        self.draft_view.setOpenLinks(False)
        self.answer_edit = QPlainTextEdit(objectName="escalationAnswer")
        self.answer_edit.setTabChangesFocus(True)
        self.answer_edit.setMaximumHeight(140)
        self.answer_edit.setPlaceholderText(self.tr("Your answer for the agent. Ctrl+Enter sends"))
        self.notice = QLabel(objectName="escalationNotice")
        self.notice.setWordWrap(True)

        detail = QWidget(objectName="escalationDetail")
        detail_layout = QVBoxLayout(detail)
        detail_layout.setContentsMargins(0, 0, 0, 0)
        detail_layout.addWidget(self.question_label)
        detail_layout.addWidget(self.meta_label)
        middle = QSplitter(Qt.Orientation.Horizontal, objectName="escalationDetailSplitter")
        middle.setChildrenCollapsible(False)
        middle.addWidget(self.caller_card)
        draft_box = QWidget()
        draft_layout = QVBoxLayout(draft_box)
        draft_layout.setContentsMargins(0, 0, 0, 0)
        draft_title = QLabel(self.tr("The agent's draft"))
        draft_title.setStyleSheet("font-weight: bold;")
        draft_layout.addWidget(draft_title)
        draft_layout.addWidget(self.draft_view, 1)
        middle.addWidget(draft_box)
        middle.setSizes([280, 420])
        detail_layout.addWidget(middle, 1)
        self.buttons = QHBoxLayout()
        detail_layout.addWidget(self.answer_edit)
        detail_layout.addLayout(self.buttons)
        detail_layout.addWidget(self.notice)

        splitter = QSplitter(Qt.Orientation.Vertical, objectName="escalationSplitter")
        splitter.setChildrenCollapsible(False)
        splitter.addWidget(self.view)
        splitter.addWidget(detail)
        splitter.setSizes([220, 520])
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.status)
        layout.addWidget(splitter, 1)

    def _build_actions(self) -> None:
        self.answer_action = desk_action(self, self.tr("Send the answer"), ["Ctrl+Return", "Ctrl+Enter"],
                                     self.send_answer, "answerEscalationAction")
        self.claim_action = desk_action(self, self.tr("Claim the escalation"), ["Alt+C"], self.claim,
                                    "claimEscalationAction")
        self.join_action = desk_action(self, self.tr("Join the call"), ["Ctrl+Shift+J"], self.join,
                                   "joinEscalationAction")
        self.propose_action = desk_action(self, self.tr("Propose a knowledge change"), ["Ctrl+Shift+K"], self.propose,
                                      "proposeKbChangeAction")
        self.refresh_action = desk_action(self, self.tr("Read the list again"), ["Ctrl+R"], self.refresh,
                                      "refreshEscalationsAction")
        for action, name in ((self.answer_action, "escalationAnswerButton"),
                             (self.claim_action, "escalationClaimButton"),
                             (self.join_action, "escalationJoinButton"),
                             (self.propose_action, "escalationProposeButton")):
            self.buttons.addWidget(desk_button(action, name))
        self.buttons.addStretch(1)
        self.buttons.addWidget(desk_button(self.refresh_action, "escalationRefreshButton"))
        self.actions_for_help = [self.answer_action, self.claim_action, self.join_action, self.propose_action,
                                 self.refresh_action, self.caller_card.reveal_action]

    # --- session --------------------------------------------------------------------------------
    def set_session(self, seat: SeatSession | None) -> None:
        if self._service is not None:
            _disconnect(self._service.changed, self._reload)
            _disconnect(self._service.rejected, self._refused)
        if self._seat is not None:
            _disconnect(self._seat.sync.link_changed, self._link_changed)
        self._seat, self._service = seat, getattr(seat, "escalations", None)
        self.caller_card.set_session(seat)
        self.notice.clear()
        self._shown_id = None
        if seat is None or self._service is None:
            self._age_timer.stop()
            self.model.set_items([], "")
            self._show_item(None)
            self._update_status()
            return
        self._service.changed.connect(self._reload)
        self._service.rejected.connect(self._refused)
        seat.sync.link_changed.connect(self._link_changed)
        self._age_timer.start()
        self._reload()
        self.view.setFocus(Qt.FocusReason.OtherFocusReason)
        self.refresh()

    @asyncSlot()
    async def refresh(self) -> None:
        service = self._service
        if service is None:
            return
        try:
            await service.refresh()
        except PlatformError as exc:
            log.warning("escalations not read: %s %s", exc.status, exc.code)
            if shiboken6.isValid(self) and self._service is service:
                self._notify(self.tr("The platform refused to list the escalations ({code}): {reason}").format(
                    code=exc.code, reason=exc.message), error=True)

    def _link_changed(self, _state: LinkState) -> None:
        if shiboken6.isValid(self):
            self._update_status()

    # --- the list -------------------------------------------------------------------------------
    def _visible(self) -> list[dict]:
        """Active escalations, and the last ones I answered (a knowledge change may follow them)."""
        assert self._service is not None
        me = self._service.username
        items = self._service.items.values()
        mine_answered = newest_first(i for i in items if i["state"] == "answered" and i.get("expert_username") == me)
        return newest_first([i for i in items if i["state"] in ACTIVE] + mine_answered[:ANSWERED_KEPT])

    def _reload(self) -> None:
        if not shiboken6.isValid(self) or self._service is None:
            return
        keep = self._shown_id
        self.model.set_items(self._visible(), self._service.username)
        row = self.model.row_of(keep)
        if row < 0 and keep is None and self.model.rowCount():
            row = 0  # the first escalation to arrive is shown at once
        if row >= 0:
            self.view.setCurrentIndex(self.model.index(row, 0))
            self._show_item(self.model.item(row))
        elif keep is not None:
            self._left_list(keep)
        self._update_status()

    def _left_list(self, esc_id: str) -> None:
        """The escalation shown is no longer active: say why, keep the text on screen."""
        assert self._service is not None
        item = self._service.items.get(esc_id)
        if item is None:
            self._notify(self.tr("The escalation is no longer in the list."))
        elif item["state"] == "cancelled":
            self._notify(self.tr("The agent cancelled this escalation."))
        elif item["state"] == "answered":
            self._notify(self.tr("{expert} answered this escalation.").format(expert=item.get("expert_username")))
        self._set_enabled(None)

    def _current_changed(self, current: QModelIndex) -> None:
        item = self.model.item(current.row()) if current.isValid() else None
        if item is not None and item["id"] != self._shown_id:
            self._show_item(item)

    def current_item(self) -> dict | None:
        if self._service is None or self._shown_id is None:
            return None
        return self._service.items.get(self._shown_id)

    def _update_status(self) -> None:
        service = self._service
        if service is None:
            self.status.setText(self.tr("Signed out: sign in to see the escalations."))
            self.status.setStyleSheet(MUTED_STYLE)
            return
        waiting = sum(1 for i in service.items.values() if i["state"] in ACTIVE)
        text = self.tr("{count} escalations waiting").format(count=waiting)
        offline = service.offline or (self._seat is not None and self._seat.sync.link == LinkState.offline)
        if offline:
            when = service.refreshed_at[11:16] if service.refreshed_at else "—"
            text += "  " + self.tr("Offline: showing the list of {time}; what you send goes when the link is back") \
                .format(time=when)
        self.status.setText(text)
        self.status.setStyleSheet(ERROR_STYLE if offline else "")

    # --- the escalation shown -------------------------------------------------------------------
    def _show_item(self, item: dict | None) -> None:
        new = item is None or item["id"] != self._shown_id
        self._shown_id = item["id"] if item is not None else None
        if item is None:
            self.question_label.setText(self.tr("No escalation selected."))
            self.meta_label.clear()
            self.draft_view.clear()
            self.caller_card.clear()
            self.answer_edit.clear()
            self._set_enabled(None)
            return
        self.question_label.setText(item["question"])
        self.meta_label.setText(self._meta(item))
        if new:
            self.notice.clear()
            self.answer_edit.clear()
            if item.get("caller_phone"):
                self.caller_card.show_caller(item["caller_phone"])
            else:
                self.caller_card.clear()
        if new or item.get("answer") != self._shown_answer:  # the answer is shown under the draft
            self._shown_answer = item.get("answer")
            self.draft_view.setHtml(self._draft_html(item))
        self._set_enabled(item)

    def _meta(self, item: dict) -> str:
        me = self._service.username if self._service is not None else ""
        parts = [self.tr("From {agent} (seat {seat})").format(agent=item.get("agent_username") or "—",
                                                               seat=item.get("seat") or "—"),
                 self._texts.group(item.get("group", "")), self._texts.state(item, me),
                 (item.get("created_at") or "")[11:16]]
        if item.get("call_id"):
            parts.append(self.tr("with a call") + (" · " + self.tr("joined") if item.get("joined") else ""))
        return " · ".join(p for p in parts if p)

    def _draft_html(self, item: dict) -> str:
        draft = item.get("draft") if isinstance(item.get("draft"), dict) else {}
        rows: list[tuple[str, object]] = []
        if any(draft.get(k) for k in ("request_type", "category_id", "title", "content", "reply")):
            try:
                kind = RequestType(draft.get("request_type")).label_zh
            except ValueError:
                kind = str(draft.get("request_type") or "")
            rows = [(self.tr("Type"), kind), (self.tr("Category"), self._category(draft.get("category_id") or "")),
                    (self.tr("Title"), draft.get("title")), (self.tr("Content"), draft.get("content")),
                    (self.tr("Reply so far"), draft.get("reply"))]
        if item.get("answer"):
            rows.append((self.tr("Expert's answer"), item["answer"]))
        if not rows:
            note = self.tr("The agent sent no draft.")  # tr() outside the f-string, where lupdate finds it
            return f'<p style="{MUTED_STYLE}">{html.escape(note)}</p>'
        cells = "".join(
            f'<tr><td style="{MUTED_STYLE} padding-right:8px;" valign="top">{html.escape(label)}</td>'
            f'<td>{html.escape(str(value or "—")).replace(chr(10), "<br>")}</td></tr>' for label, value in rows)
        return f"<table>{cells}</table>"

    def _category(self, category_id: str) -> str:
        """The category's path from the local cache (the id when the cache does not know it)."""
        if not category_id or self._seat is None:
            return category_id
        names, current, seen = [], category_id, set()
        conn = self._seat.store.conn
        while current and current not in seen:
            seen.add(current)
            row = conn.execute("SELECT name, parent_id FROM categories WHERE id = ?", (current,)).fetchone()
            if row is None:
                break
            names.append(row["name"])
            current = row["parent_id"]
        return " › ".join(reversed(names)) or category_id

    def _set_enabled(self, item: dict | None) -> None:
        active = item is not None and item["state"] in ACTIVE
        self.answer_edit.setReadOnly(not active)
        self.answer_action.setEnabled(active)
        self.claim_action.setEnabled(active and item["state"] == "open")
        self.join_action.setEnabled(active and bool(item.get("call_id")))
        self.propose_action.setEnabled(item is not None)

    def _notify(self, text: str, error: bool = False) -> None:
        self.notice.setText(text)
        self.notice.setStyleSheet(ERROR_STYLE if error else "")

    def focus_answer(self) -> None:
        self.answer_edit.setFocus(Qt.FocusReason.OtherFocusReason)

    # --- actions --------------------------------------------------------------------------------
    def _actionable(self) -> dict | None:
        """The escalation shown, when this expert may still act on it (else say why)."""
        item = self.current_item()
        if item is None:
            return None
        if item["state"] not in ACTIVE:
            self._notify(self.tr("The escalation is closed already."), error=True)
            return None
        me = self._service.username if self._service is not None else ""
        if item["state"] == "claimed" and item.get("expert_username") not in (None, "", me):
            self._notify(self.tr("{expert} has claimed this escalation.").format(expert=item["expert_username"]),
                         error=True)
            return None
        return item

    def send_answer(self) -> None:
        item = self._actionable()
        if item is None:
            return
        text = self.answer_edit.toPlainText().strip()
        if not text:
            self._notify(self.tr("Write the answer first."), error=True)
            self.focus_answer()
            return
        if len(text) > ANSWER_MAX:
            self._notify(self.tr("The answer is too long ({count} of at most {limit} characters).").format(
                count=len(text), limit=ANSWER_MAX), error=True)
            return
        self.answer_action.setEnabled(False)  # one answer per Ctrl+Enter
        self._record_answer(item["id"], item["state"] == "open", text)

    @asyncSlot(str, bool, str)
    async def _record_answer(self, esc_id: str, claim_first: bool, text: str) -> None:
        service = self._service
        if service is None:
            return
        try:
            if claim_first:
                await service.claim(esc_id)
            await service.answer(esc_id, text)
        except (ValueError, sqlite3.Error) as exc:
            log.warning("answer not recorded: %s", type(exc).__name__)
            if shiboken6.isValid(self):
                self._notify(self.tr("The answer could not be saved: {error}").format(error=exc), error=True)
                self._set_enabled(self.current_item())
            return
        if not shiboken6.isValid(self):
            return
        if self._shown_id == esc_id:
            self.answer_edit.clear()
            self._reload()
            self._notify(self.tr("Answer sent: it goes into the agent's form."))
        self.answer_sent.emit(esc_id)

    def claim(self) -> None:
        item = self._actionable()
        if item is not None and item["state"] == "open":
            self._record_op(item["id"], "claim")

    def join(self) -> None:
        item = self._actionable()
        if item is None:
            return
        if not item.get("call_id"):
            self._notify(self.tr("This escalation came without a call to join."), error=True)
            return
        self._record_op(item["id"], "join")

    @asyncSlot(str, str)
    async def _record_op(self, esc_id: str, op: str) -> None:
        service = self._service
        if service is None:
            return
        try:
            await (service.claim(esc_id) if op == "claim" else service.join(esc_id))
        except sqlite3.Error as exc:
            log.warning("escalation %s not recorded: %s", op, type(exc).__name__)
            if shiboken6.isValid(self):
                self._notify(self.tr("The change could not be saved: {error}").format(error=exc), error=True)
            return
        if shiboken6.isValid(self) and self._shown_id == esc_id:
            self._notify(self.tr("Claimed: the agent sees that you are on it.") if op == "claim"
                         else self.tr("Joining the call: the agent has been told."))
            self.focus_answer()

    def propose(self) -> None:
        item = self.current_item()
        if item is None or self._seat is None:
            return
        text = self.answer_edit.toPlainText().strip() or item.get("answer") or ""
        self._propose(item, text)

    @asyncSlot(object, str)
    async def _propose(self, item: dict, answer: str) -> None:
        seat = self._seat
        if seat is None:
            return
        mutation_id = await propose(self, seat, item, answer)
        if mutation_id is None or not shiboken6.isValid(self):
            return
        self._notify(self.tr("Knowledge change proposed: a team lead reviews it."))
        self.proposal_sent.emit(mutation_id)

    def _refused(self, rejection: Rejection) -> None:
        if not shiboken6.isValid(self):
            return
        self._notify(self._texts.refusal(rejection), error=True)
        self._set_enabled(self.current_item())


# --- a knowledge change proposed from an escalation ----------------------------------------------------

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
        self.error_label = QLabel(objectName="kbProposalError")
        self.error_label.setStyleSheet(ERROR_STYLE)
        self.error_label.setWordWrap(True)
        self.send_action, buttons = _send_and_cancel(self, self.tr("Send the proposal"), "kbProposal")
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
        try:
            hits = kb_index.search(self.seat.store.conn, query, limit=KB_RESULTS)
        except sqlite3.Error as exc:
            log.warning("knowledge search failed: %s", exc)
            self.error_label.setText(self.tr("The local knowledge base cannot be read: {error}").format(error=exc))
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
        entry = kb_index.get_entry(self.seat.store.conn, row.data(Qt.ItemDataRole.UserRole)) if row else None
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
        if event.key() in _ENTER:
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
            self.send_action.setEnabled(False)
            self._record(self.entry, answer, comment)

    @asyncSlot(object, str, str)
    async def _record(self, entry: dict, answer: str, comment: str) -> None:
        try:
            mutation_id = await self.seat.escalations.propose_kb_change(
                entry["id"], entry.get("version"), comment, answer, self.item["id"])
        except (ValueError, sqlite3.Error) as exc:
            log.warning("knowledge change not recorded: %s", type(exc).__name__)
            if shiboken6.isValid(self):
                self.send_action.setEnabled(True)
                self.error_label.setText(self.tr("The proposal could not be saved: {error}").format(error=exc))
            return
        if shiboken6.isValid(self):
            self.mutation_id = mutation_id
            self.accept()


async def propose(parent: QWidget | None, seat: SeatSession, item: dict, answer: str = "") -> str | None:
    """Ask for a knowledge change to propose from an escalation; the correction's mutation id, or None."""
    dialog = KbProposalDialog(seat, item, answer, parent)
    try:
        await _finished(dialog)
        return dialog.mutation_id if shiboken6.isValid(dialog) else None
    finally:
        if shiboken6.isValid(dialog):
            dialog.deleteLater()


def _disconnect(signal: Any, slot: Any) -> None:
    try:
        signal.disconnect(slot)
    except ValueError:
        pass  # never connected
