"""The main window: call bar on top; below it the pages: the desk (caller card | work-order form |
knowledge base), the missed-call callbacks, and the escalations (the expert's inbox, or the agent's
own); link state in the status bar."""
from __future__ import annotations

import asyncio
import logging
from pathlib import Path

import shiboken6
from PySide6.QtCore import QEvent, QObject, QSettings, QSize, Qt, QTimer, Signal
from PySide6.QtGui import QAction, QCloseEvent, QKeyEvent, QKeySequence, QMouseEvent
from PySide6.QtWidgets import (
    QFrame,
    QLabel,
    QLineEdit,
    QMainWindow,
    QMessageBox,
    QSplitter,
    QTabWidget,
    QToolButton,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)
from qasync import asyncSlot

from domain import clock
from domain.numbers import is_provisional_number
from domain.phone import mask_phone
from domain.roles import Page, has_desk, pages_for
from ui.audit_page import AuditPage
from ui.call_bar import CallBar
from ui.callback_queue import CallbackQueuePage
from ui.caller_card import CallerCard
from ui.dialogs import ask
from ui.dispatch_page import DispatchPage
from ui.escalations import EscalationInbox, MyEscalations, escalate
from ui.figures_page import FiguresPage
from ui.hot_topics import HotTopicsPage
from ui.kb_pane import KnowledgePane
from ui.kb_review import KbReviewPage
from ui.lexicon_page import LexiconPage
from ui.missed_calls import MissedCallsPage
from ui.my_kb_reports import MyKbReportsPage
from ui.my_orders import MyOrdersPage
from ui.operation import Operation
from ui.order_form import WorkOrderForm
from ui.overlay import Overlay
from ui.phrases import PhrasePicker
from ui.progress import SHORTCUT as PROGRESS_SHORTCUT
from ui.progress import ProgressDialog, ProgressLookup
from ui.quit_dialog import PendingWork, QuitDialog
from ui.reviews import ReviewsPage
from ui.settings import EVENT_SOCKET_USER, TelephonyDialog, event_socket_key, load_telephony
from ui.sign_in import SignInOverlay
from ui.sign_out import PendingChangesDialog, SignOutDialog, set_shared_seat, shared_seat
from ui.supervision import SupervisionPage
from ui.unit_desk import UnitDeskPage
from ui.wallboard import WallboardPage
from workstation.calls import Call
from workstation.credentials import Credentials
from workstation.platform_client import (
    InsecureAddress,
    PlatformClient,
    PlatformError,
    PlatformUnreachable,
    Session,
    check_address,
    is_credentials_refusal,
)
from workstation.session import CacheInUse, CacheRecovery, NoOfflineSeat, PendingMutations, SeatSession
from workstation.sync import LinkState
from workstation.telephony.base import TelephonyError

log = logging.getLogger(__name__)

FOCUS_RING = ("QLineEdit:focus, QPlainTextEdit:focus, QTextEdit:focus, QComboBox:focus, QListView:focus, "
              "QTableView:focus { border: 2px solid #1a73e8; }")

GEOMETRY_KEY = "mainWindow/geometry"
PANES_KEY = "mainWindow/panes"
DEFAULT_PANE_SIZES = [320, 560, 400]
MINIMUM_PANE_WIDTH = 200
DRAFT_DELAY_MS = 400
LAST_ADDRESS_KEY = "signIn/address"
LAST_USER_KEY = "signIn/username"
CURRENT_DRAFT = "current"
RESUME_WAIT_S = 5.0  # how long a start waits for the platform before opening offline
DEFAULT_SIZE = QSize(1280, 800)


class HelpOverlay(Overlay):
    """A dimmed layer over the window listing the shortcuts that exist, grouped by where they work
    (the window, the call bar, the desk's panes, each page), in a list that scrolls and narrows as
    the agent types; Esc or F1 closes it. It is read from the actions themselves, so it cannot drift
    from the real shortcuts."""

    def __init__(self, parent: QWidget) -> None:
        super().__init__(parent, "helpOverlay", dim=140, panel_width=640)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        box = QVBoxLayout(self.panel)
        box.setContentsMargins(24, 20, 24, 20)
        title = QLabel(self.tr("Keyboard shortcuts"))
        title.setStyleSheet("font-weight: bold; font-size: 14pt;")
        self.filter_edit = QLineEdit(objectName="helpFilter")
        self.filter_edit.setPlaceholderText(self.tr("Type to narrow the list (a key or a word)"))
        self.filter_edit.textChanged.connect(self._narrow)
        self.filter_edit.installEventFilter(self)
        self.keys = QTreeWidget(objectName="helpKeys")
        self.keys.setHeaderHidden(True)
        self.keys.setColumnCount(2)
        self.keys.setRootIsDecorated(False)
        self.keys.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.keys.setMinimumHeight(200)
        hint = QLabel(self.tr("Esc or F1 closes"))
        hint.setStyleSheet("color: palette(mid);")
        for widget in (title, self.filter_edit, self.keys, hint):
            box.addWidget(widget)

    def show_for(self, groups: list[tuple[str, list[QAction]]]) -> None:
        self.keys.clear()
        bold = self.keys.font()
        bold.setBold(True)
        for group, actions in groups:
            rows = [(a.shortcut().toString(QKeySequence.SequenceFormat.NativeText), a.text().replace("&", ""))
                    for a in actions if not a.shortcut().isEmpty()]
            if not rows:
                continue
            head = QTreeWidgetItem(self.keys, [group, ""])
            head.setFirstColumnSpanned(True)
            head.setFont(0, bold)
            for keys, text in dict.fromkeys(rows):  # once each, in order
                item = QTreeWidgetItem(head, [keys, text])
                item.setFont(0, bold)
            head.setExpanded(True)
        self.keys.setItemsExpandable(False)
        self.keys.resizeColumnToContents(0)
        self.filter_edit.clear()
        self.panel.setMaximumHeight(max(300, self.parentWidget().height() - 40))  # it scrolls inside the window
        self.present()
        self.filter_edit.setFocus()

    def shown_rows(self) -> list[tuple[str, str, str]]:
        """(group, keys, what) of the rows the filter leaves, in order."""
        rows = []
        for i in range(self.keys.topLevelItemCount()):
            head = self.keys.topLevelItem(i)
            for j in range(head.childCount()):
                item = head.child(j)
                if not item.isHidden():
                    rows.append((head.text(0), item.text(0), item.text(1)))
        return rows

    def _narrow(self, text: str) -> None:
        words = text.casefold().split()
        for i in range(self.keys.topLevelItemCount()):
            head = self.keys.topLevelItem(i)
            left = 0
            for j in range(head.childCount()):
                item = head.child(j)
                haystack = f"{head.text(0)} {item.text(0)} {item.text(1)}".casefold()
                item.setHidden(not all(w in haystack for w in words))
                left += not item.isHidden()
            head.setHidden(left == 0)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self.filter_edit and event.type() == QEvent.Type.KeyPress and \
                event.key() in (Qt.Key.Key_Escape, Qt.Key.Key_F1):
            self.hide()
            return True
        return super().eventFilter(watched, event)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() in (Qt.Key.Key_Escape, Qt.Key.Key_F1):
            self.hide()
        event.accept()

    def mousePressEvent(self, event: QMouseEvent) -> None:
        if not self.panel.geometry().contains(event.position().toPoint()):
            self.hide()  # a click beside the panel closes it
        event.accept()


