"""The call bar on top of the window: the agent's state, the queue, the agent's own figures for today,
the current call with its timer and its commands (answer, hang up, hold, transfer), the telephony
link, and the link to the platform (state, outbox size, and the refused changes one click away, each
to resend or discard)."""
from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable

import shiboken6
from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QLabel, QMenu, QSizePolicy, QToolBar, QToolButton, QWidget
from qasync import asyncSlot

from domain import clock
from domain.catalog import HandlingUnit, UnitKind
from domain.phone import mask_phone
from domain.roles import takes_calls
from ui.dialogs import ask
from ui.refused_change import RefusedChangeDialog
from workstation.agent_state import NO_ANSWER, AgentStatus, Phase
from workstation.calls import AgentState, Call, CallState
from workstation.observable import Subscriptions
from workstation.platform_client import PlatformError, PlatformUnreachable
from workstation.session import SeatSession
from workstation.sync import LinkState, Rejection
from workstation.telephony.base import TelephonyError

log = logging.getLogger(__name__)



class CallBar(QToolBar):
    """Talks to the seat session itself; `state_changed` tells the window the agent's new state."""

    state_changed = Signal(str)
    # the call went to a unit: (unit id, three-way, when, the platform's call id)
    transferred = Signal(str, bool, str, str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(self.tr("Call bar"), parent)
        self.setObjectName("callBar")
        self.setMovable(False)
        self.setFloatable(False)
        self.toggleViewAction().setVisible(False)  # the call bar is not optional
        self.seat: SeatSession | None = None
        self.edit_dialog: RefusedChangeDialog | None = None  # a refused change being corrected
        self._subs = Subscriptions()  # to the seat's signals, undone when the session changes
        self.agent = QLabel(self.tr("Agent: signed out"), objectName="agentState")
        self.agent.setContentsMargins(8, 4, 8, 4)
        self.addWidget(self.agent)
        self.state_label = QLabel(objectName="agentStateValue")
        self.addWidget(self.state_label)
        self.state_time = QLabel(objectName="agentStateTime")  # how long in this state (wrap-up: left)
        self.state_time.setContentsMargins(4, 0, 4, 0)
        self.addWidget(self.state_time)
        self.addSeparator()
        self.actions_for_help: list[QAction] = []
        self.ready_action = self._action(self.tr("Ready"), "F5", lambda: self.set_state(AgentState.ready))
        self.not_ready_action = self._action(self.tr("Not ready"), "F6", self.choose_not_ready_reason)
        self.reasons_menu = QMenu(self, objectName="notReadyReasons")
        self.reasons_menu.aboutToHide.connect(self._keyboard_back)
        for digit, (key, label) in enumerate(self._reasons().items(), start=1):  # one key, then one digit
            self.reasons_menu.addAction(f"&{digit} {label}").triggered.connect(
                lambda _=False, k=key: self.set_state(AgentState.not_ready, k))
        self.break_action = self._action(self.tr("Break"), "F7", lambda: self.set_state(AgentState.break_))
        self.end_wrap_up_action = self._action(self.tr("End wrap-up now"), "F12", self.end_wrap_up)
        self.extend_wrap_up_action = self._action(self.tr("Thirty seconds more wrap-up"), "Shift+F12",
                                                  self.extend_wrap_up)
        for action in (self.end_wrap_up_action, self.extend_wrap_up_action):
            action.setVisible(False)  # shown during wrap-up (`_show_state`)
        self.addSeparator()
        self.queue_label = QLabel(objectName="queueState")  # callers waiting for an agent, the longest wait
        self.queue_label.setContentsMargins(6, 0, 6, 0)
        self.addWidget(self.queue_label)
        self.today_label = QLabel(objectName="todayFigures")  # the agent's own calls, handling time, orders
        self.today_label.setContentsMargins(6, 0, 6, 0)
        self.today_label.setToolTip(self.tr(
            "Your figures for today (they start again at midnight):\n"
            "calls: the calls you answered, counted when they end;\n"
            "average: the handling time per call, talk plus after-call work (min:s);\n"
            "orders: the work orders you recorded, those not yet uploaded included"))
        self.addWidget(self.today_label)
        self.addSeparator()
        self.call_label = QLabel(self.tr("No call"), objectName="callState")
        self.addWidget(self.call_label)
        self.timer_label = QLabel(objectName="callTimer")
        self.addWidget(self.timer_label)
        self.call_error = QLabel(objectName="callError")  # a command the phone refused, beside the call
        self.call_error.setStyleSheet("color: #b3261e;")
        self.call_error.setContentsMargins(6, 0, 6, 0)
        self.addWidget(self.call_error)
        self.answer_action = self._action(self.tr("Answer"), "F9", self.answer)
        self.hang_up_action = self._action(self.tr("Hang up"), "F10", self.hang_up)
        self.hold_action = self._action(self.tr("Hold / resume"), "F11", self.toggle_hold)
        self.transfer_action = self._action(self.tr("Transfer the call (110/119/120/122, sub-centres)"), "F8",
                                            self.choose_transfer)
        self.transfer_menu = QMenu(self, objectName="transferMenu")
        self.transfer_menu.aboutToHide.connect(self._keyboard_back)
        self.three_way_action = QAction(self.tr("&Three-way: stay on the line"), self, checkable=True, checked=True)
        self.transfer_targets: Callable[[], list[HandlingUnit]] = list
        self.on_hold = False
        self.phone_link = QLabel(objectName="telephonyState")
        self.phone_link.setContentsMargins(8, 0, 8, 0)
        self.addWidget(self.phone_link)
        spacer = QWidget()
        spacer.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
        self.addWidget(spacer)
        self.link = QLabel(objectName="syncState")
        self.addWidget(self.link)
        self.refused = QToolButton(objectName="refusedButton")
        self.refused.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        self.refused.setMenu(QMenu(self.refused))
        self.refused.menu().aboutToShow.connect(self._fill_refused)
        self.refused.hide()
        self.addWidget(self.refused)
        # what only a role that answers calls has (domain.roles.takes_calls): hidden for the others
        self._call_parts = [self.widget_action(w) for w in (
            self.state_label, self.state_time, self.queue_label, self.today_label, self.call_label, self.timer_label,
            self.call_error, self.phone_link)] + [
            self.ready_action, self.not_ready_action, self.break_action, self.answer_action, self.hang_up_action,
            self.hold_action, self.transfer_action]
        self.takes_calls = True
        self._tick = QTimer(self, interval=1000)  # the times shown, and wrap-up's end
        self._tick_task: asyncio.Task | None = None
        self._tick.timeout.connect(self._on_tick)
        self._update_actions()

    def _action(self, text: str, key: str, slot) -> QAction:  # noqa: ANN001
        action = QAction(text, self)
        action.setShortcut(QKeySequence(key))
        action.setToolTip(f"{text} ({key})")
        action.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
        action.triggered.connect(slot)
        self.addAction(action)
        self.actions_for_help.append(action)
        return action

    def widget_action(self, widget: QWidget) -> QAction:
        return next(a for a in self.actions() if self.widgetForAction(a) is widget)

    def set_role(self, role: str) -> None:
        """Show the agent's state and the call commands only to a role that answers calls."""
        self.takes_calls = takes_calls(role)
        for action in self._call_parts + [a for a in self.actions() if a.isSeparator()]:
            action.setVisible(self.takes_calls)
        self._update_actions()

    # -- the seat -------------------------------------------------------------------------------

    def set_session(self, seat: SeatSession | None, display_name: str = "") -> None:
        self._subs.close()
        self.seat = seat
        self.agent.setText(self.tr("Agent: {name}").format(name=display_name) if seat else
                           self.tr("Agent: signed out"))
        if seat is not None:
            for signal in (seat.sync.link_changed, seat.sync.outbox_changed, seat.sync.rejections_changed):
                self._subs.connect(signal, self._on_sync_state)
            for signal in (seat.calls.ringing, seat.calls.answered, seat.calls.ended):
                self._subs.connect(signal, self._on_call)
            self._subs.connect(seat.calls.link, self._on_phone_link)
            self._subs.connect(seat.agent.changed, self._show_state)
            self._subs.connect(seat.today.changed, self.show_today)
            self._tick.start()
        else:
            self._tick.stop()
        self._show_state()
        self.show_today()
        self.show_phone_link()
        self.show_link()
        self._update_actions()

    def _on_sync_state(self, *_: object) -> None:
        self.show_link()

    def _on_phone_link(self, _up: bool) -> None:
        if shiboken6.isValid(self):
            self.show_phone_link()

    def show_link(self) -> None:
        if self.seat is None or not shiboken6.isValid(self):
            self.link.setText("")
            self.refused.hide()
            return
        sync = self.seat.sync
        link = {LinkState.online: self.tr("Online"), LinkState.reconnecting: self.tr("Reconnecting…"),
                LinkState.offline: self.tr("Offline")}[sync.link]
        self.link.setText(self.tr("{link} · {count} to upload").format(link=link,
                                                                      count=self.seat.sync.outbox_size()))
        self.link.setStyleSheet("" if sync.link == LinkState.online else "color: #b3261e;")
        refused = len(self.seat.sync.rejections())
        self.refused.setVisible(refused > 0)
        self.refused.setText(self.tr("{count} refused by the platform").format(count=refused))

    def show_phone_link(self) -> None:
        """Whether calls can come in: the telephony source's link (a softphone, a switch, the platform)."""
        if self.seat is None or not shiboken6.isValid(self):
            self.phone_link.setText("")
            return
        calls = self.seat.calls
        where = {"platform": self.tr("platform"), "sip": self.tr("softphone"),
                 "freeswitch": self.tr("switch")}.get(calls.source.name, calls.source.name)
        self.phone_link.setText((self.tr("Phone ({where}): connected") if calls.source.up else
                                 self.tr("Phone ({where}): NOT connected")).format(where=where))
        self.phone_link.setStyleSheet("" if calls.source.up else "color: #b3261e; font-weight: bold;")

    def show_progress(self, text: str) -> None:
        self.link.setText(text)

    def _fill_refused(self) -> None:
        menu = self.refused.menu()
        menu.clear()
        if self.seat is None:
            return
        sync = self.seat.sync
        for rejection in sync.rejections():
            mid = rejection.mutation_id
            try:
                held = len(sync.held_behind(mid))
            except KeyError:  # resolved meanwhile
                continue
            item = menu.addMenu(self.tr("{op} {key}: {reason}").format(
                op=rejection.op, key=rejection.entity_id or rejection.payload.get("client_ref", ""),
                reason=rejection.message or rejection.code))
            item.addAction(self.tr("Resend")).triggered.connect(lambda _=False, m=mid: self.resend(m))
            discard = self.tr("Discard, with the {count} change(s) waiting behind it").format(count=held) \
                if held else self.tr("Discard")
            item.addAction(discard).triggered.connect(lambda _=False, m=mid: self.discard(m))
            item.addAction(self.tr("Edit and send again…")).triggered.connect(
                lambda _=False, r=rejection: self.edit_and_resend(r))
        menu.addSeparator()
        menu.addAction(self.tr("Resend: send the change again. Discard: drop it, the platform's version "
                               "stands")).setEnabled(False)

    @asyncSlot(str)
    async def resend(self, mutation_id: str) -> None:
        """Send a refused change again as it was, before the changes held behind it."""
        if self.seat is not None:
            try:
                await self.seat.sync.resend_rejection(mutation_id)
            except KeyError:
                log.info("rejection already resolved")

    @asyncSlot(object)
    async def edit_and_resend(self, rejection: Rejection) -> None:
        """Correct what the platform refused (its reason in sight), then send it again."""
        if self.seat is None:
            return
        self.edit_dialog = RefusedChangeDialog(rejection, self.window())
        payload = await ask(self.edit_dialog, "payload")
        if payload is None or self.seat is None:
            return
        try:
            await self.seat.sync.resend_rejection(rejection.mutation_id, payload)
        except KeyError:
            log.info("rejection already resolved")

    @asyncSlot(str)
    async def discard(self, mutation_id: str) -> None:
        """Drop a refused change and the changes held behind it."""
        if self.seat is not None:
            try:
                await self.seat.sync.discard_rejection(mutation_id)
            except KeyError:
                log.info("rejection already resolved")

    # -- agent state ----------------------------------------------------------------------------

    @asyncSlot()
    async def set_state(self, state: AgentState, reason: str = "") -> None:
        await self.change_state(state, reason)

    async def change_state(self, state: AgentState, reason: str = "") -> None:
        """Sent to the platform now, or queued until wrap-up ends when on a call or in wrap-up."""
        if self.seat is None:
            return
        try:
            now = await self.seat.agent.choose(state, reason)
        except (PlatformError, PlatformUnreachable) as exc:
            log.warning("agent state not changed: %s", type(exc).__name__)
            if shiboken6.isValid(self):
                self.call_label.setText(self.tr("The platform did not take the state change"))
            return
        if shiboken6.isValid(self) and now:
            self.state_changed.emit(str(state))

    @asyncSlot()
    async def end_wrap_up(self) -> None:
        if self.seat is None:
            return
        try:
            await self.seat.agent.end_wrap_up()
        except (PlatformError, PlatformUnreachable) as exc:
            log.warning("end of wrap-up not taken: %s", type(exc).__name__)
            if shiboken6.isValid(self):
                self.call_label.setText(self.tr("The platform did not take the state change"))

    def extend_wrap_up(self) -> None:
        if self.seat is not None:
            self.seat.agent.extend_wrap_up()

    def _on_tick(self) -> None:
        if self.seat is None or not shiboken6.isValid(self):
            return
        self._show_state()
        self.show_today()  # at midnight too
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            return  # Qt runs without the application's loop (a window left over): nothing to await on
        self._tick_task = loop.create_task(self.seat.agent.tick())  # held: a task only weakly referenced may go

    def _keyboard_back(self) -> None:
        """A menu of the bar closed: the window takes the keyboard back at once, so that the call
        keys (F9, F10) work without a click (some platforms leave the closed popup active)."""
        QTimer.singleShot(0, self._activate_window)

    def _activate_window(self) -> None:
        if shiboken6.isValid(self) and self.window().isVisible():
            self.window().activateWindow()

    def _reasons(self) -> dict[str, str]:
        return {"work_order": self.tr("Finishing a work order"), "training": self.tr("Training"),
                "meeting": self.tr("Meeting"), "callback": self.tr("Calling a requester back"),
                "other": self.tr("Other")}

    def choose_not_ready_reason(self) -> None:
        """Not ready always says why (the team lead sees it): a menu of reasons, from the keyboard too."""
        if self.seat is None:
            return
        self.reasons_menu.popup(self.mapToGlobal(self.state_label.geometry().bottomLeft()))
        self.reasons_menu.setActiveAction(self.reasons_menu.actions()[0])

    def _state_name(self, state: AgentState | Phase, reason: str = "") -> str:
        names = {Phase.ready: self.tr("Ready"), Phase.not_ready: self.tr("Not ready"), Phase.break_: self.tr("Break"),
                 Phase.wrap_up: self.tr("After-call work"), Phase.ringing: self.tr("Ringing"),
                 Phase.talking: self.tr("Talking")}
        text = names[Phase(str(state))]
        if reason == NO_ANSWER:
            return self.tr("Not ready (a call rang unanswered: F5 for ready)")
        if reason:
            text += self.tr(" ({reason})").format(reason=self._reasons().get(reason, reason))
        return text

    def _show_state(self) -> None:
        """The platform's state for this seat, the call on top; the time in it (wrap-up: the time
        left); a state chosen for after wrap-up."""
        if not shiboken6.isValid(self):
            return
        if self.seat is None:
            self.state_label.setText("")
            self.state_time.setText("")
            self.queue_label.setText("")
            return
        queue = self.seat.agent.queue
        if queue is None:
            self.queue_label.setText("")
        else:
            waiting, longest = queue[0], int(queue[1])
            self.queue_label.setText(self.tr("Queue {count} · longest {wait}").format(
                count=waiting, wait=f"{longest // 60:02d}:{longest % 60:02d}") if waiting else self.tr("Queue empty"))
            self.queue_label.setStyleSheet("color: #b3261e; font-weight: 600;" if waiting else "")
        status: AgentStatus = self.seat.agent.status()
        text = self._state_name(status.phase, status.reason)
        if status.queued is not None:
            text += self.tr(", then {state}").format(state=self._state_name(*status.queued))
        self.state_label.setText(text)
        self.state_label.setStyleSheet("color: #b3261e; font-weight: 600;" if status.reason == NO_ANSWER else "")
        seconds = status.wrap_up_left if status.phase == Phase.wrap_up else status.seconds
        self.state_time.setText(f"{seconds // 60:02d}:{seconds % 60:02d}")
        if status.phase in (Phase.ringing, Phase.talking):
            self.timer_label.setText(self.state_time.text())
        wrapping = status.phase == Phase.wrap_up
        for action in (self.end_wrap_up_action, self.extend_wrap_up_action):  # in sight during wrap-up only
            action.setEnabled(wrapping)
            action.setVisible(wrapping)

    def show_today(self) -> None:
        """The agent's own figures for today: calls answered, average handling time, orders recorded."""
        if not shiboken6.isValid(self):
            return
        if self.seat is None:
            self.today_label.setText("")
            return
        today = self.seat.today.figures()
        average = today.average_handle_s
        self.today_label.setText(self.tr("Today {calls} calls · avg {average} · orders {orders}").format(
            calls=today.calls, average="-:--" if average is None else f"{average // 60}:{average % 60:02d}",
            orders=today.orders))

    # -- the call -------------------------------------------------------------------------------

    def _on_call(self, call: Call) -> None:
        if not shiboken6.isValid(self):
            return
        number = mask_phone(call.caller_number) if call.caller_number.isdigit() else call.caller_number
        if call.state != CallState.answered:
            self.on_hold = False
            self.call_error.clear()
        if call.state == CallState.ringing:
            for menu in (self.reasons_menu, self.transfer_menu):
                menu.close()  # a menu must not hold the keyboard while a call rings: F9 answers
            self.call_label.setText(self.tr("Ringing: {number}").format(number=number))
            self._start_timer()
        elif call.state == CallState.answered:
            self.call_label.setText(self.tr("On a call: {number}").format(number=number))
            self._start_timer()
        else:
            if call.missed:
                self.call_label.setText(self.tr("Missed call: {number}").format(number=number))
            elif call.end_reason == "transferred":
                self.call_label.setText(self.tr("Transferred out: {number}").format(number=number))
            elif call.end_reason == "lost":  # the phone system no longer has it (a restart, a cut)
                self.call_label.setText(self.tr("Call cut off: {number} (the phone system no longer has it)")
                                        .format(number=number))
            else:
                self.call_label.setText(self.tr("Call ended: {number}").format(number=number))
            self.timer_label.setText("")
        self._show_state()
        self._update_actions()

    def _start_timer(self) -> None:
        self.timer_label.setText("00:00")

    def _update_actions(self) -> None:
        call = self.seat.calls.current if self.seat else None
        if not self.takes_calls:
            call = None
        self.answer_action.setEnabled(call is not None and call.state == CallState.ringing)
        self.hang_up_action.setEnabled(call is not None and call.state == CallState.answered)
        source = self.seat.calls.source if self.seat else None
        for action, command, text, cannot in (
                (self.hold_action, "hold", self.tr("Hold / resume"), self.tr("this phone cannot hold calls")),
                (self.transfer_action, "transfer", self.tr("Transfer the call (110/119/120/122, sub-centres)"),
                 self.tr("this phone cannot transfer calls"))):
            able = source is None or source.can(command)
            action.setEnabled(able and call is not None and call.state == CallState.answered)
            key = action.shortcut().toString()
            action.setToolTip(f"{text} ({key})" if able else f"{text} ({key}): {cannot}")
        for action in (self.ready_action, self.not_ready_action, self.break_action):
            action.setEnabled(self.seat is not None and self.takes_calls)

    @asyncSlot()
    async def answer(self) -> None:
        call = self.seat.calls.current if self.seat else None
        if call is not None and call.state == CallState.ringing:
            await self._command(self.seat.calls.answer, call.id)

    @asyncSlot()
    async def hang_up(self) -> None:
        call = self.seat.calls.current if self.seat else None
        if call is not None and call.state == CallState.answered:
            await self._command(self.seat.calls.hang_up, call.id)

    @asyncSlot()
    async def toggle_hold(self) -> None:
        call = self.seat.calls.current if self.seat else None
        if call is not None and call.state == CallState.answered:
            hold = not self.on_hold
            if await self._command(self.seat.calls.hold, call.id, hold) and shiboken6.isValid(self):
                self.on_hold = hold
                number = mask_phone(call.caller_number) if call.caller_number.isdigit() else call.caller_number
                self.call_label.setText((self.tr("On hold: {number}") if hold else
                                         self.tr("On a call: {number}")).format(number=number))

    def _why(self, exc: TelephonyError) -> str:
        reasons = {"link_down": self.tr("the phone is not connected"), "no_call": self.tr("the call is gone"),
                   "unsupported": self.tr("this phone cannot do that"), "timeout": self.tr("the phone did not answer")}
        return reasons.get(exc.kind) or self.tr("refused ({details})").format(details=str(exc))

    def choose_transfer(self) -> None:
        """One key, then one digit: 1-4 are 110, 119, 120 and 122; the sub-centres and other regions follow."""
        call = self.seat.calls.current if self.seat else None
        if call is None or call.state != CallState.answered:
            return
        menu = self.transfer_menu
        menu.clear()
        menu.addAction(self.three_way_action)
        menu.addSeparator()
        digit = 1
        for kinds in ((UnitKind.emergency,), (UnitKind.sub_centre,), (UnitKind.region,)):
            units = sorted((u for u in self.transfer_targets() if u.kind in kinds), key=lambda u: u.phone or u.id)
            for unit in units:
                label = f"{unit.phone} {unit.name}" if unit.phone and unit.phone not in unit.name else unit.name
                text = f"&{digit} {label}" if digit <= 9 else label
                action = menu.addAction(text)
                action.setData(unit.id)
                action.triggered.connect(lambda _=False, u=unit: self.transfer_to(u))
                digit += 1
            if units:
                menu.addSeparator()
        if digit == 1:
            self.call_label.setText(self.tr("No transfer targets yet: the reference data has not synced"))
            return
        menu.popup(self.mapToGlobal(self.call_label.geometry().bottomLeft()))
        menu.setActiveAction(menu.actions()[2])

    @asyncSlot(object)
    async def transfer_to(self, unit: HandlingUnit) -> None:
        """From the transfer menu: move the call, then tell the window, which records it on the order."""
        call = self.seat.calls.current if self.seat else None
        three_way = self.three_way_action.isChecked()
        if call is not None and await self.transfer_call(unit, three_way):
            self.transferred.emit(unit.id, three_way, clock.stamp(), call.platform_id)

    async def transfer_call(self, unit: HandlingUnit, three_way: bool) -> bool:
        call = self.seat.calls.current if self.seat else None
        if call is None or call.state != CallState.answered:
            return False
        if not await self._command(self.seat.calls.transfer, call.id, unit.phone or unit.id, three_way):
            return False
        if shiboken6.isValid(self):
            self.call_label.setText((self.tr("Three-way call with {unit}") if three_way else
                                     self.tr("Transferred to {unit}")).format(unit=unit.name))
        return True

    async def _command(self, command, call_id: str, *args) -> bool:  # noqa: ANN001, ANN002
        """Run a call command; False (with the reason shown) when the phone or the platform refused it."""
        try:
            await command(call_id, *args)
        except (TelephonyError, PlatformError, PlatformUnreachable) as exc:
            log.warning("call command failed: %s", type(exc).__name__)
            if shiboken6.isValid(self):  # beside the call, which stays in sight
                reason = self._why(exc) if isinstance(exc, TelephonyError) else self.tr("the platform did not take it")
                self.call_error.setText(self.tr("The call command failed: {reason}").format(reason=reason))
            return False
        self.call_error.clear()
        return True
