"""Reading figures: a data element counted over a period with its disaggregations, indicators, and
the same as disclosure-controlled tables for everything shown or sent outside.

Every count runs in the database over the projection's fact tables (`stats.models`), never over
the registers, and never names a unit or a subject.
"""

from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Count, F, Q, Sum, Window
from django.db.models.functions import RowNumber
from django.utils import timezone
from django.utils.translation import gettext as _

from safezone.directory.models import Agency, Territory

from . import dimensions
from .definitions import ELEMENTS
from .models import FACT_MODELS, DataElement, Domain, Indicator, PopulationFigure
from .periods import Period, month_of


class UnknownElement(LookupError):
    """A data element or indicator code the registry does not have."""


@dataclass(frozen=True)
class ElementInfo:
    """What a count needs to know of a data element."""

    code: str
    domain: str
    aggregation: str
    disaggregations: tuple
    protect_agency: bool


def element(code: str) -> ElementInfo:
    """The current definition of a data element."""
    try:
        domain, aggregation, disaggregations, protect, *_names = ELEMENTS[code]
    except KeyError:
        raise UnknownElement(_("There is no data element “%(code)s”.") % {"code": code}) from None
    return ElementInfo(code, domain, aggregation, tuple(disaggregations), protect)


def elements_current():
    """The registry's data elements, current versions, for the documentation page."""
    return DataElement.objects.filter(is_current=True).order_by("code")


def indicators_current():
    return Indicator.objects.filter(is_current=True).order_by("code")


def indicator(code: str) -> Indicator:
    found = Indicator.objects.filter(code=code, is_current=True).first()
    if not found:
        raise UnknownElement(_("There is no indicator “%(code)s”.") % {"code": code})
    return found


def district_ids() -> list[int]:
    """The districts of the region, the organisation units figures are kept by."""
    return list(
        Territory.objects.filter(level=Territory.Level.DISTRICT).order_by("name_ru").values_list("pk", flat=True)
    )


@dataclass
class Counts:
    """A data element counted over a period: value and reporting agencies per combination of options."""

    code: str
    period: Period
    by: tuple
    values: dict = field(default_factory=dict)  # (option, ...) -> int
    agencies: dict = field(default_factory=dict)  # (option, ...) -> distinct reporting agencies

    @property
    def total(self) -> int:
        return sum(self.values.values())


def _where(filters: dict | None) -> Q:
    q = Q()
    for dim, options in (filters or {}).items():
        q &= Q(**{f"{dimensions.dimension(dim).column}__in": list(options)})
    return q


def element_counts(
    code: str,
    period: Period,
    *,
    by: tuple | list = (),
    filters: dict | None = None,
    districts: list[int] | None = None,
    today: date | None = None,
) -> Counts:
    """Count a data element over a period, broken down by the dimensions `by`, narrowed to
    `filters` ({dimension: [option...]}) and to some districts. One query in the database."""
    info = element(code)
    by = tuple(by)
    columns = [dimensions.dimension(d).column for d in by]
    if info.domain == Domain.POPULATION:
        return _population(code, period, by, columns, filters, districts)
    facts = FACT_MODELS[info.domain].objects.filter(element=code)
    if info.aggregation == "stock":
        # A stock is read in the period's last month (the current one when the period is running).
        today = today or timezone.localdate()
        last = month_of(min(period.last_day, today))
        facts = facts.filter(day__gte=last.start, day__lt=last.end)
    else:
        facts = facts.filter(day__gte=period.start, day__lt=period.end)
    facts = facts.filter(_where(filters))
    if districts is not None:
        facts = facts.filter(district_id__in=districts)
    if info.aggregation == "distinct":
        # Each person once, in one cell: their latest fact of the period (a pupil flagged "at risk"
        # in autumn and "high" in spring counts once, as high), so cells add up to the total.
        latest = Window(RowNumber(), partition_by=[F("subject")], order_by=[F("day").desc(), F("pk").desc()])
        chosen = facts.annotate(latest=latest).filter(latest=1).values("pk")
        facts = FACT_MODELS[info.domain].objects.filter(pk__in=chosen)
        measure = Count("pk")
    else:
        measure = Sum("value")
    # Reporting agencies are counted only where the agency rule protects the element (a distinct
    # count is the dearest part of a query).
    extra = {"agencies": Count("agency_id", distinct=True)} if info.protect_agency else {}
    with _statistics_session():
        if columns:
            rows = list(facts.values(*columns).annotate(n=measure, **extra).order_by())
        else:
            rows = [facts.aggregate(n=measure, **extra)]
    counts = Counts(code, period, by)
    for row in rows:
        key = tuple(row[c] if row[c] is not None else "" for c in columns)
        counts.values[key] = int(row["n"] or 0)
        if info.protect_agency:
            counts.agencies[key] = int(row["agencies"] or 0)
    return counts


@contextmanager
def _statistics_session():
    """On PostgreSQL, a statistics query runs without JIT (compiling cost ~2 s a query at a million
    cases for nothing) and with room to sort in memory (SAFEZONE_STATS_WORK_MEM), for its own
    transaction only."""
    if connection.vendor != "postgresql":
        yield
        return
    # One statement; no savepoint of its own inside a transaction already open (a request's, a
    # report's), whose end the settings then last until.
    with transaction.atomic(savepoint=False), connection.cursor() as cursor:
        cursor.execute(
            "SELECT set_config('jit', 'off', true), set_config('work_mem', %s, true)",
            [settings.SAFEZONE_STATS_WORK_MEM],
        )
        yield


