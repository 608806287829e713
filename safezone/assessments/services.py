"""Writes to assessments: recording and changing an answered questionnaire. Each checked by access and audited."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from safezone.access.policy import Action, FieldGroup
from safezone.access.services import authorize
from safezone.audit.services import audit_record
from safezone.cases.selectors import takes_part
from safezone.common.errors import ChangedMeanwhile

from .instruments import UnknownInstrument, instrument
from .models import Assessment
from .scoring import Result, score


class AssessmentChangedMeanwhile(ChangedMeanwhile):
    """Someone else changed the assessment since the form was opened."""

    message = _(
        "Someone else changed this assessment while you were editing it. Reload the page and apply your change again."
    )


def assessment_record(
    *, actor, case, person, instrument_code: str, answers: dict, notes: str = "", purpose: str, request=None
) -> Assessment:
    """Record a questionnaire answered about a person taking part in a case, scored with the
    instrument's latest version."""
    # Decide before any transaction: a refusal raised inside one would roll back its own audit event.
    authorize(user=actor, action=Action.EDIT_CASE, purpose=purpose, obj=case, request=request)
    if not takes_part(case, person):
        raise ValidationError({"person": _("This person does not take part in the case.")})
    try:
        chosen = instrument(instrument_code)
    except UnknownInstrument as exc:
        raise ValidationError({"instrument_code": str(exc)}) from None
    if case.kind not in chosen.case_kinds:
        raise ValidationError(
            {
                "instrument_code": _("This questionnaire is not used in cases of this kind (%(kind)s).")
                % {"kind": case.get_kind_display()}
            }
        )
    result = score(chosen, answers)
    assessment = Assessment(
        case=case,
        person=person,
        instrument_code=chosen.code,
        instrument_version=chosen.version,
        answers=dict(answers),
        score=result.score,
        band=result.band,
        triggers=list(result.triggers),
        not_known=result.not_known,
        notes=notes.strip(),
        answered_by=actor,
    )
    assessment._history_user = actor
    with transaction.atomic():
        assessment.save()
        audit_record(
            actor=actor,
            action="assessment.recorded",
            request=request,
            purpose=purpose,
            object_type="case",
            object_id=case.pk,
            extra={
                "assessment": assessment.pk,
                "person": person.pk,
                "instrument": chosen.code,
                "version": chosen.version,
                "band": result.band,
            },
        )
    return assessment


def assessment_rescore(*, assessment: Assessment) -> Result:
    """Score an assessment's answers again with the version it was answered with, never a later one
    (a new version must not change old scores). Writes nothing."""
    return score(instrument(assessment.instrument_code, assessment.instrument_version), assessment.answers)


def assessment_update(
    *, actor, assessment_id: int, expected_version: int, answers: dict, notes: str | None, purpose: str, request=None
) -> Assessment:
    """Change the answers (and the notes, when given and the user's role may see them) of an
    assessment, scored again with its own version, unless someone changed it since `expected_version`."""
    current = Assessment.objects.select_related("case").get(pk=assessment_id)
    # Decide before the transaction: a refusal raised inside it would roll back its own audit event.
    decision = authorize(user=actor, action=Action.EDIT_CASE, purpose=purpose, obj=current.case, request=request)
    # The instrument version never changes, so the answers are checked before anything is locked.
    result = score(instrument(current.instrument_code, current.instrument_version), answers)
    with transaction.atomic():
        assessment = Assessment.objects.select_for_update().get(pk=assessment_id)
        if assessment.version != expected_version:
            raise AssessmentChangedMeanwhile.of(assessment, expected_version)
        before = assessment.band
        assessment.answers = dict(answers)
        assessment.score, assessment.band = result.score, result.band
        assessment.triggers, assessment.not_known = list(result.triggers), result.not_known
        # A field the role may not see is never overwritten from a form that did not show it.
        if notes is not None and decision.shows(FieldGroup.NARRATIVE):
            assessment.notes = notes.strip()
        assessment.version += 1
        assessment._history_user = actor
        assessment.save()
        audit_record(
            actor=actor,
            action="assessment.changed",
            request=request,
            purpose=purpose,
            object_type="case",
            object_id=assessment.case_id,
            extra={
                "assessment": assessment.pk,
                "instrument": assessment.instrument_code,
                "version": assessment.instrument_version,
                "band": result.band,
                "band_before": before,
            },
        )
    return assessment


def assessments_forget(case_ids) -> int:
    """Delete the assessments of these cases and their history (retention). Returns how many went."""
    from safezone.common.history import history_purge

    rows = Assessment.objects.filter(case_id__in=list(case_ids))
    history_purge(Assessment, rows.values_list("pk", flat=True))
    deleted, _per_model = rows.delete()
    return deleted


def assessments_bulk_create(*, assessments: list[Assessment]) -> list[Assessment]:
    """Write assessments in bulk with history rows (the demo region); each is scored here with its
    own instrument version, so a stored score is never one the instrument would not give."""
    from safezone.common.bulk import insert_with_history

    for a in assessments:
        result = score(instrument(a.instrument_code, a.instrument_version), a.answers)
        a.score, a.band, a.triggers, a.not_known = result.score, result.band, list(result.triggers), result.not_known
    return insert_with_history(Assessment, assessments)
