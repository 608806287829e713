"""Reads of the schools' early warning and support: pupils through `access` (a school reaches its own
pupils), the early-warning list and the pedagogue's tasks, one pupil with their registers, a flag,
a plan, and the figures per school and district (counts, no names). Every read of a pupil is decided
and audited; every list records what it showed."""

import datetime as dt
from dataclasses import dataclass, field

from django.db.models import Case, Count, Exists, IntegerField, Max, OuterRef, Q, QuerySet, Value, When
from django.utils import timezone

from safezone.access.policy import Action, Purpose, Scope
from safezone.access.selectors import grants_for, pupil_filter
from safezone.access.services import authorize, record_list_read
from safezone.accounts.models import User
from safezone.directory.models import Agency
from safezone.directory.selectors import agencies_of_kind

from .calendar import QUARTERS, quarter_bounds, year_bounds
from .models import (
    AttendanceDay,
    AttendanceTotal,
    CourseMark,
    Discipline,
    Enrolment,
    Pupil,
    SchoolClass,
    SupportMeasure,
    SupportPlan,
    Tier,
    WarningFlag,
)
from .services import Attendance, attendance_over, findings_for, pupils_enrolled_in, school_staff_ids

SCHOOL = Purpose.SCHOOL_SUPPORT
FLAGGED = Q(tier__in=[Tier.AT_RISK, Tier.HIGH]) | Q(indicator=WarningFlag.Indicator.TREND)


# --- one record ----------------------------------------------------------------------------------
def pupil_for(user, pk, *, action: str = Action.VIEW_PUPILS, request=None, extra: dict | None = None) -> Pupil:
    """One pupil, if the policy lets the user take `action` on them (AccessDenied or DoesNotExist)."""
    pupil = Pupil.objects.select_related("person", "school", "school__district", "school_class").get(pk=pk)
    authorize(user=user, action=action, purpose=SCHOOL, obj=pupil, request=request, extra=extra)
    return pupil


def flag_for(user, pk, *, action: str = Action.SUPPORT_PUPILS, request=None) -> WarningFlag:
    """One early-warning flag, decided (and recorded) on its pupil."""
    flag = WarningFlag.objects.select_related(
        "pupil__person", "pupil__school", "pupil__school_class", "assigned_to", "handled_by"
    ).get(pk=pk)
    authorize(user=user, action=action, purpose=SCHOOL, obj=flag.pupil, request=request, extra={"flag": flag.pk})
    return flag


def plan_for(user, pk, *, action: str = Action.SUPPORT_PUPILS, request=None) -> SupportPlan:
    """One support plan, decided (and recorded) on its pupil."""
    plan = SupportPlan.objects.select_related(
        "pupil__person", "pupil__school", "pupil__school__district", "pupil__school_class", "opened_by", "case", "flag"
    ).get(pk=pk)
    authorize(user=user, action=action, purpose=SCHOOL, obj=plan.pupil, request=request, extra={"plan": plan.pk})
    return plan


def may_support(user) -> bool:
    """Whether the user handles flags and support plans in some school (not only reads pupils)."""
    return bool(grants_for(user, Action.SUPPORT_PUPILS, SCHOOL))


# --- the early-warning list ----------------------------------------------------------------------
def pupils_visible_to(user, action: str = Action.VIEW_PUPILS) -> QuerySet[Pupil]:
    """The pupils the user reaches (their school's, or their districts' schools')."""
    return Pupil.objects.filter(pupil_filter(user, action, SCHOOL))


def schools_reached(user, action: str = Action.VIEW_PUPILS) -> QuerySet[Agency]:
    """The schools in which the user may take `action`: their own school, or (a district scope) the
    schools of the districts their agency serves, as `access.selectors.pupil_filter` reaches pupils."""
    grants = grants_for(user, action, SCHOOL)
    own = {g.membership.agency_id for g in grants}
    districts = {d for g in grants if g.scope >= Scope.DISTRICT for d in g.districts()}
    return (
        agencies_of_kind(Agency.Kind.SCHOOL)
        .filter(Q(pk__in=sorted(own)) | Q(district_id__in=sorted(districts)))
        .select_related("district")
        .order_by("district__name_ru", "name_ru")
    )


def warning_classes(user, year: int) -> QuerySet[SchoolClass]:
    """The classes of that school year in the user's schools (the list's class filter)."""
    return SchoolClass.objects.filter(year=year, school__in=schools_reached(user)).select_related("school")


def flags_visible_to(user) -> QuerySet[WarningFlag]:
    """The flags of the pupils the user reaches, the ones that are a task (at risk, high, trend)."""
    return WarningFlag.objects.filter(FLAGGED).filter(pupil_filter(user, Action.VIEW_PUPILS, SCHOOL, "pupil__"))


_TIER_RANK = Case(
    When(flags__tier=Tier.HIGH, then=Value(2)),
    When(flags__tier=Tier.AT_RISK, then=Value(1)),
    default=Value(0),
    output_field=IntegerField(),
)


