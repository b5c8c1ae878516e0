"""`hotline-workstation --platform URL --self-test QUERY`: prove that a build works, with no one at
the keyboard (tests/test_frozen_app.py runs it on the PyInstaller bundle).

It goes the agent's way through the real window: the sign-in form is filled in and its button
clicked, the seat opens its cache and syncs, and QUERY is searched in the knowledge pane. Then one
JSON line goes to stdout and the exit code is 0 when every step passed. The user name and password
come from HOTLINE_USER and HOTLINE_PASSWORD, never from the command line (which other users of the
machine can see); the password is removed from the environment at once and never printed or logged.
"""
from __future__ import annotations

import asyncio
import dataclasses
import json
import logging
import os
import sys
import time
from collections.abc import Callable
from types import TracebackType

from domain.phone import locate
from ui.main_window import MainWindow

USER_ENV, PASSWORD_ENV = "HOTLINE_USER", "HOTLINE_PASSWORD"
STEP_TIMEOUT_S = 60.0
SAMPLE_PHONE = "13800138000"  # its location comes from the number data the bundle must carry


class _Errors(logging.Handler):
    """Every error logged during the self-test, and every exception that reached the crash hook
    (an async slot's failure goes there, not to the awaiting code)."""

    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.seen: list[str] = []
        self._previous_hook = sys.excepthook

    def emit(self, record: logging.LogRecord) -> None:
        text = f"{record.name}: {record.getMessage()}"
        if record.exc_info and record.exc_info[1] is not None:
            text += f" ({type(record.exc_info[1]).__name__}: {record.exc_info[1]})"
        self.seen.append(text)

    def hook(self, kind: type[BaseException], exc: BaseException, tb: TracebackType | None) -> None:
        self.seen.append(f"unhandled {kind.__name__}: {exc}")
        self._previous_hook(kind, exc, tb)

    def __enter__(self) -> _Errors:
        logging.getLogger().addHandler(self)
        sys.excepthook = self.hook
        return self

    def __exit__(self, *_exc: object) -> None:
        sys.excepthook = self._previous_hook
        logging.getLogger().removeHandler(self)


class StepFailed(Exception):
    pass


async def _until(what: str, done: Callable[[], bool], errors: _Errors) -> None:
    """Poll a condition of the window (its slots run as tasks nobody here can await)."""
    deadline = time.monotonic() + STEP_TIMEOUT_S
    while not done():
        if errors.seen:
            raise StepFailed(f"{what}: {errors.seen[0]}")
        if time.monotonic() > deadline:
            raise StepFailed(f"{what}: no result after {STEP_TIMEOUT_S:.0f} s")
        await asyncio.sleep(0.02)


async def _steps(window: MainWindow, address: str, query: str, report: dict, errors: _Errors) -> None:
    user = os.environ.get(USER_ENV, "")
    password = os.environ.pop(PASSWORD_ENV, "")
    if not (user and password):
        raise StepFailed(f"set {USER_ENV} and {PASSWORD_ENV}")
    report["phone"] = dataclasses.asdict(locate(SAMPLE_PHONE))
    started = time.monotonic()
    overlay = window.sign_in_overlay
    window.show_sign_in(address, user)
    overlay.password.setText(password)
    overlay.button.click()
    await _until("sign-in", lambda: (window.seat_session is not None and overlay.isHidden())
                 or not overlay.error.isHidden(), errors)
    overlay.password.clear()
    if window.seat_session is None:
        raise StepFailed(f"sign-in: {overlay.error.text()}")
    seat = window.seat_session
    report["signed_in"] = seat.client.session.user.get("username") if seat.client.session else None
    report["keyring"] = window.credentials.available
    report["token_kept"] = window.credentials.load(address, user) is not None  # in the keyring, if any
    report["sign_in_s"] = round(time.monotonic() - started, 2)

    # The entry reaches a new cache only by a sync, and the pane searches again after each sync: the
    # typed query finds it whether the first sync ended before or after the typing.
    pane = window.knowledge
    synced: list[int] = []
    on_synced = synced.append
    searches: list[tuple[str, int]] = []

    def on_searched(text: str, count: int) -> None:
        searches.append((text, count))
    seat.sync.synced.connect(on_synced)
    pane.searched.connect(on_searched)
    try:
        pane.search_edit.setText(query)  # as typed; the pane searches when the typing pauses
        await _until(f"first sync and knowledge search ({query!r} not found)",
                     lambda: any(text == query and count for text, count in searches), errors)
    finally:
        pane.searched.disconnect(on_searched)
        seat.sync.synced.disconnect(on_synced)
    report["synced_cursor"] = synced[0] if synced else None  # None: it came before the listener
    report["found_s"] = round(time.monotonic() - started, 2)
    report["kb_hits"] = next(count for text, count in reversed(searches) if text == query)
    first = pane.model.hit(0)
    report["kb_first"] = first.title if first is not None else None
    report["search_ms"] = round(pane.last_search_ms, 1)


async def run(window: MainWindow, address: str, query: str) -> int:
    """Run the steps on the shown window, print the report, close everything; the exit code."""
    report: dict = {"ok": False, "frozen": bool(getattr(sys, "frozen", False)), "title": window.windowTitle()}
    passed = False
    with _Errors() as errors:
        try:
            await _steps(window, address, query, report, errors)
            passed = True
        except StepFailed as exc:
            report["failed"] = str(exc)
        finally:
            await window.shutdown()
            if window.client is not None:
                await window.client.close()
            window.close()
    report["errors"] = errors.seen  # during shutdown too
    report["ok"] = passed and not errors.seen
    print(json.dumps(report, ensure_ascii=False), flush=True)
    return 0 if report["ok"] else 1
