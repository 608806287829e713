"""Aggregate exports: the standard data sets for a period as DHIS2 `dataValueSets` JSON, ADX XML or
open-data CSV, with our codes or a receiving system's codes (`CodeMapping`).

Every value comes from a disclosure-controlled table (`figures.figure`): per data element and per
option of its second (third...) disaggregation, one table with the districts as rows and the first
disaggregation as columns. A district's value is a cell of that table, the region's value is the
column total, so an export publishes nothing that the protected table does not publish itself,
and the slices are disjoint counts that share no total. A suppressed figure is left out (DHIS2 and
ADX have no "suppressed" value; the CSV shows an empty value with the reason) and listed in the
export's summary. Facts of no known district are the table's "not known" row: in the region's
figures, and a row of their own ("unknown") in the CSV only.
"""

import csv
import io
import json
import os
import tempfile
from dataclasses import dataclass, field
from datetime import date, datetime
from itertools import product
from xml.etree import ElementTree as ET

from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _

from safezone.directory.models import Territory

from .definitions import ELEMENTS
from .dimensions import dimension
from .figures import figure
from .models import CodeMapping
from .periods import Period
from .selectors import element, mappings_of, option_label
from .services import mapping_save

FORMATS = ("dhis2", "adx", "csv")
CONTENT_TYPES = {"dhis2": "application/json", "adx": "application/adx+xml", "csv": "text/csv; charset=utf-8"}
EXTENSIONS = {"dhis2": "json", "adx": "xml", "csv": "csv"}
ADX_NAMESPACE = "urn:ihe:qrph:adx:2015"
DEFAULT_COMBO = "default"
UNKNOWN_OPTION = "unknown"
# ISO 8601 durations of the period kinds, for ADX's start/duration periods.
ADX_DURATIONS = {"month": "P1M", "quarter": "P3M", "year": "P1Y", "week": "P7D"}


class ExportError(ValueError):
    """An export that cannot be made as asked: the message says why, in the user's language."""


class UnmappedCodes(ExportError):
    """Codes the receiving system has no mapping for; `missing` lists them as (kind, our code)."""

    def __init__(self, receiver: str, missing: list[tuple[str, str]]):
        self.receiver = receiver
        self.missing = missing
        listed = ", ".join(f"{kind}:{ours}" for kind, ours in missing)
        super().__init__(
            _(
                "The receiving system “%(receiver)s” has no code for: %(codes)s. "
                "Add the mappings, or export with unmapped codes allowed."
            )
            % {"receiver": receiver, "codes": listed}
        )


# --- the data sets ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class DataSetElement:
    """One data element of a data set with the disaggregations of its category combination, in order."""

    code: str
    disaggregations: tuple = ()


@dataclass(frozen=True)
class DataSet:
    """One data set: a code, a name, and its data elements."""

    code: str
    name: object
    elements: tuple


DATA_SETS = {
    ds.code: ds
    for ds in [
        DataSet(
            "dv_quarterly",
            gettext_lazy("Domestic violence: cases, incidents and protection"),
            (
                DataSetElement("incidents", ("sex", "age_band")),
                DataSetElement("incident_forms", ("form",)),
                DataSetElement("cases_opened", ("sex",)),
                DataSetElement("meeting_referrals", ("category",)),
                DataSetElement("shelter_nights"),
            ),
        ),
        DataSet(
            "helpline",
            gettext_lazy("Helpline contacts"),
            (DataSetElement("contacts", ("category",)),),
        ),
        DataSet(
            "children_at_risk",
            gettext_lazy("Children at risk: early warning and child labour"),
            (
                DataSetElement("flagged_pupils", ("category",)),
                DataSetElement("children_in_chain", ("category",)),
            ),
        ),
    ]
}


