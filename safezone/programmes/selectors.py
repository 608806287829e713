"""Reading the action plan: the logframe as a tree with each indicator's progress per period, and the
list of activities with their filters.

Progress of an indicator: the share of the way from its baseline to its target that the latest
actual has covered. It is on track when that share is no more than 10 points behind the share of
the plan's time that has passed by the end of the latest period (from the plan's start to the end
of the target year); behind otherwise; reached at 100 %.
"""

from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from django.conf import settings
from django.utils.translation import gettext_lazy as _

from safezone.stats.periods import Period, parse_period, period_containing, recent_periods

from .models import CLOSED_STATUSES, Element, Level, Plan, PlanIndicator

QUARTERS_SHOWN = 4
# How far (percentage points of the way) an indicator may lag the time passed and still be on track.
TOLERANCE = 10


def plans_all():
    return Plan.objects.all()


def plan_get(pk: int) -> Plan:
    return Plan.objects.get(pk=pk)


def element_get(pk: int) -> Element:
    return Element.objects.select_related("plan", "parent").get(pk=pk)


def indicator_get(pk: int) -> PlanIndicator:
    return PlanIndicator.objects.select_related("plan", "element").get(pk=pk)


def parent_choices(plan: Plan, level: str):
    """The rows a row of this level may hang under."""
    from .models import PARENT_LEVEL

    wanted = PARENT_LEVEL.get(level)
    if wanted is None:
        return Element.objects.none()
    return Element.objects.filter(plan=plan, level=wanted).order_by("sort_key")


def actuals_of(indicator: PlanIndicator):
    return indicator.actuals.select_related("entered_by").order_by("-period_start", "period_end")


# --- actuals -------------------------------------------------------------------------------------
@dataclass
class Reading:
    """An indicator's actual for one period: a value, suppressed, or nothing known."""

    period: Period
    value: Decimal | None = None
    suppressed: bool = False
    source: str = ""
    partial: bool = False  # the period is still running: shown, not counted as progress

    @property
    def known(self) -> bool:
        return self.value is not None


def registry_reading(code: str, period: Period, today: date) -> Reading:
    """The registry's value of an indicator for the region, held back when its count is so small
    (1 to SAFEZONE_STATS_MIN_CELL - 1) that it could point at a person."""
    from safezone.stats.selectors import UnknownElement, indicator_values

    if period.start > today:
        return Reading(period)
    try:
        found = indicator_values(code, period, today=today)[None]
    except UnknownElement:
        return Reading(period)
    partial = period.end > today
    if 0 < found.numerator < settings.SAFEZONE_STATS_MIN_CELL:
        return Reading(period, suppressed=True, source=str(_("registry")), partial=partial)
    return Reading(period, found.value, source=str(_("registry")), partial=partial)


def readings_of(indicator: PlanIndicator, periods: list[Period], today: date) -> list[Reading]:
    """The indicator's actual for each period: from the registry, or as entered by hand."""
    if indicator.from_registry:
        return [registry_reading(indicator.registry_code, p, today) for p in periods]
    entered = {a.period: a for a in indicator.actuals.all()}
    return [
        Reading(p, entered[p.code].value, source=entered[p.code].source) if p.code in entered else Reading(p)
        for p in periods
    ]


# --- progress ------------------------------------------------------------------------------------
class Standing:
    REACHED, ON_TRACK, BEHIND, UNKNOWN = "reached", "on_track", "behind", "unknown"


STANDING_LABELS = {
    Standing.REACHED: _("target reached"),
    Standing.ON_TRACK: _("on track"),
    Standing.BEHIND: _("behind"),
    Standing.UNKNOWN: _("no data"),
}


@dataclass
class Progress:
    """An indicator over the periods shown: its readings, the latest known one, the share of the way
    from baseline to target, and whether that keeps pace with the time passed."""

    indicator: PlanIndicator
    readings: list[Reading]
    latest: Reading | None = None
    percent: int | None = None  # of the way from baseline to target
    expected: int | None = None  # share of the plan's time passed, %
    standing: str = Standing.UNKNOWN

    @property
    def standing_label(self) -> str:
        return str(STANDING_LABELS[self.standing])


def percent_of_way(baseline: Decimal | None, target: Decimal, actual: Decimal | None) -> int | None:
    """How far (%) the actual has come from the baseline toward the target, either direction."""
    if baseline is None or actual is None or target == baseline:
        return None
    share = (Decimal(actual) - baseline) / (target - baseline) * 100
    return int(share.quantize(Decimal("1"), rounding=ROUND_HALF_UP))


