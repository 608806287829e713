"""Writing the registry: the code's definitions into the database, indicators analysts define,
population figures."""

from django.db import transaction

from .definitions import ELEMENTS, INDICATORS
from .models import DataElement, Indicator, PopulationFigure

_ELEMENT_FIELDS = (
    "domain",
    "aggregation",
    "disaggregations",
    "protect_agency",
    "name_ru",
    "name_en",
    "description_ru",
    "description_en",
)
_INDICATOR_FIELDS = (
    "numerator",
    "numerator_filter",
    "denominator",
    "denominator_filter",
    "factor",
    "numerator_per_day",
    "name_ru",
    "name_en",
    "description_ru",
    "description_en",
    "unit_ru",
    "unit_en",
)


def _new_version(model, code: str, values: dict, *, using: str = "default", created_by=None):
    """Keep the current version when it says the same; otherwise add the next version and retire
    the old one. Returns the current row."""
    manager = model.objects.using(using)
    current = manager.filter(code=code, is_current=True).first()
    if current and all(getattr(current, k) == v for k, v in values.items()):
        return current
    version = (manager.filter(code=code).order_by("-version").values_list("version", flat=True).first() or 0) + 1
    with transaction.atomic(using=using):
        manager.filter(code=code, is_current=True).update(is_current=False)
        extra = {"created_by": created_by} if model is Indicator else {}
        return manager.create(code=code, version=version, is_current=True, **values, **extra)


def definitions_sync(*, using: str = "default") -> None:
    """Write the code's data elements and standard indicators into the registry (after migrate)."""
    for code, row in ELEMENTS.items():
        domain, aggregation, disaggregations, protect, *names = row
        values = dict(zip(_ELEMENT_FIELDS, [str(domain), str(aggregation), list(disaggregations), protect, *names]))
        _new_version(DataElement, code, values, using=using)
    for code, row in INDICATORS.items():
        _new_version(Indicator, code, dict(zip(_INDICATOR_FIELDS, row)), using=using)


def indicator_define(*, actor, code: str, **values) -> Indicator:
    """Define an indicator or a new version of one (the old version stays for earlier reports)."""
    return _new_version(Indicator, code, values, created_by=actor)


def population_set(*, district, year: int, sex: str, age_band: str, count: int, source: str) -> PopulationFigure:
    """Record one population figure (replacing the one for the same district, year, sex and band)."""
    figure, _created = PopulationFigure.objects.update_or_create(
        district=district, year=year, sex=sex, age_band=age_band, defaults={"count": count, "source": source}
    )
    return figure


def projection_refresh_ask(*, actor) -> bool:
    """Queue a refresh of the projection for the background worker, unless one is waiting already
    (the worker brings the figures up to date; the dashboard says as of when)."""
    from .selectors import refresh_waiting
    from .tasks import projection_refresh_task

    if refresh_waiting():
        return False
    projection_refresh_task.enqueue()
    return True


def mapping_save(*, actor, receiver: str, kind: str, ours: str, theirs: str):
    """Add a code mapping of a receiving system, or change the code of one that exists (the caller
    has decided that `actor` may)."""
    from .models import CodeMapping

    mapping, _created = CodeMapping.objects.update_or_create(
        receiver=receiver, kind=kind, ours=ours, defaults={"theirs": theirs}
    )
    return mapping


def mapping_delete(*, actor, mapping) -> None:
    """Remove one code mapping (the caller has decided that `actor` may)."""
    mapping.delete()
