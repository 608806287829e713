"""Pairs of person records that may be one person, the steward's decisions, and merges."""

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords


class CandidatePair(models.Model):
    """Two person records that batch linkage scored as possibly one person, and what a data steward
    decided. A "not a match" stays for good: linkage never proposes the pair again."""

    class Status(models.TextChoices):
        PENDING = "pending", _("waiting for review")
        MATCH = "match", _("the same person")
        NON_MATCH = "non_match", _("not the same person")
        UNSURE = "unsure", _("unsure")
        AUTO_MERGED = "auto_merged", _("merged automatically")

    # left.pk < right.pk: one row per pair, whichever order linkage found it in.
    left = models.ForeignKey("people.Person", on_delete=models.PROTECT, related_name="+")
    right = models.ForeignKey("people.Person", on_delete=models.PROTECT, related_name="+")
    probability = models.FloatField(_("match probability"))
    model_version = models.CharField(_("model"), max_length=32)
    found_at = models.DateTimeField(_("found"), auto_now_add=True)
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.PENDING)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(_("decided"), null=True, blank=True)
    note = models.CharField(_("note"), max_length=500, blank=True)
    version = models.PositiveIntegerField(default=1)
    # Who decided what, and when it changed (a decision can be revisited: unsure, then decided).
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("candidate pair")
        verbose_name_plural = _("candidate pairs")
        constraints = [
            models.UniqueConstraint(fields=["left", "right"], name="candidate_pair_once"),
            models.CheckConstraint(condition=Q(left__lt=F("right")), name="candidate_pair_ordered"),
        ]
        indexes = [models.Index(fields=["status", "-probability"])]

    def __str__(self) -> str:
        return f"{self.left_id}~{self.right_id} ({self.probability:.3f}, {self.status})"


class Merge(models.Model):
    """One merge of a person record into another, with what moved, so that it can be undone.

    `moved` lists, per model and field, the primary keys of the rows that pointed at the merged
    record and now point at the kept one; an unmerge points exactly those back.
    """

    kept = models.ForeignKey("people.Person", on_delete=models.PROTECT, related_name="+")
    merged = models.ForeignKey("people.Person", on_delete=models.PROTECT, related_name="+")
    pair = models.ForeignKey(CandidatePair, null=True, blank=True, on_delete=models.PROTECT, related_name="merges")
    moved = models.JSONField(default=dict)
    merged_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+")
    merged_at = models.DateTimeField(auto_now_add=True)
    undone_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    undone_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("merge")
        verbose_name_plural = _("merges")
        constraints = [
            models.UniqueConstraint(
                fields=["merged"], condition=Q(undone_at__isnull=True), name="merge_one_live_per_record"
            )
        ]

    def __str__(self) -> str:
        return f"{self.merged_id} -> {self.kept_id}"


class LinkageRun(models.Model):
    """One batch linkage over the register (from the steward's page or the command line): how far
    it got and what it found. It holds counts only, no one's data."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("waiting for the worker")
        RUNNING = "running", _("running")
        DONE = "done", _("finished")
        FAILED = "failed", _("failed")

    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )  # None: started from the command line
    created_at = models.DateTimeField(_("asked for"), auto_now_add=True)
    started_at = models.DateTimeField(_("started"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.QUEUED)
    # True while queued or running, NULL after: the unique constraint lets one run go at a time.
    live = models.BooleanField(null=True, default=True, editable=False)
    retrain = models.BooleanField(_("train the model afresh"), default=False)
    backend = models.CharField(_("engine"), max_length=16, default="duckdb")
    progress = models.FloatField(default=0.0)  # 0..1
    step = models.CharField(_("step"), max_length=300, blank=True)
    persons = models.PositiveIntegerField(_("persons"), null=True, blank=True)
    pairs = models.PositiveIntegerField(_("pairs found"), null=True, blank=True)
    new = models.PositiveIntegerField(_("new on the queue"), null=True, blank=True)
    merged = models.PositiveIntegerField(_("merged automatically"), null=True, blank=True)
    error = models.TextField(_("error"), blank=True)
    task_id = models.CharField(max_length=64, blank=True)

    class Meta:
        verbose_name = _("linkage run")
        verbose_name_plural = _("linkage runs")
        ordering = ["-created_at", "-pk"]
        constraints = [models.UniqueConstraint(fields=["live"], name="linkage_one_live_run")]

    def __str__(self) -> str:
        return f"linkage run {self.pk} ({self.status})"

    # How far along a run is at the end of each step (0..1), for the progress bar.
    READ, TRAINED, PREDICTED = 0.2, 0.55, 0.9

    @property
    def percent(self) -> int:
        return round(self.progress * 100)

    @property
    def stage(self) -> str:
        """The step the run is at, in the reader's language (the detail line is the worker's log)."""
        if self.status in (self.Status.QUEUED, self.Status.DONE, self.Status.FAILED):
            return self.get_status_display()
        if self.progress < self.READ:
            return _("reading the register")
        if self.progress < self.TRAINED:
            return _("training or loading the model")
        if self.progress < self.PREDICTED:
            return _("scoring pairs of records")
        return _("putting pairs on the review queue")