class MainWindow(QMainWindow):
    """`closed` is emitted once the window has closed and saved its layout."""

    closed = Signal()
    sign_out_upload_s = 10.0  # how long a sign-out waits for what is not uploaded yet

    def __init__(self, client: PlatformClient | None = None, seat: str = "", parent: QWidget | None = None,
                 data_dir: Path | None = None, credentials: Credentials | None = None) -> None:
        super().__init__(parent)
        self._client, self._seat, self._data_dir = client, seat, data_dir
        self.credentials = credentials or Credentials()
        self.seat_session: SeatSession | None = None
        self._kept_for: tuple | None = None
        self.recovery_notice: QMessageBox | None = None
        self.setWindowTitle(self.tr("12345 Hotline Workstation"))
        self._writes: set[asyncio.Future] = set()
        self._draft_timer = QTimer(self, singleShot=True, interval=DRAFT_DELAY_MS)
        self._draft_timer.timeout.connect(self.save_draft)
        self._build_call_bar()
        self._build_panes()
        self._build_status_bar()
        self._build_actions()
        self.help_overlay = HelpOverlay(self)
        self.sign_in_overlay = SignInOverlay(self)
        self.sign_in_overlay.submitted.connect(self._sign_in_submitted)
        self._restore_layout()
        self.set_link_message(self.tr("Not connected"))

    # --- layout ---------------------------------------------------------------------------------
    def _build_call_bar(self) -> None:
        self.call_bar = CallBar(self)
        self.agent_state = self.call_bar.agent
        self.addToolBar(Qt.ToolBarArea.TopToolBarArea, self.call_bar)

    def _pane(self, name: str, title: str, content: QWidget) -> QWidget:
        pane = QFrame()
        pane.setObjectName(name)
        pane.setFrameShape(QFrame.Shape.StyledPanel)
        layout = QVBoxLayout(pane)
        heading = QLabel(title)
        heading.setObjectName(f"{name}Title")
        heading.setStyleSheet("font-weight: bold; font-size: 12pt;")
        layout.addWidget(heading)
        layout.addWidget(content, 1)
        pane.actions_for_help = getattr(content, "actions_for_help", [])
        return pane

    def _build_panes(self) -> None:
        self.splitter = QSplitter(Qt.Orientation.Horizontal)
        self.splitter.setObjectName("panes")
        self.splitter.setChildrenCollapsible(False)
        self.caller_card = CallerCard()  # has its own heading, "callerCardTitle"
        self.form = WorkOrderForm()
        self.knowledge = KnowledgePane()
        self.splitter.addWidget(self.caller_card)
        self.splitter.addWidget(self._pane("workOrderForm", self.tr("Work order"), self.form))
        self.splitter.addWidget(self._pane("knowledgeBase", self.tr("Knowledge base"), self.knowledge))
        # Proportional stretch: a resized window scales every pane instead of crushing one.
        for index, size in enumerate(DEFAULT_PANE_SIZES):
            self.splitter.widget(index).setMinimumWidth(MINIMUM_PANE_WIDTH)
            self.splitter.setStretchFactor(index, size // 40)
        self.pages = QTabWidget(objectName="pages")
        self.pages.setDocumentMode(True)
        self.pages.addTab(self.splitter, self.tr("Desk"))
        self.my_orders = MyOrdersPage()
        self.callback_queue = CallbackQueuePage()
        self.missed_calls = MissedCallsPage()
        self.escalation_inbox = EscalationInbox()
        self.my_escalations = MyEscalations()
        self.progress = ProgressLookup()
        self.reviews = ReviewsPage()
        self.supervision = SupervisionPage()
        self.wallboard = WallboardPage()
        self.audit = AuditPage()
        self.kb_review = KbReviewPage()
        self.lexicon = LexiconPage()
        self.dispatch = DispatchPage()
        self.hot_topics = HotTopicsPage()
        self.figures = FiguresPage()
        self.unit_desk = UnitDeskPage()
        self.my_kb_reports = MyKbReportsPage()
        for page in self._pages():
            self.pages.addTab(page, page.page_title())
        self.setCentralWidget(self.pages)
        self._show_pages_for("")
        self.missed_calls.call_back.connect(self.call_back)
        self.callback_queue.call_back.connect(self.call_back)
        self.knowledge.insert_answer.connect(self.form.set_reply)
        self.form.changed.connect(self._draft_timer.start)
        self.form.submitted.connect(self._submitted)
        self.call_bar.transfer_targets = self.form.transfer_targets
        self.call_bar.transferred.connect(self.form.call_transferred)
        self.caller_card.number_revealed.connect(self._number_revealed)
        self.caller_card.reveal_action.toggled.connect(self.form.show_number)  # one masking rule: card and form
        self.form.repeat_lookup = self.caller_card.open_order_in
        self.caller_card.history_shown.connect(self.form.check_repeat)

    def _build_status_bar(self) -> None:
        self.link_state = QLabel()
        self.link_state.setObjectName("linkState")
        self.statusBar().addWidget(self.link_state, 1)
        # answers published or changed since the agent last looked (答复口径 announced by the platform)
        self.notices_button = QToolButton(objectName="kbNoticesButton")
        self.notices_button.setAutoRaise(True)
        self.notices_button.setStyleSheet("color: #b3261e; font-weight: 600;")
        self.notices_button.hide()
        self.notices_button.clicked.connect(self.knowledge.show_notices)
        self.knowledge.notices_changed.connect(self._notices_changed)
        self.statusBar().addPermanentWidget(self.notices_button)

    def _notices_changed(self, unseen: int) -> None:
        self.notices_button.setText(self.tr("New answers: {count}").format(count=unseen))
        self.notices_button.setToolTip(self.tr("Answers published or changed lately, in the knowledge pane (Alt+K)"))
        self.notices_button.setVisible(unseen > 0 and self.pages.isTabVisible(self.pages.indexOf(self.splitter)))

    def _build_actions(self) -> None:
        self.help_action = QAction(self.tr("Show keyboard shortcuts"), self)
        self.help_action.setShortcut(QKeySequence(Qt.Key.Key_F1))
        self.help_action.triggered.connect(self.show_help)
        self.restore_draft_action = QAction(self.tr("Restore the kept draft"), self)
        self.restore_draft_action.setShortcut(QKeySequence("Ctrl+Shift+Z"))
        self.restore_draft_action.triggered.connect(self.restore_held_draft)
        self.escalate_action = QAction(self.tr("Ask an expert about this call or question"), self)
        self.escalate_action.setShortcut(QKeySequence("Ctrl+Shift+E"))
        self.escalate_action.triggered.connect(self.escalate)
        self.insert_answer_action = QAction(self.tr("Insert the expert's last answer into the reply"), self)
        self.insert_answer_action.setShortcut(QKeySequence("Ctrl+Shift+A"))
        self.insert_answer_action.triggered.connect(self.insert_expert_answer)
        self._expert_answer = ""
        self.progress_action = QAction(self.tr("Where is my case? Look up progress by number or phone"), self)
        self.progress_action.setShortcut(QKeySequence(PROGRESS_SHORTCUT))
        self.progress_action.triggered.connect(self.look_up_progress)
        self.phone_settings_action = QAction(self.tr("Phone settings…"), self)
        self.phone_settings_action.setShortcut(QKeySequence("Ctrl+,"))
        self.phone_settings_action.triggered.connect(self.phone_settings)
        self.page_actions = []
        for index in range(9):
            action = QAction(self.tr("Show page {number}").format(number=index + 1), self)
            action.setShortcut(QKeySequence(f"Ctrl+{index + 1}"))
            action.triggered.connect(lambda _=False, i=index: self.show_page(i))
            self.page_actions.append(action)
        self.sign_in_again_action = QAction(self.tr("Sign in again (type the password)"), self)
        self.sign_in_again_action.setShortcut(QKeySequence("Ctrl+Shift+L"))
        self.sign_in_again_action.triggered.connect(self.sign_in_again)
        self.sign_out_action = QAction(self.tr("Sign out…"), self)
        self.sign_out_action.setShortcut(QKeySequence("Ctrl+Shift+Q"))
        self.sign_out_action.triggered.connect(self.sign_out)
        self.form_action = QAction(self.tr("Go to the work-order form (its first empty field)"), self)
        self.form_action.setShortcut(QKeySequence("Ctrl+J"))
        self.form_action.triggered.connect(self.go_to_form)
        self.card_action = QAction(self.tr("Go to the caller's history"), self)
        self.card_action.setShortcut(QKeySequence("Ctrl+H"))
        self.card_action.triggered.connect(self.go_to_card)
        # quick phrases and call scripts (ui/phrases.py): Ctrl+P, a window action of its own
        self.phrase_picker = PhrasePicker(self, lambda: self.seat_session.texts if self.seat_session else None)
        self.quit_action = QAction(self.tr("Quit"), self)
        self.quit_action.setShortcut(QKeySequence("Ctrl+Q"))
        self.quit_action.triggered.connect(self.request_quit)
        for action in (self.help_action, self.restore_draft_action, self.escalate_action,
                       self.insert_answer_action, self.progress_action, *self.page_actions,
                       self.phone_settings_action, self.sign_in_again_action, self.sign_out_action,
                       self.form_action, self.card_action, self.quit_action):
            action.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
            self.addAction(action)
        self._focus_ring()

    def _focus_ring(self) -> None:
        """Where the keyboard is must be seen at a glance on a busy desk."""
        self.setStyleSheet(FOCUS_RING)

    def help_groups(self) -> list[tuple[str, list[QAction]]]:
        """Every action with a shortcut, for the F1 overlay, by where it works: the window's, the
        call bar's, the desk's panes', then each visible page's."""
        groups = [(self.tr("Window"), list(self.actions())), (self.tr("Call bar"), list(self.call_bar.actions_for_help)),
                  (self.tr("Caller card"), list(self.caller_card.actions_for_help)),
                  (self.tr("Work order"), list(self.form.actions_for_help)),
                  (self.tr("Knowledge base"), list(self.knowledge.actions_for_help))]
        for index in range(1, self.pages.count()):
            if self.pages.isTabVisible(index):
                page = self.pages.widget(index)
                groups.append((self.pages.tabText(index), list(getattr(page, "actions_for_help", []))))
        return groups

    def help_actions(self) -> list[QAction]:
        return [action for _, actions in self.help_groups() for action in actions]

    # --- pages ----------------------------------------------------------------------------------
    def _pages(self) -> tuple[QWidget, ...]:
        return (self.my_orders, self.callback_queue, self.missed_calls, self.escalation_inbox, self.my_escalations,
                self.progress, self.dispatch, self.unit_desk, self.reviews, self.supervision, self.wallboard,
                self.hot_topics, self.figures, self.audit, self.kb_review, self.lexicon, self.my_kb_reports)

    def _show_pages_for(self, role: str) -> None:
        """The pages a role works with (domain/roles.py): those whose work the platform allows it."""
        widgets = {Page.my_orders: self.my_orders, Page.callback_queue: self.callback_queue,
                   Page.missed_calls: self.missed_calls, Page.escalation_inbox: self.escalation_inbox,
                   Page.my_escalations: self.my_escalations, Page.progress: self.progress,
                   Page.reviews: self.reviews, Page.supervision: self.supervision, Page.wallboard: self.wallboard,
                   Page.audit: self.audit, Page.kb_review: self.kb_review, Page.lexicon: self.lexicon,
                   Page.my_kb_reports: self.my_kb_reports, Page.dispatch: self.dispatch,
                   Page.hot_topics: self.hot_topics, Page.unit_desk: self.unit_desk, Page.figures: self.figures}
        shown = pages_for(role)
        for page, widget in widgets.items():
            self.pages.setTabVisible(self.pages.indexOf(widget), page in shown)
        self.pages.setTabVisible(self.pages.indexOf(self.splitter), has_desk(role))
        if not self.pages.isTabVisible(self.pages.currentIndex()):  # the role's first page instead
            first = next((i for i in range(self.pages.count()) if self.pages.isTabVisible(i)), 0)
            self.pages.setCurrentIndex(first)
        self.call_bar.set_role(role)

    def show_page(self, number: int) -> None:
        """Ctrl+1 is the desk; Ctrl+2, 3 ... the visible pages in their order."""
        visible = [i for i in range(self.pages.count()) if self.pages.isTabVisible(i)]
        if number < len(visible):
            self.pages.setCurrentIndex(visible[number])
            self.pages.currentWidget().setFocus()

    def show_help(self) -> None:
        if self.help_overlay.isVisible():
            self.help_overlay.hide()
        else:
            self.help_overlay.show_for(self.help_groups())

    # --- layout memory --------------------------------------------------------------------------
    def _restore_layout(self) -> None:
        settings = QSettings()
        geometry = settings.value(GEOMETRY_KEY)
        if geometry is None or not self.restoreGeometry(geometry):
            screen = self.screen().availableGeometry().size()
            self.resize(DEFAULT_SIZE.boundedTo(screen))
        panes = settings.value(PANES_KEY)
        if panes is None or not self.splitter.restoreState(panes):
            self.splitter.setSizes(DEFAULT_PANE_SIZES)

    def _save_layout(self) -> None:
        settings = QSettings()
        settings.setValue(GEOMETRY_KEY, self.saveGeometry())
        settings.setValue(PANES_KEY, self.splitter.saveState())
        settings.sync()

    # --- quitting -------------------------------------------------------------------------------
    _quit_question: asyncio.Future | None = None

    def request_quit(self) -> None:
        """Ctrl+Q and the window's close button: at once with nothing pending, else the agent is asked
        first (a call, a work order not recorded, changes not uploaded). The draft is kept either way
        (`shutdown`)."""
        pending = PendingWork.of(self.seat_session, self.form.has_content())
        if not pending:
            self.close()
        elif self._quit_question is None or self._quit_question.done():
            self._quit_question = asyncio.ensure_future(self._ask_to_quit(pending))

    async def _ask_to_quit(self, pending: PendingWork) -> None:
        if await ask(QuitDialog(self, pending), "choice") == "quit" and shiboken6.isValid(self):
            self.close()

    def closeEvent(self, event: QCloseEvent) -> None:
        if event.spontaneous() and PendingWork.of(self.seat_session, self.form.has_content()):
            event.ignore()  # the window's close button: asked as Ctrl+Q asks; close() itself is not
            self.request_quit()
            return
        self._save_layout()
        super().closeEvent(event)
        self.closed.emit()

    # --- link state -----------------------------------------------------------------------------
    @property
    def client(self) -> PlatformClient | None:
        return self._client

    def set_client(self, client: PlatformClient) -> None:
        self._client = client

    def set_link_message(self, text: str, error: bool = False) -> None:
        self.link_state.setText(text)
        self.link_state.setStyleSheet("color: #b3261e;" if error else "")

    def _describe(self, exc: PlatformError | PlatformUnreachable) -> str:
        address = self._client.address if self._client else ""
        if isinstance(exc, PlatformUnreachable):
            return self.tr("Cannot reach the platform at {address}").format(address=address)
        if exc.code == "bad_credentials":
            return self.tr("Sign-in failed: wrong user name or password")
        minutes = max(1, -(-int(exc.body.get("retry_after_s") or 60) // 60))
        if exc.code == "account_locked":
            return self.tr("This account is locked after repeated wrong passwords: try again in {minutes} min, "
                           "or ask an administrator to unlock it").format(minutes=minutes)
        if exc.code == "too_many_attempts":
            return self.tr("Too many wrong passwords from this computer: try again in {minutes} min").format(
                minutes=minutes)
        if exc.code == "account_disabled":
            return self.tr("This account is disabled: ask an administrator")
        if exc.code == "seat_not_registered":
            return self.tr("This computer is not a registered seat: ask an administrator to register its address")
        return self.tr("The platform refused the request ({status} {code})").format(status=exc.status, code=exc.code)

    @asyncSlot(str, str)
    async def sign_in(self, username: str, password: str) -> None:
        if self._client is None:
            self.set_link_message(self.tr("No platform address is set"), error=True)
            return
        self.set_link_message(self.tr("Connecting…"))
        try:
            session = await self._client.sign_in(username, password, self._seat)
        except (PlatformError, PlatformUnreachable) as exc:
            log.warning("sign-in failed: %s", exc.code if isinstance(exc, PlatformError) else "unreachable")
            if shiboken6.isValid(self):
                self.set_link_message(self._describe(exc), error=True)
            return
        if not shiboken6.isValid(self):
            return
        self._show_signed_in(session)
        if self.seat_session is None:  # signing in again during a session keeps the seat and its work
            await self._open_seat()

    async def _open_seat(self) -> None:
        """Open the agent's cache and start syncing; the status bar follows the link and the outbox.
        Raises NoOfflineSeat when the platform did not answer and there is no cache to work from."""
        assert self._client is not None
        telephony = load_telephony()
        secret = ""
        if key := event_socket_key(telephony):
            secret = self.credentials.load(key, EVENT_SOCKET_USER) or ""
        try:
            seat = await SeatSession.open(self._client, self._seat or "seat", self._data_dir, telephony=telephony,
                                          telephony_secret=secret, credentials=self.credentials)
        except CacheInUse:
            if shiboken6.isValid(self):
                self.set_link_message(self.tr("This user's workstation is already open in another window on this "
                                              "computer: use that one"), error=True)
            return
        if not shiboken6.isValid(self):
            await seat.close()
            return
        if seat.recovery is not None:
            self._tell_recovery(seat.recovery)
        if self._refused_hook not in self._client.on_refused:
            self._client.on_refused.append(self._refused_hook)
        self.seat_session = seat
        name = self._client.session.display_name if self._client.session else ""
        self.call_bar.set_session(seat, name)
        user = self._client.session.user if self._client.session else {}
        self._show_pages_for(str(user.get("role", "")))
        for pane in self._session_panes():  # a page this role does not see does not fetch either
            visible = self.pages.indexOf(pane) < 0 or self.pages.isTabVisible(self.pages.indexOf(pane))
            pane.set_session(seat if visible else None)
        seat.sync.progress.connect(self._show_progress)
        seat.sync.link_changed.connect(self._on_link)
        seat.sync.damaged.connect(self._on_damaged)
        seat.calls.ringing.connect(self._on_ringing)
        seat.calls.answered.connect(self._on_answered)
        seat.calls.ended.connect(self._on_call_ended)
        seat.escalations.answered.connect(self._expert_answered)
        seat.escalations.joined.connect(self._expert_joined)
        draft = seat.store.load_draft(CURRENT_DRAFT)
        if draft:  # typed before a crash or a restart: it comes back
            self.form.load_draft(draft)
            self.set_link_message(self.tr("The unsaved work order was restored from its draft"))

    def _tell_recovery(self, recovery: CacheRecovery) -> None:
        """The cache was damaged (a disk fault, a crash at the wrong moment): say what was saved."""
        text = self.tr("The local data of this workstation was damaged and has been rebuilt. {recovered} change(s) "
                       "not yet uploaded were recovered and will be uploaded; the rest is fetched again from the "
                       "platform.").format(recovered=recovery.recovered)
        if recovery.drafts_recovered:
            text += "\n" + self.tr("{count} draft(s) were recovered.").format(count=recovery.drafts_recovered)
        if recovery.at_risk:
            text += "\n" + self.tr("{count} change(s) could not be read and may be lost: check your last work "
                                  "orders.").format(count=recovery.at_risk)
        if recovery.moved_to is not None:
            text += "\n" + self.tr("The damaged file was kept as {name}.").format(name=recovery.moved_to.name)
        box = QMessageBox(QMessageBox.Icon.Warning if recovery.at_risk else QMessageBox.Icon.Information,
                          self.tr("Local data rebuilt"), text, QMessageBox.StandardButton.Ok, self)
        box.setObjectName("cacheRecovered")
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        box.setWindowModality(Qt.WindowModality.NonModal)
        self.recovery_notice = box
        box.show()  # not exec(): the seat goes on (and uploads) while the agent reads it

    def _on_damaged(self) -> None:
        """The cache file went bad under the running seat (a disk fault): the next start repairs it,
        rescuing what waits to be uploaded; until then nothing new is safe in it."""
        if shiboken6.isValid(self):
            self.set_link_message(self.tr("The local data of this workstation is damaged: save nothing more, "
                                          "quit (Ctrl+Q) and start again to repair it; changes not yet uploaded "
                                          "are recovered"), error=True)

    def _on_link(self, state: LinkState) -> None:
        if not shiboken6.isValid(self) or self._client is None or self._client.session is None:
            return
        if self.seat_session is not None and self.seat_session.sync.cache_damaged:
            self._on_damaged()  # what matters most stays in sight
        elif self._client.refused:
            self._show_refused()
        elif state == LinkState.online:
            self._show_signed_in(self._client.session)
        else:
            self._show_offline()

    def _show_offline(self) -> None:
        assert self._client is not None
        self.set_link_message(self.tr("The platform at {address} cannot be reached: working offline, "
                                      "what you record is uploaded when it is back").format(
            address=self._client.address), error=True)

    def _show_refused(self) -> None:
        self.set_link_message(self.tr("The platform no longer accepts this sign-in: press {keys} to type the "
                                      "password again; your work is kept and waits to be uploaded").format(
            keys=self.sign_in_again_action.shortcut().toString(QKeySequence.SequenceFormat.NativeText)),
            error=True)

    def _refused_hook(self, _error: PlatformError) -> None:
        """The platform refused the seat's tokens mid-session: ask for the password in the window,
        over the work, which stays as it is (the form, its draft, the outbox)."""
        if shiboken6.isValid(self):
            self._show_refused()
            self.sign_in_again()

    def sign_in_again(self) -> None:
        """Type the password again for the same user; Esc goes on working offline."""
        if self._client is None or self._client.session is None or self.seat_session is None:
            return
        username = str(self._client.session.user.get("username", ""))
        self.sign_in_overlay.open_again(self._client.base_url, username, self.credentials.available)

    def _session_panes(self) -> tuple:
        return (self.caller_card, self.form, self.knowledge, *self._pages())

    # --- escalations and callbacks --------------------------------------------------------------
    @asyncSlot()
    async def escalate(self) -> None:
        """Ask the experts: the question starts from what the caller asks; the form goes with it."""
        seat = self.seat_session
        if seat is None:
            return
        question = self.form.content_edit.toPlainText().strip()
        escalation_id = await escalate(self, seat, question, seat.calls.current, self.form.to_draft())
        if escalation_id and shiboken6.isValid(self):
            self.set_link_message(self.tr("Sent to the experts: their answer will appear in the reply"))

    def _expert_answered(self, item: dict) -> None:
        """The written answer lands in the form when the agent is still on that caller; otherwise it
        waits for Ctrl+Shift+A."""
        if not shiboken6.isValid(self):
            return
        self._expert_answer = str(item.get("answer") or "")
        asked_for = item.get("caller_phone") or (item.get("draft") or {}).get("caller_phone") or ""
        same_caller = not asked_for or asked_for == self.form.caller_phone().strip()
        if same_caller and self._expert_answer:
            self.form.set_reply(self._expert_answer)
            self.set_link_message(self.tr("The expert answered: the answer is in the reply"))
        else:
            self.set_link_message(self.tr("The expert answered an earlier question: Ctrl+Shift+A inserts it"))

    def insert_expert_answer(self) -> None:
        if self._expert_answer:
            self.form.set_reply(self._expert_answer)

    def _expert_joined(self, item: dict) -> None:
        if shiboken6.isValid(self):
            self.set_link_message(self.tr("Expert {name} is joining the call").format(
                name=item.get("expert_username") or ""))

    def look_up_progress(self) -> None:
        """For "where is my case": over the desk, started from the caller on the line."""
        if self.seat_session is None:
            return
        call = self.seat_session.calls.current
        dialog = ProgressDialog(self.seat_session, self, text=call.caller_number if call else "")
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.open()

    @asyncSlot()
    async def phone_settings(self) -> None:
        """Change where calls come from; a signed-in seat switches at once (not during a call)."""
        dialog = TelephonyDialog(load_telephony(), self)
        done = asyncio.get_running_loop().create_future()
        dialog.finished.connect(lambda result: done.done() or done.set_result(result))
        dialog.open()  # window-modal without a nested event loop
        await done
        chosen = dialog.chosen
        dialog.deleteLater()
        if chosen is None or self.seat_session is None or not shiboken6.isValid(self):
            return
        key = event_socket_key(chosen)
        try:
            await self.seat_session.use_telephony(chosen, self.credentials.load(key, EVENT_SOCKET_USER) or ""
                                                  if key else "")
        except TelephonyError:
            self.set_link_message(self.tr("Saved: the phone changes after the current call (sign in again)"))
            return
        self.call_bar.show_phone_link()
        self.set_link_message(self.tr("Phone settings applied"))

    @asyncSlot(str)
    async def call_back(self, phone: str) -> None:
        """Dial a requester from the callback list through the phone; a phone that cannot dial leaves
        it to the agent's handset, with the number shown."""
        seat = self.seat_session
        if seat is None:
            return
        try:
            await seat.calls.dial(phone)
        except TelephonyError:
            if shiboken6.isValid(self):
                self.set_link_message(self.tr("Dial {number} on the handset: this phone cannot dial from the "
                                              "workstation").format(number=phone))
            return
        if shiboken6.isValid(self):
            self.set_link_message(self.tr("Calling {number} back…").format(number=mask_phone(phone)))

    # --- calls and drafts -----------------------------------------------------------------------
    def _on_ringing(self, call: Call) -> None:
        """The screen pop. A form with unsaved content is kept as a draft, never overwritten."""
        if not shiboken6.isValid(self) or self.seat_session is None:
            return
        if self.form.has_content():
            self._write(self.seat_session.store.save_draft, f"held-{clock.stamp()}", self.form.to_draft())
            self.set_link_message(self.tr("The unfinished work order was kept as a draft"))
        self.form.reset()
        self._write(self.seat_session.store.delete_draft, CURRENT_DRAFT)
        self.caller_card.show_caller(call.caller_number)
        self.form.set_caller(call.caller_number, call.caller_name)
        self.knowledge.reset()  # a new caller: the last caller's search and entry go

    def _number_revealed(self, phone: str) -> None:
        """Each reveal goes to the platform's audit, with the call it was shown during."""
        if self.seat_session is None:
            return
        call = self.seat_session.calls.current
        call_id = call.platform_id if call is not None and call.caller_number == phone else ""
        Operation(self, self.seat_session.callers.reveal(phone, call_id)).show_on(self.link_state) \
            .failure_text(self.tr("The reveal was not recorded: {error}")).run()

    def _on_answered(self, _call: Call) -> None:
        """The agent speaks with the caller: the keyboard goes to the form, where there is typing to do."""
        if shiboken6.isValid(self) and self.seat_session is not None:
            self.go_to_form()

    def _on_call_ended(self, call: Call) -> None:
        """Hung up with the work order not recorded: the agent is told at once (the draft is kept)."""
        if not shiboken6.isValid(self) or self.seat_session is None or call.missed or not self.form.has_content():
            return
        self.save_draft()
        self.set_link_message(self.tr("The call ended and its work order is not recorded yet: the draft is kept, "
                                      "record it now"), error=True)

    def go_to_form(self) -> None:
        self.show_page(0)
        self.form.focus_first_empty()

    def go_to_card(self) -> None:
        self.show_page(0)
        self.caller_card.focus_history()

    def save_draft(self) -> None:
        """Saved as the agent types (debounced): a crash or a power cut loses nothing typed."""
        if self.seat_session is not None and shiboken6.isValid(self):
            if self.form.has_content():
                self._write(self.seat_session.store.save_draft, CURRENT_DRAFT, self.form.to_draft())
            else:
                self._write(self.seat_session.store.delete_draft, CURRENT_DRAFT)

    def _write(self, fn, *args) -> None:  # noqa: ANN001
        """A cache write on the seat's writer thread: during a big sync a write on the GUI thread
        would wait for the page being applied. The writer keeps the order of the writes."""
        assert self.seat_session is not None
        try:
            asyncio.get_running_loop()
        except RuntimeError:  # the event loop has stopped (quitting) while the window lives on
            fn(*args)  # nothing else writes now: on this thread, so that nothing typed is lost
            return
        task = asyncio.ensure_future(self.seat_session.sync.write(fn, *args))
        self._writes.add(task)
        task.add_done_callback(self._write_done)

    def _write_done(self, task: asyncio.Future) -> None:
        self._writes.discard(task)
        if not task.cancelled() and task.exception() is not None:
            log.error("draft not saved", exc_info=task.exception())

    def restore_held_draft(self) -> None:
        """Bring back the newest draft kept aside when a call came in."""
        if self.seat_session is None:
            return
        held = [d for d in self.seat_session.store.drafts() if d[0].startswith("held-")]
        if not held:
            self.set_link_message(self.tr("No kept drafts"))
            return
        key, data, _at = held[0]
        if self.form.has_content():
            self._write(self.seat_session.store.save_draft, f"held-{clock.stamp()}", self.form.to_draft())
        self.form.load_draft(data)
        self._write(self.seat_session.store.delete_draft, key)
        self.save_draft()

    def _submitted(self, number: str, op: str) -> None:
        if self.seat_session is not None:
            self._write(self.seat_session.store.delete_draft, CURRENT_DRAFT)
            phone = self.form.caller_phone()
            if phone and self.caller_card.phone == phone:
                self.caller_card.show_caller(phone)  # its history shows the new order
            if is_provisional_number(number) and op != "merge":  # a merged request is known by the order it joined
                self._follow_number(self.seat_session, number)
        self.set_link_message(self.tr("Work order {number} recorded").format(number=number))
        if op == "transfer" and self.form.last_transfer is not None:
            unit, three_way, already = self.form.last_transfer
            if unit is not None and not already:  # recorded first, so the call moves now
                asyncio.ensure_future(self.call_bar.transfer_call(unit, three_way))

    def _follow_number(self, seat: SeatSession, provisional: str) -> None:
        """Until the platform numbers the order, the form says the number is pending; then it
        shows the number to read to the caller."""
        pending = self.tr("Work order recorded; its number is pending the platform ({number})").format(
            number=provisional)
        self.form.status_label.setText(pending)

        def check(*_args: object) -> None:
            if not shiboken6.isValid(self) or self.seat_session is not seat:
                seat.sync.synced.disconnect(check)
                return
            number = seat.orders.platform_number(provisional)
            if number is not None:
                seat.sync.synced.disconnect(check)
                if self.form.status_label.text() == pending:  # nothing said since
                    self.form.status_label.setText(self.tr("Work order number {number}: read it to the caller")
                                                   .format(number=number))
        seat.sync.synced.connect(check)

    def _show_progress(self, what: str, done: int, total: int | None) -> None:
        if not shiboken6.isValid(self):
            return
        if total is None or done >= total:
            self.call_bar.show_link()
            return
        self.call_bar.show_progress(self.tr("Syncing {what}: {done} / {total}").format(
            what=self._entity_name(what), done=done, total=total))

    def _entity_name(self, entity: str) -> str:
        names = {"kb_entry": self.tr("knowledge base"), "work_order": self.tr("work orders"),
                 "caller": self.tr("callers")}
        return names.get(entity, self.tr("reference data"))

    async def shutdown(self) -> None:
        """Stop syncing and close the cache (the outbox stays for the next start)."""
        if self.seat_session is not None:
            await self._flush_draft()
            seat = self._leave_seat()
            await seat.close()

    async def _flush_draft(self) -> None:
        self._draft_timer.stop()
        self.save_draft()
        if self._writes:
            await asyncio.gather(*self._writes, return_exceptions=True)

    def _leave_seat(self) -> SeatSession:
        """The panes let go of the seat; the seat itself is the caller's to close."""
        seat, self.seat_session = self.seat_session, None
        self.call_bar.set_session(None)
        for pane in self._session_panes():
            pane.set_session(None)
        self._show_pages_for("")  # the next user's role says which pages there are
        return seat

    @asyncSlot()
    async def sign_out(self) -> None:
        """Ctrl+Shift+Q: what waits is uploaded, the refresh token revoked on the platform and
        forgotten here, the seat closed (on a shared computer its cache and key deleted, never with
        changes not uploaded unless the agent says so), and the sign-in panel shown."""
        seat, client = self.seat_session, self._client
        if seat is None or client is None or client.session is None:
            return
        username = str(client.session.user.get("username", ""))
        wipe = await ask(SignOutDialog(self, client.session.display_name, shared_seat()), "wipe")
        if wipe is None or not shiboken6.isValid(self) or self.seat_session is not seat:
            return
        set_shared_seat(wipe)
        force = False
        await self._flush_draft()  # kept in the cache for this agent's next sign-in (unless wiped)
        while True:
            self.set_link_message(self.tr("Signing out: uploading what waits…"))
            try:
                await seat.sign_out(wipe=wipe, force=force, upload_timeout_s=self.sign_out_upload_s)
                break
            except PendingMutations as pending:
                choice = await ask(PendingChangesDialog(self, pending.count), "choice")
                if not shiboken6.isValid(self) or self.seat_session is not seat:
                    return
                if choice in (None, "wait"):
                    self._on_link(seat.sync.link)
                    return
                wipe, force = choice != "keep", choice == "delete"
        address = str(QSettings().value(LAST_ADDRESS_KEY, "")) or client.base_url
        for kept_under in {address, client.base_url}:
            self.credentials.forget(kept_under, username)
        if not shiboken6.isValid(self):
            return
        self._leave_seat()
        self.form.reset()  # the next one at this computer sees nothing of this agent's work
        self.agent_state.setText("")
        self.set_link_message(self.tr("Signed out"))
        self.show_sign_in(address, username)

    def _show_signed_in(self, session: Session) -> None:
        assert self._client is not None
        self.agent_state.setText(self.tr("Agent: {name}").format(name=session.display_name))
        self.set_link_message(self.tr("Connected {address}, signed in: {name}").format(
            address=self._client.address, name=session.display_name))

    # --- signing in ---------------------------------------------------------------------------
    def show_sign_in(self, address: str = "", username: str = "") -> None:
        """The panel opens at once; whether the sign-in will be kept is said once the keyring is
        found (loading its backends takes about 0.2 s, on a worker thread)."""
        settings = QSettings()
        known = self.credentials.found
        self.sign_in_overlay.open(address or str(settings.value(LAST_ADDRESS_KEY, "")),
                                  username or str(settings.value(LAST_USER_KEY, "")),
                                  self.credentials.available if known else None)
        if not known:
            asyncio.ensure_future(self._say_keyring())

    async def _say_keyring(self) -> None:
        available = await self.credentials.find()
        if shiboken6.isValid(self):
            self.sign_in_overlay.show_keyring(available)

    @asyncSlot(str, str, str)
    async def _sign_in_submitted(self, address: str, username: str, password: str) -> None:
        if self._client is None or self._client.base_url != address.rstrip("/"):
            try:
                check_address(address)
            except InsecureAddress:
                self.sign_in_overlay.show_error(self.tr(
                    "The platform's address must start with https://: plain http:// would send your password and "
                    "callers' details unencrypted (http:// is only for this computer)."))
                return
            if self._client is not None:
                await self._client.close()
            self._client = PlatformClient(address)
        await self.sign_in(username, password)
        if not shiboken6.isValid(self):
            return
        if self._client.session is None:
            self.sign_in_overlay.show_error(self.link_state.text())
            return
        self.sign_in_overlay.hide()
        settings = QSettings()
        settings.setValue(LAST_ADDRESS_KEY, address)
        settings.setValue(LAST_USER_KEY, username)
        self._keep_signed_in(address, username)

    def _keep_signed_in(self, address: str, username: str) -> None:
        """The refresh token goes to the keyring, and again each time the platform rotates it."""
        assert self._client is not None
        if not self.credentials.available or self._client.session is None:
            return
        self.credentials.save(address, username, self._client.session.refresh_token)
        kept_for = (id(self._client), address, username)
        if self._kept_for != kept_for:  # one listener per client and user
            self._kept_for = kept_for
            self._client.on_session.append(
                lambda session: session and self.credentials.save(address, username, session.refresh_token))

    async def resume(self, address: str, username: str, *, wait_s: float = RESUME_WAIT_S) -> bool:
        """Sign in again with the refresh token kept in the keyring. When the platform does not
        answer within `wait_s` (down, overloaded, a proxy's error page), the seat opens offline from
        its cache and signs in by itself once the platform is back. False when there is no token,
        when the platform itself refuses it (the agent then types the password), or when there is
        no cache to work offline from."""
        token = self.credentials.load(address, username) if username else None
        if token is None:
            return False
        try:
            check_address(address)
        except InsecureAddress:  # saved before the rule: the agent signs in again to a safe address
            return False
        if self._client is None or self._client.base_url != address.rstrip("/"):
            if self._client is not None:
                await self._client.close()
            self._client = PlatformClient(address)
        self._client.adopt_refresh_token(token, {"username": username})
        self._keep_signed_in(address, username)
        online = True
        try:
            async with asyncio.timeout(wait_s):
                await self._client.me()
        except PlatformError as exc:
            if is_credentials_refusal(exc):
                log.info("stored sign-in refused by the platform (%s)", exc.code)
                self.credentials.forget(address, username)
                return False
            online = False
            log.info("the platform did not confirm the stored sign-in (%s %s): opening offline",
                     exc.status, exc.code)
        except (PlatformUnreachable, TimeoutError) as exc:
            online = False
            log.info("the platform did not answer (%s): opening offline", type(exc).__name__)
        if not shiboken6.isValid(self) or self._client.session is None:
            return False
        try:
            await self._open_seat()
        except NoOfflineSeat:
            if shiboken6.isValid(self):
                self.set_link_message(self.tr("Cannot reach the platform at {address}, and this computer has no "
                                              "work of {user} to go on with offline: sign in when it is back")
                                      .format(address=self._client.address, user=username), error=True)
            return False
        if not shiboken6.isValid(self) or self._client.session is None:
            return False
        if online:
            self._show_signed_in(self._client.session)
        else:
            self.agent_state.setText(self.tr("Agent: {name}").format(name=self._client.session.display_name))
            self._show_offline()
        return True

    @asyncSlot()
    async def check_platform(self) -> None:
        """Before sign-in: say whether the platform answers."""
        if self._client is None:
            return
        self.set_link_message(self.tr("Connecting…"))
        reachable = await self._client.health()
        if not shiboken6.isValid(self):
            return
        if reachable:
            self.set_link_message(self.tr("Platform {address} is reachable; not signed in").format(
                address=self._client.address))
        else:
            self.set_link_message(self._describe(PlatformUnreachable()), error=True)
