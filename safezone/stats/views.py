"""The statistics pages (/stats/): the analysts' and coordinators' dashboard, its tables as CSV and
XLSX downloads, and the registry's documentation with the analysts' form to define indicators.

Every figure shown or downloaded comes from `figures.figure()`, so it has passed disclosure
control; indicator values are shown only when their parts are not small. Thin: parse, authorize
once, call the stats API, render.
"""

import csv
import io
from dataclasses import dataclass, field
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from safezone.access.http import refused_as_403
from safezone.access.policy import Action, Purpose
from safezone.access.selectors import purposes_for
from safezone.access.services import authorize

from . import dimensions
from .charts import bar_chart, format_number, line_chart
from .definitions import AGGREGATION_HELP
from .figures import Figure, figure
from .forms import FilterForm, IndicatorForm, filter_in_words
from .models import DataElement, Indicator
from .selectors import (
    UnknownElement,
    element,
    elements_current,
    indicator_values,
    indicators_current,
    last_refresh,
    option_label,
    refresh_waiting,
)
from .services import indicator_define, projection_refresh_ask

STATS = Purpose.STATISTICS
# Letters that tie a suppressed cell to its footnote, in the legend's order.
MARKS = "abc"
TREND_LENGTH = 8
# Disaggregations whose options are shared by several elements (the category of a case, a contact,
# a tier...; the helpline's own age bands): options empty throughout a table are another element's.
TRIMMED = {"category", "age_band", "perpetrator_age_band", "form"}
# Long lists of options read better as horizontal bars.
HORIZONTAL_FROM = 7


def _authorize(request, action: str, page: str, **extra) -> None:
    authorize(user=request.user, action=action, purpose=STATS, request=request, extra={"page": page, **extra})


def _bad_request(request, problems: list[str]):
    """400 with what was wrong, each message naming the parameter."""
    return render(request, "stats/dash_bad_request.html", {"problems": problems}, status=400)


def _form_problems(form) -> list[str]:
    return [f"{name}: {' '.join(errors)}" for name, errors in form.errors.items()]


def _threshold() -> int:
    return settings.SAFEZONE_STATS_MIN_CELL


# --- a protected figure as a page or a file shows it ---------------------------------------------
@dataclass
class Shown:
    """One protected table ready to show: labelled lines of cells, the footnotes, where to download it.

    A cell is {"value": int | None, "text": str, "mark": letter of its footnote or ""}."""

    key: str
    title: str
    head: str  # what the rows are (a dimension's name)
    columns: list  # column labels
    lines: list  # [{"label", "cells", "total", "is_total"}]
    legend: list  # [(mark, text)]
    has_total_column: bool = True
    notes: list = field(default_factory=list)  # which cells were suppressed, in words
    query: str = ""  # the download's query string
    code: str = ""
    chart: str = ""


def _cell(cell, marks: dict) -> dict:
    if cell.suppressed:
        return {"value": None, "text": "×", "mark": marks.get(cell.reason, ""), "reason": cell.reason}
    return {"value": cell.value, "text": format_number(cell.value), "mark": "", "reason": ""}


def _published_zero(cell) -> bool:
    return not cell.suppressed and cell.value == 0


def _dimension_name(dim: str | None) -> str:
    return str(dimensions.DIMENSIONS[dim].name) if dim else ""


def shown(fig: Figure, *, key: str, title: str, district: int | None = None) -> Shown:
    """A Figure as lines of cells with its footnotes; options of a shared disaggregation (TRIMMED)
    that are zero throughout are left out."""
    protected = fig.protected
    legend = protected.legend()
    marks = {reason: MARKS[i] for i, (reason, _text) in enumerate(legend)}
    raw = protected.as_rows()
    columns = list(range(len(fig.columns)))
    if fig.column_dim in TRIMMED:
        columns = [j for j in columns if not all(_published_zero(line["cells"][j]) for line in raw)]
    lines = []
    for line, row in zip(raw, [*fig.rows, None]):
        if (
            fig.row_dim in TRIMMED
            and not line["is_total"]
            and all(_published_zero(c) for c in line["cells"])
            and _published_zero(line["total"])
        ):
            continue
        label = _("Total") if line["is_total"] else fig.row_labels[row]
        lines.append(
            {
                "label": label,
                "cells": [_cell(line["cells"][j], marks) for j in columns],
                "total": _cell(line["total"], marks),
                "is_total": line["is_total"],
            }
        )
    one_column = fig.column_dim is None
    name = _element_name(fig.code)
    column_labels = [name] if one_column else [fig.column_labels[fig.columns[j]] for j in columns]
    query = {"period": fig.period.code}
    if fig.row_dim:
        query["rows"] = fig.row_dim
    if fig.column_dim:
        query["columns"] = fig.column_dim
    if district:
        query["district"] = district
    return Shown(
        key=key,
        title=title,
        head=_dimension_name(fig.row_dim) if fig.row_dim else "",
        columns=column_labels,
        lines=lines,
        legend=[(marks[reason], text) for reason, text in legend],
        has_total_column=not one_column,
        notes=_suppression_notes(fig),
        query=urlencode(query),
        code=fig.code,
    )


