"""The schools' feeds as import types: the roll (a child already known is not registered twice),
the daily register, attendance totals, discipline and quarter marks; each repeatable, each
refusing a bad row by row and column, and each school's rows only from someone who may send them."""

import datetime as dt
from io import StringIO

import openpyxl
import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import translation

from safezone.audit.models import AuditEvent
from safezone.imports.schools import AttendanceImport, MarksImport, PupilsImport
from safezone.imports.services import import_run
from safezone.people.models import Person
from safezone.schools.models import (
    AttendanceDay,
    AttendanceTotal,
    CourseMark,
    Discipline,
    Enrolment,
    Pupil,
    SchoolClass,
)

pytestmark = pytest.mark.django_db

ROLL_HEADER = (
    "Школа;Номер ученика;Фамилия;Имя;Отчество;Пол;Дата рождения;Класс;Учебный год;Дата зачисления;Дата выбытия;"
    "Причина выбытия"
)
ROLL = [
    "school-1;101;Соколова;Мария;Ивановна;ж;14.02.2013;7Б;2025/26;01.09.2019;;",
    "school-1;102;Орлов;Денис;;м;03.07.2012;7Б;2025/26;01.09.2019;20.12.2025;переведён в другую школу",
    "school-sokol;7;Елкин;Петр;Андреевич;М;01.09.2012;8А;2025;01.09.2020;;",
]
ATTENDANCE_HEADER = "Школа;Номер ученика;Дата;Отметка"
ATTENDANCE = [
    "school-1;101;01.09.2025;п",
    "school-1;101;02.09.2025;Н",
    "school-1;101;03.09.2025;о",
    "school-1;102;01.09.2025;+",
    "school-1;102;02.09.2025;б",
    "school-sokol;7;01.09.2025;u",
]


def _file(tmp_path, name: str, header: str, rows: list[str]):
    path = tmp_path / name
    path.write_text("\r\n".join([header, *rows]) + "\r\n", encoding="utf-8")
    return path


def _command(type_name: str, path, *args) -> tuple[bool, str]:
    """The command line: (refused?, its output)."""
    out = StringIO()
    with translation.override("en"):
        try:
            call_command("import", type_name, str(path), *args, stdout=out, stderr=StringIO())
        except CommandError as exc:
            return True, out.getvalue() + str(exc)
    return False, out.getvalue()


def _run(type_name, path, **kwargs):
    with translation.override("en"):
        return import_run(type_name=type_name, path=path, **kwargs)


def _counts(result) -> tuple[int, int, int]:
    return result.counts["created"], result.counts["updated"], result.counts["unchanged"]


def _problems(result) -> list[tuple]:
    return [(p.row, p.field, p.message) for p in result.problems]


@pytest.fixture
def roll(world, tmp_path):
    """The roll of the two world schools imported from the command line."""
    refused, out = _command("pupils", _file(tmp_path, "roll.csv", ROLL_HEADER, ROLL))
    assert not refused, out
    return {p.local_id: p for p in Pupil.objects.select_related("person", "school_class")}


# --- the roll --------------------------------------------------------------------------------------
def test_the_roll_creates_classes_pupils_and_enrolment_periods(roll, world):
    maria = roll["101"]
    assert maria.school == world.school and maria.person.surname == "Соколова" and maria.person.sex == "F"
    assert maria.person.birth_date.earliest() == dt.date(2013, 2, 14)
    assert maria.person.registered_by == world.school and maria.person.district == world.vologda
    assert (maria.school_class.name, maria.school_class.grade, maria.school_class.year) == ("7Б", 7, 2025)
    assert roll["102"].school_class == maria.school_class
    left = Enrolment.objects.get(pupil=roll["102"])
    assert (left.started_on, left.ended_on, left.end_reason) == (dt.date(2019, 9, 1), dt.date(2025, 12, 20), "moved")
    assert Enrolment.objects.get(pupil=maria).ended_on is None


def test_a_child_already_known_to_the_register_is_not_registered_again(roll, world):
    # "Елкин Петр Андреевич", 01.09.2012: world's petya ("Ёлкин Пётр Андреевич"), not a new person.
    assert roll["7"].person == world.petya
    assert Person.objects.filter(birth_year=2012, birth_month=9, birth_day=1).count() == 1