def data_sets_chosen(code: str | None) -> list[DataSet]:
    """The data set a code names, or all of them for none; ExportError with the accepted codes otherwise."""
    if not code:
        return list(DATA_SETS.values())
    if code not in DATA_SETS:
        raise ExportError(
            _("There is no data set “%(code)s”; the data sets are: %(codes)s.")
            % {"code": code, "codes": ", ".join(DATA_SETS)}
        )
    return [DATA_SETS[code]]


def format_chosen(code: str) -> str:
    if code not in FORMATS:
        raise ExportError(
            _("“%(format)s” is not an export format; the formats are: %(formats)s.")
            % {"format": code, "formats": ", ".join(FORMATS)}
        )
    return code


def option_code(option) -> str:
    """An option as it is written in a combination code: '' (not known) is 'unknown'."""
    return UNKNOWN_OPTION if option in ("", None) else str(option)


# --- building an export ----------------------------------------------------------------------------


@dataclass(frozen=True)
class ExportValue:
    """One figure of an export: a data element for one organisation unit and one combination of
    options; value None when disclosure control suppressed it (then `reason` says why)."""

    data_set: str
    data_element: str
    org_unit: str
    org_unit_name: str
    options: tuple  # ((dimension, option), ...) in the element's disaggregation order
    value: int | None
    reason: str = ""

    @property
    def combo(self) -> str:
        if not self.options:
            return DEFAULT_COMBO
        return "_".join(option_code(option) for _dim, option in self.options)

    @property
    def suppressed(self) -> bool:
        return self.value is None


@dataclass
class Export:
    """What an export holds: the published values and the suppressed ones, with the codes to write."""

    period: Period
    data_sets: list
    values: list = field(default_factory=list)  # published ExportValue
    suppressed: list = field(default_factory=list)  # suppressed ExportValue
    receiver: str = ""
    mapping: dict = field(default_factory=dict)  # kind -> {ours: theirs}
    unmapped: list = field(default_factory=list)  # (kind, ours) written as ours
    # Figures of no known district: no organisation unit in DHIS2 or ADX (they count in the
    # region's figures), a row of their own in the open-data CSV.
    unlocated: list = field(default_factory=list)
    exported_at: datetime | None = None

    @property
    def data_set_code(self) -> str:
        return ",".join(ds.code for ds in self.data_sets)

    def code(self, kind: str, ours: str) -> str:
        """Our code as the receiving system writes it (ours when there is no receiver or no mapping)."""
        return self.mapping.get(kind, {}).get(ours, ours)

    def per_element(self) -> list[dict]:
        """One row per data element: how many values it exports and how many it suppressed."""
        rows = []
        for ds in self.data_sets:
            for el in ds.elements:
                rows.append(
                    {
                        "data_set": ds.code,
                        "data_element": el.code,
                        "name": element_name(el.code),
                        "values": sum(1 for v in self.values if v.data_set == ds.code and v.data_element == el.code),
                        "suppressed": sum(
                            1 for v in self.suppressed if v.data_set == ds.code and v.data_element == el.code
                        ),
                    }
                )
        return rows


def element_name(code: str) -> str:
    names = ELEMENTS[code][4:6]
    return str(names[0] if (get_language() or "ru").startswith("ru") else names[1])


def org_units() -> tuple[Territory | None, list[Territory]]:
    """The organisation units of an export: the region and its districts (by name)."""
    region = Territory.objects.filter(level=Territory.Level.REGION).order_by("pk").first()
    districts = list(Territory.objects.filter(level=Territory.Level.DISTRICT).order_by("name_ru"))
    return region, districts


def _slices(code: str, period: Period, dims: tuple, today) -> list[tuple]:
    """Every combination of options of the disaggregations after the first (one empty one when
    there are none); each becomes a filter of its own protected table."""
    if len(dims) < 2:
        return [()]
    options = []
    for dim in dims[1:]:
        # Only to know the options present (every known one, any other seen, then not known).
        options.append([(dim, option) for option in figure(code, period, rows=dim, today=today).rows])
    return list(product(*options))


