"""Reads of territory and agencies (reference data, not personal data)."""

from django.db.models import QuerySet

from .models import Agency, Territory


def districts() -> QuerySet[Territory]:
    """All districts of the region, by Russian name."""
    return Territory.objects.filter(level=Territory.Level.DISTRICT).order_by("name_ru")


def region() -> Territory | None:
    """The region this installation serves."""
    return Territory.objects.filter(level=Territory.Level.REGION).first()


def agencies() -> QuerySet[Agency]:
    """Active agencies, by name."""
    return Agency.objects.filter(is_active=True).select_related("district").order_by("name_ru")
