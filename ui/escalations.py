"""Expert escalations (升级求助), both sides, by feature:

- the agent: `escalate(...)` and `EscalateDialog` (`ui.escalate_dialog`) raise one; `MyEscalations`
  (`ui.my_escalations`) lists the agent's own;
- the expert: `EscalationInbox` (`ui.escalation_inbox`), and `KbProposalDialog` (`ui.kb_proposal`)
  for a knowledge change proposed from an escalation;
- `EscalationTexts` (`ui.escalation_texts`): the words they share.

Every change goes through the seat's `EscalationService` (the outbox): nothing typed is lost
offline, and the platform's refusals are shown with its reason."""
from __future__ import annotations

from ui.escalate_dialog import EscalateDialog, escalate
from ui.escalation_inbox import EscalationInbox, EscalationModel
from ui.escalation_texts import EscalationTexts
from ui.kb_proposal import KbProposalDialog, propose
from ui.my_escalations import MyEscalations

__all__ = ["EscalateDialog", "EscalationInbox", "EscalationModel", "EscalationTexts", "KbProposalDialog",
           "MyEscalations", "escalate", "propose"]
