"""Writes of the schools' early warning and support: the engine that raises early-warning flags from
the registers, the social pedagogue's handling of a flag, and support plans with their measures,
reviews, closing and referral onwards.

A flag is a task for the school's social pedagogue, never a report to the police and never a case
opened on its own: a case is opened by a person, through intake, when the pedagogue decides so.
"""

import datetime as dt
from collections import Counter, defaultdict
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, Exists, OuterRef, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from safezone.access.policy import Action, Purpose
from safezone.access.services import AccessDenied, authorize
from safezone.accounts.models import Membership, Role, User
from safezone.accounts.services import notify
from safezone.audit.services import audit_record
from safezone.cases.selectors import case_by_reference
from safezone.common.errors import ChangedMeanwhile
from safezone.directory.models import Agency
from safezone.directory.selectors import agencies_of_kind

from .calendar import previous_quarter, quarter_bounds, year_bounds
from .models import (
    ABSENT,
    AttendanceDay,
    AttendanceTotal,
    CourseMark,
    Discipline,
    Enrolment,
    PlanReview,
    Pupil,
    SupportMeasure,
    SupportPlan,
    Tier,
    WarningFlag,
)

SCHOOL = Purpose.SCHOOL_SUPPORT
Indicator = WarningFlag.Indicator
_RANK = {Tier.LOW: 0, Tier.AT_RISK: 1, Tier.HIGH: 2}
_HANDLED = (WarningFlag.Status.WATCHING, WarningFlag.Status.DISMISSED, WarningFlag.Status.SUPPORTED)


# --- measuring -----------------------------------------------------------------------------------
def tier_for(value: float, thresholds) -> str:
    """The tier of a measured value: at risk from the first threshold on, high from the second."""
    at_risk, high = thresholds
    if value >= high:
        return Tier.HIGH
    if value >= at_risk:
        return Tier.AT_RISK
    return Tier.LOW


def worse(*tiers: str) -> str:
    """The worst of these tiers."""
    return max(tiers, key=_RANK.__getitem__)


@dataclass(frozen=True)
class Attendance:
    """A pupil's enrolled and absent days over one period (days may be fractions: pro-rated totals)."""

    enrolled: float
    absent: float

    @property
    def absence_pct(self) -> float:
        """Absence in % of enrolled days, to one decimal (the tier is decided on the shown value)."""
        return round(100 * self.absent / self.enrolled, 1) if self.enrolled else 0.0


def attendance_over(pupil_ids, start: dt.date, end: dt.date) -> dict[int, Attendance]:
    """Enrolled and absent days of each pupil (of `pupil_ids`, a list or a subquery) from `start` to
    `end`, both included.

    Days come from the daily register, counting only days inside one of the pupil's enrolment
    periods (a day recorded after the pupil left is not theirs to miss). A pupil without any daily
    row in the period is counted from the schools' period totals instead: a total overlapping the
    period counts pro-rata to the calendar days it shares with it (a January total counts 23/31 in
    the third quarter, which starts on 9 January), so that monthly, quarterly and yearly totals all
    fall into the right quarters. A pupil with daily rows has their totals for the same period
    ignored: the daily register is the finer record and the two would count the days twice.
    """
    if end < start:
        return {}
    enrolled_that_day = Enrolment.objects.filter(pupil_id=OuterRef("pupil_id"), started_on__lte=OuterRef("day")).filter(
        Q(ended_on__isnull=True) | Q(ended_on__gte=OuterRef("day"))
    )
    days = (
        AttendanceDay.objects.filter(pupil_id__in=pupil_ids, day__gte=start, day__lte=end)
        .filter(Exists(enrolled_that_day))
        .values("pupil_id")
        .annotate(enrolled=Count("pk"), absent=Count("pk", filter=Q(status__in=ABSENT)))
        .order_by()
    )
    result = {row["pupil_id"]: Attendance(row["enrolled"], row["absent"]) for row in days}
    totals = (
        AttendanceTotal.objects.filter(pupil_id__in=pupil_ids, starts_on__lte=end, ends_on__gte=start)
        .values_list("pupil_id", "starts_on", "ends_on", "days_enrolled", "days_absent")
        .order_by()
    )
    pro_rata: dict[int, list[float]] = defaultdict(lambda: [0.0, 0.0])
    for pupil_id, starts_on, ends_on, enrolled, absent in totals:
        if pupil_id in result:
            continue
        shared = (min(ends_on, end) - max(starts_on, start)).days + 1
        share = shared / ((ends_on - starts_on).days + 1)
        pro_rata[pupil_id][0] += enrolled * share
        pro_rata[pupil_id][1] += absent * share
    for pupil_id, (enrolled, absent) in pro_rata.items():
        result[pupil_id] = Attendance(round(enrolled, 1), round(absent, 1))
    return result


