"""The knowledge editor's page, by keyboard against the real platform (issue 14): a proposed answer
accepted becomes the entry's new version; a report rejected with its reason reaches the
reporter's own list; a rejection without a reason is not sent."""
from __future__ import annotations

import json
import logging
import uuid
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from tests.ui.test_order_form import _type
from tests.ui.test_workstation_flows import close_window, open_window
from workstation.demo import DemoPlatform

CTRL = Qt.KeyboardModifier.ControlModifier


def _entry(key: str) -> dict:
    return {"id": key, "title": f"居住证续签材料{key[-4:]}", "answer": "身份证和居住证。", "category_path": ["公安与户政"],
            "source_department": "市公安局", "policy_basis": "", "keywords": [], "valid_from": "2024-01-01",
            "valid_to": None, "version": 1, "status": "published"}


def _report(api, entry_id: str, comment: str, proposed: str = "") -> str:  # noqa: ANN001
    r = api.post("/api/v1/mutations", json={
        "id": str(uuid.uuid4()), "entity": "kb_correction", "op": "create",
        "payload": {"entry_id": entry_id, "comment": comment, **({"proposed_answer": proposed} if proposed else {})}})
    assert r.status_code == 200, r.text
    return r.json()["data"]["id"]


def test_an_editor_accepts_a_proposal_and_rejects_a_report_with_its_reason(
        qtbot: Any, qloop: Any, demo_platform: DemoPlatform, platform_api, settings_path: Path,
        caplog: pytest.LogCaptureFixture) -> None:
    key = f"review-{uuid.uuid4().hex[:8]}"
    platform_api("admin").post("/api/v1/kb/import", content=json.dumps(_entry(key), ensure_ascii=False).encode()
                               ).raise_for_status()
    proposal = _report(platform_api("expert"), key, "材料有变化", proposed="身份证、居住证和近期照片。")
    report = _report(platform_api("agent"), key, "好像还要社保证明")
    window = open_window(qtbot, demo_platform.url, "editor", "K-09")
    try:
        page = window.kb_review
        assert window.pages.isTabVisible(window.pages.indexOf(page))
        assert not window.pages.isTabVisible(window.pages.indexOf(window.my_orders))  # an editor takes no calls
        # nor requests: no desk, no agent state nor call commands; the editor's page is the first
        assert not window.pages.isTabVisible(window.pages.indexOf(window.splitter))
        assert window.pages.currentWidget() is page
        assert not window.call_bar.ready_action.isVisible() and not window.call_bar.ready_action.isEnabled()
        assert not window.call_bar.widget_action(window.call_bar.call_label).isVisible()
        assert window.call_bar.widget_action(window.call_bar.link).isVisible()  # the link to the platform stays
        qtbot.keyClick(window, Qt.Key.Key_1, CTRL)
        qtbot.waitUntil(lambda: {proposal, report} <= {str(page.model.item(r)["id"])
                                                       for r in range(page.model.rowCount())}, timeout=20_000)
        row = next(r for r in range(page.model.rowCount()) if page.model.item(r)["id"] == proposal)
        page.table.setFocus()
        page.table.selectRow(row)
        assert "身份证和居住证。" in page.current.toPlainText()  # the entry as the seats have it, beside
        assert "近期照片" in page.proposed.toPlainText()
        qtbot.keyClick(page.table, Qt.Key.Key_A)
        assert QApplication.focusWidget() is page.answer_edit
        assert page.answer_edit.toPlainText() == "身份证、居住证和近期照片。"
        qtbot.keyClick(page.answer_edit, Qt.Key.Key_Return, CTRL)
        qtbot.waitUntil(lambda: window.seat_session.store.outbox_size() == 0 and bool(page.last_decision), timeout=20_000)
        entry = platform_api("agent").get(f"/api/v1/kb/entries/{key}").json()
        assert (entry["version"], entry["answer"]) == (2, "身份证、居住证和近期照片。")

        row = next(r for r in range(page.model.rowCount()) if page.model.item(r)["id"] == report)
        page.table.setFocus()
        page.table.selectRow(row)
        qtbot.keyClick(page.table, Qt.Key.Key_R)
        assert QApplication.focusWidget() is page.note_edit
        qtbot.keyClick(page.note_edit, Qt.Key.Key_Return, CTRL)
        assert "reason" in page.error_label.text() or "原因" in page.error_label.text()  # nothing sent
        _type(page.note_edit, "社保证明不需要，见新版口径")
        qtbot.keyClick(page.note_edit, Qt.Key.Key_Return, CTRL)
        qtbot.waitUntil(lambda: window.seat_session.store.outbox_size() == 0, timeout=20_000)
        qtbot.waitUntil(lambda: any(m["id"] == report and m["status"] == "rejected" for m in platform_api("agent").get(
            "/api/v1/kb/corrections/mine").json()["items"]), timeout=20_000)
        mine = next(m for m in platform_api("agent").get("/api/v1/kb/corrections/mine").json()["items"]
                    if m["id"] == report)
        assert (mine["decision_note"], mine["decided_by"]) == ("社保证明不需要，见新版口径", "editor")
        # the window asked the platform nothing the editor's role may not read
        assert not [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING and " 403 " in r.getMessage()]
    finally:
        close_window(qtbot, window)


def test_the_reporter_reads_the_editors_decision_on_their_own_page(
        qtbot: Any, qloop: Any, demo_platform: DemoPlatform, platform_api, settings_path: Path) -> None:
    key = f"review-{uuid.uuid4().hex[:8]}"
    platform_api("admin").post("/api/v1/kb/import", content=json.dumps(_entry(key), ensure_ascii=False).encode()
                               ).raise_for_status()
    report = _report(platform_api("agent2"), key, "窗口地址已经搬迁")
    r = platform_api("editor").post("/api/v1/mutations", json={
        "id": str(uuid.uuid4()), "entity": "kb_correction", "op": "decide", "entity_id": report,
        "payload": {"decision": "reject", "note": "新地址已在条目第二段"}})
    assert r.status_code == 200, r.text
    window = open_window(qtbot, demo_platform.url, "agent2", "K-10")
    try:
        page = window.my_kb_reports
        visible = [i for i in range(window.pages.count()) if window.pages.isTabVisible(i)]
        number = visible.index(window.pages.indexOf(page)) + 1
        qtbot.keyClick(window, getattr(Qt.Key, f"Key_{number}"), CTRL)
        assert window.pages.currentWidget() is page
        qtbot.waitUntil(lambda: any(page.model.item(r)["id"] == report for r in range(page.model.rowCount())),
                        timeout=20_000)
        row = next(r for r in range(page.model.rowCount()) if page.model.item(r)["id"] == report)
        page.table.setFocus()
        page.table.selectRow(row)
        assert page.model.index(row, page.model.OUTCOME).data() == "已驳回"
        assert "新地址已在条目第二段" in page.detail.text() and "editor" in page.detail.text()
    finally:
        close_window(qtbot, window)
