"""The work-order form (the middle pane): what the caller wants, where, and what the agent does
with it at intake (close with an answer, dispatch, reject, transfer).

Reference data (the category tree, the handling units) is read from the seat's cache on the GUI
thread: a few hundred rows, read again only when a sync changed them. Nothing is sent until every
field the chosen action needs is valid; each invalid field says why right beside it.
"""
from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime

import shiboken6
from PySide6.QtCore import QModelIndex, Qt, QTimer, Signal
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QCompleter,
    QFormLayout,
    QFrame,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QScrollArea,
    QSpinBox,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from domain import clock
from domain.calendar import WorkCalendar
from domain.catalog import HandlingUnit, UnitKind, handles_category, suggest_units
from domain.intake import NotAcceptedReason
from domain.phone import mask_phone
from domain.workorder import RequestType, Urgency
from ui.category_picker import PATH_SEPARATOR, CategoryFilterProxy, CategoryKeys, CategoryPathModel
from ui.operation import Operation
from ui.order_checks import ADDRESS_MAX, NAME_MAX, NOTE_MAX, TITLE_MAX, OrderChecks
from ui.order_draft import DRAFT_KEYS, NOT_TYPED, draft_of, empty_draft, fill, request_of, select
from ui.unit_picker import UnitListCompleter, split_names
from workstation.catalog import Catalog
from workstation.session import SeatSession

log = logging.getLogger(__name__)

MAX_WORKING_DAYS = 60  # the platform's limit
# Units an order is dispatched to, in the order the agent looks for them; emergency lines are
# transfer targets only.
DISPATCH_KINDS = (UnitKind.bureau, UnitKind.enterprise, UnitKind.sub_centre, UnitKind.district, UnitKind.street,
                  UnitKind.region)
TRANSFER_KINDS = (UnitKind.emergency, UnitKind.sub_centre, UnitKind.region)
ERROR_STYLE = "color: #b3261e;"
WARNING_STYLE = "color: #8a5300;"

# --- reference data ---------------------------------------------------------------------------

_calendars: dict[int, WorkCalendar] = {}


def _calendar_for(year: int) -> WorkCalendar:
    # A deadline lies at most weeks ahead: this year and the next are all it can reach, and
    # building only those takes milliseconds instead of the half second of every year.
    if year not in _calendars:
        _calendars[year] = WorkCalendar.from_library(range(year, year + 2))
    return _calendars[year]


# --- the form ---------------------------------------------------------------------------------

# What a second request of the same caller keeps (`_recorded`).
CALLER_FIELDS = ("caller_phone", "requester_name", "confidential", "address_district", "address_street",
                 "address_detail")