@dataclass(frozen=True)
class Finding:
    """What the engine found for one pupil on one indicator in one quarter."""

    pupil_id: int
    indicator: str
    tier: str
    measure: dict


def _period_end(end: dt.date, today: dt.date) -> dt.date:
    return min(end, today)


def _attendance_findings(pupil_ids, year: int, quarter: int, today: dt.date) -> tuple[list[Finding], list[Finding]]:
    """Attendance tiers of the quarter (from SAFEZONE_EW_MIN_DAYS enrolled days in the year on) and
    trend alerts; the low tiers are findings too (the list and the figures show them)."""
    q_start, q_end = quarter_bounds(year, quarter)
    q_end = _period_end(q_end, today)
    in_quarter = attendance_over(pupil_ids, q_start, q_end)
    so_far = attendance_over(pupil_ids, year_bounds(year)[0], q_end)
    p_year, p_quarter = previous_quarter(year, quarter)
    p_start, p_end = quarter_bounds(p_year, p_quarter)
    before = attendance_over(pupil_ids, p_start, p_end)
    thresholds = settings.SAFEZONE_EW_ABSENCE_PCT
    chronic_from = settings.SAFEZONE_EW_CHRONIC_ABSENCE_PCT
    findings, trends = [], []
    for pupil_id, quarter_days in in_quarter.items():
        year_days = so_far.get(pupil_id)
        if not quarter_days.enrolled or year_days is None or year_days.enrolled < settings.SAFEZONE_EW_MIN_DAYS:
            continue
        pct = quarter_days.absence_pct
        tier = tier_for(pct, thresholds)
        measure = {
            "absence_pct": pct,
            "days": quarter_days.enrolled,
            "absent": quarter_days.absent,
            "year_days": year_days.enrolled,
            "year_absence_pct": year_days.absence_pct,
            # Chronic absence: attendance below 90% (by default) of the enrolled days of the year so far.
            "chronic": 100 - year_days.absence_pct < 100 - chronic_from,
        }
        findings.append(Finding(pupil_id, Indicator.ATTENDANCE, tier, measure))
        previous = before.get(pupil_id)
        if (
            tier == Tier.LOW
            and pct >= thresholds[0] - settings.SAFEZONE_EW_TREND_MARGIN
            and previous is not None
            and previous.enrolled
            and pct > previous.absence_pct
        ):
            trends.append(
                Finding(pupil_id, Indicator.TREND, Tier.LOW, {**measure, "previous_pct": previous.absence_pct})
            )
    return findings, trends


def _behaviour_findings(pupil_ids, year: int, quarter: int, today: dt.date) -> list[Finding]:
    """Referrals and suspensions of the school year up to the quarter's end; the worse of the two."""
    end = _period_end(quarter_bounds(year, quarter)[1], today)
    rows = (
        Discipline.objects.filter(pupil_id__in=pupil_ids, occurred_on__gte=year_bounds(year)[0], occurred_on__lte=end)
        .values("pupil_id")
        .annotate(
            referrals=Count("pk", filter=Q(kind=Discipline.Kind.REFERRAL)),
            suspensions=Count("pk", filter=Q(kind=Discipline.Kind.SUSPENSION)),
        )
        .order_by()
    )
    findings = []
    for row in rows:
        tier = worse(
            tier_for(row["referrals"], settings.SAFEZONE_EW_REFERRALS),
            tier_for(row["suspensions"], settings.SAFEZONE_EW_SUSPENSIONS),
        )
        measure = {"referrals": row["referrals"], "suspensions": row["suspensions"]}
        findings.append(Finding(row["pupil_id"], Indicator.BEHAVIOUR, tier, measure))
    return findings


