"""The knowledge-base pane driven like an agent would: typing, arrow keys, Enter, shortcuts, against
the real platform on loopback (entries imported by the admin, brought in by the seat's sync)."""
from __future__ import annotations

import json
import sqlite3
import uuid
from collections.abc import Callable
from typing import Any

import httpx
import pytest
from PySide6.QtCore import QCoreApplication, Qt
from PySide6.QtGui import QInputMethodEvent
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QWidget

from offline_cache import kb_index
from offline_cache.kb_index import KbHit
from tests.ui.conftest import run_async
from ui.kb_pane import KbHitModel, KnowledgePane, snippet_html
from workstation.demo import DemoPlatform
from workstation.session import SeatSession

SUFFIX = uuid.uuid4().hex[:10]  # the platform is shared by the whole test session
CATEGORY = ["住房与物业", "住房公积金", "提取"]


def _entry(key: str, title: str, answer: str, **extra: Any) -> dict:
    return {"id": f"kbt-{key}-{SUFFIX}", "title": title, "answer": answer, "category_path": CATEGORY,
            "source_department": "市住房公积金管理中心", "policy_basis": "《住房公积金管理条例》第二十四条",
            "keywords": [], "valid_from": "2024-01-01", "valid_to": None, "version": 1, "status": "published",
            **extra}


ENTRIES = [
    _entry("withdraw", "住房公积金提取需要哪些材料？", "您好，提取住房公积金需要身份证、银行卡和购房合同。",
           keywords=["公积金提取"], version=3),
    _entry("loan", "公积金贷款额度怎么计算？", "您好，公积金贷款额度按缴存余额的倍数计算，最高80万元。"),
    _entry("transfer", "异地转移住房公积金怎么办？", "您好，可以在转入地通过全国住房公积金小程序申请转移。"),
    _entry("old", "公积金缴存基数调整（2023年度）", "您好，2023年度住房公积金缴存基数已于7月1日调整。",
           valid_from="2023-07-01", valid_to="2024-06-30"),
    _entry("medical", "医疗保险报销比例是多少？", "您好，职工医疗保险住院报销比例为85%。",
           category_path=["社会保障", "医疗保险", "待遇"], source_department="市医疗保障局"),
    _entry("residence", "办理居住证需要什么材料？", "您好，办理居住证需要身份证、居住证明和照片。",
           category_path=["公安", "户籍", "居住证"], source_department="市公安局"),
]
ID = {e["id"].split("-")[1]: e["id"] for e in ENTRIES}
HOUSING_FUND = {ID["withdraw"], ID["loan"], ID["transfer"], ID["old"]}


def _tr(source: str) -> str:
    """What the pane shows for `source`, whether or not the zh_CN translation has it yet."""
    return QCoreApplication.translate("KnowledgePane", source)


@pytest.fixture(scope="module")
def kb_imported(platform_api: Callable[[str], httpx.Client]) -> None:
    lines = "\n".join(json.dumps(e, ensure_ascii=False) for e in ENTRIES)
    r = platform_api("admin").post("/api/v1/kb/import", content=lines.encode())
    assert r.status_code == 200, r.text


@pytest.fixture
def pane(qtbot: Any, seat: SeatSession, kb_imported: None) -> KnowledgePane:
    run_async(qtbot, seat.sync.download_all())
    assert kb_index.get_entry(seat.store.conn, ID["withdraw"]) is not None
    widget = KnowledgePane()
    qtbot.addWidget(widget)
    widget.resize(420, 720)
    widget.show()
    with qtbot.waitActive(widget):
        widget.activateWindow()  # shortcuts need an active window
    widget.set_session(seat)
    return widget


def _ids(pane: KnowledgePane) -> list[str]:
    return [pane.model.index(r).data(KbHitModel.IdRole) for r in range(pane.model.rowCount())]


def _mine(pane: KnowledgePane) -> list[str]:
    mine = set(ID.values())
    return [i for i in _ids(pane) if i in mine]


def _type(widget: QWidget, text: str) -> None:
    """Type like a Chinese input method: each character committed by its own input-method event.
    (QTest.keyClicks maps characters to keys and asserts on anything outside ASCII.)"""
    for char in text:
        if char.isascii():
            QTest.keyClicks(widget, char)
            continue
        event = QInputMethodEvent()
        event.setCommitString(char)
        QApplication.sendEvent(widget, event)


def _search(qtbot: Any, pane: KnowledgePane, text: str) -> None:
    qtbot.keyClick(pane, Qt.Key.Key_K, Qt.KeyboardModifier.ControlModifier)
    assert pane.search_edit.hasFocus()
    pane.search_edit.clear()
    with qtbot.waitSignal(pane.searched, timeout=5_000, check_params_cb=lambda q, _n: q == text):
        _type(pane.search_edit, text)


