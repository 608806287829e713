"""Multi-agency risk meetings. For now: the referrals of cases to a meeting, and why."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from safezone.cases.models import PlanAction
from safezone.common.fields import EncryptedTextField


class MeetingReferral(models.Model):
    """One case put forward for the multi-agency risk meeting, with the rule that called for it.

    The repeat rule looks back at these: a new incident between the same victim and alleged
    perpetrator within 12 months of the last referral is a repeat.
    """

    class Rule(models.TextChoices):
        HIGH_RISK = "high_risk", _("risk checklist scored high")
        POLICE_INCIDENTS = "police_incidents", _("incidents reported to police in the last 12 months")
        REPEAT = "repeat", _("repeat: a new incident within 12 months of the last referral")
        JUDGEMENT = "judgement", _("professional judgement")

    class Status(models.TextChoices):
        PENDING = "pending", _("waiting for a meeting")
        DISCUSSED = "discussed", _("discussed")
        WITHDRAWN = "withdrawn", _("withdrawn")

    case = models.ForeignKey(
        "cases.Case", verbose_name=_("case"), on_delete=models.CASCADE, related_name="meeting_referrals"
    )
    rule = models.CharField(_("why"), max_length=24, choices=Rule.choices)
    # Professional judgement needs words; the automatic rules carry their facts here too.
    reason = EncryptedTextField(_("reason"), blank=True)
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
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.PENDING)
    referred_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("referred by"), on_delete=models.PROTECT, related_name="+"
    )
    referred_on = models.DateField(_("referred on"))
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("meeting referral")
        verbose_name_plural = _("meeting referrals")
        ordering = ["-referred_on", "-pk"]
        indexes = [models.Index(fields=["victim", "alleged_perpetrator", "referred_on"])]

    def __str__(self) -> str:
        return f"meeting referral #{self.pk} of case #{self.case_id} ({self.rule})"


class Meeting(models.Model):
    """One multi-agency risk meeting of an area: its chair, member agencies, date and agenda.

    Member agencies reach the cases on its agenda for the meeting purpose only, from the moment a
    case is put on the agenda until SAFEZONE_MEETING_REACH_DAYS (90) after the meeting.
    """

    class Kind(models.TextChoices):
        REGULAR = "regular", _("regular")
        EMERGENCY = "emergency", _("emergency")

    class Status(models.TextChoices):
        PLANNED = "planned", _("planned")
        HELD = "held", _("held")
        MINUTES_ISSUED = "minutes", _("minutes issued")
        CANCELLED = "cancelled", _("cancelled")

    district = models.ForeignKey(
        "directory.Territory",
        verbose_name=_("area"),
        on_delete=models.PROTECT,
        related_name="+",
        limit_choices_to={"level": "district"},
    )
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices, default=Kind.REGULAR)
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.PLANNED)
    scheduled_at = models.DateTimeField(_("date and time"))
    chair = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("chair"), on_delete=models.PROTECT, related_name="chaired_meetings"
    )
    chair_agency = models.ForeignKey(
        "directory.Agency", verbose_name=_("chairing body"), on_delete=models.PROTECT, related_name="+"
    )
    member_agencies = models.ManyToManyField(
        "directory.Agency", verbose_name=_("member agencies"), related_name="risk_meetings"
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    minutes_issued_at = models.DateTimeField(_("minutes issued"), null=True, blank=True)
    minutes_issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("minutes issued by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    # SHA-256 of the minutes as issued: a copy that differs was changed after issue.
    minutes_sha256 = models.CharField(_("minutes fingerprint"), max_length=64, blank=True)
    # Raised on every change; an edit based on an older version is refused.
    version = models.PositiveIntegerField(_("version"), default=1)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("multi-agency risk meeting")
        verbose_name_plural = _("multi-agency risk meetings")
        ordering = ["-scheduled_at", "-pk"]
        indexes = [models.Index(fields=["district", "scheduled_at"]), models.Index(fields=["scheduled_at"])]

    def __str__(self) -> str:
        return f"meeting #{self.pk} {self.scheduled_at:%Y-%m-%d}"


class AgendaItem(models.Model):
    """One case on a meeting's agenda, usually for a pending meeting referral."""

    meeting = models.ForeignKey(Meeting, verbose_name=_("meeting"), on_delete=models.CASCADE, related_name="agenda")
    case = models.ForeignKey(
        "cases.Case", verbose_name=_("case"), on_delete=models.CASCADE, related_name="agenda_items"
    )
    referral = models.ForeignKey(
        MeetingReferral,
        verbose_name=_("meeting referral"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="agenda_items",
    )
    position = models.PositiveSmallIntegerField(_("order"), default=0)
    # The chair's summary and the meeting's decision on the case.
    decision = EncryptedTextField(_("decision"), blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("agenda item")
        verbose_name_plural = _("agenda items")
        ordering = ["meeting", "position", "pk"]
        constraints = [models.UniqueConstraint(fields=["meeting", "case"], name="agenda_case_once")]
        indexes = [models.Index(fields=["case", "meeting"])]

    def __str__(self) -> str:
        return f"case #{self.case_id} on meeting #{self.meeting_id}"


class Research(models.Model):
    """What one member agency knows about a case on the agenda, recorded before the meeting."""

    item = models.ForeignKey(
        AgendaItem, verbose_name=_("agenda item"), on_delete=models.CASCADE, related_name="research"
    )
    agency = models.ForeignKey("directory.Agency", verbose_name=_("agency"), on_delete=models.PROTECT, related_name="+")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("author"), on_delete=models.PROTECT, related_name="+"
    )
    text = EncryptedTextField(_("what the agency knows"))
    updated_at = models.DateTimeField(_("updated"), auto_now=True)
    version = models.PositiveIntegerField(_("version"), default=1)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("agency research")
        verbose_name_plural = _("agency research")
        constraints = [models.UniqueConstraint(fields=["item", "agency"], name="research_once_per_agency")]

    def __str__(self) -> str:
        return f"research of agency #{self.agency_id} on item #{self.item_id}"


class MeetingAction(models.Model):
    """One action the meeting gives an agency for a case on its agenda, with a due date and status."""

    item = models.ForeignKey(
        AgendaItem, verbose_name=_("agenda item"), on_delete=models.CASCADE, related_name="actions"
    )
    owner_agency = models.ForeignKey(
        "directory.Agency", verbose_name=_("agency"), on_delete=models.PROTECT, related_name="meeting_actions"
    )
    text = EncryptedTextField(_("action"))
    due_on = models.DateField(_("due"))
    # The same vocabulary as a case plan's actions: not possible (circumstances changed) is not "not done".
    status = models.CharField(_("status"), max_length=16, choices=PlanAction.Status.choices, default="open")
    status_note = models.CharField(_("note on the status"), max_length=500, blank=True)
    closed_on = models.DateField(_("closed"), null=True, blank=True)
    version = models.PositiveIntegerField(_("version"), default=1)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("meeting action")
        verbose_name_plural = _("meeting actions")
        ordering = ["due_on", "pk"]
        indexes = [models.Index(fields=["owner_agency", "status"])]

    def __str__(self) -> str:
        return f"meeting action #{self.pk} for agency #{self.owner_agency_id}"
