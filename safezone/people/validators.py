"""Identifier formats: each normaliser returns the stored form or raises ValidationError saying what is wrong."""

import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

_NOT_DIGITS = re.compile(r"[\s\-]")


def _digits(value: str, length: int, message) -> str:
    digits = _NOT_DIGITS.sub("", value or "")
    if not digits.isdigit() or len(digits) != length:
        raise ValidationError(message, code="format")
    return digits


def snils_checksum(first_nine: str) -> int:
    """The two check digits of a SNILS from its first nine digits (Pension Fund rules)."""
    total = sum(int(d) * w for d, w in zip(first_nine, range(9, 0, -1)))
    if total < 100:
        return total
    if total in (100, 101):
        return 0
    rest = total % 101
    return 0 if rest == 100 else rest


def normalize_snils(value: str) -> str:
    """SNILS: 11 digits (`123-456-789 01`), check digits verified."""
    digits = _digits(value, 11, _("SNILS must have 11 digits, e.g. 112-233-445 95."))
    # Numbers up to 001-001-998 were issued before check digits existed.
    if int(digits[:9]) > 1001998 and snils_checksum(digits[:9]) != int(digits[9:]):
        raise ValidationError(_("SNILS check digits do not match: check the number."), code="checksum")
    return digits


def format_snils(digits: str) -> str:
    return f"{digits[0:3]}-{digits[3:6]}-{digits[6:9]} {digits[9:11]}"


def normalize_passport(value: str) -> str:
    """Russian internal passport: 4-digit series and 6-digit number."""
    return _digits(value, 10, _("A passport number has a 4-digit series and a 6-digit number, e.g. 19 04 123456."))


def format_passport(digits: str) -> str:
    return f"{digits[0:2]} {digits[2:4]} {digits[4:10]}"


_INN_W1 = (7, 2, 4, 10, 3, 5, 9, 4, 6, 8)
_INN_W2 = (3, 7, 2, 4, 10, 3, 5, 9, 4, 6, 8)


def inn_checksum(first_ten: str) -> str:
    """The two check digits of a personal (12-digit) INN from its first ten digits."""
    d1 = sum(int(d) * w for d, w in zip(first_ten, _INN_W1)) % 11 % 10
    d2 = sum(int(d) * w for d, w in zip(first_ten + str(d1), _INN_W2)) % 11 % 10
    return f"{d1}{d2}"


def normalize_inn(value: str) -> str:
    """Personal INN: 12 digits, check digits verified."""
    digits = _digits(value, 12, _("A personal INN has 12 digits."))
    if inn_checksum(digits[:10]) != digits[10:]:
        raise ValidationError(_("INN check digits do not match: check the number."), code="checksum")
    return digits


# Roman numerals may be typed with Cyrillic look-alikes, the two series letters with Latin ones.
_BIRTH_CERT = re.compile(r"^([IVXLCІХСУ]{1,4})([А-ЯЁABCEHKMOPTXY]{2})(\d{6})$")
_TO_LATIN = str.maketrans({"І": "I", "Х": "X", "С": "C", "У": "V"})
_TO_CYRILLIC = str.maketrans(
    {
        "A": "А",
        "B": "В",
        "C": "С",
        "E": "Е",
        "H": "Н",
        "K": "К",
        "M": "М",
        "O": "О",
        "P": "Р",
        "T": "Т",
        "X": "Х",
        "Y": "У",
    }
)


def normalize_birth_certificate(value: str) -> str:
    """Birth certificate: Roman-numeral part, two Cyrillic letters, six digits (`IV-ВО 123456`)."""
    compact = _NOT_DIGITS.sub("", (value or "").upper())
    match = _BIRTH_CERT.match(compact)
    if not match:
        raise ValidationError(
            _("A birth certificate number looks like IV-ВО 123456 (Roman numerals, two Cyrillic letters, six digits)."),
            code="format",
        )
    roman, letters, number = match.groups()
    return f"{roman.translate(_TO_LATIN)}-{letters.translate(_TO_CYRILLIC)} {number}"


def normalize_oms(value: str) -> str:
    """Compulsory medical insurance policy (single format): 16 digits."""
    return _digits(value, 16, _("A medical insurance policy number has 16 digits."))


def normalize_other(value: str) -> str:
    text = " ".join((value or "").split())
    if not text:
        raise ValidationError(_("The number is empty."), code="required")
    if len(text) > 64:
        raise ValidationError(_("The number is longer than 64 characters."), code="max_length")
    return text
