"""The cases of the last two years that the demo's history draws on: meeting referrals and shelter
stays month by month, so every quarter of the dashboards and the governor's report has figures.

The chunk writer notes each case it writes here (bounded per month, so a region of a million cases
keeps only a few thousand), with the keys the registers gave it; nothing here reads the registers.
"""

import datetime as dt
from collections import Counter
from dataclasses import dataclass, field

# Months of history and how many cases of each month are kept to draw on.
MONTHS = 24
PER_MONTH = 150


@dataclass
class SeenCase:
    """A written case, as the history needs it."""

    pk: int
    kind: str
    district: str
    worker: int
    opened_on: dt.date
    closed_on: dt.date | None
    victim: int | None
    perpetrator: int | None
    incidents: list[tuple[dt.date, bool]] = field(default_factory=list)  # (day, reported to police)

    def open_on(self, day: dt.date) -> bool:
        return self.opened_on <= day and (self.closed_on is None or day <= self.closed_on)


def history_start(today: dt.date) -> dt.date:
    """The first day of the history: the first of the month MONTHS months before today's."""
    months = today.year * 12 + today.month - 1 - MONTHS
    return dt.date(months // 12, months % 12 + 1, 1)


def quarters(start: dt.date, today: dt.date) -> list[tuple[dt.date, dt.date]]:
    """(first day, last day) of each calendar quarter from the one holding `start` to today's."""
    found = []
    year, q = start.year, (start.month - 1) // 3
    while dt.date(year, q * 3 + 1, 1) <= today:
        first = dt.date(year, q * 3 + 1, 1)
        year, q = (year + 1, 0) if q == 3 else (year, q + 1)
        found.append((first, dt.date(year, q * 3 + 1, 1) - dt.timedelta(days=1)))
    return found


class CasePool:
    """The cases of the history window (and of the year before it, still open in it now and then),
    at most PER_MONTH of each month in the order written."""

    def __init__(self, today: dt.date):
        self.start = history_start(today)
        self.first_opened = self.start - dt.timedelta(days=365)
        self.cases: list[SeenCase] = []
        self._per_month: Counter = Counter()

    def add(self, case: SeenCase) -> None:
        if case.opened_on < self.first_opened:
            return
        month = (case.opened_on.year, case.opened_on.month)
        if self._per_month[month] >= PER_MONTH:
            return
        self._per_month[month] += 1
        self.cases.append(case)

    def of_kinds(self, *kinds: str) -> list[SeenCase]:
        return sorted((c for c in self.cases if c.kind in kinds), key=lambda c: (c.opened_on, c.pk))