def flagged_pupils(user, flags: QuerySet[WarningFlag], *, year: int, quarter: int) -> QuerySet[Pupil]:
    """The pupils with one of these flags: those with an open task of the user's first, then the worst
    tier, then by class and name."""
    mine = WarningFlag.objects.filter(
        pupil_id=OuterRef("pk"), year=year, quarter=quarter, status=WarningFlag.Status.OPEN, assigned_to=user
    )
    return (
        pupils_visible_to(user)
        .filter(pk__in=flags.values("pupil_id"))
        .annotate(
            mine=Exists(mine),
            worst=Max(_TIER_RANK, filter=Q(flags__year=year, flags__quarter=quarter)),
        )
        .select_related("person", "school", "school_class")
        .order_by("-mine", "-worst", "school__name_ru", "school_class__grade", "school_class__name", "person__surname")
    )


@dataclass
class WarningRow:
    """One pupil of the early-warning list with their flags of the quarter, by indicator."""

    pupil: Pupil
    flags: dict = field(default_factory=dict)

    @property
    def open_for_me(self) -> bool:
        return bool(getattr(self.pupil, "mine", False))


def warning_rows(pupils: list[Pupil], *, year: int, quarter: int) -> list[WarningRow]:
    """The page's pupils with their flags of the quarter (one query for the page)."""
    rows = {p.pk: WarningRow(p) for p in pupils}
    for flag in WarningFlag.objects.filter(pupil_id__in=list(rows), year=year, quarter=quarter):
        rows[flag.pupil_id].flags[flag.indicator] = flag
    return list(rows.values())


@dataclass
class Tasks:
    """What waits for the pedagogue: flags to look at, plan reviews due, measures overdue."""

    flags: list = field(default_factory=list)
    reviews: list = field(default_factory=list)
    measures: list = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.flags) + len(self.reviews) + len(self.measures)

    def pupil_ids(self) -> set[int]:
        return (
            {f.pupil_id for f in self.flags}
            | {p.pupil_id for p in self.reviews}
            | {m.plan.pupil_id for m in self.measures}
        )


TASKS_SHOWN = 50


def tasks_of(user, *, today: dt.date | None = None) -> Tasks:
    """The pedagogue's task list: their open flags (oldest first), the active plans of their pupils
    due for review, and the overdue measures they are responsible for or whose plan they opened."""
    today = today or timezone.localdate()
    if not may_support(user):
        return Tasks()
    reach = pupil_filter(user, Action.SUPPORT_PUPILS, SCHOOL, "pupil__")
    flags = (
        WarningFlag.objects.filter(reach, status=WarningFlag.Status.OPEN, assigned_to=user)
        .select_related("pupil__person", "pupil__school_class")
        .order_by("raised_at", "pk")[:TASKS_SHOWN]
    )
    reviews = (
        SupportPlan.objects.filter(reach, status=SupportPlan.Status.ACTIVE, next_review_on__lte=today)
        .select_related("pupil__person", "pupil__school_class")
        .order_by("next_review_on", "pk")[:TASKS_SHOWN]
    )
    measures = (
        SupportMeasure.objects.filter(
            pupil_filter(user, Action.SUPPORT_PUPILS, SCHOOL, "plan__pupil__"),
            Q(responsible=user) | Q(plan__opened_by=user),
            plan__status=SupportPlan.Status.ACTIVE,
            done_on__isnull=True,
            due_on__lt=today,
        )
        .select_related("plan__pupil__person", "responsible")
        .order_by("due_on", "pk")[:TASKS_SHOWN]
    )
    return Tasks(list(flags), list(reviews), list(measures))


def warning_page_record(user, pupil_ids, request=None, **extra) -> None:
    """Record which pupils the early-warning page showed the user (list and tasks), and the grants."""
    record_list_read(
        user=user,
        action=Action.VIEW_PUPILS,
        purpose=SCHOOL,
        object_type="pupil",
        ids=sorted(pupil_ids),
        request=request,
        extra={"page": "warning", **extra},
    )


# --- one pupil's registers -----------------------------------------------------------------------
@dataclass(frozen=True)
class QuarterAttendance:
    """A pupil's attendance in one quarter."""

    quarter: int
    start: dt.date
    end: dt.date
    attendance: Attendance | None


def pupil_registers(pupil: Pupil, *, year: int, today: dt.date | None = None) -> dict:
    """What the pupil's page shows for a school year: enrolment, attendance per quarter, discipline,
    marks, flags, plans. (The pupil was authorised by pupil_for.)"""
    today = today or timezone.localdate()
    quarters = []
    for quarter in QUARTERS:
        start, end = quarter_bounds(year, quarter)
        counted = attendance_over([pupil.pk], start, min(end, today)).get(pupil.pk) if start <= today else None
        quarters.append(QuarterAttendance(quarter, start, end, counted))
    first, last = year_bounds(year)
    marks: dict[str, dict[int, CourseMark]] = {}
    for mark in CourseMark.objects.filter(pupil=pupil, year=year).order_by("subject", "quarter"):
        marks.setdefault(mark.get_subject_display(), {})[mark.quarter] = mark
    return {
        "enrolments": list(Enrolment.objects.filter(pupil=pupil).order_by("started_on")),
        "quarters": quarters,
        "discipline": list(
            Discipline.objects.filter(pupil=pupil, occurred_on__gte=first, occurred_on__lte=last).order_by(
                "occurred_on"
            )
        ),
        "marks": [(subject, [by_quarter.get(q) for q in QUARTERS]) for subject, by_quarter in sorted(marks.items())],
        "flags": list(
            WarningFlag.objects.filter(pupil=pupil)
            .select_related("assigned_to", "handled_by")
            .order_by("-year", "-quarter", "indicator")
        ),
        "plans": list(SupportPlan.objects.filter(pupil=pupil).select_related("opened_by").order_by("-opened_on")),
        "days_recorded": AttendanceDay.objects.filter(pupil=pupil, day__gte=first, day__lte=last).count()
        + AttendanceTotal.objects.filter(pupil=pupil, starts_on__lte=last, ends_on__gte=first).count(),
    }


