"""Keeping the action plan: the plan, its logframe rows, indicators, hand-kept actuals, activity
status, and the spreadsheet import. Every write is authorised (plan.edit, for statistics and
planning) and refused when the row changed since the form was opened."""

import re
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from safezone.access.policy import Action, Purpose
from safezone.access.services import authorize
from safezone.common.errors import ChangedMeanwhile
from safezone.stats.periods import BadPeriod, parse_period

from .models import PARENT_LEVEL, Actual, Element, Level, Plan, PlanIndicator, Status

PLANNING = Purpose.STATISTICS


def sort_key(code: str) -> str:
    """The code in natural order: numbers padded ("1.10" after "1.9"), letters as they are."""
    return ".".join(part.zfill(6) if part.isdigit() else part for part in re.split(r"[.\-\s]+", code.strip()))


def _edit(actor, request, extra: dict) -> None:
    authorize(user=actor, action=Action.EDIT_PLAN, purpose=PLANNING, request=request, extra=extra)


def _locked(model, obj, expected_version: int | None):
    """The row locked for a change; ChangedMeanwhile if someone saved it since the form was opened."""
    locked = model.objects.select_for_update().get(pk=obj.pk)
    if expected_version is not None and locked.version != expected_version:
        raise ChangedMeanwhile()
    return locked


def _registry_codes() -> set[str]:
    from safezone.stats.selectors import indicators_current

    return set(indicators_current().values_list("code", flat=True))


# --- the plan ------------------------------------------------------------------------------------
@dataclass
class PlanInput:
    """What the plan form gives."""

    title_ru: str
    title_en: str
    starts_on: date
    ends_on: date


def _check_plan(data: PlanInput) -> None:
    if data.ends_on < data.starts_on:
        raise ValidationError({"ends_on": _("The plan cannot end before it starts.")})


def plan_create(*, actor, data: PlanInput, request=None) -> Plan:
    """Start a new, empty action plan."""
    _edit(actor, request, {"plan": None})
    _check_plan(data)
    return Plan.objects.create(**data.__dict__)


def plan_update(*, actor, plan: Plan, expected_version: int, data: PlanInput, request=None) -> Plan:
    """Change a plan's title or years."""
    _edit(actor, request, {"plan": plan.pk})
    _check_plan(data)
    with transaction.atomic():
        locked = _locked(Plan, plan, expected_version)
        for name, value in data.__dict__.items():
            setattr(locked, name, value)
        locked.version += 1
        locked.save()
    return locked


# --- logframe rows -------------------------------------------------------------------------------
@dataclass
class ElementInput:
    """What the element form (or a Logframe row of a spreadsheet) gives."""

    code: str
    text_ru: str
    text_en: str = ""
    responsible: str = ""
    starts_on: date | None = None
    ends_on: date | None = None
    assumptions: str = ""


def _element_errors(*, plan, level: str, parent, data: ElementInput, element=None) -> dict:
    """What is wrong with a logframe row, by field (empty: nothing)."""
    errors = {}
    wanted = PARENT_LEVEL.get(level)
    if wanted is None and parent is not None:
        errors["parent"] = _("The goal is the top of the logframe: it has no parent.")
    elif wanted is not None and (parent is None or parent.level != wanted):
        errors["parent"] = _("A row of level “%(level)s” belongs under a row of level “%(parent)s”.") % {
            "level": Level(level).label,
            "parent": Level(wanted).label,
        }
    if parent is not None and parent.plan_id != plan.pk:
        errors["parent"] = _("The parent belongs to another plan.")
    code = data.code.strip()
    if not code:
        errors["code"] = _("Give the row a code, such as 1.2.3.")
    elif Element.objects.filter(plan=plan, code=code).exclude(pk=getattr(element, "pk", None)).exists():
        errors["code"] = _("The plan already has a row %(code)s.") % {"code": code}
    if not data.text_ru.strip():
        errors["text_ru"] = _("Say what the row is, in Russian.")
    if data.starts_on and data.ends_on and data.ends_on < data.starts_on:
        errors["ends_on"] = _("The end comes before the start.")
    return errors


