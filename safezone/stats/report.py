"""The governor's quarterly report: a Russian PDF (WeasyPrint) of the region's figures for one quarter.

What it holds: a title page; a short commentary written from the figures (changes against the
previous quarter and the same quarter a year earlier); the standard indicators against their
targets; the Istanbul-Convention-style breakdowns (victims and alleged perpetrators by sex and age
band, their relationship, the form of violence, the district); helpline contacts by issue, meeting
referrals by ground, shelter occupancy, flagged pupils and children in the child-labour chain.

Every table is a `figures.figure(...)` (disclosure-controlled; a hidden figure prints as "×" with
the table's footnote), every chart a `charts` SVG, every number in a sentence a published figure.
All counting is done by the stats selectors in the database: a fixed number of grouped queries per
report, whatever the number of districts.
"""

import json
import os
import re
import secrets
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from . import charts
from .definitions import ELEMENTS
from .disclosure import Cell
from .figures import Figure, figure
from .periods import BadPeriod, Period, parse_period
from .selectors import UnknownElement, indicator, indicator_values

SUPPRESSED = "×"
# A change against an earlier period of at least this many percent is called out in the commentary.
NOTABLE_PERCENT = 10
# How many quarters the trend chart shows (the current one and the year before it).
TREND_QUARTERS = 5

# The domain's standards the standard indicators are read against (the action plan's own targets
# have their section, `plan`, read from safezone.programmes). `per_year`: a
# yearly rate, compared pro rata with a period's figure; `value`: a level that holds for any period.
TARGETS = {
    "meeting_cases_per_10k_women": {
        "per_year": Decimal(40),
        "source": gettext_lazy("about 40 meeting cases a year per 10,000 adult women (SafeLives)"),
    },
    "shelter_places_per_10k": {
        "value": Decimal(1),
        "source": gettext_lazy("one shelter place per 10,000 inhabitants (Council of Europe)"),
    },
}

Progress = Callable[[int, int, str], None]
# The steps a report reports: the commentary, the targets, the districts, the shelters, each
# breakdown, and laying out the PDF.


class NotAQuarter(BadPeriod):
    """A period code that is not a quarter: the quarterly report takes only `2026Q1`."""


def quarter_of(code: str) -> Period:
    """The quarter a code such as 2026Q1 names; NotAQuarter (naming the accepted form) otherwise."""
    try:
        period = parse_period(code)
    except BadPeriod:
        period = None
    if period is None or period.kind != "quarter":
        raise NotAQuarter(
            _("“%(code)s” is not a quarter: write the year, Q and the quarter’s number 1–4, e.g. 2026Q1.")
            % {"code": code}
        )
    return period


# --- figures into words and tables --------------------------------------------------------------


def _number(value) -> str:
    return charts.format_number(value)


def _percent(value: int) -> str:
    return f"{_number(value)}\u00a0%"


def _element_name(code: str) -> str:
    name_ru, name_en = ELEMENTS[code][4:6]
    return name_ru if (translation.get_language() or "").startswith("ru") else name_en


@dataclass
class Change:
    """A quarter's figure against an earlier period's: rise, fall, same, none (nothing counted
    then) or withheld (either figure hidden by disclosure control)."""

    against: str  # previous, last_year
    before: int | None
    percent: int | None
    direction: str


@dataclass
class Headline:
    """One figure of the commentary with its changes and the sentence made of them."""

    code: str
    value: int | None
    changes: list
    text: str
    notable: list = field(default_factory=list)  # directions of changes of NOTABLE_PERCENT or more


def _change(against: str, now: int | None, before: int | None) -> Change:
    if now is None or before is None:
        return Change(against, None, None, "withheld")
    if before == 0:
        return Change(against, 0, None, "none")
    percent = int((Decimal(now - before) * 100 / before).quantize(Decimal(1), rounding=ROUND_HALF_UP))
    direction = "rise" if percent > 0 else "fall" if percent < 0 else "same"
    return Change(against, before, abs(percent), direction)


