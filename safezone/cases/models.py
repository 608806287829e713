"""Cases, the people taking part in them, and the incidents recorded on them."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from safezone.access.models import LegalGround
from safezone.common.fields import EncryptedTextField
from safezone.common.models import BilingualName


class ViolenceForm(BilingualName):
    """One form of violence or exploitation an incident can involve (reference list)."""

    code = models.SlugField(_("code"), max_length=32, unique=True)
    ordering = models.PositiveSmallIntegerField(_("order"), default=0)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("form of violence")
        verbose_name_plural = _("forms of violence")
        ordering = ["ordering", "code"]


class Case(models.Model):
    """One case: the work of the agencies around a person or family at risk."""

    class Kind(models.TextChoices):
        DOMESTIC_VIOLENCE = "dv", _("domestic violence")
        CHILD_AT_RISK = "child", _("child at risk")
        CHILD_LABOUR = "labour", _("child labour")
        TRAFFICKING = "trafficking", _("trafficking")

    class Status(models.TextChoices):
        OPEN = "open", _("open")
        MONITORING = "monitoring", _("monitoring")
        CLOSED = "closed", _("closed")

    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.OPEN)
    owner_agency = models.ForeignKey(
        "directory.Agency", verbose_name=_("agency"), on_delete=models.PROTECT, related_name="owned_cases"
    )
    owner_worker = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("worker"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="owned_cases",
        db_index=False,  # case_worker_agency (below) starts with it
    )
    owner_unit = models.ForeignKey(
        "directory.Unit", verbose_name=_("unit"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    district = models.ForeignKey(
        "directory.Territory",
        verbose_name=_("district"),
        on_delete=models.PROTECT,
        related_name="+",
        limit_choices_to={"level": "district"},
    )
    opened_on = models.DateField(_("opened"))
    closed_on = models.DateField(_("closed"), null=True, blank=True)
    # Narrative and safe-contact instructions: encrypted at rest, shown only to roles that need them.
    summary = EncryptedTextField(_("summary"), blank=True)
    safe_contact = EncryptedTextField(
        _("safe-contact instructions"),
        blank=True,
        help_text=_("How to reach the person safely: which phone, which hours, a code word, what never to do."),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)
    # Raised on every change; an edit based on an older version is refused, not silently applied.
    version = models.PositiveIntegerField(_("version"), default=1)
    # Set by the retention schedule when the case's personal data was anonymised.
    anonymised_at = models.DateTimeField(_("anonymised"), null=True, blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("case")
        verbose_name_plural = _("cases")
        ordering = ["-opened_on", "-id"]
        # One per scope, in the list's order: a scope's first page is read off its index in order
        # (no sort of the agency's or district's cases), and its count and the sealed cases taken
        # out of it are counted on the index alone.
        indexes = [
            models.Index(fields=["owner_agency", "opened_on", "id"], name="case_agency_opened_id"),
            models.Index(fields=["owner_worker", "owner_agency", "opened_on", "id"], name="case_worker_opened_id"),
            # A worker's own cases counted: on PostgreSQL its repeated keys are stored once with their
            # rows (deduplication), so ten thousand of them are a dozen pages, as on the one-column
            # indexes the other scopes count on (agency, unit, district), not the thousand pages of
            # the ordered index above (measured at 1M cases: 2.5 ms a capped count, 2.0 ms on this).
            models.Index(fields=["owner_worker", "owner_agency"], name="case_worker_agency"),
            models.Index(fields=["owner_unit", "opened_on", "id"], name="case_unit_opened_id"),
            models.Index(fields=["district", "opened_on", "id"], name="case_district_opened_id"),
            models.Index(fields=["kind", "status"]),
            models.Index(fields=["opened_on", "id"], name="case_opened_id"),  # the whole register (region)
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(closed_on__isnull=True) | models.Q(closed_on__gte=models.F("opened_on")),
                name="case_closed_after_opened",
            )
        ]

    def __str__(self) -> str:
        return f"{self.reference} {self.get_kind_display()}"

    @property
    def reference(self) -> str:
        """How people refer to the case: year opened and number, e.g. 2026-000123."""
        return f"{self.opened_on:%Y}-{self.pk:06d}" if self.pk else ""


class Participant(models.Model):
    """One person's part in one case (victim, child, alleged perpetrator...)."""

    class Role(models.TextChoices):
        VICTIM = "victim", _("victim")
        ALLEGED_PERPETRATOR = "perpetrator", _("alleged perpetrator")
        CHILD = "child", _("child")
        CAREGIVER = "caregiver", _("caregiver")
        WITNESS = "witness", _("witness")

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="participants")
    person = models.ForeignKey("people.Person", on_delete=models.PROTECT, related_name="participations")
    role = models.CharField(_("role"), max_length=16, choices=Role.choices)
    added_at = models.DateTimeField(_("added"), auto_now_add=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("participant")
        verbose_name_plural = _("participants")
        constraints = [models.UniqueConstraint(fields=["case", "person", "role"], name="participant_unique_role")]
        indexes = [models.Index(fields=["person", "case"])]

    def __str__(self) -> str:
        return f"{self.get_role_display()} #{self.person_id} in case #{self.case_id}"


class Incident(models.Model):
    """One event of violence or exploitation recorded on a case."""

    class Place(models.TextChoices):
        HOME = "home", _("home")
        OTHER_HOME = "other_home", _("another home")
        STREET = "street", _("street or public place")
        SCHOOL = "school", _("school")
        WORKPLACE = "workplace", _("workplace")
        ONLINE = "online", _("online")
        OTHER = "other", _("other")

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="incidents")
    occurred_on = models.DateField(_("date"))
    place = models.CharField(_("place"), max_length=16, choices=Place.choices)
    place_detail = models.CharField(_("place, in words"), max_length=200, blank=True)
    district = models.ForeignKey(
        "directory.Territory",
        verbose_name=_("district"),
        on_delete=models.PROTECT,
        related_name="+",
        limit_choices_to={"level": "district"},
    )
    forms = models.ManyToManyField(ViolenceForm, through="IncidentForm", verbose_name=_("forms of violence"))
    victim = models.ForeignKey(
        "people.Person", verbose_name=_("victim"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    alleged_perpetrator = models.ForeignKey(
        "people.Person",
        verbose_name=_("alleged perpetrator"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    reported_to_police = models.BooleanField(_("reported to police"), default=False)
    police_reference = models.CharField(_("police record number"), max_length=64, blank=True)
    description = EncryptedTextField(_("what happened"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recorded by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(_("recorded"), auto_now_add=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("incident")
        verbose_name_plural = _("incidents")
        ordering = ["-occurred_on", "-id"]
        indexes = [models.Index(fields=["case", "occurred_on"]), models.Index(fields=["district", "occurred_on"])]

    def __str__(self) -> str:
        return f"{self.occurred_on:%d.%m.%Y} {self.get_place_display()}"


class IncidentForm(models.Model):
    """One form of violence present in one incident."""

    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="form_links")
    form = models.ForeignKey(ViolenceForm, on_delete=models.PROTECT, related_name="+")
    history = HistoricalRecords()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["incident", "form"], name="incident_form_unique")]

    def __str__(self) -> str:
        return f"incident #{self.incident_id}: {self.form_id}"


class Referral(models.Model):
    """One case sent from one agency to another: asked, then accepted or declined, later completed or revoked.

    An accepted referral puts the receiving worker on the case team; declining, completing or
    revoking it ends that access. What they wrote on the case stays in the record.
    """

    class Status(models.TextChoices):
        PENDING = "pending", _("waiting for an answer")
        ACCEPTED = "accepted", _("accepted")
        DECLINED = "declined", _("declined")
        COMPLETED = "completed", _("completed")
        REVOKED = "revoked", _("revoked")

    case = models.ForeignKey(Case, verbose_name=_("case"), on_delete=models.CASCADE, related_name="referrals")
    from_agency = models.ForeignKey(
        "directory.Agency", verbose_name=_("from"), on_delete=models.PROTECT, related_name="referrals_sent"
    )
    from_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("sent by"), on_delete=models.PROTECT, related_name="+"
    )
    to_agency = models.ForeignKey(
        "directory.Agency", verbose_name=_("to"), on_delete=models.PROTECT, related_name="referrals_received"
    )
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("accepted by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.PENDING)
    # What the receiving agency reads before it decides: only what the sender chose to share.
    message = EncryptedTextField(_("what is shared"))
    consent = models.ForeignKey(
        "access.Consent",
        verbose_name=_("consent"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="referrals",
    )
    legal_ground = models.CharField(_("legal ground"), max_length=32, choices=LegalGround.choices, blank=True)
    sent_at = models.DateTimeField(_("sent"), auto_now_add=True)
    answered_at = models.DateTimeField(_("answered"), null=True, blank=True)
    ended_at = models.DateTimeField(_("ended"), null=True, blank=True)
    reason = models.CharField(_("reason"), max_length=500, blank=True)
    version = models.PositiveIntegerField(_("version"), default=1)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("referral")
        verbose_name_plural = _("referrals")
        ordering = ["-sent_at", "-pk"]
        indexes = [models.Index(fields=["to_agency", "status"]), models.Index(fields=["case", "status"])]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(consent__isnull=True, legal_ground=""), name="referral_needs_consent_or_ground"
            )
        ]

    def __str__(self) -> str:
        return f"referral #{self.pk}: case #{self.case_id} to agency #{self.to_agency_id}"


class SafetyCheck(models.Model):
    """What a worker asks first, before anything else: can the person talk now, and how to reach them
    safely. Phone, address, code word and note are encrypted and shown only to roles that see
    safe-contact instructions."""

    class Answer(models.TextChoices):
        YES = "yes", _("yes")
        NO = "no", _("no")
        NOT_ASKED = "not_asked", _("not asked")

    case = models.ForeignKey(Case, verbose_name=_("case"), on_delete=models.CASCADE, related_name="safety_checks")
    person = models.ForeignKey(
        "people.Person", verbose_name=_("person"), on_delete=models.PROTECT, related_name="safety_checks"
    )
    safe_to_talk = models.CharField(
        _("safe to talk now"), max_length=10, choices=Answer.choices, default=Answer.NOT_ASKED
    )
    safe_phone = EncryptedTextField(_("safe phone"), blank=True)
    safe_address = EncryptedTextField(_("safe address"), blank=True)
    code_word = EncryptedTextField(_("code word"), blank=True)
    messages_ok = models.CharField(
        _("messages may be left"), max_length=10, choices=Answer.choices, default=Answer.NOT_ASKED
    )
    knows_about_referrals = models.CharField(
        _("knows about referrals"), max_length=10, choices=Answer.choices, default=Answer.NOT_ASKED
    )
    agrees_to_referrals = models.CharField(
        _("agrees to referrals"), max_length=10, choices=Answer.choices, default=Answer.NOT_ASKED
    )
    note = EncryptedTextField(_("note"), blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("recorded by"), on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(_("recorded"), auto_now_add=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("safety check")
        verbose_name_plural = _("safety checks")
        ordering = ["-recorded_at", "-pk"]

    def __str__(self) -> str:
        return f"safety check #{self.pk} on case #{self.case_id}"


class Goal(models.Model):
    """One goal of a case's plan: what the work with the family should achieve."""

    case = models.ForeignKey(Case, verbose_name=_("case"), on_delete=models.CASCADE, related_name="goals")
    text = EncryptedTextField(_("goal"))
    achieved_on = models.DateField(_("achieved"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("set by"), on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("set"), auto_now_add=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("goal")
        verbose_name_plural = _("goals")
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return f"goal #{self.pk} of case #{self.case_id}"


class PlanAction(models.Model):
    """One thing an agency, and a worker there, is to do on a case by a date.

    "Not possible" (circumstances changed) and "not done" are told apart: meetings review both.
    """

    class Status(models.TextChoices):
        OPEN = "open", _("open")
        DONE = "done", _("done")
        NOT_POSSIBLE = "not_possible", _("not possible: circumstances changed")
        NOT_DONE = "not_done", _("not done")

    case = models.ForeignKey(Case, verbose_name=_("case"), on_delete=models.CASCADE, related_name="actions")
    goal = models.ForeignKey(
        Goal, verbose_name=_("goal"), null=True, blank=True, on_delete=models.SET_NULL, related_name="actions"
    )
    text = EncryptedTextField(_("action"))
    agency = models.ForeignKey(
        "directory.Agency", verbose_name=_("agency"), on_delete=models.PROTECT, related_name="case_actions"
    )
    worker = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("worker"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="case_actions",
    )
    due_on = models.DateField(_("due"))
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.OPEN)
    status_note = models.CharField(_("note on the status"), max_length=500, blank=True)
    closed_on = models.DateField(_("closed"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("set by"), on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("set"), auto_now_add=True)
    version = models.PositiveIntegerField(_("version"), default=1)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("action")
        verbose_name_plural = _("actions")
        ordering = ["due_on", "pk"]
        indexes = [models.Index(fields=["worker", "status", "due_on"]), models.Index(fields=["case", "status"])]

    def __str__(self) -> str:
        return f"action #{self.pk} of case #{self.case_id}"


class Closure(models.Model):
    """One request to close a case, with its reason, and the supervisor's answer."""

    class Reason(models.TextChoices):
        GOALS_MET = "goals_met", _("the plan's goals were met")
        SAFE = "safe", _("no longer at risk")
        MOVED = "moved", _("moved out of the region")
        TRANSFERRED = "transferred", _("handed over to another agency")
        DECLINED = "declined", _("the person declined further help")
        CAME_OF_AGE = "came_of_age", _("the child turned 18")
        DIED = "died", _("the person died")
        OTHER = "other", _("other (explained in the note)")

    class Status(models.TextChoices):
        PENDING = "pending", _("waiting for approval")
        APPROVED = "approved", _("approved")
        REJECTED = "rejected", _("sent back")
        WITHDRAWN = "withdrawn", _("withdrawn")

    case = models.ForeignKey(Case, verbose_name=_("case"), on_delete=models.CASCADE, related_name="closures")
    reason = models.CharField(_("reason"), max_length=16, choices=Reason.choices)
    note = EncryptedTextField(_("note"), blank=True)
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.PENDING)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("asked by"), on_delete=models.PROTECT, related_name="+"
    )
    requested_at = models.DateTimeField(_("asked"), auto_now_add=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("decided by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    decided_at = models.DateTimeField(_("decided"), null=True, blank=True)
    decision_note = EncryptedTextField(_("supervisor's note"), blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("closure")
        verbose_name_plural = _("closures")
        ordering = ["-requested_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["case"], condition=models.Q(status="pending"), name="closure_one_pending_per_case"
            )
        ]

    def __str__(self) -> str:
        return f"closure #{self.pk} of case #{self.case_id} ({self.status})"


class Reopening(models.Model):
    """One reopening of a closed case, with its reason."""

    case = models.ForeignKey(Case, verbose_name=_("case"), on_delete=models.CASCADE, related_name="reopenings")
    reason = EncryptedTextField(_("reason"))
    reopened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("reopened by"), on_delete=models.PROTECT, related_name="+"
    )
    reopened_at = models.DateTimeField(_("reopened"), auto_now_add=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("reopening")
        verbose_name_plural = _("reopenings")
        ordering = ["-reopened_at", "-pk"]

    def __str__(self) -> str:
        return f"reopening #{self.pk} of case #{self.case_id}"


class ServiceDelivery(models.Model):
    """One service an agency gives a person in a case: counselling, legal aid, medical care, a stay in
    a shelter, day care or a place in a group programme, from its start to its end and outcome."""

    class Kind(models.TextChoices):
        COUNSELLING = "counselling", _("counselling")
        LEGAL_AID = "legal_aid", _("legal aid")
        MEDICAL = "medical", _("medical care")
        SHELTER_STAY = "shelter_stay", _("shelter stay")
        DAY_CARE = "day_care", _("day care")
        GROUP_PROGRAMME = "group_programme", _("group programme")
        # The modules of a rehabilitation centre for children.
        STREET_WORK = "street_work", _("street social work")
        REHABILITATION = "rehabilitation", _("rehabilitation programme")
        SELF_HELP_GROUP = "self_help_group", _("family self-help group")

    class Outcome(models.TextChoices):
        COMPLETED = "completed", _("completed")
        STOPPED_EARLY = "stopped_early", _("stopped early")
        DECLINED = "declined", _("declined by the person")
        REFERRED_ON = "referred_on", _("referred on to another service")

    # Which kind of facility a kind of service takes its place in (none: no places to count).
    FACILITY_KIND = {
        "shelter_stay": "shelter",
        "day_care": "day_care",
        "group_programme": "programme",
        "street_work": "street_service",
        "rehabilitation": "rehabilitation",
        "self_help_group": "self_help",
        # Medical care takes a place only when given in a medical service of the agency; elsewhere
        # (a clinic outside the system) it is recorded without one (cases.services.FACILITY_OPTIONAL).
        "medical": "medical",
    }

    case = models.ForeignKey(Case, verbose_name=_("case"), on_delete=models.CASCADE, related_name="services")
    person = models.ForeignKey(
        "people.Person", verbose_name=_("person"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    kind = models.CharField(_("service"), max_length=16, choices=Kind.choices)
    agency = models.ForeignKey(
        "directory.Agency", verbose_name=_("agency"), on_delete=models.PROTECT, related_name="services_delivered"
    )
    worker = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("worker"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    facility = models.ForeignKey(
        "directory.Facility",
        verbose_name=_("shelter or programme"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="deliveries",
    )
    started_on = models.DateField(_("from"))
    # The day of leaving: a stay occupies its place from started_on up to the day before ended_on.
    ended_on = models.DateField(_("until"), null=True, blank=True)
    outcome = models.CharField(_("outcome"), max_length=16, choices=Outcome.choices, blank=True)
    outcome_note = EncryptedTextField(_("note on the outcome"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("recorded by"), on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("recorded"), auto_now_add=True)
    version = models.PositiveIntegerField(_("version"), default=1)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("service delivered")
        verbose_name_plural = _("services delivered")
        ordering = ["-started_on", "-pk"]
        indexes = [models.Index(fields=["facility", "started_on"]), models.Index(fields=["case", "started_on"])]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ended_on__isnull=True) | models.Q(ended_on__gte=models.F("started_on")),
                name="service_ends_after_it_starts",
            )
        ]

    def __str__(self) -> str:
        return f"{self.kind} #{self.pk} in case #{self.case_id}"


class ProgrammeSession(models.Model):
    """One meeting of a group programme (e.g. a session of a programme for perpetrators)."""

    facility = models.ForeignKey(
        "directory.Facility", verbose_name=_("programme"), on_delete=models.PROTECT, related_name="sessions"
    )
    held_on = models.DateField(_("date"))
    topic = models.CharField(_("topic"), max_length=200, blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("programme session")
        verbose_name_plural = _("programme sessions")
        ordering = ["-held_on", "-pk"]
        constraints = [models.UniqueConstraint(fields=["facility", "held_on"], name="one_session_a_day")]

    def __str__(self) -> str:
        return f"session of facility #{self.facility_id} on {self.held_on}"


class Attendance(models.Model):
    """Whether one participant of a group programme came to one session."""

    class Status(models.TextChoices):
        PRESENT = "present", _("present")
        EXCUSED = "excused", _("absent with a reason")
        ABSENT = "absent", _("absent")

    session = models.ForeignKey(ProgrammeSession, on_delete=models.CASCADE, related_name="attendance")
    delivery = models.ForeignKey(ServiceDelivery, on_delete=models.CASCADE, related_name="attendance")
    status = models.CharField(_("attendance"), max_length=16, choices=Status.choices)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("attendance")
        verbose_name_plural = _("attendance")
        constraints = [models.UniqueConstraint(fields=["session", "delivery"], name="attendance_once")]

    def __str__(self) -> str:
        return f"{self.status} at session #{self.session_id}"