def _population(code, period, by, columns, filters, districts) -> Counts:
    """The population of the period's year, or the latest year known before it."""
    figures = PopulationFigure.objects.filter(year__lte=period.start.year)
    year = figures.order_by("-year").values_list("year", flat=True).first()
    counts = Counts(code, period, by)
    if year is None:
        return counts
    figures = figures.filter(year=year).filter(_where(filters))
    if districts is not None:
        figures = figures.filter(district_id__in=districts)
    if columns:
        rows = figures.values(*columns).annotate(n=Sum("count")).order_by()
    else:
        rows = [figures.aggregate(n=Sum("count"))]
    for row in rows:
        counts.values[tuple(row[c] for c in columns)] = int(row["n"] or 0)
        counts.agencies[tuple(row[c] for c in columns)] = 0
    return counts


@dataclass
class IndicatorValue:
    """An indicator for one period and organisation unit: its value with what it was made of."""

    numerator: int
    denominator: int | None
    value: Decimal | None  # None: no denominator to divide by


def _days_so_far(period: Period, today: date | None) -> int:
    """The days of the period up to today (all of them for a period that has ended)."""
    today = today or timezone.localdate()
    return max(1, (min(period.end, today + timedelta(days=1)) - period.start).days)


def _ratio(numerator: int, denominator: int | None, ind: Indicator, period: Period, days: int) -> Decimal | None:
    if not ind.denominator:
        return Decimal(numerator)
    if not denominator:
        return None
    # Per day: over the days counted so far (a running quarter has place-nights only up to today).
    top = Decimal(numerator) / days if ind.numerator_per_day else Decimal(numerator)
    return (top * ind.factor / denominator).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def indicator_values(code: str, period: Period, *, by_district: bool = False, today: date | None = None) -> dict:
    """An indicator over a period: {None: region value} and, `by_district`, {district id: value}."""
    ind = indicator(code)
    by = ("district",) if by_district else ()
    top = element_counts(ind.numerator, period, by=by, filters=ind.numerator_filter, today=today)
    bottom = (
        element_counts(ind.denominator, period, by=by, filters=ind.denominator_filter, today=today)
        if ind.denominator
        else None
    )
    days = _days_so_far(period, today)
    result = {None: IndicatorValue(top.total, bottom.total if bottom else None, None)}
    result[None].value = _ratio(top.total, result[None].denominator, ind, period, days)
    if by_district:
        for district in district_ids():
            n = top.values.get((district,), 0)
            d = bottom.values.get((district,), 0) if bottom else None
            result[district] = IndicatorValue(n, d, _ratio(n, d, ind, period, days))
    return result


def option_label(dim: str, code) -> str:
    """How a person reads one option of a disaggregation."""
    if code in ("", None):
        return _("not known")
    if dim == "district":
        return str(Territory.objects.filter(pk=code).first() or code)
    labels = option_labels(dim)
    return str(labels.get(code, code))


def option_labels(dim: str) -> dict:
    """The names of a disaggregation's options (districts by id)."""
    from safezone.cases.models import Case, Referral, ViolenceForm
    from safezone.hotline.models import AgeBand, Contact
    from safezone.meetings.models import MeetingReferral
    from safezone.people.models import Relation
    from safezone.schools.models import Tier, WorkingChild, WorstForm

    if dim == "district":
        return {t.pk: t.name for t in Territory.objects.filter(level=Territory.Level.DISTRICT)}
    if dim in ("sex", "perpetrator_sex"):
        return {"F": _("female"), "M": _("male")}
    if dim in ("age_band", "perpetrator_age_band"):
        return {**{b: b for b in dimensions.AGE_BANDS}, **dict(AgeBand.choices)}
    if dim == "relationship":
        return {**dict(Relation.Kind.choices), "child": _("child"), "ward": _("ward")}
    if dim == "form":
        return {
            **{f.code: f.name for f in ViolenceForm.objects.all()},
            **dict(WorstForm.choices),
            "dv_risk": _("domestic-violence risk checklist"),
            "child_at_risk": _("child's needs and risks"),
            "child_labour": _("child labour"),
        }
    if dim == "agency_kind":
        return dict(Agency.Kind.choices)
    if dim == "category":
        return {
            **dict(Case.Kind.choices),
            "police": _("reported to the police"),
            "not_reported": _("not reported to the police"),
            "standard": _("standard"),
            "medium": _("medium"),
            **dict(Tier.choices),
            **dict(MeetingReferral.Rule.choices),
            **dict(Referral.Status.choices),
            **dict(Contact.Type.choices),
            **dict(Contact.Category.choices),
            **dict(WorkingChild.Status.choices),
        }
    return {}


def last_refresh():
    """The newest refresh of the projection (its time says how fresh the figures are), or None."""
    from .models import Refresh

    return Refresh.objects.order_by("-started_at").first()


def refresh_waiting() -> bool:
    """Whether a refresh asked for from the dashboard is queued or running."""
    from django_tasks_db.models import DBTaskResult

    return DBTaskResult.objects.filter(
        task_path="safezone.stats.tasks.projection_refresh_task", status__in=["READY", "RUNNING"]
    ).exists()


def mappings_of(receiver: str | None = None):
    """The code mappings, of one receiving system or all, in a stable order."""
    from .models import CodeMapping

    rows = CodeMapping.objects.order_by("receiver", "kind", "ours")
    return rows.filter(receiver=receiver) if receiver else rows