def _phrase(change: Change, earlier: Period) -> str:
    """One comparison in words; '' when there is nothing to compare with."""
    values = {"percent": _percent(change.percent or 0), "before": _number(change.before or 0), "period": earlier.label}
    if change.against == "previous":
        if change.direction == "rise":
            return _("%(percent)s more than in the previous quarter (%(before)s)") % values
        if change.direction == "fall":
            return _("%(percent)s less than in the previous quarter (%(before)s)") % values
        if change.direction == "same":
            return _("about as many as in the previous quarter") % values
        return ""
    if change.direction == "rise":
        return _("%(percent)s more than a year earlier (%(period)s: %(before)s)") % values
    if change.direction == "fall":
        return _("%(percent)s less than a year earlier (%(period)s: %(before)s)") % values
    if change.direction == "same":
        return _("about as many as a year earlier (%(period)s)") % values
    return ""


# The figures the commentary speaks of, each with its sentence opening (the count in words).
HEADLINES = [
    ("cases_opened", lambda n: ngettext("%(n)s case was opened", "%(n)s cases were opened", n)),
    ("incidents", lambda n: ngettext("%(n)s incident was recorded", "%(n)s incidents were recorded", n)),
    (
        "meeting_referrals",
        lambda n: ngettext(
            "%(n)s case was referred to the multi-agency meeting",
            "%(n)s cases were referred to the multi-agency meeting",
            n,
        ),
    ),
    ("contacts", lambda n: ngettext("%(n)s helpline contact was taken", "%(n)s helpline contacts were taken", n)),
    (
        "shelter_nights",
        lambda n: ngettext("%(n)s night was spent in shelters", "%(n)s nights were spent in shelters", n),
    ),
    (
        "flagged_pupils",
        lambda n: ngettext("%(n)s pupil was flagged by early warning", "%(n)s pupils were flagged by early warning", n),
    ),
    (
        "children_in_chain",
        lambda n: ngettext(
            "%(n)s child was in the child-labour monitoring chain at the end of the quarter",
            "%(n)s children were in the child-labour monitoring chain at the end of the quarter",
            n,
        ),
    ),
]


def headline(code: str, opening, now: int | None, previous: int | None, last_year: int | None, period: Period):
    """The sentence of one figure: its value and how it moved. A hidden figure is never quoted."""
    changes = [_change("previous", now, previous), _change("last_year", now, last_year)]
    if now is None:
        text = _("%(name)s: the figure is too small to publish.") % {"name": _element_name(code)}
        return Headline(code, None, changes, text)
    text = opening(now) % {"n": _number(now)}
    earlier = {"previous": period.previous(), "last_year": period.same_last_year()}
    parts = [p for p in (_phrase(c, earlier[c.against]) for c in changes) if p]
    if len(parts) == 2:
        text = _("%(opening)s: %(first)s, and %(second)s.") % {"opening": text, "first": parts[0], "second": parts[1]}
    elif parts:
        text = _("%(opening)s: %(first)s.") % {"opening": text, "first": parts[0]}
    else:
        text = f"{text}."
    if changes[0].direction == "none" and changes[1].direction == "none":
        text = f"{text} " + _("There are no figures of earlier periods to compare with.")
    notable = [c.direction for c in changes if c.percent is not None and c.percent >= NOTABLE_PERCENT]
    return Headline(code, now, changes, text, notable)


def notable_sentence(headlines: list[Headline]) -> str:
    """The rises and falls of NOTABLE_PERCENT or more against the previous quarter, in one sentence."""
    rises = [
        _element_name(h.code).lower() for h in headlines if h.changes[0].direction == "rise" and "rise" in h.notable
    ]
    falls = [
        _element_name(h.code).lower() for h in headlines if h.changes[0].direction == "fall" and "fall" in h.notable
    ]
    if not rises and not falls:
        return _("No figure moved by %(percent)s or more against the previous quarter.") % {
            "percent": _percent(NOTABLE_PERCENT)
        }
    parts = []
    if rises:
        parts.append(_("rises: %(names)s") % {"names": ", ".join(rises)})
    if falls:
        parts.append(_("falls: %(names)s") % {"names": ", ".join(falls)})
    return _("Changes of %(percent)s or more against the previous quarter — %(list)s.") % {
        "percent": _percent(NOTABLE_PERCENT),
        "list": "; ".join(parts),
    }


