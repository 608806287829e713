"""The regional action plan as a logframe: the goal, purposes, outputs and activities, each with
indicators (baseline, target, means of verification) and the actuals measured against them.

An indicator's actual comes from the statistics registry when it names a registry indicator (read
live, never stored: the registry is the one source), or is entered by hand with its source.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from safezone.common.models import in_language


class Plan(models.Model):
    """One regional action plan over some years (e.g. against domestic violence, 2025–2027)."""

    title_ru = models.CharField(_("title (Russian)"), max_length=300)
    title_en = models.CharField(_("title (English)"), max_length=300, blank=True)
    starts_on = models.DateField(_("starts on"))
    ends_on = models.DateField(_("ends on"))
    # Bumped by every change to the plan or its logframe: a stale form is refused, not merged.
    version = models.PositiveIntegerField(_("version"), default=1)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("changed"), auto_now=True)

    class Meta:
        verbose_name = _("action plan")
        verbose_name_plural = _("action plans")
        ordering = ["-starts_on", "pk"]

    def __str__(self) -> str:
        return self.title

    @property
    def title(self) -> str:
        return in_language(self.title_ru, self.title_en)


class Level(models.TextChoices):
    """The rungs of a logframe, top down."""

    GOAL = "goal", _("goal")
    PURPOSE = "purpose", _("objective")
    OUTPUT = "output", _("output")
    ACTIVITY = "activity", _("activity")


# Which level a row's parent must have (the goal has none).
PARENT_LEVEL = {Level.PURPOSE: Level.GOAL, Level.OUTPUT: Level.PURPOSE, Level.ACTIVITY: Level.OUTPUT}


class Status(models.TextChoices):
    """Where an activity stands."""

    PLANNED = "planned", _("planned")
    IN_PROGRESS = "in_progress", _("in progress")
    DONE = "done", _("done")
    DELAYED = "delayed", _("delayed")
    CANCELLED = "cancelled", _("cancelled")


# An activity in one of these is finished with: it cannot be overdue.
CLOSED_STATUSES = (Status.DONE, Status.CANCELLED)


class Element(models.Model):
    """One row of a plan's logframe: the goal, a purpose, an output or an activity."""

    plan = models.ForeignKey(Plan, verbose_name=_("plan"), on_delete=models.CASCADE, related_name="elements")
    parent = models.ForeignKey(
        "self", verbose_name=_("part of"), null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    level = models.CharField(_("level"), max_length=10, choices=Level.choices)
    # "1", "1.2", "1.2.3": the key of the row in the plan and in its spreadsheets.
    code = models.CharField(_("code"), max_length=20)
    text_ru = models.TextField(_("text (Russian)"))
    text_en = models.TextField(_("text (English)"), blank=True)
    # Bodies named as the plan names them (some are not agencies of the directory: a court, a ministry).
    responsible = models.CharField(_("responsible bodies"), max_length=500, blank=True)
    starts_on = models.DateField(_("start"), null=True, blank=True)
    ends_on = models.DateField(_("end"), null=True, blank=True)
    assumptions = models.TextField(_("assumptions"), blank=True)
    status = models.CharField(_("status"), max_length=12, choices=Status.choices, default=Status.PLANNED)
    status_note = models.TextField(_("status note"), blank=True)
    status_changed_at = models.DateTimeField(_("status changed"), null=True, blank=True)
    status_changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("status changed by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    # Natural order of codes ("1.10" after "1.9"), kept by the services.
    sort_key = models.CharField(max_length=120, editable=False, default="")
    version = models.PositiveIntegerField(_("version"), default=1)

    class Meta:
        verbose_name = _("logframe element")
        verbose_name_plural = _("logframe elements")
        ordering = ["plan", "sort_key"]
        constraints = [models.UniqueConstraint(fields=["plan", "code"], name="programmes_element_code_unique")]
        indexes = [models.Index(fields=["plan", "level", "status"])]

    def __str__(self) -> str:
        return f"{self.code} {self.text}"

    @property
    def text(self) -> str:
        return in_language(self.text_ru, self.text_en)

    def is_overdue(self, today) -> bool:
        """An activity past its end date and neither done nor cancelled."""
        return (
            self.level == Level.ACTIVITY
            and self.ends_on is not None
            and self.ends_on < today
            and self.status not in CLOSED_STATUSES
        )


class PlanIndicator(models.Model):
    """One indicator of a logframe element: where it starts, where it should get, how it is verified,
    and where its actuals come from (the registry, or entered by hand)."""

    plan = models.ForeignKey(Plan, verbose_name=_("plan"), on_delete=models.CASCADE, related_name="indicators")
    element = models.ForeignKey(
        Element, verbose_name=_("logframe element"), on_delete=models.CASCADE, related_name="indicators"
    )
    # "1.2-a": the key of the indicator in the plan and in its spreadsheets.
    code = models.CharField(_("code"), max_length=24)
    name_ru = models.CharField(_("name (Russian)"), max_length=300)
    name_en = models.CharField(_("name (English)"), max_length=300, blank=True)
    baseline = models.DecimalField(_("baseline"), max_digits=14, decimal_places=2, null=True, blank=True)
    baseline_year = models.PositiveSmallIntegerField(_("baseline year"), null=True, blank=True)
    target = models.DecimalField(_("target"), max_digits=14, decimal_places=2)
    target_year = models.PositiveSmallIntegerField(_("target year"))
    unit = models.CharField(_("unit of measure"), max_length=60, blank=True)
    means_of_verification = models.TextField(_("means of verification"), blank=True)
    # A stats.Indicator code: its actuals are read from the registry; empty: entered by hand.
    registry_code = models.SlugField(_("registry indicator"), max_length=40, blank=True)
    sort_key = models.CharField(max_length=120, editable=False, default="")
    version = models.PositiveIntegerField(_("version"), default=1)

    class Meta:
        verbose_name = _("plan indicator")
        verbose_name_plural = _("plan indicators")
        ordering = ["plan", "sort_key"]
        constraints = [models.UniqueConstraint(fields=["plan", "code"], name="programmes_indicator_code_unique")]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"

    @property
    def name(self) -> str:
        return in_language(self.name_ru, self.name_en)

    @property
    def from_registry(self) -> bool:
        return bool(self.registry_code)


class Actual(models.Model):
    """One value of a hand-kept plan indicator for one period, with where it comes from."""

    indicator = models.ForeignKey(
        PlanIndicator, verbose_name=_("plan indicator"), on_delete=models.CASCADE, related_name="actuals"
    )
    period = models.CharField(_("period"), max_length=8)  # 2026Q1, 202601, 2026
    period_start = models.DateField(_("period start"))
    period_end = models.DateField(_("period end"))  # exclusive
    value = models.DecimalField(_("value"), max_digits=14, decimal_places=2)
    source = models.CharField(_("source"), max_length=500)
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("entered by"), null=True, blank=True, on_delete=models.PROTECT
    )
    entered_at = models.DateTimeField(_("entered"), auto_now=True)

    class Meta:
        verbose_name = _("actual")
        verbose_name_plural = _("actuals")
        ordering = ["indicator", "period_start", "period_end"]
        constraints = [models.UniqueConstraint(fields=["indicator", "period"], name="programmes_actual_period_unique")]

    def __str__(self) -> str:
        return f"{self.indicator.code} {self.period}: {self.value}"