def test_the_same_roll_twice_changes_nothing_and_a_change_is_an_update(roll, world, tmp_path):
    persons, events = Person.objects.count(), AuditEvent.objects.count()
    path = _file(tmp_path, "roll.csv", ROLL_HEADER, ROLL)
    result = _run("pupils", path)
    assert result.status == "done" and _counts(result) == (0, 0, 3)
    assert (Person.objects.count(), Pupil.objects.count(), Enrolment.objects.count()) == (persons, 3, 3)
    assert AuditEvent.objects.count() == events + 1
    moved = [ROLL[0].replace(";7Б;", ";8В;"), *ROLL[1:]]
    result = _run("pupils", _file(tmp_path, "roll2.csv", ROLL_HEADER, moved))
    assert _counts(result) == (0, 1, 2)
    assert Pupil.objects.get(local_id="101").school_class.name == "8В"
    assert SchoolClass.objects.get(school=world.school, name="8В").grade == 8


def test_a_pupil_twice_in_one_file_is_refused_naming_both_rows(world, tmp_path):
    path = _file(tmp_path, "roll.csv", ROLL_HEADER, [ROLL[0], ROLL[2], ROLL[0].replace("Мария", "Маша")])
    refused, out = _command("pupils", path)
    assert refused
    assert "row 4, Школа, Номер ученика: the same value is already in row 2" in out
    assert not Pupil.objects.exists() and not Person.objects.filter(surname="Соколова").exists()


def test_bad_roll_rows_are_reported_by_row_and_column(world, tmp_path):
    rows = [
        "school-1;201;Котов;Иван;;x;01.01.2013;7А;2025;01.09.2019;;",
        "school-1;202;Котов;Олег;;м;01.01.2013;А;2025;01.09.2019;;",
        "school-1;203;Котов;Лев;;м;01.01.2013;7А;2025/27;01.09.2019;;",
        "school-1;204;Котов;Ян;;м;01.01.2013;7А;2025;01.09.2019;01.09.2018;",
        "school-1;205;Котов;Ян;;м;01.01.2013;7А;2025;01.09.2019;;выбыл",
        "nowhere;206;Котов;Ян;;м;01.01.2013;7А;2025;01.09.2019;;",
        "school-1;207;Котов;Ян;;м;01.01.1850;7А;2025;01.09.2019;;",
    ]
    result = _run("pupils", _file(tmp_path, "roll.csv", ROLL_HEADER, rows))
    assert result.status == "refused"
    fields = [(row, field) for row, field, _message in _problems(result)]
    assert fields == [
        (2, "Пол"),
        (3, "Grade"),  # not a column of the file: named in the user's language
        (4, "Учебный год"),
        (5, "Дата выбытия"),
        (6, "Дата выбытия"),
        (7, "Школа"),
        (8, "Дата рождения"),
    ]
    assert "there is no school with the code “nowhere”" in result.problems[-2].message
    assert "Birth year must be between 1900" in result.problems[-1].message
    assert not Pupil.objects.exists()


def test_the_school_year_defaults_to_the_current_one(world, tmp_path):
    from safezone.schools.feeds import school_year_now

    header = "Школа;Номер ученика;Фамилия;Имя;Дата рождения;Класс;Дата зачисления"
    result = _run("pupils", _file(tmp_path, "roll.csv", header, ["school-1;301;Лис;Ия;02.02.2014;5А;01.09.2021"]))
    assert result.status == "done", result.problems
    assert SchoolClass.objects.get(name="5А").year == school_year_now()
    assert school_year_now(dt.date(2026, 8, 31)) == 2025 and school_year_now(dt.date(2026, 9, 1)) == 2026


# --- the daily register ----------------------------------------------------------------------------
def test_the_daily_register_imports_with_russian_marks_and_again_changes_nothing(roll, tmp_path):
    path = _file(tmp_path, "attendance.csv", ATTENDANCE_HEADER, ATTENDANCE)
    result = _run("attendance", path)
    assert result.status == "done" and _counts(result) == (6, 0, 0)
    days = {(d.pupil.local_id, d.day.isoformat()): d.status for d in AttendanceDay.objects.select_related("pupil")}
    assert days == {
        ("101", "2025-09-01"): "p",
        ("101", "2025-09-02"): "u",
        ("101", "2025-09-03"): "l",
        ("102", "2025-09-01"): "p",
        ("102", "2025-09-02"): "e",
        ("7", "2025-09-01"): "u",
    }
    ids = sorted(AttendanceDay.objects.values_list("pk", flat=True))
    again = _run("attendance", path)
    assert again.status == "done" and _counts(again) == (0, 0, 6)
    assert sorted(AttendanceDay.objects.values_list("pk", flat=True)) == ids
    corrected = [ATTENDANCE[0].replace(";п", ";у"), *ATTENDANCE[1:], "school-1;101;04.09.2025;п"]
    result = _run("attendance", _file(tmp_path, "corrected.csv", ATTENDANCE_HEADER, corrected))
    assert _counts(result) == (1, 1, 5)
    assert AttendanceDay.objects.get(pupil=roll["101"], day=dt.date(2025, 9, 1)).status == "e"