def _suppression_notes(fig: Figure) -> list[str]:
    """Which figures disclosure control hid and why, one line each."""
    explain = dict(fig.protected.legend())
    notes = []
    for s in fig.suppressed:
        row = fig.row_labels.get(s.row, "") if s.row is not None else _("Total")
        column = fig.column_labels.get(s.column, "") if s.column is not None else _("Total")
        where = " × ".join(part for part in (row, column if fig.column_dim else "") if part) or _("Total")
        notes.append(f"{where}: {explain[s.reason]}")
    return notes


def _element_name(code: str) -> str:
    current = DataElement.objects.filter(code=code, is_current=True).first()
    return current.name if current else code


def _chart(table: Shown, *, unit: str = "") -> str:
    """The table's bars: one series per column, None where a cell is suppressed; totals not drawn."""
    body = [line for line in table.lines if not line["is_total"]]
    labels = [str(line["label"]) for line in body]
    series = [(str(name), [line["cells"][j]["value"] for line in body]) for j, name in enumerate(table.columns)]
    return bar_chart(
        title=table.title,
        labels=labels,
        series=series,
        unit=unit,
        horizontal=len(labels) >= HORIZONTAL_FROM,
    )


# --- the dashboard -------------------------------------------------------------------------------
# key, data element, rows, columns: the sections of the dashboard, in order.
SECTIONS = [
    ("cases-by-district", "cases_opened", "district", None),
    ("incidents-by-form", "incident_forms", "form", None),
    ("incidents-by-relationship", "incidents", "relationship", None),
    ("victims-by-sex-age", "incidents", "age_band", "sex"),
    ("meeting-referrals", "meeting_referrals", "category", None),
    ("helpline-issues", "contact_issues", "category", None),
    ("flagged-pupils", "flagged_pupils", "category", None),
    ("child-labour", "children_in_chain", "category", None),
]


def _section_title(key: str) -> str:
    # The titles as literals for the message catalogue.
    return {
        "cases-by-district": _("Cases opened by district"),
        "incidents-by-form": _("Incidents by form of violence"),
        "incidents-by-relationship": _("Incidents by relationship of victim and perpetrator"),
        "victims-by-sex-age": _("Victims by sex and age band"),
        "meeting-referrals": _("Referrals to the risk meeting by ground"),
        "helpline-issues": _("Helpline contacts by issue"),
        "flagged-pupils": _("Pupils flagged by early warning, by tier"),
        "child-labour": _("Children in the child-labour chain by step"),
    }[key]


def _district_filter(district: int | None) -> dict | None:
    return {"district": [district]} if district else None


def _sections(period, district) -> list[Shown]:
    tables = []
    for key, code, rows, columns in SECTIONS:
        fig = figure(code, period, rows=rows, columns=columns, filters=_district_filter(district))
        table = shown(fig, key=key, title=_section_title(key), district=district)
        table.chart = _chart(table)
        tables.append(table)
    return tables


def _trend(period, district) -> Shown:
    """Cases opened and incidents in the last periods of the chosen kind: each point one protected
    total. No total over the periods is shown, so no suppressed point can be worked out from it."""
    periods = [period]
    while len(periods) < TREND_LENGTH:
        periods.append(periods[-1].previous())
    periods.reverse()
    codes = ["cases_opened", "incidents"]
    protected = {
        (code, p): figure(code, p, filters=_district_filter(district)).protected for code in codes for p in periods
    }
    values = {key: table.total for key, table in protected.items()}
    explain = {}
    for key, total in values.items():
        if total.suppressed:
            explain.setdefault(total.reason, protected[key].explain(total.reason))
    legend = [(reason, explain[reason]) for reason in ("primary", "agency", "secondary") if reason in explain]
    marks = {reason: MARKS[i] for i, (reason, _text) in enumerate(legend)}
    lines = [
        {
            "label": p.label,
            "cells": [_cell(values[(code, p)], marks) for code in codes],
            "total": None,
            "is_total": False,
        }
        for p in periods
    ]
    names = [_element_name(code) for code in codes]
    table = Shown(
        key="trend",
        title=_("Cases opened and incidents, last %(count)s periods") % {"count": TREND_LENGTH},
        head=_("Period"),
        columns=names,
        lines=lines,
        legend=[(marks[reason], text) for reason, text in legend],
        has_total_column=False,
        notes=[
            f"{p.label} × {name}: {dict(legend)[values[(code, p)].reason]}"
            for code, name in zip(codes, names)
            for p in periods
            if values[(code, p)].suppressed
        ],
    )
    table.chart = line_chart(
        title=table.title,
        labels=[p.label for p in periods],
        series=[(name, [values[(code, p)].value for p in periods]) for code, name in zip(codes, names)],
    )
    return table


