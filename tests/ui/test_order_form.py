"""The work-order form driven like an agent would: typing, arrow keys, shortcuts and clicks, against
a signed-in seat of the real platform on loopback."""
from __future__ import annotations

import random
import re
from collections.abc import Callable
from typing import Any, TypeVar

import httpx
import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QInputMethodEvent
from PySide6.QtWidgets import QApplication, QComboBox, QLabel, QLineEdit, QPlainTextEdit, QToolButton, QWidget

from domain import clock
from domain.calendar import WorkCalendar
from domain.intake import NotAcceptedReason
from domain.workorder import Urgency
from offline_cache import workorders
from tests.ui.conftest import run_async
from ui.category_picker import CategoryPathModel
from ui.order_form import WorkOrderForm
from workstation.session import SeatSession

W = TypeVar("W", bound=QWidget)
CTRL_SHIFT = Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier
FUND_LEAVES = ["缴存", "提取", "贷款", "转移接续", "灵活就业缴存"]
WITHDRAWAL = "住房与物业 / 住房公积金 / 提取"
FUND_CENTRE = "市住房公积金管理中心"


def _phone() -> str:
    return f"139{random.randrange(10**8):08d}"


def _w(form: WorkOrderForm, kind: type[W], name: str) -> W:
    widget = form.findChild(kind, name)
    assert widget is not None, name
    return widget


def _unit_id(seat: SeatSession, name: str) -> str:
    return seat.store.conn.execute("SELECT id FROM handling_units WHERE name = ?", (name,)).fetchone()[0]


def _outbox_sizes(seat: SeatSession) -> list[int]:
    sizes: list[int] = []
    seat.sync.outbox_changed.connect(sizes.append)
    return sizes


def _platform_orders(platform_api: Callable[[str], httpx.Client], phone: str) -> list[dict]:
    answer = platform_api("agent").get("/api/v1/work-orders", params={"phone": phone})
    answer.raise_for_status()
    return answer.json()["items"]


@pytest.fixture
def form(qtbot: Any, seat: SeatSession) -> WorkOrderForm:
    form = WorkOrderForm()
    qtbot.addWidget(form)
    form.resize(620, 1000)
    form.set_session(seat)
    form.show()
    form.activateWindow()
    qtbot.waitActive(form)
    qtbot.waitUntil(lambda: _w(form, QLabel, "formDeadline").text() != "")  # the calendar loads off-thread
    yield form
    form.set_session(None)


def _type(widget: QWidget, text: str) -> None:
    """Chinese as an input method delivers it: a committed string (QTest's key clicks are ASCII only)."""
    widget.setFocus()
    event = QInputMethodEvent("", [])
    event.setCommitString(text)
    QApplication.sendEvent(widget, event)


def _pick_category(qtbot: Any, form: WorkOrderForm, typed: str, path: str) -> None:
    _type(_w(form, QLineEdit, "formCategory"), typed)
    popup = form.category_completer.popup()
    qtbot.waitUntil(popup.isVisible)
    offered = form.category_completer.completionModel()
    rows = [offered.index(i, 0).data() for i in range(offered.rowCount())]
    for _ in range(rows.index(path)):  # the first match starts out current
        qtbot.keyClick(popup, Qt.Key.Key_Down)
    qtbot.keyClick(popup, Qt.Key.Key_Return)
    # The closed popup hands the focus back through a posted event; an agent's next key comes
    # after it, and so must the test's.
    QApplication.processEvents()


def _fill(qtbot: Any, form: WorkOrderForm, phone: str, *, title: str = "咨询公积金提取条件") -> None:
    """What every intake action needs: phone, type, category, title, content."""
    qtbot.keyClicks(_w(form, QLineEdit, "formPhone"), phone)
    kind = _w(form, QComboBox, "formType")
    kind.setFocus()
    qtbot.keyClick(kind, Qt.Key.Key_Down)  # from the placeholder to the first type, 咨询
    _pick_category(qtbot, form, "公积金", WITHDRAWAL)
    if title:
        _type(_w(form, QLineEdit, "formTitle"), title)
    _type(_w(form, QPlainTextEdit, "formContent"), "来电人询问租房提取住房公积金需要哪些材料。")


