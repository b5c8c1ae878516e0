"""Requests 12345 does not accept (不予受理, R3), with what the agent tells the caller."""
from __future__ import annotations

from enum import StrEnum

# The intake actions an order needs its category for: what a unit works on, or an answer given.
# A request not accepted is recorded with its reason alone (the agent need not classify it).
NEEDS_CATEGORY = frozenset({"dispatch", "close_at_intake"})


class NotAcceptedReason(StrEnum):
    litigation = "litigation"
    arbitration = "arbitration"
    discipline_inspection = "discipline_inspection"
    administrative_reconsideration = "administrative_reconsideration"
    information_disclosure = "information_disclosure"
    petition = "petition"
    state_secret = "state_secret"
    trade_secret = "trade_secret"
    personal_privacy = "personal_privacy"
    public_order = "public_order"  # violates public order and good morals
    emergency = "emergency"  # belongs to 110/119/120/122

    @property
    def label_zh(self) -> str:
        return _TEXTS[self][0]

    @property
    def title_zh(self) -> str:
        """The title of an order recorded with this reason alone."""
        return f"不予受理：{self.label_zh}"

    @property
    def guidance_zh(self) -> str:
        """What the agent reads to the caller."""
        return _TEXTS[self][1]

    @property
    def guidance_en(self) -> str:
        return _TEXTS[self][2]


_R = NotAcceptedReason