def test_typing_lists_entries_pinyin_finds_the_same_expired_last(qtbot: Any, pane: KnowledgePane) -> None:
    pane.search_edit.setFocus()
    _type(pane.search_edit, "公积金")
    qtbot.waitUntil(lambda: set(_mine(pane)) == HOUSING_FUND, timeout=5_000)
    by_chars = _mine(pane)
    assert by_chars[-1] == ID["old"]  # expired entries come last
    expired = [pane.model.index(r).data(KbHitModel.ExpiredRole) for r in range(pane.model.rowCount())]
    assert expired == sorted(expired) and expired[_ids(pane).index(ID["old"])] is True
    assert not any(pane.model.index(r).data(KbHitModel.ExpiredRole)
                   for r in range(pane.model.rowCount()) if _ids(pane)[r] in HOUSING_FUND - {ID["old"]})
    assert "\x02公积金\x03" in pane.model.index(_ids(pane).index(ID["loan"])).data(KbHitModel.SnippetRole)

    qtbot.keyClick(pane.search_edit, Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)
    qtbot.keyClicks(pane.search_edit, "gjj")
    qtbot.waitUntil(lambda: pane.search_edit.text() == "gjj" and set(_mine(pane)) == HOUSING_FUND, timeout=5_000)
    assert _mine(pane)[-1] == ID["old"]