def _shortcut(qtbot: Any, form: WorkOrderForm, key: Qt.Key) -> None:
    qtbot.keyClick(_w(form, QLineEdit, "formTitle"), key, CTRL_SHIFT)


def test_typing_narrows_categories_and_suggests_the_unit(qtbot: Any, form: WorkOrderForm, seat: SeatSession,
                                                        qtmodeltester: Any) -> None:
    qtmodeltester.check(form.category_model)
    _type(_w(form, QLineEdit, "formCategory"), "公积金")
    qtbot.waitUntil(form.category_completer.popup().isVisible)
    offered = form.category_completer.completionModel()
    assert [offered.index(i, 0).data() for i in range(offered.rowCount())] == \
        [f"住房与物业 / 住房公积金 / {leaf}" for leaf in FUND_LEAVES]
    qtmodeltester.check(form.category_proxy)

    popup = form.category_completer.popup()
    qtbot.keyClick(popup, Qt.Key.Key_Down)
    qtbot.keyClick(popup, Qt.Key.Key_Return)
    assert _w(form, QLineEdit, "formCategory").text() == WITHDRAWAL
    assert form.to_draft()["category_id"] == form.category_model.id_for_text(WITHDRAWAL)
    unit = _w(form, QComboBox, "formUnit")
    assert FUND_CENTRE in unit.currentText()
    assert unit.currentData() == _unit_id(seat, FUND_CENTRE)
    assert unit.count() > 30  # every unit stays selectable


def test_deadline_shows_the_date_in_working_days(qtbot: Any, form: WorkOrderForm) -> None:
    label = _w(form, QLabel, "formDeadline")
    due = WorkCalendar.from_library().deadline_for(clock.now(), Urgency.normal, 15).due
    assert due.strftime("%Y-%m-%d") in label.text()
    assert re.search(r"\d{4}-\d{2}-\d{2}", label.text())
    urgency = _w(form, QComboBox, "formUrgency")
    urgency.setFocus()
    qtbot.keyClick(urgency, Qt.Key.Key_Down)
    assert urgency.currentData() == "urgent"
    assert "24" in label.text()


def test_empty_title_is_marked_and_nothing_is_recorded(qtbot: Any, form: WorkOrderForm, seat: SeatSession) -> None:
    _fill(qtbot, form, _phone(), title="")
    _type(_w(form, QPlainTextEdit, "formReply"), "可携带租房合同办理提取。")
    with qtbot.assertNotEmitted(form.submitted, wait=300):
        _shortcut(qtbot, form, Qt.Key.Key_C)
        error = _w(form, QLabel, "formTitleError")
        qtbot.waitUntil(lambda: not error.isHidden())
    assert error.text() and error.isVisible()
    assert list(form.errors()) == ["formTitle"]
    assert form.focusWidget() is _w(form, QLineEdit, "formTitle")
    assert seat.store.outbox_size() == 0
    assert form.has_content()  # the form is kept as it was


def test_each_action_names_what_it_needs(qtbot: Any, form: WorkOrderForm, seat: SeatSession) -> None:
    qtbot.keyClicks(_w(form, QLineEdit, "formPhone"), "1391234")
    _shortcut(qtbot, form, Qt.Key.Key_T)
    qtbot.waitUntil(lambda: "formTransferTarget" in form.errors())
    assert set(form.errors()) == {"formPhone", "formType", "formCategory", "formTitle", "formContent",
                                  "formTransferTarget"}
    assert "7" in form.errors()["formPhone"]  # "7 digits: a mobile number has 11"
    _fill(qtbot, form, "")
    phone = _w(form, QLineEdit, "formPhone")
    phone.clear()
    qtbot.keyClicks(phone, _phone())
    for key, field in ((Qt.Key.Key_C, "formReply"), (Qt.Key.Key_R, "formRejectReason"),
                       (Qt.Key.Key_T, "formTransferTarget")):
        _shortcut(qtbot, form, key)
        qtbot.waitUntil(lambda f=field: list(form.errors()) == [f])
    assert seat.store.outbox_size() == 0


