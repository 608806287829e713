"""The plan's spreadsheet: export and import round-trip; a bad file is refused whole, every error
named by sheet, row and column; importing the same file again changes nothing."""

import io
from decimal import Decimal

import pytest
from django.utils import translation
from openpyxl import load_workbook

from safezone.programmes.models import Actual, Element, Plan, PlanIndicator
from safezone.programmes.services import plan_import
from safezone.programmes.xlsx import FileError, PlanFileInvalid, plan_workbook

pytestmark = pytest.mark.django_db


def _snapshot(plan):
    """Everything the plan says, by code (versions and ids aside)."""
    elements = [
        (e.level, e.code, e.parent.code if e.parent else "", e.text_ru, e.text_en, e.responsible, e.starts_on,
         e.ends_on, e.assumptions, e.status)
        for e in Element.objects.filter(plan=plan).select_related("parent").order_by("code")
    ]  # fmt: skip
    indicators = [
        (i.code, i.element.code, i.name_ru, i.baseline, i.baseline_year, i.target, i.target_year, i.unit,
         i.means_of_verification, i.registry_code)
        for i in PlanIndicator.objects.filter(plan=plan).select_related("element").order_by("code")
    ]  # fmt: skip
    actuals = [
        (a.indicator.code, a.period, a.value, a.source)
        for a in Actual.objects.filter(indicator__plan=plan).select_related("indicator").order_by("period")
    ]
    return elements, indicators, actuals


def _versions(plan):
    return (
        Plan.objects.get(pk=plan.pk).version,
        sorted(Element.objects.filter(plan=plan).values_list("code", "version")),
        sorted(PlanIndicator.objects.filter(plan=plan).values_list("code", "version")),
    )


def _file(book) -> io.BytesIO:
    out = io.BytesIO()
    book.save(out)
    out.seek(0)
    out.name = "plan.xlsx"
    return out


def _row(sheet, code) -> int:
    """The row number of a code in a sheet's first column."""
    return next(cell.row for (cell,) in sheet.iter_rows(min_col=1, max_col=1) if cell.value == code)


def _book(plan):
    return load_workbook(io.BytesIO(plan_workbook(plan)))


def _refused(world, plan, book) -> list:
    before, versions = _snapshot(plan), _versions(plan)
    with pytest.raises(PlanFileInvalid) as caught:
        plan_import(actor=world.alex, plan=plan, upload=_file(book))
    assert _snapshot(plan) == before and _versions(plan) == versions
    return [(e.sheet, e.row, e.column) for e in caught.value.errors]


def test_the_export_has_the_three_sheets_with_their_rows(plan):
    book = _book(plan["plan"])
    assert book.sheetnames == ["Logframe", "Indicators", "Actuals"]
    logframe = list(book["Logframe"].iter_rows(values_only=True))
    assert logframe[0][:3] == ("level", "code", "parent_code")
    assert [row[1] for row in logframe[1:]] == ["1", "1.1", "1.1.1", "1.1.1.1", "1.1.1.2"]
    assert list(book["Actuals"].iter_rows(values_only=True))[1] == ("1.1.1-a", "2026Q1", 150, "Отчёт центра")


def test_an_exported_plan_imports_into_an_empty_plan_as_the_same_plan(world, plan):
    other = Plan.objects.create(title_ru="Копия", starts_on=plan["plan"].starts_on, ends_on=plan["plan"].ends_on)
    result = plan_import(actor=world.alex, plan=other, upload=_file(_book(plan["plan"])))
    assert result.created == {"elements": 5, "indicators": 2, "actuals": 1}
    elements, indicators, actuals = _snapshot(other)
    assert (elements, indicators, actuals) == _snapshot(plan["plan"])


def test_importing_the_same_file_again_changes_nothing(world, plan):
    book = _book(plan["plan"])
    versions = _versions(plan["plan"])
    result = plan_import(actor=world.alex, plan=plan["plan"], upload=_file(book))
    assert not result.changed
    assert _versions(plan["plan"]) == versions


