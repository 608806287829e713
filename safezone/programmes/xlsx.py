"""The action plan as a spreadsheet: three sheets (Logframe, Indicators, Actuals) written by the
export and read back by the import. Reading checks the shape and the type of every cell and names
each error by sheet, row and column; the import service checks what the rows refer to."""

import io
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal, InvalidOperation

from django.utils.translation import gettext as _
from openpyxl import Workbook, load_workbook
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from safezone.stats.periods import BadPeriod, Period, parse_period

from .models import Actual, Element, Level, PlanIndicator
from .services import ElementInput, IndicatorInput

LOGFRAME, INDICATORS, ACTUALS = "Logframe", "Indicators", "Actuals"
COLUMNS = {
    LOGFRAME: ["level", "code", "parent_code", "text_ru", "text_en", "responsible", "start", "end", "assumptions"],
    INDICATORS: [
        "code",
        "element_code",
        "name_ru",
        "name_en",
        "baseline",
        "baseline_year",
        "target",
        "target_year",
        "unit",
        "means_of_verification",
        "registry_code",
    ],
    ACTUALS: ["indicator", "period", "value", "source"],
}
# Columns a sheet cannot do without; the others may be left out of the file.
REQUIRED = {
    LOGFRAME: ["level", "code", "parent_code", "text_ru"],
    INDICATORS: ["code", "element_code", "name_ru", "target", "target_year"],
    ACTUALS: ["indicator", "period", "value", "source"],
}
ALIASES = {"parent": "parent_code", "name": "name_ru", "text": "text_ru", "element": "element_code"}
# People type the level in Russian as often as in the code's English.
LEVEL_WORDS = {
    "goal": Level.GOAL,
    "цель": Level.GOAL,
    "purpose": Level.PURPOSE,
    "задача": Level.PURPOSE,
    "output": Level.OUTPUT,
    "результат": Level.OUTPUT,
    "activity": Level.ACTIVITY,
    "мероприятие": Level.ACTIVITY,
}
MAX_ROWS = 5000


@dataclass(frozen=True)
class FileError:
    """One thing wrong in the file, where it is: sheet, row (as the spreadsheet numbers it), column."""

    sheet: str
    row: int | None
    column: str | None
    message: str

    def __str__(self) -> str:
        if self.row is None:
            return _("%(sheet)s: %(message)s") % {"sheet": self.sheet, "message": self.message}
        return _("%(sheet)s, row %(row)s, column %(column)s: %(message)s") % {
            "sheet": self.sheet,
            "row": self.row,
            "column": self.column,
            "message": self.message,
        }


class PlanFileInvalid(Exception):
    """The file cannot be imported; nothing was changed. `errors` lists every problem found."""

    def __init__(self, errors: list[FileError]):
        super().__init__("; ".join(str(e) for e in errors[:5]))
        self.errors = errors


@dataclass
class _Row:
    sheet: str
    row: int

    def error(self, column: str, message: str) -> FileError:
        return FileError(self.sheet, self.row, column, message)


@dataclass
class ElementRow(_Row):
    level: str
    code: str
    parent_code: str
    data: ElementInput


@dataclass
class IndicatorRow(_Row):
    element_code: str
    data: IndicatorInput


@dataclass
class ActualRow(_Row):
    indicator: str
    period: Period
    value: Decimal
    source: str


@dataclass
class PlanRows:
    """The rows of a plan's file that read well, and the errors of those that did not."""

    elements: list = field(default_factory=list)
    indicators: list = field(default_factory=list)
    actuals: list = field(default_factory=list)
    errors: list = field(default_factory=list)


