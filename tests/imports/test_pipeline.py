"""The pipeline itself, through a small import type defined here: dates, Excel serial numbers
and a date that does not exist, reported by row and column."""

import datetime as dt
from collections import Counter

import openpyxl
import pytest
from django.utils import translation

from safezone.audit.models import AuditEvent
from safezone.imports import parsers, types
from safezone.imports.services import import_run

pytestmark = pytest.mark.django_db


class VisitsImport(types.ImportType):
    name = "test_visits"
    key = ("code", "day")
    columns = (
        types.Column("code", "Код", "Code", parsers.code(), required=True),
        types.Column("day", "Дата посещения", "Visit date", parsers.date(), required=True),
        types.Column("count", "Количество", "Count", parsers.integer(min_value=0)),
    )
    written: list = []

    def write(self, rows):
        VisitsImport.written.extend(values for _row, values in rows)
        return Counter(created=len(rows))


@pytest.fixture
def visits(monkeypatch):
    monkeypatch.setitem(types._REGISTRY, VisitsImport.name, VisitsImport)
    VisitsImport.written = []
    return VisitsImport


def _run(path, **kwargs):
    with translation.override("en"):
        return import_run(type_name="test_visits", path=path, **kwargs)


def test_a_date_that_does_not_exist_is_reported_with_its_row_and_column(visits, tmp_path):
    path = tmp_path / "visits.csv"
    path.write_text("Код;Дата посещения;Количество\nа1;01.02.2026;3\nb2;31.02.2026;x\n", encoding="utf-8")
    events = AuditEvent.objects.count()
    result = _run(path)
    assert result.status == "refused"
    messages = [(p.row, p.field, p.message) for p in result.problems]
    assert (2, "Код", "“а1” is not a code: use Latin letters, digits, “-” and “_” only") in messages
    assert (3, "Дата посещения", "the date 31.02.2026 does not exist") in messages
    assert (3, "Количество", "“x” is not a whole number") in messages
    assert visits.written == []
    assert AuditEvent.objects.count() == events + 1


def test_workbook_date_cells_and_serial_numbers_are_read_as_dates(visits, tmp_path):
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append([" visit   DATE ", "CODE"])
    sheet.append([dt.datetime(2026, 9, 1), "a1"])
    sheet.append([46267, "a1"])
    sheet.append([None, None])
    sheet.append(["03.09.2026", "a1"])
    path = tmp_path / "visits.xlsx"
    book.save(path)
    result = _run(path)
    assert result.status == "done", result.problems
    assert [v["day"] for v in visits.written] == [dt.date(2026, 9, 1), dt.date(2026, 9, 2), dt.date(2026, 9, 3)]
    assert result.rows == 3 and result.counts["created"] == 3


def test_the_same_key_twice_names_the_first_row(visits, tmp_path):
    path = tmp_path / "visits.csv"
    path.write_text("code,visit date\na1,01.09.2026\na1,2026-09-01\n", encoding="utf-8")
    result = _run(path)
    assert [(p.row, p.field) for p in result.problems] == [(3, "code, visit date")]
    assert "row 2" in result.problems[0].message


def test_a_large_file_streams_with_a_progress_bar(visits, tmp_path, settings):
    path = tmp_path / "visits.csv"
    with path.open("w", encoding="utf-8") as f:
        f.write("code;visit date;count\n")
        for i in range(60_000):
            f.write(f"c{i};01.09.2026;{i % 7}\n")
    bars = []

    class Bar:
        def __init__(self, description):
            self.description, self.total = description, 0
            bars.append(self)

        def update(self, n):
            self.total += n

        def close(self):
            pass

    result = _run(path, progress=Bar)
    assert result.status == "done"
    assert [(b.description, b.total) for b in bars] == [("checking", 60_000), ("importing", 60_000)]


def test_keys_the_filter_only_may_have_seen_are_confirmed_against_the_rows(visits, tmp_path, monkeypatch):
    from safezone.imports import services

    # A filter of 64 bits: after a few rows it answers "may have been seen" for nearly every key.
    monkeypatch.setattr(services.KeyFilter, "BITS", 64)
    monkeypatch.setattr(VisitsImport, "batch_size", 7)  # the confirmation reads several spooled batches
    rows = [f"c{i};01.09.2026;{i}" for i in range(200)]
    path = tmp_path / "visits.csv"
    path.write_text("\n".join(["code;visit date;count", *rows]) + "\n", encoding="utf-8")
    result = _run(path)
    assert result.status == "done" and result.problems == []
    assert len(visits.written) == 200 and [v["count"] for v in visits.written] == list(range(200))
    path.write_text("\n".join(["code;visit date;count", *rows, "c7;01.09.2026;1", "c150;1.9.2026;2"]) + "\n")
    visits.written.clear()
    result = _run(path)
    assert [(p.row, p.message) for p in result.problems] == [
        (202, "the same value is already in row 9"),
        (203, "the same value is already in row 152"),
    ]
    assert visits.written == []


def test_problems_are_reported_in_row_order_with_keys_twice_among_them(visits, tmp_path):
    path = tmp_path / "visits.csv"
    path.write_text("code;visit date\na1;01.09.2026\na1;01.09.2026\nb 2;01.09.2026\n", encoding="utf-8")
    result = _run(path)
    assert [(p.row, p.field) for p in result.problems] == [(3, "code, visit date"), (4, "code")]
