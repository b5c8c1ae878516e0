"""The dispatcher's review page (审核): pending returns (退单), extensions (延期) and unreasonable
repeat requests (无理重复诉求), oldest first, decided from the keyboard.

Up/Down pick a review; its order's facts and the applicant's reason show below. A approves, R refuses
(Alt+A / Alt+R from anywhere in the page): the focus goes to the note; Ctrl+Enter records the decision
(a refusal needs its reason), Esc goes back to the list. Ctrl+R reads the list again.

The module also holds what the desk pages share (reviews, supervision, wallboard): `DeskPage`, the
base that binds a page to a seat and its service and shows the offline note, and `DeskTexts`."""
from __future__ import annotations

import html
import logging
import sqlite3
from typing import Any

import shiboken6
from PySide6.QtCore import QModelIndex, QObject, Qt
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QPlainTextEdit,
    QSplitter,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)
from qasync import asyncSlot

from domain import clock
from domain.phone import mask_phone
from domain.workorder import RequestType, WorkOrderStatus
from offline_cache.store import Rejection
from ui.page_actions import desk_action, desk_button
from ui.rows_model import RowsModel, table_view
from workstation.desk_lists import NOTE_MAX, FetchedListService, ReviewService
from workstation.session import SeatSession
from workstation.sync import LinkState

log = logging.getLogger(__name__)

ERROR_STYLE = "color: #b3261e;"
MUTED_STYLE = "color: palette(mid);"
OK_STYLE = "color: #1b6e2a;"


# --- shared by the desk pages -------------------------------------------------------------------------

class DeskTexts(QObject):
    """Words the desk pages share (one translation context for them)."""

    def signed_out(self) -> str:
        return self.tr("Signed out: sign in to see this page.")

    def offline(self, when: str) -> str:
        return self.tr("Offline: showing what the platform sent at {time}; what you do now is sent when "
                       "the link is back").format(time=when)

    def offline_empty(self) -> str:
        return self.tr("Offline: nothing has been loaded yet; what you do now is sent when the link is back")

    def list_refused(self, reason: str) -> str:
        return self.tr("The platform refused to show this page: {reason}").format(reason=reason)

    def refusal(self, rejection: Rejection) -> str:
        reason = rejection.message or rejection.code
        number = rejection.entity_id or ""
        if rejection.op == "supervise":
            return self.tr("The platform refused the supervision of order {number}: {reason}").format(
                number=number, reason=reason)
        return self.tr("The platform refused the decision on order {number}: {reason}").format(
            number=number, reason=reason)

    def review_kind(self, kind: str) -> str:
        names = {"return": self.tr("Return"), "extension": self.tr("Extension"),
                 "unreasonable_repeat": self.tr("Unreasonable repeat")}
        return names.get(kind, kind)

    def status(self, status: str | None) -> str:
        try:
            return WorkOrderStatus(str(status)).label_zh
        except (ValueError, KeyError):
            names = {"merged": self.tr("Merged"), "repeat_review": self.tr("Repeat review")}
            return names.get(str(status), str(status or ""))

    def moment(self, stamp: str | None) -> str:
        """HH:MM today, MM-DD HH:MM before (the centre's time)."""
        if not stamp:
            return ""
        try:
            moment = clock.parse(stamp).astimezone(clock.CENTRE_TZ)
        except ValueError:
            return str(stamp)
        return moment.strftime("%H:%M" if moment.date() == clock.now().date() else "%m-%d %H:%M")

    def day(self, stamp: str | None) -> str:
        """A deadline: YYYY-MM-DD HH:MM."""
        if not stamp:
            return ""
        try:
            return clock.parse(stamp).astimezone(clock.CENTRE_TZ).strftime("%Y-%m-%d %H:%M")
        except ValueError:
            return str(stamp)


def message_label(name: str, style: str = "") -> QLabel:
    label = QLabel(objectName=name)
    label.setWordWrap(True)
    label.setStyleSheet(style)
    label.hide()
    return label


