"""Reporting periods in DHIS2 codes: months, quarters, ISO weeks and years, their bounds, the period
before and a year before, and a clear refusal of anything else."""

from datetime import date

import pytest

from safezone.stats.periods import BadPeriod, parse_period, period_containing, recent_periods

pytestmark = pytest.mark.no_database


@pytest.mark.parametrize(
    "code, start, end, kind",
    [
        ("202601", date(2026, 1, 1), date(2026, 2, 1), "month"),
        ("202612", date(2026, 12, 1), date(2027, 1, 1), "month"),
        ("2026Q1", date(2026, 1, 1), date(2026, 4, 1), "quarter"),
        ("2026Q4", date(2026, 10, 1), date(2027, 1, 1), "quarter"),
        ("2026W05", date(2026, 1, 26), date(2026, 2, 2), "week"),
        ("2026", date(2026, 1, 1), date(2027, 1, 1), "year"),
        (" 2026q2 ", date(2026, 4, 1), date(2026, 7, 1), "quarter"),
    ],
)
def test_a_code_names_its_first_day_and_the_day_after_its_last(code, start, end, kind):
    period = parse_period(code)
    assert (period.start, period.end, period.kind) == (start, end, kind)
    assert parse_period(period.code) == period


@pytest.mark.parametrize("code", ["", "2026Q5", "202613", "2026W54", "26Q1", "2026-01", "Q1 2026", "2026W00"])
def test_anything_else_is_refused_with_the_accepted_shapes(code):
    with pytest.raises(BadPeriod):
        parse_period(code)


def test_the_period_before_and_a_year_before_keep_the_kind():
    assert parse_period("2026Q1").previous().code == "2025Q4"
    assert parse_period("202601").previous().code == "202512"
    assert parse_period("2026W01").previous().code == "2025W52"
    assert parse_period("2026Q3").same_last_year().code == "2025Q3"
    assert [m.code for m in parse_period("2026Q2").months()] == ["202604", "202605", "202606"]
    assert parse_period("2026Q1").days == 90


def test_recent_periods_end_with_the_one_holding_today():
    assert [p.code for p in recent_periods(date(2026, 2, 10), "quarter", 3)] == ["2025Q3", "2025Q4", "2026Q1"]
    assert period_containing(date(2026, 12, 31), "week").code == "2026W53"