def _course_findings(pupil_ids, year: int, quarter: int) -> list[Finding]:
    """Core subjects failed (mark 2 or less) in the quarter."""
    failed = CourseMark.objects.filter(pupil_id__in=pupil_ids, year=year, quarter=quarter, mark__lte=2).values_list(
        "pupil_id", "subject"
    )
    subjects: dict[int, list[str]] = defaultdict(list)
    for pupil_id, subject in failed:
        subjects[pupil_id].append(subject)
    return [
        Finding(
            pupil_id,
            Indicator.COURSES,
            tier_for(len(names), settings.SAFEZONE_EW_FAILURES),
            {
                "failures": len(names),
                "subjects": sorted(names),
            },
        )
        for pupil_id, names in subjects.items()
    ]


def pupils_enrolled_in(school_ids, start: dt.date, end: dt.date):
    """Pupils (of these schools, or all) with an enrolment period overlapping `start`–`end`."""
    periods = Enrolment.objects.filter(started_on__lte=end).filter(Q(ended_on__isnull=True) | Q(ended_on__gte=start))
    pupils = Pupil.objects.filter(pk__in=periods.values("pupil_id"))
    if school_ids is not None:
        pupils = pupils.filter(school_id__in=list(school_ids))
    return pupils


def findings_for(*, year: int, quarter: int, pupil_ids, today: dt.date | None = None) -> list[Finding]:
    """Every finding (low tiers included) for these pupils in the quarter, measured up to `today`."""
    today = today or timezone.localdate()
    attendance, trends = _attendance_findings(pupil_ids, year, quarter, today)
    return (
        attendance
        + trends
        + _behaviour_findings(pupil_ids, year, quarter, today)
        + _course_findings(pupil_ids, year, quarter)
    )


# --- the engine ----------------------------------------------------------------------------------
def _pedagogues(school_id: int) -> list[int]:
    """Ids of the active social pedagogues of a school."""
    return list(
        Membership.objects.filter(agency_id=school_id, role=Role.SCHOOL_PEDAGOGUE, is_active=True, user__is_active=True)
        .order_by("user_id")
        .values_list("user_id", flat=True)
        .distinct()
    )


class _Assigner:
    """Gives each new task to the school's social pedagogue with the fewest open flags (counting
    the ones given in this run)."""

    def __init__(self, school_id: int):
        self.load = dict.fromkeys(_pedagogues(school_id), 0)
        open_flags = (
            WarningFlag.objects.filter(status=WarningFlag.Status.OPEN, assigned_to_id__in=list(self.load))
            .values("assigned_to_id")
            .annotate(n=Count("pk"))
            .order_by()
        )
        for row in open_flags:
            self.load[row["assigned_to_id"]] = row["n"]

    def next(self) -> int | None:
        if not self.load:
            return None
        user_id = min(self.load, key=lambda uid: (self.load[uid], uid))
        self.load[user_id] += 1
        return user_id


def _flagged(finding: Finding) -> bool:
    """A finding opens a task when it is at risk or high, or a trend alert."""
    return finding.indicator == Indicator.TREND or finding.tier != Tier.LOW


