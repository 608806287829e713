"""Reporting periods written the DHIS2 way: `202601` (month), `2026Q1` (quarter), `2026W05` (ISO
week), `2026` (year)."""

import re
from dataclasses import dataclass
from datetime import date, timedelta

from django.utils.dates import MONTHS
from django.utils.translation import gettext as _

_MONTH = re.compile(r"(\d{4})(0[1-9]|1[0-2])")
_QUARTER = re.compile(r"(\d{4})Q([1-4])")
_WEEK = re.compile(r"(\d{4})W(\d{2})")
_YEAR = re.compile(r"(\d{4})")


class BadPeriod(ValueError):
    """A period code that is none of the four shapes, or a week that the year does not have."""


@dataclass(frozen=True, order=True)
class Period:
    """One reporting period: its first day and the day after its last."""

    start: date
    end: date  # exclusive
    kind: str  # month, quarter, week, year

    @property
    def code(self) -> str:
        if self.kind == "month":
            return f"{self.start.year}{self.start.month:02d}"
        if self.kind == "quarter":
            return f"{self.start.year}Q{(self.start.month - 1) // 3 + 1}"
        if self.kind == "week":
            year, week, _day = self.start.isocalendar()
            return f"{year}W{week:02d}"
        return f"{self.start.year}"

    @property
    def last_day(self) -> date:
        return self.end - timedelta(days=1)

    @property
    def days(self) -> int:
        return (self.end - self.start).days

    def __str__(self) -> str:
        return self.code

    @property
    def label(self) -> str:
        """The period in words: "I квартал 2026", "January 2026"."""
        if self.kind == "quarter":
            quarter = (self.start.month - 1) // 3 + 1
            return _("Q%(quarter)s %(year)s") % {
                "quarter": ["I", "II", "III", "IV"][quarter - 1],
                "year": self.start.year,
            }
        if self.kind == "month":
            return f"{MONTHS[self.start.month]} {self.start.year}"
        if self.kind == "week":
            return _("week %(code)s") % {"code": self.code}
        return str(self.start.year)

    def previous(self) -> "Period":
        """The period of the same kind just before this one."""
        return period_containing(self.start - timedelta(days=1), self.kind)

    def same_last_year(self) -> "Period":
        """The period of the same kind a year earlier."""
        if self.kind == "week":
            return period_containing(self.start - timedelta(days=364), "week")
        return period_containing(self.start.replace(year=self.start.year - 1), self.kind)

    def months(self) -> list["Period"]:
        """The months this period covers (a week: the months it touches)."""
        months, day = [], self.start.replace(day=1)
        while day < self.end:
            months.append(month_of(day))
            day = months[-1].end
        return months


def month_of(day: date) -> Period:
    start = day.replace(day=1)
    end = date(start.year + (start.month == 12), start.month % 12 + 1, 1)
    return Period(start, end, "month")


def period_containing(day: date, kind: str) -> Period:
    """The period of a kind that holds a day."""
    if kind == "month":
        return month_of(day)
    if kind == "quarter":
        first = (day.month - 1) // 3 * 3 + 1
        start = date(day.year, first, 1)
        end = date(day.year + (first == 10), (first + 2) % 12 + 1, 1)
        return Period(start, end, "quarter")
    if kind == "week":
        start = day - timedelta(days=day.weekday())
        return Period(start, start + timedelta(days=7), "week")
    if kind == "year":
        return Period(date(day.year, 1, 1), date(day.year + 1, 1, 1), "year")
    raise BadPeriod(f"unknown kind of period: {kind}")


def parse_period(code: str) -> Period:
    """The period a code names; BadPeriod with the accepted shapes otherwise."""
    text = (code or "").strip().upper()
    if m := _MONTH.fullmatch(text):
        return month_of(date(int(m[1]), int(m[2]), 1))
    if m := _QUARTER.fullmatch(text):
        return period_containing(date(int(m[1]), (int(m[2]) - 1) * 3 + 1, 1), "quarter")
    if m := _WEEK.fullmatch(text):
        try:
            start = date.fromisocalendar(int(m[1]), int(m[2]), 1)
        except ValueError:
            raise BadPeriod(_("The year %(year)s has no week %(week)s.") % {"year": m[1], "week": m[2]}) from None
        return Period(start, start + timedelta(days=7), "week")
    if _YEAR.fullmatch(text):
        return period_containing(date(int(text), 1, 1), "year")
    raise BadPeriod(
        _("“%(code)s” is not a period: write 202601 (a month), 2026Q1 (a quarter), 2026W05 (a week) or 2026 (a year).")
        % {"code": code}
    )


def recent_periods(today: date, kind: str, count: int) -> list[Period]:
    """The last `count` complete-or-current periods of a kind, oldest first."""
    periods = [period_containing(today, kind)]
    while len(periods) < count:
        periods.append(periods[-1].previous())
    return list(reversed(periods))