def test_close_at_intake_records_locally_and_reaches_the_platform(
        qtbot: Any, form: WorkOrderForm, seat: SeatSession, platform_api: Callable[[str], httpx.Client]) -> None:
    phone = _phone()
    sizes = _outbox_sizes(seat)
    _fill(qtbot, form, phone)
    _type(_w(form, QLineEdit, "formName"), "张先生")
    _type(_w(form, QPlainTextEdit, "formReply"), "租房提取需提供租赁合同和无房证明。")
    assert "Ctrl+Shift+C" in form.close_action.toolTip()
    with qtbot.waitSignal(form.submitted, timeout=10_000) as submitted:
        _shortcut(qtbot, form, Qt.Key.Key_C)
    number, op = submitted.args
    assert op == "close_at_intake"
    assert sizes and sizes[0] >= 1  # recorded in the outbox before any upload
    assert workorders.find(seat.store.conn, number) is not None
    assert not form.has_content() and _w(form, QLineEdit, "formTitle").text() == ""

    run_async(qtbot, seat.sync.upload_all())
    assert seat.store.outbox_size() == 0
    assert workorders.find(seat.store.conn, number)["status"] == "closed_at_intake"
    [order] = _platform_orders(platform_api, phone)
    assert order["status"] == "closed_at_intake"
    assert order["client_ref"] == number
    assert order["answer"] == "租房提取需提供租赁合同和无房证明。"
    assert order["requester_name"] == "张先生"
    assert order["request_type"] == "consultation"


def test_reject_shows_the_guidance(qtbot: Any, form: WorkOrderForm, seat: SeatSession,
                                   platform_api: Callable[[str], httpx.Client]) -> None:
    phone = _phone()
    _fill(qtbot, form, phone, title="要求起诉前房东")
    reason = _w(form, QComboBox, "formRejectReason")
    reason.setFocus()
    qtbot.keyClick(reason, Qt.Key.Key_Down)
    guidance = _w(form, QPlainTextEdit, "formGuidance")
    assert guidance.isVisible() and not guidance.isReadOnly()
    assert guidance.toPlainText() == NotAcceptedReason.litigation.guidance_zh
    with qtbot.waitSignal(form.submitted, timeout=10_000) as submitted:
        qtbot.mouseClick(_w(form, QToolButton, "formRejectButton"), Qt.MouseButton.LeftButton)
    assert submitted.args[1] == "reject_at_intake"
    assert guidance.isHidden()
    run_async(qtbot, seat.sync.upload_all())
    [order] = _platform_orders(platform_api, phone)
    assert (order["status"], order["reject_reason"]) == ("rejected_at_intake", "litigation")


def test_a_request_not_accepted_needs_its_reason_only_and_the_words_read_can_change(
        qtbot: Any, form: WorkOrderForm, seat: SeatSession, platform_api: Callable[[str], httpx.Client]) -> None:
    phone = _phone()
    form.set_caller(phone)
    reason = _w(form, QComboBox, "formRejectReason")
    reason.setFocus()
    qtbot.keyClick(reason, Qt.Key.Key_Down)
    qtbot.keyClick(reason, Qt.Key.Key_Down)  # 应通过仲裁解决
    guidance = _w(form, QPlainTextEdit, "formGuidance")
    qtbot.keyClick(reason, Qt.Key.Key_Tab)
    assert guidance.hasFocus()  # the words to read are the next stop
    guidance.moveCursor(guidance.textCursor().MoveOperation.End)
    _type(guidance, "您也可以先向所在街道的劳动保障所咨询。")
    with qtbot.waitSignal(form.submitted, timeout=10_000) as submitted:
        qtbot.keyClick(guidance, Qt.Key.Key_R, CTRL_SHIFT)
    assert submitted.args[1] == "reject_at_intake"
    assert form.errors() == {}
    run_async(qtbot, seat.sync.upload_all())
    [order] = _platform_orders(platform_api, phone)
    assert (order["status"], order["reject_reason"]) == ("rejected_at_intake", "arbitration")
    assert order["title"] == NotAcceptedReason.arbitration.title_zh and order["category_id"] == ""
    assert order["answer"] == NotAcceptedReason.arbitration.guidance_zh + "您也可以先向所在街道的劳动保障所咨询。"