def test_a_dry_run_counts_what_would_change_and_changes_nothing(roll, tmp_path):
    result = _run("attendance", _file(tmp_path, "a.csv", ATTENDANCE_HEADER, ATTENDANCE), dry_run=True)
    assert result.status == "checked" and _counts(result) == (6, 0, 0)
    assert not AttendanceDay.objects.exists()
    assert AuditEvent.objects.order_by("-seq").first().action == "import.dry_run"


def test_a_day_outside_every_enrolment_period_is_refused_naming_its_row(roll, tmp_path):
    # Pupil 102 left on 20.12.2025; pupil 101 came on 01.09.2019.
    rows = [*ATTENDANCE, "school-1;102;21.12.2025;п", "school-1;101;30.08.2019;п"]
    refused, out = _command("attendance", _file(tmp_path, "a.csv", ATTENDANCE_HEADER, rows))
    assert refused
    assert "row 8, Дата: pupil number “102” was not enrolled at the school on 21.12.2025" in out
    assert "row 9, Дата: pupil number “101” was not enrolled at the school on 30.08.2019" in out
    assert not AttendanceDay.objects.exists()


def test_an_unknown_pupil_or_school_and_a_day_twice_are_refused(roll, tmp_path):
    rows = [
        *ATTENDANCE,
        "school-1;999;01.09.2025;п",
        "school-sokol;101;01.09.2025;п",
        "school-2;101;01.09.2025;п",
        "school-1;101;2025-09-01;н",
        "school-1;101;05.09.2025;?",
    ]
    events = AuditEvent.objects.count()
    refused, out = _command("attendance", _file(tmp_path, "a.csv", ATTENDANCE_HEADER, rows))
    assert refused
    assert "row 8, Номер ученика: the school “school-1” has no pupil number “999”" in out
    assert "row 9, Номер ученика: the school “school-sokol” has no pupil number “101”" in out
    assert "row 10, Школа: there is no school with the code “school-2”" in out
    assert "row 11, Школа, Номер ученика, Дата: the same value is already in row 2" in out
    assert "row 12, Отметка: “?” is not one of: p, l, e, u" in out
    assert not AttendanceDay.objects.exists()
    assert AuditEvent.objects.count() == events + 1  # the refused attempt's own event, nothing else


def test_a_workbook_register_with_date_cells_imports(roll, tmp_path):
    book = openpyxl.Workbook()
    book.active.append(["School", "Pupil number", "Date", "Attendance"])
    book.active.append(["school-1", 101, dt.datetime(2025, 9, 1), "present"])
    book.active.append(["school-1", "102", 45901, "absent without a reason"])
    path = tmp_path / "attendance.xlsx"
    book.save(path)
    result = _run("attendance", path)
    assert result.status == "done", result.problems
    assert AttendanceDay.objects.get(pupil=roll["101"]).status == "p"
    assert AttendanceDay.objects.get(pupil=roll["102"], day=dt.date(2025, 9, 1)).status == "u"


# --- totals, discipline, marks ---------------------------------------------------------------------
def test_attendance_totals_import_once_and_refuse_more_absences_than_days(roll, tmp_path):
    header = "Школа;Номер ученика;Период с;Период по;Учебных дней;Дней пропущено"
    rows = ["school-1;101;01.09.2025;31.10.2025;40;3", "school-sokol;7;01.09.2025;31.10.2025;40;12"]
    path = _file(tmp_path, "totals.csv", header, rows)
    assert _counts(_run("attendance_totals", path)) == (2, 0, 0)
    assert _counts(_run("attendance_totals", path)) == (0, 0, 2)
    total = AttendanceTotal.objects.get(pupil=roll["7"])
    assert (total.starts_on, total.ends_on, total.days_enrolled, total.days_absent) == (
        dt.date(2025, 9, 1),
        dt.date(2025, 10, 31),
        40,
        12,
    )
    bad = ["school-1;101;01.11.2025;31.12.2025;30;31", "school-1;101;31.12.2025;01.11.2025;30;1"]
    result = _run("attendance_totals", _file(tmp_path, "bad.csv", header, bad))
    assert [(row, field) for row, field, _m in _problems(result)] == [(2, "Дней пропущено"), (3, "Период по")]


