"""What widens or narrows access beyond a role's scope: case teams, seals, break-glass, consent."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords


class LegalGround(models.TextChoices):
    """Why information may be shared without the person's consent (it must name one)."""

    VITAL_INTERESTS = (
        "vital_interests",
        _("protection of life or health when consent cannot be obtained (152-FZ art. 6, 10)"),
    )
    CHILD_IN_DANGER = "child_in_danger", _("duty to inform about a child in danger (120-FZ art. 9)")
    CRIME_REPORT = "crime_report", _("report of a crime to the police (Code of Criminal Procedure)")
    COURT_OR_PROSECUTOR = "court_or_prosecutor", _("request of a court, prosecutor or investigator")
    STATUTORY_SERVICE = "statutory_service", _("a state or municipal service the law requires (152-FZ art. 6)")


class CaseGrant(models.Model):
    """One worker (and their agency) on a case's team: added by an accepted referral or by a meeting.

    A grant ends (ended_at) when the referral is declined, completed or revoked; it is kept as history.
    """

    class Source(models.TextChoices):
        REFERRAL = "referral", _("accepted referral")
        MEETING = "meeting", _("multi-agency meeting")

    case = models.ForeignKey("cases.Case", verbose_name=_("case"), on_delete=models.CASCADE, related_name="grants")
    agency = models.ForeignKey(
        "directory.Agency", verbose_name=_("agency"), on_delete=models.PROTECT, related_name="case_grants"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("worker"), on_delete=models.PROTECT, related_name="case_grants"
    )
    source = models.CharField(_("given by"), max_length=16, choices=Source.choices)
    referral = models.ForeignKey(
        "cases.Referral",
        verbose_name=_("referral"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="grants",
    )
    granted_at = models.DateTimeField(_("since"), auto_now_add=True)
    ended_at = models.DateTimeField(_("until"), null=True, blank=True)
    # The case's opening date (which never changes: it is part of the case's reference), so that a
    # case list orders a team's cases without looking each one up (see access.selectors.CaseReach).
    case_opened_on = models.DateField(_("case opened"))
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("case team member")
        verbose_name_plural = _("case team")
        indexes = [models.Index(fields=["user", "ended_at"]), models.Index(fields=["agency", "ended_at"])]

    def __str__(self) -> str:
        return f"user #{self.user_id} on case #{self.case_id} ({self.source})"


class Seal(models.Model):
    """A case hidden from one agency, unit or user: a conflict of interest (the alleged perpetrator
    works there). A sealed case does not exist for them: not in lists, searches, counts or suggestions.
    """

    case = models.ForeignKey("cases.Case", verbose_name=_("case"), on_delete=models.CASCADE, related_name="seals")
    agency = models.ForeignKey(
        "directory.Agency",
        verbose_name=_("agency"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    unit = models.ForeignKey(
        "directory.Unit", verbose_name=_("unit"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    reason = models.CharField(_("reason"), max_length=500)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("sealed by"), on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("sealed"), auto_now_add=True)
    lifted_at = models.DateTimeField(_("lifted"), null=True, blank=True)
    lifted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("lifted by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("seal")
        verbose_name_plural = _("seals")
        indexes = [models.Index(fields=["case", "lifted_at"])]
        constraints = [
            models.CheckConstraint(
                condition=(
                    models.Q(agency__isnull=False, unit__isnull=True, user__isnull=True)
                    | models.Q(agency__isnull=True, unit__isnull=False, user__isnull=True)
                    | models.Q(agency__isnull=True, unit__isnull=True, user__isnull=False)
                ),
                name="seal_names_exactly_one_target",
            )
        ]

    def __str__(self) -> str:
        return f"seal #{self.pk} on case #{self.case_id}"


class BreakGlass(models.Model):
    """One emergency opening of a case outside the user's scope, with a written reason.

    It lasts a limited time; the case owner and the data-protection officer are told, and the
    officer reviews it (accepted, or escalated).
    """

    class Review(models.TextChoices):
        PENDING = "pending", _("waiting for review")
        ACCEPTED = "accepted", _("accepted")
        ESCALATED = "escalated", _("escalated")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("user"), on_delete=models.PROTECT, related_name="break_glasses"
    )
    case = models.ForeignKey(
        "cases.Case", verbose_name=_("case"), on_delete=models.CASCADE, related_name="break_glasses"
    )
    membership = models.ForeignKey(
        "accounts.Membership", verbose_name=_("acting as"), on_delete=models.PROTECT, related_name="+"
    )
    reason = models.TextField(_("reason"))
    started_at = models.DateTimeField(_("opened"), auto_now_add=True)
    expires_at = models.DateTimeField(_("access until"))
    review = models.CharField(_("review"), max_length=16, choices=Review.choices, default=Review.PENDING)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("reviewed by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    reviewed_at = models.DateTimeField(_("reviewed"), null=True, blank=True)
    review_note = models.TextField(_("review note"), blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("break-glass access")
        verbose_name_plural = _("break-glass accesses")
        ordering = ["-started_at"]
        indexes = [models.Index(fields=["user", "expires_at"]), models.Index(fields=["review", "started_at"])]

    def __str__(self) -> str:
        return f"break-glass #{self.pk} by user #{self.user_id} on case #{self.case_id}"


class Consent(models.Model):
    """What one person agreed to share, with which agencies, for which purposes, from when, until withdrawn."""

    class Form(models.TextChoices):
        WRITTEN = "written", _("written")
        VERBAL = "verbal", _("verbal, recorded by the worker")

    person = models.ForeignKey(
        "people.Person", verbose_name=_("person"), on_delete=models.PROTECT, related_name="consents"
    )
    case = models.ForeignKey(
        "cases.Case", verbose_name=_("case"), null=True, blank=True, on_delete=models.CASCADE, related_name="consents"
    )
    # Codes of information kinds (access.policy.ShareCategory) and purposes (access.policy.Purpose).
    categories = models.JSONField(_("what may be shared"), default=list)
    agencies = models.ManyToManyField("directory.Agency", verbose_name=_("with which agencies"), related_name="+")
    purposes = models.JSONField(_("for which purposes"), default=list)
    form = models.CharField(_("form"), max_length=16, choices=Form.choices)
    given_on = models.DateField(_("given on"))
    withdrawn_on = models.DateField(_("withdrawn on"), null=True, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("recorded by"), on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(_("recorded"), auto_now_add=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("consent")
        verbose_name_plural = _("consents")
        ordering = ["-given_on", "-pk"]

    def __str__(self) -> str:
        return f"consent #{self.pk} of person #{self.person_id}"


class AccessStamp(models.Model):
    """One row: a random value the database itself replaces (triggers, `access/db.py`) whenever a
    case team, a break-glass, a seal, a district or the districts an agency serves change, or a
    case changes hands (owner, unit, agency or district). What the policy derives from those is
    cached under it (`access.selectors`): a new stamp, and no cached reach is used again; a write
    that is rolled back leaves a value that never recurs.
    """

    value = models.CharField(max_length=40)

    class Meta:
        verbose_name = _("access stamp")
        verbose_name_plural = _("access stamp")

    def __str__(self) -> str:
        return self.value
