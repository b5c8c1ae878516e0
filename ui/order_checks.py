"""What the work-order form checks before anything is sent, and why a field is refused, in the
agent's language (one translation context, `OrderChecks`)."""
from __future__ import annotations

from typing import Any

from PySide6.QtCore import QObject

from domain.phone import InvalidPhoneNumber, PhoneProblem, normalize_phone
from ui.unit_picker import MAX_ASSISTING

TITLE_MAX, TEXT_MAX, NAME_MAX, NOTE_MAX, ADDRESS_MAX = 200, 5000, 64, 2000, 200  # the platform's limits


class OrderChecks(QObject):
    """`check(form, op)`: the invalid fields of the form for an intake action, with their reasons."""

    def check(self, form: Any, op: str) -> dict[str, str]:
        """The invalid fields of `form` for `op`, in form order, with their reasons."""
        found: dict[str, str] = {}
        try:
            normalize_phone(form.caller_phone())
        except InvalidPhoneNumber as exc:
            found["formPhone"] = self.phone_error(exc)
        if op == "reject_at_intake":  # the reason is all it needs: the rest, where given, goes with it
            if not form.reject_combo.currentData():
                found["formRejectReason"] = self.tr("Choose why the request is not accepted")
            if form.category_id is None and form.category_edit.text().strip():
                found["formCategory"] = self.tr("Pick a category from the list (type part of its name), or leave "
                                                "it empty")
            if len(form.guidance_box.toPlainText().strip()) > NOTE_MAX:
                found["formGuidance"] = self.tr("Too long: at most {max} characters").format(max=NOTE_MAX)
            return found
        if not form.type_combo.currentData():
            found["formType"] = self.tr("Choose the request type")
        if form.category_id is None:
            found["formCategory"] = self.tr("Pick a category from the list (type part of its name)") \
                if form.category_edit.text().strip() else self.tr("Choose the category")
        if not form.title_edit.text().strip():
            found["formTitle"] = self.tr("Enter a title")
        check_text(found, "formContent", form.content_edit.toPlainText(), self.tr("Enter what the caller asks"),
                    self.tr("Too long: at most {max} characters").format(max=TEXT_MAX))
        if form.content_template and form.content_edit.toPlainText().strip() == form.content_template.strip():
            found["formContent"] = self.tr("Fill in the template's lines with what the caller said")
        if op == "close_at_intake":
            check_text(found, "formReply", form.reply_edit.toPlainText(),
                        self.tr("Closing at intake needs the answer given to the caller"),
                        self.tr("Too long: at most {max} characters").format(max=TEXT_MAX))
        elif op == "merge":
            if form.merge_target is None:
                found["formCategory"] = self.tr("The caller has no open work order of this category to merge into")
            check_text(found, "formMergeReason", form.merge_reason.text(), self.tr("Say why it is the same request"),
                       self.tr("Too long: at most {max} characters").format(max=NOTE_MAX))
        elif op == "dispatch":
            if not form.unit_combo.currentData():
                found["formUnit"] = self.tr("Choose the unit to dispatch to")
            self._check_assisting(found, form)
        elif op == "transfer" and not form.transfer_combo.currentData():
            found["formTransferTarget"] = self.tr("Choose where to transfer the call")
        return found

    def _check_assisting(self, found: dict[str, str], form: Any) -> None:
        ids, unknown = form.assisting_units()
        if unknown:
            found["formAssisting"] = self.tr("No unit is called {names}: pick each from the list").format(
                names="、".join(unknown))
        elif form.unit_combo.currentData() in ids:
            found["formAssisting"] = self.tr("The lead unit cannot also assist")
        elif len(ids) > MAX_ASSISTING:
            found["formAssisting"] = self.tr("At most {max} assisting units").format(max=MAX_ASSISTING)

    def phone_error(self, exc: InvalidPhoneNumber) -> str:
        """domain.phone's reason, in the interface language."""
        detail, problem = exc.detail, PhoneProblem
        messages = {
            problem.EMPTY: self.tr("Enter the caller's phone number"),
            problem.LETTERS: self.tr("The phone number contains letters"),
            problem.BAD_CHARACTER:
                self.tr("The phone number contains an invalid character {char}").format(char=repr(detail)),
            problem.NO_DIGITS: self.tr("The phone number has no digits"),
            problem.FOREIGN_COUNTRY_CODE:
                self.tr("Country code +{code} is not Chinese: only +86 numbers are accepted").format(code=detail),
            problem.UNKNOWN_COUNTRY_CODE: self.tr("Unknown country code: only +86 numbers are accepted"),
            problem.NO_AREA_CODE: self.tr("The landline number needs its area code"),
            problem.BAD_MOBILE_PREFIX: self.tr("No mobile number starts with {prefix}").format(prefix=detail),
            problem.MOBILE_LENGTH: self.tr("{count} digits: a mobile number has 11").format(count=detail),
            problem.LANDLINE_LENGTH:
                self.tr("{count} digits: a landline number with area code has 10 to 12").format(count=detail),
            problem.TOLL_FREE_LENGTH: self.tr("{count} digits: a 400/800 number has 10").format(count=detail),
            problem.BAD_LENGTH: self.tr("{count} digits: not a phone number").format(count=detail),
            problem.BAD_LANDLINE: self.tr("Invalid area code or landline number"),
        }
        return messages.get(exc.code, str(exc))  # a reason this table does not know yet: English beats nothing


def check_text(found: dict[str, str], name: str, text: str, empty: str, too_long: str) -> None:
    if not text.strip():
        found[name] = empty
    elif len(text.strip()) > TEXT_MAX:
        found[name] = too_long