def test_discipline_imports_referrals_and_suspensions_once(roll, tmp_path):
    header = "Школа;Номер ученика;Вид;Дата;Дней;Причина"
    rows = [
        "school-1;101;направление;10.10.2025;;драка на перемене",
        "school-1;101;suspension;20.10.2025;3;повторная драка",
        "school-1;101;referral;20.10.2025;;",
    ]
    path = _file(tmp_path, "discipline.csv", header, rows)
    assert _counts(_run("discipline", path)) == (3, 0, 0)
    assert _counts(_run("discipline", path)) == (0, 0, 3)
    suspension = Discipline.objects.get(kind="suspension")
    assert (suspension.occurred_on, suspension.days, suspension.reason) == (
        dt.date(2025, 10, 20),
        3,
        "повторная драка",
    )
    bad = ["school-1;101;отстранение;21.10.2025;;", "school-1;101;направление;22.10.2025;2;"]
    result = _run("discipline", _file(tmp_path, "bad.csv", header, bad))
    assert [(row, field) for row, field, _m in _problems(result)] == [(2, "Дней"), (3, "Дней")]


def test_quarter_marks_take_subject_codes_or_russian_names(roll, tmp_path):
    header = "Школа;Номер ученика;Учебный год;Четверть;Предмет;Оценка"
    rows = [
        "school-1;101;2025/26;1;Математика;2",
        "school-1;101;2025/2026;1;русский язык;3",
        "school-1;101;2025;1;foreign_language;4",
    ]
    path = _file(tmp_path, "marks.csv", header, rows)
    assert _counts(_run("marks", path)) == (3, 0, 0)
    assert _counts(_run("marks", path)) == (0, 0, 3)
    marks = dict(CourseMark.objects.filter(pupil=roll["101"], year=2025, quarter=1).values_list("subject", "mark"))
    assert marks == {"mathematics": 2, "russian": 3, "foreign_language": 4}
    changed = [rows[0].replace("Математика;2", "Математика;3"), *rows[1:], rows[0].replace("Математика", "mathematics")]
    result = _run("marks", _file(tmp_path, "twice.csv", header, changed))
    assert "the same value is already in row 2" in result.problems[0].message and result.problems[0].row == 5
    bad = ["school-1;101;2025;5;математика;3", "school-1;101;2025;1;пение;6"]
    result = _run("marks", _file(tmp_path, "bad.csv", header, bad))
    assert [(row, field) for row, field, _m in _problems(result)] == [(2, "Четверть"), (3, "Предмет"), (3, "Оценка")]


# --- who may send a school's registers ---------------------------------------------------------------
def test_who_may_run_the_school_feeds(world):
    for kind in (PupilsImport, AttendanceImport, MarksImport):
        assert kind.may_run(world.pavel) and kind.may_run(world.zoya)  # their own schools' pedagogues
        assert kind.may_run(world.root)  # staff
        for user in (world.anna, world.kira, world.ilya, world.nemo):
            assert not kind.may_run(user), user


def test_a_pedagogue_sends_only_their_own_schools_rows_and_each_decision_is_recorded_once(roll, world, tmp_path):
    before = AuditEvent.objects.order_by("-seq").first().seq
    path = _file(tmp_path, "a.csv", ATTENDANCE_HEADER, ATTENDANCE)
    result = _run("attendance", path, actor=world.pavel)
    assert result.status == "refused"
    assert [(row, field) for row, field, _m in _problems(result)] == [(7, "Школа")]
    assert "you may not send the registers of the school “school-sokol”" in result.problems[0].message
    assert not AttendanceDay.objects.exists()
    events = list(AuditEvent.objects.filter(seq__gt=before).order_by("seq"))
    decisions = [(e.action, e.decision, e.object_type, e.object_id) for e in events if e.decision]
    assert sorted(decisions) == [
        ("school.import", "allow", "agency", str(world.school.pk)),
        ("school.import", "deny", "agency", str(world.school_sokol.pk)),
    ]
    assert [e.action for e in events if not e.decision] == ["import.refused"]
    # Their own school's rows alone go through.
    own = _run("attendance", _file(tmp_path, "own.csv", ATTENDANCE_HEADER, ATTENDANCE[:5]), actor=world.pavel)
    assert own.status == "done" and _counts(own) == (5, 0, 0)


def test_staff_may_send_any_schools_registers(roll, world, tmp_path):
    result = _run("attendance", _file(tmp_path, "a.csv", ATTENDANCE_HEADER, ATTENDANCE), actor=world.root)
    assert result.status == "done", result.problems
    rules = set(AuditEvent.objects.filter(actor=world.root, action="school.import").values_list("rule", flat=True))
    assert rules == {"staff"}