# --- export --------------------------------------------------------------------------------------
def plan_workbook(plan) -> bytes:
    """The plan as an XLSX file that the import reads back unchanged."""
    book = Workbook()
    book.remove(book.active)
    elements = Element.objects.filter(plan=plan).select_related("parent").order_by("sort_key")
    _sheet(
        book,
        LOGFRAME,
        [
            [e.level, e.code, e.parent.code if e.parent else "", e.text_ru, e.text_en, e.responsible, e.starts_on,
             e.ends_on, e.assumptions]
            for e in elements
        ],
    )  # fmt: skip
    indicators = PlanIndicator.objects.filter(plan=plan).select_related("element").order_by("sort_key")
    _sheet(
        book,
        INDICATORS,
        [
            [i.code, i.element.code, i.name_ru, i.name_en, i.baseline, i.baseline_year, i.target, i.target_year,
             i.unit, i.means_of_verification, i.registry_code]
            for i in indicators
        ],
    )  # fmt: skip
    actuals = Actual.objects.filter(indicator__plan=plan).select_related("indicator")
    actuals = actuals.order_by("indicator__sort_key", "period_start", "period_end")
    _sheet(book, ACTUALS, [[a.indicator.code, a.period, a.value, a.source] for a in actuals])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _sheet(book, title: str, rows: list) -> None:
    sheet = book.create_sheet(title)
    sheet.append(COLUMNS[title])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for row in rows:
        sheet.append([_cell(v) for v in row])
    sheet.freeze_panes = "A2"
    for i, name in enumerate(COLUMNS[title], start=1):
        wide = name.startswith(("text", "name", "assumptions", "means", "responsible", "source"))
        sheet.column_dimensions[get_column_letter(i)].width = 50 if wide else 14
        if name in ("start", "end"):
            for (cell,) in sheet.iter_rows(min_row=2, min_col=i, max_col=i):
                cell.number_format = "yyyy-mm-dd"


def _cell(value):
    # Whole numbers as integers: "12" in the file, not "12.00".
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    return value


# --- import: shape and types ---------------------------------------------------------------------
def read_plan_file(upload) -> PlanRows:
    """Read the three sheets; PlanFileInvalid when the file, a sheet or a column is missing."""
    try:
        book = load_workbook(upload, read_only=True, data_only=True)
    except Exception:  # openpyxl raises many kinds for a file that is not a workbook
        raise PlanFileInvalid([FileError(_("file"), None, None, _("this is not an XLSX workbook"))]) from None
    sheets = {name.strip().lower(): name for name in book.sheetnames}
    errors, tables = [], {}
    for title in COLUMNS:
        name = sheets.get(title.lower())
        if name is None:
            errors.append(
                FileError(
                    title,
                    None,
                    None,
                    _("the sheet is missing (the file has: %(names)s)") % {"names": ", ".join(book.sheetnames)},
                )  # fmt: skip
            )
            continue
        rows = book[name].iter_rows(values_only=True)
        header = [_header(h) for h in next(rows, ())]
        missing = [c for c in REQUIRED[title] if c not in header]
        errors += [FileError(title, 1, c, _("the column is missing")) for c in missing]
        tables[title] = (header, rows)
    if errors:
        raise PlanFileInvalid(errors)
    result = PlanRows()
    for title, reader in ((LOGFRAME, _element_row), (INDICATORS, _indicator_row), (ACTUALS, _actual_row)):
        header, rows = tables[title]
        seen = {}
        for number, values in enumerate(rows, start=2):
            if number > MAX_ROWS:
                result.errors.append(FileError(title, number, "", _("too many rows")))
                break
            cells = {name: values[i] for i, name in enumerate(header) if name and i < len(values)}
            if all(_blank(v) for v in cells.values()):
                continue
            cell = _Cells(title, number, cells, result.errors)
            row = reader(cell)
            if row is None or cell.failed:
                continue
            key = (row.indicator, row.period.code) if title == ACTUALS else _key(row)
            if key in seen:
                column = "period" if title == ACTUALS else "code"
                result.errors.append(
                    row.error(column, _("repeats row %(row)s") % {"row": seen[key]}),
                )
                continue
            seen[key] = number
            {LOGFRAME: result.elements, INDICATORS: result.indicators, ACTUALS: result.actuals}[title].append(row)
    book.close()
    return result


def _key(row) -> str:
    return row.code if isinstance(row, ElementRow) else row.data.code


def _header(value) -> str:
    name = str(value or "").strip().lower().replace(" ", "_")
    return ALIASES.get(name, name)


def _blank(value) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


