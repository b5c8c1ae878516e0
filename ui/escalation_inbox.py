"""The expert's inbox (升级求助): the active escalations live, newest first; the selected one shows
the caller card, the agent's draft and an answer box. From there the expert claims, answers, joins
the call, or proposes a knowledge change (`ui.kb_proposal`). Every change goes through the seat's
`EscalationService` (the outbox); the platform's refusals are shown with its reason."""
from __future__ import annotations

import html
import logging
from typing import Any

import shiboken6
from PySide6.QtCore import QModelIndex, QObject, Qt, QTimer, Signal
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPlainTextEdit,
    QSplitter,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)
from qasync import asyncSlot

from domain import clock
from ui.caller_card import CallerCard
from ui.escalation_texts import EscalationTexts
from ui.kb_proposal import propose
from ui.page import ERROR, MUTED, Page, action_button, disconnect, facts_table, request_type_name, splitter
from ui.rows_model import RowsModel, table_view
from workstation.errors import PlatformError
from workstation.escalations import ACTIVE, ANSWER_MAX, EscalationService, newest_first
from workstation.session import SeatSession
from workstation.sync import LinkState

log = logging.getLogger(__name__)

AGE_TICK_MS = 30_000
ANSWERED_KEPT = 20  # answered escalations kept in the inbox, for a knowledge change proposed afterwards
ERROR_STYLE = f"color: {ERROR};"
MUTED_STYLE = "color: palette(mid);"
CLOSED_COLOUR = QColor(MUTED)


class EscalationModel(RowsModel):
    """The inbox's rows: state, group, agent, age, question."""

    STATE, GROUP, AGENT, AGE, QUESTION = range(5)
    IdRole = Qt.ItemDataRole.UserRole + 1

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__([self.tr("State"), self.tr("Group"), self.tr("Agent"), self.tr("Waiting for"),
                          self.tr("Question")], parent, "escalationModel")
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