def _compute_school(school_id: int, year: int, quarter: int, today: dt.date, counts: Counter) -> dict[int, list[int]]:
    """Raise and update the flags of one school's pupils; returns the new flags' ids per pedagogue."""
    start, end = quarter_bounds(year, quarter)
    pupil_ids = list(pupils_enrolled_in([school_id], start, _period_end(end, today)).values_list("pk", flat=True))
    counts["pupils"] += len(pupil_ids)
    if not pupil_ids:
        return {}
    findings = findings_for(year=year, quarter=quarter, pupil_ids=pupil_ids, today=today)
    existing = {
        (f.pupil_id, f.indicator): f
        for f in WarningFlag.objects.filter(pupil_id__in=pupil_ids, year=year, quarter=quarter)
    }
    assigner = _Assigner(school_id)
    new, changed, reopened = [], [], []
    for finding in findings:
        flag = existing.get((finding.pupil_id, finding.indicator))
        if flag is None:
            if _flagged(finding):
                new.append(
                    WarningFlag(
                        pupil_id=finding.pupil_id,
                        year=year,
                        quarter=quarter,
                        indicator=finding.indicator,
                        tier=finding.tier,
                        measure=finding.measure,
                        assigned_to_id=assigner.next(),
                    )
                )
            continue
        if flag.tier == finding.tier and flag.measure == finding.measure:
            continue
        if flag.status == WarningFlag.Status.OPEN:
            # An open task follows the registers: a corrected register may lower it too.
            flag.tier, flag.measure = finding.tier, finding.measure
            changed.append(flag)
        elif _RANK[finding.tier] > _RANK[flag.tier]:
            # A handled flag is never lowered; when it gets worse, the pedagogue is asked to look again
            # (a plan already running stays as it is, its pedagogue is told).
            flag.tier, flag.measure = finding.tier, finding.measure
            if flag.status != WarningFlag.Status.SUPPORTED:
                flag.status = WarningFlag.Status.OPEN
            if flag.assigned_to_id is None:
                flag.assigned_to_id = assigner.next()
            reopened.append(flag)
    WarningFlag.objects.bulk_create(new, batch_size=500)
    WarningFlag.objects.bulk_update(changed + reopened, ["tier", "measure", "status", "assigned_to"], batch_size=500)
    counts["raised"] += len(new)
    counts["updated"] += len(changed)
    counts["worse"] += len(reopened)
    for flag in new:
        counts[f"raised:{flag.indicator}:{flag.tier}"] += 1
    counts["unassigned"] += sum(1 for flag in new if flag.assigned_to_id is None)
    tasks: dict[int, list[int]] = defaultdict(list)
    for flag in new + reopened:
        if flag.assigned_to_id is not None:
            tasks[flag.assigned_to_id].append(flag.pk)
    return tasks


def _tell_pedagogues(tasks: dict[int, list[int]], school_name: str) -> None:
    """One notification per pedagogue per run: how many flags wait for them (a link to the one, or to
    the list). No names: a notification is read on any screen."""
    for user in User.objects.filter(pk__in=list(tasks)):
        ids = tasks[user.pk]
        text = ngettext(
            "%(n)d early-warning flag to look at in %(school)s",
            "%(n)d early-warning flags to look at in %(school)s",
            len(ids),
        ) % {"n": len(ids), "school": school_name}
        url = reverse("schools:flag", args=[ids[0]]) if len(ids) == 1 else reverse("schools:warning")
        notify(users=[user], text=text, url=url)


def warnings_compute(
    *, year: int, quarter: int, school_ids=None, today: dt.date | None = None, progress=None
) -> Counter:
    """Raise the early-warning flags of a quarter from the registers (of these schools, or all) and
    give each new one as a task to a social pedagogue of the pupil's school, with a notification.

    Idempotent: a second run over unchanged registers changes nothing. An open flag follows the
    registers (tier and measure); a flag a pedagogue handled is never lowered, and is opened again
    when it gets worse. Nobody outside the school is told: no police, no case. `progress(school,
    counts)` is called after each school. Returns the counts (pupils, raised, updated, worse, ...).
    """
    if quarter not in (1, 2, 3, 4):
        raise ValueError(_("A school year has quarters 1 to 4."))
    today = today or timezone.localdate()
    counts: Counter = Counter()
    if quarter_bounds(year, quarter)[0] > today:
        return counts
    schools = agencies_of_kind(Agency.Kind.SCHOOL).order_by("code")
    if school_ids is not None:
        schools = schools.filter(pk__in=list(school_ids))
    for school in schools:
        with transaction.atomic():
            before = Counter(counts)
            tasks = _compute_school(school.pk, year, quarter, today, counts)
            _tell_pedagogues(tasks, str(school.name))
            done = counts - before
            if done["raised"] or done["updated"] or done["worse"]:
                audit_record(
                    actor=None,
                    agency=school,
                    action="schools.warnings_computed",
                    purpose=SCHOOL,
                    object_type="agency",
                    object_id=school.pk,
                    extra={"year": year, "quarter": quarter, **{k: v for k, v in done.items() if ":" not in k}},
                )
        counts["schools"] += 1
        if progress is not None:
            progress(school, counts)
    return counts


