"""Reads of assessments, for a case the caller has already authorised (cases.selectors.case_for)."""

from django.db.models import QuerySet

from .models import Assessment


def assessments_of(case) -> QuerySet[Assessment]:
    """The assessments on a case, newest first, with who answered them and about whom."""
    return case.assessments.select_related("answered_by", "person").order_by("-answered_at", "-pk")


def latest_assessment(case, instrument_code: str) -> Assessment | None:
    """The newest assessment on a case with this questionnaire (any version), or None."""
    return case.assessments.filter(instrument_code=instrument_code).order_by("-answered_at", "-pk").first()


def assessment_for(user, pk, *, purpose: str, request=None) -> Assessment:
    """One assessment for its page: its case decided and audited; AccessDenied or DoesNotExist otherwise."""
    from safezone.access.policy import Action
    from safezone.access.services import authorize

    assessment = Assessment.objects.select_related("case", "person", "answered_by").get(pk=pk)
    assessment.decision = authorize(
        user=user,
        action=Action.VIEW_CASE,
        purpose=purpose,
        obj=assessment.case,
        request=request,
        extra={"assessment": assessment.pk},
    )
    return assessment