def test_dispatch_names_assisting_units_and_the_time_limit_and_warns_of_a_unit_off_subject(
        qtbot: Any, form: WorkOrderForm, seat: SeatSession, platform_api: Callable[[str], httpx.Client]) -> None:
    phone = _phone()
    _fill(qtbot, form, phone, title="小区物业代收公积金材料")
    warning = _w(form, QLabel, "formUnitWarning")
    assert warning.isHidden()  # the suggested unit handles the category
    unit = _w(form, QComboBox, "formUnit")
    unit.setCurrentIndex(unit.findData(_unit_id(seat, "市税务局")))
    assert warning.isVisible() and "市税务局" in warning.text() and "提取" in warning.text()
    unit.setCurrentIndex(0)  # back to the suggestion
    assert warning.isHidden()

    assisting = _w(form, QLineEdit, "formAssisting")
    _type(assisting, "住房和城乡")
    popup = form.assisting_completer.popup()
    qtbot.waitUntil(popup.isVisible)
    qtbot.keyClick(popup, Qt.Key.Key_Return)
    assert assisting.text() == "市住房和城乡建设局、"
    _type(assisting, "东门")
    qtbot.waitUntil(popup.isVisible)
    qtbot.keyClick(popup, Qt.Key.Key_Return)
    assert assisting.text() == "市住房和城乡建设局、城东区 / 东门街道、"
    days = _w(form, QWidget, "formTimeLimit")
    days.setFocus()
    days.selectAll()
    qtbot.keyClicks(days, "10")
    _type(_w(form, QLineEdit, "formAddressDetail"), "幸福里小区3号楼2单元")
    due = WorkCalendar.from_library().deadline_for(clock.now(), Urgency.normal, 10).due
    assert due.strftime("%Y-%m-%d") in _w(form, QLabel, "formDeadline").text()
    with qtbot.waitSignal(form.submitted, timeout=10_000):
        qtbot.keyClick(days, Qt.Key.Key_D, CTRL_SHIFT)
    run_async(qtbot, seat.sync.upload_all())
    [order] = _platform_orders(platform_api, phone)
    assert order["status"] == "dispatched"
    assert order["assisting_unit_ids"] == [_unit_id(seat, "市住房和城乡建设局"), _unit_id(seat, "东门街道")]
    assert order["deadline"].startswith(due.strftime("%Y-%m-%d"))
    assert order["address_detail"] == "幸福里小区3号楼2单元"
    assert _w(form, QLineEdit, "formAddressDetail").text() == "幸福里小区3号楼2单元"  # the caller's, kept
    assert assisting.text() == "" and days.value() == 15  # the request's, cleared


def test_an_assisting_unit_must_be_a_unit_and_not_the_lead(qtbot: Any, form: WorkOrderForm,
                                                           seat: SeatSession) -> None:
    _fill(qtbot, form, _phone())
    assisting = _w(form, QLineEdit, "formAssisting")
    _type(assisting, "隔壁老王")
    qtbot.keyClick(assisting, Qt.Key.Key_D, CTRL_SHIFT)
    assert "隔壁老王" in form.errors()["formAssisting"]
    assisting.clear()
    _type(assisting, FUND_CENTRE)
    qtbot.keyClick(assisting, Qt.Key.Key_D, CTRL_SHIFT)
    assert form.errors().keys() == {"formAssisting"}