def _element_values(ds: DataSet, el: DataSetElement, period: Period, region, districts, today) -> list[ExportValue]:
    element(el.code)  # an unknown element is a programming error: fail loudly
    dims = tuple(el.disaggregations)
    for dim in dims:
        dimension(dim)
    result = []
    for fixed in _slices(el.code, period, dims, today):
        filters = {dim: [option] for dim, option in fixed} or None
        fig = figure(el.code, period, rows="district", columns=dims[0] if dims else None, filters=filters, today=today)
        table = fig.protected
        for column in fig.columns:
            options = (((dims[0], column),) if dims else ()) + tuple(fixed)
            total = table.column_total(column)
            if not total.suppressed and total.value == 0:
                continue  # nothing happened anywhere: no combination to report
            units = [(d.code, str(d.name), table.cell(d.pk, column)) for d in districts if d.pk in fig.rows]
            if "" in fig.rows:
                units.append((UNKNOWN_OPTION, _("district not known"), table.cell("", column)))
            if region is not None:
                units.append((region.code, str(region.name), total))
            for code, name, cell in units:
                result.append(
                    ExportValue(
                        data_set=ds.code,
                        data_element=el.code,
                        org_unit=code,
                        org_unit_name=name,
                        options=options,
                        value=None if cell.suppressed else cell.value,
                        reason=cell.reason or "",
                    )
                )
    return result


def _mapping(receiver: str) -> dict:
    result: dict = {}
    for kind, ours, theirs in CodeMapping.objects.filter(receiver=receiver).values_list("kind", "ours", "theirs"):
        result.setdefault(kind, {})[ours] = theirs
    return result


def _codes_needed(export: Export) -> list[tuple[str, str]]:
    K = CodeMapping.Kind
    needed = [(K.DATA_SET, ds.code) for ds in export.data_sets]
    seen = set(needed)
    for v in export.values:
        for pair in ((K.DATA_ELEMENT, v.data_element), (K.ORG_UNIT, v.org_unit), (K.CATEGORY_OPTION_COMBO, v.combo)):
            if pair not in seen:
                seen.add(pair)
                needed.append(pair)
    return [(str(kind), ours) for kind, ours in needed]


def export_build(
    period: Period,
    *,
    data_set: str | None = None,
    receiver: str = "",
    allow_unmapped: bool = False,
    today: date | None = None,
    now: datetime | None = None,
) -> Export:
    """The values of the data sets (one, or all) for a period, protected; with a receiver, its
    codes (UnmappedCodes lists what is missing unless allowed)."""
    export = Export(period=period, data_sets=data_sets_chosen(data_set), receiver=receiver or "")
    export.exported_at = now or timezone.now()
    region, districts = org_units()
    for ds in export.data_sets:
        for el in ds.elements:
            for value in _element_values(ds, el, period, region, districts, today):
                if value.org_unit == UNKNOWN_OPTION:
                    export.unlocated.append(value)
                else:
                    (export.suppressed if value.suppressed else export.values).append(value)
    if export.receiver:
        export.mapping = _mapping(export.receiver)
        missing = [(kind, ours) for kind, ours in _codes_needed(export) if ours not in export.mapping.get(kind, {})]
        if missing and not allow_unmapped:
            raise UnmappedCodes(export.receiver, missing)
        export.unmapped = missing
    return export


# --- formats -----------------------------------------------------------------------------------------


def render_dhis2(export: Export) -> str:
    """DHIS2 `dataValueSets` JSON, codes as ids (import with idScheme=code). One data set: its code
    and the complete date at the top; several: values only (a data value names no data set)."""
    period = export.period.code
    document = {}
    if len(export.data_sets) == 1:
        document["dataSet"] = export.code(CodeMapping.Kind.DATA_SET, export.data_sets[0].code)
        document["completeDate"] = timezone.localtime(export.exported_at).date().isoformat()
    document["period"] = period
    document["dataValues"] = [
        {
            "dataElement": export.code(CodeMapping.Kind.DATA_ELEMENT, v.data_element),
            "period": period,
            "orgUnit": export.code(CodeMapping.Kind.ORG_UNIT, v.org_unit),
            "categoryOptionCombo": export.code(CodeMapping.Kind.CATEGORY_OPTION_COMBO, v.combo),
            "value": str(v.value),
        }
        for v in export.values
    ]
    return json.dumps(document, ensure_ascii=False, indent=1) + "\n"


