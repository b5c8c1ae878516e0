"""Chinese phone numbers: normalisation, masking and number location (归属地).

Location and carrier come from resources/phone/cn_location.json, a table made from phonenumbers'
data by scripts/build_tables.py: importing the library's geocoder and carrier modules would cost
~100 MB and ~0.8 s of start-up. phonenumbers itself (imported on first use) still says which
numbers are valid and of which type, so the answers are the library's.
"""
from __future__ import annotations

import json
import re
import unicodedata
from array import array
from bisect import bisect_right
from dataclasses import dataclass
from enum import StrEnum
from functools import lru_cache
from itertools import accumulate
from pathlib import Path

LOCATION_TABLE = Path(__file__).resolve().parent.parent / "resources" / "phone" / "cn_location.json"


class PhoneProblem(StrEnum):
    """Why a text is not a Chinese phone number; `InvalidPhoneNumber.detail` completes some."""

    EMPTY = "empty"
    LETTERS = "letters"
    BAD_CHARACTER = "bad_character"  # detail: the character
    NO_DIGITS = "no_digits"
    FOREIGN_COUNTRY_CODE = "foreign_country_code"  # detail: the country code, e.g. "852"
    UNKNOWN_COUNTRY_CODE = "unknown_country_code"
    NO_AREA_CODE = "no_area_code"
    BAD_MOBILE_PREFIX = "bad_mobile_prefix"  # detail: the first two digits
    MOBILE_LENGTH = "mobile_length"  # detail: the number of digits
    LANDLINE_LENGTH = "landline_length"  # detail: the number of digits
    TOLL_FREE_LENGTH = "toll_free_length"  # detail: the number of digits
    BAD_LENGTH = "bad_length"  # detail: the number of digits
    BAD_LANDLINE = "bad_landline"


_MESSAGES = {
    PhoneProblem.EMPTY: "phone number is empty",
    PhoneProblem.LETTERS: "phone number contains letters",
    PhoneProblem.BAD_CHARACTER: "phone number contains an invalid character {detail!r}",
    PhoneProblem.NO_DIGITS: "phone number has no digits",
    PhoneProblem.FOREIGN_COUNTRY_CODE: "non-Chinese country code +{detail}: only Chinese (+86) numbers are accepted",
    PhoneProblem.UNKNOWN_COUNTRY_CODE: "unknown country code: only Chinese (+86) numbers are accepted",
    PhoneProblem.NO_AREA_CODE: "landline number has no area code",
    PhoneProblem.BAD_MOBILE_PREFIX: "mobile numbers cannot start with {detail}",
    PhoneProblem.MOBILE_LENGTH: "wrong length: {detail} digits (a mobile number has 11)",
    PhoneProblem.LANDLINE_LENGTH: "wrong length: {detail} digits (a landline number with area code has 10 to 12)",
    PhoneProblem.TOLL_FREE_LENGTH: "wrong length: {detail} digits (a 400/800 number has 10)",
    PhoneProblem.BAD_LENGTH: "wrong length: {detail} digits",
    PhoneProblem.BAD_LANDLINE: "invalid area code or landline number",
}


class InvalidPhoneNumber(ValueError):
    """The text is not a Chinese phone number: `code` says why (for the user's language), the
    message says it in English (for logs and the platform's error responses)."""

    def __init__(self, code: PhoneProblem, detail: str = "") -> None:
        super().__init__(_MESSAGES[code].format(detail=detail))
        self.code, self.detail = code, detail

    def __reduce__(self) -> tuple:
        return type(self), (self.code, self.detail)  # args holds the message, not the code


_MOBILE = re.compile(r"1[3-9]\d{9}")
_TOLL_FREE = re.compile(r"[48]00\d{7}")
# Area code (010, 02X, or 0 + three digits) then a 7-8 digit subscriber number.
_AREA = r"(?:10|2\d|[3-9]\d\d)"
_LANDLINE = re.compile(rf"0{_AREA}[1-9]\d{{6,7}}")
_LANDLINE_NO_TRUNK = re.compile(rf"{_AREA}[1-9]\d{{6,7}}")
_LOCAL = re.compile(r"[2-9]\d{6,7}")
# 110/119/120/122, 12345/12315/..., carrier lines 10000/10086, bank lines 95588, 96xxx.
_SERVICE = re.compile(r"1\d{2,4}|9[56]\d{3,4}")
_URI_USER = re.compile(r"(?:sips?|tel):([^@;>?]*)", re.IGNORECASE)
_SEPARATORS = str.maketrans("", "", " \t-.()\u00a0\u2010\u2011\u2012\u2013\u2014\u2212")


