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
