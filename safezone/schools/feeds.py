"""Writes of the registers schools send from their own information systems: the roll (classes,
pupils, enrolment periods), the daily attendance register, attendance totals, discipline and
quarter marks. Every row names its pupil by the school's own pupil number (`Pupil.local_id`).

The import types of `safezone/imports/schools.py` (the file upload, `manage.py import` and the
feeds API) read and check the rows and decide, through `access`, who may send which school's
registers; the pipeline audits each attempt. These services write what they are given, in the
caller's transaction, upserting by each record's natural key so that the same rows twice change
nothing: each returns Counter(created=…, updated=…, unchanged=…), one count per row.
"""

import datetime as dt
from collections import Counter, defaultdict
from dataclasses import dataclass

from django.utils import timezone
from django.utils.translation import gettext as _

from safezone.directory import selectors as directory_selectors
from safezone.imports.upsert import upsert
from safezone.people.dates import PartialDate
from safezone.people.services import person_known_or_registered

from .calendar import school_year_of
from .models import AttendanceDay, AttendanceTotal, CourseMark, Discipline, Enrolment, Pupil, SchoolClass


class RowRefused(Exception):
    """One row cannot be written as it is: the row, the column (by name) and why."""

    def __init__(self, row: int, field: str, message: str):
        super().__init__(message)
        self.row, self.field, self.message = row, field, message


def school_year_now(today: dt.date | None = None) -> int:
    """The school year running today, named by the year it started in (it starts on 1 September)."""
    return school_year_of(today or timezone.localdate())


def school_by_code(code: str):
    """The school (an agency of kind school) with this code, or None."""
    return directory_selectors.agencies().filter(code=code, kind="school").select_related("district").first()


Periods = tuple[tuple[dt.date, dt.date | None], ...]


def roll_of(school_id: int) -> dict[str, tuple[int, Periods]]:
    """The school's roll as a feed row needs it: pupil number -> (pupil id, enrolment periods as
    (from, until or None)). A system read for checking a feed's rows; it shows nobody anything."""
    periods: dict[int, list] = defaultdict(list)
    for pupil_id, start, end in Enrolment.objects.filter(pupil__school_id=school_id).values_list(
        "pupil_id", "started_on", "ended_on"
    ):
        periods[pupil_id].append((start, end))
    return {
        local_id: (pk, tuple(sorted(periods.get(pk, ()))))
        for pk, local_id in Pupil.objects.filter(school_id=school_id).values_list("pk", "local_id")
    }


def enrolled_on(periods: Periods, day: dt.date) -> bool:
    """Whether one of the periods covers the day."""
    for start, end in periods:
        if start <= day and (end is None or day <= end):
            return True
    return False


# --- the roll --------------------------------------------------------------------------------------
@dataclass
class RollRow:
    """One pupil of a school's roll as the school sends it."""

    row: int
    local_id: str
    surname: str
    first_name: str
    patronymic: str
    sex: str
    birth_date: dt.date
    year: int
    class_name: str
    grade: int
    enrolled_on: dt.date
    left_on: dt.date | None = None
    end_reason: str = ""


def _classes(school, rows: list[RollRow]) -> tuple[dict[tuple[int, str], SchoolClass], set[int]]:
    """The classes the rows name, created or with their grade brought up to date: (year, name) ->
    class, and the ids of classes this changed."""
    wanted = {(r.year, r.class_name): r.grade for r in rows}
    found = {
        (c.year, c.name): c
        for c in SchoolClass.objects.filter(
            school=school, year__in={y for y, _n in wanted}, name__in={n for _y, n in wanted}
        )
    }
    changed: set[int] = set()
    for (year, name), grade in wanted.items():
        school_class = found.get((year, name))
        if school_class is None:
            found[(year, name)] = SchoolClass.objects.create(school=school, year=year, name=name, grade=grade)
        elif school_class.grade != grade:
            school_class.grade = grade
            school_class.save(update_fields=["grade"])
            changed.add(school_class.pk)
    return found, changed


def _person_for(school, r: RollRow, actor):
    """The person of the register this pupil is: one already known (same names, read through
    transliteration and short forms, and the same birth date), or a new one."""
    person, known = person_known_or_registered(
        agency=school,
        surname=r.surname,
        first_name=r.first_name,
        patronymic=r.patronymic,
        sex=r.sex,
        birth=PartialDate(r.birth_date.year, r.birth_date.month, r.birth_date.day),
        district=school.district,
        actor=actor,
    )
    if known:
        other = Pupil.objects.filter(school=school, person=person).values_list("local_id", flat=True).first()
        if other is not None:
            raise RowRefused(
                r.row,
                "pupil",
                _("this child is already on the school's roll as pupil number “%(number)s”") % {"number": other},
            )
    return person