def adx_period(period: Period) -> str:
    """An ADX period: the ISO 8601 first day and duration, e.g. 2026-01-01/P3M."""
    return f"{period.start.isoformat()}/{ADX_DURATIONS[period.kind]}"


def _adx_disaggregation(export: Export, value: ExportValue) -> dict:
    """The attributes of a value's options. A receiver's combination code written as
    `cat=opt;cat=opt` gives their attributes; any other mapped code goes in categoryOptionCombo."""
    if export.receiver and value.combo in export.mapping.get(CodeMapping.Kind.CATEGORY_OPTION_COMBO, {}):
        theirs = export.mapping[CodeMapping.Kind.CATEGORY_OPTION_COMBO][value.combo]
        if "=" in theirs:
            pairs = [part.split("=", 1) for part in theirs.split(";") if part.strip()]
            return {k.strip(): v.strip() for k, v in pairs}
        return {} if theirs == DEFAULT_COMBO else {"categoryOptionCombo": theirs}
    return {dim: option_code(option) for dim, option in value.options}


def render_adx(export: Export) -> str:
    """ADX XML: one group per data set and organisation unit, explicit disaggregation attributes."""
    # The namespace as a plain xmlns attribute: ElementTree's prefix registry is global.
    exported = timezone.localtime(export.exported_at).isoformat(timespec="seconds")
    root = ET.Element("adx", {"xmlns": ADX_NAMESPACE, "exported": exported})
    period = adx_period(export.period)
    complete = timezone.localtime(export.exported_at).date().isoformat()
    groups: dict = {}
    for v in export.values:
        key = (v.data_set, v.org_unit)
        if key not in groups:
            groups[key] = ET.SubElement(
                root,
                "group",
                {
                    "dataSet": export.code(CodeMapping.Kind.DATA_SET, v.data_set),
                    "orgUnit": export.code(CodeMapping.Kind.ORG_UNIT, v.org_unit),
                    "period": period,
                    "completeDate": complete,
                },
            )
        attributes = {"dataElement": export.code(CodeMapping.Kind.DATA_ELEMENT, v.data_element)}
        attributes.update(_adx_disaggregation(export, v))
        attributes["value"] = str(v.value)
        ET.SubElement(groups[key], "dataValue", attributes)
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"


def csv_safe(text) -> str:
    """A text cell that a spreadsheet will not run as a formula."""
    text = "" if text is None else str(text)
    if text and text[0] in "=+-@\t\r":
        return "'" + text
    return text


CSV_HEADER = [
    "period",
    "org_unit",
    "org_unit_name",
    "data_set",
    "data_element",
    "data_element_name",
    "category_option_combo",
    "disaggregation",
    "value",
    "suppressed",
]


