"""Words the escalation widgets share (one translation context for them): expert groups, states,
ages and the platform's refusals."""
from __future__ import annotations

from datetime import datetime
from typing import Any

from PySide6.QtCore import QObject

from domain import clock


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

    def refusal(self, rejection: Any) -> str:
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
