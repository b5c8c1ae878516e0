"""What the pages that decide on the items of a list from the keyboard share (the dispatcher's reviews,
the knowledge editor's reports): `DecisionPage`.

Up/Down pick an item. The first choice (A) or the second (R), Alt+A / Alt+R from anywhere in the page,
puts the focus on what is typed next; Ctrl+Enter records (the second choice needs its reason), Esc goes
back to the list, Ctrl+R reads the list again."""
from __future__ import annotations

from PySide6.QtCore import QModelIndex, Qt
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPlainTextEdit, QVBoxLayout, QWidget

from ui.desk_page import DeskPage
from ui.operation import Operation
from ui.page import ERROR, action_button, splitter
from ui.rows_model import RowsModel

ERROR_STYLE = f"color: {ERROR};"
OK_STYLE = "color: #1b6e2a;"
PROMPT_STYLES = ("", OK_STYLE, ERROR_STYLE)  # nothing chosen, the first choice, the second


class DecisionPage(DeskPage):
    """A desk page whose items are decided from the keyboard. A decision's mutation id is in
    `last_decision`.

    Subclasses build the list (`_build_common`), `decision_label`, `note_edit` and the rest of the
    detail, lay them out with `_lay_out_detail` and build their actions with `_build_decision_actions`.
    They say: the two decisions (`choices`), the object names of the choice, send, back and refresh
    actions (`action_names`) and of their buttons but back's (`button_names`), the count line
    (`_count_text`), what an item shows (`_show_detail`), the decision line (`_prompt`), what is missing
    before Ctrl+Enter (`_missing`) and any other problem (`_problem`), the recording (`_record`) and
    the notice then (`_decided_text`). Every user-visible string is the subclass's, written in its own
    body, so that it keeps its translation context."""

    choices: tuple[str, str] = ("", "")
    action_names: tuple[str, str, str, str, str] = ("", "", "", "", "")
    button_names: tuple[str, str, str, str] = ("", "", "", "")
    decision_label: QLabel
    note_edit: QPlainTextEdit

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._decision: str | None = None
        self._shown_id: str | None = None
        self.last_decision = ""
        self._set_up()

    def _build_common(self, prefix: str, model: RowsModel | None = None) -> QHBoxLayout:
        top = super()._build_common(prefix, model)
        self._prefix = prefix
        self.table.selectionModel().currentRowChanged.connect(lambda current, _old: self._current_changed(current))
        self.setFocusProxy(self.table)
        return top

    def _lay_out_detail(self, top: QHBoxLayout, name: str, rows: list[tuple[QWidget, int]],
                        sizes: list[int]) -> None:
        """The page: the lines above, then the list over the detail `name` (`rows` of a widget and its
        stretch, then the buttons)."""
        self.buttons = QHBoxLayout()
        detail = QWidget(objectName=name)
        box = QVBoxLayout(detail)
        box.setContentsMargins(0, 0, 0, 0)
        for widget, stretch in rows:
            box.addWidget(widget, stretch)
        box.addLayout(self.buttons)
        self._lay_out(top, self.error_label, self.notice,
                      (splitter(f"{self._prefix}Splitter", [self.table, detail], sizes), 1))

    def _build_decision_actions(self, choices: tuple[str, str], send: str, back: str,
                                refresh: str) -> tuple[QAction, QAction]:
        """The actions with these texts, and their buttons; the two choice actions (checkable)."""
        names = self.action_names
        self.choice_actions: tuple[QAction, QAction] = (
            self.action(choices[0], ["A", "Alt+A"], lambda: self.choose(self.choices[0]), name=names[0]),
            self.action(choices[1], ["R", "Alt+R"], lambda: self.choose(self.choices[1]), name=names[1]))
        self.send_action = self.action(send, ["Ctrl+Return", "Ctrl+Enter"], self.send, name=names[2])
        self.back_action = self.action(back, ["Esc"], self.back_to_list, name=names[3])
        self.refresh_action = self.action(refresh, ["Ctrl+R"], self.refresh, name=names[4])
        for action in self.choice_actions:
            action.setCheckable(True)
        for action, name in zip((*self.choice_actions, self.send_action), self.button_names):
            self.buttons.addWidget(action_button(action, name))
        self.buttons.addStretch(1)
        self.buttons.addWidget(action_button(self.refresh_action, self.button_names[-1]))
        return self.choice_actions

    # --- the list -------------------------------------------------------------------------------
    def _show(self) -> None:
        service = self._service
        for action in self.actions_for_help:
            action.setEnabled(service is not None)
        if not isinstance(service, self.service_class):
            self.model.set_items([])
            self.status_label.setText(self.signed_out_text())
            self._show_item(None)
            self._show_state()
            return
        keep = self._shown_id
        self.model.set_items([self._enriched(i) for i in service.items])
        self.status_label.setText(self._count_text(len(service.items)))
        self._show_item(self.model.item(self._select(keep)))
        self._show_state()

    def _enriched(self, item: dict) -> dict:
        """The item as listed (keys of the page's own start with `_`)."""
        return item

    def _count_text(self, count: int) -> str:
        raise NotImplementedError

    def _edits(self) -> tuple[QPlainTextEdit, ...]:
        """What is typed for a decision: emptied when another item shows."""
        return (self.note_edit,)

    def _current_changed(self, current: QModelIndex) -> None:
        item = self.model.item(current.row()) if current.isValid() else None
        if item is None or str(item.get("id")) != self._shown_id:
            self._show_item(item)

    def _show_item(self, item: dict | None) -> None:
        new_id = str(item["id"]) if item is not None else None
        if new_id != self._shown_id:
            self._shown_id = new_id
            for edit in self._edits():
                edit.clear()
            self._set_decision(None)
        for edit in self._edits():
            edit.setEnabled(item is not None)
        self.send_action.setEnabled(item is not None)
        self._show_detail(item)

    def _show_detail(self, item: dict | None) -> None:
        raise NotImplementedError

    # --- deciding ---------------------------------------------------------------------------------
    def _set_decision(self, decision: str | None) -> None:
        self._decision = decision
        for action, choice in zip(self.choice_actions, self.choices):
            action.setChecked(decision == choice)
        at = self.choices.index(decision) + 1 if decision in self.choices else 0
        self.decision_label.setText(self._prompt(decision))
        self.decision_label.setStyleSheet("font-weight: 600; " + PROMPT_STYLES[at])

    def _prompt(self, decision: str | None) -> str:
        """The decision line: what was chosen and what to do next."""
        raise NotImplementedError

    @property
    def decision(self) -> str | None:
        return self._decision

    def choose(self, decision: str) -> None:
        item = self.current_item()
        if item is None:
            self._set_decision(None)
            return
        self._set_decision(decision)
        self.error_label.clear()
        self._typed_next(item, decision).setFocus(Qt.FocusReason.ShortcutFocusReason)

    def _typed_next(self, item: dict, decision: str) -> QWidget:
        """Where the focus goes once `decision` is chosen."""
        return self.note_edit

    def back_to_list(self) -> None:
        self._set_decision(None)
        self.table.setFocus(Qt.FocusReason.ShortcutFocusReason)

    def send(self) -> None:
        """Check at once (the person sees why nothing was recorded), then record."""
        item, decision = self.current_item(), self._decision
        if item is None or not isinstance(self._service, self.service_class):
            return
        if decision is None:
            self.error_label.setText(self._missing(None))
            return
        note = self.note_edit.toPlainText().strip()
        missing = decision == self.choices[1] and not note
        problem = (self._missing(decision), self.note_edit) if missing else self._problem(decision, note)
        if problem is not None:
            text, field = problem
            self.error_label.setText(text)
            if field is not None:
                field.setFocus(Qt.FocusReason.OtherFocusReason)
            return
        plain = {k: v for k, v in item.items() if not k.startswith("_")}
        # one decision per Ctrl+Enter, however fast the keys
        self._record(plain, decision, note).busy(self.send_action) \
            .enable_after(lambda: self.current_item() is not None) \
            .success(lambda mutation_id: self._decided(item, decision, mutation_id)).run()

    def _missing(self, decision: str | None) -> str:
        """Why Ctrl+Enter records nothing: no decision yet (None), or the second one without its reason."""
        raise NotImplementedError

    def _problem(self, decision: str, note: str) -> tuple[str, QWidget | None] | None:
        """Why `decision` cannot be recorded yet, and the field to fix (None: none to focus)."""
        return None

    def _record(self, item: dict, decision: str, note: str) -> Operation[str]:
        """The operation that records `decision` on `item` (without the page's own keys), with the
        words of its failure; its result is the mutation id."""
        raise NotImplementedError

    def _decided(self, item: dict, decision: str, mutation_id: str) -> None:
        self.last_decision = mutation_id
        self.error_label.clear()
        self.notice.setText(self.texts.kept(self._decided_text(item, decision), self._seat))
        self.table.setFocus(Qt.FocusReason.OtherFocusReason)

    def _decided_text(self, item: dict, decision: str) -> str:
        raise NotImplementedError
