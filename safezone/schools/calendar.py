"""The Russian school year and its quarters.

A school year starts on 1 September and is named by the calendar year it starts in: 2025 is the
school year 2025/26. Its four quarters (четверти) are fixed here to the usual terms:

    Q1  1 September – 31 October
    Q2  1 November  – 31 December
    Q3  9 January   – 31 March     (after the New Year holidays)
    Q4  1 April     – 31 May

The holidays between terms (1–8 January, June–August) belong to the quarter that just ended:
an early-warning run in the New Year holidays looks at Q2, one in July at Q4 of the year that
ended. Autumn and spring holidays fall inside Q1 and Q3 and count as quarter days; attendance
only counts the school days the registers list, so holidays add nothing to it.
"""

from datetime import date

QUARTERS = (1, 2, 3, 4)


def school_year_of(day: date) -> int:
    """The school year a day belongs to: the calendar year of the 1 September on or before it."""
    return day.year if day.month >= 9 else day.year - 1


def year_bounds(year: int) -> tuple[date, date]:
    """The first and last day of the school year `year`: 1 September to 31 August."""
    return date(year, 9, 1), date(year + 1, 8, 31)


def quarter_bounds(year: int, quarter: int) -> tuple[date, date]:
    """The first and last day (both included) of `quarter` (1–4) of the school year `year`."""
    if quarter == 1:
        return date(year, 9, 1), date(year, 10, 31)
    if quarter == 2:
        return date(year, 11, 1), date(year, 12, 31)
    if quarter == 3:
        return date(year + 1, 1, 9), date(year + 1, 3, 31)
    if quarter == 4:
        return date(year + 1, 4, 1), date(year + 1, 5, 31)
    raise ValueError(f"a school year has quarters 1 to 4, not {quarter}")


def quarter_of(day: date) -> tuple[int, int]:
    """The (school year, quarter) a day falls in; a holiday day between terms belongs to the
    quarter just ended (1–8 January to Q2, June to August to Q4)."""
    year = school_year_of(day)
    for quarter in reversed(QUARTERS):
        if quarter_bounds(year, quarter)[0] <= day:
            return year, quarter
    # Unreachable: Q1 starts on the first day of the school year.
    raise AssertionError(day)


def previous_quarter(year: int, quarter: int) -> tuple[int, int]:
    """The quarter before (Q4 of the year before for Q1)."""
    return (year, quarter - 1) if quarter > 1 else (year - 1, 4)


def quarter_label(year: int, quarter: int) -> str:
    """A short, language-neutral label: "2025/26 Q2"."""
    return f"{year}/{(year + 1) % 100:02d} Q{quarter}"