def test_down_enter_shows_the_entry_and_insert_emits_the_answer(qtbot: Any, pane: KnowledgePane) -> None:
    _search(qtbot, pane, "住房公积金提取")
    assert _ids(pane)[0] == ID["withdraw"]
    assert not pane.insert_action.isEnabled()
    qtbot.keyClick(pane.search_edit, Qt.Key.Key_Down)
    assert pane.results.currentIndex().row() == 0
    with qtbot.waitSignal(pane.entry_opened) as opened:
        qtbot.keyClick(pane.search_edit, Qt.Key.Key_Return)
    assert opened.args == [ID["withdraw"]]
    detail = pane.detail.toPlainText()
    for text in ("住房公积金提取需要哪些材料？", ENTRIES[0]["answer"], "住房与物业 › 住房公积金 › 提取",
                 "市住房公积金管理中心", "《住房公积金管理条例》第二十四条", "2024-01-01", "3"):
        assert text in detail
    assert pane.search_edit.hasFocus()  # the agent can go on typing

    with qtbot.waitSignal(pane.insert_answer) as inserted:
        qtbot.keyClick(pane.search_edit, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    assert inserted.args == [ENTRIES[0]["answer"]]
    with qtbot.waitSignal(pane.insert_answer) as inserted:
        qtbot.keyClick(pane.detail, Qt.Key.Key_I, Qt.KeyboardModifier.AltModifier)
    assert inserted.args == [ENTRIES[0]["answer"]]
    with qtbot.waitSignal(pane.insert_answer) as inserted:
        qtbot.mouseClick(pane.insert_button, Qt.MouseButton.LeftButton)
    assert inserted.args == [ENTRIES[0]["answer"]]


def test_expired_entry_detail_warns(qtbot: Any, pane: KnowledgePane) -> None:
    _search(qtbot, pane, "缴存基数调整")
    pane.open_entry(ID["old"])
    warning = _tr("Expired on {date}: check the current policy before using this answer.").format(date="2024-06-30")
    assert warning in pane.detail.toPlainText()


def test_report_an_error_reaches_the_platform(qtbot: Any, pane: KnowledgePane, seat: SeatSession,
                                              demo_platform: DemoPlatform) -> None:
    _search(qtbot, pane, "公积金贷款")
    qtbot.keyClick(pane.search_edit, Qt.Key.Key_Return)  # no row chosen: Enter opens the first
    assert pane.current_entry["id"] == ID["loan"]
    assert not pane.report_box.isVisible()
    qtbot.keyClick(pane.search_edit, Qt.Key.Key_E, Qt.KeyboardModifier.AltModifier)
    assert pane.report_box.isVisible() and pane.comment.hasFocus()
    assert pane.comment.objectName() == "kbReportComment"

    qtbot.keyClick(pane.comment, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)  # empty: refused
    assert pane.report_error.text() == _tr("Write what is wrong first.")
    comment = f"贷款额度上限已调整为100万元 {SUFFIX}"
    _type(pane.comment, comment)
    with qtbot.waitSignal(pane.correction_recorded) as recorded:
        qtbot.keyClick(pane.comment, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: pane.notice.text() == _tr("Correction submitted"))
    assert not pane.report_box.isVisible() and pane.comment.toPlainText() == ""

    run_async(qtbot, seat.sync.upload_all())
    assert seat.store.outbox_size() == 0
    assert seat.store.rejections() == []
    with sqlite3.connect(demo_platform.db_path) as db:
        row = db.execute("SELECT entry_id, entry_version, comment, reported_by FROM kb_corrections WHERE id = ?",
                         (recorded.args[0],)).fetchone()
    assert row == (ID["loan"], 1, comment, "agent")


def test_escape_cancels_the_report_box(qtbot: Any, pane: KnowledgePane) -> None:
    _search(qtbot, pane, "居住证")
    qtbot.keyClick(pane.search_edit, Qt.Key.Key_Return)
    qtbot.mouseClick(pane.report_button, Qt.MouseButton.LeftButton)
    _type(pane.comment, "不发送")
    qtbot.keyClick(pane.comment, Qt.Key.Key_Escape)
    assert not pane.report_box.isVisible() and pane.search_edit.hasFocus()


def test_empty_states(qtbot: Any, pane: KnowledgePane) -> None:
    query = "嚚嚚嚚嚚"
    _search(qtbot, pane, query)
    assert pane.model.rowCount() == 0
    assert pane.status.text() == _tr("No entries found for “{query}”.").format(query=query)
    pane.set_session(None)
    assert pane.status.text() == _tr("Signed out: sign in to search the knowledge base.")
    assert pane.model.rowCount() == 0 and not pane.search_edit.isEnabled()
    assert not pane.insert_action.isEnabled() and not pane.report_action.isEnabled()


def test_ctrl_k_focuses_the_search_box(qtbot: Any, pane: KnowledgePane) -> None:
    pane.detail.setFocus()
    qtbot.keyClick(pane.detail, Qt.Key.Key_K, Qt.KeyboardModifier.ControlModifier)
    assert pane.search_edit.hasFocus()
    assert "Ctrl+K" in pane.focus_action.toolTip()
    assert all(not a.shortcut().isEmpty() for a in pane.actions_for_help)


def test_a_typing_burst_runs_only_the_last_search(qtbot: Any, pane: KnowledgePane,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[str] = []
    search = kb_index.search

    def counting(conn: sqlite3.Connection, query: str, **kwargs: Any) -> list[KbHit]:
        calls.append(query)
        return search(conn, query, **kwargs)

    monkeypatch.setattr(kb_index, "search", counting)
    text = "住房公积金提取"
    with qtbot.waitSignal(pane.searched, timeout=5_000, check_params_cb=lambda q, _n: q == text):
        for char in text:
            _type(pane.search_edit, char)
            QApplication.processEvents()  # a keystroke's events run, the search timer has not fired
            assert pane._timer.isActive()
    assert set(calls) == {text}
    assert _ids(pane)[0] == ID["withdraw"]


def _hit(key: str, expired: bool = False) -> KbHit:
    return KbHit(id=key, title=f"{key} 公积金", snippet="提取\x02公积金\x03<b>", expired=expired, score=1.0,
                 category_path=CATEGORY)


def test_results_model(qtmodeltester: Any) -> None:
    model = KbHitModel()
    qtmodeltester.check(model)
    model.set_hits([_hit("a"), _hit("b"), _hit("c", expired=True)])
    qtmodeltester.check(model)
    assert model.index(2).data(KbHitModel.ExpiredRole) is True
    assert model.index(0).data(Qt.ItemDataRole.DisplayRole) == "a 公积金"
    model.set_hits([_hit("b")])
    assert model.rowCount() == 1 and model.row_of("b") == 0 and model.row_of("a") == -1


def test_snippet_html_escapes_text_and_marks_matches() -> None:
    html = snippet_html("a<b>\x02公积金\x03&\x02x")
    assert html.startswith("a&lt;b&gt;<b style=") and "公积金</b>&amp;" in html and html.endswith("x</b>")




def test_the_entry_shown_follows_the_selection_and_a_new_search_clears_it(qtbot: Any, pane: KnowledgePane) -> None:
    _search(qtbot, pane, "公积金")
    assert pane.current_entry is None and not pane.insert_action.isEnabled()
    qtbot.keyClick(pane.search_edit, Qt.Key.Key_Down)
    first = _ids(pane)[0]
    assert pane.current_entry["id"] == first  # the arrow keys alone show the entry
    qtbot.keyClick(pane.search_edit, Qt.Key.Key_Down)
    second = _ids(pane)[1]
    assert pane.current_entry["id"] == second and pane.results.currentIndex().row() == 1
    with qtbot.waitSignal(pane.insert_answer) as inserted:
        qtbot.keyClick(pane.search_edit, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    assert inserted.args == [pane.current_entry["answer"]]  # the selected entry's, and it says which
    assert pane.current_entry["title"] in pane.notice.text()

    _search(qtbot, pane, "医保报销")  # a new search: the last entry is not shown, nothing is inserted
    assert second not in _ids(pane)
    assert pane.current_entry is None and not pane.insert_action.isEnabled()
    with qtbot.assertNotEmitted(pane.insert_answer):
        qtbot.keyClick(pane.search_edit, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    pane.reset()  # a new caller
    assert pane.search_edit.text() == "" and pane.model.rowCount() == 0 and pane.current_entry is None


def test_alt_v_shows_the_previous_version_of_the_entry(qtbot: Any, pane: KnowledgePane, seat: SeatSession,
                                                      platform_api: Callable[[str], httpx.Client]) -> None:
    first = _entry("versioned", "公积金贷款首付比例", "您好，首套房首付比例不低于20%。")
    second = {**first, "answer": "您好，首套房首付比例不低于15%。"}
    for version in (first, second):
        r = platform_api("admin").post("/api/v1/kb/import", content=json.dumps(version, ensure_ascii=False).encode())
        assert r.status_code == 200, r.text
    run_async(qtbot, seat.sync.download_all())
    _search(qtbot, pane, "首付比例")
    qtbot.waitUntil(lambda: first["id"] in _ids(pane), timeout=5_000)
    pane.results.setFocus()
    pane.results.setCurrentIndex(pane.model.index(_ids(pane).index(first["id"])))
    qtbot.waitUntil(lambda: pane.current_entry is not None and pane.current_entry["id"] == first["id"])
    assert pane.current_entry["version"] == 2 and pane.previous_action.isEnabled()
    qtbot.keyClick(pane.results, Qt.Key.Key_V, Qt.KeyboardModifier.AltModifier)
    qtbot.waitUntil(lambda: "不低于20%" in pane.detail.toPlainText(), timeout=10_000)
    assert "不低于15%" in pane.detail.toPlainText()  # the current answer stays above it
    assert "admin" in pane.detail.toPlainText()


def test_a_departments_new_answer_is_announced_first_in_the_empty_search_until_read(
        qtbot: Any, pane: KnowledgePane, seat: SeatSession, platform_api: Callable[[str], httpx.Client]) -> None:
    unit = platform_api("unit_d01")
    units = unit.get("/api/v1/snapshot/handling_unit", params={"limit": 5000}).json()["items"]
    own = next(u["name"] for u in units if u["id"] == "D01")
    entry = _entry("announced", "老旧小区加装电梯补贴标准", "您好，每台电梯补贴20万元。", source_department=own,
                   category_path=["住房与物业", "物业管理", "电梯安全"])
    r = unit.put(f"/api/v1/kb/entries/{entry['id']}", content=json.dumps(entry, ensure_ascii=False).encode(),
                 headers={"Content-Type": "application/json"})
    assert r.status_code == 200, r.text
    _search(qtbot, pane, "公积金")  # the agent is searching when the sync brings the announcement
    with qtbot.waitSignal(pane.notices_changed, check_params_cb=lambda unseen: unseen >= 1, timeout=10_000):
        run_async(qtbot, seat.sync.download_all())
    assert entry["id"] not in _ids(pane)  # the search shown stays
    qtbot.keyClick(pane.search_edit, Qt.Key.Key_K, Qt.KeyboardModifier.AltModifier)
    assert pane.search_edit.text() == "" and pane.search_edit.hasFocus()
    assert _ids(pane)[0] == entry["id"]  # newest first
    snippet = pane.model.index(0).data(KbHitModel.SnippetRole)
    assert _tr("New answer") in snippet and own in snippet and kb_index.MARK_START in snippet  # not read yet
    assert seat.knowledge.notices()[0]["unseen"]
    with qtbot.waitSignal(pane.notices_changed, check_params_cb=lambda unseen: unseen == 0):
        qtbot.keyClick(pane.search_edit, Qt.Key.Key_Down)  # the agent reads it
    assert pane.current_entry is not None and pane.current_entry["id"] == entry["id"]
    qtbot.waitUntil(lambda: not any(n["unseen"] for n in seat.knowledge.notices()))  # kept in the cache
    qtbot.keyClick(pane.search_edit, Qt.Key.Key_K, Qt.KeyboardModifier.AltModifier)
    assert _ids(pane)[0] == entry["id"] and kb_index.MARK_START not in pane.model.index(0).data(KbHitModel.SnippetRole)