def _protected_value(value, ind) -> dict:
    """An indicator's value unless its numerator (or a counted denominator) is small: a rate over
    a handful of cases would let its count be worked back."""
    if value is None:
        return {"value": None, "text": "—", "suppressed": False}
    small = 0 < value.numerator < _threshold()
    if ind.denominator and ind.denominator != "population" and value.denominator is not None:
        small = small or 0 < value.denominator < _threshold()
    if small:
        return {"value": None, "text": "×", "suppressed": True}
    if value.value is None:
        return {"value": None, "text": "—", "suppressed": False}
    return {"value": value.value, "text": format_number(value.value), "suppressed": False}


def _change(now: dict, before: dict) -> str:
    if now["value"] is None or before["value"] is None:
        return "—"
    difference = now["value"] - before["value"]
    sign = "+" if difference > 0 else ("−" if difference < 0 else "±")
    return sign + format_number(abs(difference))


def _indicator_rows(period, district) -> list[dict]:
    """Each current indicator for the period and the one before, the region and the district chosen."""
    previous = period.previous()
    rows = []
    for ind in indicators_current():
        now = indicator_values(ind.code, period, by_district=bool(district))
        before = indicator_values(ind.code, previous, by_district=bool(district))
        row = {"indicator": ind, "units": []}
        keys = [None, district] if district else [None]
        for key in keys:
            current = _protected_value(now.get(key), ind)
            earlier = _protected_value(before.get(key), ind)
            row["units"].append({"now": current, "before": earlier, "change": _change(current, earlier)})
        rows.append(row)
    return rows


@login_required
@refused_as_403
def dashboard(request):
    """Figures for a period and the region or one district: charts, each with its table, and the indicators."""
    form = FilterForm(request.GET)
    valid = form.is_valid()
    period_code = form.cleaned_data["period"].code if valid else request.GET.get("period", "")[:16]
    _authorize(request, Action.VIEW_FIGURES, "dashboard", period=period_code)
    if not valid:
        return render(request, "stats/dashboard.html", {"form": form, "problems": _form_problems(form)}, status=400)
    period, district = form.chosen
    district_name = option_label("district", district) if district else ""
    # The filters as they were understood (defaults filled in), for the next change.
    shown_form = FilterForm(initial={"kind": period.kind, "period": period.code, "district": district or ""})
    return render(
        request,
        "stats/dashboard.html",
        {
            "form": shown_form,
            "period": period,
            "previous": period.previous(),
            "district": district,
            "district_name": district_name,
            "sections": _sections(period, district),
            "trend": _trend(period, district),
            "indicators": _indicator_rows(period, district),
            "below": _threshold() - 1,
            "refreshed": last_refresh(),
            "may_refresh": _may_define(request.user),
            "refresh_waiting": refresh_waiting(),
        },
    )


@login_required
@require_POST
@refused_as_403
def refresh(request):
    """Ask the background worker to bring the figures up to date (analysts)."""
    _authorize(request, Action.DEFINE_INDICATORS, "refresh")
    if projection_refresh_ask(actor=request.user):
        messages.success(request, _("The figures will be brought up to date in the background in a few minutes."))
    else:
        messages.info(request, _("An update of the figures is already on its way."))
    back = request.POST.get("next", "")
    return redirect(back if url_has_allowed_host_and_scheme(back, allowed_hosts=None) else "stats:dashboard")


