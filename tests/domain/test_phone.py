from __future__ import annotations

import pickle
import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from domain.phone import (
    InvalidPhoneNumber,
    PhoneInfo,
    PhoneProblem,
    locate,
    mask_phone,
    normalize_phone,
    phone_kind,
    split_region,
)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        # mobiles, every prefix form
        ("13800138000", "13800138000"),
        ("+8613800138000", "13800138000"),
        ("+86 138 0013 8000", "13800138000"),
        ("008613800138000", "13800138000"),
        ("0086-138-0013-8000", "13800138000"),
        ("8613800138000", "13800138000"),
        ("86 138.0013.8000", "13800138000"),
        ("013800138000", "13800138000"),  # trunk 0 before an out-of-town mobile
        ("１３８００１３８０００", "13800138000"),  # full-width digits
        # landlines
        ("01012345678", "01012345678"),
        ("010-12345678", "01012345678"),
        ("(010) 1234 5678", "01012345678"),
        ("+86 10 12345678", "01012345678"),
        ("+86 (0)10 1234-5678", "01012345678"),
        ("0086 10 12345678", "01012345678"),
        ("861012345678", "01012345678"),
        ("86 010 12345678", "01012345678"),
        ("051988123456", "051988123456"),
        ("0519-8812-3456", "051988123456"),
        ("+86 519 88123456", "051988123456"),
        ("0898 1234567", "08981234567"),  # 7-digit subscriber number
        # 400/800
        ("4008001234", "4008001234"),
        ("400-800-1234", "4008001234"),
        ("800 810 1234", "8008101234"),
        ("+86 400 800 1234", "4008001234"),
        # short service numbers stay as dialled
        ("110", "110"),
        ("119", "119"),
        ("120", "120"),
        ("122", "122"),
        ("12345", "12345"),
        ("12315", "12315"),
        ("10086", "10086"),
        ("95588", "95588"),
        ("96196", "96196"),
        # URIs
        ("tel:13800138000", "13800138000"),
        ("tel:+86-10-12345678;phone-context=example.com", "01012345678"),
        ("sip:+8613800138000@10.0.0.1;user=phone", "13800138000"),
        ("<sip:13800138000@host>", "13800138000"),
        ('"张三" <sip:010-12345678@host>', "01012345678"),
        ("SIP:0519-88123456@pbx.local:5060", "051988123456"),
        ("sips:12345@host", "12345"),
        ("  13800138000\n", "13800138000"),
    ],
)
def test_normalize(raw: str, expected: str) -> None:
    assert normalize_phone(raw) == expected


def test_bare_86_is_kept_when_it_is_part_of_the_number() -> None:
    # An 8-digit local number starting with 86 is not a country code.
    assert normalize_phone("86123456", local_area_code="0519") == "051986123456"


def test_local_number_with_area_code_given() -> None:
    assert normalize_phone("88123456", local_area_code="519") == "051988123456"


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ("", "phone number is empty"),
        ("   ", "phone number is empty"),
        ("sip:@host", "phone number is empty"),
        ("abc", "contains letters"),
        ("138001380OO", "contains letters"),
        ("sip:anonymous@host", "contains letters"),
        ("138#0013", "invalid character '#'"),
        ("+", "no digits"),
        ("1380013800", "wrong length: 10 digits"),
        ("138001380001", "wrong length: 12 digits"),
        ("12012345678", "mobile numbers cannot start with 12"),
        ("0519123", "wrong length: 7 digits"),
        ("05191234567890", "wrong length: 14 digits"),
        ("0112345678", "invalid area code"),
        ("400800123456", "wrong length: 12 digits"),
        ("88123456", "no area code"),
        ("+85212345678", "non-Chinese country code +852"),
        ("00852 1234 5678", "non-Chinese country code +852"),
        ("+1 202 555 0100", "non-Chinese country code +1"),
        ("+44 20 7946 0000", "non-Chinese country code +44"),
        ("+999 1234", "unknown country code"),
    ],
)
def test_normalize_rejects(raw: str, message: str) -> None:
    with pytest.raises(InvalidPhoneNumber, match=re.escape(message)):
        normalize_phone(raw)


@pytest.mark.parametrize(
    ("raw", "code", "detail"),
    [
        ("", PhoneProblem.EMPTY, ""),
        ("sip:anonymous@host", PhoneProblem.LETTERS, ""),
        ("138#0013", PhoneProblem.BAD_CHARACTER, "#"),
        ("+", PhoneProblem.NO_DIGITS, ""),
        ("+85212345678", PhoneProblem.FOREIGN_COUNTRY_CODE, "852"),
        ("+999 1234", PhoneProblem.UNKNOWN_COUNTRY_CODE, ""),
        ("88123456", PhoneProblem.NO_AREA_CODE, ""),
        ("12012345678", PhoneProblem.BAD_MOBILE_PREFIX, "12"),
        ("1380013800", PhoneProblem.MOBILE_LENGTH, "10"),
        ("05191234567890", PhoneProblem.LANDLINE_LENGTH, "14"),
        ("400800123456", PhoneProblem.TOLL_FREE_LENGTH, "12"),
        ("999999999", PhoneProblem.BAD_LENGTH, "9"),
        ("0112345678", PhoneProblem.BAD_LANDLINE, ""),
    ],
)
def test_the_reason_has_a_code(raw: str, code: PhoneProblem, detail: str) -> None:
    with pytest.raises(InvalidPhoneNumber) as caught:
        normalize_phone(raw)
    assert (caught.value.code, caught.value.detail) == (code, detail)