# --- the pedagogue's decisions -------------------------------------------------------------------
def _audit(actor, action: str, request, object_type: str, object_id, **extra) -> None:
    """One audit event of a write of early warning or support (for school support)."""
    audit_record(
        actor=actor,
        action=action,
        request=request,
        purpose=SCHOOL,
        object_type=object_type,
        object_id=object_id,
        extra=extra or None,
    )


def _may_support(actor, pupil, request, **extra):
    """Decide (and record) whether the actor may handle this pupil's flags and support plans."""
    return authorize(
        user=actor, action=Action.SUPPORT_PUPILS, purpose=SCHOOL, obj=pupil, request=request, extra=extra or None
    )


def flag_handle(*, actor, flag: WarningFlag, status: str, note: str = "", request=None) -> WarningFlag:
    """The pedagogue's decision on a flag: keep watching, or nothing to do (with a note saying why),
    or covered by the pupil's active support plan."""
    _may_support(actor, flag.pupil, request, flag=flag.pk, step=status)
    note = note.strip()
    if status not in (WarningFlag.Status.WATCHING, WarningFlag.Status.DISMISSED, WarningFlag.Status.SUPPORTED):
        raise ValidationError({"status": _("Choose what to do with the flag.")})
    if status == WarningFlag.Status.DISMISSED and len(note) < 5:
        raise ValidationError({"note": _("Say why there is nothing to do (at least 5 characters).")})
    with transaction.atomic():
        locked = WarningFlag.objects.select_for_update().get(pk=flag.pk)
        if status == WarningFlag.Status.SUPPORTED:
            plan = active_plan_of(locked.pupil_id)
            if plan is None:
                raise ValidationError({"status": _("The pupil has no active support plan: start one.")})
        locked.status, locked.handled_at, locked.handled_by = status, timezone.now(), actor
        if note:
            locked.note = note
        locked.save(update_fields=["status", "handled_at", "handled_by", "note"])
        _audit(actor, "flag.handled", request, "pupil", locked.pupil_id, flag=locked.pk, status=status)
    return locked


# --- support plans -------------------------------------------------------------------------------
@dataclass(frozen=True)
class MeasureInput:
    """One piece of help as a form gives it: a staff member with an account, or a name."""

    kind: str
    description: str
    due_on: dt.date
    responsible_id: int | None = None
    responsible_name: str = ""


def active_plan_of(pupil_id: int):
    """The pupil's active support plan, if any."""
    return SupportPlan.objects.filter(pupil_id=pupil_id, status=SupportPlan.Status.ACTIVE).first()


def school_staff_ids(school_id: int) -> set[int]:
    """Ids of the active users with a membership in the school (who may be responsible for help)."""
    return set(
        Membership.objects.filter(agency_id=school_id, is_active=True, user__is_active=True).values_list(
            "user_id", flat=True
        )
    )


def _measure_errors(measure: MeasureInput, school_id: int, opened_on: dt.date, prefix: str = "") -> dict:
    errors = {}
    if measure.kind not in SupportMeasure.Kind.values:
        errors[f"{prefix}kind"] = _("Choose the kind of help: social, psychological or pedagogical.")
    if not measure.description.strip():
        errors[f"{prefix}description"] = _("Say what help is given.")
    elif len(measure.description.strip()) > 300:
        errors[f"{prefix}description"] = _("Say it in at most 300 characters.")
    has_user, has_name = measure.responsible_id is not None, bool(measure.responsible_name.strip())
    if has_user == has_name:
        errors[f"{prefix}responsible"] = _("Choose a staff member of the school or write a name (one of the two).")
    elif has_user and measure.responsible_id not in school_staff_ids(school_id):
        errors[f"{prefix}responsible"] = _("The person responsible must work at the pupil's school.")
    if measure.due_on is None:
        errors[f"{prefix}due_on"] = _("Give the date by which it is done.")
    elif measure.due_on < opened_on:
        errors[f"{prefix}due_on"] = _("The date is before the plan was opened.")
    return errors


def _new_measure(plan, measure: MeasureInput):
    return SupportMeasure(
        plan=plan,
        kind=measure.kind,
        description=measure.description.strip(),
        responsible_id=measure.responsible_id,
        responsible_name="" if measure.responsible_id else measure.responsible_name.strip(),
        due_on=measure.due_on,
    )


