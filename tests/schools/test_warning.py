"""The early-warning engine: attendance tiers over enrolled days (from 30 enrolled days in the year
on), behaviour over the school year, course failure per quarter, the trend alert; each boundary, a
changed setting, idempotence, handled flags never lowered, and the task that goes to the school's
social pedagogue (never the police, never a case)."""

import datetime as dt
from collections import Counter
from io import StringIO

import pytest
from django.core.management import call_command
from django.test import override_settings

from safezone.accounts.models import Membership, Notification, Role, User
from safezone.cases.models import Case
from safezone.people.models import Person
from safezone.schools.calendar import previous_quarter, quarter_bounds, quarter_of, school_year_of
from safezone.schools.models import (
    AttendanceDay,
    AttendanceTotal,
    CourseMark,
    Discipline,
    Enrolment,
    Pupil,
    WarningFlag,
)
from safezone.schools.services import attendance_over, flag_handle, warnings_compute

pytestmark = pytest.mark.django_db

YEAR, QUARTER = 2025, 2  # 1 November – 31 December 2025
TODAY = dt.date(2026, 1, 5)  # the New Year holidays: Q2 has ended, Q3 not begun


# --- helpers shared by the schools' tests ---------------------------------------------------------
def pupil_in(school, local_id: str, *, started_on=dt.date(2025, 9, 1), ended_on=None, end_reason="", **person):
    """A pupil on the school's roll from `started_on` (a person of the register made for them)."""
    fields = {"surname": "Соколов", "first_name": f"Ученик {local_id}", "sex": "M", "birth_year": 2012, **person}
    pupil = Pupil.objects.create(school=school, person=Person.objects.create(**fields), local_id=local_id)
    Enrolment.objects.create(pupil=pupil, started_on=started_on, ended_on=ended_on, end_reason=end_reason)
    return pupil


def weekdays(start: dt.date, count: int) -> list[dt.date]:
    """The first `count` weekdays from `start` on."""
    days, day = [], start
    while len(days) < count:
        if day.weekday() < 5:
            days.append(day)
        day += dt.timedelta(days=1)
    return days


def attend(pupil, days: list[dt.date], absent: int = 0, status: str = "u") -> None:
    """The pupil's register for these days: the first `absent` of them missed, the rest present."""
    AttendanceDay.objects.bulk_create(
        AttendanceDay(pupil=pupil, day=day, status=status if i < absent else "p") for i, day in enumerate(days)
    )


def quarter_days(count: int, year: int = YEAR, quarter: int = QUARTER) -> list[dt.date]:
    return weekdays(quarter_bounds(year, quarter)[0], count)


def run(**kwargs) -> Counter:
    return warnings_compute(
        year=kwargs.pop("year", YEAR), quarter=kwargs.pop("quarter", QUARTER), today=TODAY, **kwargs
    )


def flag_of(pupil, indicator: str = "attendance", year: int = YEAR, quarter: int = QUARTER) -> WarningFlag | None:
    return WarningFlag.objects.filter(pupil=pupil, indicator=indicator, year=year, quarter=quarter).first()


def tier_of(pupil, indicator: str = "attendance") -> str | None:
    flag = flag_of(pupil, indicator)
    return flag.tier if flag else None


# --- the school calendar --------------------------------------------------------------------------
def test_the_school_year_starts_on_the_first_of_september():
    assert school_year_of(dt.date(2025, 9, 1)) == 2025
    assert school_year_of(dt.date(2025, 8, 31)) == 2024
    assert school_year_of(dt.date(2026, 5, 31)) == 2025


def test_the_quarters_follow_the_russian_terms_and_holidays_belong_to_the_quarter_just_ended():
    assert quarter_bounds(2025, 1) == (dt.date(2025, 9, 1), dt.date(2025, 10, 31))
    assert quarter_bounds(2025, 2) == (dt.date(2025, 11, 1), dt.date(2025, 12, 31))
    assert quarter_bounds(2025, 3) == (dt.date(2026, 1, 9), dt.date(2026, 3, 31))
    assert quarter_bounds(2025, 4) == (dt.date(2026, 4, 1), dt.date(2026, 5, 31))
    assert quarter_of(dt.date(2026, 1, 5)) == (2025, 2)
    assert quarter_of(dt.date(2026, 1, 9)) == (2025, 3)
    assert quarter_of(dt.date(2026, 7, 15)) == (2025, 4)
    assert quarter_of(dt.date(2025, 10, 31)) == (2025, 1)
    assert previous_quarter(2025, 1) == (2024, 4)
    with pytest.raises(ValueError):
        quarter_bounds(2025, 5)