def render_csv(export: Export) -> str:
    """Open-data CSV (UTF-8 with BOM): one row per figure; a suppressed one has an empty value and
    the reason in `suppressed`."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(CSV_HEADER)
    for v in _in_element_order(export, [*export.values, *export.suppressed, *export.unlocated]):
        writer.writerow(
            [
                csv_safe(export.period.code),
                csv_safe(
                    v.org_unit if v.org_unit == UNKNOWN_OPTION else export.code(CodeMapping.Kind.ORG_UNIT, v.org_unit)
                ),
                csv_safe(v.org_unit_name),
                csv_safe(export.code(CodeMapping.Kind.DATA_SET, v.data_set)),
                csv_safe(export.code(CodeMapping.Kind.DATA_ELEMENT, v.data_element)),
                csv_safe(element_name(v.data_element)),
                csv_safe(export.code(CodeMapping.Kind.CATEGORY_OPTION_COMBO, v.combo)),
                csv_safe("; ".join(f"{dim}={option_code(option)}" for dim, option in v.options)),
                "" if v.suppressed else v.value,
                csv_safe(v.reason),
            ]
        )
    return "\ufeff" + out.getvalue()


def _in_element_order(export: Export, values: list) -> list:
    rank = {
        (ds.code, el.code): i for i, (ds, el) in enumerate((ds, el) for ds in export.data_sets for el in ds.elements)
    }
    return sorted(values, key=lambda v: (rank[(v.data_set, v.data_element)], v.combo, v.org_unit))


RENDERERS = {"dhis2": render_dhis2, "adx": render_adx, "csv": render_csv}


def export_render(export: Export, fmt: str) -> str:
    return RENDERERS[format_chosen(fmt)](export)


def export_filename(export: Export, fmt: str) -> str:
    name = "-".join(ds.code for ds in export.data_sets) if len(export.data_sets) == 1 else "aggregates"
    return f"{name}-{export.period.code}.{EXTENSIONS[fmt]}"


def file_write_atomic(path: str, text: str) -> None:
    """Write a whole file or nothing: a temporary file beside it, renamed over it."""
    directory = os.path.dirname(os.path.abspath(path))
    handle, temporary = tempfile.mkstemp(dir=directory, prefix=".export-", suffix=".part")
    try:
        with os.fdopen(handle, "w", encoding="utf-8", newline="") as stream:
            stream.write(text)
            stream.flush()
            os.fsync(stream.fileno())
        os.replace(temporary, path)
    except BaseException:
        if os.path.exists(temporary):
            os.unlink(temporary)
        raise


def suppressed_lines(export: Export) -> list[str]:
    """The suppressed figures, one line each: element, organisation unit, combination, reason."""
    return [f"{v.data_element}\t{v.org_unit}\t{v.combo}\t{v.reason}" for v in export.suppressed]


def export_extra(export: Export, fmt: str, *, dry_run: bool = False) -> dict:
    """What the audit event of an export records."""
    return {
        "period": export.period.code,
        "format": fmt,
        "data_set": export.data_set_code,
        "receiver": export.receiver,
        "values": len(export.values),
        "suppressed": len(export.suppressed),
        "dry_run": dry_run,
    }


# --- reading a dataValueSets document back -----------------------------------------------------------


def parse_data_value_set(text: str) -> list[dict]:
    """The values of a DHIS2 dataValueSets JSON document: [{dataElement, period, orgUnit,
    categoryOptionCombo, attributeOptionCombo, value}]; ValueError naming what is wrong."""
    try:
        document = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ValueError(f"not JSON: {exc}") from None
    if not isinstance(document, dict):
        raise ValueError("a data value set is a JSON object")
    allowed = {"dataSet", "period", "orgUnit", "completeDate", "attributeOptionCombo", "dataValues"}
    if unknown := set(document) - allowed:
        raise ValueError(f"unknown keys: {sorted(unknown)}")
    for key in allowed - {"dataValues"}:
        if key in document and not isinstance(document[key], str):
            raise ValueError(f"{key} must be a string")
    if "completeDate" in document:
        date.fromisoformat(document["completeDate"])
    values = document.get("dataValues")
    if not isinstance(values, list):
        raise ValueError("dataValues must be a list")
    result = []
    for i, item in enumerate(values):
        if not isinstance(item, dict):
            raise ValueError(f"dataValues[{i}] is not an object")
        value_keys = {"dataElement", "period", "orgUnit", "categoryOptionCombo", "attributeOptionCombo", "value"}
        if unknown := set(item) - value_keys - {"comment", "followup", "storedBy", "created", "lastUpdated"}:
            raise ValueError(f"dataValues[{i}]: unknown keys {sorted(unknown)}")
        row = {
            "dataElement": item.get("dataElement"),
            "period": item.get("period", document.get("period")),
            "orgUnit": item.get("orgUnit", document.get("orgUnit")),
            "categoryOptionCombo": item.get("categoryOptionCombo", DEFAULT_COMBO),
            "attributeOptionCombo": item.get("attributeOptionCombo", document.get("attributeOptionCombo")),
            "value": item.get("value"),
        }
        for key in ("dataElement", "period", "orgUnit", "categoryOptionCombo"):
            if not isinstance(row[key], str) or not row[key]:
                raise ValueError(f"dataValues[{i}]: {key} is missing")
        if not isinstance(row["value"], str | int) or isinstance(row["value"], bool):
            raise ValueError(f"dataValues[{i}]: value must be a string or a number")
        try:
            row["value"] = int(row["value"])
        except ValueError:
            raise ValueError(f"dataValues[{i}]: value {row['value']!r} is not a whole number") from None
        result.append(row)
    return result


# --- code mappings -------------------------------------------------------------------------------------

MAPPING_HEADER = ["receiver", "kind", "ours", "theirs"]


def mappings_csv(receiver: str | None = None) -> str:
    """The mappings as CSV (UTF-8 with BOM), the shape mappings_import reads back."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(MAPPING_HEADER)
    for m in mappings_of(receiver):
        writer.writerow([csv_safe(m.receiver), csv_safe(m.kind), csv_safe(m.ours), csv_safe(m.theirs)])
    return "\ufeff" + out.getvalue()


