"""The audit page against the real platform: an administrator finds who read a caller's record, by
the caller's number and by user, from the keyboard; a number that is not one is said, nothing asked;
nothing of the audit is kept on the seat."""
from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from PySide6.QtCore import Qt

from domain.roles import Page, pages_for
from offline_cache import lists
from tests.ui.conftest import DEMO_PASSWORD, run_async
from ui.audit_page import AuditModel, AuditPage
from workstation.demo import DemoPlatform
from workstation.platform_client import PlatformClient
from workstation.session import SeatSession

CALLER = "13977776666"


@pytest.fixture
def admin_seat(qtbot: Any, qloop: Any, demo_platform: DemoPlatform, data_home: Path) -> Iterator[SeatSession]:
    client = PlatformClient(demo_platform.url)
    run_async(qtbot, client.sign_in("admin", DEMO_PASSWORD, "ADMIN-1"))
    session = run_async(qtbot, SeatSession.open(client, "ADMIN-1", data_home))
    yield session
    run_async(qtbot, session.close())
    run_async(qtbot, client.close())


def _open(qtbot: Any, seat: SeatSession) -> AuditPage:
    page = AuditPage()
    qtbot.addWidget(page)
    page.resize(1100, 700)
    page.show()
    with qtbot.waitActive(page):
        page.activateWindow()
    page.set_session(seat)
    return page


def _rows(page: AuditPage) -> list[tuple[str, str, str, str]]:
    m = page.model
    return [tuple(m.data(m.index(r, c)) for c in (AuditModel.USER, AuditModel.SEAT, AuditModel.ACTION,
                                                  AuditModel.RECORD)) for r in range(m.rowCount())]


def test_an_administrator_finds_who_read_a_callers_record_by_keyboard(
        qtbot: Any, admin_seat: SeatSession, platform_api: Callable[..., httpx.Client]) -> None:
    assert Page.audit in pages_for("admin") and Page.audit not in pages_for("team_lead")
    assert platform_api("agent2").get(f"/api/v1/callers/{CALLER}").status_code == 200
    page = _open(qtbot, admin_seat)
    qtbot.waitUntil(lambda: page.model.rowCount() > 0, timeout=20_000)  # the newest events of the week

    page.caller_edit.setFocus()
    qtbot.keyClicks(page.caller_edit, "139-7777-6666")
    qtbot.keyClick(page.caller_edit, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: bool(_rows(page)) and all(r[3].endswith(CALLER) for r in _rows(page)), timeout=20_000)
    assert ("agent2", "unknown", "查看", f"来电人 {CALLER}") in _rows(page)  # the API client named no seat

    page.user_edit.setFocus()
    qtbot.keyClicks(page.user_edit, "nobody-here")
    qtbot.keyClick(page.user_edit, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: page.model.rowCount() == 0, timeout=20_000)

    page.caller_edit.clear()
    qtbot.keyClicks(page.caller_edit, "12ab")
    qtbot.keyClick(page.caller_edit, Qt.Key.Key_Return)
    assert "12ab" in page.error_label.text()
    assert lists.load(admin_seat.store, "audit") is None  # who read what is not kept on the seat