# --- attendance -----------------------------------------------------------------------------------
def test_absence_tiers_change_exactly_at_five_and_ten_percent(world):
    cases = {
        "a": (41, 2, "low"),  # 4.9 %
        "b": (40, 2, "at_risk"),  # 5.0 %
        "c": (41, 4, "at_risk"),  # 9.8 %
        "d": (40, 4, "high"),  # 10.0 %
    }
    pupils = {}
    for local_id, (days, absent, _tier) in cases.items():
        pupils[local_id] = pupil_in(world.school, local_id)
        attend(pupils[local_id], quarter_days(days), absent)
    run()
    for local_id, (_days, _absent, tier) in cases.items():
        assert tier_of(pupils[local_id]) == (None if tier == "low" else tier), local_id
    assert flag_of(pupils["b"]).measure["absence_pct"] == 5.0
    assert flag_of(pupils["c"]).measure["absence_pct"] == 9.8


def test_no_attendance_tier_before_thirty_enrolled_days_in_the_year(world):
    short, enough = pupil_in(world.school, "short"), pupil_in(world.school, "enough")
    attend(short, quarter_days(29), absent=10)
    attend(enough, quarter_days(30), absent=10)
    run()
    assert tier_of(short) is None
    assert tier_of(enough) == "high"


def test_days_of_the_earlier_quarters_count_towards_the_thirty(world):
    pupil = pupil_in(world.school, "p")
    attend(pupil, weekdays(dt.date(2025, 9, 1), 20))
    attend(pupil, quarter_days(15), absent=3)
    run()
    flag = flag_of(pupil)
    assert flag.tier == "high"
    assert flag.measure["days"] == 15 and flag.measure["year_days"] == 35


@override_settings(SAFEZONE_EW_ABSENCE_PCT=(3.0, 6.0), SAFEZONE_EW_MIN_DAYS=20)
def test_the_thresholds_come_from_the_settings(world):
    low, risky, high = (pupil_in(world.school, x) for x in ("low", "risky", "high"))
    attend(low, quarter_days(25), absent=0)
    attend(risky, quarter_days(25), absent=1)  # 4 %: at risk from 3 %
    attend(high, quarter_days(25), absent=2)  # 8 %: high from 6 %
    run()
    assert (tier_of(low), tier_of(risky), tier_of(high)) == (None, "at_risk", "high")


def test_days_after_the_pupil_left_are_not_theirs_to_miss(world):
    pupil = pupil_in(world.school, "left", ended_on=dt.date(2025, 11, 30), end_reason="moved")
    days = quarter_days(40)
    attend(pupil, [d for d in days if d <= dt.date(2025, 11, 30)])
    # The register went on marking the pupil absent after they left.
    AttendanceDay.objects.bulk_create(AttendanceDay(pupil=pupil, day=d, status="u") for d in days if d.month == 12)
    AttendanceDay.objects.bulk_create(
        AttendanceDay(pupil=pupil, day=d, status="p") for d in weekdays(dt.date(2025, 9, 1), 30)
    )
    run()
    assert tier_of(pupil) is None
    assert attendance_over([pupil.pk], *quarter_bounds(YEAR, QUARTER))[pupil.pk].absent == 0


def test_chronic_absence_is_attendance_below_ninety_percent_of_the_year_so_far(world):
    ten, more = pupil_in(world.school, "ten"), pupil_in(world.school, "more")
    attend(ten, quarter_days(40), absent=4)  # exactly 90 % attended
    attend(more, quarter_days(40), absent=5)
    run()
    assert flag_of(ten).measure["chronic"] is False
    assert flag_of(more).measure["chronic"] is True


def test_period_totals_count_pro_rata_to_the_days_they_share_with_the_quarter(world):
    pupil = pupil_in(world.school, "totals")
    AttendanceTotal.objects.create(
        pupil=pupil, starts_on=dt.date(2026, 1, 1), ends_on=dt.date(2026, 1, 31), days_enrolled=20, days_absent=4
    )
    counted = attendance_over([pupil.pk], *quarter_bounds(2025, 3))[pupil.pk]
    assert (counted.enrolled, counted.absent) == (round(20 * 23 / 31, 1), round(4 * 23 / 31, 1))
    whole = pupil_in(world.school, "whole")
    AttendanceTotal.objects.create(
        pupil=whole, starts_on=dt.date(2025, 11, 1), ends_on=dt.date(2025, 12, 31), days_enrolled=40, days_absent=5
    )
    run()
    assert flag_of(whole).tier == "high" and flag_of(whole).measure["absence_pct"] == 12.5