class _Cells:
    """One row's cells, read by type; each bad cell adds one error naming its column."""

    def __init__(self, sheet: str, row: int, cells: dict, errors: list):
        self.sheet, self.row, self.cells, self.errors = sheet, row, cells, errors
        self.failed = False

    def fail(self, column: str, message: str):
        self.errors.append(FileError(self.sheet, self.row, column, message))
        self.failed = True
        return None

    def text(self, column: str, *, required: bool = False, limit: int = 0) -> str:
        value = self.cells.get(column)
        if _blank(value):
            if required:
                self.fail(column, _("empty"))
            return ""
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        text = value.isoformat() if isinstance(value, (date, datetime)) else str(value).strip()
        if limit and len(text) > limit:
            return self.fail(column, _("longer than %(n)s characters") % {"n": limit}) or ""
        return text

    def number(self, column: str, *, required: bool = False) -> Decimal | None:
        value = self.cells.get(column)
        if _blank(value):
            return self.fail(column, _("empty")) if required else None
        if isinstance(value, bool):
            return self.fail(column, _("not a number"))
        try:
            number = Decimal(str(value).strip().replace(",", ".").replace("\u00a0", "").replace(" ", ""))
        except InvalidOperation:
            return self.fail(column, _("not a number"))
        if not number.is_finite() or abs(number) >= Decimal("1e12"):
            return self.fail(column, _("not a number"))
        return number.quantize(Decimal("0.01"))

    def year(self, column: str, *, required: bool = False) -> int | None:
        number = self.number(column, required=required)
        if number is None:
            return None
        if number != number.to_integral_value() or not 1900 <= number <= 2100:
            return self.fail(column, _("not a year"))
        return int(number)

    def day(self, column: str) -> date | None:
        value = self.cells.get(column)
        if _blank(value):
            return None
        if isinstance(value, datetime):
            return value.date()
        if isinstance(value, date):
            return value
        text = str(value).strip()
        for parse in (date.fromisoformat, lambda t: datetime.strptime(t, "%d.%m.%Y").date()):
            try:
                return parse(text)
            except ValueError:
                pass
        return self.fail(column, _("not a date (write 2026-03-31 or 31.03.2026)"))


def _element_row(cell: _Cells) -> ElementRow | None:
    word = cell.text("level", required=True).lower()
    level = LEVEL_WORDS.get(word)
    if word and level is None:
        cell.fail("level", _("not a level (goal, purpose, output or activity)"))
    code = cell.text("code", required=True, limit=20)
    data = ElementInput(
        code=code,
        text_ru=cell.text("text_ru", required=True),
        text_en=cell.text("text_en"),
        responsible=cell.text("responsible", limit=500),
        starts_on=cell.day("start"),
        ends_on=cell.day("end"),
        assumptions=cell.text("assumptions"),
    )
    if data.starts_on and data.ends_on and data.ends_on < data.starts_on:
        cell.fail("end", _("before the start"))
    return ElementRow(cell.sheet, cell.row, level or "", code, cell.text("parent_code", limit=20), data)


def _indicator_row(cell: _Cells) -> IndicatorRow | None:
    data = IndicatorInput(
        code=cell.text("code", required=True, limit=24),
        name_ru=cell.text("name_ru", required=True, limit=300),
        name_en=cell.text("name_en", limit=300),
        baseline=cell.number("baseline"),
        baseline_year=cell.year("baseline_year"),
        target=cell.number("target", required=True),
        target_year=cell.year("target_year", required=True),
        unit=cell.text("unit", limit=60),
        means_of_verification=cell.text("means_of_verification"),
        registry_code=cell.text("registry_code", limit=40),
    )
    if data.baseline_year and data.target_year and data.target_year < data.baseline_year:
        cell.fail("target_year", _("before the baseline year"))
    return IndicatorRow(cell.sheet, cell.row, cell.text("element_code", required=True), data)


def _actual_row(cell: _Cells) -> ActualRow | None:
    indicator = cell.text("indicator", required=True)
    code = cell.text("period", required=True)
    period = None
    if code:
        try:
            period = parse_period(code)
        except BadPeriod:
            cell.fail("period", _("not a period (write 2026Q1, 202601 or 2026)"))
    value = cell.number("value", required=True)
    source = cell.text("source", required=True, limit=500)
    if period is None or value is None:
        return None
    return ActualRow(cell.sheet, cell.row, indicator, period, value, source)
