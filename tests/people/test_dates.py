"""Partial birth dates: a year, a month and year, or a full date."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from hypothesis import given
from hypothesis import strategies as st

from safezone.people.dates import PartialDate, validate_partial_date


@pytest.mark.parametrize(
    "text, parts",
    [
        ("1985", (1985, None, None)),
        ("03.1985", (1985, 3, None)),
        ("3/1985", (1985, 3, None)),
        ("1985-03", (1985, 3, None)),
        ("12.03.1985", (1985, 3, 12)),
        ("1985-03-12", (1985, 3, 12)),
        (" 1.2.2001 ", (2001, 2, 1)),
    ],
)
def test_partial_dates_are_read_in_the_forms_people_write_them(text, parts):
    d = PartialDate.parse(text)
    assert (d.year, d.month, d.day) == parts


@pytest.mark.parametrize("text", ["", "85", "весна 1985", "31.02.1985", "13.1985", "1899", "01.01.2999"])
def test_impossible_or_unreadable_dates_are_refused(text):
    with pytest.raises(ValidationError):
        PartialDate.parse(text)


@given(st.dates(min_value=dt.date(1900, 1, 1), max_value=dt.date.today()))
def test_a_full_date_survives_being_written_and_read_back(date):
    d = PartialDate(date.year, date.month, date.day)
    assert PartialDate.parse(str(d)) == d


def test_a_day_needs_a_month_and_a_month_needs_a_year():
    with pytest.raises(ValidationError):
        validate_partial_date(1990, None, 5)
    with pytest.raises(ValidationError):
        validate_partial_date(None, 5, None)


def test_age_assumes_the_earliest_day_the_partial_date_allows():
    assert PartialDate(2000).age_on(dt.date(2020, 1, 1)) == 20
    assert PartialDate(2000, 6).age_on(dt.date(2020, 5, 31)) == 19