def element_create(*, actor, plan: Plan, level: str, parent: Element | None, data: ElementInput, request=None):
    """Add a row to the logframe under its parent."""
    _edit(actor, request, {"plan": plan.pk, "code": data.code})
    errors = _element_errors(plan=plan, level=level, parent=parent, data=data)
    if errors:
        raise ValidationError(errors)
    values = {**data.__dict__, "code": data.code.strip()}
    return Element.objects.create(plan=plan, level=level, parent=parent, sort_key=sort_key(values["code"]), **values)


def element_update(
    *, actor, element: Element, expected_version: int, parent: Element | None, data: ElementInput, request=None
) -> Element:
    """Change a logframe row (its level stays: the rows under it depend on it)."""
    _edit(actor, request, {"plan": element.plan_id, "element": element.pk})
    errors = _element_errors(plan=element.plan, level=element.level, parent=parent, data=data, element=element)
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        locked = _locked(Element, element, expected_version)
        for name, value in data.__dict__.items():
            setattr(locked, name, value.strip() if name == "code" else value)
        locked.parent = parent
        locked.sort_key = sort_key(locked.code)
        locked.version += 1
        locked.save()
    return locked


def activity_status_set(
    *, actor, element: Element, expected_version: int, status: str, note: str = "", request=None
) -> Element:
    """Say where an activity stands (delayed and cancelled need a note saying why)."""
    _edit(actor, request, {"plan": element.plan_id, "element": element.pk, "status": status})
    if element.level != Level.ACTIVITY:
        raise ValidationError(_("Only activities have a status."))
    if status not in Status.values:
        raise ValidationError({"status": _("Choose a status.")})
    if status in (Status.DELAYED, Status.CANCELLED) and not note.strip():
        raise ValidationError({"status_note": _("Say why the activity is delayed or cancelled.")})
    with transaction.atomic():
        locked = _locked(Element, element, expected_version)
        locked.status, locked.status_note = status, note.strip()
        locked.status_changed_at, locked.status_changed_by = timezone.now(), actor
        locked.version += 1
        locked.save()
    return locked


# --- indicators ----------------------------------------------------------------------------------
@dataclass
class IndicatorInput:
    """What the indicator form (or an Indicators row of a spreadsheet) gives."""

    code: str
    name_ru: str
    target: Decimal
    target_year: int
    name_en: str = ""
    baseline: Decimal | None = None
    baseline_year: int | None = None
    unit: str = ""
    means_of_verification: str = ""
    registry_code: str = ""


def _indicator_errors(*, plan, data: IndicatorInput, indicator=None, registry: set | None = None) -> dict:
    errors = {}
    code = data.code.strip()
    if not code:
        errors["code"] = _("Give the indicator a code, such as 1.2-a.")
    elif PlanIndicator.objects.filter(plan=plan, code=code).exclude(pk=getattr(indicator, "pk", None)).exists():
        errors["code"] = _("The plan already has an indicator %(code)s.") % {"code": code}
    if not data.name_ru.strip():
        errors["name_ru"] = _("Name the indicator in Russian.")
    if data.registry_code and data.registry_code not in (registry if registry is not None else _registry_codes()):
        errors["registry_code"] = _("The registry has no indicator “%(code)s”.") % {"code": data.registry_code}
    if data.registry_code and indicator is not None and indicator.actuals.exists():
        errors["registry_code"] = _(
            "The indicator has actuals entered by hand: it cannot be read from the registry as well."
        )
    if (data.baseline is None) != (data.baseline_year is None):
        errors["baseline_year"] = _("Give the baseline with its year, or neither.")
    if data.baseline_year and data.target_year < data.baseline_year:
        errors["target_year"] = _("The target year comes before the baseline year.")
    return errors


def indicator_create(*, actor, element: Element, data: IndicatorInput, request=None) -> PlanIndicator:
    """Attach an indicator to a logframe row."""
    _edit(actor, request, {"plan": element.plan_id, "element": element.pk, "code": data.code})
    errors = _indicator_errors(plan=element.plan, data=data)
    if errors:
        raise ValidationError(errors)
    values = {**data.__dict__, "code": data.code.strip()}
    return PlanIndicator.objects.create(plan=element.plan, element=element, sort_key=sort_key(values["code"]), **values)