@dataclass
class DisplayTable:
    """A protected figure as the report prints it: all-zero rows and columns left out, hidden
    figures as ×, the footnotes of the reasons used."""

    key: str
    caption: str
    row_header: str
    columns: list
    rows: list  # {"label", "cells": [str], "total": str}
    total: dict | None  # the totals row, same shape
    legend: list  # footnote texts
    series: bool  # one column: the total column would repeat it


def _cell(cell) -> str:
    return SUPPRESSED if cell.suppressed else _number(cell.value)


def _is_zero(cell) -> bool:
    return not cell.suppressed and cell.value == 0


def display_table(key: str, fig: Figure, *, caption: str, row_header: str, value_header: str = "") -> DisplayTable:
    """The figure's protected table, ready for the template."""
    p = fig.protected
    lines = p.as_rows()
    body, totals = lines[:-1], lines[-1]
    keep_columns = [j for j in range(len(fig.columns)) if not all(_is_zero(line["cells"][j]) for line in body)]
    keep_columns = keep_columns or list(range(len(fig.columns)))
    rows = []
    for row_key, line in zip(fig.rows, body):
        if all(_is_zero(c) for c in line["cells"]) and _is_zero(line["total"]):
            continue
        rows.append(
            {
                "label": fig.row_labels.get(row_key, "") or _("not known"),
                "cells": [_cell(line["cells"][j]) for j in keep_columns],
                "total": _cell(line["total"]),
            }
        )
    series = fig.column_dim is None
    columns = [value_header or _("Number")] if series else [fig.column_labels[fig.columns[j]] for j in keep_columns]
    total = {
        "label": _("Total"),
        "cells": [_cell(totals["cells"][j]) for j in keep_columns],
        "total": _cell(totals["total"]),
    }
    return DisplayTable(
        key=key,
        caption=caption,
        row_header=row_header,
        columns=[c or _("not known") for c in columns],
        rows=rows,
        total=total if len(rows) > 1 or not series else None,
        legend=[text for _reason, text in p.legend()],
        series=series,
    )


def _value(cell) -> int | None:
    return None if cell.suppressed else cell.value


def _drawable(series: list) -> bool:
    """A chart has something to draw: a published figure above zero (all hidden: the table says it)."""
    return any(v for _name, values in series for v in values if v is not None)


def chart_of(
    fig: Figure, *, title: str, horizontal: bool = False, stacked: bool = True, unit: str = ""
) -> SafeString | None:
    """A bar chart of a protected figure: the rows as labels, the columns as series (hidden: None);
    None when no figure could be drawn."""
    p = fig.protected
    rows = [r for r in fig.rows if not (_is_zero(p.row_total(r)) and all(_is_zero(p.cell(r, c)) for c in fig.columns))]
    labels = [fig.row_labels.get(r, "") or _("not known") for r in rows]
    if fig.column_dim is None:
        series = [("", [_value(p.cell(r, fig.columns[0])) for r in rows])]
    else:
        columns = [c for c in fig.columns if not all(_is_zero(p.cell(r, c)) for r in fig.rows)][: charts.MAX_SERIES]
        series = [(fig.column_labels[c] or _("not known"), [_value(p.cell(r, c)) for r in rows]) for c in columns]
    if not _drawable(series):
        return None
    return charts.bar_chart(
        title=title, labels=labels, series=series, horizontal=horizontal, stacked=stacked, unit=unit, width=620
    )


# --- the report ---------------------------------------------------------------------------------


@dataclass
class Section:
    """One part of the report: sentences, tables and charts, or one sentence saying there was nothing."""

    key: str
    title: str
    sentences: list = field(default_factory=list)
    tables: list = field(default_factory=list)
    charts: list = field(default_factory=list)
    empty: str = ""


