"""Schools' registers (classes, pupils, enrolment, attendance, behaviour, marks), early warning
and support plans; the shared list of vulnerable teenagers; the child-labour monitoring chain.

A pupil is a person of the register on one school's roll: the school reaches its own pupils
through `access`, never the person's cases.
"""

import datetime as dt

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from safezone.common.fields import EncryptedTextField

_SCHOOL = {"kind": "school"}
_DISTRICT = {"level": "district"}


# --- the school's registers -----------------------------------------------------------------------
class SchoolClass(models.Model):
    """One class of a school in one school year: 7Б of 2025/26."""

    school = models.ForeignKey(
        "directory.Agency",
        verbose_name=_("school"),
        on_delete=models.PROTECT,
        related_name="school_classes",
        limit_choices_to=_SCHOOL,
    )
    # The calendar year the school year starts in: 2025 is the school year 2025/26.
    year = models.PositiveSmallIntegerField(_("school year"))
    name = models.CharField(_("class"), max_length=16)
    grade = models.PositiveSmallIntegerField(_("grade"))

    class Meta:
        verbose_name = _("class")
        verbose_name_plural = _("classes")
        ordering = ["school", "-year", "grade", "name"]
        constraints = [models.UniqueConstraint(fields=["school", "year", "name"], name="class_unique_in_year")]

    def __str__(self) -> str:
        return f"{self.name} ({self.year}/{(self.year + 1) % 100:02d})"