def indicator_update(
    *, actor, indicator: PlanIndicator, expected_version: int, data: IndicatorInput, request=None
) -> PlanIndicator:
    """Change an indicator's definition, baseline or target."""
    _edit(actor, request, {"plan": indicator.plan_id, "indicator": indicator.pk})
    errors = _indicator_errors(plan=indicator.plan, data=data, indicator=indicator)
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        locked = _locked(PlanIndicator, indicator, expected_version)
        for name, value in data.__dict__.items():
            setattr(locked, name, value.strip() if name == "code" else value)
        locked.sort_key = sort_key(locked.code)
        locked.version += 1
        locked.save()
    return locked


def actual_enter(
    *, actor, indicator: PlanIndicator, expected_version: int, period: str, value: Decimal, source: str, request=None
) -> Actual:
    """Record (or correct) a hand-kept indicator's value for a period, with its source."""
    _edit(actor, request, {"plan": indicator.plan_id, "indicator": indicator.pk, "period": period})
    errors = {}
    if indicator.from_registry:
        raise ValidationError(_("This indicator is read from the registry: its actuals cannot be typed in."))
    try:
        parsed = parse_period(period)
    except BadPeriod as exc:
        errors["period"] = str(exc)
    if not source.strip():
        errors["source"] = _("Say where the figure comes from.")
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        _locked(PlanIndicator, indicator, expected_version)
        actual, _created = Actual.objects.update_or_create(
            indicator=indicator,
            period=parsed.code,
            defaults={
                "period_start": parsed.start,
                "period_end": parsed.end,
                "value": value,
                "source": source.strip(),
                "entered_by": actor,
            },
        )
        PlanIndicator.objects.filter(pk=indicator.pk).update(version=F("version") + 1)
    return actual


# --- import from a spreadsheet -------------------------------------------------------------------
@dataclass
class ImportResult:
    """What an import did: rows added and changed per sheet (unchanged rows are not counted)."""

    created: dict = field(default_factory=lambda: {"elements": 0, "indicators": 0, "actuals": 0})
    updated: dict = field(default_factory=lambda: {"elements": 0, "indicators": 0, "actuals": 0})

    @property
    def changed(self) -> bool:
        return any(self.created.values()) or any(self.updated.values())


def plan_import(*, actor, plan: Plan, upload, request=None) -> ImportResult:
    """Bring a plan's spreadsheet in: all of it or, on any error, nothing (PlanFileInvalid lists every
    error by sheet, row and column). Rows are keyed by their codes, so importing the same file again
    changes nothing; rows the file does not name stay as they are."""
    _edit(actor, request, {"plan": plan.pk, "file": getattr(upload, "name", "")[:200]})
    return plan_load(plan=plan, upload=upload, actor=actor)


def plan_load(*, plan: Plan, upload, actor=None) -> ImportResult:
    """The import without the access check, for the demo and for commands run by staff: the same
    checks, all or nothing, idempotent."""
    from .xlsx import FileError, PlanFileInvalid, read_plan_file

    rows = read_plan_file(upload)
    errors: list[FileError] = list(rows.errors)
    existing = {e.code: e for e in Element.objects.filter(plan=plan)}
    levels = {code: e.level for code, e in existing.items()}
    levels.update({row.code: row.level for row in rows.elements if row.code and row.level})
    registry = _registry_codes()

    for row in rows.elements:
        old = existing.get(row.code)
        if old is not None and row.level and old.level != row.level:
            errors.append(row.error("level", _("the row %(code)s is of level “%(level)s”; its level cannot change")
                                    % {"code": row.code, "level": Level(old.level).label}))  # fmt: skip
        wanted = PARENT_LEVEL.get(row.level)
        if wanted is None:
            if row.parent_code:
                errors.append(row.error("parent_code", _("the goal has no parent")))
        elif not row.parent_code:
            errors.append(
                row.error(
                    "parent_code", _("a row of level “%(level)s” needs a parent") % {"level": Level(row.level).label}
                )
            )
        elif row.parent_code not in levels:
            errors.append(row.error("parent_code", _("there is no row %(code)s") % {"code": row.parent_code}))
        elif levels[row.parent_code] != wanted:
            errors.append(
                row.error(
                    "parent_code",
                    _("a row of level “%(level)s” belongs under a row of level “%(parent)s”")
                    % {"level": Level(row.level).label, "parent": Level(wanted).label},
                )  # fmt: skip
            )

    element_codes = set(levels)
    known_indicators = dict(PlanIndicator.objects.filter(plan=plan).values_list("code", "registry_code"))
    manual_in_db = set(Actual.objects.filter(indicator__plan=plan).values_list("indicator__code", flat=True).distinct())
    for row in rows.indicators:
        if row.element_code and row.element_code not in element_codes:
            errors.append(row.error("element_code", _("there is no row %(code)s") % {"code": row.element_code}))
        if row.data.registry_code and row.data.registry_code not in registry:
            errors.append(
                row.error(
                    "registry_code", _("the registry has no indicator “%(code)s”") % {"code": row.data.registry_code}
                )
            )
        elif row.data.registry_code and row.data.code in manual_in_db:
            errors.append(row.error("registry_code", _("the indicator has actuals entered by hand")))
        if (row.data.baseline is None) != (row.data.baseline_year is None):
            errors.append(row.error("baseline_year", _("give the baseline with its year, or neither")))
        # An unknown registry code is already an error: its actuals are judged as hand-kept ones.
        known_indicators[row.data.code] = row.data.registry_code if row.data.registry_code in registry else ""
    for row in rows.actuals:
        if row.indicator not in known_indicators:
            errors.append(row.error("indicator", _("there is no indicator %(code)s") % {"code": row.indicator}))
        elif known_indicators[row.indicator]:
            errors.append(row.error("indicator", _("the indicator is read from the registry")))
    if errors:
        raise PlanFileInvalid(errors)

    result = ImportResult()
    with transaction.atomic():
        Plan.objects.select_for_update().get(pk=plan.pk)  # one import of a plan at a time
        _import_elements(plan, rows.elements, existing, result)
        _import_indicators(plan, rows.indicators, result)
        _import_actuals(plan, rows.actuals, actor, result)
        if result.changed:
            Plan.objects.filter(pk=plan.pk).update(version=F("version") + 1, updated_at=timezone.now())
    return result