class EscalationInbox(Page):
    """The expert's page. `set_session(seat)` with `seat.escalations` set. The list follows the
    platform's events; the selected escalation shows the caller, the agent's draft and the answer box.
    Keys (inside the page): Ctrl+Enter answer (claims first), Alt+C claim, Ctrl+Shift+J join the
    call, Ctrl+Shift+K propose a knowledge change, Ctrl+R read the list again; Enter in the list goes
    to the answer box."""

    object_name = "escalationInbox"

    answer_sent = Signal(str)     # escalation id
    proposal_sent = Signal(str)   # the correction's mutation id

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
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
        self.view = self.table = table_view("escalationList", self.model, wrap=False)
        self.view.setTabKeyNavigation(True)
        self.view.horizontalHeader().setStretchLastSection(False)
        self.view.horizontalHeader().setSectionResizeMode(EscalationModel.QUESTION, QHeaderView.ResizeMode.Stretch)
        self.view.selectionModel().currentRowChanged.connect(lambda current, _old: self._current_changed(current))
        self.view.activated.connect(lambda _index: self.focus_answer())

        self.question_label = QLabel(objectName="escalationQuestionText", wordWrap=True,
                                     styleSheet="font-size: 12pt; font-weight: bold;",
                                     textInteractionFlags=Qt.TextInteractionFlag.TextSelectableByMouse)
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
        self.error_label = self.notice

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

        self._lay_out(self.status, (splitter("escalationSplitter", [self.view, detail], [220, 520]), 1))

    def _build_actions(self) -> None:
        self.answer_action = self.action(self.tr("Send the answer"), ["Ctrl+Return", "Ctrl+Enter"],
                                         self.send_answer, name="answerEscalationAction")
        self.claim_action = self.action(self.tr("Claim the escalation"), ["Alt+C"], self.claim,
                                        name="claimEscalationAction")
        self.join_action = self.action(self.tr("Join the call"), ["Ctrl+Shift+J"], self.join,
                                       name="joinEscalationAction")
        self.propose_action = self.action(self.tr("Propose a knowledge change"), ["Ctrl+Shift+K"], self.propose,
                                          name="proposeKbChangeAction")
        self.refresh_action = self.action(self.tr("Read the list again"), ["Ctrl+R"], self.refresh,
                                          name="refreshEscalationsAction")
        for action, name in ((self.answer_action, "escalationAnswerButton"),
                             (self.claim_action, "escalationClaimButton"),
                             (self.join_action, "escalationJoinButton"),
                             (self.propose_action, "escalationProposeButton")):
            self.buttons.addWidget(action_button(action, name))
        self.buttons.addStretch(1)
        self.buttons.addWidget(action_button(self.refresh_action, "escalationRefreshButton"))
        self.actions_for_help.append(self.caller_card.reveal_action)

    # --- session --------------------------------------------------------------------------------
    def set_session(self, seat: SeatSession | None) -> None:
        if self._service is not None:
            disconnect(self._service.changed, self._reload)
            disconnect(self._service.rejected, self._refused)
        if self._seat is not None:
            disconnect(self._seat.sync.link_changed, self._link_changed)
        super().set_session(seat)
        self._service = getattr(seat, "escalations", None)
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

    def refresh(self) -> None:
        service = self._service
        if service is not None:
            self.operation(service.refresh()).busy(self.refresh_action) \
                .failure(lambda exc, text: self._refresh_failed(service, exc, text)).run()

    def _refresh_failed(self, service: EscalationService, exc: BaseException, text: str) -> None:
        if self._service is not service:
            return
        if isinstance(exc, PlatformError):
            text = self.tr("The platform refused to list the escalations ({code}): {reason}").format(
                code=exc.code, reason=exc.message)
        self._notify(text, error=True)

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
            when = service.fetched_at.strftime("%H:%M") if service.fetched_at else "—"
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
            rows = [(self.tr("Type"), request_type_name(draft.get("request_type"))), (self.tr("Category"), self.category_name(draft.get("category_id") or "")),
                    (self.tr("Title"), draft.get("title")), (self.tr("Content"), draft.get("content")),
                    (self.tr("Reply so far"), draft.get("reply"))]
        if item.get("answer"):
            rows.append((self.tr("Expert's answer"), item["answer"]))
        if not rows:
            note = self.tr("The agent sent no draft.")  # tr() outside the f-string, where lupdate finds it
            return f'<p style="{MUTED_STYLE}">{html.escape(note)}</p>'
        return facts_table(rows)

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
        esc_id, claim_first, service = item["id"], item["state"] == "open", self._service
        assert service is not None

        async def answer() -> None:
            if claim_first:
                await service.claim(esc_id)
            await service.answer(esc_id, text)

        # one answer per Ctrl+Enter
        self.operation(answer()).busy(self.answer_action) \
            .failure_text(self.tr("The answer could not be saved: {error}")) \
            .failure(lambda _exc, message: self._failed(message)) \
            .success(lambda _result: self._answered(esc_id)).run()

    def _failed(self, text: str) -> None:
        self._notify(text, error=True)
        self._set_enabled(self.current_item())

    def _answered(self, esc_id: str) -> None:
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

    def _record_op(self, esc_id: str, op: str) -> None:
        service = self._service
        if service is None:
            return
        self.operation(service.claim(esc_id) if op == "claim" else service.join(esc_id)) \
            .failure_text(self.tr("The change could not be saved: {error}")) \
            .failure(lambda _exc, message: self._notify(message, error=True)) \
            .success(lambda _result: self._recorded(esc_id, op)).run()

    def _recorded(self, esc_id: str, op: str) -> None:
        if self._shown_id == esc_id:
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

    def _refused(self, rejection: Any) -> None:
        if not shiboken6.isValid(self):
            return
        self._notify(self._texts.refusal(rejection), error=True)
        self._set_enabled(self.current_item())