def plan_details(plan: SupportPlan) -> dict:
    """A plan's measures (open first) and reviews (newest first)."""
    return {
        "measures": list(plan.measures.select_related("responsible").order_by("done_on", "due_on", "pk")),
        "reviews": list(plan.reviews.select_related("reviewed_by")),
    }


def school_staff(school_id: int) -> QuerySet[User]:
    """The school's staff with an account (who may be responsible for a measure), by name."""
    return User.objects.filter(pk__in=school_staff_ids(school_id)).order_by("last_name", "first_name")


# --- figures -------------------------------------------------------------------------------------
@dataclass
class Figures:
    """Counts of one school or district for a quarter."""

    name: str
    pupils: int = 0
    flagged: int = 0
    supported: int = 0
    returned: int = 0
    dropped_out: int = 0

    def add(self, other: "Figures") -> None:
        for name in ("pupils", "flagged", "supported", "returned", "dropped_out"):
            setattr(self, name, getattr(self, name) + getattr(other, name))


def _school_figures(school: Agency, year: int, quarter: int, today: dt.date) -> Figures:
    start, end = quarter_bounds(year, quarter)
    end = min(end, today)
    pupils = pupils_enrolled_in([school.pk], start, end)
    flagged = WarningFlag.objects.filter(FLAGGED, pupil__school=school, year=year, quarter=quarter)
    # Supported: a plan (active or closed since) ran during the quarter.
    supported = SupportPlan.objects.filter(pupil__school=school, opened_on__lte=end).filter(
        Q(closed_on__isnull=True) | Q(closed_on__gte=start)
    )
    # Returned to regular attendance: flagged on attendance in an earlier quarter, low tier now.
    earlier = (
        WarningFlag.objects.filter(
            pupil__school=school, indicator=WarningFlag.Indicator.ATTENDANCE, tier__in=[Tier.AT_RISK, Tier.HIGH]
        )
        .filter(Q(year__lt=year) | Q(year=year, quarter__lt=quarter))
        .values_list("pupil_id", flat=True)
        .distinct()
    )
    earlier_ids = list(earlier)
    returned = 0
    if earlier_ids:
        now = findings_for(year=year, quarter=quarter, pupil_ids=earlier_ids, today=today)
        returned = sum(1 for f in now if f.indicator == WarningFlag.Indicator.ATTENDANCE and f.tier == Tier.LOW)
    dropped = Enrolment.objects.filter(
        pupil__school=school, end_reason=Enrolment.EndReason.DROPPED_OUT, ended_on__gte=start, ended_on__lte=end
    )
    return Figures(
        name=str(school.short_name),
        pupils=pupils.count(),
        flagged=flagged.values("pupil_id").distinct().count(),
        supported=supported.values("pupil_id").distinct().count(),
        returned=returned,
        dropped_out=dropped.values("pupil_id").distinct().count(),
    )


def school_figures(user, *, year: int, quarter: int, request=None, today: dt.date | None = None) -> dict:
    """The early-warning figures of a quarter per school and per district the user sees (decided and
    recorded as one read of figures; counts only, no names)."""
    authorize(
        user=user,
        action=Action.SCHOOL_FIGURES,
        purpose=SCHOOL,
        request=request,
        extra={"page": "figures", "year": year, "quarter": quarter},
    )
    today = today or timezone.localdate()
    schools, districts = [], {}
    total = Figures(name="")
    for school in schools_reached(user, Action.SCHOOL_FIGURES):
        row = _school_figures(school, year, quarter, today) if quarter_bounds(year, quarter)[0] <= today else None
        row = row or Figures(name=str(school.short_name))
        schools.append((school, row))
        district = districts.setdefault(school.district_id, Figures(name=str(school.district.name)))
        district.add(row)
        total.add(row)
    return {"schools": schools, "districts": list(districts.values()), "total": total}


def flag_counts(user, *, year: int, quarter: int) -> dict:
    """How many pupils of the user's list are flagged in the quarter, per tier (the list's summary)."""
    rows = (
        flags_visible_to(user)
        .filter(year=year, quarter=quarter)
        .values("tier")
        .annotate(n=Count("pupil_id", distinct=True))
        .order_by()
    )
    return {row["tier"]: row["n"] for row in rows}
