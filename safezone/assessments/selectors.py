"""Reads of assessments, for a case the caller has already authorised (cases.selectors.case_for)."""

from django.db.models import QuerySet

from .models import Assessment


def assessments_of(case) -> QuerySet[Assessment]:
    """The assessments on a case, newest first, with who answered them and about whom."""
    return case.assessments.select_related("answered_by", "person").order_by("-answered_at", "-pk")


def latest_assessment(case, instrument_code: str) -> Assessment | None:
    """The newest assessment on a case with this questionnaire (any version), or None."""
    return case.assessments.filter(instrument_code=instrument_code).order_by("-answered_at", "-pk").first()