def time_passed(plan: Plan, target_year: int, until: date) -> int:
    """The share (%) of the time from the plan's start to the end of the target year passed by `until`."""
    end = date(target_year + 1, 1, 1)
    total = (end - plan.starts_on).days
    if total <= 0:
        return 100
    return max(0, min(100, round((until - plan.starts_on).days * 100 / total)))


def progress_of(indicator: PlanIndicator, periods: list[Period], today: date) -> Progress:
    readings = readings_of(indicator, periods, today)
    progress = Progress(indicator, readings)
    # The latest period with a figure; a suppressed one hides the progress rather than fall back
    # to an older figure.
    known = [r for r in readings if (r.known or r.suppressed) and not r.partial]
    if not known or known[-1].suppressed:
        return progress
    progress.latest = known[-1]
    progress.percent = percent_of_way(indicator.baseline, indicator.target, progress.latest.value)
    if progress.percent is None:
        return progress
    progress.expected = time_passed(indicator.plan, indicator.target_year, min(progress.latest.period.end, today))
    if progress.percent >= 100:
        progress.standing = Standing.REACHED
    elif progress.percent >= progress.expected - TOLERANCE:
        progress.standing = Standing.ON_TRACK
    else:
        progress.standing = Standing.BEHIND
    return progress


def periods_until(code: str | None, today: date) -> list[Period]:
    """The quarters shown: the last QUARTERS_SHOWN up to the one asked for (the current one by default)."""
    last = period_containing(today, "quarter")
    if code:
        asked = parse_period(code)  # BadPeriod for the view to tell
        last = period_containing(asked.start, "quarter")
    return recent_periods(last.start, "quarter", QUARTERS_SHOWN)


@dataclass
class Node:
    """One row of the logframe as the overview shows it."""

    element: Element
    depth: int
    progress: list[Progress] = field(default_factory=list)
    overdue: bool = False


def plan_tree(plan: Plan, periods: list[Period], today: date) -> list[Node]:
    """The logframe top down (each row followed by the rows under it), with indicators' progress."""
    elements = list(Element.objects.filter(plan=plan).order_by("sort_key"))
    indicators = (
        PlanIndicator.objects.filter(plan=plan).select_related("plan").prefetch_related("actuals").order_by("sort_key")
    )
    by_element: dict[int, list] = {}
    for indicator in indicators:
        by_element.setdefault(indicator.element_id, []).append(indicator)
    children: dict[int | None, list] = {}
    for element in elements:
        children.setdefault(element.parent_id, []).append(element)
    nodes: list[Node] = []

    def walk(parent_id, depth):
        for element in children.get(parent_id, []):
            nodes.append(
                Node(
                    element,
                    depth,
                    [progress_of(i, periods, today) for i in by_element.get(element.pk, [])],
                    element.is_overdue(today),
                )
            )
            walk(element.pk, depth + 1)

    walk(None, 0)
    return nodes


def plan_summary(nodes: list[Node]) -> dict:
    """Counts for the top of the overview: indicators by standing, activities overdue."""
    summary = {s: 0 for s in STANDING_LABELS}
    for node in nodes:
        for progress in node.progress:
            summary[progress.standing] += 1
    summary["overdue"] = sum(1 for n in nodes if n.overdue)
    return summary


# --- activities ----------------------------------------------------------------------------------
def activities_of(plan: Plan, *, status: str = "", responsible: str = "", overdue: bool = False, today: date):
    """The plan's activities, narrowed by status, by a word of the responsible bodies, and to those overdue."""
    rows = Element.objects.filter(plan=plan, level=Level.ACTIVITY).select_related("parent").order_by("sort_key")
    if status:
        rows = rows.filter(status=status)
    if responsible:
        rows = rows.filter(responsible__icontains=responsible)
    if overdue:
        rows = rows.filter(ends_on__lt=today).exclude(status__in=CLOSED_STATUSES)
    return rows


def responsible_bodies(plan: Plan) -> list[str]:
    """The bodies named responsible for the plan's activities, each once (for the filter's list)."""
    names = set()
    for text in (
        Element.objects.filter(plan=plan, level=Level.ACTIVITY)
        .exclude(responsible="")
        .values_list("responsible", flat=True)
    ):
        names |= {part.strip() for part in text.replace(";", ",").split(",") if part.strip()}
    return sorted(names)


def plan_standing(period: Period, today: date) -> list[Progress]:
    """The indicators of the action plans in force during a period, each with its actual for that
    period and how it stands against its target (the governor's report reads this)."""
    plans = Plan.objects.filter(starts_on__lt=period.end, ends_on__gte=period.start).order_by("starts_on", "pk")
    return [
        progress_of(indicator, [period], today)
        for plan in plans
        for indicator in plan.indicators.select_related("plan").prefetch_related("actuals").order_by("sort_key")
    ]
