"""Import types of the schools' feeds: the roll (`pupils`), the daily register (`attendance`),
attendance totals, discipline and quarter marks, as schools' information systems export them.

Every row names a school by its agency code and a pupil by the school's own pupil number. Who
may send them: the operator at the command line (no user), staff, or a user whose membership in
the school allows sending its registers (`Action.IMPORT_SCHOOL` for school support). The decision
for each school a file names is taken once, through `access`, and recorded in the audit log; a row
of a school the user may not send for is refused. The writes are `safezone.schools.feeds`.
"""

import re
from collections import Counter

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from safezone.access.policy import Action, Purpose
from safezone.access.selectors import Decision, decide_for_agency, school_ids_for
from safezone.access.services import AccessDenied, enforce
from safezone.people.dates import validate_partial_date
from safezone.people.models import Sex
from safezone.schools import feeds
from safezone.schools.models import Attendance, Discipline, Enrolment, Subject

from . import parsers
from .types import Column, ImportType, RowError, register

# How registers write what the models store: Russian marks and short forms, beside the models'
# own codes and their Russian and English labels (which `parsers.choice` takes anyway).
ATTENDANCE_MARKS = {
    "п": Attendance.PRESENT,
    "+": Attendance.PRESENT,
    "присутствовал": Attendance.PRESENT,
    "о": Attendance.LATE,
    "опоздал": Attendance.LATE,
    "опоздание": Attendance.LATE,
    "у": Attendance.EXCUSED,
    "б": Attendance.EXCUSED,
    "уп": Attendance.EXCUSED,
    "болел": Attendance.EXCUSED,
    "н": Attendance.UNEXCUSED,
    "нн": Attendance.UNEXCUSED,
    "прогул": Attendance.UNEXCUSED,
}
SEXES = {"ж": Sex.FEMALE, "жен": Sex.FEMALE, "м": Sex.MALE, "муж": Sex.MALE}
LEAVING_REASONS = {
    "выбыл": Enrolment.EndReason.MOVED,
    "перевод": Enrolment.EndReason.MOVED,
    "переведён в другую школу": Enrolment.EndReason.MOVED,
    "выпуск": Enrolment.EndReason.GRADUATED,
    "окончил школу": Enrolment.EndReason.GRADUATED,
    "отчислен": Enrolment.EndReason.DROPPED_OUT,
    "бросил школу": Enrolment.EndReason.DROPPED_OUT,
    "другое": Enrolment.EndReason.OTHER,
}
DISCIPLINE_KINDS = {
    "направление": Discipline.Kind.REFERRAL,
    "дисциплинарное направление": Discipline.Kind.REFERRAL,
    "вызов к директору": Discipline.Kind.REFERRAL,
    "отстранение": Discipline.Kind.SUSPENSION,
    "отстранение от занятий": Discipline.Kind.SUSPENSION,
}
SUBJECTS = {
    "русский язык": Subject.RUSSIAN,
    "русский": Subject.RUSSIAN,
    "литература": Subject.LITERATURE,
    "литературное чтение": Subject.LITERATURE,
    "математика": Subject.MATHEMATICS,
    "иностранный язык": Subject.FOREIGN_LANGUAGE,
    "английский язык": Subject.FOREIGN_LANGUAGE,
    "немецкий язык": Subject.FOREIGN_LANGUAGE,
    "французский язык": Subject.FOREIGN_LANGUAGE,
    "естествознание": Subject.SCIENCE,
    "окружающий мир": Subject.SCIENCE,
}

SCHOOL = Column("school", "Школа", "School", parsers.code(64), required=True)
PUPIL = Column("pupil", "Номер ученика", "Pupil number", parsers.text(64), required=True)