def test_a_daily_register_wins_over_totals_of_the_same_period(world):
    pupil = pupil_in(world.school, "both")
    attend(pupil, quarter_days(40), absent=0)
    AttendanceTotal.objects.create(
        pupil=pupil, starts_on=dt.date(2025, 11, 1), ends_on=dt.date(2025, 12, 31), days_enrolled=40, days_absent=20
    )
    assert attendance_over([pupil.pk], *quarter_bounds(YEAR, QUARTER))[pupil.pk].enrolled == 40


# --- behaviour and courses ------------------------------------------------------------------------
def _discipline(pupil, kind: str, count: int, start=dt.date(2025, 9, 2)) -> None:
    for day in weekdays(start, count):
        Discipline.objects.create(pupil=pupil, kind=kind, occurred_on=day, days=3 if kind == "suspension" else 0)


@pytest.mark.parametrize(
    ("referrals", "suspensions", "tier"),
    [
        (1, 0, None),
        (2, 0, "at_risk"),
        (5, 0, "at_risk"),
        (6, 0, "high"),
        (0, 1, "at_risk"),
        (0, 2, "high"),
        (1, 2, "high"),
    ],
)
def test_behaviour_tiers_by_referrals_and_suspensions_of_the_year_the_worse_of_the_two(
    world, referrals, suspensions, tier
):
    pupil = pupil_in(world.school, "b")
    _discipline(pupil, "referral", referrals)
    _discipline(pupil, "suspension", suspensions)
    run()
    assert tier_of(pupil, "behaviour") == tier


def test_referrals_of_the_year_before_do_not_count(world):
    pupil = pupil_in(world.school, "b", started_on=dt.date(2024, 9, 1))
    _discipline(pupil, "referral", 6, start=dt.date(2025, 3, 2))
    _discipline(pupil, "referral", 1)
    run()
    assert tier_of(pupil, "behaviour") is None


def test_course_failure_counts_core_subjects_marked_two_or_less_in_the_quarter(world):
    one, two, none = pupil_in(world.school, "one"), pupil_in(world.school, "two"), pupil_in(world.school, "none")
    CourseMark.objects.create(pupil=one, year=YEAR, quarter=QUARTER, subject="mathematics", mark=2)
    CourseMark.objects.create(pupil=one, year=YEAR, quarter=QUARTER, subject="russian", mark=3)
    CourseMark.objects.create(pupil=two, year=YEAR, quarter=QUARTER, subject="mathematics", mark=2)
    CourseMark.objects.create(pupil=two, year=YEAR, quarter=QUARTER, subject="science", mark=1)
    CourseMark.objects.create(pupil=none, year=YEAR, quarter=1, subject="mathematics", mark=2)  # another quarter
    run()
    assert (tier_of(one, "courses"), tier_of(two, "courses"), tier_of(none, "courses")) == ("at_risk", "high", None)
    assert flag_of(two, "courses").measure == {"failures": 2, "subjects": ["mathematics", "science"]}


# --- trend ----------------------------------------------------------------------------------------
def test_a_low_pupil_close_to_at_risk_and_worse_than_last_quarter_gets_a_trend_alert(world):
    rising, far, falling = (pupil_in(world.school, x) for x in ("rising", "far", "falling"))
    attend(rising, weekdays(dt.date(2025, 9, 1), 40), absent=0)
    attend(rising, quarter_days(25), absent=1)  # 4.0 %: within 1.5 points of 5
    attend(far, weekdays(dt.date(2025, 9, 1), 40), absent=0)
    attend(far, quarter_days(30), absent=1)  # 3.3 %: too far from 5
    attend(falling, weekdays(dt.date(2025, 9, 1), 40), absent=2)  # 5 % the quarter before
    attend(falling, quarter_days(25), absent=1)  # 4.0 %, better than before
    run()
    trend = flag_of(rising, "trend")
    assert trend.tier == "low" and trend.measure["previous_pct"] == 0.0 and trend.measure["absence_pct"] == 4.0
    assert flag_of(far, "trend") is None and flag_of(falling, "trend") is None
    assert tier_of(rising) is None


# --- flags, tasks, idempotence --------------------------------------------------------------------
def _three_flagged(world):
    pupils = [pupil_in(world.school, f"f{i}") for i in range(3)]
    for pupil in pupils:
        attend(pupil, quarter_days(40), absent=6)
    return pupils


def test_a_flag_opens_a_task_for_the_schools_pedagogue_and_nobody_else_is_told(world):
    pupil = _three_flagged(world)[0]
    sokol = pupil_in(world.school_sokol, "s1")
    attend(sokol, quarter_days(40), absent=6)
    cases_before = Case.objects.count()
    counts = run()
    assert counts["raised"] == 4 and counts["raised:attendance:high"] == 4
    assert flag_of(pupil).assigned_to == world.pavel and flag_of(pupil).status == "open"
    assert flag_of(sokol).assigned_to == world.zoya
    assert Notification.objects.filter(user=world.pavel).count() == 1
    assert "3" in Notification.objects.get(user=world.pavel).text
    police = [world.ilya, world.petr]
    assert not Notification.objects.filter(user__in=police).exists()
    assert not Notification.objects.exclude(user__in=[world.pavel, world.zoya]).exists()
    assert Case.objects.count() == cases_before


