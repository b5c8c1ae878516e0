from __future__ import annotations

import re

import pytest

from domain.intake import NotAcceptedReason, reason_from

CHANNELS = {
    NotAcceptedReason.litigation: "人民法院",
    NotAcceptedReason.arbitration: "劳动人事争议仲裁委员会",
    NotAcceptedReason.discipline_inspection: "纪检监察机关",
    NotAcceptedReason.administrative_reconsideration: "行政复议",
    NotAcceptedReason.information_disclosure: "依申请公开",
    NotAcceptedReason.petition: "信访程序",
    NotAcceptedReason.emergency: "110",
}


def test_reasons_cover_r3_and_emergencies() -> None:
    assert [r.value for r in NotAcceptedReason] == [
        "litigation",
        "arbitration",
        "discipline_inspection",
        "administrative_reconsideration",
        "information_disclosure",
        "petition",
        "state_secret",
        "trade_secret",
        "personal_privacy",
        "public_order",
        "emergency",
    ]


@pytest.mark.parametrize("reason", list(NotAcceptedReason))
def test_every_reason_has_texts(reason: NotAcceptedReason) -> None:
    assert reason.label_zh.strip()
    assert len(reason.guidance_zh) >= 30
    assert re.search(r"[\u4e00-\u9fff]", reason.guidance_zh)
    assert reason.guidance_zh.endswith("。")
    assert len(reason.guidance_en) >= 60
    assert reason.guidance_en.isascii()


def test_labels_are_distinct() -> None:
    assert len({r.label_zh for r in NotAcceptedReason}) == len(NotAcceptedReason)


@pytest.mark.parametrize(("reason", "channel"), CHANNELS.items())
def test_guidance_names_the_channel(reason: NotAcceptedReason, channel: str) -> None:
    assert channel in reason.guidance_zh


def test_emergency_guidance_names_all_four_lines() -> None:
    for line in ("110", "119", "120", "122"):
        assert line in NotAcceptedReason.emergency.guidance_zh
        assert line in NotAcceptedReason.emergency.guidance_en


def test_reason_from() -> None:
    assert reason_from("petition") is NotAcceptedReason.petition
    assert reason_from(" state_secret ") is NotAcceptedReason.state_secret


@pytest.mark.parametrize("value", ["", "lawsuit", "Petition"])
def test_reason_from_lists_valid_values(value: str) -> None:
    with pytest.raises(ValueError) as info:
        reason_from(value)
    message = str(info.value)
    assert repr(value) in message
    assert all(r.value in message for r in NotAcceptedReason)