def test_dispatch_goes_to_the_suggested_unit(qtbot: Any, form: WorkOrderForm, seat: SeatSession,
                                             platform_api: Callable[[str], httpx.Client]) -> None:
    phone = _phone()
    _fill(qtbot, form, phone, title="公积金提取申请被退回")
    district = _w(form, QComboBox, "formDistrict")
    district.setFocus()
    qtbot.keyClick(district, Qt.Key.Key_Down)  # from "not given" to the first district
    street = _w(form, QComboBox, "formStreet")
    street.setFocus()
    qtbot.keyClick(street, Qt.Key.Key_Down)
    with qtbot.waitSignal(form.submitted, timeout=10_000) as submitted:
        qtbot.mouseClick(_w(form, QToolButton, "formDispatchButton"), Qt.MouseButton.LeftButton)
    assert submitted.args[1] == "dispatch"
    run_async(qtbot, seat.sync.upload_all())
    [order] = _platform_orders(platform_api, phone)
    assert order["status"] == "dispatched"
    assert order["handling_unit_id"] == _unit_id(seat, FUND_CENTRE)
    assert (order["address_district"], order["address_street"]) == ("城东区", "东门街道")
    assert order["deadline"]


def test_drafts_round_trip_every_field(qtbot: Any, form: WorkOrderForm, seat: SeatSession) -> None:
    draft = {
        "request_type": "complaint", "urgency": "urgent",
        "category_id": form.category_model.id_for_text(WITHDRAWAL), "title": "提取进度慢",
        "content": "申请提取已经一个月没有到账。", "caller_phone": "13912345678", "requester_name": "李女士",
        "confidential": True, "address_district": "城南区", "address_street": "石桥街道",
        "address_detail": "南湖花园7栋", "reply": "已记录，转交承办单位。", "handling_unit_id": _unit_id(seat, "市税务局"),
        "assisting_units": "市民政局、", "working_days": 20,
        "reject_reason": "petition", "guidance": "已进入信访渠道，请向信访部门查询。", "transfer_target_id": _unit_id(seat, "120 医疗急救"),
        "transfer_note": "来电人情绪激动", "transfer_three_way": True,
        "transferred_at": "2026-10-02T09:15:00+08:00", "transfer_call_id": "c-42",
    }
    assert set(draft) == set(form.to_draft())
    with qtbot.assertNotEmitted(form.changed):
        form.load_draft(draft)
    assert form.to_draft() == draft
    assert _w(form, QLineEdit, "formCategory").text() == WITHDRAWAL
    assert form.has_content()

    again = WorkOrderForm()
    qtbot.addWidget(again)
    again.set_session(seat)
    again.load_draft(form.to_draft())
    assert again.to_draft() == draft
    again.set_session(None)

    form.reset()
    assert not form.has_content()
    form.set_caller("13912345678", "李女士")
    assert not form.has_content()  # what the call brought is not the agent's typing
    with qtbot.waitSignal(form.changed):
        _type(_w(form, QLineEdit, "formTitle"), "新")
    assert form.has_content()
    with qtbot.waitSignal(form.changed):
        form.set_reply("知识库答案")
    assert _w(form, QPlainTextEdit, "formReply").toPlainText() == "知识库答案"


def test_actions_have_shortcuts_in_their_tooltips(form: WorkOrderForm) -> None:
    keys = [a.shortcut().toString() for a in form.actions_for_help]
    assert keys == ["Ctrl+Shift+C", "Ctrl+Shift+D", "Ctrl+Shift+R", "Ctrl+Shift+T", "Ctrl+Shift+M"]
    assert all(a.shortcut().toString() in a.toolTip() for a in form.actions_for_help)


