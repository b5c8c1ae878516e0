"""The dispatcher's review page (审核): pending returns (退单), extensions (延期) and unreasonable
repeat requests (无理重复诉求), oldest first, decided from the keyboard.

Up/Down pick a review; its order's facts and the applicant's reason show below. A approves, R refuses
(Alt+A / Alt+R from anywhere in the page): the focus goes to the note; Ctrl+Enter records the decision
(a refusal needs its reason), Esc goes back to the list. Ctrl+R reads the list again."""
from __future__ import annotations

import logging
from typing import Any

from PySide6.QtCore import QObject, Qt
from PySide6.QtWidgets import QLabel, QPlainTextEdit, QTextBrowser, QWidget

from domain.phone import mask_phone
from ui.decision_page import DecisionPage
from ui.desk_page import DeskTexts
from ui.operation import Operation
from ui.page import day, facts_table, moment, request_type_name
from ui.rows_model import RowsModel
from workstation.desk_lists import NOTE_MAX, ReviewService

log = logging.getLogger(__name__)


# --- the review page -----------------------------------------------------------------------------------

class ReviewsModel(RowsModel):
    """Pending reviews: kind, order, title, unit, applicant, what is asked, when."""

    KIND, NUMBER, TITLE, UNIT, APPLICANT, ASKED, APPLIED = range(7)
    IdRole = Qt.ItemDataRole.UserRole + 1
    KindRole = Qt.ItemDataRole.UserRole + 2

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__([self.tr("Kind"), self.tr("Order"), self.tr("Title"), self.tr("Unit"),
                          self.tr("Applicant"), self.tr("Asked"), self.tr("Applied at")], parent, "reviewsModel")
        self._texts = DeskTexts(self)

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
            return moment(item.get("created_at"))
        return ""


ORDER_FIELDS = ("title", "status", "request_type", "category_id", "caller_phone", "deadline", "created_at",
                "handling_unit_id", "content", "urgency", "repeat_count", "units")


class ReviewsPage(DecisionPage):
    """`set_session(seat)`: the seat's `reviews` (a ReviewService) when it has one. Signal-free: a
    decision's mutation id is in `last_decision`."""

    object_name, service_attr, service_class = "reviewsPage", "reviews", ReviewService
    choices = ("approve", "refuse")
    action_names = ("approveReviewAction", "refuseReviewAction", "sendReviewAction", "backToReviewsAction",
                    "refreshReviewsAction")
    button_names = ("reviewApprove", "reviewRefuse", "reviewSend", "reviewsRefresh")

    def page_title(self) -> str:
        return self.tr("Reviews")

    # --- layout ---------------------------------------------------------------------------------
    def _build(self) -> None:
        top = self._build_common("reviews", ReviewsModel(self))
        self.table.activated.connect(lambda _index: self.note_edit.setFocus(Qt.FocusReason.OtherFocusReason))

        self.heading = QLabel(objectName="reviewHeading")
        self.heading.setStyleSheet("font-size: 12pt; font-weight: bold;")
        self.heading.setWordWrap(True)
        self.reason_label = QLabel(objectName="reviewReason", wordWrap=True, styleSheet="background: "
                                   "palette(alternate-base); padding: 6px;",
                                   textInteractionFlags=Qt.TextInteractionFlag.TextSelectableByMouse)
        self.facts = QTextBrowser(objectName="reviewFacts")
        self.facts.setOpenLinks(False)
        self.decision_label = QLabel(objectName="reviewDecision", styleSheet="font-weight: 600;")
        self.note_edit = QPlainTextEdit(objectName="reviewNote", tabChangesFocus=True, maximumHeight=110,
                                        placeholderText=self.tr("Note for the unit: the reason for your decision "
                                                                "(required to refuse). Ctrl+Enter records"))
        self._lay_out_detail(top, "reviewDetail", [(self.heading, 0), (self.reason_label, 0), (self.facts, 1),
                                                   (self.decision_label, 0), (self.note_edit, 0)], [240, 420])

    def _build_actions(self) -> None:
        self.approve_action, self.refuse_action = self._build_decision_actions(
            (self.tr("Approve"), self.tr("Refuse")), self.tr("Record the decision"), self.tr("Back to the list"),
            self.tr("Read the reviews again"))

    # --- the list -------------------------------------------------------------------------------
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
        name = self._seat.catalog.unit_name(unit) if self._seat is not None else str(unit or "")
        return {**item, "_facts": facts, "_unit": name}

    def _count_text(self, count: int) -> str:
        return self.tr("{count} reviews pending").format(count=count)

    def _show_detail(self, item: dict | None) -> None:
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
        kind = request_type_name(facts.get("request_type"))
        rows: list[tuple[str, object]] = [
            (self.tr("Title"), facts.get("title")),
            (self.tr("Status"), self.texts.status(facts.get("status"))),
            (self.tr("Type"), kind),
            (self.tr("Category"), self.category_name(str(facts.get("category_id") or ""))),
            (self.tr("Caller"), mask_phone(str(facts.get("caller_phone"))) if facts.get("caller_phone") else ""),
            (self.tr("Unit"), item.get("_unit")),
            (self.tr("Deadline"), day(facts.get("deadline"))),
            (self.tr("Accepted at"), day(facts.get("created_at"))),
            (self.tr("Applied at"), day(item.get("created_at"))),
        ]
        if item.get("kind") == "unreasonable_repeat" and facts.get("repeat_count") is not None:
            rows.append((self.tr("Repeat requests"), facts.get("repeat_count")))
        if facts.get("content"):
            rows.append((self.tr("Content"), facts["content"]))
        if not facts:
            rows.append((self.tr("Note"), self.tr("This order is not in the local cache yet.")))
        return facts_table(rows)

    # --- deciding ---------------------------------------------------------------------------------
    def _prompt(self, decision: str | None) -> str:
        if decision == "approve":
            return self.tr("Decision: approve. Add a note if you like, then Ctrl+Enter")
        if decision == "refuse":
            return self.tr("Decision: refuse. Write the reason, then Ctrl+Enter")
        return self.tr("Press A to approve or R to refuse")

    def _missing(self, decision: str | None) -> str:
        return (self.tr("Choose first: A approves, R refuses.") if decision is None
                else self.tr("Write the reason for the refusal first."))

    def _problem(self, decision: str, note: str) -> tuple[str, QWidget | None] | None:
        if len(note) > NOTE_MAX:
            return self.tr("The note is too long ({count} of at most {limit} characters).").format(
                count=len(note), limit=NOTE_MAX), None
        return None

    def _record(self, item: dict, decision: str, note: str) -> Operation[str]:
        assert isinstance(self._service, ReviewService)
        return self.operation(self._service.decide(item, decision, note)) \
            .failure_text(self.tr("The decision could not be saved: {error}"))

    def _decided_text(self, item: dict, decision: str) -> str:
        kind = self.texts.review_kind(str(item.get("kind")))
        return (self.tr("Approved: {kind} of order {number}") if decision == "approve"
                else self.tr("Refused: {kind} of order {number}")).format(kind=kind, number=item.get("number"))