def plan_open(
    *,
    actor,
    pupil: Pupil,
    reason: str,
    next_review_on: dt.date,
    measures: list[MeasureInput],
    flag: WarningFlag | None = None,
    request=None,
):
    """Open a support plan for a pupil with its first measures; the flag it answers (if any) is then
    handled ("support plan started"). One active plan per pupil: help is added to it, not beside it."""
    _may_support(actor, pupil, request, step="plan_open", flag=getattr(flag, "pk", None))
    today = timezone.localdate()
    errors = {}
    if len(reason.strip()) < 5:
        errors["reason"] = _("Say why help is needed (at least 5 characters).")
    if next_review_on is None or next_review_on < today:
        errors["next_review_on"] = _("The next review must be today or later.")
    if not measures:
        errors["measures"] = _("Add at least one measure of help.")
    for i, measure in enumerate(measures):
        for name, message in _measure_errors(measure, pupil.school_id, today).items():
            errors.setdefault(name, message)
            errors.setdefault(f"measure-{i}", message)
    if flag is not None and flag.pupil_id != pupil.pk:
        errors["flag"] = _("This flag is not the pupil's.")
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        # Lock the pupil row: two pedagogues starting a plan at once get one plan, not two.
        Pupil.objects.select_for_update().get(pk=pupil.pk)
        if active_plan_of(pupil.pk) is not None:
            raise ValidationError(_("The pupil already has an active support plan: add the help to it."))
        plan = SupportPlan.objects.create(
            pupil=pupil,
            flag=flag,
            reason=reason.strip(),
            opened_on=today,
            opened_by=actor,
            next_review_on=next_review_on,
        )
        SupportMeasure.objects.bulk_create([_new_measure(plan, m) for m in measures])
        if flag is not None:
            WarningFlag.objects.filter(pk=flag.pk).update(
                status=WarningFlag.Status.SUPPORTED, handled_at=timezone.now(), handled_by=actor
            )
        _audit(actor, "support_plan.opened", request, "pupil", pupil.pk, plan=plan.pk, measures=len(measures))
    return plan


def _locked_plan(plan, expected_version: int):
    """The plan locked for a change; ChangedMeanwhile if someone saved it since the form was opened."""
    locked = SupportPlan.objects.select_for_update().get(pk=plan.pk)
    if locked.version != expected_version:
        raise ChangedMeanwhile()
    if locked.status != SupportPlan.Status.ACTIVE:
        raise ValidationError(_("The plan is closed: nothing can be changed in it."))
    return locked


def _bump(plan, *fields: str) -> None:
    plan.version += 1
    plan.save(update_fields=["version", *fields])


def measure_add(*, actor, plan, expected_version: int, measure: MeasureInput, request=None):
    """Add a piece of help to an active plan."""
    _may_support(actor, plan.pupil, request, plan=plan.pk, step="measure_add")
    errors = _measure_errors(measure, plan.pupil.school_id, plan.opened_on)
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        locked = _locked_plan(plan, expected_version)
        added = _new_measure(locked, measure)
        added.save()
        _bump(locked)
        _audit(actor, "support_plan.measure_added", request, "pupil", locked.pupil_id, plan=locked.pk)
    return added


def measure_done(*, actor, plan, measure_id: int, expected_version: int, done_on: dt.date | None = None, request=None):
    """Mark a piece of help done (today unless a date is given)."""
    _may_support(actor, plan.pupil, request, plan=plan.pk, step="measure_done", measure=measure_id)
    done_on = done_on or timezone.localdate()
    if done_on > timezone.localdate() or done_on < plan.opened_on:
        raise ValidationError({"done_on": _("The date must be between the plan's opening and today.")})
    with transaction.atomic():
        locked = _locked_plan(plan, expected_version)
        measure = SupportMeasure.objects.filter(plan=locked, pk=measure_id).first()
        if measure is None:
            raise ValidationError(_("This measure is not in the plan."))
        if measure.done_on is not None:
            raise ValidationError(_("This measure is already done."))
        measure.done_on = done_on
        measure.save(update_fields=["done_on"])
        _bump(locked)
        _audit(
            actor, "support_plan.measure_done", request, "pupil", locked.pupil_id, plan=locked.pk, measure=measure_id
        )
    return measure


