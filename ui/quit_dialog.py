"""Quitting (Ctrl+Q, the window's close button) with work pending: a call under way, a work order not
recorded, changes not uploaded. The agent is asked; Enter (and Esc) stays, Alt+Q quits anyway. The
form's draft is kept either way (the window saves it when it shuts down)."""
from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtWidgets import QWidget

from ui.dialogs import ChoiceDialog
from workstation.session import SeatSession


@dataclass(frozen=True)
class PendingWork:
    call: bool  # ringing, talking or in after-call work
    form: bool  # the form holds more than the caller's fields: a work order not recorded
    outbox: int  # changes the platform has not taken yet

    def __bool__(self) -> bool:
        return self.call or self.form or self.outbox > 0

    @classmethod
    def of(cls, seat: SeatSession | None, form_has_content: bool) -> PendingWork:
        """What quitting now would leave unfinished (nothing without a seat: no one is signed in)."""
        if seat is None:
            return cls(False, False, 0)
        return cls(seat.agent.busy, form_has_content, seat.sync.outbox_size())


class QuitDialog(ChoiceDialog):
    """`choice`: "stay" (Enter, Esc) or "quit" (Alt+Q)."""

    def __init__(self, parent: QWidget, pending: PendingWork) -> None:
        super().__init__(parent, "quitPending")
        self.setWindowTitle(self.tr("Quit with work pending?"))
        lines = []
        if pending.call:
            lines.append(self.tr("A call is in progress (ringing, talking or after-call work)."))
        if pending.form:
            lines.append(self.tr("The work order on the form is not recorded yet (its draft is kept)."))
        if pending.outbox:
            lines.append(self.tr("{count} change(s) have not reached the platform yet; they are sent at the next "
                                 "start.").format(count=pending.outbox))
        text = "\n".join([self.tr("Not finished yet:"), *(f"• {line}" for line in lines), "",
                          self.tr("Enter stays; Alt+Q quits anyway.")])
        self.offer(text, [("stay", self.tr("Stay (Enter)"), "quitStay"),
                          ("quit", self.tr("&Quit anyway"), "quitAnyway")])
