"""Importing the directory's agencies: good files in every shape schools and agencies produce,
bad files refused whole with a report naming row and column, repeatable, all or nothing."""

import datetime as dt
from io import StringIO

import openpyxl
import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import translation

from safezone.audit.models import AuditEvent
from safezone.directory.models import Agency
from safezone.imports import services as import_services
from safezone.imports.services import import_run

pytestmark = pytest.mark.django_db

HEADER_RU = ["Код", "Тип", "Название", "Название (англ.)", "Район", "Телефон", "Эл. почта"]
GOOD_ROWS = [
    ["school-77", "school", "Средняя школа № 1", "Secondary school No. 1", "vologda", "+7 8172 72-00-01", "s1@edu.ru"],
    ["Kdn-sokol", "комиссия по делам несовершеннолетних", "КДН Сокол", "", "sokolsky", "", ""],
    ["ngo-light", "ngo", "Свет", "Light", "vologda-oblast", "", ""],
]


def _csv(rows, *, header=HEADER_RU, delimiter=";") -> str:
    return "\r\n".join(delimiter.join(cells) for cells in [header, *rows]) + "\r\n"


def _write(tmp_path, name, content, encoding="utf-8"):
    path = tmp_path / name
    path.write_bytes(content if isinstance(content, bytes) else content.encode(encoding))
    return path


def _run(path, *args):
    """The command line: (refused?, stdout)."""
    out = StringIO()
    with translation.override("en"):
        try:
            call_command("import", "agencies", str(path), *args, stdout=out, stderr=StringIO())
        except CommandError as exc:
            return True, out.getvalue() + str(exc)
    return False, out.getvalue()


def _state():
    return (
        list(Agency.objects.order_by("code").values_list("code", "kind", "name_ru", "name_en", "phone", "email")),
        AuditEvent.objects.count(),
    )


def _refused_with(tmp_path, name, content, *expected, encoding="utf-8"):
    """Assert the file is refused by the command line, names what is expected, changes nothing
    but one audit event; returns the output."""
    agencies, events = _state()
    refused, out = _run(_write(tmp_path, name, content, encoding))
    assert refused, out
    for text in expected:
        assert text in out, out
    assert _state() == (agencies, events + 1)
    event = AuditEvent.objects.order_by("-seq").first()
    assert event.action == "import.refused"
    assert event.extra["type"] == "agencies" and event.extra["file"] == name
    return out


def test_a_utf8_bom_semicolon_file_imports_every_agency(world, tmp_path):
    refused, out = _run(_write(tmp_path, "agencies.csv", "\ufeff" + _csv(GOOD_ROWS)))
    assert not refused, out
    assert "created: 3" in out
    school = Agency.objects.get(code="school-77")
    assert (school.kind, school.name_en, school.district.code) == ("school", "Secondary school No. 1", "vologda")
    assert school.phone == "+7 8172 72-00-01"
    assert list(school.districts_served.values_list("code", flat=True)) == ["vologda"]
    assert Agency.objects.get(code="Kdn-sokol").kind == "youth_commission"  # a Russian label is understood


def test_a_cp1251_comma_file_with_english_headers_imports(world, tmp_path):
    header = ["  code ", "KIND", "Name (Russian)", "name (english)", "District", "Phone", "E-mail"]
    path = _write(tmp_path, "agencies.csv", _csv(GOOD_ROWS[:1], header=header, delimiter=","), encoding="cp1251")
    refused, out = _run(path)
    assert not refused, out
    assert Agency.objects.get(code="school-77").name_ru == "Средняя школа № 1"


def test_an_xlsx_workbook_imports(world, tmp_path):
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(HEADER_RU)
    for row in GOOD_ROWS:
        sheet.append(row)
    path = tmp_path / "agencies.xlsx"
    book.save(path)
    refused, out = _run(path)
    assert not refused, out
    assert Agency.objects.filter(code__in=["school-77", "Kdn-sokol", "ngo-light"]).count() == 3


def test_the_same_file_twice_changes_nothing_the_second_time(world, tmp_path):
    path = _write(tmp_path, "agencies.csv", _csv(GOOD_ROWS))
    _run(path)
    history = Agency.history.count()
    agencies, events = _state()
    refused, out = _run(path)
    assert not refused
    assert "created: 0, updated: 0, unchanged: 3" in out
    assert _state() == (agencies, events + 1)
    assert Agency.history.count() == history


