"""What the desk pages (reviews, supervision, the wallboard) share: `DeskPage`, a page bound to a seat
and one list service, which shows the offline line, the platform's refusal of the list and of a
change made here; and `DeskTexts`, the words they share."""
from __future__ import annotations

from typing import Any

import shiboken6
from PySide6.QtCore import QObject
from PySide6.QtWidgets import QHBoxLayout, QWidget
from qasync import asyncSlot

from domain.workorder import WorkOrderStatus
from ui.page import Page, disconnect, moment
from ui.rows_model import RowsModel, table_view
from workstation.session import SeatSession
from workstation.sync import LinkState


class DeskTexts(QObject):
    """Words the desk pages share (one translation context for them)."""

    def refusal(self, rejection: Any) -> str:
        reason = rejection.message or rejection.code
        number = rejection.entity_id or ""
        if rejection.op == "supervise":
            return self.tr("The platform refused the supervision of order {number}: {reason}").format(
                number=number, reason=reason)
        if rejection.op == "dispatch":
            return self.tr("The platform refused the dispatch of order {number}: {reason}").format(
                number=number, reason=reason)
        return self.tr("The platform refused the decision on order {number}: {reason}").format(
            number=number, reason=reason)

    def review_kind(self, kind: str) -> str:
        names = {"return": self.tr("Return"), "extension": self.tr("Extension"),
                 "unreasonable_repeat": self.tr("Unreasonable repeat")}
        return names.get(kind, kind)

    def status(self, status: str | None) -> str:
        try:
            return WorkOrderStatus(str(status)).label_zh
        except (ValueError, KeyError):
            names = {"merged": self.tr("Merged"), "repeat_review": self.tr("Repeat review")}
            return names.get(str(status), str(status or ""))

    def kept(self, text: str, seat: SeatSession | None) -> str:
        """`text`, and that it waits here while the platform cannot be reached."""
        if seat is not None and seat.sync.link != LinkState.online:
            return text + " " + self.tr("(kept here until the platform can be reached)")
        return text


class DeskPage(Page):
    """A page bound to a seat (`set_session(seat)`, None when signed out) and its list service:
    the seat's own when it has one (`service_attr`), else one the page makes (`service_class`) and closes. Subclasses
    build their widgets, then call `_build_common(prefix)` for the status, offline and error lines
    (it returns the row of the first two), and say what a change of the list shows (`_show`)."""

    service_attr = ""
    service_class: Any = None  # made (and closed) by the page when the seat has none
    sends_later = True

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._service: Any = None
        self._own_service = False
        self.texts = DeskTexts(self)

    def _build_common(self, prefix: str, model: RowsModel | None = None) -> QHBoxLayout:
        """The lines above the list (and the list of `model`, `<prefix>Table`); the row of the first two."""
        top = self._build_lines(prefix, count="Status")
        self.status_label = self.count_label
        if model is not None:
            self.model = model
            self.table = table_view(f"{prefix}Table", model, wrap=False)
        return top

    @property
    def service(self) -> Any:
        return self._service

    def set_session(self, seat: SeatSession | None) -> None:
        self._unbind()
        super().set_session(seat)
        self.error_label.clear()
        self.notice.clear()
        self._list_error = False
        if seat is None:
            self._show()
            return
        service = getattr(seat, self.service_attr, None)
        self._own_service = service is None
        self._service = service if service is not None else self.service_class(seat.client, seat.sync)
        self._service.changed.connect(self._on_changed)
        self._service.rejected.connect(self._on_rejected)
        seat.sync.link_changed.connect(self._on_link)
        self._show()
        self._start(self._service)

    def _unbind(self) -> None:
        service, seat = self._service, self._seat
        if service is not None:
            for signal, slot in ((service.changed, self._on_changed), (service.rejected, self._on_rejected)):
                disconnect(signal, slot)
            if self._own_service:
                service.close()
        if seat is not None:
            disconnect(seat.sync.link_changed, self._on_link)
        self._service, self._own_service = None, False

    @asyncSlot(object)
    async def _start(self, service: Any) -> None:
        await service.start()

    @asyncSlot()
    async def refresh(self) -> None:
        if self._service is not None:
            await self._service.refresh()

    def _on_changed(self, *_args: Any) -> None:
        if shiboken6.isValid(self):
            self._show()

    def _on_link(self, _state: LinkState) -> None:
        if shiboken6.isValid(self):
            self._show_state()

    def _on_rejected(self, rejection: Any) -> None:
        if shiboken6.isValid(self):
            self.error_label.setText(self.texts.refusal(rejection))
            self._list_error = False

    def _show(self) -> None:
        """The list changed (or the seat): show it."""
        self._show_state()

    def _show_signed_out(self, clear_detail: Any) -> bool:
        """The page's actions enabled while it has its service; without one (signed out) the list
        emptied, the status line saying so and the detail cleared. True when signed out."""
        service = self._service
        for action in self.actions_for_help:
            action.setEnabled(service is not None)
        if service is not None:
            return False
        self.model.set_items([])
        self.status_label.setText(self.signed_out_text())
        clear_detail()
        self._show_state()
        return True

    def _offline(self) -> bool:
        service = self._service
        if service is None:
            return False
        return service.offline or (self._seat is not None and self._seat.sync.link == LinkState.offline)

    def _data_time(self) -> str:
        """When what is shown was fetched, for the offline line."""
        return moment(self._service.fetched_at) if self._service is not None else ""

    def _show_state(self) -> None:
        """The offline line and the platform's refusal of the list."""
        service = self._service
        if service is None:
            self.offline_label.clear()
            return
        self.offline_label.setText(self.offline_words(self._data_time()) if self._offline() else "")
        self.show_list_error(service.error)

