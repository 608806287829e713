"""Import attempts that run in the background: a large file's check or import, how far it got, and
its report."""

from types import SimpleNamespace

from django.conf import settings
from django.db import models
from django.utils.formats import number_format
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext


class ImportAttempt(models.Model):
    """One check (dry run) or import of one uploaded file by the background worker: who started it,
    how far it got and, once finished, its report. Only its starter sees it; the audit event of the
    attempt is the pipeline's."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("waiting for the worker")
        RUNNING = "running", _("running")
        CHECKED = "checked", _("checked, can be imported")
        DONE = "done", _("imported")
        REFUSED = "refused", _("refused")
        FAILED = "failed", _("failed")

    started_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    type_name = models.CharField(_("kind of file"), max_length=64)
    file_name = models.CharField(_("file"), max_length=200)
    # The file waits as var/imports/<token>.<suffix> between the check and the import.
    token = models.CharField(max_length=36)
    dry_run = models.BooleanField(_("check only"), default=True)
    # The worker writes the report in the language of the person who will read it.
    language = models.CharField(max_length=16, default="ru")
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.QUEUED)
    # The pipeline's name for the pass it is in ("checking", "importing"), in the starter's language.
    phase = models.CharField(_("phase"), max_length=64, blank=True)
    rows_done = models.PositiveIntegerField(_("rows"), default=0)  # in the current pass
    # The current pass's rows in all: estimated from the file for the check, exact for the import
    # (the rows the check read). None: the file does not say.
    rows_total = models.PositiveIntegerField(null=True, blank=True)
    bytes_total = models.PositiveBigIntegerField(_("size"), default=0)
    report = models.JSONField(null=True, blank=True)
    error = models.TextField(_("error"), blank=True)
    task_id = models.CharField(max_length=64, blank=True)
    created_at = models.DateTimeField(_("started"), auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("import attempt")
        verbose_name_plural = _("import attempts")
        ordering = ["-created_at", "-pk"]
        constraints = [
            # One check and at most one import per uploaded file: a second click imports nothing twice.
            models.UniqueConstraint(fields=["token", "dry_run"], name="import_attempt_once_per_step")
        ]

    def __str__(self) -> str:
        return f"import attempt {self.pk} ({self.type_name}, {self.status})"

    @property
    def live(self) -> bool:
        return self.status in (self.Status.QUEUED, self.Status.RUNNING)

    @property
    def percent(self) -> int | None:
        """How far the current pass got (0..100; 100 only once finished); None: not known."""
        if self.status in (self.Status.CHECKED, self.Status.DONE):
            return 100
        if self.status == self.Status.QUEUED:
            return 0
        if not self.rows_total:
            return None
        return min(99, self.rows_done * 100 // self.rows_total)

    @property
    def progress_text(self) -> str:
        """The line under the bar, as "Checking: 42 %, 120,000 rows", in the reader's language."""
        if not self.phase:  # queued, or running but not yet reading rows
            return capfirst(self.get_status_display())
        values = {
            "phase": capfirst(self.phase),
            "percent": self.percent,
            "rows": number_format(self.rows_done, force_grouping=True),
        }
        if values["percent"] is None:
            return ngettext("%(phase)s: %(rows)s row", "%(phase)s: %(rows)s rows", self.rows_done) % values
        return (
            ngettext(
                "%(phase)s: %(percent)d %%, %(rows)s row", "%(phase)s: %(percent)d %%, %(rows)s rows", self.rows_done
            )
            % values
        )

    @property
    def result(self):
        """The finished attempt's report, shaped like the pipeline's result for the same template."""
        if not self.report:
            return None
        data = self.report
        return SimpleNamespace(
            **{k: data.get(k) for k in ("type_name", "file_name", "dry_run", "status", "rows", "problem_count")},
            counts=data.get("counts") or {},
            problems=[SimpleNamespace(**p) for p in data.get("problems") or []],
            refused=data.get("status") in ("refused", "failed"),
        )
