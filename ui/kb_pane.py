"""The knowledge-base pane (right of the work-order form): search as you type over the local cache,
results with highlighted snippets, the whole entry, "insert the approved answer" and "report an
error" (纠错) with an inline comment box.

The search reads the cache on the GUI thread: it is an FTS5 lookup of a few milliseconds
(`last_search_ms` keeps the latest time), so it also works offline. Typing restarts a short
single-shot timer, so a burst of keystrokes runs one search, for the last text."""
from __future__ import annotations

import html
import logging
import re
import time
from datetime import date

import shiboken6
from PySide6.QtCore import (
    QAbstractListModel,
    QCoreApplication,
    QEvent,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    QSize,
    Qt,
    QTimer,
    Signal,
)
from PySide6.QtGui import QAction, QKeyEvent, QPainter, QPalette, QTextDocument
from PySide6.QtWidgets import (
    QApplication,
    QFrame,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListView,
    QPlainTextEdit,
    QSplitter,
    QStyle,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QTextBrowser,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from domain import clock
from ui.operation import Operation, error_text
from ui.page import clean, facts_table, page_action, text_problem
from workstation.errors import CacheError
from workstation.knowledge import COMMENT_MAX, MARK_END, MARK_START, KbHit
from workstation.session import SeatSession

log = logging.getLogger(__name__)

SEARCH_DELAY_MS = 120
RESULT_LIMIT = 20
MARK_STYLE = "color:#b3261e; background-color:#fff3b0;"
MUTED = "#6b6b6b"
_ENTER = (Qt.Key.Key_Return, Qt.Key.Key_Enter)


def snippet_html(snippet: str) -> str:
    """The snippet as HTML: text escaped, the MARK_START ... MARK_END spans in bold and coloured."""
    out, open_ = [], False
    for piece in re.split(f"([{MARK_START}{MARK_END}])", snippet):
        if piece == MARK_START and not open_:
            out.append(f'<b style="{MARK_STYLE}">')
            open_ = True
        elif piece == MARK_END and open_:
            out.append("</b>")
            open_ = False
        elif piece not in (MARK_START, MARK_END):
            out.append(html.escape(piece))
    if open_:
        out.append("</b>")
    return "".join(out)


def search_knowledge(seat: SeatSession, query: str, limit: int, message: QLabel) -> list[KbHit] | None:
    """The seat's knowledge base searched; None (and why, on `message`) when it cannot be read."""
    try:
        return seat.knowledge.search(query, limit=limit)
    except CacheError as exc:
        log.warning("knowledge search failed: %s", type(exc).__name__)
        message.setText(QCoreApplication.translate("KnowledgePane", "The local knowledge base cannot be read: {error}")
                        .format(error=error_text(exc)))
        return None


class KbHitModel(QAbstractListModel):
    """Search results, best first (expired entries last, as the knowledge service orders them)."""

    HitRole = Qt.ItemDataRole.UserRole + 1
    IdRole = Qt.ItemDataRole.UserRole + 2
    SnippetRole = Qt.ItemDataRole.UserRole + 3
    ExpiredRole = Qt.ItemDataRole.UserRole + 4

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._hits: list[KbHit] = []

    def rowCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._hits)

    def data(self, index: QModelIndex | QPersistentModelIndex, role: int = Qt.ItemDataRole.DisplayRole) -> object:
        hit = self.hit(index.row()) if index.isValid() else None
        if hit is None:
            return None
        if role == Qt.ItemDataRole.DisplayRole:
            return hit.title
        if role == Qt.ItemDataRole.ToolTipRole:
            return " › ".join(hit.category_path)
        if role == Qt.ItemDataRole.AccessibleTextRole:
            # f-strings hide tr() from lupdate: translate outside them
            return hit.title + " (" + self.tr("Expired") + ")" if hit.expired else hit.title
        return {self.HitRole: hit, self.IdRole: hit.id, self.SnippetRole: hit.snippet,
                self.ExpiredRole: hit.expired}.get(role)

    def hit(self, row: int) -> KbHit | None:
        return self._hits[row] if 0 <= row < len(self._hits) else None

    def set_hits(self, hits: list[KbHit]) -> None:
        if hits == self._hits:
            return  # a re-run after a sync that changed nothing keeps the selection
        self.beginResetModel()
        self._hits = list(hits)
        self.endResetModel()

    def row_of(self, entry_id: str) -> int:
        return next((i for i, h in enumerate(self._hits) if h.id == entry_id), -1)