def plan_review(*, actor, plan, expected_version: int, note: str, next_review_on: dt.date, request=None):
    """Record a review of the plan (what changed) and when to look again."""
    _may_support(actor, plan.pupil, request, plan=plan.pk, step="review")
    today = timezone.localdate()
    errors = {}
    if len(note.strip()) < 5:
        errors["note"] = _("Say what changed (at least 5 characters).")
    if next_review_on is None or next_review_on <= today:
        errors["next_review_on"] = _("The next review must be after today.")
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        locked = _locked_plan(plan, expected_version)
        review = PlanReview.objects.create(plan=locked, reviewed_on=today, reviewed_by=actor, note=note.strip())
        locked.next_review_on = next_review_on
        _bump(locked, "next_review_on")
        _audit(actor, "support_plan.reviewed", request, "pupil", locked.pupil_id, plan=locked.pk)
    return review


def plan_close(*, actor, plan, expected_version: int, outcome: str, request=None):
    """Close the plan with its outcome (back to regular attendance, better, moved, dropped out, handed on)."""
    _may_support(actor, plan.pupil, request, plan=plan.pk, step="close")
    if outcome not in SupportPlan.Outcome.values:
        raise ValidationError({"outcome": _("Choose the outcome of the plan.")})
    with transaction.atomic():
        locked = _locked_plan(plan, expected_version)
        if outcome == SupportPlan.Outcome.REFERRED and not (locked.commission_referred_on or locked.case_id):
            raise ValidationError(
                {"outcome": _("Refer the pupil to the youth-affairs commission or link a case first.")}
            )
        locked.status, locked.outcome, locked.closed_on = SupportPlan.Status.CLOSED, outcome, timezone.localdate()
        _bump(locked, "status", "outcome", "closed_on")
        _audit(actor, "support_plan.closed", request, "pupil", locked.pupil_id, plan=locked.pk, outcome=outcome)
    return locked


def commission_of(school):
    """The youth-affairs commission (КДНиЗП) that serves the school's district, if there is one."""
    return (
        agencies_of_kind(Agency.Kind.YOUTH_COMMISSION)
        .filter(is_active=True)
        .filter(Q(districts_served=school.district_id) | Q(district_id=school.district_id))
        .distinct()
        .order_by("pk")
        .first()
    )


def plan_refer_commission(*, actor, plan, expected_version: int, referred_on: dt.date, request=None):
    """Record that the pupil was referred to the youth-affairs commission of the school's district on
    that date (the referral itself goes by the commission's own procedure; nothing is sent from here)."""
    _may_support(actor, plan.pupil, request, plan=plan.pk, step="commission")
    commission = commission_of(plan.pupil.school)
    if commission is None:
        raise ValidationError(_("No youth-affairs commission serves the school's district in the directory."))
    if referred_on is None or referred_on > timezone.localdate() or referred_on < plan.opened_on:
        raise ValidationError({"referred_on": _("The date must be between the plan's opening and today.")})
    with transaction.atomic():
        locked = _locked_plan(plan, expected_version)
        locked.commission_referred_on = referred_on
        _bump(locked, "commission_referred_on")
        _audit(
            actor,
            "support_plan.commission_referral",
            request,
            "pupil",
            locked.pupil_id,
            plan=locked.pk,
            commission=commission.pk,
        )
    return locked


def plan_link_case(*, actor, plan, expected_version: int, reference: str, request=None):
    """Link a case of the register to the plan: one the actor may read for case work (the case keeps
    its own access rules; the link gives nobody access to it)."""
    _may_support(actor, plan.pupil, request, plan=plan.pk, step="link_case")
    case = case_by_reference(reference)
    unknown = ValidationError({"reference": _("There is no case with this number that you may read.")})
    if case is None:
        raise unknown
    try:
        authorize(
            user=actor,
            action=Action.VIEW_CASE,
            purpose=Purpose.CASE_WORK,
            obj=case,
            request=request,
            extra={"plan": plan.pk},
        )
    except AccessDenied:
        raise unknown from None
    with transaction.atomic():
        locked = _locked_plan(plan, expected_version)
        locked.case = case
        _bump(locked, "case")
        _audit(actor, "support_plan.case_linked", request, "pupil", locked.pupil_id, plan=locked.pk, case=case.pk)
    return locked