@dataclass
class Report:
    """Everything the report's template prints."""

    period: Period
    region: str
    made_on: date
    headlines: list
    commentary: list  # sentences
    trend: SafeString | None
    targets: Section
    sections: list
    plan: "Section"
    threshold: int


# One breakdown: (key, title, element, rows, columns, chart horizontal, row header, sentence when empty).
BREAKDOWNS = [
    (
        "victims",
        gettext_lazy("Victims by sex and age"),
        "incidents",
        "age_band",
        "sex",
        False,
        gettext_lazy("Age band"),
        gettext_lazy("No incident was recorded in the quarter."),
    ),
    (
        "perpetrators",
        gettext_lazy("Alleged perpetrators by sex and age"),
        "incidents",
        "perpetrator_age_band",
        "perpetrator_sex",
        False,
        gettext_lazy("Age band"),
        gettext_lazy("No incident was recorded in the quarter."),
    ),
    (
        "relationship",
        gettext_lazy("Relationship of victim and alleged perpetrator"),
        "incidents",
        "relationship",
        None,
        True,
        gettext_lazy("Relationship"),
        gettext_lazy("No incident was recorded in the quarter."),
    ),
    (
        "forms",
        gettext_lazy("Forms of violence"),
        "incident_forms",
        "form",
        None,
        True,
        gettext_lazy("Form of violence"),
        gettext_lazy("No incident was recorded in the quarter."),
    ),
    (
        "helpline",
        gettext_lazy("Helpline contacts by issue"),
        "contact_issues",
        "category",
        None,
        True,
        gettext_lazy("Issue"),
        gettext_lazy("There were no helpline contacts in the quarter."),
    ),
    (
        "meetings",
        gettext_lazy("Referrals to the multi-agency meeting by ground"),
        "meeting_referrals",
        "category",
        None,
        True,
        gettext_lazy("Ground"),
        gettext_lazy("No case was referred to the multi-agency meeting in the quarter."),
    ),
    (
        "pupils",
        gettext_lazy("Pupils flagged by early warning"),
        "flagged_pupils",
        "district",
        "sex",
        True,
        gettext_lazy("District"),
        gettext_lazy("No pupil was flagged by early warning in the quarter."),
    ),
    (
        "chain",
        gettext_lazy("Children in the child-labour monitoring chain"),
        "children_in_chain",
        "category",
        None,
        True,
        gettext_lazy("Step of the chain"),
        gettext_lazy("No child was in the child-labour monitoring chain at the end of the quarter."),
    ),
]


STEPS = 4 + len(BREAKDOWNS) + 1