def test_a_changed_row_updates_the_agency_it_names(world, tmp_path):
    _run(_write(tmp_path, "a.csv", _csv(GOOD_ROWS)))
    changed = [GOOD_ROWS[0][:5] + ["+7 8172 00-00-00", "s1@edu.ru"], *GOOD_ROWS[1:]]
    refused, out = _run(_write(tmp_path, "b.csv", _csv(changed)))
    assert not refused
    assert "created: 0, updated: 1, unchanged: 2" in out
    assert Agency.objects.get(code="school-77").phone == "+7 8172 00-00-00"


def test_a_dry_run_reports_counts_and_changes_nothing_but_its_audit_event(world, tmp_path):
    agencies, events = _state()
    refused, out = _run(_write(tmp_path, "agencies.csv", _csv(GOOD_ROWS)), "--dry-run")
    assert not refused
    assert "created: 3" in out
    assert _state() == (agencies, events + 1)
    event = AuditEvent.objects.order_by("-seq").first()
    assert event.action == "import.dry_run"
    assert event.extra["created"] == 3 and len(event.extra["sha256"]) == 64


def test_a_done_import_is_audited_with_file_hash_and_counts(world, tmp_path):
    import hashlib

    content = _csv(GOOD_ROWS)
    _run(_write(tmp_path, "agencies.csv", content))
    event = AuditEvent.objects.order_by("-seq").first()
    assert event.action == "import.done"
    assert event.extra["sha256"] == hashlib.sha256(content.encode()).hexdigest()
    assert (event.extra["rows"], event.extra["created"], event.extra["unchanged"]) == (3, 3, 0)


# The bad files: each refused whole, with the row and column named.


def test_a_utf16_file_is_refused_as_wrong_encoding(world, tmp_path):
    _refused_with(tmp_path, "agencies.csv", _csv(GOOD_ROWS), "UTF-8 or Windows-1251", encoding="utf-16")


def test_a_file_with_bytes_undefined_in_windows_1251_is_refused(world, tmp_path):
    content = _csv(GOOD_ROWS).encode("cp1251").replace("Свет".encode("cp1251"), b"\x98\xff\xfe")
    _refused_with(tmp_path, "agencies.csv", content, "UTF-8 or Windows-1251")


def test_a_header_with_mixed_delimiters_is_refused(world, tmp_path):
    header = "Код;Тип,Название;Район"
    _refused_with(tmp_path, "agencies.csv", header + "\r\nschool-1;school;Школа;vologda\r\n", "Row 1", "mixes")


def test_a_row_with_the_other_delimiter_is_refused_naming_its_row(world, tmp_path):
    content = _csv(GOOD_ROWS[:1]) + ",".join(GOOD_ROWS[2]) + "\r\n"
    _refused_with(tmp_path, "agencies.csv", content, "row 3", "mixed delimiters")


def test_a_missing_required_column_is_refused_naming_it(world, tmp_path):
    header = [h for h in HEADER_RU if h != "Район"]
    rows = [[c for i, c in enumerate(r) if i != 4] for r in GOOD_ROWS]
    _refused_with(tmp_path, "agencies.csv", _csv(rows, header=header), "row 1", "District", "required column")


def test_the_same_code_twice_is_refused_naming_both_rows(world, tmp_path):
    _refused_with(tmp_path, "agencies.csv", _csv([*GOOD_ROWS, GOOD_ROWS[0]]), "row 5, Код", "row 2")


def test_a_file_over_the_size_limit_is_refused_before_reading(world, tmp_path, settings, monkeypatch):
    settings.SAFEZONE_IMPORT_MAX_BYTES = 100
    monkeypatch.setattr(import_services, "inspect", lambda path: pytest.fail("the file was read"))
    _refused_with(tmp_path, "agencies.csv", _csv(GOOD_ROWS), "at most 0.0 MB")


@pytest.mark.parametrize("content", ["", "\ufeff", "\r\n  \r\n", ";".join(HEADER_RU) + "\r\n"])
def test_an_empty_file_is_refused(world, tmp_path, content):
    out = _refused_with(tmp_path, "agencies.csv", content, "file:")
    assert "empty" in out or "no rows" in out