def show_message(label: QLabel, text: str, style: str | None = None) -> None:
    """A message line that takes no room while it has nothing to say."""
    label.setText(text)
    if style is not None:
        label.setStyleSheet(style)
    label.setVisible(bool(text))


class DeskPage(QWidget):
    """A page bound to a seat (`set_session(seat)`, None when signed out) and its list service:
    the seat's own when it has one (`service_attr`), else one the page makes and closes. Subclasses
    build their widgets, then call `_build_common(prefix)` for the status, offline and error lines,
    and say what a change of the list shows (`_show`)."""

    service_attr = ""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._seat: SeatSession | None = None
        self._service: FetchedListService | None = None
        self._own_service = False
        self._list_error = False  # the error line shows the platform's refusal of the list
        self.texts = DeskTexts(self)

    def _build_common(self, prefix: str) -> None:
        self.status_label = QLabel(objectName=f"{prefix}Status")
        self.status_label.setStyleSheet("font-weight: 600;")
        self.offline_label = message_label(f"{prefix}Offline", ERROR_STYLE)
        self.error_label = message_label(f"{prefix}Error", ERROR_STYLE)
        self.notice = message_label(f"{prefix}Notice", MUTED_STYLE)

    def _new_service(self, seat: SeatSession) -> FetchedListService:
        raise NotImplementedError

    @property
    def service(self) -> FetchedListService | None:
        return self._service

    def set_session(self, seat: SeatSession | None) -> None:
        self._unbind()
        self._seat = seat
        show_message(self.error_label, "")
        show_message(self.notice, "")
        self._list_error = False
        if seat is None:
            self._show()
            return
        service = getattr(seat, self.service_attr, None)
        self._own_service = service is None
        self._service = service if service is not None else self._new_service(seat)
        self._service.changed.connect(self._on_changed)
        self._service.rejected.connect(self._on_rejected)
        seat.sync.link_changed.connect(self._on_link)
        self._show()
        self._start(self._service)

    def _unbind(self) -> None:
        service, seat = self._service, self._seat
        if service is not None:
            for signal, slot in ((service.changed, self._on_changed), (service.rejected, self._on_rejected)):
                _disconnect(signal, slot)
            if self._own_service:
                service.close()
        if seat is not None:
            _disconnect(seat.sync.link_changed, self._on_link)
        self._service, self._own_service = None, False

    @asyncSlot(object)
    async def _start(self, service: FetchedListService) -> None:
        await service.start()

    @asyncSlot()
    async def refresh(self) -> None:
        if self._service is not None:
            await self._service.refresh()

    def _on_changed(self) -> None:
        if shiboken6.isValid(self):
            self._show()

    def _on_link(self, _state: LinkState) -> None:
        if shiboken6.isValid(self):
            self._show_state()

    def _on_rejected(self, rejection: Rejection) -> None:
        if shiboken6.isValid(self):
            show_message(self.error_label, self.texts.refusal(rejection), ERROR_STYLE)
            self._list_error = False

    def _show(self) -> None:
        """The list changed (or the seat): show it."""
        self._show_state()

    def _offline(self) -> bool:
        service = self._service
        if service is None:
            return False
        return service.offline or (self._seat is not None and self._seat.sync.link == LinkState.offline)

    def _data_time(self) -> str:
        """When what is shown was fetched, for the offline note."""
        return self.texts.moment(self._service.fetched_at) if self._service is not None else ""

    def _show_state(self) -> None:
        """The offline note and the platform's refusal of the list."""
        service = self._service
        if service is None:
            show_message(self.offline_label, "")
            return
        if self._offline():
            when = self._data_time()
            show_message(self.offline_label, self.texts.offline(when) if when else self.texts.offline_empty())
        else:
            show_message(self.offline_label, "")
        if service.error:
            show_message(self.error_label, self.texts.list_refused(service.error), ERROR_STYLE)
            self._list_error = True
        elif self._list_error:
            show_message(self.error_label, "")
            self._list_error = False