class _Builder:
    """Builds one report, each protected total counted once (the commentary, the trend and the
    tables share them)."""

    def __init__(self, period: Period, today: date, progress: Progress | None):
        self.period, self.today = period, today
        self._totals = {}
        self._progress = progress
        self.done = 0

    def step(self, text: str) -> None:
        self.done += 1
        if self._progress:
            self._progress(self.done, STEPS, text)

    def total(self, code: str, period: Period) -> int | None:
        """A data element's protected total over a period (None: hidden)."""
        key = (code, period)
        if key not in self._totals:
            cell = figure(code, period, today=self.today).protected.total
            self._totals[key] = _value(cell)
        return self._totals[key]

    def figure(self, code: str, **kwargs) -> Figure:
        return figure(code, self.period, today=self.today, **kwargs)

    def commentary(self) -> tuple[list, list, SafeString | None]:
        previous, last_year = self.period.previous(), self.period.same_last_year()
        headlines = [
            headline(
                code,
                opening,
                self.total(code, self.period),
                self.total(code, previous),
                self.total(code, last_year),
                self.period,
            )
            for code, opening in HEADLINES
        ]
        spoken = [h for h in headlines if h.value != 0 or any(c.before for c in h.changes)]
        sentences = [h.text for h in spoken]
        if spoken:
            sentences.append(notable_sentence(spoken))
        else:
            sentences.append(_("No figures were recorded in the quarter."))
        quarters = [self.period]
        while len(quarters) < TREND_QUARTERS:
            quarters.insert(0, quarters[0].previous())
        trend_codes = ["cases_opened", "incidents"]
        series = [(_element_name(c), [self.total(c, q) for q in quarters]) for c in trend_codes]
        trend = charts.line_chart(
            title=_("Cases opened and incidents by quarter"),
            labels=[q.label for q in quarters],
            series=series,
            width=620,
        )
        return headlines, sentences, trend

    def targets(self) -> Section:
        section = Section("targets", str(_("Indicators and targets")))
        rows = []
        for code, target in TARGETS.items():
            try:
                ind = indicator(code)
            except UnknownElement:
                continue
            name = ind.name_ru if (translation.get_language() or "").startswith("ru") else ind.name_en
            unit = ind.unit_ru if (translation.get_language() or "").startswith("ru") else ind.unit_en
            goal = target.get("value")
            if "per_year" in target:
                goal = (target["per_year"] * self.period.days / 365).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
            numerator = figure(ind.numerator, self.period, filters=ind.numerator_filter or None, today=self.today)
            value = indicator_values(code, self.period, today=self.today)[None].value
            row = {"name": name, "unit": unit, "target": _number(goal), "source": str(target["source"])}
            if numerator.protected.total.suppressed:
                row.update(value=SUPPRESSED, share="")
                section.sentences.append(
                    _("%(name)s: too few cases to publish the value this quarter.") % {"name": name}
                )
            elif value is None:
                row.update(value="—", share="")
                section.sentences.append(
                    _("%(name)s: not known, the population figures for the year are missing.") % {"name": name}
                )
            else:
                share = int((value * 100 / goal).quantize(Decimal(1), rounding=ROUND_HALF_UP)) if goal else None
                row.update(value=_number(value), share=_percent(share) if share is not None else "")
                words = {"name": name, "value": _number(value), "target": _number(goal), "unit": unit}
                if share is not None and share >= 100:
                    text = _("%(name)s: %(value)s %(unit)s, the target of %(target)s is reached.")
                else:
                    text = _("%(name)s: %(value)s %(unit)s, below the target of %(target)s.")
                section.sentences.append(text % words)
            rows.append(row)
        if not rows:
            section.empty = _("The standard indicators are not defined in the registry.")
        section.tables = rows
        return section

    def plan(self) -> Section:
        """The action plan's indicators for the quarter: actual, target, share of the way, standing."""
        from safezone.programmes.selectors import Standing, plan_standing

        section = Section("plan", str(_("The action plan")))
        standing = plan_standing(self.period, self.today)
        if not standing:
            section.empty = _("No action plan is in force in this quarter.")
            return section
        for progress in standing:
            ind = progress.indicator
            reading = progress.readings[0]
            if reading.suppressed:
                value = SUPPRESSED
            elif reading.known:
                value = _number(reading.value)
            else:
                value = "—"
            section.tables.append(
                {
                    "code": ind.code,
                    "name": ind.name,
                    "unit": ind.unit,
                    "baseline": _number(ind.baseline) if ind.baseline is not None else "—",
                    "target": f"{_number(ind.target)} ({ind.target_year})",
                    "value": value,
                    "percent": _percent(progress.percent) if progress.percent is not None else "",
                    "standing": progress.standing_label,
                }
            )
        by = {
            state: sum(1 for p in standing if p.standing == state)
            for state in (Standing.REACHED, Standing.ON_TRACK, Standing.BEHIND, Standing.UNKNOWN)
        }
        section.sentences.append(
            ngettext(
                "Of %(total)s indicator of the action plan: %(reached)s reached its target, %(on_track)s on "
                "track, %(behind)s behind, %(unknown)s without a figure for the quarter.",
                "Of %(total)s indicators of the action plan: %(reached)s reached their target, %(on_track)s on "
                "track, %(behind)s behind, %(unknown)s without a figure for the quarter.",
                len(standing),
            )
            % {
                "total": len(standing),
                "reached": by[Standing.REACHED],
                "on_track": by[Standing.ON_TRACK],
                "behind": by[Standing.BEHIND],
                "unknown": by[Standing.UNKNOWN],
            }
        )
        behind = [p.indicator.name for p in standing if p.standing == Standing.BEHIND]
        if behind:
            section.sentences.append(_("Behind: %(names)s.") % {"names": "; ".join(behind)})
        return section

    def breakdown(self, spec) -> Section:
        key, title, code, rows, columns, horizontal, row_header, empty = spec
        fig = self.figure(code, rows=rows, columns=columns)
        section = Section(key, str(title))
        total = fig.protected.total
        if _is_zero(total):
            section.empty = str(empty)
            return section
        table = display_table(key, fig, caption=str(title), row_header=str(row_header))
        section.tables.append(table)
        chart = chart_of(fig, title=str(title), horizontal=horizontal)
        if chart is not None:
            section.charts.append(chart)
        if total.suppressed:
            section.sentences.append(_("The figures of the quarter are too small to publish."))
        return section

    def districts(self) -> Section:
        section = Section("districts", str(_("Districts")))
        opened = self.figure("cases_opened", rows="district")
        incidents = self.figure("incidents", rows="district")
        if _is_zero(opened.protected.total) and _is_zero(incidents.protected.total):
            section.empty = _("No case was opened and no incident recorded in the quarter.")
            return section
        for key, fig in (("districts-cases", opened), ("districts-incidents", incidents)):
            if not _is_zero(fig.protected.total):
                name = _element_name(fig.code)
                section.tables.append(
                    display_table(key, fig, caption=name, row_header=_("District"), value_header=name)
                )
        labels, series = _joined([opened, incidents])
        if labels and _drawable(series):
            section.charts.append(
                charts.bar_chart(
                    title=_("Cases opened and incidents by district"),
                    labels=labels,
                    series=series,
                    horizontal=True,
                    width=620,
                )
            )
        return section

    def shelters(self) -> Section:
        section = Section("shelters", str(_("Shelter occupancy")))
        nights = self.figure("shelter_nights", rows="district")
        places = self.figure("shelter_place_nights", rows="district")
        if _is_zero(places.protected.total) and _is_zero(nights.protected.total):
            section.empty = _("No shelter places were recorded in the quarter.")
            return section
        used, offered = _value(nights.protected.total), _value(places.protected.total)
        if used is not None and offered:
            section.sentences.append(
                _("The shelters were %(percent)s full: %(used)s nights spent of %(offered)s place-nights.")
                % {"percent": _percent(round(used * 100 / offered)), "used": _number(used), "offered": _number(offered)}
            )
        rows, labels, shares = [], [], []
        for district in dict.fromkeys([*places.rows, *nights.rows]):
            n, p = _item(nights, district), _item(places, district)
            if _is_zero(n) and _is_zero(p):
                continue
            # Occupancy only from two published figures: a share of a hidden one would reveal it.
            share = round(n.value * 100 / p.value) if not n.suppressed and not p.suppressed and p.value else None
            label = places.row_labels.get(district) or _("not known")
            rows.append(
                {
                    "label": label,
                    "cells": [
                        _cell(n),
                        _cell(p),
                        _percent(share) if share is not None else SUPPRESSED if (n.suppressed or p.suppressed) else "—",
                    ],
                }
            )
            labels.append(label)
            shares.append(share)
        legend = sorted({text for fig in (nights, places) for _r, text in fig.protected.legend()})
        section.tables.append(
            DisplayTable(
                key="shelters",
                caption=str(_("Shelter occupancy")),
                row_header=str(_("District")),
                columns=[_element_name("shelter_nights"), _element_name("shelter_place_nights"), _("Occupancy")],
                rows=[{**r, "total": ""} for r in rows],
                total=None,
                legend=legend,
                series=True,
            )
        )
        if labels and _drawable([("", shares)]):
            section.charts.append(
                charts.bar_chart(
                    title=_("Shelter occupancy by district"),
                    labels=labels,
                    series=[("", shares)],
                    unit="%",
                    horizontal=True,
                    width=620,
                )
            )
        return section

    def build(self) -> Report:
        headlines, commentary, trend = self.commentary()
        self.step(_("commentary"))
        targets = self.targets()
        plan = self.plan()
        self.step(_("indicators and targets"))
        sections = []
        for spec in BREAKDOWNS[:4]:
            sections.append(self.breakdown(spec))
            self.step(str(spec[1]))
        sections.append(self.districts())
        self.step(_("districts"))
        for spec in BREAKDOWNS[4:6]:
            sections.append(self.breakdown(spec))
            self.step(str(spec[1]))
        sections.append(self.shelters())
        self.step(_("shelters"))
        for spec in BREAKDOWNS[6:]:
            sections.append(self.breakdown(spec))
            self.step(str(spec[1]))
        return Report(
            period=self.period,
            region=_region_name(),
            made_on=self.today,
            headlines=headlines,
            commentary=commentary,
            trend=trend,
            targets=targets,
            plan=plan,
            sections=sections,
            threshold=settings.SAFEZONE_STATS_MIN_CELL,
        )