def mappings_import(*, actor, text: str) -> int:
    """Read mappings from CSV (receiver, kind, ours, theirs): all or none. Returns how many rows were
    saved; ExportError naming the row and field otherwise."""
    reader = csv.reader(io.StringIO(text.lstrip("\ufeff")))
    rows = list(reader)
    if not rows or [c.strip().lower() for c in rows[0]] != MAPPING_HEADER:
        raise ExportError(_("The first row must be: %(header)s.") % {"header": ", ".join(MAPPING_HEADER)})
    kinds = set(CodeMapping.Kind.values)
    parsed = []
    for number, row in enumerate(rows[1:], start=2):
        if not any(cell.strip() for cell in row):
            continue
        if len(row) != 4:
            raise ExportError(
                _("Row %(row)s: four fields are needed, not %(count)s.") % {"row": number, "count": len(row)}
            )
        receiver, kind, ours, theirs = (cell.strip() for cell in row)
        theirs = theirs[1:] if theirs.startswith("'") and len(theirs) > 1 and theirs[1] in "=+-@" else theirs
        for name, text_value, limit in (("receiver", receiver, 40), ("ours", ours, 120), ("theirs", theirs, 120)):
            if not text_value or len(text_value) > limit:
                raise ExportError(
                    _("Row %(row)s, field %(field)s: give a code of at most %(limit)s characters.")
                    % {"row": number, "field": name, "limit": limit}
                )
        if kind not in kinds:
            raise ExportError(
                _("Row %(row)s, field kind: “%(kind)s” is not one of %(kinds)s.")
                % {"row": number, "kind": kind, "kinds": ", ".join(sorted(kinds))}
            )
        if slugify(receiver) != receiver:
            raise ExportError(
                _("Row %(row)s, field receiver: use Latin letters, digits, hyphens and underscores.") % {"row": number}
            )
        parsed.append((receiver, kind, ours, theirs))
    with transaction.atomic():
        for receiver, kind, ours, theirs in parsed:
            mapping_save(actor=actor, receiver=receiver, kind=kind, ours=ours, theirs=theirs)
    return len(parsed)


def readable_options(options: tuple) -> str:
    """A combination of options as a person reads it."""
    return "; ".join(f"{dimension(dim).name}: {option_label(dim, option)}" for dim, option in options)