def normalize_phone(raw: str, *, local_area_code: str = "") -> str:
    """Return the canonical national form, digits only.

    Mobiles "13800138000", landlines with trunk 0 and area code "01012345678",
    400/800 numbers, and short service numbers as dialled. `local_area_code`
    (e.g. "0519") completes a local landline number that came without one.
    """
    digits, international = _digits(raw)
    if international:
        digits = _national_from_international(digits)
    elif digits.startswith("86") and _is_86_prefixed(digits[2:]):
        digits = _national_from_international(digits)
    return _canonical(digits, local_area_code)


def _digits(raw: str) -> tuple[str, bool]:
    """Strip URI syntax and separators; say whether an international prefix was given."""
    text = unicodedata.normalize("NFKC", raw or "").strip()
    match = _URI_USER.search(text)
    if match:
        text = match.group(1)
    text = text.translate(_SEPARATORS)
    if not text:
        raise InvalidPhoneNumber(PhoneProblem.EMPTY)
    if any(ch.isalpha() for ch in text):
        raise InvalidPhoneNumber(PhoneProblem.LETTERS)
    plus = text.startswith("+")
    body = text[1:] if plus else text
    bad = next((ch for ch in body if not ch.isdigit() or not ch.isascii()), None)
    if bad is not None:
        raise InvalidPhoneNumber(PhoneProblem.BAD_CHARACTER, bad)
    if not body:
        raise InvalidPhoneNumber(PhoneProblem.NO_DIGITS)
    if plus:
        return body, True
    if body.startswith("00"):
        return body[2:], True
    return body, False


def _is_86_prefixed(rest: str) -> bool:
    # A bare 86 is a country code only when what follows cannot be read otherwise.
    return bool(
        _MOBILE.fullmatch(rest) or _LANDLINE_NO_TRUNK.fullmatch(rest) or _LANDLINE.fullmatch(rest)
    )


def _national_from_international(digits: str) -> str:
    if not digits.startswith("86"):
        raise _foreign_code_error(digits)
    nsn = digits[2:]
    if nsn.startswith("0"):  # "+86 (0)10 ..." and "+86 010 ..." are common mistakes
        nsn = nsn[1:]
    if not _TOLL_FREE.fullmatch(nsn) and _LANDLINE_NO_TRUNK.fullmatch(nsn):
        return "0" + nsn
    return nsn


def _foreign_code_error(digits: str) -> InvalidPhoneNumber:
    import phonenumbers  # on first use: ~50 ms the workstation's start-up does without

    for size in (1, 2, 3):
        code = digits[:size]
        if len(code) == size and int(code) in phonenumbers.COUNTRY_CODE_TO_REGION_CODE:
            return InvalidPhoneNumber(PhoneProblem.FOREIGN_COUNTRY_CODE, code)
    return InvalidPhoneNumber(PhoneProblem.UNKNOWN_COUNTRY_CODE)


def _canonical(digits: str, local_area_code: str) -> str:
    if _SERVICE.fullmatch(digits) or _MOBILE.fullmatch(digits):
        return digits
    if _TOLL_FREE.fullmatch(digits) or _LANDLINE.fullmatch(digits):
        return digits
    if digits.startswith("0") and _MOBILE.fullmatch(digits[1:]):
        return digits[1:]  # switches put a trunk 0 before out-of-town mobiles
    if _LOCAL.fullmatch(digits):
        if local_area_code:
            return _canonical(_area_code(local_area_code) + digits, "")
        raise InvalidPhoneNumber(PhoneProblem.NO_AREA_CODE)
    raise _shape_error(digits)


def _area_code(code: str) -> str:
    code = code.strip()
    return code if code.startswith("0") else "0" + code


def _shape_error(digits: str) -> InvalidPhoneNumber:
    n = len(digits)
    if digits.startswith("1"):
        if n == 11:
            return InvalidPhoneNumber(PhoneProblem.BAD_MOBILE_PREFIX, digits[:2])
        return InvalidPhoneNumber(PhoneProblem.MOBILE_LENGTH, str(n))
    if digits.startswith("0"):
        if 10 <= n <= 12:
            return InvalidPhoneNumber(PhoneProblem.BAD_LANDLINE)
        return InvalidPhoneNumber(PhoneProblem.LANDLINE_LENGTH, str(n))
    if digits.startswith(("400", "800")):
        return InvalidPhoneNumber(PhoneProblem.TOLL_FREE_LENGTH, str(n))
    return InvalidPhoneNumber(PhoneProblem.BAD_LENGTH, str(n))


def phone_kind(number: str) -> str:
    """"mobile", "landline", "toll_free" or "service" for a normalised number."""
    if _MOBILE.fullmatch(number):
        return "mobile"
    if _TOLL_FREE.fullmatch(number):
        return "toll_free"
    if _SERVICE.fullmatch(number):
        return "service"
    return "landline"