class KbHitDelegate(QStyledItemDelegate):
    """Title (grey with a tag when expired), the snippet with its matches highlighted, the category."""

    PADDING = 6

    def _document(self, option: QStyleOptionViewItem, index: QModelIndex, selected: bool) -> QTextDocument:
        hit: KbHit | None = index.data(KbHitModel.HitRole)
        doc = QTextDocument()
        doc.setDocumentMargin(0)
        doc.setDefaultFont(option.font)
        if hit is None:
            return doc
        palette = option.palette
        text = palette.color(QPalette.ColorRole.HighlightedText if selected else QPalette.ColorRole.Text).name()
        muted = text if selected else MUTED
        title = f'<span style="font-weight:600; color:{muted if hit.expired else text};">' \
                f'{snippet_html(hit.title_marked or hit.title)}</span>'
        if hit.partial:  # holds part of what was asked: after every entry that holds all of it
            tag = html.escape(self.tr("Partial match"))
            title += f' <span style="color:{muted}; font-size:small;">{tag}</span>'
        if hit.expired:
            tag = html.escape(self.tr("Expired"))
            title += f' <span style="color:#ffffff; background-color:#8a8a8a;">&nbsp;{tag}&nbsp;</span>'
        path = html.escape(" › ".join(hit.category_path))
        doc.setHtml(f'<div>{title}</div><div style="color:{muted};">{snippet_html(hit.snippet)}</div>'
                    f'<div style="color:{muted}; font-size:small;">{path}</div>')
        doc.setTextWidth(max(50, self._width(option) - 2 * self.PADDING))
        return doc

    @staticmethod
    def _width(option: QStyleOptionViewItem) -> int:
        view = option.widget
        if isinstance(view, QListView):
            return view.viewport().width()
        return option.rect.width() or 300

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: QModelIndex) -> None:
        opt = QStyleOptionViewItem(option)
        self.initStyleOption(opt, index)
        opt.text = ""  # the document below draws the text
        style = opt.widget.style() if opt.widget else QApplication.style()
        style.drawControl(QStyle.ControlElement.CE_ItemViewItem, opt, painter, opt.widget)
        selected = bool(opt.state & QStyle.StateFlag.State_Selected)
        doc = self._document(opt, index, selected)
        painter.save()
        painter.translate(opt.rect.left() + self.PADDING, opt.rect.top() + self.PADDING)
        painter.setClipRect(0, 0, opt.rect.width() - self.PADDING, opt.rect.height() - self.PADDING)
        doc.drawContents(painter)
        painter.restore()

    def sizeHint(self, option: QStyleOptionViewItem, index: QModelIndex) -> QSize:
        doc = self._document(option, index, False)
        return QSize(self._width(option), int(doc.size().height()) + 2 * self.PADDING)