def _item(fig: Figure, key) -> Cell:
    """One entry of a one-column figure; a published zero for an option it does not list."""
    return fig.protected.item(key) if key in fig.rows else Cell(0)


def _joined(figures: list[Figure]) -> tuple[list, list]:
    """Districts as labels, one series per figure; districts with nothing in any figure left out."""
    keys = dict.fromkeys(r for f in figures for r in f.rows)
    rows = [r for r in keys if not all(_is_zero(_item(f, r)) for f in figures)]
    names = {r: label for f in figures for r, label in f.row_labels.items()}
    labels = [names.get(r) or _("not known") for r in rows]
    series = [(_element_name(f.code), [_value(_item(f, r)) for r in rows]) for f in figures]
    return labels, series


def _region_name() -> str:
    from safezone.directory.models import Territory

    region = Territory.objects.filter(level=Territory.Level.REGION).first()
    return region.name if region else ""


def report_build(period: Period, *, today: date | None = None, progress: Progress | None = None) -> Report:
    """The report's content for a quarter, in the active language."""
    return _Builder(period, today or timezone.localdate(), progress).build()


def report_html(period: Period, *, today: date | None = None, progress: Progress | None = None) -> str:
    """The report as the HTML WeasyPrint prints, in Russian."""
    with translation.override("ru"):
        report = report_build(period, today=today, progress=progress)
        return render_to_string("stats/report_pdf.html", {"report": report})