# --- downloads -----------------------------------------------------------------------------------
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def _safe(value):
    """A text cell a spreadsheet will not run as a formula."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def _dimension_parameter(request, name: str, allowed: tuple, code: str) -> tuple[str | None, str | None]:
    """A rows/columns parameter: (dimension, None) or (None, the problem naming the parameter)."""
    value = request.GET.get(name, "").strip()
    if not value:
        return None, None
    if value not in allowed:
        return None, _(
            "%(parameter)s: “%(value)s” is not a disaggregation of %(code)s; choose one of: %(allowed)s."
        ) % {
            "parameter": name,
            "value": value[:40],
            "code": code,
            "allowed": ", ".join(allowed),
        }
    return value, None


def _file_lines(table: Shown, fig: Figure, district_name: str) -> tuple[list[list], list[list]]:
    """The table as rows of plain values ("x" for a suppressed figure) and the notes under it."""
    header = [capfirst(table.head) or _("Figure"), *[str(c) for c in table.columns]]
    if table.has_total_column:
        header.append(_("Total"))
    data = [header]
    for line in table.lines:
        values = [c["value"] if c["value"] is not None else "x" for c in line["cells"]]
        if table.has_total_column:
            values.append(line["total"]["value"] if line["total"]["value"] is not None else "x")
        data.append([str(line["label"]), *values])
    info = element(fig.code)
    notes = [
        [_("Data element"), f"{fig.code} — {_element_name(fig.code)}"],
        [_("Period"), f"{fig.period.code} ({fig.period.label})"],
        [_("District"), district_name or _("the whole region")],
        [_("Disclosure control"), _("Figures from 1 to %(below)s are not published.") % {"below": _threshold() - 1}],
        [_("Aggregation"), str(AGGREGATION_HELP.get(info.aggregation, info.aggregation))],
        [_("Made"), timezone.localtime().strftime("%Y-%m-%d %H:%M")],
    ]
    if table.notes:
        notes.append(["x", _("a figure hidden by disclosure control:")])
        notes.extend(["x", note] for note in table.notes)
    else:
        notes.append(["", _("No figure was hidden.")])
    return data, notes


def _csv(data: list, notes: list) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    for row in data:
        writer.writerow([_safe(v) for v in row])
    writer.writerow([])
    for row in notes:
        writer.writerow([_safe(v) for v in row])
    # The byte-order mark makes Excel read UTF-8 (Cyrillic) correctly.
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def _xlsx(data: list, notes: list) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Font

    book = Workbook()
    sheet = book.active
    sheet.title = _("Figures")[:31]
    for row in data:
        sheet.append([_safe(v) for v in row])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    sheet.freeze_panes = "B2"
    sheet.column_dimensions["A"].width = 40
    footnotes = book.create_sheet(_("Notes")[:31])
    for row in notes:
        footnotes.append([_safe(v) for v in row])
    footnotes.column_dimensions["A"].width = 24
    footnotes.column_dimensions["B"].width = 100
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


CONTENT_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


@login_required
@refused_as_403
def download(request, code: str, fmt: str):
    """One data element over a period as a protected table in a CSV or XLSX file, with its notes."""
    form = FilterForm(request.GET)
    valid = form.is_valid()
    period_code = form.cleaned_data["period"].code if valid else request.GET.get("period", "")[:16]
    _authorize(request, Action.VIEW_FIGURES, "download", period=period_code, element=code[:40], format=fmt)
    try:
        info = element(code)
    except UnknownElement as exc:
        raise Http404(str(exc)) from None
    problems = _form_problems(form) if not valid else []
    rows, problem = _dimension_parameter(request, "rows", info.disaggregations, code)
    problems += [problem] if problem else []
    columns, problem = _dimension_parameter(request, "columns", info.disaggregations, code)
    problems += [problem] if problem else []
    if rows and rows == columns:
        problems.append(_("columns: the rows are already by %(dim)s; choose another disaggregation.") % {"dim": rows})
    if columns and not rows:
        problems.append(_("rows: give the rows' disaggregation before the columns'."))
    if problems:
        return _bad_request(request, problems)
    period, district = form.chosen
    fig = figure(code, period, rows=rows, columns=columns, filters=_district_filter(district))
    table = shown(fig, key=code, title=_element_name(code), district=district)
    district_name = option_label("district", district) if district else ""
    data, notes = _file_lines(table, fig, district_name)
    body = _csv(data, notes) if fmt == "csv" else _xlsx(data, notes)
    parts = [code, period.code, *(p for p in (rows, columns) if p), *([str(district)] if district else [])]
    response = HttpResponse(body, content_type=CONTENT_TYPES[fmt])
    response["Content-Disposition"] = f'attachment; filename="{"_".join(parts)}.{fmt}"'
    return response


# --- the registry's documentation ----------------------------------------------------------------
def _element_row(item) -> dict:
    return {
        "item": item,
        "aggregation": AGGREGATION_HELP.get(item.aggregation, item.aggregation),
        "disaggregations": [(d, _dimension_name(d)) for d in item.disaggregations if d in dimensions.DIMENSIONS],
    }


def formula_in_words(ind) -> str:
    """numerator (narrowed) / denominator (narrowed) × factor, as a person reads it."""

    def part(code: str, filters: dict) -> str:
        narrowed = filter_in_words(filters)
        return f"{code} ({narrowed})" if narrowed else code

    text = part(ind.numerator, ind.numerator_filter)
    if ind.numerator_per_day:
        text = _("%(numerator)s per day of the period") % {"numerator": text}
    if ind.denominator:
        text = f"{text} / {part(ind.denominator, ind.denominator_filter)}"
    if ind.factor != 1:
        text = f"{text} × {format_number(ind.factor)}"
    return text


def _indicator_row(item) -> dict:
    return {"item": item, "formula": formula_in_words(item)}


def _may_define(user) -> bool:
    return STATS in purposes_for(user, Action.DEFINE_INDICATORS)


@login_required
@refused_as_403
def definitions(request):
    """The registry: every current data element and indicator with its definition; `?code=` shows
    the version history of one code."""
    code = request.GET.get("code", "").strip()[:40]
    _authorize(request, Action.VIEW_FIGURES, "definitions", period="", code=code)
    context = {"may_define": _may_define(request.user)}
    if code:
        # The registry's own tables (definitions, no figures): every version of one code.
        element_versions = list(DataElement.objects.filter(code=code).order_by("-version"))
        indicator_versions = list(Indicator.objects.filter(code=code).order_by("-version"))
        if not element_versions and not indicator_versions:
            raise Http404(_("There is no data element or indicator “%(code)s”.") % {"code": code})
        context.update(
            code=code,
            element_versions=[_element_row(e) for e in element_versions],
            indicator_versions=[_indicator_row(i) for i in indicator_versions],
        )
    else:
        context.update(
            elements=[_element_row(e) for e in elements_current()],
            indicators=[_indicator_row(i) for i in indicators_current()],
        )
    return render(request, "stats/definitions.html", context)


def _changes(current, proposed: dict) -> list[tuple[str, str, str]]:
    """(field, now, proposed) for each field a new version changes."""
    if current is None:
        return []
    changed = []
    for name, value in proposed.items():
        old = getattr(current, name)
        if old != value:
            label = str(Indicator._meta.get_field(name).verbose_name)
            changed.append((label, str(old), str(value)))
    return changed


@login_required
@refused_as_403
def define(request):
    """An analyst's form for an indicator or its next version: fill in, confirm, then it applies to
    reports made from now on (the old version stays for the reports made with it)."""
    code = (request.POST.get("code") or request.GET.get("code") or "").strip()[:40]
    _authorize(request, Action.DEFINE_INDICATORS, "define", period="", code=code)
    current = Indicator.objects.filter(code=code, is_current=True).first() if code else None
    if request.method != "POST":
        form = IndicatorForm(initial=IndicatorForm.initial_from(current) if current else {"factor": 1})
        return render(request, "stats/dash_define.html", {"form": form, "current": current})
    form = IndicatorForm(request.POST)
    if not form.is_valid():
        return render(request, "stats/dash_define.html", {"form": form, "current": current}, status=400)
    proposed = form.definition()
    changes = _changes(current, proposed)
    if current is not None and not changes:
        messages.info(
            request,
            _("Nothing changed: %(code)s stays at version %(version)s.")
            % {
                "code": current.code,
                "version": current.version,
            },
        )
        return redirect(f"{reverse('stats:definitions')}?{urlencode({'code': current.code})}")
    if request.POST.get("edit") == "yes":
        return render(request, "stats/dash_define.html", {"form": form, "current": current})
    if request.POST.get("confirm") != "yes":
        return render(
            request,
            "stats/dash_define_confirm.html",
            {
                "form": form,
                "current": current,
                "changes": changes,
                "formula": formula_in_words(Indicator(code=form.cleaned_data["code"], **proposed)),
            },
        )
    saved = indicator_define(actor=request.user, code=form.cleaned_data["code"], **proposed)
    messages.success(
        request,
        _("%(code)s version %(version)s is in force: reports made from now on use it.")
        % {"code": saved.code, "version": saved.version},
    )
    return redirect(f"{reverse('stats:definitions')}?{urlencode({'code': saved.code})}")