class KnowledgePane(QWidget):
    """`set_session(seat)` binds the pane to a signed-in seat (None when signed out).

    Signals: `insert_answer(str)` the approved answer to put into the form's reply;
    `entry_opened(str)` an entry id shown in the detail; `searched(str, int)` after each search,
    the query and the number of hits; `correction_recorded(str)` the outbox mutation id of a 纠错;
    `notices_changed(int)` the number of announced answers (答复口径) the agent has not seen yet.

    With nothing typed, the list holds the answers published or changed lately (the platform's
    announcements, newest first): a new call starts there."""

    insert_answer = Signal(str)
    notices_changed = Signal(int)
    entry_opened = Signal(str)
    searched = Signal(str, int)
    correction_recorded = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("knowledgePane")
        self._seat: SeatSession | None = None
        self._entry: dict | None = None
        self._notices: list[dict] = []  # listed while the search box is empty
        self.last_search_ms = 0.0
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(SEARCH_DELAY_MS)
        self._timer.timeout.connect(self.search_now)
        self._build()
        self._build_actions()
        self.set_session(None)

    # --- layout ---------------------------------------------------------------------------------
    def _build(self) -> None:
        self.search_edit = QLineEdit()
        self.search_edit.setObjectName("kbSearch")
        self.search_edit.setClearButtonEnabled(True)
        self.search_edit.textChanged.connect(self._text_changed)
        self.search_edit.installEventFilter(self)
        self.status = QLabel()
        self.status.setObjectName("kbStatus")
        self.status.setWordWrap(True)
        self.status.setStyleSheet(f"color: {MUTED};")

        self.model = KbHitModel(self)
        self.results = QListView()
        self.results.setObjectName("kbResults")
        self.results.setModel(self.model)
        self.results.setItemDelegate(KbHitDelegate(self.results))
        self.results.setUniformItemSizes(False)
        self.results.setWordWrap(True)
        self.results.setResizeMode(QListView.ResizeMode.Adjust)
        self.results.setVerticalScrollMode(QListView.ScrollMode.ScrollPerPixel)
        self.results.activated.connect(self._open_index)
        self.results.clicked.connect(self._open_index)
        # the entry shown is always the one selected: what Ctrl+Enter inserts is what the agent sees
        self.results.selectionModel().currentChanged.connect(self._selection_moved)

        self.detail = QTextBrowser()
        self.detail.setObjectName("kbDetail")
        self.detail.setOpenLinks(False)
        self.insert_button = QToolButton(objectName="kbInsert")
        self.report_button = QToolButton(objectName="kbReport")
        self.notice = QLabel()  # inline confirmations: answer inserted, correction submitted
        self.notice.setObjectName("kbNotice")
        self.notice.setWordWrap(True)
        buttons = QHBoxLayout()
        buttons.addWidget(self.insert_button)
        buttons.addWidget(self.report_button)
        buttons.addWidget(self.notice, 1)

        self.report_box = QFrame()
        self.report_box.setObjectName("kbReportBox")
        self.report_box.setFrameShape(QFrame.Shape.StyledPanel)
        self.comment = QPlainTextEdit()
        self.comment.setObjectName("kbReportComment")
        self.comment.setTabChangesFocus(True)
        self.comment.installEventFilter(self)
        self.comment.setMaximumHeight(90)
        self.report_error = QLabel()
        self.report_error.setObjectName("kbReportError")
        self.report_error.setStyleSheet("color: #b3261e;")
        self.report_error.setWordWrap(True)
        self.send_button = QToolButton(objectName="kbReportSend")
        self.cancel_button = QToolButton(objectName="kbReportCancel")
        box = QVBoxLayout(self.report_box)
        box.setContentsMargins(6, 6, 6, 6)
        box.addWidget(self.comment)
        row = QHBoxLayout()
        row.addWidget(self.report_error, 1)
        row.addWidget(self.send_button)
        row.addWidget(self.cancel_button)
        box.addLayout(row)

        lower = QWidget()
        lower_layout = QVBoxLayout(lower)
        lower_layout.setContentsMargins(0, 0, 0, 0)
        lower_layout.addWidget(self.detail, 1)
        lower_layout.addLayout(buttons)
        lower_layout.addWidget(self.report_box)
        self.splitter = QSplitter(Qt.Orientation.Vertical)
        self.splitter.setObjectName("kbSplitter")
        self.splitter.setChildrenCollapsible(False)
        self.splitter.addWidget(self.results)
        self.splitter.addWidget(lower)
        self.splitter.setSizes([300, 400])

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.search_edit)
        layout.addWidget(self.status)
        layout.addWidget(self.splitter, 1)

    def _action(self, text: str, keys: list[str], slot, context: Qt.ShortcutContext,  # noqa: ANN001
                owner: QWidget | None) -> QAction:
        return page_action(self, text, keys, slot, owner, context=context)

    def _build_actions(self) -> None:
        window, pane = Qt.ShortcutContext.WindowShortcut, Qt.ShortcutContext.WidgetWithChildrenShortcut
        self.focus_action = self._action(self.tr("Search the knowledge base"), ["Ctrl+K"], self.focus_search,
                                         window, self)
        self.insert_action = self._action(self.tr("Insert the approved answer"), ["Ctrl+Return", "Ctrl+Enter", "Alt+I"],
                                          self._insert, pane, self)
        self.report_action = self._action(self.tr("Report an error in this entry"), ["Alt+E"],
                                          self.show_report_box, pane, self)
        self.previous_action = self._action(self.tr("Show the previous version of this entry"), ["Alt+V"],
                                            self.show_previous, pane, self)
        self.notices_action = self._action(self.tr("List the answers published or changed lately"), ["Alt+K"],
                                           self.show_notices, window, self)
        # Ctrl+Enter inside the comment box: the box's event filter takes the key before the
        # pane's insert shortcut sees it (two live shortcuts on one key would be ambiguous).
        self.send_action = self._action(self.tr("Send the correction"), ["Ctrl+Return"], self._send_correction,
                                        pane, None)  # not added to a widget: its keys only label it
        self.cancel_action = self._action(self.tr("Cancel the correction"), ["Esc"], self.hide_report_box,
                                          pane, None)
        self.insert_button.setDefaultAction(self.insert_action)
        self.report_button.setDefaultAction(self.report_action)
        # Plain buttons, not setDefaultAction: that would add the actions to the buttons and make
        # their keys live shortcuts there, clashing with the pane's Ctrl+Enter.
        for button, action in ((self.send_button, self.send_action), (self.cancel_button, self.cancel_action)):
            button.setText(action.text())
            button.setToolTip(action.toolTip())
            button.clicked.connect(action.trigger)
        self.search_edit.setPlaceholderText(self.tr("Search the knowledge base (pinyin initials work too)")
                                            + "  Ctrl+K")
        self.comment.setPlaceholderText(self.tr("What is wrong in this entry? Ctrl+Enter sends, Esc cancels"))
        self.actions_for_help = [self.focus_action, self.notices_action, self.insert_action, self.report_action,
                                 self.previous_action, self.send_action, self.cancel_action]

    # --- session --------------------------------------------------------------------------------
    def set_session(self, seat: SeatSession | None) -> None:
        if self._seat is not None:
            try:
                self._seat.sync.synced.disconnect(self._on_synced)
            except ValueError:
                pass  # never connected (a session set twice)
        self._seat = seat
        self._timer.stop()
        self.model.set_hits([])
        self._show_entry(None)
        self.hide_report_box()
        self.notice.clear()
        self.search_edit.setEnabled(seat is not None)
        self._notices = []
        if seat is None:
            self.status.setText(self.tr("Signed out: sign in to search the knowledge base."))
            self.notices_changed.emit(0)
            return
        seat.sync.synced.connect(self._on_synced)
        self.search_now()

    def _on_synced(self, _cursor: int) -> None:
        """New entries may have arrived: refresh the results and the open entry."""
        if not shiboken6.isValid(self) or self._seat is None:
            return
        if self.search_edit.text().strip():
            self._read_notices()  # the list shows a search: only the count of new answers moves
        if self._timer.isActive():
            return
        self.search_now()
        if self._entry is not None:
            self._show_entry(self._seat.knowledge.entry(self._entry["id"]))

    # --- search ---------------------------------------------------------------------------------
    def focus_search(self) -> None:
        self.search_edit.setFocus(Qt.FocusReason.ShortcutFocusReason)
        self.search_edit.selectAll()

    def _text_changed(self, _text: str) -> None:
        self._timer.start()  # restarting drops the search the previous keystroke scheduled

    def search_now(self) -> None:
        """Run the search for the box's text at once (the timer calls this after typing pauses)."""
        self._timer.stop()
        query = self.search_edit.text().strip()
        if self._seat is None:
            return
        if not query:
            self._list_notices()
            self.searched.emit("", 0)
            return
        selected = self._current_hit()
        started = time.perf_counter()
        hits = search_knowledge(self._seat, query, RESULT_LIMIT, self.status)
        if hits is None:
            return
        self.last_search_ms = (time.perf_counter() - started) * 1000
        self.model.set_hits(hits)
        if selected is not None and (row := self.model.row_of(selected.id)) >= 0:
            self.results.setCurrentIndex(self.model.index(row))
        elif self._current_hit() is None:
            self._show_entry(None)  # a new search: nothing is selected, nothing shown, nothing to insert
        if hits:
            self.status.setText(self.tr("{count} entries found").format(count=len(hits)))
        else:
            self.status.setText(self.tr("No entries found for “{query}”.").format(query=query))
        self.searched.emit(query, len(hits))

    # --- answers announced ----------------------------------------------------------------------
    def show_notices(self) -> None:
        """The latest published and changed answers, in the list, the search box focused."""
        self.search_edit.clear()
        self.search_now()
        self.search_edit.setFocus(Qt.FocusReason.ShortcutFocusReason)

    def _read_notices(self) -> list[dict]:
        try:
            self._notices = self._seat.knowledge.notices() if self._seat is not None else []
        except CacheError as exc:
            log.warning("announced answers not read: %s", type(exc).__name__)
            self._notices = []
        self.notices_changed.emit(sum(n["unseen"] for n in self._notices))
        return self._notices

    def _list_notices(self) -> None:
        notices = self._read_notices()
        current = self._current_hit()
        self.model.set_hits([self._notice_hit(n) for n in notices])
        if current is not None and (row := self.model.row_of(current.id)) >= 0:
            self.results.setCurrentIndex(self.model.index(row))
        elif self._current_hit() is None:
            self._show_entry(None)
        unseen = sum(n["unseen"] for n in notices)
        if not notices:
            self.status.setText(self.tr("Type words or pinyin initials to search."))
        elif unseen:
            self.status.setText(self.tr("Answers published or changed lately: {count}, {new} of them new. Type to "
                                        "search.").format(count=len(notices), new=unseen))
        else:
            self.status.setText(self.tr("Answers published or changed lately: {count}. Type to search.")
                                .format(count=len(notices)))

    def _notice_hit(self, notice: dict) -> KbHit:
        label = self.tr("New answer") if notice["change"] == "new" else self.tr("Answer changed")
        if notice["unseen"]:
            label = MARK_START + label + MARK_END
        parts = [label, notice["department"], notice["at"][5:16].replace("T", " ")]
        if notice["pending"]:
            parts.append(self.tr("applies from {day}").format(day=notice["valid_from"]))
        return KbHit(id=notice["entry_id"], title=notice["title"], snippet=" · ".join(p for p in parts if p),
                     expired=False, score=0.0, category_path=notice["category_path"])

    def _notices_seen(self) -> None:
        """The agent opened one of the announced answers: the list counts as read."""
        if self._seat is None or not any(n["unseen"] for n in self._notices):
            return
        seen = list(self._notices)
        for notice in self._notices:
            notice["unseen"] = False
        self.notices_changed.emit(0)
        Operation(self, self._seat.knowledge.mark_notices_seen(seen)) \
            .failure(lambda exc, _text: log.warning("announced answers not marked read: %s", type(exc).__name__)).run()

    def _current_hit(self) -> KbHit | None:
        return self.model.hit(self.results.currentIndex().row()) if self.results.currentIndex().isValid() else None

    def _move(self, step: int) -> None:
        count = self.model.rowCount()
        if not count:
            return
        row = self.results.currentIndex().row() if self.results.currentIndex().isValid() else -1
        row = 0 if row < 0 and step > 0 else max(0, min(count - 1, row + step))
        self.results.setCurrentIndex(self.model.index(row))
        self.results.scrollTo(self.model.index(row))

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self.search_edit and event.type() == QEvent.Type.KeyPress:
            return self._search_key(event)
        if watched is self.comment and event.type() in (QEvent.Type.ShortcutOverride, QEvent.Type.KeyPress):
            return self._comment_key(event)
        return super().eventFilter(watched, event)

    def _search_key(self, event: QKeyEvent) -> bool:
        key, mods = event.key(), event.modifiers() & ~Qt.KeyboardModifier.KeypadModifier
        if mods != Qt.KeyboardModifier.NoModifier:
            return False
        steps = {Qt.Key.Key_Down: 1, Qt.Key.Key_Up: -1, Qt.Key.Key_PageDown: 5, Qt.Key.Key_PageUp: -5}
        if key in steps:
            self._move(steps[key])
            return True
        if key in _ENTER:
            if self._timer.isActive():
                self.search_now()  # Enter right after typing opens a result of the text typed
            index = self.results.currentIndex()
            self._open_index(index if index.isValid() else self.model.index(0))
            return True
        return False

    def _comment_key(self, event: QKeyEvent) -> bool:
        ctrl_enter = event.key() in _ENTER and event.modifiers() & Qt.KeyboardModifier.ControlModifier
        escape = event.key() == Qt.Key.Key_Escape
        if not (ctrl_enter or escape):
            return False
        if event.type() == QEvent.Type.ShortcutOverride:
            event.accept()  # the key comes to the box as a key press, not to a shortcut
            return True
        (self.send_action if ctrl_enter else self.cancel_action).trigger()
        return True

    def reset(self) -> None:
        """A new caller: the search starts empty."""
        self._timer.stop()
        self.search_edit.clear()
        self.search_now()

    # --- the entry ------------------------------------------------------------------------------
    def _selection_moved(self, current: QModelIndex, _previous: QModelIndex) -> None:
        hit = self.model.hit(current.row()) if current.isValid() else None
        if hit is None:
            self._show_entry(None)
        elif self._entry is None or self._entry["id"] != hit.id:
            self.open_entry(hit.id)

    def _open_index(self, index: QModelIndex) -> None:
        hit = self.model.hit(index.row()) if index.isValid() else None
        if hit is not None:
            self.open_entry(hit.id)
            self._learn(hit.id, "open")

    def _learn(self, entry_id: str, action: str) -> None:
        """What the agent used after which search, for every seat's search to learn from."""
        if self._seat is not None and self.search_edit.text().strip():
            Operation(self, self._seat.knowledge.record_use(self.search_edit.text(), entry_id, action)) \
                .failure(lambda exc, _text: log.warning("use of an entry not recorded: %s", type(exc).__name__)).run()

    def open_entry(self, entry_id: str) -> None:
        if self._seat is None:
            return
        entry = self._seat.knowledge.entry(entry_id)
        self._show_entry(entry)
        if entry is not None and not self.search_edit.text().strip():
            self._notices_seen()
        if entry is not None:
            row = self.model.row_of(entry_id)
            if row >= 0 and self.results.currentIndex().row() != row:
                self.results.setCurrentIndex(self.model.index(row))
            self.entry_opened.emit(entry_id)

    @property
    def current_entry(self) -> dict | None:
        return self._entry

    def _show_entry(self, entry: dict | None) -> None:
        if self._entry is None or entry is None or entry["id"] != self._entry["id"]:
            self.hide_report_box()
            self.notice.clear()
        self._entry = entry
        self.insert_action.setEnabled(entry is not None)
        self.report_action.setEnabled(entry is not None)
        self.previous_action.setEnabled(entry is not None and int(entry.get("version") or 1) > 1)
        if entry is None:
            hint = html.escape(self.tr("Pick a result to see the whole entry."))
            self.detail.setHtml(f'<p style="color:{MUTED};">{hint}</p>')
        else:
            self.detail.setHtml(self._entry_html(entry, clock.now().date()))

    def _entry_html(self, entry: dict, today: date) -> str:
        def esc(value: object) -> str:
            return html.escape(str(value)) if value not in (None, "") else "—"

        parts = [f"<h3>{esc(entry['title'])}</h3>"]
        valid_to, valid_from = entry.get("valid_to"), entry.get("valid_from")
        if valid_to and valid_to < today.isoformat():
            warning = self.tr("Expired on {date}: check the current policy before using this answer.")
            parts.append(f'<p style="color:#b3261e; font-weight:600;">{esc(warning.format(date=valid_to))}</p>')
        elif valid_from and valid_from > today.isoformat():
            note = self.tr("Not in force before {date}.").format(date=valid_from)
            parts.append(f'<p style="color:#b3261e;">{esc(note)}</p>')
        answer = esc(entry["answer"]).replace("\n", "<br>")
        heading = esc(self.tr("Approved answer"))
        parts.append(f"<p><b>{heading}</b></p><p>{answer}</p>")
        validity = self.tr("{start} to {end}").format(start=valid_from or "—",
                                                       end=valid_to or self.tr("no end date"))
        rows = [(self.tr("Category"), " › ".join(entry.get("category_path") or [])),
                (self.tr("Source department"), entry.get("source_department")),
                (self.tr("Policy basis"), entry.get("policy_basis")),
                (self.tr("Valid"), validity),
                (self.tr("Version"), entry.get("version")),
                (self.tr("Keywords"), "、".join(entry.get("keywords") or []))]
        parts.append(facts_table(rows))
        return "".join(parts)

    def _insert(self) -> None:
        """The approved answer of the entry shown (the selected one: the detail follows the
        selection), named in the notice; nothing when no entry is shown."""
        hit = self._current_hit()
        if self._entry is None or (hit is not None and hit.id != self._entry["id"]):
            return
        self.insert_answer.emit(self._entry["answer"])
        self._learn(self._entry["id"], "insert")
        expired = self._entry.get("valid_to") and self._entry["valid_to"] < clock.now().date().isoformat()
        title = self._entry["title"]
        self._notify(self.tr("Inserted the expired answer of “{title}”: check it before reading it out.").format(
            title=title) if expired else self.tr("Inserted the answer of “{title}”.").format(title=title),
            error=bool(expired))

    def show_previous(self) -> None:
        """Alt+V: the entry's previous version under the current one (read from the platform)."""
        entry, seat = self._entry, self._seat
        if entry is None or seat is None:
            return
        Operation(self, seat.knowledge.previous_version(entry)).busy(self.previous_action).show_on(self.notice) \
            .failure_text(self.tr("The previous version could not be read: {error}")) \
            .success(lambda previous: self._show_previous(entry, previous)).run()

    def _show_previous(self, entry: dict, previous: dict | None) -> None:
        if self._entry is not entry:
            return  # another entry is shown by now
        if previous is None:
            self._notify(self.tr("This is the entry's first version."))
            return
        head = html.escape(self.tr("Previous version {version}, changed by {who} on {when}").format(
            version=previous["version"], who=previous["changed_by"], when=previous["changed_at"][:16].replace("T", " ")))
        answer = html.escape(previous["entry"].get("answer") or "").replace("\n", "<br>")
        previous_html = f'<hr><p style="color:{MUTED};"><b>{head}</b></p><p>{answer}</p>'
        self.detail.setHtml(self._entry_html(entry, clock.now().date()) + previous_html)
        self._notify(self.tr("The previous version is shown under the current one."))

    def _notify(self, text: str, error: bool = False) -> None:
        self.notice.setText(text)
        self.notice.setStyleSheet("color: #b3261e;" if error else f"color: {MUTED};")

    # --- 纠错 ------------------------------------------------------------------------------------
    def show_report_box(self) -> None:
        if self._entry is None:
            return
        self.report_error.clear()
        self.report_box.show()
        self.comment.setFocus(Qt.FocusReason.ShortcutFocusReason)

    def hide_report_box(self) -> None:
        had_focus = self.report_box.isAncestorOf(QApplication.focusWidget())
        self.report_box.hide()
        self.report_error.clear()
        if had_focus:
            self.search_edit.setFocus(Qt.FocusReason.OtherFocusReason)

    def _send_correction(self) -> None:
        """Check the comment at once (the agent sees why nothing was sent), then record it."""
        seat, entry = self._seat, self._entry
        if seat is None or entry is None or not self.report_box.isVisible():
            return
        comment = clean(self.comment.toPlainText())
        problem = text_problem(comment, COMMENT_MAX, self.tr("Write what is wrong first."),
                               self.tr("The comment is too long ({count} of at most {limit} characters)."))
        if problem:
            self.report_error.setText(problem)
            return
        # one correction per Ctrl+Enter, however fast the keys
        Operation(self, seat.knowledge.report_error(entry, comment)).busy(self.send_action) \
            .show_on(self.report_error).failure_text(self.tr("The correction could not be saved: {error}")) \
            .success(lambda mutation_id: self._corrected(seat, mutation_id)).run()

    def _corrected(self, seat: SeatSession, mutation_id: str) -> None:
        self.correction_recorded.emit(mutation_id)
        if self._seat is not seat:
            return  # signed out meanwhile: the outbox still holds it
        self.comment.clear()
        self.hide_report_box()
        self._notify(self.tr("Correction submitted"))