# reason: (label_zh, guidance_zh, guidance_en)
_TEXTS: dict[NotAcceptedReason, tuple[str, str, str]] = {
    _R.litigation: (
        "应通过诉讼解决",
        "您反映的事项属于应当通过诉讼解决的纠纷，12345热线无法受理。"
        "建议您依法向有管辖权的人民法院提起诉讼；如需法律帮助，可拨打12348公共法律服务热线咨询。"
        "感谢您的理解。",
        "Your matter is a dispute to be settled through litigation, which the 12345 hotline "
        "cannot accept. Please bring a lawsuit before the competent people's court; for legal "
        "advice you can call the 12348 public legal service line. Thank you for understanding.",
    ),
    _R.arbitration: (
        "应通过仲裁解决",
        "您反映的事项属于应当通过仲裁解决的争议，12345热线无法受理。"
        "劳动人事争议请向劳动人事争议仲裁委员会申请仲裁；"
        "合同等纠纷订有仲裁协议的，请向约定的仲裁委员会申请仲裁。感谢您的理解。",
        "Your matter is a dispute to be settled by arbitration, which the 12345 hotline cannot "
        "accept. Labour and personnel disputes go to the labour and personnel dispute "
        "arbitration committee; contract disputes with an arbitration agreement go to the "
        "arbitration commission named in it. Thank you for understanding.",
    ),
    _R.discipline_inspection: (
        "属纪检监察事项",
        "您反映的事项属于纪检监察机关的职责范围，12345热线无法受理。"
        "建议您向纪检监察机关反映，可拨打12388举报电话，或通过来信、来访、网站等渠道举报。"
        "感谢您的监督。",
        "Your matter falls to the discipline inspection and supervision authorities, so the "
        "12345 hotline cannot accept it. Please report it to them, by the 12388 reporting line, "
        "by letter, in person or on their website. Thank you for your vigilance.",
    ),
    _R.administrative_reconsideration: (
        "应通过行政复议解决",
        "您反映的事项应当通过行政复议解决，12345热线无法受理。"
        "建议您依法向作出行政行为的机关的上一级机关或本级人民政府申请行政复议，"
        "请注意自知道该行政行为之日起六十日内提出申请。感谢您的理解。",
        "Your matter is to be settled by administrative reconsideration, which the 12345 "
        "hotline cannot accept. Please apply for reconsideration to the authority above the "
        "one that acted, or to the people's government at its level, within sixty days of "
        "learning of the decision. Thank you for understanding.",
    ),
    _R.information_disclosure: (
        "属政府信息公开申请",
        "您需要的政府信息应当通过政府信息公开申请获取，12345热线无法受理。"
        "依申请公开向相关行政机关提出，您可通过该机关的政府信息公开网上平台、信函或当面提交书面申请。"
        "感谢您的理解。",
        "The government information you need is obtained by a disclosure request, which the "
        "12345 hotline cannot accept. Please send a written request to the administrative body "
        "that holds it, on its online disclosure platform, by letter or in person. Thank you "
        "for understanding.",
    ),
    _R.petition: (
        "已进入信访渠道",
        "您反映的事项已进入信访渠道，12345热线不再重复受理。"
        "已进入信访渠道的按信访程序办理，您可向受理该事项的信访工作机构查询办理进度。"
        "感谢您的理解。",
        "Your matter is already in the petition (xinfang) channel, so the 12345 hotline will "
        "not take it up again. It is handled under the petition procedure; the petition office "
        "that accepted it can tell you its progress. Thank you for understanding.",
    ),
    _R.state_secret: (
        "涉及国家秘密",
        "您反映的事项涉及国家秘密，不宜通过12345热线受理和记录。"
        "请您通过保密行政管理部门或有关机关的正式渠道反映。感谢您的配合。",
        "Your matter involves state secrets and cannot be taken or recorded on the 12345 "
        "hotline. Please raise it through the secrecy administration or the authority "
        "concerned, by their formal channels. Thank you for your cooperation.",
    ),
    _R.trade_secret: (
        "涉及商业秘密",
        "您反映的事项涉及商业秘密，12345热线无法受理。"
        "商业秘密受到侵犯的，您可向市场监督管理部门举报，或依法向人民法院提起诉讼。"
        "感谢您的理解。",
        "Your matter involves trade secrets, which the 12345 hotline cannot accept. If a trade "
        "secret has been infringed, you can report it to the market regulation authority or "
        "bring a lawsuit before the people's court. Thank you for understanding.",
    ),
    _R.personal_privacy: (
        "涉及个人隐私",
        "您反映的事项涉及个人隐私，12345热线无法受理。"
        "如您认为个人信息或隐私权益受到侵害，可向网信、公安等部门反映，或依法向人民法院提起诉讼。"
        "感谢您的理解。",
        "Your matter involves personal privacy, which the 12345 hotline cannot accept. If you "
        "believe your personal information or privacy has been violated, you can report it to "
        "the cyberspace or public security authorities, or bring a lawsuit before the people's "
        "court. Thank you for understanding.",
    ),
    _R.public_order: (
        "违反公序良俗",
        "您反映的内容违反公序良俗，12345热线无法受理。"
        "热线为企业和群众办理合法合理的诉求，请您文明表达。感谢您的配合。",
        "What you ask goes against public order and good morals, which the 12345 hotline "
        "cannot accept. The hotline handles lawful and reasonable requests of the public and "
        "enterprises; please express yourself civilly. Thank you for your cooperation.",
    ),
    _R.emergency: (
        "属紧急事项（110/119/120/122）",
        "您反映的是紧急情况，请立即拨打相应的紧急电话：报警请拨110，火警请拨119，"
        "医疗急救请拨120，交通事故请拨122。情况紧急的，我们可以马上为您转接。",
        "This is an emergency: please call the emergency line at once: 110 for the police, "
        "119 for fire, 120 for an ambulance, 122 for a traffic accident. If it is urgent, we "
        "can transfer your call right now.",
    ),
}


def reason_from(value: str) -> NotAcceptedReason:
    """Parse a stored or submitted reason; the error lists the valid values."""
    try:
        return NotAcceptedReason(value.strip())
    except (ValueError, AttributeError):
        valid = ", ".join(r.value for r in NotAcceptedReason)
        raise ValueError(f"unknown not-accepted reason {value!r}; valid: {valid}") from None