def report_pdf(period: Period, *, today: date | None = None, progress: Progress | None = None) -> tuple[bytes, int]:
    """The report as PDF bytes and its number of pages."""
    from weasyprint import HTML

    html = report_html(period, today=today, progress=progress)
    document = HTML(string=html).render()
    pdf = document.write_pdf()
    if progress:
        progress(STEPS, STEPS, _("the PDF is laid out"))
    return pdf, len(document.pages)


def report_write(period: Period, out: Path, *, today: date | None = None, progress: Progress | None = None) -> int:
    """Write the report's PDF to `out` whole or not at all (a spare file, then renamed); its pages."""
    out = Path(out)
    pdf, pages = report_pdf(period, today=today, progress=progress)
    out.parent.mkdir(parents=True, exist_ok=True)
    fd, spare = tempfile.mkstemp(prefix=f".{out.name}.", dir=out.parent)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(pdf)
        os.replace(spare, out)
    except BaseException:
        Path(spare).unlink(missing_ok=True)
        raise
    return pages


# --- background jobs ----------------------------------------------------------------------------
# A report made from the UI runs in the worker (`manage.py db_worker`). Its state lives in a small
# JSON file beside the PDF under var/reports, written whole each time (the page never reads half a
# file); only the user who started it sees it. Nothing of a person is in either file.

KEEP_SECONDS = 24 * 3600
_JOB = re.compile(r"[A-Za-z0-9_-]{16}")
LIVE = ("queued", "running")