def test_every_code_has_a_message() -> None:
    for code in PhoneProblem:
        assert str(InvalidPhoneNumber(code, "7"))


def test_the_code_survives_pickling() -> None:
    copy = pickle.loads(pickle.dumps(InvalidPhoneNumber(PhoneProblem.FOREIGN_COUNTRY_CODE, "852")))
    assert (copy.code, copy.detail, str(copy)) == (PhoneProblem.FOREIGN_COUNTRY_CODE, "852",
                                                   "non-Chinese country code +852: only Chinese (+86) numbers are accepted")


def test_invalid_phone_number_is_a_value_error() -> None:
    assert issubclass(InvalidPhoneNumber, ValueError)


@pytest.mark.parametrize(
    ("number", "kind"),
    [
        ("13800138000", "mobile"),
        ("01012345678", "landline"),
        ("051988123456", "landline"),
        ("4008001234", "toll_free"),
        ("12345", "service"),
    ],
)
def test_phone_kind(number: str, kind: str) -> None:
    assert phone_kind(number) == kind


@pytest.mark.parametrize(
    ("number", "masked"),
    [
        ("13800138000", "138****8000"),
        ("+86 138 0013 8000", "138****8000"),
        ("01012345678", "010****5678"),
        ("051988123456", "051*****3456"),
        ("4008001234", "400***1234"),
        ("12345", "12345"),
        ("110", "110"),
        ("sip:13800138000@host", "138****8000"),
        ("", ""),
    ],
)
def test_mask(number: str, masked: str) -> None:
    assert mask_phone(number) == masked


@pytest.mark.parametrize("raw", ["1380013800", "12345678", "+85212345678", "abc1234"])
def test_mask_invalid_input_still_hides_digits(raw: str) -> None:
    masked = mask_phone(raw)
    digits = "".join(c for c in raw if c.isdigit())
    assert masked.count("*") >= 3
    assert masked[:4].count("*") >= 1  # never more than 3 leading digits
    assert masked.count("*") + sum(c.isdigit() for c in masked) == len(digits)
    shown = masked.replace("*", " ").split()
    assert all(len(part) <= 4 for part in shown)


def test_locate_mobile() -> None:
    assert locate("+86 138-0013-8000") == PhoneInfo(
        number="13800138000",
        kind="mobile",
        province="北京市",
        city="北京市",
        carrier="中国移动",
    )


def test_locate_landline() -> None:
    info = locate("0519-88123456")
    assert (info.number, info.kind) == ("051988123456", "landline")
    assert (info.province, info.city, info.carrier) == ("江苏省", "常州市", "")


def test_locate_service_and_toll_free_have_no_place() -> None:
    assert locate("12345") == PhoneInfo("12345", "service", "", "", "")
    assert locate("4008001234") == PhoneInfo("4008001234", "toll_free", "", "", "")


def test_locate_is_cached() -> None:
    assert locate("13800138000") is locate("13800138000")


def test_locate_rejects_invalid() -> None:
    with pytest.raises(InvalidPhoneNumber):
        locate("abc")


@pytest.mark.parametrize(
    ("description", "province", "city"),
    [
        ("江苏省常州市", "江苏省", "常州市"),
        ("北京市", "北京市", "北京市"),
        ("天津", "天津市", "天津市"),
        ("广西壮族自治区南宁市", "广西壮族自治区", "南宁市"),
        ("广西南宁市", "广西壮族自治区", "南宁市"),
        ("内蒙古呼和浩特市", "内蒙古自治区", "呼和浩特市"),
        ("新疆维吾尔自治区乌鲁木齐市", "新疆维吾尔自治区", "乌鲁木齐市"),
        ("黑龙江省哈尔滨市", "黑龙江省", "哈尔滨市"),
        ("西藏那曲地区、嘉黎县", "西藏自治区", "那曲地区"),
        ("中国", "", ""),
        ("", "", ""),
    ],
)
def test_split_region(description: str, province: str, city: str) -> None:
    assert split_region(description) == (province, city)


_mobiles = st.from_regex(r"1[3-9][0-9]{9}", fullmatch=True)
_landlines = st.from_regex(r"0(10|2[0-9]|[3-9][0-9]{2})[1-9][0-9]{7}", fullmatch=True)


@given(st.one_of(_mobiles, _landlines), st.sampled_from(["{}", "+86 {}", "0086{}", "tel:{}", "<sip:{}@h>"]))
def test_normalize_is_idempotent_across_forms(number: str, form: str) -> None:
    canonical = normalize_phone(number)
    assert normalize_phone(form.format(canonical)) == canonical
    assert normalize_phone(canonical) == canonical


@given(st.one_of(_mobiles, _landlines))
def test_mask_shows_at_most_seven_digits(number: str) -> None:
    masked = mask_phone(number)
    assert len(masked) == len(number)
    assert masked[:3] == number[:3] and masked[-4:] == number[-4:]
    assert set(masked[3:-4]) == {"*"}


def test_masking_a_masked_number_leaves_it_as_it_is() -> None:
    once = mask_phone("13912345678")
    assert once == "139****5678" and mask_phone(once) == once