def mask_phone(number: str) -> str:
    """Hide the middle digits: at most the first 3 and the last 4 remain (R14). A number masked
    already is returned as it is."""
    if "*" in number:
        return number
    try:
        digits = normalize_phone(number)
    except InvalidPhoneNumber:
        digits = "".join(ch for ch in number if ch.isascii() and ch.isdigit())
    else:
        if phone_kind(digits) == "service":
            return digits  # public service numbers are not personal data
    n = len(digits)
    # 11 and 12 digits keep 3 + 4; shorter (invalid) input hides at least 4.
    hidden = n - 7 if n >= 10 else min(n, 4)
    tail = min(4, n - hidden)
    head = n - hidden - tail
    return digits[:head] + "*" * hidden + digits[n - tail :]


@dataclass(frozen=True)
class PhoneInfo:
    number: str
    kind: str  # "mobile" | "landline" | "toll_free" | "service"
    province: str
    city: str
    carrier: str


@lru_cache(maxsize=4096)  # called on every ring, and again for the same caller's history
def locate(number: str) -> PhoneInfo:
    """Number location (归属地) and carrier; raises InvalidPhoneNumber.

    What phonenumbers' geocoder.description_for_number(n, "zh") and carrier.name_for_number(n, "zh")
    would say, from the shipped table: nothing for a number the library finds invalid, a place
    only for geographical types, a carrier only for mobiles."""
    import phonenumbers  # on first use (see warm_up): ~50 ms the workstation's start-up does without
    from phonenumbers import PhoneNumberType

    national = normalize_phone(number)
    kind = phone_kind(national)
    if kind not in ("mobile", "landline"):
        return PhoneInfo(national, kind, "", "", "")
    parsed = phonenumbers.parse(national, "CN")
    number_type = phonenumbers.number_type(parsed)
    nsn = phonenumbers.national_significant_number(parsed)
    places, carriers = _location_tables()
    description = ""
    if number_type != PhoneNumberType.UNKNOWN and \
            phonenumbers.is_number_type_geographical(number_type, parsed.country_code):
        description = places.text(nsn)
    province, city = split_region(description)
    is_mobile = number_type in (PhoneNumberType.MOBILE, PhoneNumberType.FIXED_LINE_OR_MOBILE, PhoneNumberType.PAGER)
    return PhoneInfo(national, kind, province, city, carriers.text(nsn) if is_mobile else "")


class PrefixRuns:
    """A map from the national significant number's leading digits to a text, as runs of
    consecutive `digits`-digit prefixes (see scripts/build_tables.py)."""

    def __init__(self, encoded: dict, digits: int) -> None:
        self.digits = digits
        self.texts: list[str] = encoded["texts"]
        self.starts = array("l", accumulate(encoded["starts"]))
        self.text_of_run = array("H", encoded["text_of_run"])

    def text(self, nsn: str) -> str:
        key = int(nsn[:self.digits].ljust(self.digits, "0"))
        return self.texts[self.text_of_run[bisect_right(self.starts, key) - 1]]


@lru_cache(maxsize=1)
def _location_tables() -> tuple[PrefixRuns, PrefixRuns]:
    table = json.loads(LOCATION_TABLE.read_text(encoding="utf-8"))
    return PrefixRuns(table["location"], table["digits"]), PrefixRuns(table["carrier"], table["digits"])


def warm_up() -> None:
    """Load phonenumbers, its Chinese metadata and the location table now (~0.1 s) rather than on
    the first ring: a seat calls this at sign-in, off the UI thread."""
    locate.__wrapped__("13800138000")


_MUNICIPALITIES = ("北京市", "天津市", "上海市", "重庆市")
_PROVINCES = _MUNICIPALITIES + (
    "河北省", "山西省", "辽宁省", "吉林省", "黑龙江省", "江苏省", "浙江省", "安徽省",
    "福建省", "江西省", "山东省", "河南省", "湖北省", "湖南省", "广东省", "海南省",
    "四川省", "贵州省", "云南省", "陕西省", "甘肃省", "青海省", "台湾省",
    "内蒙古自治区", "广西壮族自治区", "西藏自治区", "宁夏回族自治区", "新疆维吾尔自治区",
    "香港特别行政区", "澳门特别行政区",
)
_SUFFIX = re.compile(r"(?:壮族|回族|维吾尔)?自治区$|特别行政区$|[省市]$")
# The library's data spells provinces both in full (广西壮族自治区南宁市) and short
# (广西南宁市); match both, the full name first.
_PROVINCE_PREFIXES = sorted(
    [(p, p) for p in _PROVINCES] + [(_SUFFIX.sub("", p), p) for p in _PROVINCES],
    key=lambda pair: -len(pair[0]),
)


def split_region(description: str) -> tuple[str, str]:
    """Split "江苏省常州市" into ("江苏省", "常州市"); municipalities are their own city."""
    for prefix, province in _PROVINCE_PREFIXES:
        if description.startswith(prefix):
            city = description[len(prefix) :].split("、")[0]
            if not city and province in _MUNICIPALITIES:
                city = province
            return province, city
    return "", ""  # "中国" (country-wide numbers) or unknown