def _changed(obj, values: dict) -> bool:
    return any(getattr(obj, name) != value for name, value in values.items())


def _import_elements(plan, rows, existing: dict, result: ImportResult) -> None:
    # Parents first: the file may list a row before its parent.
    order = {level: i for i, level in enumerate(Level.values)}
    by_code = dict(existing)
    for row in sorted(rows, key=lambda r: order[r.level]):
        values = {
            **row.data.__dict__,
            "level": row.level,
            "parent": by_code[row.parent_code] if row.parent_code else None,
            "sort_key": sort_key(row.code),
        }
        old = by_code.get(row.code)
        if old is None:
            by_code[row.code] = Element.objects.create(plan=plan, **values)
            result.created["elements"] += 1
        elif _changed(old, values):
            for name, value in values.items():
                setattr(old, name, value)
            old.version += 1
            old.save()
            result.updated["elements"] += 1


def _import_indicators(plan, rows, result: ImportResult) -> None:
    elements = {e.code: e for e in Element.objects.filter(plan=plan)}
    existing = {i.code: i for i in PlanIndicator.objects.filter(plan=plan)}
    for row in rows:
        values = {**row.data.__dict__, "element": elements[row.element_code], "sort_key": sort_key(row.data.code)}
        old = existing.get(row.data.code)
        if old is None:
            existing[row.data.code] = PlanIndicator.objects.create(plan=plan, **values)
            result.created["indicators"] += 1
        elif _changed(old, values):
            for name, value in values.items():
                setattr(old, name, value)
            old.version += 1
            old.save()
            result.updated["indicators"] += 1


def _import_actuals(plan, rows, actor, result: ImportResult) -> None:
    indicators = {i.code: i for i in PlanIndicator.objects.filter(plan=plan)}
    existing = {
        (a.indicator.code, a.period): a for a in Actual.objects.filter(indicator__plan=plan).select_related("indicator")
    }
    for row in rows:
        indicator = indicators[row.indicator]
        values = {"value": row.value, "source": row.source}
        old = existing.get((row.indicator, row.period.code))
        if old is None:
            Actual.objects.create(
                indicator=indicator,
                period=row.period.code,
                period_start=row.period.start,
                period_end=row.period.end,
                entered_by=actor,
                **values,
            )
            result.created["actuals"] += 1
        elif _changed(old, values):
            old.value, old.source, old.entered_by = row.value, row.source, actor
            old.save()
            result.updated["actuals"] += 1
        else:
            continue
        PlanIndicator.objects.filter(pk=indicator.pk).update(version=F("version") + 1)
