"""Assessments: questionnaires (risk checklists, a child's situation) answered about people in cases."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from safezone.common.fields import EncryptedTextField


class Assessment(models.Model):
    """One answered questionnaire about one person in one case."""

    case = models.ForeignKey("cases.Case", verbose_name=_("case"), on_delete=models.CASCADE, related_name="assessments")
    person = models.ForeignKey(
        "people.Person", verbose_name=_("person"), on_delete=models.PROTECT, related_name="assessments"
    )
    # Instruments are data files, not rows: the code and version name the exact questions answered,
    # and the score is always read against that version, never a later one.
    instrument_code = models.CharField(_("questionnaire"), max_length=64)
    instrument_version = models.PositiveIntegerField(_("questionnaire version"))
    answers = models.JSONField(_("answers"), default=dict)
    score = models.PositiveIntegerField(_("score"))
    band = models.CharField(_("level"), max_length=64)
    triggers = models.JSONField(_("actions called for"), default=list, blank=True)
    # Many "not known" answers mean the score may understate the risk.
    not_known = models.PositiveSmallIntegerField(_("answers “not known”"), default=0)
    # Narrative: encrypted at rest, like every free text about a person.
    notes = EncryptedTextField(_("notes"), blank=True)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("assessed by"), on_delete=models.PROTECT, related_name="+"
    )
    answered_at = models.DateTimeField(_("assessed at"), auto_now_add=True)
    # Raised on every change; an edit based on an older version is refused, not silently applied.
    version = models.PositiveIntegerField(_("version"), default=1)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("assessment")
        verbose_name_plural = _("assessments")
        ordering = ["-answered_at", "-pk"]
        indexes = [models.Index(fields=["case", "answered_at"], name="assessment_case_answered")]

    def __str__(self) -> str:
        return f"{self.instrument_code}.v{self.instrument_version} #{self.pk} in case #{self.case_id}"

    @property
    def instrument(self):
        """The version of the questionnaire this assessment answered (for its questions and labels)."""
        from .instruments import instrument

        return instrument(self.instrument_code, self.instrument_version)