def test_the_category_box_finds_by_synonym_and_pinyin_as_the_knowledge_search_does(
        qtbot: Any, form: WorkOrderForm, seat: SeatSession, platform_api) -> None:
    # the synonyms an admin keeps on the platform (this session's platform has none of its own)
    r = platform_api("admin").put("/api/v1/kb/synonyms", json={"噪音": ["噪声"]})
    assert r.status_code == 200, r.text
    run_async(qtbot, seat.sync.download_all())

    def offered(typed: str, chinese: bool = True) -> list[str]:
        """The categories holding every word (partial matches follow them, marked)."""
        box = _w(form, QLineEdit, "formCategory")
        box.clear()
        if chinese:
            _type(box, typed)
        else:
            box.setFocus()
            qtbot.keyClicks(box, typed)
        model = form.category_completer.completionModel()
        rows = [model.index(i, 0) for i in range(model.rowCount())]
        whole = [i.data() for i in rows if not i.data(CategoryPathModel.PartialRole)]
        assert [i.data() for i in rows[:len(whole)]] == whole  # first
        return whole

    noise = offered("噪音")  # the caller's word; the tree says 噪声 (a synonym the platform keeps)
    assert noise and all("噪声" in path for path in noise)
    assert any("施工噪声" in path for path in noise)
    assert offered("gjj", chinese=False) and all("公积金" in p for p in offered("gjj", chinese=False))
    assert any("公积金" in p for p in offered("zhufang", chinese=False))


def test_the_category_box_finds_words_run_together_and_homophones_first_marked_partial(
        qtbot: Any, form: WorkOrderForm) -> None:
    box = _w(form, QLineEdit, "formCategory")
    _type(box, "公基金提取")  # two words run together, 基 typed for 积
    popup = form.category_completer.popup()
    qtbot.waitUntil(popup.isVisible)
    offered = form.category_completer.completionModel()
    assert offered.index(0, 0).data() == "住房与物业 / 住房公积金 / 提取"
    assert offered.index(0, 0).data(CategoryPathModel.PartialRole) is True
    qtbot.keyClick(popup, Qt.Key.Key_Return)
    assert box.text() == "住房与物业 / 住房公积金 / 提取" and form.category_id is not None


def test_the_categorys_template_fills_an_empty_request_and_must_be_filled_in(
        qtbot: Any, form: WorkOrderForm, seat: SeatSession) -> None:
    content = _w(form, QPlainTextEdit, "formContent")
    _pick_category(qtbot, form, "社会生活噪声", "城市管理与环境 / 噪声污染 / 社会生活噪声")
    noise = seat.texts.template_for_category(form.category_id)
    assert noise.startswith("噪声发生时间：") and content.toPlainText() == noise
    _w(form, QLineEdit, "formCategory").clear()
    _pick_category(qtbot, form, "施工噪声", "城市管理与环境 / 噪声污染 / 施工噪声")
    assert content.toPlainText().startswith("施工时间段")  # untouched: the more specific template instead
    qtbot.keyClicks(_w(form, QLineEdit, "formPhone"), _phone())
    kind = _w(form, QComboBox, "formType")
    kind.setFocus()
    qtbot.keyClick(kind, Qt.Key.Key_Down)
    _type(_w(form, QLineEdit, "formTitle"), "工地夜间施工扰民")
    qtbot.keyClick(content, Qt.Key.Key_D, CTRL_SHIFT)
    assert "formContent" in form.errors()  # the template's lines are still empty
    content.moveCursor(content.textCursor().MoveOperation.Start)
    content.moveCursor(content.textCursor().MoveOperation.EndOfLine)
    _type(content, "每晚22点以后")
    with qtbot.waitSignal(form.submitted, timeout=10_000):
        qtbot.keyClick(content, Qt.Key.Key_D, CTRL_SHIFT)
    _pick_category(qtbot, form, "社会生活噪声", "城市管理与环境 / 噪声污染 / 社会生活噪声")
    _type(content, "楼上装修")
    _w(form, QLineEdit, "formCategory").clear()
    _pick_category(qtbot, form, "施工噪声", "城市管理与环境 / 噪声污染 / 施工噪声")
    assert "楼上装修" in content.toPlainText() and "施工" not in content.toPlainText()  # the agent's words stay