def _jobs_folder() -> Path:
    folder = Path(settings.VAR_DIR) / "reports"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def job_pdf_path(job: str) -> Path:
    return _jobs_folder() / f"{job}.pdf"


def _job_path(job: str) -> Path:
    return _jobs_folder() / f"{job}.json"


def _job_write(state: dict) -> None:
    path = _job_path(state["job"])
    spare = path.with_suffix(".tmp")
    spare.write_text(json.dumps(state))
    os.replace(spare, path)


def _job_read(job: str) -> dict | None:
    if not _JOB.fullmatch(job or ""):
        return None
    try:
        return json.loads(_job_path(job).read_text())
    except (FileNotFoundError, ValueError):
        return None


def _job_update(job: str, **fields) -> dict | None:
    state = _job_read(job)
    if state is not None:
        state.update(fields, updated=time.time())
        _job_write(state)
    return state


def _jobs_forget_old() -> None:
    """Finished reports go after a day (the audit events of making and downloading them stay)."""
    old = time.time() - KEEP_SECONDS
    for path in _jobs_folder().iterdir():
        if path.stat().st_mtime < old:
            path.unlink(missing_ok=True)


def report_job_start(*, actor, period: Period) -> dict:
    """Ask the background worker to make the quarterly report; the job's state, owned by `actor`."""
    from .tasks import report_task

    _jobs_forget_old()
    job = secrets.token_urlsafe(12)
    state = {
        "job": job,
        "owner": actor.pk,
        "period": period.code,
        "status": "queued",
        "done": 0,
        "total": 0,
        "step": "",
        "pages": 0,
        "error": "",
        "created": time.time(),
        "updated": time.time(),
    }
    _job_write(state)
    task_id = str(report_task.enqueue(job).id)
    # Beside the state, not in it: the worker may already be writing the state.
    (_jobs_folder() / f"{job}.task").write_text(task_id)
    return state


def report_job_execute(job: str) -> dict:
    """Make a job's report (the worker's task): progress into the job's state, the PDF beside it."""
    state = _job_read(job)
    if state is None or state["status"] != "queued":
        return {"status": state["status"] if state else "missing"}  # a task delivered twice does nothing twice
    _job_update(job, status="running")

    def progress(done: int, total: int, step: str) -> None:
        _job_update(job, done=done, total=total, step=str(step))

    try:
        pages = report_write(quarter_of(state["period"]), job_pdf_path(job), progress=progress)
    except Exception as exc:
        _job_update(job, status="failed", error=f"{type(exc).__name__}: {exc}"[:500])
        raise
    _job_update(job, status="done", pages=pages, step="")
    return {"status": "done", "pages": pages}


def _task_ended(job: str) -> bool:
    from django_tasks import TaskResultStatus, default_task_backend
    from django_tasks.exceptions import TaskResultDoesNotExist

    try:
        task_id = (_jobs_folder() / f"{job}.task").read_text().strip()
    except FileNotFoundError:
        return False
    try:
        status = default_task_backend.get_result(task_id).status
    except TaskResultDoesNotExist:
        return True
    return status in (TaskResultStatus.FAILED, TaskResultStatus.SUCCESSFUL)


def report_job_for(user, job: str) -> dict | None:
    """The user's own job (None for anyone else's, or none); a live job whose task ended is failed."""
    state = _job_read(job)
    if state is None or state.get("owner") != user.pk:
        return None
    if state["status"] in LIVE and _task_ended(job):
        # Re-read: the worker may have finished between the two looks.
        state = _job_read(job)
        if state["status"] in LIVE:
            state = _job_update(job, status="failed", error="the worker's task ended without finishing the report")
    state["percent"] = int(state["done"] * 100 / state["total"]) if state.get("total") else 0
    return state


def report_jobs_of(user) -> list[dict]:
    """The user's jobs of the last day, newest first."""
    jobs = []
    for path in _jobs_folder().glob("*.json"):
        state = _job_read(path.stem)
        if state and state.get("owner") == user.pk:
            jobs.append(state)
    return sorted(jobs, key=lambda s: s["created"], reverse=True)[:10]