class Pupil(models.Model):
    """One child on one school's roll: the person of the register and the school's own number for them."""

    school = models.ForeignKey(
        "directory.Agency",
        verbose_name=_("school"),
        on_delete=models.PROTECT,
        related_name="pupils",
        limit_choices_to=_SCHOOL,
    )
    person = models.ForeignKey(
        "people.Person", verbose_name=_("person"), on_delete=models.PROTECT, related_name="pupilships"
    )
    # The pupil's number in the school's own information system: the key of every feed.
    local_id = models.CharField(_("pupil number at the school"), max_length=64)
    school_class = models.ForeignKey(
        SchoolClass,
        verbose_name=_("class"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="pupils",
    )
    created_at = models.DateTimeField(_("added"), auto_now_add=True)

    class Meta:
        verbose_name = _("pupil")
        verbose_name_plural = _("pupils")
        ordering = ["school", "local_id"]
        constraints = [
            models.UniqueConstraint(fields=["school", "local_id"], name="pupil_number_unique_in_school"),
            models.UniqueConstraint(fields=["school", "person"], name="pupil_once_per_school"),
        ]

    def __str__(self) -> str:
        return f"{self.local_id} @ {self.school_id}"


class Enrolment(models.Model):
    """One period a pupil was on the school's roll, from the day they came to the day they left."""

    class EndReason(models.TextChoices):
        MOVED = "moved", _("moved to another school")
        GRADUATED = "graduated", _("finished school")
        DROPPED_OUT = "dropped_out", _("dropped out")
        OTHER = "other", _("other reason")

    pupil = models.ForeignKey(Pupil, verbose_name=_("pupil"), on_delete=models.CASCADE, related_name="enrolments")
    started_on = models.DateField(_("enrolled on"))
    ended_on = models.DateField(_("left on"), null=True, blank=True)
    end_reason = models.CharField(_("why they left"), max_length=16, choices=EndReason.choices, blank=True)

    class Meta:
        verbose_name = _("enrolment")
        verbose_name_plural = _("enrolments")
        ordering = ["pupil", "started_on"]
        constraints = [
            models.UniqueConstraint(fields=["pupil", "started_on"], name="enrolment_unique_start"),
            models.CheckConstraint(
                condition=models.Q(ended_on__isnull=True) | models.Q(ended_on__gte=models.F("started_on")),
                name="enrolment_ends_after_start",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.pupil_id}: {self.started_on}–{self.ended_on or ''}"


class Attendance(models.TextChoices):
    """A pupil's school day. Chronic absence counts every absence, excused or not."""

    PRESENT = "p", _("present")
    LATE = "l", _("late")
    EXCUSED = "e", _("absent with a reason")
    UNEXCUSED = "u", _("absent without a reason")


ABSENT = (Attendance.EXCUSED, Attendance.UNEXCUSED)


class AttendanceDay(models.Model):
    """One school day of one pupil, from the school's daily register."""

    # No index of its own: the unique (pupil, day) index serves lookups by pupil, and a second
    # index would cost every row of a million-row register import one more insert.
    pupil = models.ForeignKey(
        Pupil, verbose_name=_("pupil"), on_delete=models.CASCADE, related_name="days", db_index=False
    )
    day = models.DateField(_("day"))
    status = models.CharField(_("attendance"), max_length=1, choices=Attendance.choices)

    class Meta:
        verbose_name = _("school day")
        verbose_name_plural = _("school days")
        constraints = [models.UniqueConstraint(fields=["pupil", "day"], name="attendance_one_row_a_day")]

    def __str__(self) -> str:
        return f"{self.pupil_id} {self.day} {self.status}"


class AttendanceTotal(models.Model):
    """A pupil's attendance over a period as totals, from a school that keeps no daily register here."""

    pupil = models.ForeignKey(Pupil, verbose_name=_("pupil"), on_delete=models.CASCADE, related_name="totals")
    starts_on = models.DateField(_("from"))
    ends_on = models.DateField(_("until"))
    days_enrolled = models.PositiveSmallIntegerField(_("school days enrolled"))
    days_absent = models.PositiveSmallIntegerField(_("days absent"))

    class Meta:
        verbose_name = _("attendance totals")
        verbose_name_plural = _("attendance totals")
        constraints = [
            models.UniqueConstraint(fields=["pupil", "starts_on", "ends_on"], name="attendance_total_unique_period"),
            models.CheckConstraint(
                condition=models.Q(days_absent__lte=models.F("days_enrolled")), name="attendance_total_absent_le_days"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.pupil_id} {self.starts_on}–{self.ends_on}: {self.days_absent}/{self.days_enrolled}"


class Discipline(models.Model):
    """One disciplinary referral or suspension of a pupil."""

    class Kind(models.TextChoices):
        REFERRAL = "referral", _("disciplinary referral")
        SUSPENSION = "suspension", _("suspension")

    pupil = models.ForeignKey(Pupil, verbose_name=_("pupil"), on_delete=models.CASCADE, related_name="discipline")
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    occurred_on = models.DateField(_("date"))
    days = models.PositiveSmallIntegerField(_("days of suspension"), default=0)
    reason = models.CharField(_("reason"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("disciplinary record")
        verbose_name_plural = _("disciplinary records")
        ordering = ["pupil", "occurred_on"]
        constraints = [models.UniqueConstraint(fields=["pupil", "kind", "occurred_on"], name="discipline_one_a_day")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.occurred_on}"


class Subject(models.TextChoices):
    """Core subjects whose failure counts towards early warning."""

    RUSSIAN = "russian", _("Russian language")
    LITERATURE = "literature", _("literature")
    MATHEMATICS = "mathematics", _("mathematics")
    FOREIGN_LANGUAGE = "foreign_language", _("foreign language")
    SCIENCE = "science", _("science")


class CourseMark(models.Model):
    """A pupil's mark for one quarter in one core subject (5-point scale; 2 or less is a failure)."""

    pupil = models.ForeignKey(Pupil, verbose_name=_("pupil"), on_delete=models.CASCADE, related_name="marks")
    year = models.PositiveSmallIntegerField(_("school year"))
    quarter = models.PositiveSmallIntegerField(_("quarter"))
    subject = models.CharField(_("subject"), max_length=24, choices=Subject.choices)
    mark = models.PositiveSmallIntegerField(_("mark"))

    class Meta:
        verbose_name = _("quarter mark")
        verbose_name_plural = _("quarter marks")
        constraints = [
            models.UniqueConstraint(fields=["pupil", "year", "quarter", "subject"], name="mark_one_per_quarter")
        ]

    def __str__(self) -> str:
        return f"{self.get_subject_display()} {self.year}/{self.quarter}: {self.mark}"

    @property
    def failed(self) -> bool:
        return self.mark <= 2


# --- early warning and support --------------------------------------------------------------------
class Tier(models.TextChoices):
    """Early-warning tiers (ABC: attendance, behaviour, course performance)."""

    LOW = "low", _("low")
    AT_RISK = "at_risk", _("at risk")
    HIGH = "high", _("high")


class WarningFlag(models.Model):
    """One early-warning finding for one pupil in one quarter, and the task it opens for the school's
    social pedagogue: look at it and decide (a support plan, keep watching, nothing to do)."""

    class Indicator(models.TextChoices):
        ATTENDANCE = "attendance", _("attendance")
        BEHAVIOUR = "behaviour", _("behaviour")
        COURSES = "courses", _("course failure")
        # Not yet over a threshold, but heading there.
        TREND = "trend", _("approaching a threshold")

    class Status(models.TextChoices):
        OPEN = "open", _("to look at")
        SUPPORTED = "supported", _("support plan started")
        WATCHING = "watching", _("keep watching")
        DISMISSED = "dismissed", _("nothing to do")

    pupil = models.ForeignKey(Pupil, verbose_name=_("pupil"), on_delete=models.CASCADE, related_name="flags")
    year = models.PositiveSmallIntegerField(_("school year"))
    quarter = models.PositiveSmallIntegerField(_("quarter"))
    indicator = models.CharField(_("indicator"), max_length=16, choices=Indicator.choices)
    tier = models.CharField(_("tier"), max_length=8, choices=Tier.choices)
    # What was measured, e.g. {"absence_pct": 12.5, "days": 48} or {"referrals": 3}.
    measure = models.JSONField(_("measure"), default=dict)
    raised_at = models.DateTimeField(_("raised"), auto_now_add=True)
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.OPEN)
    assigned_to = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("social pedagogue"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="pupil_flags",
    )
    handled_at = models.DateTimeField(_("handled"), null=True, blank=True)
    handled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("handled by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    note = EncryptedTextField(_("note"), blank=True)

    class Meta:
        verbose_name = _("early-warning flag")
        verbose_name_plural = _("early-warning flags")
        ordering = ["-year", "-quarter", "pupil"]
        constraints = [
            models.UniqueConstraint(fields=["pupil", "year", "quarter", "indicator"], name="flag_one_per_quarter")
        ]
        indexes = [models.Index(fields=["status", "assigned_to"])]

    def __str__(self) -> str:
        return f"{self.get_indicator_display()} {self.year}/{self.quarter}: {self.get_tier_display()}"

    @property
    def due_on(self) -> dt.date:
        """The day the pedagogue's task is due: SAFEZONE_EW_TASK_DAYS after the flag was raised."""
        return timezone.localdate(self.raised_at) + dt.timedelta(days=settings.SAFEZONE_EW_TASK_DAYS)


class SupportPlan(models.Model):
    """One plan of social, psychological and pedagogical help for one pupil, reviewed on set dates."""

    class Status(models.TextChoices):
        ACTIVE = "active", _("active")
        CLOSED = "closed", _("closed")

    class Outcome(models.TextChoices):
        RETURNED = "returned", _("back to regular attendance")
        IMPROVED = "improved", _("better, no longer needed")
        MOVED = "moved", _("moved to another school")
        DROPPED_OUT = "dropped_out", _("dropped out")
        REFERRED = "referred", _("handed to a case or the youth-affairs commission")

    pupil = models.ForeignKey(Pupil, verbose_name=_("pupil"), on_delete=models.PROTECT, related_name="plans")
    flag = models.ForeignKey(
        WarningFlag, verbose_name=_("flag"), null=True, blank=True, on_delete=models.SET_NULL, related_name="plans"
    )
    reason = EncryptedTextField(_("why help is needed"))
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.ACTIVE)
    opened_on = models.DateField(_("opened on"))
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("opened by"), on_delete=models.PROTECT, related_name="+"
    )
    next_review_on = models.DateField(_("next review"))
    closed_on = models.DateField(_("closed on"), null=True, blank=True)
    outcome = models.CharField(_("outcome"), max_length=16, choices=Outcome.choices, blank=True)
    # Handed on: to the youth-affairs commission (the date it was sent) or to a case of the register.
    commission_referred_on = models.DateField(_("referred to the youth-affairs commission"), null=True, blank=True)
    case = models.ForeignKey(
        "cases.Case", verbose_name=_("case"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # Bumped on each change, so two people editing one plan are told, not overwritten.
    version = models.PositiveIntegerField(default=1)

    class Meta:
        verbose_name = _("support plan")
        verbose_name_plural = _("support plans")
        ordering = ["next_review_on", "pk"]

    def __str__(self) -> str:
        return f"{self._meta.verbose_name} #{self.pk}"


class SupportMeasure(models.Model):
    """One piece of help in a support plan, who is responsible for it and by when."""

    class Kind(models.TextChoices):
        SOCIAL = "social", _("social")
        PSYCHOLOGICAL = "psychological", _("psychological")
        PEDAGOGICAL = "pedagogical", _("pedagogical")

    plan = models.ForeignKey(SupportPlan, verbose_name=_("plan"), on_delete=models.CASCADE, related_name="measures")
    kind = models.CharField(_("kind of help"), max_length=16, choices=Kind.choices)
    description = models.CharField(_("what"), max_length=300)
    responsible = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("responsible"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    # Staff without an account (the class teacher, the school psychologist): their name.
    responsible_name = models.CharField(_("responsible (name)"), max_length=150, blank=True)
    due_on = models.DateField(_("by"))
    done_on = models.DateField(_("done on"), null=True, blank=True)

    class Meta:
        verbose_name = _("support measure")
        verbose_name_plural = _("support measures")
        ordering = ["plan", "due_on", "pk"]

    def __str__(self) -> str:
        return self.description


class PlanReview(models.Model):
    """One review of a support plan: what changed and when to look again."""

    plan = models.ForeignKey(SupportPlan, verbose_name=_("plan"), on_delete=models.CASCADE, related_name="reviews")
    reviewed_on = models.DateField(_("reviewed on"))
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("reviewed by"), on_delete=models.PROTECT, related_name="+"
    )
    note = EncryptedTextField(_("what changed"))

    class Meta:
        verbose_name = _("plan review")
        verbose_name_plural = _("plan reviews")
        ordering = ["plan", "-reviewed_on", "-pk"]

    def __str__(self) -> str:
        return f"{self.plan_id} {self.reviewed_on}"


# --- vulnerable teenagers -------------------------------------------------------------------------
class Teen(models.Model):
    """One teenager on the shared list of police juvenile inspectors and social workers of a district."""

    person = models.ForeignKey(
        "people.Person", verbose_name=_("person"), on_delete=models.PROTECT, related_name="teen_listings"
    )
    district = models.ForeignKey(
        "directory.Territory",
        verbose_name=_("district"),
        on_delete=models.PROTECT,
        related_name="+",
        limit_choices_to=_DISTRICT,
    )
    street_presence = models.BooleanField(_("spends time on the street"), default=False)
    runs_away = models.BooleanField(_("runs away from home"), default=False)
    offences = models.BooleanField(_("offences"), default=False)
    substance_use = models.BooleanField(_("alcohol or drugs"), default=False)
    note = EncryptedTextField(_("note"), blank=True)
    added_on = models.DateField(_("on the list since"))
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("added by"), on_delete=models.PROTECT, related_name="+"
    )
    agency = models.ForeignKey(
        "directory.Agency", verbose_name=_("added by agency"), on_delete=models.PROTECT, related_name="+"
    )
    removed_on = models.DateField(_("off the list since"), null=True, blank=True)
    removed_reason = models.CharField(_("why taken off"), max_length=200, blank=True)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        verbose_name = _("teenager at risk")
        verbose_name_plural = _("teenagers at risk")
        ordering = ["district", "-added_on", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["person"], condition=models.Q(removed_on__isnull=True), name="teen_listed_once"
            )
        ]

    def __str__(self) -> str:
        return f"{self._meta.verbose_name} #{self.pk}"


class Outreach(models.Model):
    """One outreach contact with a listed teenager: on the street, at home, at school, by phone."""

    class Kind(models.TextChoices):
        STREET = "street", _("on the street")
        HOME = "home", _("home visit")
        SCHOOL = "school", _("at school")
        PHONE = "phone", _("by phone")
        OFFICE = "office", _("at the office")

    teen = models.ForeignKey(Teen, verbose_name=_("teenager"), on_delete=models.CASCADE, related_name="outreach")
    happened_on = models.DateField(_("date"))
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    worker = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("worker"), on_delete=models.PROTECT, related_name="+"
    )
    agency = models.ForeignKey("directory.Agency", verbose_name=_("agency"), on_delete=models.PROTECT, related_name="+")
    note = EncryptedTextField(_("what happened"), blank=True)

    class Meta:
        verbose_name = _("outreach contact")
        verbose_name_plural = _("outreach contacts")
        ordering = ["teen", "-happened_on", "-pk"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.happened_on}"


# --- child-labour monitoring ----------------------------------------------------------------------
class MonitoredArea(models.Model):
    """One settlement or school the child-labour monitoring covers, from a date."""

    district = models.ForeignKey(
        "directory.Territory",
        verbose_name=_("district"),
        on_delete=models.PROTECT,
        related_name="+",
        limit_choices_to=_DISTRICT,
    )
    settlement = models.ForeignKey(
        "directory.Territory",
        verbose_name=_("settlement"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        limit_choices_to={"level": "settlement"},
    )
    school = models.ForeignKey(
        "directory.Agency",
        verbose_name=_("school"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        limit_choices_to=_SCHOOL,
    )
    since = models.DateField(_("monitored since"))
    until = models.DateField(_("monitored until"), null=True, blank=True)

    class Meta:
        verbose_name = _("monitored area")
        verbose_name_plural = _("monitored areas")
        ordering = ["district", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(settlement__isnull=False) | models.Q(school__isnull=False),
                name="monitored_area_names_a_place",
            )
        ]

    def __str__(self) -> str:
        return f"{self._meta.verbose_name} #{self.pk}"


class ObservationVisit(models.Model):
    """One observation visit to a place where children may be working: a market, a road, a farm."""

    class Team(models.TextChoices):
        STREET_SERVICE = "street_service", _("street social service")
        LABOUR_INSPECTION = "labour_inspection", _("labour inspection")
        POLICE = "police", _("police")
        JOINT = "joint", _("joint visit")

    area = models.ForeignKey(
        MonitoredArea, verbose_name=_("area"), null=True, blank=True, on_delete=models.SET_NULL, related_name="visits"
    )
    district = models.ForeignKey(
        "directory.Territory",
        verbose_name=_("district"),
        on_delete=models.PROTECT,
        related_name="+",
        limit_choices_to=_DISTRICT,
    )
    place = models.CharField(_("place"), max_length=200)
    visited_on = models.DateField(_("date"))
    team = models.CharField(_("who visited"), max_length=24, choices=Team.choices)
    agency = models.ForeignKey("directory.Agency", verbose_name=_("agency"), on_delete=models.PROTECT, related_name="+")
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("recorded by"), on_delete=models.PROTECT, related_name="+"
    )
    children_seen = models.PositiveSmallIntegerField(_("children seen working"), default=0)
    note = EncryptedTextField(_("note"), blank=True)

    class Meta:
        verbose_name = _("observation visit")
        verbose_name_plural = _("observation visits")
        ordering = ["-visited_on", "-pk"]
        indexes = [models.Index(fields=["district", "visited_on"])]

    def __str__(self) -> str:
        return f"{self.place} {self.visited_on}"


class WorstForm(models.TextChoices):
    """ILO Convention 182, article 3: the worst forms of child labour."""

    SLAVERY = "slavery", _("slavery, trafficking, forced labour")
    SEXUAL_EXPLOITATION = "sexual_exploitation", _("prostitution and pornography")
    ILLICIT = "illicit", _("illicit activities (e.g. drug trade)")
    HAZARDOUS = "hazardous", _("hazardous work")


class Hazard(models.TextChoices):
    """What makes the work dangerous for this child."""

    HEAVY_LOADS = "heavy_loads", _("heavy loads")
    MACHINERY = "machinery", _("machinery and sharp tools")
    TRAFFIC = "traffic", _("road traffic")
    CHEMICALS = "chemicals", _("chemicals, pesticides, fumes")
    HEIGHTS = "heights", _("heights or underground")
    NIGHT = "night", _("night work")
    LONG_HOURS = "long_hours", _("long hours")
    WEATHER = "weather", _("cold or heat outdoors")
    ABUSE = "abuse", _("abuse by adults")
    ALCOHOL = "alcohol", _("alcohol or tobacco sale")


class WorkingChild(models.Model):
    """One child found at work, followed through the monitoring chain until the alternative holds."""

    class Status(models.TextChoices):
        IDENTIFIED = "identified", _("identified")
        REFERRED = "referred", _("referred to services")
        PROTECTED = "protected", _("protected")
        VERIFIED = "verified", _("left the work (verified)")
        TRACKING = "tracking", _("tracking")
        CLOSED = "closed", _("tracking completed")
        BACK_AT_WORK = "back_at_work", _("back at work")

    person = models.ForeignKey(
        "people.Person", verbose_name=_("person"), on_delete=models.PROTECT, related_name="labour_records"
    )
    district = models.ForeignKey(
        "directory.Territory",
        verbose_name=_("district"),
        on_delete=models.PROTECT,
        related_name="+",
        limit_choices_to=_DISTRICT,
    )
    visit = models.ForeignKey(
        ObservationVisit,
        verbose_name=_("found on the visit"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="children",
    )
    identified_on = models.DateField(_("identified on"))
    worst_form = models.CharField(_("worst form (ILO C182)"), max_length=24, choices=WorstForm.choices)
    hazards = models.JSONField(_("hazards"), default=list, blank=True)
    work = models.CharField(_("the work"), max_length=200)
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.IDENTIFIED)
    # The agency whose worker runs the chain for this child (the child-labour unit or street service).
    agency = models.ForeignKey("directory.Agency", verbose_name=_("agency"), on_delete=models.PROTECT, related_name="+")
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("responsible"), on_delete=models.PROTECT, related_name="+"
    )
    # Each return to work starts the chain again from referral: round 2, 3...
    round = models.PositiveSmallIntegerField(_("round"), default=1)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        verbose_name = _("child at work")
        verbose_name_plural = _("children at work")
        ordering = ["-identified_on", "-pk"]

    def __str__(self) -> str:
        return f"{self._meta.verbose_name} #{self.pk}"


class ChainStep(models.Model):
    """One step of a child's monitoring chain, with the date it is due, the date it was done and its owner."""

    class Kind(models.TextChoices):
        REFERRAL = "referral", _("referral to services")
        PROTECTION = "protection", _("protection (services delivered)")
        VERIFICATION = "verification", _("verification that the child left the work")
        FOLLOW_UP = "follow_up", _("tracking follow-up")

    class Result(models.TextChoices):
        DONE = "done", _("done")
        HOLDS = "holds", _("the alternative holds")
        BACK_AT_WORK = "back_at_work", _("back at work")
        NOT_REACHED = "not_reached", _("not reached")

    child = models.ForeignKey(WorkingChild, verbose_name=_("child"), on_delete=models.CASCADE, related_name="steps")
    round = models.PositiveSmallIntegerField(_("round"), default=1)
    kind = models.CharField(_("step"), max_length=16, choices=Kind.choices)
    # For a follow-up: months after verification (1, 3, 6, 12 by default).
    months = models.PositiveSmallIntegerField(_("months after verification"), default=0)
    due_on = models.DateField(_("due"))
    done_on = models.DateField(_("done on"), null=True, blank=True)
    result = models.CharField(_("result"), max_length=16, choices=Result.choices, blank=True)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("owner"), on_delete=models.PROTECT, related_name="chain_steps"
    )
    agency = models.ForeignKey("directory.Agency", verbose_name=_("agency"), on_delete=models.PROTECT, related_name="+")
    # Which service protects the child (a case's service delivery), when the step is protection.
    service = models.ForeignKey(
        "cases.ServiceDelivery",
        verbose_name=_("service"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    note = EncryptedTextField(_("note"), blank=True)

    class Meta:
        verbose_name = _("chain step")
        verbose_name_plural = _("chain steps")
        ordering = ["child", "round", "due_on", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["child", "round", "kind", "months"], name="chain_step_once_per_round")
        ]
        indexes = [models.Index(fields=["owner", "done_on", "due_on"])]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.due_on}"
