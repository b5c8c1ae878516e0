"""One core coroutine run from a widget, after the pattern of Anki's `CollectionOp`: the widgets and
actions that started it are disabled (and the cursor busy) while it runs, `success(result)` is
called when it is done, and a known failure is shown in Chinese on a message line:

    Operation(self, service.record(...)).busy(self.record_action) \\
        .success(self._recorded).failure_text(self.tr("Not saved: {error}")).show_on(self.panel_error).run()

Known failures: the platform cannot be reached, the platform refused (with its reason), bad input
(`ValueError`), the seat's cache (`CacheError`). Anything else is a bug: it goes to
`sys.excepthook`. Nothing is done to a widget deleted meanwhile (`shiboken6.isValid`)."""
from __future__ import annotations

import asyncio
import logging
import sys
from collections.abc import Callable, Coroutine
from typing import Any, Generic, TypeVar

import shiboken6
from PySide6.QtCore import QCoreApplication, QObject, Qt
from PySide6.QtWidgets import QApplication, QLabel, QWidget

from workstation.errors import CacheError, PlatformError, PlatformUnreachable

log = logging.getLogger(__name__)

T = TypeVar("T")
KNOWN = (PlatformUnreachable, PlatformError, ValueError, CacheError)
_running: set[asyncio.Task] = set()  # a task is only weakly held by the loop


def error_text(exc: BaseException) -> str:
    """A known failure in words the agent can act on."""
    if isinstance(exc, PlatformUnreachable):
        return QCoreApplication.translate("Operation", "the platform cannot be reached; try again when the link "
                                                       "is back")
    if isinstance(exc, PlatformError):
        return QCoreApplication.translate("Operation", "the platform refused: {reason}").format(
            reason=exc.message or exc.code)
    if isinstance(exc, CacheError):
        return QCoreApplication.translate("Operation", "this seat's cache could not be written ({error})").format(
            error=type(exc).__name__)
    return str(exc)


class Operation(Generic[T]):
    """`Operation(parent, coroutine)`, configured by chained calls, started by `run()`. `parent`
    decides whether the callbacks still apply: they are skipped once it is deleted."""

    def __init__(self, parent: QWidget, coro: Coroutine[Any, Any, T]) -> None:
        self._parent = parent
        self._coro = coro
        self._busy: list[Any] = []
        self._cursor = False
        self._success: Callable[[T], Any] | None = None
        self._failure: Callable[[BaseException, str], Any] | None = None
        self._message: QLabel | None = None
        self._template = "{error}"
        self._enable_after: Callable[[], bool] | None = None
        self._always: Callable[[], Any] | None = None

    def busy(self, *things: QWidget | QObject, cursor: bool = False) -> Operation[T]:
        """Disable these widgets or actions while it runs (one action per keypress, however fast);
        `cursor`: the busy cursor too."""
        self._busy.extend(things)
        self._cursor = cursor
        return self

    def enable_after(self, condition: Callable[[], bool]) -> Operation[T]:
        """Re-enable the busy things only when `condition()` holds (else they stay disabled)."""
        self._enable_after = condition
        return self

    def success(self, callback: Callable[[T], Any]) -> Operation[T]:
        self._success = callback
        return self

    def show_on(self, message: QLabel) -> Operation[T]:
        """The message line a known failure is shown on."""
        self._message = message
        return self

    def failure_text(self, template: str) -> Operation[T]:
        """What the message line says, `{error}` being the failure in words."""
        self._template = template
        return self

    def failure(self, callback: Callable[[BaseException, str], Any]) -> Operation[T]:
        """Called with a known failure and its text (after the message line shows it)."""
        self._failure = callback
        return self

    def always(self, callback: Callable[[], Any]) -> Operation[T]:
        """Called once it is over, whatever the outcome (before `success` or `failure`)."""
        self._always = callback
        return self

    def run(self) -> asyncio.Task:
        for thing in self._busy:
            thing.setEnabled(False)
        if self._cursor:
            QApplication.setOverrideCursor(Qt.CursorShape.BusyCursor)
        task = asyncio.ensure_future(self._run())
        _running.add(task)
        task.add_done_callback(_running.discard)
        return task

    async def _run(self) -> None:
        try:
            result = await self._coro
        except KNOWN as exc:
            log.warning("operation failed: %s", type(exc).__name__)
            self._done()
            if shiboken6.isValid(self._parent):
                text = self._template.format(error=error_text(exc))
                if self._message is not None:
                    self._message.setText(text)
                if self._failure is not None:
                    self._failure(exc, text)
            return
        except asyncio.CancelledError:
            self._done()
            raise
        except Exception as exc:  # a bug: the global hook logs it and tells the user once
            self._done()
            sys.excepthook(type(exc), exc, exc.__traceback__)
            return
        self._done()
        if self._success is not None and shiboken6.isValid(self._parent):
            self._success(result)

    def _done(self) -> None:
        if self._cursor:
            QApplication.restoreOverrideCursor()
        enable = self._enable_after is None or not shiboken6.isValid(self._parent) or self._enable_after()
        for thing in self._busy:
            if shiboken6.isValid(thing):
                thing.setEnabled(enable)
        if self._always is not None and shiboken6.isValid(self._parent):
            self._always()