class WorkOrderForm(QWidget):
    """The form of the current call.

    Signals: `changed()` on any edit by the agent (save the draft, debounced; programmatic fills
    by set_caller/load_draft/reset do not emit it); `submitted(number, op)` once an order is
    recorded locally, `number` being its provisional number (the request fields are empty again and
    the caller's kept, so the draft can be discarded). `actions_for_help`: the four intake actions with their shortcuts."""

    changed = Signal()
    submitted = Signal(str, str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("workOrderFormWidget")
        self._seat: SeatSession | None = None
        self._catalog = Catalog()
        self._suggested_assisting = ""  # the assisting units the last suggestion put in the field
        self._catalog_version: tuple = ()
        self._category_id: str | None = None
        self._quiet = 0
        self._busy = False
        self._errors: dict[str, QLabel] = {}
        self._fields: dict[str, QWidget] = {}
        self._calendar: WorkCalendar | None = None
        self._calendar_year = 0
        self._calendar_task: asyncio.Future | None = None
        self._baseline: dict = {}
        self._phone_full, self._revealed = "", False  # the caller's number, shown masked unless revealed
        # the caller's open order of a category (the caller card's), where a repeat request is merged
        self.repeat_lookup: Callable[[str], str | None] = lambda _category_id: None
        self._merge_into: str | None = None
        self.content_template = ""  # the category's template (常用模板) put in an empty request field
        self._checks = OrderChecks(self)
        self._build()
        self._build_actions()
        self._connect_edits()
        self._deadline_timer = QTimer(self)  # the date moves at midnight, the urgent hour every minute
        self._deadline_timer.setInterval(60_000)
        self._deadline_timer.timeout.connect(self._update_deadline)
        self._deadline_timer.start()
        self.reset()
        self._set_enabled(False)

    # --- building -----------------------------------------------------------------------------

    def _build(self) -> None:
        self.type_combo = self._combo("formType", self.tr("Choose the request type"))
        for rtype in RequestType:
            self.type_combo.addItem(rtype.label_zh, str(rtype))
        self.urgency_combo = self._combo("formUrgency")
        for urgency in Urgency:
            self.urgency_combo.addItem(urgency.label_zh, str(urgency))
        self.urgency_combo.setToolTip(self.tr("Urgency"))
        self.confidential_box = QCheckBox(self.tr("Confidential"))
        self.confidential_box.setObjectName("formConfidential")
        self.confidential_box.setToolTip(self.tr("Keep the caller's identity from the handling unit"))
        self.category_edit = self._line("formCategory", self.tr("Type to find the category, e.g. 公积金"))
        self._build_category_completer()
        self.repeat_box = QFrame(objectName="formRepeat")
        self.repeat_box.setStyleSheet("#formRepeat { background: #fff4e5; border: 1px solid #f0b45a; "
                                      "border-radius: 4px; }")
        self.repeat_text = QLabel(objectName="formRepeatText")
        self.repeat_text.setWordWrap(True)
        self.merge_reason = self._line("formMergeReason", self.tr("Why it is the same request"), NOTE_MAX)
        self.title_edit = self._line("formTitle", self.tr("A short summary of the request"), TITLE_MAX)
        self.content_edit = self._text("formContent", self.tr("What the caller asks, in their words"))
        self.district_combo = self._combo("formDistrict")
        self.street_combo = self._combo("formStreet")
        self.street_combo.setToolTip(self.tr("Street or town"))
        self.address_edit = self._line("formAddressDetail", self.tr("Residential compound, building and door, or a "
                                                                    "landmark"), ADDRESS_MAX)
        self.name_edit = self._line("formName", self.tr("How the caller wants to be addressed"), NAME_MAX)
        self.phone_edit = self._line("formPhone", self.tr("Number to call back"), 40)
        self.reply_edit = self._text("formReply", self.tr("The answer given to the caller (insert it from the "
                                                          "knowledge base)"))
        self.unit_combo = self._combo("formUnit", self.tr("Choose a handling unit"))
        self.unit_warning = QLabel(objectName="formUnitWarning")
        self.unit_warning.setWordWrap(True)
        self.unit_warning.setStyleSheet(WARNING_STYLE)
        self.unit_warning.hide()
        self.assisting_edit = self._line("formAssisting", self.tr("Assisting units, if any: type part of a name; "
                                                                  "separate them with 、"), 400)
        self.assisting_completer = UnitListCompleter(self.assisting_edit)
        self.assisting_completer.popup().setObjectName("formAssistingList")
        self.time_limit = QSpinBox(objectName="formTimeLimit")
        self.time_limit.setRange(1, MAX_WORKING_DAYS)
        self.time_limit.setSuffix(self.tr(" working days"))
        self.time_limit.setToolTip(self.tr("The time limit of the handling unit (办理时限), in working days"))
        self.deadline_label = QLabel()
        self.deadline_label.setObjectName("formDeadline")
        self.deadline_label.setWordWrap(True)
        self.reject_combo = self._combo("formRejectReason", self.tr("Choose why it is not accepted"))
        for reason in NotAcceptedReason:
            self.reject_combo.addItem(reason.label_zh, str(reason))
        self.guidance_box = self._text("formGuidance", "")
        self.guidance_box.setMaximumHeight(110)
        self.guidance_box.setToolTip(self.tr("Read this to the caller; change it if the case needs other words"))
        self.transfer_combo = self._combo("formTransferTarget", self.tr("Choose where to transfer the call"))
        self.transfer_note = self._line("formTransferNote", self.tr("Why it goes there, and a note for the "
                                                                    "receiving line"), NOTE_MAX)
        self.three_way_box = QCheckBox(self.tr("Three-way (stay on the line)"), objectName="formTransferThreeWay")
        self.transfer_done = QLabel(objectName="formTransferDone")
        self._transferred_at, self._transfer_call_id = "", ""  # set when the call itself was transferred
        self.last_transfer: tuple[HandlingUnit | None, bool, bool] | None = None
        self.status_label = QLabel()
        self.status_label.setObjectName("formStatus")
        self.status_label.setWordWrap(True)

        form = QFormLayout()
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        form.addRow(self.tr("Caller phone"), self._with_error(self.phone_edit))
        form.addRow(self.tr("Requester name"), self._row(self.name_edit, self.confidential_box))
        form.addRow(self.tr("Request type"), self._row(self._with_error(self.type_combo), self.urgency_combo))
        form.addRow(self.tr("Category"), self._with_error(self.category_edit))
        form.addRow("", self.repeat_box)
        form.addRow(self.tr("Title"), self._with_error(self.title_edit))
        form.addRow(self.tr("Content"), self._with_error(self.content_edit))
        form.addRow(self.tr("Address"), self._row(self.district_combo, self.street_combo))
        form.addRow(self.tr("Address detail"), self.address_edit)
        form.addRow(self.tr("Reply"), self._with_error(self.reply_edit))
        form.addRow(self.tr("Handling unit"), self._with_error(self.unit_combo))
        form.addRow("", self.unit_warning)
        form.addRow(self.tr("Assisting units"), self._with_error(self.assisting_edit))
        form.addRow(self.tr("Time limit"), self._row(self.time_limit, self.deadline_label))
        form.addRow(self.tr("Not accepted because"), self._with_error(self.reject_combo))
        form.addRow("", self._with_error(self.guidance_box))
        form.addRow(self.tr("Transfer to"), self._row(self._with_error(self.transfer_combo), self.three_way_box))
        form.addRow(self.tr("Transfer note"), self.transfer_note)
        form.addRow("", self.transfer_done)
        body = QWidget()
        column = QVBoxLayout(body)
        column.addLayout(form)
        column.addStretch(1)  # spare height stays below the form, not inside the text boxes' rows
        scroll = QScrollArea()
        scroll.setObjectName("formScroll")
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        scroll.setWidget(body)
        self.buttons = QHBoxLayout()
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(scroll, 1)
        layout.addLayout(self.buttons)
        layout.addWidget(self.status_label)

    def _build_category_completer(self) -> None:
        self.category_model = CategoryPathModel(self)
        self.category_proxy = CategoryFilterProxy(self)
        self.category_proxy.setSourceModel(self.category_model)
        # Our proxy filters; the completer only shows it (its own filter matches prefixes or one
        # substring, not several words anywhere in the path).
        self.category_completer = QCompleter(self.category_proxy, self)
        self.category_completer.setCompletionMode(QCompleter.CompletionMode.UnfilteredPopupCompletion)
        self.category_completer.setMaxVisibleItems(12)
        self.category_completer.setWidget(self.category_edit)
        self.category_completer.popup().setObjectName("formCategoryList")
        self.category_completer.activated[QModelIndex].connect(self._category_picked)
        self.category_edit.textEdited.connect(self._category_typed)
        self.category_edit.installEventFilter(CategoryKeys(self))

    def _combo(self, name: str, placeholder: str = "") -> QComboBox:
        combo = QComboBox()
        combo.setObjectName(name)
        combo.setPlaceholderText(placeholder)
        self._fields[name] = combo
        return combo

    def _line(self, name: str, placeholder: str, max_length: int = 0) -> QLineEdit:
        edit = QLineEdit()
        edit.setObjectName(name)
        edit.setPlaceholderText(placeholder)
        edit.setClearButtonEnabled(True)
        if max_length:
            edit.setMaxLength(max_length)
        self._fields[name] = edit
        return edit

    def _text(self, name: str, placeholder: str) -> QPlainTextEdit:
        edit = QPlainTextEdit()
        edit.setObjectName(name)
        edit.setPlaceholderText(placeholder)
        edit.setTabChangesFocus(True)  # Tab moves on through the form, as in every other field
        edit.setMinimumHeight(60)
        edit.setMaximumHeight(140)
        self._fields[name] = edit
        return edit

    def _with_error(self, widget: QWidget) -> QWidget:
        """The field with its reason label below, hidden while the field is fine."""
        error = QLabel()
        error.setObjectName(f"{widget.objectName()}Error")
        error.setStyleSheet(ERROR_STYLE)
        error.setWordWrap(True)
        error.hide()
        self._errors[widget.objectName()] = error
        box = QWidget()
        column = QVBoxLayout(box)
        column.setContentsMargins(0, 0, 0, 0)
        column.setSpacing(2)
        column.addWidget(widget)
        column.addWidget(error)
        return box

    @staticmethod
    def _row(*widgets: QWidget) -> QWidget:
        box = QWidget()
        row = QHBoxLayout(box)
        row.setContentsMargins(0, 0, 0, 0)
        for w in widgets:
            row.addWidget(w, 1)
        return box

    def _build_actions(self) -> None:
        self.close_action = self._action("closeAtIntakeAction", self.tr("Close at intake with the reply"),
                                         self.tr("Close"), "Ctrl+Shift+C", "close_at_intake", "formCloseButton")
        self.dispatch_action = self._action("dispatchAction", self.tr("Dispatch to the handling unit"),
                                            self.tr("Dispatch"), "Ctrl+Shift+D", "dispatch", "formDispatchButton")
        self.reject_action = self._action("rejectAtIntakeAction", self.tr("Reject at intake"),
                                          self.tr("Reject"), "Ctrl+Shift+R", "reject_at_intake", "formRejectButton")
        self.transfer_action = self._action("transferAction", self.tr("Transfer the call at once"),
                                            self.tr("Transfer"), "Ctrl+Shift+T", "transfer", "formTransferButton")
        repeat_row = QVBoxLayout(self.repeat_box)
        repeat_row.addWidget(self.repeat_text)
        reason_row = QHBoxLayout()
        reason_row.addWidget(self._with_error(self.merge_reason), 1)
        repeat_row.addLayout(reason_row)
        self.merge_action = self._action("mergeAction", self.tr("Merge into the caller's open order (并单)"),
                                         self.tr("Merge"), "Ctrl+Shift+M", "merge", "formMergeButton", reason_row)
        self.repeat_box.hide()
        self.actions_for_help = [self.close_action, self.dispatch_action, self.reject_action, self.transfer_action,
                                 self.merge_action]

    def _action(self, name: str, text: str, short: str, keys: str, op: str, button_name: str,
                row: QHBoxLayout | None = None) -> QAction:
        action = QAction(text, self)  # the full text is what the help overlay lists
        action.setIconText(short)  # the button's text: four of them share the pane's width
        action.setObjectName(name)
        action.setShortcut(QKeySequence(keys))
        # Window-wide: the agent may still be in the knowledge base after inserting the answer.
        action.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
        shown = action.shortcut().toString(QKeySequence.SequenceFormat.NativeText)
        action.setToolTip(self.tr("{action} ({shortcut})").format(action=text, shortcut=shown))
        action.triggered.connect(lambda: self.submit(op))
        self.addAction(action)
        button = QToolButton()
        button.setObjectName(button_name)
        button.setDefaultAction(action)
        button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
        (row if row is not None else self.buttons).addWidget(button)
        return action

    def _connect_edits(self) -> None:
        for edit in (self.title_edit, self.name_edit, self.phone_edit, self.transfer_note, self.category_edit,
                     self.address_edit, self.assisting_edit):
            edit.textChanged.connect(self._edited)
        for text in (self.content_edit, self.reply_edit, self.guidance_box):
            text.textChanged.connect(self._edited)
        for combo in (self.type_combo, self.urgency_combo, self.district_combo, self.street_combo,
                      self.unit_combo, self.reject_combo, self.transfer_combo):
            combo.currentIndexChanged.connect(self._edited)
        self.confidential_box.toggled.connect(self._edited)
        self.three_way_box.toggled.connect(self._edited)
        self.time_limit.valueChanged.connect(self._edited)
        self.time_limit.valueChanged.connect(self._update_deadline)
        self.urgency_combo.currentIndexChanged.connect(self._update_deadline)
        self.unit_combo.currentIndexChanged.connect(self._check_unit)
        self.district_combo.currentIndexChanged.connect(self._fill_streets)
        self.district_combo.currentIndexChanged.connect(self._address_changed)
        self.street_combo.currentIndexChanged.connect(self._address_changed)
        self.reject_combo.currentIndexChanged.connect(self._show_guidance)
        # An edited field loses its error mark: the reason no longer applies.
        for name, widget in self._fields.items():
            if name in self._errors:
                signal = widget.currentIndexChanged if isinstance(widget, QComboBox) else widget.textChanged
                signal.connect(lambda *_, n=name: self._clear_error(n))

    # --- edits --------------------------------------------------------------------------------

    @contextmanager
    def _quietly(self) -> Iterator[None]:
        """Programmatic fills are not the agent's edits: no `changed` for them."""
        self._quiet += 1
        try:
            yield
        finally:
            self._quiet -= 1

    def _edited(self, *_: object) -> None:
        if not self._quiet:
            self.changed.emit()

    def has_content(self) -> bool:
        """Anything the agent typed or chose beyond what the form starts with for this call."""
        now = self.to_draft()
        return any(now[k] != self._baseline.get(k) for k in DRAFT_KEYS if k not in NOT_TYPED)

    # --- session and reference data -------------------------------------------------------------

    def set_session(self, seat: SeatSession | None) -> None:
        if self._seat is not None:
            self._seat.sync.synced.disconnect(self._on_synced)
        self._seat = seat
        self._catalog_version = ()
        if seat is None:
            self._apply_catalog(Catalog())
        else:
            seat.sync.synced.connect(self._on_synced)
            self._reload_catalog()
            self._load_calendar()
        self._set_enabled(seat is not None and not self._busy)

    def _on_synced(self, *_: object) -> None:
        if shiboken6.isValid(self) and self._seat is not None:
            self._reload_catalog()

    def _reload_catalog(self) -> None:
        assert self._seat is not None
        catalog = self._seat.catalog
        version = catalog.version()
        if version != self._catalog_version:
            self._catalog_version = version
            self._apply_catalog(catalog.catalog())

    def _apply_catalog(self, catalog: Catalog) -> None:
        """New reference data; what the agent already chose stays where it still exists."""
        with self._quietly():
            draft = self.to_draft()
            self._catalog = catalog
            self.category_model.set_paths(catalog.leaf_paths())
            self._fill_combo(self.district_combo, [(u.name, u.name) for u in catalog.of_kind(UnitKind.district)],
                             self.tr("Not given"))
            self._fill_combo(self.transfer_combo, [(u.name, u.id) for u in catalog.of_kind(*TRANSFER_KINDS)])
            self._load_fields(draft)

    @staticmethod
    def _fill_combo(combo: QComboBox, items: list[tuple[str, str]], none_text: str | None = None) -> None:
        combo.clear()
        if none_text is not None:
            combo.addItem(none_text, "")
        for text, data in items:
            combo.addItem(text, data)
        combo.setCurrentIndex(0 if none_text is not None else -1)

    def _fill_streets(self) -> None:
        district = next((u for u in self._catalog.of_kind(UnitKind.district)
                         if u.name == self.district_combo.currentData()), None)
        streets = [u for u in self._catalog.of_kind(UnitKind.street) if district and u.parent_id == district.id]
        self._fill_combo(self.street_combo, [(u.name, u.name) for u in streets], self.tr("Not given"))
        self.street_combo.setEnabled(bool(streets))

    def _suggest_units(self) -> None:
        """The units the centre's dispatch rule table gives for the category and the address (its
        assisting units into an empty field, or one that holds only the last suggestion), then the
        units whose categories cover it."""
        cat_id = self._category_id
        if cat_id is None or cat_id not in self._catalog.tree:  # a catalogue being (re)loaded
            return
        suggestion = self._catalog.suggest(cat_id, self.district_combo.currentData() or "",
                                           self.street_combo.currentData() or "")
        lead = [suggestion.lead] if suggestion is not None else []
        by_subject = suggest_units(self._catalog.units, self._catalog.tree.path(cat_id))
        self._fill_units(lead + [u for u in by_subject if u not in lead])
        helpers = "、".join(u.name for u in suggestion.assisting) if suggestion is not None else ""
        if self.assisting_edit.text().strip() in ("", self._suggested_assisting):
            self.assisting_edit.setText(helpers)
        self._suggested_assisting = helpers

    def _address_changed(self) -> None:
        """A new address may change the suggestion: taken unless the agent chose another unit."""
        if self._category_id is not None and self.unit_combo.currentIndex() <= 0:
            self._suggest_units()

    def _fill_units(self, suggested: list[HandlingUnit]) -> None:
        """Every unit an order can go to, the suggested ones first and pre-selected."""
        self.unit_combo.clear()
        for unit in suggested:
            self.unit_combo.addItem(self.tr("{name} (suggested)").format(name=unit.name), unit.id)
        if suggested:
            self.unit_combo.insertSeparator(self.unit_combo.count())
        named = self.dispatch_units()
        for name, unit in named.items():
            if unit not in suggested:
                self.unit_combo.addItem(name, unit.id)
        self.unit_combo.setCurrentIndex(0 if suggested else -1)
        self.assisting_completer.set_names(list(named))
        self._check_unit()

    def dispatch_units(self) -> dict[str, HandlingUnit]:
        """The units an order can go to, by the name the agent sees (a street with its district)."""
        districts = {u.id: u.name for u in self._catalog.of_kind(UnitKind.district)}
        return {(f"{districts[u.parent_id]}{PATH_SEPARATOR}{u.name}"
                 if u.kind == UnitKind.street and u.parent_id in districts else u.name): u
                for u in self._catalog.of_kind(*DISPATCH_KINDS)}

    def assisting_units(self) -> tuple[list[str], list[str]]:
        """(ids of the assisting units named, names that are no unit)."""
        named = self.dispatch_units()
        ids, unknown = [], []
        for name in split_names(self.assisting_edit.text()):
            unit = named.get(name)
            if unit is None:
                unknown.append(name)
            elif unit.id not in ids:
                ids.append(unit.id)
        return ids, unknown

    def _check_unit(self) -> None:
        """Warn (not refuse) when the lead unit does not handle the chosen category."""
        unit = self._catalog.unit(self.unit_combo.currentData() or "") if self._catalog else None
        path = self._catalog.tree.path(self._category_id) if self._category_id else []
        if unit is None or not path or handles_category(unit, path):
            self.unit_warning.hide()
            return
        self.unit_warning.setText(self.tr("{unit} does not usually handle {category}: check the unit before "
                                          "dispatching").format(unit=unit.name, category=" / ".join(path)))
        self.unit_warning.show()

    # --- category -----------------------------------------------------------------------------

    def show_categories(self) -> None:
        """Open the list of leaves matching what is typed, the first one current (Enter takes it)."""
        if self._seat is not None:  # the synonyms as the cache holds them now (a small table)
            self.category_proxy.set_search(self._seat.catalog.category_search())
        self.category_proxy.set_query(self.category_edit.text() if self._category_id is None else "")
        completer = self.category_completer
        if completer.completionModel().rowCount() == 0:
            completer.popup().hide()
            return
        completer.complete()
        completer.popup().setCurrentIndex(completer.completionModel().index(0, 0))

    def _category_typed(self, text: str) -> None:
        self._set_category(self.category_model.id_for_text(text), update_text=False)
        if text.strip():
            self.show_categories()
        else:
            self.category_completer.popup().hide()

    def _category_picked(self, index: QModelIndex) -> None:
        self._set_category(index.data(CategoryPathModel.IdRole))
        self.activateWindow()  # a closed list can stay the active window where no window manager runs
        self.category_edit.setFocus()

    def _set_category(self, cat_id: str | None, update_text: bool = True) -> None:
        if cat_id is not None and cat_id not in self._catalog.tree:
            cat_id = None
        if update_text:
            self.category_edit.setText((self.category_model.text_for_id(cat_id) or "") if cat_id else "")
        if cat_id == self._category_id:
            return
        self._category_id = cat_id
        if cat_id is not None:
            self._clear_error("formCategory")
            self._suggest_units()
        self._check_unit()
        self.check_repeat()
        self._offer_template(cat_id)

    def _offer_template(self, cat_id: str | None) -> None:
        """The category's template (noise: when, where, what makes it) into an empty request field,
        or out of it again while the agent has not written in it."""
        content = self.content_edit.toPlainText()
        template = self._seat.texts.template_for_category(cat_id) if self._seat is not None and cat_id else ""
        if content.strip() and content != self.content_template:
            return  # the agent's own words stay
        self.content_template = template
        if content != template:
            self.content_edit.setPlainText(template)

    def check_repeat(self) -> None:
        """Offer the merge (并单) when the caller has an open order of the chosen category."""
        target = self.repeat_lookup(self._category_id) if self._category_id else None
        if target != self._merge_into:
            self._merge_into = target
            with self._quietly():
                self.merge_reason.setText(self.tr("The same request, called again") if target else "")
        self.repeat_text.setText(self.tr("The caller already has an open work order {number} of this category: if "
                                         "it is the same request, merge into it with Ctrl+Shift+M").format(
                                             number=target) if target else "")
        self.repeat_box.setVisible(target is not None)
        self.merge_action.setEnabled(target is not None and self._seat is not None and not self._busy)

    @property
    def merge_target(self) -> str | None:
        return self._merge_into

    @property
    def category_id(self) -> str | None:
        return self._category_id

    # --- deadline, guidance ---------------------------------------------------------------------

    def _load_calendar(self) -> None:
        year = clock.now().year
        if year in _calendars:
            self._calendar, self._calendar_year = _calendars[year], year
            self._update_deadline()
            return
        if self._calendar_task is not None and not self._calendar_task.done():
            return
        # chinese_calendar walks every day of the years: off the GUI thread.
        self._calendar_task = asyncio.ensure_future(asyncio.to_thread(_calendar_for, year))
        self._calendar_task.add_done_callback(self._calendar_ready)

    def _calendar_ready(self, task: asyncio.Future) -> None:
        if task.cancelled() or not shiboken6.isValid(self):
            return
        task.result()  # a failure is a bug: let the loop's handler report it
        self._load_calendar()

    def _update_deadline(self) -> None:
        if self._calendar is None:
            self.deadline_label.setText("")
            return
        now = clock.now()
        if now.year != self._calendar_year and self._seat is not None:
            self._load_calendar()  # a new year began during the shift; this one still counts meanwhile
        urgency = Urgency(self.urgency_combo.currentData() or Urgency.normal)
        self.time_limit.setEnabled(urgency is not Urgency.urgent)  # an urgent order has hours, not days
        due = self._calendar.deadline_for(now, urgency, self.time_limit.value())
        self.deadline_label.setText(self._deadline_text(now, urgency, due.due, due.provisional))
        self.deadline_label.setStyleSheet(ERROR_STYLE if due.provisional else "")

    def _deadline_text(self, now: datetime, urgency: Urgency, due: datetime, provisional: bool) -> str:
        if urgency is Urgency.urgent:
            hours = round((due - now).total_seconds() / 3600)
            text = self.tr("Due within {hours} hours, by {time}").format(hours=hours,
                                                                         time=due.strftime("%Y-%m-%d %H:%M"))
        else:
            text = self.tr("Due {date} (counted in working days)").format(date=due.strftime("%Y-%m-%d"))
        if provisional:
            text += " · " + self.tr("provisional: the holiday schedule of {year} is not published yet").format(
                year=due.year)
        return text

    def _show_guidance(self) -> None:
        """The chosen reason's standard text, to read and to change where the case needs it."""
        value = self.reject_combo.currentData()
        with self._quietly():
            self.guidance_box.setPlainText(NotAcceptedReason(value).guidance_zh if value else "")
        self.guidance_box.setVisible(bool(value))

    def guidance_changed(self) -> str:
        """The text read to the caller when the agent changed the reason's standard text, else ""."""
        value, text = self.reject_combo.currentData(), self.guidance_box.toPlainText().strip()
        return text if value and text != NotAcceptedReason(value).guidance_zh else ""

    # --- filling from outside -------------------------------------------------------------------

    def focus_first_empty(self) -> None:
        """The keyboard to the first field the agent still has to fill (the title when all are)."""
        fields = [(self.type_combo, not self.type_combo.currentData()), (self.category_edit, not self.category_edit.text()),
                  (self.title_edit, not self.title_edit.text().strip()),
                  (self.content_edit, not self.content_edit.toPlainText().strip()),
                  (self.phone_edit, not self.caller_phone().strip()), (self.name_edit, not self.name_edit.text())]
        target = next((widget for widget, empty in fields if empty), self.title_edit)
        self.activateWindow()
        target.setFocus(Qt.FocusReason.ShortcutFocusReason)

    def caller_phone(self) -> str:
        """The number the order is for: the caller's in full while the field shows it masked, or
        what the agent typed over it."""
        shown = self.phone_edit.text()
        return self._phone_full if self._phone_full and shown == self._shown_phone(self._phone_full) else shown

    def _shown_phone(self, full: str) -> str:
        return full if self._revealed or not any(ch.isdigit() for ch in full) else mask_phone(full)

    def show_phone(self, full: str) -> None:
        """Put a number in the field, masked as everywhere on the screen unless revealed (Alt+N)."""
        self._phone_full = full
        with self._quietly():
            self.phone_edit.setText(self._shown_phone(full))

    def show_number(self, revealed: bool) -> None:
        """Alt+N: the caller's number in full or masked again; a number the agent typed stays."""
        same = self.caller_phone() == self._phone_full
        self._revealed = revealed
        if same:
            self.show_phone(self._phone_full)

    def set_caller(self, phone: str, name: str = "", confidential: bool = False) -> None:
        """The ringing caller's number (shown masked), known name and confidential flag; all stay
        editable. Not counted as content: a form holding only these is not worth a draft."""
        self._revealed = False
        self.show_phone(phone)
        with self._quietly():
            self.name_edit.setText(name)
            self.confidential_box.setChecked(confidential)
        self._baseline.update(caller_phone=phone, requester_name=name, confidential=confidential)

    def transfer_targets(self) -> list[HandlingUnit]:
        return self._catalog.of_kind(*TRANSFER_KINDS)

    def transfer_target(self) -> HandlingUnit | None:
        return self._catalog.unit(self.transfer_combo.currentData() or "") if self._catalog else None

    def call_transferred(self, unit_id: str, three_way: bool, at: str, call_id: str) -> None:
        """The call itself went to `unit_id` (one key from the call bar): the form gets ready to
        record where, when and why, and the agent writes why."""
        select(self.transfer_combo, unit_id)
        self.three_way_box.setChecked(three_way)
        self._transferred_at, self._transfer_call_id = at, call_id
        if not self.type_combo.currentData():
            select(self.type_combo, str(RequestType.help))
        self._show_transfer_done()
        self._edited()
        self.activateWindow()  # the transfer menu may still hold the activation it took
        self.transfer_note.setFocus()

    def _show_transfer_done(self) -> None:
        unit = self.transfer_target()
        if self._transferred_at and unit is not None:
            self.transfer_done.setText(self.tr("The call went to {unit} at {time}: write why, then record it "
                                               "with Ctrl+Shift+T").format(unit=unit.name,
                                                                           time=self._transferred_at[11:19]))
        else:
            self.transfer_done.setText("")

    def set_reply(self, text: str) -> None:
        """Insert an approved answer (from the knowledge base) at the end of the reply."""
        current = self.reply_edit.toPlainText()
        joiner = "\n" if current and not current.endswith("\n") else ""
        self.reply_edit.setPlainText(current + joiner + text)
        self._clear_error("formReply")

    # --- drafts -------------------------------------------------------------------------------

    def to_draft(self) -> dict:
        return draft_of(self)

    def load_draft(self, draft: dict) -> None:
        """Fill every field from a draft; values that no longer exist (a retired category) stay empty."""
        with self._quietly():
            self._clear_errors()
            self._load_fields({**empty_draft(), **draft})

    def _load_fields(self, d: dict) -> None:
        fill(self, d)

    def reset(self) -> None:
        """An empty form for the next call (the reference data stays)."""
        with self._quietly():
            self._clear_errors()
            self._load_fields(empty_draft())
            self.category_completer.popup().hide()
        self._baseline = self.to_draft()

    # --- validation ---------------------------------------------------------------------------

    def _clear_error(self, name: str) -> None:
        if name in self._errors:
            self._errors[name].clear()
            self._errors[name].hide()

    def _clear_errors(self) -> None:
        for name in self._errors:
            self._clear_error(name)

    def errors(self) -> dict[str, str]:
        """The reasons shown now, by field objectName."""
        return {name: label.text() for name, label in self._errors.items() if not label.isHidden()}

    def _show_errors(self, found: dict[str, str]) -> None:
        self._clear_errors()
        for name, reason in found.items():
            self._errors[name].setText(reason)
            self._errors[name].show()
        if found:
            first = self._fields[next(iter(found))]
            first.setFocus()  # the agent fixes it without reaching for the mouse

    # --- actions ------------------------------------------------------------------------------

    def _set_enabled(self, enabled: bool) -> None:
        for action in self.actions_for_help:
            action.setEnabled(enabled and (action is not self.merge_action or self._merge_into is not None))

    def submit(self, op: str) -> None:
        """Validate for `op` ("close_at_intake", "dispatch", "reject_at_intake", "transfer", "merge"); when
        valid, record the order with its intake action and empty the form."""
        if self._seat is None or self._busy:
            return
        found = self._checks.check(self, op)
        self._show_errors(found)
        if found:
            self.status_label.setText(self.tr("Not sent: correct the marked fields"))
            self.status_label.setStyleSheet(ERROR_STYLE)
            return
        fields, then = request_of(self, op)
        # what the window needs to move a live call that was not transferred before the record
        self.last_transfer = (self.transfer_target(), self.three_way_box.isChecked(), bool(self._transferred_at)) \
            if op == "transfer" else None
        self._busy = True
        self._set_enabled(False)
        Operation(self, self._seat.orders.create(fields, then=then)).always(self._done) \
            .failure(lambda _exc, text: self._not_recorded(text)) \
            .success(lambda number: self._recorded(number, op)).run()

    def _done(self) -> None:
        self._busy = False
        self._set_enabled(self._seat is not None)

    def _not_recorded(self, error: str) -> None:
        """Disk full, a locked file: the form keeps everything."""
        self.status_label.setText(self.tr("The work order could not be saved on this computer: {error}")
                                  .format(error=error))
        self.status_label.setStyleSheet(ERROR_STYLE)

    def _recorded(self, number: str, op: str) -> None:
        """The request fields clear; the caller's stay, so that a second request in the same call
        starts at once (a new call replaces them)."""
        caller, merged_into = self.to_draft(), self._merge_into
        self.reset()
        with self._quietly():
            self._load_fields({**empty_draft(), **{k: caller[k] for k in CALLER_FIELDS}})
        self._baseline = self.to_draft()
        self.status_label.setText(self.tr("Work order {number} recorded").format(number=number) if op != "merge" else
                                  self.tr("The request was merged into work order {into}").format(into=merged_into))
        self.status_label.setStyleSheet("")
        self.submitted.emit(number, op)
