"""Cell parsers: each turns one raw cell (text from CSV, or a typed XLSX value) into a value,
or raises `CellError` with a message for the user."""

import datetime as dt
import re
from collections.abc import Callable, Iterable

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils.translation import gettext as _


class CellError(ValueError):
    """One cell's problem, in the user's language."""


Parser = Callable[[object], object]

# A cell that a spreadsheet would run as a formula: "=...", "@SUM(...)", "+HYPERLINK(...)",
# "-A1+B1", DDE "=cmd|...". A phone number ("+7 8172 ...") or a negative number is not one.
_FORMULA = re.compile(
    r"""^[\s\x00-\x1f]*(
        =                                   # anything a spreadsheet evaluates
      | @\s*[A-Za-z_]                       # @SUM(...)
      | [+\-@]\s*[A-Za-z_][\w.]*\s*\(       # +HYPERLINK(...)
      | [+\-@]\s*\$?[A-Za-z]{1,3}\$?\d+     # +A1, -$B$2
      | [+\-@].*\|                          # +cmd|' /C calc'!A0
    )""",
    re.VERBOSE,
)


def looks_like_formula(value) -> bool:
    return isinstance(value, str) and bool(_FORMULA.match(value))


def is_blank(value) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _as_text(value) -> str:
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return " ".join(str(value).split())


def text(max_length: int | None = None) -> Parser:
    """Text with inner runs of whitespace folded to one space."""

    def parse(value):
        result = _as_text(value)
        if max_length and len(result) > max_length:
            raise CellError(
                _("is %(length)d characters long; at most %(max)d are allowed")
                % {"length": len(result), "max": max_length}
            )
        return result

    return parse


_CODE = re.compile(r"^[-a-zA-Z0-9_]+$")


def code(max_length: int = 64) -> Parser:
    """A key of Latin letters, digits, hyphens and underscores (how agencies and territories are coded)."""

    def parse(value):
        result = _as_text(value)
        if not _CODE.match(result):
            raise CellError(
                _("“%(value)s” is not a code: use Latin letters, digits, “-” and “_” only") % {"value": result}
            )
        if len(result) > max_length:
            raise CellError(_("is longer than %(max)d characters") % {"max": max_length})
        return result

    return parse


def integer(min_value: int | None = None, max_value: int | None = None) -> Parser:
    def parse(value):
        if isinstance(value, bool):
            raise CellError(_("“%(value)s” is not a whole number") % {"value": value})
        if isinstance(value, int):
            result = value
        elif isinstance(value, float) and value.is_integer():
            result = int(value)
        else:
            raw = "".join(str(value).split())
            if not re.fullmatch(r"[-+]?\d+", raw):
                raise CellError(_("“%(value)s” is not a whole number") % {"value": _as_text(value)})
            result = int(raw)
        if min_value is not None and result < min_value:
            raise CellError(_("must be at least %(min)d") % {"min": min_value})
        if max_value is not None and result > max_value:
            raise CellError(_("must be at most %(max)d") % {"max": max_value})
        return result

    return parse


# Excel's day 0 in the 1900 date system (day 60 is the 29 February 1900 that never was).
_EXCEL_EPOCH = dt.date(1899, 12, 30)
_EXCEL_MAX = 2_958_465  # 31.12.9999
_DMY = re.compile(r"^(\d{1,2})\.(\d{1,2})\.(\d{4})$")
_ISO = re.compile(r"^(\d{4})-(\d{2})-(\d{2})$")


def _serial(number: float) -> dt.date:
    if not 1 <= number <= _EXCEL_MAX:
        raise CellError(_("“%(value)s” is not a date") % {"value": _as_text(number)})
    return _EXCEL_EPOCH + dt.timedelta(days=int(number))


def date() -> Parser:
    """A date as дд.мм.гггг, гггг-мм-дд, an Excel date cell or an Excel serial number."""

    def parse(value):
        if isinstance(value, dt.datetime):
            return value.date()
        if isinstance(value, dt.date):
            return value
        if isinstance(value, bool):
            raise CellError(_("“%(value)s” is not a date") % {"value": value})
        if isinstance(value, int | float):
            return _serial(value)
        raw = str(value).strip()
        if re.fullmatch(r"\d{1,7}", raw):
            return _serial(int(raw))
        match = _DMY.match(raw)
        if match:
            day, month, year = (int(g) for g in match.groups())
        elif match := _ISO.match(raw):
            year, month, day = (int(g) for g in match.groups())
        else:
            raise CellError(_("“%(value)s” is not a date; write it as dd.mm.yyyy") % {"value": raw})
        try:
            return dt.date(year, month, day)
        except ValueError:
            raise CellError(_("the date %(value)s does not exist") % {"value": raw}) from None

    return parse


def choice(choices: Iterable[tuple[str, object]], aliases: dict[str, str] | None = None) -> Parser:
    """One of a model's choices, written as its value or its label in Russian or English, or as one
    of `aliases` (other ways a register writes it: "ж" for female, "н" for absent)."""
    pairs = list(choices)
    known: dict[str, str] = {}

    def parse(value):
        if not known:
            # Built on first use: the labels are lazy and need the translations loaded.
            from django.utils import translation

            for stored, label in pairs:
                for language in ("ru", "en"):
                    with translation.override(language):
                        known.setdefault(str(label).casefold(), stored)
                known[str(stored).casefold()] = stored
            for alias, stored in (aliases or {}).items():
                known[alias.casefold()] = stored
        raw = _as_text(value)
        if raw.casefold() in known:
            return known[raw.casefold()]
        allowed = [str(s) for s, _label in pairs] + [
            a for a in (aliases or {}) if a.casefold() not in {str(s).casefold() for s, _l in pairs}
        ]
        raise CellError(_("“%(value)s” is not one of: %(allowed)s") % {"value": raw, "allowed": ", ".join(allowed)})

    return parse


_SCHOOL_YEAR = re.compile(r"^(\d{4})(?:\s*[/\-–—]\s*(\d{2}|\d{4}))?$")


def school_year() -> Parser:
    """A school year, named by the calendar year it starts in: 2025, "2025/26", "2025/2026" or
    "2025-2026" are all the school year that starts on 1 September 2025."""

    def parse(value):
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        raw = _as_text(value)
        match = _SCHOOL_YEAR.match(raw)
        if not match:
            raise CellError(_("“%(value)s” is not a school year; write it as 2025/26 or 2025") % {"value": raw})
        start = int(match.group(1))
        if match.group(2):
            end = int(match.group(2))
            if end != (start + 1) % (100 if len(match.group(2)) == 2 else 10000):
                raise CellError(
                    _("“%(value)s” is not a school year: the second year must follow the first") % {"value": raw}
                )
        if not 1990 <= start <= 2100:
            raise CellError(_("“%(value)s” is not a school year") % {"value": raw})
        return start

    return parse


def email() -> Parser:
    def parse(value):
        result = _as_text(value)
        try:
            validate_email(result)
        except ValidationError:
            raise CellError(_("“%(value)s” is not an e-mail address") % {"value": result}) from None
        return result

    return parse
