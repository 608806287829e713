"""Users and their memberships in agencies."""

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords


class Role(models.TextChoices):
    """What a person does in an agency. The access policy maps each role to actions and a scope."""

    CASEWORKER = "caseworker", _("caseworker")
    TEAM_LEAD = "team_lead", _("head of unit")
    SUPERVISOR = "supervisor", _("supervisor")
    HELPLINE_OPERATOR = "helpline_operator", _("helpline operator")
    SCHOOL_PEDAGOGUE = "school_pedagogue", _("school social pedagogue")
    POLICE_OFFICER = "police_officer", _("police officer")
    ANALYST = "analyst", _("analyst")
    COORDINATOR = "coordinator", _("coordinator")
    ADMINISTRATOR = "administrator", _("administrator")
    DPO = "dpo", _("data-protection officer")
    # Reviews the pairs record linkage found and merges or separates person records.
    DATA_STEWARD = "data_steward", _("data steward")
    # A police officer who works with minors: the district's list of teenagers at risk.
    JUVENILE_INSPECTOR = "juvenile_inspector", _("juvenile inspector")


class User(AbstractUser):
    """One person who signs in to SafeZone."""

    patronymic = models.CharField(_("patronymic"), max_length=150, blank=True)
    # Demo accounts carry a published password; they may sign in only when SAFEZONE_DEMO is on.
    is_demo = models.BooleanField(_("demo account"), default=False)
    history = HistoricalRecords(excluded_fields=["password", "last_login"])

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")

    def get_full_name(self) -> str:
        return " ".join(p for p in (self.last_name, self.first_name, self.patronymic) if p) or self.username

    def __str__(self) -> str:
        return self.get_full_name()


class Membership(models.Model):
    """One role a user holds in one agency."""

    user = models.ForeignKey(User, verbose_name=_("user"), on_delete=models.CASCADE, related_name="memberships")
    agency = models.ForeignKey(
        "directory.Agency", verbose_name=_("agency"), on_delete=models.PROTECT, related_name="memberships"
    )
    role = models.CharField(_("role"), max_length=32, choices=Role.choices)
    unit = models.ForeignKey(
        "directory.Unit",
        verbose_name=_("unit"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="memberships",
    )
    # No access to personal data without data-protection training (recorded by administrators).
    dp_training_on = models.DateField(_("data-protection training completed"), null=True, blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    started_on = models.DateField(_("since"), null=True, blank=True)
    ended_on = models.DateField(_("until"), null=True, blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        constraints = [models.UniqueConstraint(fields=["user", "agency", "role"], name="membership_unique_role")]
        ordering = ["user", "agency"]

    def __str__(self) -> str:
        return f"{self.user} — {self.get_role_display()} — {self.agency}"


class Notification(models.Model):
    """One message to one user: a referral arrived, someone broke the glass on your case."""

    user = models.ForeignKey(User, verbose_name=_("user"), on_delete=models.CASCADE, related_name="notifications")
    text = models.CharField(_("text"), max_length=300)
    url = models.CharField(_("link"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    read_at = models.DateTimeField(_("read"), null=True, blank=True)

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["user", "read_at"])]

    def __str__(self) -> str:
        return self.text


class ApiToken(models.Model):
    """One key an integration (a school system, a PBX, a script) calls the API with, as one user.

    Only the key's SHA-256 is kept: the key itself is shown once, when it is issued
    (`manage.py api_token issue`), so a copy of the database gives no usable key. A key expires and
    can be revoked; it acts with its user's roles, scope and purposes, no more.
    """

    user = models.ForeignKey(User, verbose_name=_("user"), on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(_("name"), max_length=100, help_text=_("Which system or script holds the key."))
    prefix = models.CharField(_("key starts with"), max_length=8)
    digest = models.CharField(_("SHA-256 of the key"), max_length=64, unique=True, editable=False)
    created_at = models.DateTimeField(_("issued"), auto_now_add=True)
    created_by = models.CharField(_("issued by"), max_length=150, blank=True)
    expires_at = models.DateTimeField(_("expires"))
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)

    class Meta:
        verbose_name = _("API key")
        verbose_name_plural = _("API keys")
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"