def test_an_import_adds_and_changes_rows_by_code_and_keeps_the_rest(world, plan):
    book = _book(plan["plan"])
    book["Logframe"].append(["activity", "1.1.1.3", "1.1.1", "Провести кампанию", "", "НКО", None, None, ""])
    book["Indicators"][f"G{_row(book['Indicators'], '1.1.1-a')}"] = 250  # its target
    book["Actuals"].append(["1.1.1-a", "2026Q2", "170,5", "Отчёт центра"])
    result = plan_import(actor=world.kira, plan=plan["plan"], upload=_file(book))
    assert result.created == {"elements": 1, "indicators": 0, "actuals": 1}
    assert result.updated == {"elements": 0, "indicators": 1, "actuals": 0}
    trained = PlanIndicator.objects.get(plan=plan["plan"], code="1.1.1-a")
    assert trained.target == 250 and trained.version == plan["trained"].version + 2
    assert trained.actuals.get(period="2026Q2").value == Decimal("170.50")
    assert Element.objects.get(plan=plan["plan"], code="1.1.1.3").parent == plan["output"]


def test_a_missing_sheet_is_named_and_nothing_changes(world, plan):
    book = _book(plan["plan"])
    book["Indicators"].title = "Indikators"
    assert _refused(world, plan["plan"], book) == [("Indicators", None, None)]


def test_a_missing_column_is_named_and_nothing_changes(world, plan):
    book = _book(plan["plan"])
    book["Indicators"]["G1"] = "aim"
    assert _refused(world, plan["plan"], book) == [("Indicators", 1, "target")]


def test_a_bad_number_is_named_by_sheet_row_and_column_and_nothing_changes(world, plan):
    book = _book(plan["plan"])
    book["Logframe"].append(["activity", "1.1.1.3", "1.1.1", "Новое", "", "", None, None, ""])
    book["Indicators"]["G3"] = "двести"
    book["Indicators"]["F2"] = "2024.5"
    assert _refused(world, plan["plan"], book) == [("Indicators", 2, "baseline_year"), ("Indicators", 3, "target")]
    with translation.override("en"):
        assert (
            str(FileError("Indicators", 3, "target", "not a number"))
            == "Indicators, row 3, column target: not a number"
        )


def test_an_unknown_parent_code_is_named_and_nothing_changes(world, plan):
    book = _book(plan["plan"])
    book["Logframe"].append(["activity", "7.1.1.1", "7.1.1", "Сирота", "", "", None, None, ""])
    assert _refused(world, plan["plan"], book) == [("Logframe", 7, "parent_code")]


def test_a_parent_of_the_wrong_level_is_named(world, plan):
    book = _book(plan["plan"])
    book["Logframe"].append(["activity", "1.1.9", "1.1", "Не на своём месте", "", "", None, None, ""])
    assert _refused(world, plan["plan"], book) == [("Logframe", 7, "parent_code")]


def test_an_unknown_registry_indicator_is_named_and_nothing_changes(world, plan):
    book = _book(plan["plan"])
    row = _row(book["Indicators"], "1.1-a")
    book["Indicators"][f"K{row}"] = "no_such_indicator"
    assert _refused(world, plan["plan"], book) == [("Indicators", row, "registry_code")]


def test_actuals_of_a_registry_indicator_or_an_unknown_one_are_refused(world, plan):
    book = _book(plan["plan"])
    book["Actuals"].append(["1.1-a", "2026Q1", 5, "Отчёт"])
    book["Actuals"].append(["9-z", "2026Q1", 5, "Отчёт"])
    book["Actuals"].append(["1.1.1-a", "2026Q7", 5, ""])
    assert _refused(world, plan["plan"], book) == [
        ("Actuals", 5, "period"), ("Actuals", 5, "source"), ("Actuals", 3, "indicator"), ("Actuals", 4, "indicator"),
    ]  # fmt: skip


def test_a_file_that_is_not_a_workbook_is_refused(world, plan):
    upload = io.BytesIO(b"level;code\ngoal;1\n")
    with pytest.raises(PlanFileInvalid) as caught:
        plan_import(actor=world.alex, plan=plan["plan"], upload=upload)
    assert len(caught.value.errors) == 1


def test_a_caseworker_may_not_import(world, plan):
    from safezone.access.services import AccessDenied

    with pytest.raises(AccessDenied):
        plan_import(actor=world.anna, plan=plan["plan"], upload=_file(_book(plan["plan"])))