class SchoolFeed(ImportType):
    """What the school feeds share: the school and pupil columns, who may send them, and the
    lookups (each school's decision and roll, once per attempt)."""

    key = ("school", "pupil")
    # Whether each row's pupil must already be on the school's roll (all feeds but the roll itself).
    needs_pupil = True

    @classmethod
    def may_run(cls, user) -> bool:
        if not getattr(user, "is_authenticated", False) or not user.is_active:
            return False
        return bool(user.is_staff or school_ids_for(user, Action.IMPORT_SCHOOL, Purpose.SCHOOL_SUPPORT))

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self._schools: dict[str, tuple[object, int, str]] = {}
        self._by_id: dict[int, object] = {}
        self._rolls: dict[int, dict] = {}

    def _decide(self, code: str) -> tuple[object, str]:
        """(the school, "") or (None, why its rows are refused); the user's decision is recorded."""
        school = feeds.school_by_code(code)
        if school is None:
            return None, _("there is no school with the code “%(code)s”") % {"code": code}
        if self.actor is None:  # the command line: the operator who runs it
            return school, ""
        decision = decide_for_agency(self.actor, Action.IMPORT_SCHOOL, Purpose.SCHOOL_SUPPORT, school)
        if not decision.allowed and self.actor.is_staff and self.actor.is_active:
            decision = Decision(True, "staff")
        try:
            enforce(
                decision,
                user=self.actor,
                action=Action.IMPORT_SCHOOL,
                purpose=Purpose.SCHOOL_SUPPORT,
                object_type="agency",
                object_id=school.pk,
                request=self.request,
                extra={"import": self.name},
            )
        except AccessDenied:
            return None, _("you may not send the registers of the school “%(code)s”") % {"code": code}
        return school, ""

    def school(self, code: str) -> tuple[object, int, str]:
        """(the school, its id, "") or (None, 0, why its rows are refused), decided once per attempt."""
        known = self._schools.get(code)
        if known is None:
            school, refused = self._decide(code)
            known = self._schools[code] = (school, school.pk if school is not None else 0, refused)
            if school is not None:
                self._by_id[school.pk] = school
        return known

    def check_row(self, values: dict) -> list[tuple[str, str]]:
        _school, school_id, refused = self.school(values["school"])
        if refused:
            return [("school", refused)]
        values["school_id"] = school_id
        problems = self.check_values(values)
        if problems or not self.needs_pupil:
            return problems
        roll = self._rolls.get(school_id)
        if roll is None:
            roll = self._rolls[school_id] = feeds.roll_of(school_id)
        found = roll.get(values["pupil"])
        if found is None:
            return [
                (
                    "pupil",
                    _("the school “%(school)s” has no pupil number “%(number)s”: send the roll (pupils) first")
                    % {"school": values["school"], "number": values["pupil"]},
                )
            ]
        values["pupil_id"] = found[0]
        return self.check_pupil(values, found[1])

    def check_values(self, values: dict) -> list[tuple[str, str]]:
        """Rules across the row's own columns."""
        return []

    def check_pupil(self, values: dict, periods: feeds.Periods) -> list[tuple[str, str]]:
        """Rules that need the pupil's enrolment periods."""
        return []

    def write(self, rows):
        try:
            return self.write_rows(rows)
        except feeds.RowRefused as exc:
            raise RowError(exc.row, exc.field, exc.message) from None


def _grade_of(class_name: str) -> int | None:
    """The grade a class name starts with: 7 for "7Б", 10 for "10 А"."""
    match = re.match(r"\d+", class_name)
    return int(match.group()) if match else None


@register
class PupilsImport(SchoolFeed):
    name = "pupils"
    label = gettext_lazy("pupils of a school (the roll)")
    needs_pupil = False
    batch_size = 200
    columns = (
        SCHOOL,
        PUPIL,
        Column("surname", "Фамилия", "Surname", parsers.text(100), required=True),
        Column("first_name", "Имя", "First name", parsers.text(100), required=True),
        Column("patronymic", "Отчество", "Patronymic", parsers.text(100)),
        Column("sex", "Пол", "Sex", parsers.choice(Sex.choices, SEXES)),
        Column("birth_date", "Дата рождения", "Birth date", parsers.date(), required=True),
        Column("class_name", "Класс", "Class", parsers.text(16), required=True),
        Column("grade", "Параллель", "Grade", parsers.integer(0, 12)),
        Column("school_year", "Учебный год", "School year", parsers.school_year()),
        Column("enrolled_on", "Дата зачисления", "Enrolled on", parsers.date(), required=True),
        Column("left_on", "Дата выбытия", "Left on", parsers.date()),
        Column(
            "leaving_reason",
            "Причина выбытия",
            "Reason for leaving",
            parsers.choice(Enrolment.EndReason.choices, LEAVING_REASONS),
        ),
    )

    def check_values(self, values):
        problems = []
        if values["grade"] is None:
            values["grade"] = _grade_of(values["class_name"])
            if values["grade"] is None:
                problems.append(
                    (
                        "grade",
                        _("give the grade: the class “%(name)s” does not start with it")
                        % {"name": values["class_name"]},
                    )
                )
        if values["school_year"] is None:
            values["school_year"] = feeds.school_year_now()
        born = values["birth_date"]
        try:
            validate_partial_date(born.year, born.month, born.day)  # the register's own rule for birth dates
        except ValidationError as exc:
            problems.append(("birth_date", " ".join(exc.messages)))
        else:
            if born >= values["enrolled_on"]:
                problems.append(("birth_date", _("the birth date must be before the enrolment date")))
        if values["left_on"] is not None and values["left_on"] < values["enrolled_on"]:
            problems.append(("left_on", _("the pupil cannot leave before being enrolled")))
        if values["leaving_reason"] and values["left_on"] is None:
            problems.append(("left_on", _("a reason for leaving needs the date the pupil left")))
        return problems

    def write_rows(self, rows):
        counts = Counter()
        by_school: dict[int, list] = {}
        for number, v in rows:
            by_school.setdefault(v["school_id"], []).append(
                feeds.RollRow(
                    row=number,
                    local_id=v["pupil"],
                    surname=v["surname"],
                    first_name=v["first_name"],
                    patronymic=v["patronymic"] or "",
                    sex=v["sex"] or Sex.UNKNOWN,
                    birth_date=v["birth_date"],
                    year=v["school_year"],
                    class_name=v["class_name"],
                    grade=v["grade"],
                    enrolled_on=v["enrolled_on"],
                    left_on=v["left_on"],
                    end_reason=v["leaving_reason"] or "",
                )
            )
        for school_id, school_rows in by_school.items():
            counts.update(feeds.roll_write(school=self._by_id[school_id], rows=school_rows, actor=self.actor))
        return counts