def test_with_two_pedagogues_the_one_with_fewer_open_flags_gets_the_task(world):
    second = User.objects.create(username="vera")
    Membership.objects.create(user=second, agency=world.school, role=Role.SCHOOL_PEDAGOGUE, dp_training_on=TODAY)
    old = pupil_in(world.school, "old")
    WarningFlag.objects.create(
        pupil=old, year=2025, quarter=1, indicator="courses", tier="high", assigned_to=world.pavel
    )
    pupils = _three_flagged(world)
    run()
    given = Counter(flag_of(p).assigned_to.username for p in pupils)
    assert given == {"vera": 2, "pavel": 1}


def test_running_twice_changes_nothing_the_second_time(world):
    _three_flagged(world)
    trend = pupil_in(world.school, "t")
    attend(trend, weekdays(dt.date(2025, 9, 1), 40))
    attend(trend, quarter_days(25), absent=1)
    first = run()
    rows = list(WarningFlag.objects.order_by("pk").values())
    notes = Notification.objects.count()
    second = run()
    assert first["raised"] == 4
    assert second["raised"] == second["updated"] == second["worse"] == 0
    assert list(WarningFlag.objects.order_by("pk").values()) == rows
    assert Notification.objects.count() == notes


def test_an_open_flag_follows_the_registers(world):
    pupil = pupil_in(world.school, "p")
    attend(pupil, quarter_days(40), absent=2)
    run()
    assert flag_of(pupil).tier == "at_risk"
    AttendanceDay.objects.filter(pupil=pupil, day__in=quarter_days(40)[2:6]).update(status="e")
    counts = run()
    assert counts["updated"] == 1 and counts["raised"] == 0
    flag = flag_of(pupil)
    assert flag.tier == "high" and flag.measure["absent"] == 6 and flag.status == "open"


def test_a_handled_flag_is_never_lowered_and_is_opened_again_when_it_gets_worse(world):
    pupil = pupil_in(world.school, "p")
    attend(pupil, quarter_days(40), absent=3)
    run()
    flag_handle(actor=world.pavel, flag=flag_of(pupil), status="watching")
    # A corrected register: fewer absences. The pedagogue's decision stands.
    AttendanceDay.objects.filter(pupil=pupil).update(status="p")
    assert run()["updated"] == 0
    flag = flag_of(pupil)
    assert (flag.tier, flag.status, flag.measure["absent"]) == ("at_risk", "watching", 3)
    # Then much worse: the pedagogue is asked to look again.
    AttendanceDay.objects.filter(pupil=pupil, day__in=quarter_days(40)[:8]).update(status="u")
    notes = Notification.objects.filter(user=world.pavel).count()
    assert run()["worse"] == 1
    flag = flag_of(pupil)
    assert (flag.tier, flag.status) == ("high", "open")
    assert Notification.objects.filter(user=world.pavel).count() == notes + 1


def test_a_quarter_that_has_not_started_raises_nothing(world):
    attend(pupil_in(world.school, "p"), quarter_days(40), absent=10)
    assert warnings_compute(year=2025, quarter=3, today=TODAY) == Counter()
    assert not WarningFlag.objects.exists()


def test_the_command_counts_a_quarter_of_one_school(world):
    _three_flagged(world)
    attend(pupil_in(world.school_sokol, "s"), quarter_days(40), absent=6)
    out = StringIO()
    call_command(
        "early_warning",
        "--year=2025",
        "--quarter=2",
        "--school=school-1",
        "--today=2026-01-05",
        stdout=out,
        stderr=StringIO(),
    )
    text = out.getvalue()
    assert "schools: 1" in text and "pupils: 3" in text and "raised: 3" in text
    assert WarningFlag.objects.filter(pupil__school=world.school_sokol).count() == 0
    again = StringIO()
    call_command("early_warning", "--year=2025", "--quarter=2", "--today=2026-01-05", stdout=again, stderr=StringIO())
    assert "raised: 1" in again.getvalue()


def test_the_command_refuses_an_unknown_school_and_a_half_given_quarter(world):
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="no school"):
        call_command("early_warning", "--school=nowhere", stdout=StringIO())
    with pytest.raises(CommandError, match="together"):
        call_command("early_warning", "--year=2025", stdout=StringIO())
