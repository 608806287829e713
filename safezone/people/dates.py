"""Birth dates that may be partial: year only, year and month, or a full date."""

import datetime as dt
import re
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

_FORMS = [
    (re.compile(r"^(\d{4})$"), ("y",)),
    (re.compile(r"^(\d{1,2})[./](\d{4})$"), ("m", "y")),
    (re.compile(r"^(\d{4})-(\d{1,2})$"), ("y", "m")),
    (re.compile(r"^(\d{1,2})[./](\d{1,2})[./](\d{4})$"), ("d", "m", "y")),
    (re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})$"), ("y", "m", "d")),
]
MIN_YEAR = 1900


@dataclass(frozen=True)
class PartialDate:
    """A date known to the year, the month or the day."""

    year: int
    month: int | None = None
    day: int | None = None

    def __post_init__(self):
        validate_partial_date(self.year, self.month, self.day)

    @classmethod
    def parse(cls, text: str) -> "PartialDate":
        """From `1985`, `03.1985`, `1985-03`, `12.03.1985` or `1985-03-12`."""
        text = (text or "").strip()
        for pattern, parts in _FORMS:
            match = pattern.match(text)
            if match:
                values = dict(zip(parts, (int(g) for g in match.groups())))
                return cls(values["y"], values.get("m"), values.get("d"))
        raise ValidationError(_("Write the birth date as 1985, 03.1985 or 12.03.1985."), code="format")

    def __str__(self) -> str:
        if self.day:
            return f"{self.day:02d}.{self.month:02d}.{self.year}"
        if self.month:
            return f"{self.month:02d}.{self.year}"
        return str(self.year)

    @property
    def is_full(self) -> bool:
        """Known to the day."""
        return self.day is not None

    def earliest(self) -> dt.date:
        return dt.date(self.year, self.month or 1, self.day or 1)

    def age_on(self, when: dt.date) -> int:
        """Age in whole years on a date, assuming the earliest day the partial date allows."""
        born = self.earliest()
        return when.year - born.year - ((when.month, when.day) < (born.month, born.day))


def validate_partial_date(year: int | None, month: int | None, day: int | None, today: dt.date | None = None) -> None:
    """Raise ValidationError unless year/month/day make a real, past partial date."""
    if year is None:
        if month is not None or day is not None:
            raise ValidationError(_("A birth month or day needs the year too."), code="partial")
        return
    today = today or dt.date.today()
    if not MIN_YEAR <= year <= today.year:
        raise ValidationError(
            _("Birth year must be between %(min)d and %(max)d.") % {"min": MIN_YEAR, "max": today.year}, code="year"
        )
    if month is None:
        if day is not None:
            raise ValidationError(_("A birth day needs the month too."), code="partial")
        return
    if not 1 <= month <= 12:
        raise ValidationError(_("Birth month must be between 1 and 12."), code="month")
    if day is not None:
        try:
            born = dt.date(year, month, day)
        except ValueError:
            raise ValidationError(_("There is no such day in that month."), code="day") from None
        if born > today:
            raise ValidationError(_("The birth date is in the future."), code="future")
    elif (year, month) > (today.year, today.month):
        raise ValidationError(_("The birth date is in the future."), code="future")