def _disconnect(signal: Any, slot: Any) -> None:
    try:
        signal.disconnect(slot)
    except ValueError:
        pass  # never connected (a session set twice)


# --- the review page -----------------------------------------------------------------------------------

class ReviewsModel(RowsModel):
    """Pending reviews: kind, order, title, unit, applicant, what is asked, when."""

    KIND, NUMBER, TITLE, UNIT, APPLICANT, ASKED, APPLIED = range(7)
    IdRole = Qt.ItemDataRole.UserRole + 1
    KindRole = Qt.ItemDataRole.UserRole + 2

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__([self.tr("Kind"), self.tr("Order"), self.tr("Title"), self.tr("Unit"),
                          self.tr("Applicant"), self.tr("Asked"), self.tr("Applied at")], parent)
        self.setObjectName("reviewsModel")
        self._texts = DeskTexts(self)

    def set_items(self, items: list[dict]) -> None:
        self._reset(items)

    def asked(self, item: dict) -> str:
        if item.get("kind") != "extension":
            return ""
        if item.get("hours_asked"):
            return self.tr("+{hours} h").format(hours=item["hours_asked"])
        if item.get("days_asked"):
            return self.tr("+{days} working days").format(days=item["days_asked"])
        return ""

    def cell(self, item: dict, column: int, role: int) -> Any:
        if role == self.IdRole:
            return str(item.get("id"))
        if role == self.KindRole:
            return item.get("kind")
        if role == Qt.ItemDataRole.DisplayRole:
            return self._text(item, column)
        if role == Qt.ItemDataRole.ToolTipRole and column in (self.TITLE, self.KIND):
            return item.get("reason") or None
        return None

    def _text(self, item: dict, column: int) -> str:
        facts = item.get("_facts") or {}
        if column == self.KIND:
            return self._texts.review_kind(str(item.get("kind")))
        if column == self.NUMBER:
            return str(item.get("number") or "")
        if column == self.TITLE:
            return " ".join(str(facts.get("title") or "").split())
        if column == self.UNIT:
            return str(item.get("_unit") or "")
        if column == self.APPLICANT:
            return str(item.get("applicant") or "")
        if column == self.ASKED:
            return self.asked(item)
        if column == self.APPLIED:
            return self._texts.moment(item.get("created_at"))
        return ""


ORDER_FIELDS = ("title", "status", "request_type", "category_id", "caller_phone", "deadline", "created_at",
                "handling_unit_id", "content", "urgency", "repeat_count", "units")


