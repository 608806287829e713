"""Multi-agency risk meetings. For now: the referrals of cases to a meeting, and why."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

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
