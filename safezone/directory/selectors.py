"""Reads of territory and agencies (reference data, not personal data)."""

from django.db.models import QuerySet

from .models import Agency, Territory, Unit


def districts() -> QuerySet[Territory]:
    """All districts of the region, by Russian name."""
    return Territory.objects.filter(level=Territory.Level.DISTRICT).order_by("name_ru")


def territories_by_code() -> dict[str, Territory]:
    """Every territory (region, districts, settlements) by its code."""
    return {t.code: t for t in Territory.objects.all()}


def agencies() -> QuerySet[Agency]:
    """All agencies, by Russian name."""
    return Agency.objects.order_by("name_ru")


def settlements_in(district_ids) -> QuerySet[Territory]:
    """The settlements of these districts, by district and name."""
    return (
        Territory.objects.filter(level=Territory.Level.SETTLEMENT, parent_id__in=list(district_ids))
        .select_related("parent")
        .order_by("parent__name_ru", "name_ru")
    )


def agencies_of_kind(kind: str) -> QuerySet[Agency]:
    """The agencies of one kind (schools, youth-affairs commissions), by Russian name."""
    return Agency.objects.filter(kind=kind).order_by("name_ru")


def agencies_with_ids(ids) -> QuerySet[Agency]:
    """The agencies with these keys (a list or a subquery), by Russian name."""
    return Agency.objects.filter(pk__in=ids).order_by("name_ru")


def agency_ids_by_code() -> dict[str, int]:
    """Agency keys by agency code."""
    return dict(Agency.objects.values_list("code", "pk"))


def any_agency_exists() -> bool:
    return Agency.objects.exists()


def units() -> QuerySet[Unit]:
    """All units of all agencies, by agency and name."""
    return Unit.objects.select_related("agency").order_by("agency__name_ru", "name_ru")


def facilities_of(agency_ids):
    """The active shelters, programmes and day-care groups these agencies run."""
    from .models import Facility

    return Facility.objects.filter(agency_id__in=list(agency_ids), is_active=True).order_by("kind", "name_ru")