class ReviewsPage(DeskPage):
    """`set_session(seat)`: the seat's `reviews` (a ReviewService) when it has one. Signal-free: a
    decision's mutation id is in `last_decision`."""

    service_attr = "reviews"

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("reviewsPage")
        self._decision: str | None = None
        self._shown_id: str | None = None
        self.last_decision = ""
        self._build()
        self._build_actions()
        self.set_session(None)

    def page_title(self) -> str:
        return self.tr("Reviews")

    def _new_service(self, seat: SeatSession) -> ReviewService:
        return ReviewService(seat.client, seat.sync)

    # --- layout ---------------------------------------------------------------------------------
    def _build(self) -> None:
        self._build_common("reviews")
        self.model = ReviewsModel(self)
        self.table = table_view("reviewsTable", self.model, wrap=False)
        self.table.selectionModel().currentRowChanged.connect(lambda current, _old: self._current_changed(current))
        self.table.activated.connect(lambda _index: self.note_edit.setFocus(Qt.FocusReason.OtherFocusReason))
        self.setFocusProxy(self.table)

        self.heading = QLabel(objectName="reviewHeading")
        self.heading.setStyleSheet("font-size: 12pt; font-weight: bold;")
        self.heading.setWordWrap(True)
        self.reason_label = QLabel(objectName="reviewReason")
        self.reason_label.setWordWrap(True)
        self.reason_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.reason_label.setStyleSheet("background: palette(alternate-base); padding: 6px;")
        self.facts = QTextBrowser(objectName="reviewFacts")
        self.facts.setOpenLinks(False)
        self.decision_label = QLabel(objectName="reviewDecision")
        self.decision_label.setStyleSheet("font-weight: 600;")
        self.note_edit = QPlainTextEdit(objectName="reviewNote")
        self.note_edit.setTabChangesFocus(True)
        self.note_edit.setMaximumHeight(110)
        self.note_edit.setPlaceholderText(self.tr("Note for the unit: the reason for your decision "
                                                  "(required to refuse). Ctrl+Enter records"))
        self.buttons = QHBoxLayout()

        detail = QWidget(objectName="reviewDetail")
        box = QVBoxLayout(detail)
        box.setContentsMargins(0, 0, 0, 0)
        box.addWidget(self.heading)
        box.addWidget(self.reason_label)
        box.addWidget(self.facts, 1)
        box.addWidget(self.decision_label)
        box.addWidget(self.note_edit)
        box.addLayout(self.buttons)
        splitter = QSplitter(Qt.Orientation.Vertical, objectName="reviewsSplitter")
        splitter.setChildrenCollapsible(False)
        splitter.addWidget(self.table)
        splitter.addWidget(detail)
        splitter.setSizes([240, 420])

        top = QHBoxLayout()
        top.addWidget(self.status_label)
        top.addWidget(self.offline_label, 1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(top)
        layout.addWidget(self.error_label)
        layout.addWidget(self.notice)
        layout.addWidget(splitter, 1)

    def _build_actions(self) -> None:
        self.approve_action = desk_action(self, self.tr("Approve"), ["A", "Alt+A"], lambda: self.choose("approve"),
                                          "approveReviewAction")
        self.refuse_action = desk_action(self, self.tr("Refuse"), ["R", "Alt+R"], lambda: self.choose("refuse"),
                                         "refuseReviewAction")
        self.send_action = desk_action(self, self.tr("Record the decision"), ["Ctrl+Return", "Ctrl+Enter"],
                                       self.send, "sendReviewAction")
        self.back_action = desk_action(self, self.tr("Back to the list"), ["Esc"], self.back_to_list,
                                       "backToReviewsAction")
        self.refresh_action = desk_action(self, self.tr("Read the reviews again"), ["Ctrl+R"], self.refresh,
                                          "refreshReviewsAction")
        for action in (self.approve_action, self.refuse_action):
            action.setCheckable(True)
        for action, name in ((self.approve_action, "reviewApprove"), (self.refuse_action, "reviewRefuse"),
                             (self.send_action, "reviewSend")):
            self.buttons.addWidget(desk_button(action, name))
        self.buttons.addStretch(1)
        self.buttons.addWidget(desk_button(self.refresh_action, "reviewsRefresh"))
        self.actions_for_help = [self.approve_action, self.refuse_action, self.send_action, self.back_action,
                                 self.refresh_action]

    # --- the list -------------------------------------------------------------------------------
    def _show(self) -> None:
        service = self._service
        enabled = service is not None
        for action in self.actions_for_help:
            action.setEnabled(enabled)
        if not isinstance(service, ReviewService):
            self.model.set_items([])
            self.status_label.setText(self.texts.signed_out())
            self._show_review(None)
            self._show_state()
            return
        keep = self._shown_id
        self.model.set_items([self._enriched(i) for i in service.items])
        self.status_label.setText(self.tr("{count} reviews pending").format(count=len(service.items)))
        row = self.model.row_of(keep)
        if row < 0 and self.model.rowCount():
            row = 0
        if row >= 0:
            self.table.setCurrentIndex(self.model.index(row, 0))
            self._show_review(self.model.item(row))
        else:
            self._show_review(None)
        self._show_state()

    def _enriched(self, item: dict) -> dict:
        """The review with its order's facts: what the platform sent, else the seat's cache."""
        assert isinstance(self._service, ReviewService)
        facts: dict[str, Any] = dict(self._service.order(str(item.get("number"))) or {})
        if isinstance(item.get("order"), dict):
            facts.update({k: v for k, v in item["order"].items() if v is not None})
        facts.update({k: item[k] for k in ORDER_FIELDS if item.get(k) is not None})
        if item.get("order_status"):  # the review has a state of its own: the order's comes under this name
            facts["status"] = item["order_status"]
        unit = item.get("unit_id") or facts.get("handling_unit_id")
        return {**item, "_facts": facts, "_unit": self._service.unit_name(unit)}

    def _current_changed(self, current: QModelIndex) -> None:
        item = self.model.item(current.row()) if current.isValid() else None
        if item is None or str(item.get("id")) != self._shown_id:
            self._show_review(item)

    def current_item(self) -> dict | None:
        index = self.table.currentIndex()
        return self.model.item(index.row()) if index.isValid() else None

    def _show_review(self, item: dict | None) -> None:
        new_id = str(item["id"]) if item is not None else None
        if new_id != self._shown_id:
            self._shown_id = new_id
            self.note_edit.clear()
            self._set_decision(None)
        self.note_edit.setEnabled(item is not None)
        self.send_action.setEnabled(item is not None)
        if item is None:
            self.heading.setText(self.tr("No review selected.") if self._service is not None else "")
            self.reason_label.clear()
            self.reason_label.hide()
            self.facts.clear()
            return
        kind = self.texts.review_kind(str(item.get("kind")))
        self.heading.setText(self.tr("{kind} · order {number}").format(kind=kind, number=item.get("number")))
        applicant = item.get("applicant") or item.get("_unit") or "—"
        asked = self.model.asked(item)
        reason = self.tr("{applicant} asks: {reason}").format(applicant=applicant, reason=item.get("reason") or "—")
        self.reason_label.setText(reason + (f"  ({asked})" if asked else ""))
        self.reason_label.show()
        self.facts.setHtml(self._facts_html(item))

    def _facts_html(self, item: dict) -> str:
        facts = item.get("_facts") or {}
        kind = facts.get("request_type")
        try:
            kind = RequestType(str(kind)).label_zh
        except ValueError:
            kind = str(kind or "")
        rows: list[tuple[str, object]] = [
            (self.tr("Title"), facts.get("title")),
            (self.tr("Status"), self.texts.status(facts.get("status"))),
            (self.tr("Type"), kind),
            (self.tr("Category"), self._category(str(facts.get("category_id") or ""))),
            (self.tr("Caller"), mask_phone(str(facts.get("caller_phone"))) if facts.get("caller_phone") else ""),
            (self.tr("Unit"), item.get("_unit")),
            (self.tr("Deadline"), self.texts.day(facts.get("deadline"))),
            (self.tr("Accepted at"), self.texts.day(facts.get("created_at"))),
            (self.tr("Applied at"), self.texts.day(item.get("created_at"))),
        ]
        if item.get("kind") == "unreasonable_repeat" and facts.get("repeat_count") is not None:
            rows.append((self.tr("Repeat requests"), facts.get("repeat_count")))
        if facts.get("content"):
            rows.append((self.tr("Content"), facts["content"]))
        if not facts:
            rows.append((self.tr("Note"), self.tr("This order is not in the local cache yet.")))
        cells = "".join(
            f'<tr><td style="{MUTED_STYLE} padding-right:8px;" valign="top">{html.escape(label)}</td>'
            f'<td>{html.escape(str(value if value not in (None, "") else "—")).replace(chr(10), "<br>")}</td></tr>'
            for label, value in rows)
        return f"<table>{cells}</table>"

    def _category(self, category_id: str) -> str:
        """The category's path from the local cache (the id when the cache does not know it)."""
        if not category_id or self._seat is None:
            return category_id
        names, current, seen = [], category_id, set()
        try:
            conn = self._seat.store.conn
            while current and current not in seen:
                seen.add(current)
                row = conn.execute("SELECT name, parent_id FROM categories WHERE id = ?", (current,)).fetchone()
                if row is None:
                    break
                names.append(row["name"])
                current = row["parent_id"]
        except sqlite3.Error as exc:
            log.warning("category not read from the cache (%s)", type(exc).__name__)
        return " › ".join(reversed(names)) or category_id

    # --- deciding ---------------------------------------------------------------------------------
    def _set_decision(self, decision: str | None) -> None:
        self._decision = decision
        self.approve_action.setChecked(decision == "approve")
        self.refuse_action.setChecked(decision == "refuse")
        if decision == "approve":
            self.decision_label.setText(self.tr("Decision: approve. Add a note if you like, then Ctrl+Enter"))
            self.decision_label.setStyleSheet("font-weight: 600; " + OK_STYLE)
        elif decision == "refuse":
            self.decision_label.setText(self.tr("Decision: refuse. Write the reason, then Ctrl+Enter"))
            self.decision_label.setStyleSheet("font-weight: 600; " + ERROR_STYLE)
        else:
            self.decision_label.setText(self.tr("Press A to approve or R to refuse"))
            self.decision_label.setStyleSheet("font-weight: 600;")

    @property
    def decision(self) -> str | None:
        return self._decision

    def choose(self, decision: str) -> None:
        if self.current_item() is None:
            self._set_decision(None)
            return
        self._set_decision(decision)
        show_message(self.error_label, "")
        self.note_edit.setFocus(Qt.FocusReason.ShortcutFocusReason)  # what the dispatcher types next

    def back_to_list(self) -> None:
        self._set_decision(None)
        self.table.setFocus(Qt.FocusReason.ShortcutFocusReason)

    def send(self) -> None:
        """Check at once (the dispatcher sees why nothing was recorded), then record."""
        item, service = self.current_item(), self._service
        if item is None or not isinstance(service, ReviewService):
            return
        if self._decision is None:
            show_message(self.error_label, self.tr("Choose first: A approves, R refuses."), ERROR_STYLE)
            return
        note = self.note_edit.toPlainText().strip()
        if self._decision == "refuse" and not note:
            show_message(self.error_label, self.tr("Write the reason for the refusal first."), ERROR_STYLE)
            self.note_edit.setFocus(Qt.FocusReason.OtherFocusReason)
            return
        if len(note) > NOTE_MAX:
            show_message(self.error_label, self.tr("The note is too long ({count} of at most {limit} characters).")
                         .format(count=len(note), limit=NOTE_MAX), ERROR_STYLE)
            return
        self.send_action.setEnabled(False)  # one decision per Ctrl+Enter, however fast the keys
        review = {k: v for k, v in item.items() if not k.startswith("_")}
        self._record(service, review, self._decision, note)

    @asyncSlot(object, object, str, str)
    async def _record(self, service: ReviewService, review: dict, decision: str, note: str) -> None:
        try:
            mutation_id = await service.decide(review, decision, note)
        except (sqlite3.Error, ValueError) as exc:
            log.warning("review decision not recorded: %s", type(exc).__name__)
            if shiboken6.isValid(self):
                self.send_action.setEnabled(True)
                show_message(self.error_label, self.tr("The decision could not be saved: {error}").format(error=exc),
                             ERROR_STYLE)
            return
        if not shiboken6.isValid(self):
            return
        self.last_decision = mutation_id
        self.send_action.setEnabled(self.current_item() is not None)
        kind = self.texts.review_kind(str(review.get("kind")))
        text = (self.tr("Approved: {kind} of order {number}") if decision == "approve"
                else self.tr("Refused: {kind} of order {number}")).format(kind=kind, number=review.get("number"))
        if self._seat is not None and self._seat.sync.link != LinkState.online:
            text += " " + self.tr("(kept here until the platform can be reached)")
        show_message(self.error_label, "")
        show_message(self.notice, text, MUTED_STYLE)
        self.table.setFocus(Qt.FocusReason.OtherFocusReason)
