"""What the work-order form holds: its draft (every field, kept over a restart and sent with an
escalation), and the order with its intake action that a valid form sends."""
from __future__ import annotations

from typing import Any

from PySide6.QtWidgets import QComboBox

from domain.intake import NotAcceptedReason
from domain.phone import normalize_phone
from domain.workorder import RequestType, Urgency

DRAFT_KEYS = ("request_type", "urgency", "category_id", "title", "content", "caller_phone", "requester_name",
              "confidential", "address_district", "address_street", "address_detail", "reply", "handling_unit_id",
              "assisting_units", "working_days", "reject_reason", "guidance", "transfer_target_id", "transfer_note",
              "transfer_three_way", "transferred_at", "transfer_call_id")
WORKING_DAYS = 15  # the default handling time (办理时限) of a dispatched order
# The dispatch unit follows the category by itself: choosing a category is what counts as typed.
NOT_TYPED = ("handling_unit_id",)


def empty_draft() -> dict:
    return {k: "" for k in DRAFT_KEYS} | {"confidential": False, "urgency": str(Urgency.normal),
                                          "transfer_three_way": False, "working_days": WORKING_DAYS}


def draft_of(form: Any) -> dict:
    """What the form holds, as a draft (kept over a restart, sent with an escalation)."""
    return {
        "request_type": form.type_combo.currentData() or "",
        "urgency": form.urgency_combo.currentData() or str(Urgency.normal),
        "category_id": form.category_id or "",
        "title": form.title_edit.text(),
        "content": form.content_edit.toPlainText(),
        "caller_phone": form.caller_phone(),
        "requester_name": form.name_edit.text(),
        "confidential": form.confidential_box.isChecked(),
        "address_district": form.district_combo.currentData() or "",
        "address_street": form.street_combo.currentData() or "",
        "address_detail": form.address_edit.text(),
        "reply": form.reply_edit.toPlainText(),
        "handling_unit_id": form.unit_combo.currentData() or "",
        "assisting_units": form.assisting_edit.text(),
        "working_days": form.time_limit.value(),
        "reject_reason": form.reject_combo.currentData() or "",
        "guidance": form.guidance_changed(),
        "transfer_target_id": form.transfer_combo.currentData() or "",
        "transfer_note": form.transfer_note.text(),
        "transfer_three_way": form.three_way_box.isChecked(),
        "transferred_at": form._transferred_at,
        "transfer_call_id": form._transfer_call_id,
    }


def fill(form: Any, d: dict) -> None:
    """Every field from a whole draft (missing keys: `empty_draft()`)."""
    select(form.type_combo, d.get("request_type"))
    select(form.urgency_combo, d.get("urgency") or str(Urgency.normal))
    form._category_id = None
    form._fill_units([])
    form._set_category(d.get("category_id") or None)
    form.title_edit.setText(d.get("title", ""))
    form.content_edit.setPlainText(d.get("content", ""))
    form.show_phone(d.get("caller_phone", ""))
    form.name_edit.setText(d.get("requester_name", ""))
    form.confidential_box.setChecked(bool(d.get("confidential")))
    select(form.district_combo, d.get("address_district") or "")
    form._fill_streets()
    select(form.street_combo, d.get("address_street") or "")
    form.address_edit.setText(d.get("address_detail") or "")
    form.reply_edit.setPlainText(d.get("reply", ""))
    if d.get("handling_unit_id"):
        select(form.unit_combo, d["handling_unit_id"])
    form.assisting_edit.setText(d.get("assisting_units") or "")
    form.time_limit.setValue(int(d.get("working_days") or WORKING_DAYS))
    select(form.reject_combo, d.get("reject_reason"))
    select(form.transfer_combo, d.get("transfer_target_id"))
    form.transfer_note.setText(d.get("transfer_note", ""))
    form.three_way_box.setChecked(bool(d.get("transfer_three_way")))
    form._transferred_at, form._transfer_call_id = d.get("transferred_at") or "", d.get("transfer_call_id") or ""
    form._show_transfer_done()
    form._show_guidance()
    if d.get("guidance"):
        form.guidance_box.setPlainText(d["guidance"])
    form._update_deadline()


def request_of(form: Any, op: str) -> tuple[dict, tuple[str, dict]]:
    """The order's fields and its intake action, from a valid form. A request not accepted needs
    its reason alone: what the agent left empty is said by the reason."""
    rejected = NotAcceptedReason(form.reject_combo.currentData()) if op == "reject_at_intake" else None
    title = form.title_edit.text().strip() or (rejected.title_zh if rejected else "")
    fields = {
        "request_type": form.type_combo.currentData() or (str(RequestType.consultation) if rejected else None),
        "urgency": form.urgency_combo.currentData() or str(Urgency.normal),
        "category_id": form.category_id or "",
        "title": title,
        "content": form.content_edit.toPlainText().strip() or title,
        "caller_phone": normalize_phone(form.caller_phone()),
        "requester_name": form.name_edit.text().strip(),
        "confidential": form.confidential_box.isChecked(),
        "address_district": form.district_combo.currentData() or "",
        "address_street": form.street_combo.currentData() or "",
        "address_detail": form.address_edit.text().strip(),
    }
    payload = {
        "close_at_intake": lambda: {"answer": form.reply_edit.toPlainText().strip()},
        "dispatch": lambda: {"handling_unit_id": form.unit_combo.currentData(),
                             "assisting_unit_ids": form.assisting_units()[0],
                             **({} if form.urgency_combo.currentData() == str(Urgency.urgent)
                                else {"working_days": form.time_limit.value()})},
        "reject_at_intake": lambda: {"reason": rejected.value, "note": "",
                                     **({"guidance": g} if (g := form.guidance_changed()) else {})},
        "merge": lambda: {"into": form.merge_target, "reason": form.merge_reason.text().strip()},
        "transfer": lambda: {"target_unit_id": form.transfer_combo.currentData(),
                             "note": form.transfer_note.text().strip(),
                             "three_way": form.three_way_box.isChecked(),
                             **({"transferred_at": form._transferred_at, "call_id": form._transfer_call_id}
                                if form._transferred_at else {})},
    }[op]()
    return fields, (op, payload)


def select(combo: QComboBox, data: object) -> None:
    """Select the item holding `data`; else "not given" where the combo has it, else the placeholder."""
    index = combo.findData(data) if data else -1
    combo.setCurrentIndex(index if index >= 0 else combo.findData(""))