def _enrolment_write(pupil_id: int, r: RollRow, periods: list[Enrolment]) -> bool:
    """The row's enrolment period, by its start date; True when something was written."""
    same = next((e for e in periods if e.started_on == r.enrolled_on), None)
    for e in periods:
        if e is same:
            continue
        starts_before_end = e.ended_on is None or r.enrolled_on <= e.ended_on
        ends_after_start = r.left_on is None or e.started_on <= r.left_on
        if starts_before_end and ends_after_start:
            start = e.started_on.strftime("%d.%m.%Y")
            if e.ended_on is None:
                message = _("the pupil is already enrolled from %(start)s with no end date, which overlaps this period")
            else:
                message = _("the pupil was already enrolled from %(start)s to %(end)s, which overlaps this period")
            end = e.ended_on.strftime("%d.%m.%Y") if e.ended_on else ""
            raise RowRefused(r.row, "enrolled_on", message % {"start": start, "end": end})
    reason = r.end_reason or ""
    if same is None:
        periods.append(
            Enrolment.objects.create(pupil_id=pupil_id, started_on=r.enrolled_on, ended_on=r.left_on, end_reason=reason)
        )
        return True
    if (same.ended_on, same.end_reason) == (r.left_on, reason):
        return False
    same.ended_on, same.end_reason = r.left_on, reason
    same.save(update_fields=["ended_on", "end_reason"])
    return True


def roll_write(*, school, rows: list[RollRow], actor=None) -> Counter:
    """Write one school's roll rows: classes, pupils (a new pupil is the person of the register
    `people.selectors.person_match` finds, or a person registered now) and enrolment periods.

    A pupil already on the roll keeps their person (the register's names are not overwritten by a
    feed) and gets the row's class; a row counts as updated when the pupil's class, its grade or
    the enrolment period changed. Raises RowRefused for a row that cannot be written.
    """
    counts = Counter(created=0, updated=0, unchanged=0)
    classes, regraded = _classes(school, rows)
    pupils = {p.local_id: p for p in Pupil.objects.filter(school=school, local_id__in=[r.local_id for r in rows])}
    periods: dict[int, list[Enrolment]] = defaultdict(list)
    for e in Enrolment.objects.filter(pupil__in=list(pupils.values())):
        periods[e.pupil_id].append(e)
    for r in rows:
        school_class = classes[(r.year, r.class_name)]
        pupil = pupils.get(r.local_id)
        if pupil is None:
            person = _person_for(school, r, actor)
            pupil = Pupil.objects.create(school=school, person=person, local_id=r.local_id, school_class=school_class)
            pupils[r.local_id] = pupil
            state = "created"
        else:
            state = "updated" if school_class.pk in regraded else "unchanged"
            if pupil.school_class_id != school_class.pk:
                pupil.school_class = school_class
                pupil.save(update_fields=["school_class"])
                state = "updated"
        if _enrolment_write(pupil.pk, r, periods[pupil.pk]) and state == "unchanged":
            state = "updated"
        counts[state] += 1
    return counts


# --- the registers ---------------------------------------------------------------------------------
def attendance_write(rows: list[tuple[int, dt.date, str]]) -> Counter:
    """Days of the daily register: (pupil id, day, Attendance code), one row per pupil and day."""
    return upsert(AttendanceDay, key=("pupil", "day"), fields=("status",), rows=rows)


def attendance_totals_write(rows: list[tuple[int, dt.date, dt.date, int, int]]) -> Counter:
    """Attendance totals: (pupil id, from, until, school days enrolled, days absent)."""
    return upsert(
        AttendanceTotal, key=("pupil", "starts_on", "ends_on"), fields=("days_enrolled", "days_absent"), rows=rows
    )


def discipline_write(rows: list[tuple[int, str, dt.date, int, str]]) -> Counter:
    """Disciplinary referrals and suspensions: (pupil id, Discipline.Kind, date, days, reason)."""
    return upsert(Discipline, key=("pupil", "kind", "occurred_on"), fields=("days", "reason"), rows=rows)


def marks_write(rows: list[tuple[int, int, int, str, int]]) -> Counter:
    """Quarter marks: (pupil id, school year, quarter, Subject code, mark)."""
    return upsert(CourseMark, key=("pupil", "year", "quarter", "subject"), fields=("mark",), rows=rows)