@register
class AttendanceImport(SchoolFeed):
    name = "attendance"
    label = gettext_lazy("daily attendance register")
    key = ("school", "pupil", "date")
    batch_size = 5000
    columns = (
        SCHOOL,
        PUPIL,
        Column("date", "Дата", "Date", parsers.date(), required=True),
        Column("status", "Отметка", "Attendance", parsers.choice(Attendance.choices, ATTENDANCE_MARKS), required=True),
    )

    def check_pupil(self, values, periods):
        if not feeds.enrolled_on(periods, values["date"]):
            return [
                (
                    "date",
                    _("pupil number “%(number)s” was not enrolled at the school on %(date)s")
                    % {"number": values["pupil"], "date": values["date"].strftime("%d.%m.%Y")},
                )
            ]
        return []

    def write_rows(self, rows):
        return feeds.attendance_write([(v["pupil_id"], v["date"], v["status"]) for _n, v in rows])


@register
class AttendanceTotalsImport(SchoolFeed):
    name = "attendance_totals"
    label = gettext_lazy("attendance totals by period")
    key = ("school", "pupil", "from", "until")
    batch_size = 2000
    columns = (
        SCHOOL,
        PUPIL,
        Column("from", "Период с", "From", parsers.date(), required=True),
        Column("until", "Период по", "Until", parsers.date(), required=True),
        Column("days_enrolled", "Учебных дней", "School days enrolled", parsers.integer(0, 366), required=True),
        Column("days_absent", "Дней пропущено", "Days absent", parsers.integer(0, 366), required=True),
    )

    def check_values(self, values):
        problems = []
        if values["until"] < values["from"]:
            problems.append(("until", _("the period ends before it starts")))
        if values["days_absent"] > values["days_enrolled"]:
            problems.append(("days_absent", _("more days absent than school days enrolled")))
        return problems

    def write_rows(self, rows):
        return feeds.attendance_totals_write(
            [(v["pupil_id"], v["from"], v["until"], v["days_enrolled"], v["days_absent"]) for _n, v in rows]
        )


@register
class DisciplineImport(SchoolFeed):
    name = "discipline"
    label = gettext_lazy("disciplinary referrals and suspensions")
    key = ("school", "pupil", "kind", "date")
    batch_size = 2000
    columns = (
        SCHOOL,
        PUPIL,
        Column("kind", "Вид", "Kind", parsers.choice(Discipline.Kind.choices, DISCIPLINE_KINDS), required=True),
        Column("date", "Дата", "Date", parsers.date(), required=True),
        Column("days", "Дней", "Days", parsers.integer(0, 365)),
        Column("reason", "Причина", "Reason", parsers.text(200)),
    )

    def check_values(self, values):
        days = values["days"] or 0
        if values["kind"] == Discipline.Kind.SUSPENSION and days < 1:
            return [("days", _("a suspension needs its number of days"))]
        if values["kind"] == Discipline.Kind.REFERRAL and days:
            return [("days", _("a referral has no days of suspension; leave the cell empty"))]
        return []

    def write_rows(self, rows):
        return feeds.discipline_write(
            [(v["pupil_id"], v["kind"], v["date"], v["days"] or 0, v["reason"] or "") for _n, v in rows]
        )


@register
class MarksImport(SchoolFeed):
    name = "marks"
    label = gettext_lazy("quarter marks in core subjects")
    key = ("school", "pupil", "school_year", "quarter", "subject")
    batch_size = 2000
    columns = (
        SCHOOL,
        PUPIL,
        Column("school_year", "Учебный год", "School year", parsers.school_year(), required=True),
        Column("quarter", "Четверть", "Quarter", parsers.integer(1, 4), required=True),
        Column("subject", "Предмет", "Subject", parsers.choice(Subject.choices, SUBJECTS), required=True),
        Column("mark", "Оценка", "Mark", parsers.integer(1, 5), required=True),
    )

    def write_rows(self, rows):
        return feeds.marks_write(
            [(v["pupil_id"], v["school_year"], v["quarter"], v["subject"], v["mark"]) for _n, v in rows]
        )