def test_formula_injection_in_a_name_is_refused_and_not_stored(world, tmp_path):
    rows = [GOOD_ROWS[0][:2] + ['=HYPERLINK("http://evil.example","Нажми")'] + GOOD_ROWS[0][3:], *GOOD_ROWS[1:]]
    content = _csv(rows).replace('"', "")  # no quotes: the cell holds no delimiter
    _refused_with(tmp_path, "agencies.csv", content, "row 2, Название", "formula")
    assert not Agency.objects.filter(code="school-77").exists()


def test_a_formula_cell_in_a_workbook_is_refused(world, tmp_path):
    book = openpyxl.Workbook()
    book.active.append(HEADER_RU)
    book.active.append(GOOD_ROWS[0][:2] + ["=1+1"] + GOOD_ROWS[0][3:])
    path = tmp_path / "agencies.xlsx"
    book.save(path)
    agencies, events = _state()
    refused, out = _run(path)
    assert refused and "row 2, Название" in out and "formula" in out
    assert _state() == (agencies, events + 1)


def test_bad_cells_are_all_reported_with_row_and_column(world, tmp_path):
    rows = [
        ["school 1", "school", "Школа", "", "vologda", "", ""],
        ["school-2", "circus", "Школа", "", "nowhere", "", "not-an-email"],
        ["school-3", "school", "", "", "vologda", "", ""],
    ]
    out = _refused_with(tmp_path, "agencies.csv", _csv(rows), "row 2, Код", "row 3, Тип", "row 3, Эл. почта")
    assert "row 4, Название: this column must be filled in" in out
    assert "row 3, Район" not in out  # a row's reference rules run once its cells are clean


def test_a_phone_number_or_a_negative_number_is_not_taken_for_a_formula():
    from safezone.imports.parsers import looks_like_formula

    assert not looks_like_formula("+7 (8172) 72-00-00")
    assert not looks_like_formula("-5")
    for cell in ['=HYPERLINK("x")', "@SUM(A1:A2)", "+cmd|' /C calc'!A0", "-A1+B1", " =1+1", "+SUM(A1)"]:
        assert looks_like_formula(cell), cell


def test_a_failure_in_the_middle_of_writing_rolls_back_everything(world, tmp_path, monkeypatch):
    from safezone.imports.agencies import AgenciesImport

    rows = [[f"school-{i}", "school", f"Школа {i}", "", "vologda", "", ""] for i in range(10)]
    original = AgenciesImport.write
    calls = []

    def write_then_die(self, batch):
        calls.append(len(batch))
        if len(calls) == 2:
            raise RuntimeError("killed mid-way")
        return original(self, batch)

    monkeypatch.setattr(AgenciesImport, "batch_size", 4)
    monkeypatch.setattr(AgenciesImport, "write", write_then_die)
    agencies, events = _state()
    with pytest.raises(RuntimeError):
        import_run(type_name="agencies", path=_write(tmp_path, "a.csv", _csv(rows)))
    assert calls == [4, 4]
    assert _state() == (agencies, events + 1)
    assert AuditEvent.objects.order_by("-seq").first().action == "import.failed"


def test_list_prints_each_import_type_with_its_columns():
    out = StringIO()
    with translation.override("en"):
        call_command("import", "--list", stdout=out)
    text = out.getvalue()
    assert text.startswith("agencies: agencies of the directory")
    assert "code (Код / Code) — required, key" in text
    assert "email (Эл. почта / E-mail) — optional" in text


def test_an_unknown_import_type_is_refused_by_the_command_line(tmp_path):
    path = _write(tmp_path, "a.csv", "x\r\n")
    with pytest.raises(CommandError, match="no import type"), translation.override("en"):
        call_command("import", "circus", str(path), stdout=StringIO())


def test_dates_are_read_in_every_form_schools_write_them():
    from safezone.imports.parsers import CellError, date

    parse = date()
    assert parse("01.09.2026") == parse("2026-09-01") == parse(46266) == parse("46266") == dt.date(2026, 9, 1)
    assert parse(dt.datetime(2026, 9, 1, 0, 0)) == dt.date(2026, 9, 1)
    assert parse("1.9.2026") == dt.date(2026, 9, 1)
    with translation.override("en"):
        with pytest.raises(CellError, match="31.02.2026 does not exist"):
            parse("31.02.2026")
        with pytest.raises(CellError, match="not a date"):
            parse("вчера")
