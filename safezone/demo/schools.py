"""The demo's four pilot schools: classes, pupils, enrolment, a year of registers (daily in two
schools, monthly totals in the other two), behaviour and quarter marks; then the early-warning
engine's flags and the social pedagogues' work on them (support plans, keep watching).

`SchoolGenerator` makes plain records, deterministic for (seed, today, scale), without touching
the database; `demo_schools` writes them in bulk and runs the engine over every quarter of the data.

Who gets flagged is decided by each pupil's profile: most pupils are regular (under 4.5 % absence
in every quarter, no failed subject, at most one disciplinary referral a year); a few per cent are
at risk or high on absence, some only on behaviour or marks, and a few start missing school in the
current quarter. The shares below give about 120 pupils flagged in the current school year of the
full-scale demo (about 1,600 pupils).
"""

import bisect
import datetime as dt
import math
import random
from collections import Counter, defaultdict
from dataclasses import dataclass, field

from django.db import connection, transaction
from django.utils import timezone

from safezone.accounts.models import Role, User
from safezone.cases.models import Participant
from safezone.cases.selectors import recent_cases_of_worker
from safezone.common.bulk import insert_values
from safezone.directory.selectors import agency_ids_by_code, territories_by_code
from safezone.people.models import Identifier, Person
from safezone.people.services import PersonBatch, persons_bulk_create
from safezone.people.validators import snils_checksum
from safezone.schools.calendar import quarter_bounds, quarter_of, school_year_of
from safezone.schools.models import (
    AttendanceDay,
    AttendanceTotal,
    CourseMark,
    Discipline,
    Enrolment,
    PlanReview,
    Pupil,
    SchoolClass,
    Subject,
    SupportMeasure,
    SupportPlan,
    Tier,
    WarningFlag,
)

from . import region
from .names import FEMALE_FIRST, MALE_FIRST, patronymic, surname_pair

DAILY, TOTALS = "daily", "totals"
# (agency code, district code, pupils per grade in grades 1–9, how the school sends its register)
SCHOOLS = [
    ("school-vologda-5", "vologda", 48, DAILY),
    ("school-vologda-21", "vologda", 43, DAILY),
    ("school-cherepovets-12", "cherepovets", 40, TOTALS),
    ("school-sokol-1", "sokolsky", 16, TOTALS),
]
# Grades 10–11 are smaller: many pupils leave after the 9th grade for a college.
SENIOR_SHARE = 0.55
CLASS_SIZE = 28
LETTERS = "АБВГ"

# Profiles of pupils on the roll in the current school year, as shares of those there from its start.
REGULAR, AT_RISK, HIGH, RISING, BEHAVIOUR, COURSES, DROPOUT = (
    "regular", "at_risk", "high", "rising", "behaviour", "courses", "dropout",
)  # fmt: skip
PROFILE_SHARES = {HIGH: 0.019, AT_RISK: 0.028, RISING: 0.007, BEHAVIOUR: 0.010, COURSES: 0.015}
# Pupils who dropped out in the current and in the previous school year, per school (about 15 in all).
DROPOUTS = {"school-vologda-5": (2, 2), "school-vologda-21": (2, 2), "school-cherepovets-12": (2, 2),
            "school-sokol-1": (1, 2)}  # fmt: skip
SHARE_LATE = 0.025  # joined during the year of data
SHARE_MOVED = 0.012  # moved to another school during a year of data
RETURNERS = 1  # per school: left in spring, came back in September
REGULAR_MAX_PCT = 4.49
REGULAR_USUAL_PCT = 3.4

CORE = [Subject.RUSSIAN, Subject.LITERATURE, Subject.MATHEMATICS, Subject.FOREIGN_LANGUAGE, Subject.SCIENCE]
_HOLIDAYS = {(2, 23), (3, 8), (5, 1), (5, 9), (11, 4)}
_REFERRAL_REASONS = [
    "Срыв урока, грубость учителю",
    "Драка на перемене",
    "Курение на территории школы",
    "Порча школьного имущества",
    "Систематическое невыполнение требований учителя",
    "Оскорбления одноклассников в чате класса",
]
# Chance that a pupil of a profile fails one or two core subjects in a quarter of this or last school year.
_FAIL_THIS_YEAR = {COURSES: 1.0, HIGH: 0.3, DROPOUT: 0.6, AT_RISK: 0.3, RISING: 0.3, REGULAR: 0.0}
_FAIL_LAST_YEAR = {COURSES: 0.5, HIGH: 0.4, DROPOUT: 0.6, AT_RISK: 0.2, RISING: 0.0, REGULAR: 0.006}
_SUSPENSION_REASONS = ["Повторная драка", "Угрозы однокласснику", "Появление в школе в состоянии опьянения"]
_CERT_LETTERS = ["ОД", "ВО", "АН", "ЕК", "МЮ", "ОБ", "ЛО", "СП"]
_ROMAN = ["I", "II", "III", "IV", "V", "VI", "VII", "VIII", "IX", "X"]


# --- the school calendar ---------------------------------------------------------------------------
def is_school_day(day: dt.date) -> bool:
    """A weekday of a term: no summer (June–August), New Year (30 December – 8 January), autumn
    (26 October – 3 November) or spring (23–31 March) holidays, no public holiday."""
    md = (day.month, day.day)
    return not (
        day.weekday() >= 5
        or day.month in (6, 7, 8)
        or md >= (12, 30)
        or md <= (1, 8)
        or (10, 26) <= md <= (11, 3)
        or (3, 23) <= md <= (3, 31)
        or md in _HOLIDAYS
    )


def data_window(today: dt.date) -> tuple[dt.date, dt.date]:
    """The registers' span: from the start of the quarter a year before `today` up to `today`
    (so the year of data holds whole quarters)."""
    year, quarter = quarter_of(today - dt.timedelta(days=365))
    return quarter_bounds(year, quarter)[0], today


# --- records -----------------------------------------------------------------------------------------
@dataclass
class PupilRec:
    """One pupil as the demo makes them; `person_id` is set for a child already in the register."""

    key: int
    school: str
    local_id: str
    grade: int  # in the school year of `class_year`
    letter: str
    class_year: int
    surname: str
    first_name: str
    patronymic: str
    sex: str
    birth: tuple[int, int, int]
    enrolments: list[tuple[dt.date, dt.date | None, str]]
    profile: str = REGULAR
    person_id: int | None = None
    identifiers: list[tuple[str, str]] = field(default_factory=list)
    # Days not plainly present: day -> "l", "e" or "u"; every other enrolled school day is present.
    marks_of_day: dict[dt.date, str] = field(default_factory=dict)
    discipline: list[tuple[str, dt.date, int, str]] = field(default_factory=list)
    course_marks: list[tuple[int, int, str, int]] = field(default_factory=list)
    # The school days of the data on which the pupil was on the roll.
    school_days: list[dt.date] = field(default_factory=list, repr=False)

    @property
    def class_name(self) -> str:
        return f"{self.grade}{self.letter}"

    def enrolled_on(self, day: dt.date) -> bool:
        return any(s <= day and (e is None or day <= e) for s, e, _r in self.enrolments)

    @property
    def left(self) -> tuple[dt.date, str] | None:
        start, end, reason = self.enrolments[-1]
        return (end, reason) if end else None


@dataclass
class KnownChild:
    """A child of the register (in one of the school's cases) who is on the school's roll."""

    person_id: int
    sex: str
    birth: tuple[int, int, int]  # a month or day the register does not know is taken as mid-year
    case_id: int | None = None


class SchoolGenerator:
    """The pilot schools' pupils and registers: deterministic for (seed, today, scale, known)."""

    def __init__(self, *, seed: int, today: dt.date, scale: float = 1.0, known: dict | None = None):
        self.seed, self.today, self.scale = seed, today, scale
        self.known = known or {}
        self.current = school_year_of(today)
        self.start, self.end = data_window(today)
        self.days = [
            self.start + dt.timedelta(days=i)
            for i in range((self.end - self.start).days + 1)
            if is_school_day(self.start + dt.timedelta(days=i))
        ]
        self.quarter_of_day = {d: quarter_of(d) for d in self.days}
        self.quarters = sorted(set(self.quarter_of_day.values()))
        self.current_quarter = quarter_of(today)
        self.next_key = 1
        self.counters: Counter = Counter()  # pupil numbers given per school

    # --- the roll --------------------------------------------------------------------------------
    def _birth(self, rng: random.Random, grade: int, year: int) -> tuple[int, int, int]:
        """Born so as to be 7 on the 1 September of grade 1 (a few a year older)."""
        first = dt.date(year - grade - 6, 9, 1) - dt.timedelta(days=365 if rng.random() < 0.04 else 0)
        born = first + dt.timedelta(days=rng.randrange(365))
        return born.year, born.month, born.day

    def _identifiers(self, rng: random.Random, birth: tuple[int, int, int]) -> list[tuple[str, str]]:
        found = []
        age = self.today.year - birth[0]
        if rng.random() < 0.7:
            first = f"{rng.randrange(1_002_000, 999_999_999):09d}"
            found.append(("snils", f"{first}{snils_checksum(first):02d}"))
        if age < 14 and rng.random() < 0.5:
            found.append(
                (
                    "birth_certificate",
                    f"{rng.choice(_ROMAN)}-{rng.choice(_CERT_LETTERS)} {rng.randrange(1, 999_999):06d}",
                )
            )
        if age >= 14 and rng.random() < 0.4:
            found.append(("passport", f"19{rng.randrange(18, 26):02d}{rng.randrange(1, 999_999):06d}"))
        return found

    def _pupil(self, rng, school: str, grade: int, letter: str, year: int, start: dt.date) -> PupilRec:
        sex = rng.choice("FM")
        male_form, female_form = surname_pair(rng)
        female = sex == "F"
        birth = self._birth(rng, grade, year)
        self.counters[school] += 1
        rec = PupilRec(
            key=self.next_key,
            school=school,
            local_id=f"{start.year}-{self.counters[school]:04d}",
            grade=grade,
            letter=letter,
            class_year=year,
            surname=female_form if female else male_form,
            first_name=(FEMALE_FIRST if female else MALE_FIRST).draw(rng),
            patronymic=patronymic(MALE_FIRST.draw(rng), female),
            sex=sex,
            birth=birth,
            enrolments=[(start, None, "")],
            identifiers=self._identifiers(rng, birth),
        )
        self.next_key += 1
        return rec

    def _school_days_between(self, first: dt.date, last: dt.date) -> list[dt.date]:
        return [d for d in self.days if first <= d <= last]

    def _roll(self, rng: random.Random, code: str, per_grade: int) -> list[PupilRec]:
        """The current roll by grade and class, then last year's leavers."""
        year = self.current
        pupils: list[PupilRec] = []
        known_by_grade = defaultdict(list)
        for child in self.known.get(code, []):
            grade = year - child.birth[0] - 6
            if 1 <= grade <= 11:
                known_by_grade[grade].append(child)
        this_year = self._school_days_between(dt.date(year, 9, 1), self.today)
        window_days = [d for d in self.days if d < dt.date(year, 9, 1)] or self.days
        for grade in range(1, 12):
            size = per_grade if grade <= 9 else per_grade * SENIOR_SHARE
            size = max(1, round(size * self.scale * rng.uniform(0.9, 1.1)))
            classes = max(1, math.ceil(size / CLASS_SIZE))
            for i in range(size):
                entry = dt.date(year - grade + 1, 9, 1)
                r = rng.random()
                if r < SHARE_LATE and grade > 1:
                    entry = rng.choice(window_days + this_year[:30])  # joined during the year of data
                elif r < 0.1 and grade > 1:
                    entry = dt.date(rng.randrange(year - grade + 2, year + 1), 9, rng.randrange(1, 20))
                rec = self._pupil(rng, code, grade, LETTERS[i % classes], year, entry)
                if known_by_grade[grade]:
                    child = known_by_grade[grade].pop()
                    rec.person_id, rec.sex, rec.birth = child.person_id, child.sex, child.birth
                pupils.append(rec)
        # A few moved away during this school year; one came back after moving away in the spring.
        movers = [p for p in pupils if p.enrolments[0][0] < dt.date(year, 9, 1)]
        rng.shuffle(movers)
        n_moved = round(len(pupils) * SHARE_MOVED / 2)
        for p in movers[:n_moved]:
            if this_year[:-5]:
                p.enrolments[0] = (p.enrolments[0][0], rng.choice(this_year[:-5]), Enrolment.EndReason.MOVED)
        spring = [d for d in window_days if d.month in (2, 3, 4)]
        for p in movers[n_moved : n_moved + RETURNERS]:
            left_on = [d for d in spring if d > p.enrolments[0][0]]
            if left_on:
                p.enrolments = [
                    (p.enrolments[0][0], rng.choice(left_on), Enrolment.EndReason.MOVED),
                    (dt.date(year, 9, 1), None, ""),
                ]
        # Last year's leavers: the 11th grade that finished school, pupils who moved away, dropouts.
        prev = year - 1
        size = max(1, round(per_grade * SENIOR_SHARE * self.scale))
        for _ in range(size):
            rec = self._pupil(rng, code, 11, "А", prev, dt.date(prev - 10, 9, 1))
            rec.enrolments = [(rec.enrolments[0][0], dt.date(year, 6, 30), Enrolment.EndReason.GRADUATED)]
            pupils.append(rec)
        leaving_days = [d for d in self.days if d < dt.date(year, 6, 1)]
        if leaving_days:
            for _ in range(round(len(pupils) * SHARE_MOVED / 2)):
                grade = rng.randrange(1, 11)
                rec = self._pupil(rng, code, grade, "А", prev, dt.date(prev - grade + 1, 9, 1))
                rec.enrolments = [(rec.enrolments[0][0], rng.choice(leaving_days), Enrolment.EndReason.MOVED)]
                pupils.append(rec)
        return pupils

    # --- profiles ----------------------------------------------------------------------------------
    def _profiles(self, rng: random.Random, code: str, pupils: list[PupilRec]) -> None:
        year = self.current
        q1_start = dt.date(year, 9, 1)
        eligible = [
            p
            for p in pupils
            if p.class_year == year
            and p.enrolments[-1][0] <= q1_start + dt.timedelta(days=9)
            and p.enrolments[-1][1] is None
        ]
        rng.shuffle(eligible)
        # Children the register knows (from a case) are the likelier ones to struggle.
        eligible.sort(key=lambda p: p.person_id is None)
        current_dropouts, previous_dropouts = DROPOUTS.get(code, (0, 0))
        late_days = [
            d for d in self.days if self.today - dt.timedelta(days=25) <= d < self.today - dt.timedelta(days=2)
        ]
        if self.scale < 1:
            current_dropouts = previous_dropouts = 1
        senior = [p for p in eligible if p.grade >= 9 and p.person_id is None]
        for p in senior[:current_dropouts]:
            if late_days and q1_start < late_days[0]:
                p.profile = DROPOUT
                p.enrolments[-1] = (p.enrolments[-1][0], rng.choice(late_days), Enrolment.EndReason.DROPPED_OUT)
        pool = [p for p in eligible if p.profile == REGULAR]
        position = 0
        for profile, share in PROFILE_SHARES.items():
            n = round(len(eligible) * share)
            for p in pool[position : position + n]:
                p.profile = profile
            position += n
        # Last year's dropouts: pupils of the 9th and 10th grade who stopped coming in the spring.
        spring = [d for d in self.days if dt.date(year, 2, 1) <= d < dt.date(year, 6, 1)]
        for _ in range(previous_dropouts if spring else 0):
            grade = rng.choice([9, 9, 10])
            rec = self._pupil(rng, code, grade, "А", year - 1, dt.date(year - grade, 9, 1))
            rec.enrolments = [(rec.enrolments[0][0], rng.choice(spring), Enrolment.EndReason.DROPPED_OUT)]
            rec.profile = DROPOUT
            pupils.append(rec)

    def _tier(self, rng: random.Random, p: PupilRec, year: int, quarter: int) -> str:
        """The absence tier a pupil's profile gives in a quarter."""
        current = year == self.current
        now = (year, quarter) == self.current_quarter and quarter > 1
        if p.profile == DROPOUT:
            return Tier.HIGH if current or rng.random() < 0.6 else Tier.AT_RISK
        if p.profile == HIGH:
            if current:
                return Tier.AT_RISK if now and rng.random() < 0.2 else Tier.HIGH
            return rng.choices([Tier.HIGH, Tier.AT_RISK, Tier.LOW], weights=[6, 3, 1])[0]
        if p.profile == AT_RISK:
            if current:
                return Tier.LOW if now and rng.random() < 0.3 else Tier.AT_RISK
            return Tier.AT_RISK if rng.random() < 0.5 else Tier.LOW
        if p.profile == RISING:
            if current:
                if (year, quarter) == self.current_quarter:
                    return Tier.HIGH if rng.random() < 0.3 else Tier.AT_RISK
                return Tier.LOW
        if not current and rng.random() < 0.012:
            return Tier.AT_RISK  # a long illness last year
        return Tier.LOW

    @staticmethod
    def _absent_count(rng: random.Random, tier: str, n: int, profile: str) -> int:
        if tier == Tier.LOW:
            # Mostly under the trend alert's margin; now and then just under "at risk".
            top = math.floor((REGULAR_MAX_PCT if rng.random() < 0.06 else REGULAR_USUAL_PCT) * n / 100)
            return min(top, int(rng.random() ** 0.7 * (top + 1)))
        if tier == Tier.AT_RISK:
            for _ in range(20):
                k = math.ceil(rng.uniform(5.2, 9.3) * n / 100)
                if 5 <= round(100 * k / n, 1) < 10:
                    return k
            return math.ceil(0.05 * n)
        low, high = (30, 60) if profile == DROPOUT else (11, 28)
        return min(n, max(math.ceil(0.1 * n), math.ceil(rng.uniform(low, high) * n / 100)))

    def _attendance(self, rng: random.Random, p: PupilRec) -> None:
        p.school_days = [
            day
            for start, end, _reason in p.enrolments
            for day in self.days[bisect.bisect_left(self.days, start) : bisect.bisect_right(self.days, end or self.end)]
        ]
        by_quarter = defaultdict(list)
        for day in p.school_days:
            by_quarter[self.quarter_of_day[day]].append(day)
        risky = p.profile in (HIGH, AT_RISK, DROPOUT, RISING)
        for (year, quarter), days in sorted(by_quarter.items()):
            tier = self._tier(rng, p, year, quarter)
            k = self._absent_count(rng, tier, len(days), p.profile)
            absent: set[int] = set()
            while len(absent) < k:
                # Absences come in spells: a cold, a week away.
                first = rng.randrange(len(days))
                for i in range(first, min(len(days), first + rng.choice([1, 1, 2, 3, 3, 4, 5]))):
                    if len(absent) < k:
                        absent.add(i)
            unexcused = 0.6 if risky else 0.1
            for i in sorted(absent):
                p.marks_of_day[days[i]] = "u" if rng.random() < unexcused else "e"
            for i, day in enumerate(days):
                if i not in absent and rng.random() < (0.05 if risky else 0.012):
                    p.marks_of_day[day] = "l"

    def _discipline(self, rng: random.Random, p: PupilRec) -> None:
        for year in sorted({y for y, _q in self.quarters}):
            days = [d for d in p.school_days if self.quarter_of_day[d][0] == year]
            if not days:
                continue
            current = year == self.current
            referrals = suspensions = 0
            if p.profile == BEHAVIOUR:
                if current or rng.random() < 0.6:
                    referrals = rng.choice([2, 2, 3, 3, 4, 5]) if rng.random() < 0.85 else rng.choice([6, 7])
                    suspensions = rng.choices([0, 1, 2], weights=[65, 30, 5])[0]
            elif p.profile in (HIGH, AT_RISK, DROPOUT, RISING):
                if rng.random() < 0.25:
                    referrals = rng.choice([2, 3, 4])
                elif rng.random() < 0.15:
                    referrals = 1
            elif current:
                referrals = 1 if rng.random() < 0.05 else 0
            else:
                r = rng.random()
                referrals = 1 if r < 0.08 else (rng.choice([2, 3]) if r < 0.09 else 0)
            for day in rng.sample(days, min(len(days), referrals)):
                p.discipline.append((Discipline.Kind.REFERRAL, day, 0, rng.choice(_REFERRAL_REASONS)))
            for day in rng.sample(days, min(len(days), suspensions)):
                p.discipline.append(
                    (Discipline.Kind.SUSPENSION, day, rng.choice([1, 2, 3]), rng.choice(_SUSPENSION_REASONS))
                )

    def _marks(self, rng: random.Random, p: PupilRec) -> None:
        ability = rng.choices([3, 4, 5], weights=[30, 50, 20])[0]
        for year, quarter in self.quarters:
            first, last = quarter_bounds(year, quarter)
            grade = p.grade - (p.class_year - year)
            if last >= self.today or grade < 2 or not p.enrolled_on(last) or first < self.start:
                continue
            current = year == self.current
            chances = _FAIL_THIS_YEAR if current else _FAIL_LAST_YEAR
            chance = chances.get(p.profile, chances[REGULAR])
            failed = set()
            if rng.random() < chance:
                failed = set(rng.sample(CORE, rng.choices([1, 2], weights=[70, 30])[0]))
            for subject in CORE:
                mark = 2 if subject in failed else max(3, min(5, ability + rng.choice([-1, 0, 0, 0, 0, 1])))
                p.course_marks.append((year, quarter, subject, mark))

    # --- all of it ---------------------------------------------------------------------------------
    def pupils(self) -> list[PupilRec]:
        """Every pupil of the four schools with their registers."""
        found = []
        for code, _district, per_grade, _register in SCHOOLS:
            rng = random.Random(f"schools-{self.seed}-{code}")
            pupils = self._roll(rng, code, per_grade)
            self._profiles(rng, code, pupils)
            for p in pupils:
                self._attendance(rng, p)
                self._discipline(rng, p)
                self._marks(rng, p)
            found += pupils
        return found


def monthly_totals(p: PupilRec) -> list[tuple[dt.date, dt.date, int, int]]:
    """A pupil's register as monthly totals: (first day, last day, school days enrolled, days absent),
    each spanning the pupil's school days of that month."""
    months: dict[tuple[int, int], list[dt.date]] = defaultdict(list)
    for day in p.school_days:
        months[(day.year, day.month)].append(day)
    return [
        (d[0], d[-1], len(d), sum(1 for x in d if p.marks_of_day.get(x) in ("e", "u")))
        for _m, d in sorted(months.items())
    ]


# --- writing -------------------------------------------------------------------------------------------
def pedagogue_of(school_code: str) -> str:
    """The username of the demo's social pedagogue of a school."""
    return next(u for u, role, agency, _s in region.STAFF if agency == school_code and role == Role.SCHOOL_PEDAGOGUE)


def _known_children(users: dict[str, User], today: dt.date, scale: float) -> dict[str, list[KnownChild]]:
    """Children of the school's own cases (opened by its social pedagogue) who are of school age:
    they are on the roll as the person the register already has."""
    known: dict[str, list[KnownChild]] = {}
    per_school = max(1, round(6 * scale))
    year = school_year_of(today)
    for code, *_rest in SCHOOLS:
        user = users.get(pedagogue_of(code))
        if user is None:
            continue
        seen = set()
        for case in recent_cases_of_worker(user.pk, limit=40):
            for part in case.participants.all():
                if part.role != Participant.Role.CHILD or part.person_id in seen:
                    continue
                person = part.person
                if person.birth_year and 1 <= year - person.birth_year - 6 <= 11 and person.merged_into_id is None:
                    seen.add(person.pk)
                    birth = (person.birth_year, person.birth_month or 7, person.birth_day or 1)
                    known.setdefault(code, []).append(KnownChild(person.pk, person.sex, birth, case.pk))
        known[code] = known.get(code, [])[:per_school]
    return known


def _at(day: dt.date, hour: int = 12) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour)))


@dataclass
class SchoolsResult:
    """What the demo schools hold after seeding."""

    pupils: list[PupilRec]
    pupil_ids: dict[int, int]  # PupilRec.key -> Pupil.pk
    person_ids: dict[int, int]  # PupilRec.key -> Person.pk
    counts: Counter


def _write_registers(gen: SchoolGenerator, pupils: list[PupilRec], agencies, districts) -> SchoolsResult:
    counts: Counter = Counter()
    classes = {}
    for p in pupils:
        classes.setdefault((p.school, p.class_year, p.class_name), p.grade)
    rows = [
        SchoolClass(school_id=agencies[s], year=y, name=name, grade=grade) for (s, y, name), grade in classes.items()
    ]
    SchoolClass.objects.bulk_create(rows, batch_size=500)
    code_of = {pk: code for code, pk in agencies.items()}
    class_ids = {(code_of[c.school_id], c.year, c.name): c.pk for c in rows}
    batch = PersonBatch()
    new = [p for p in pupils if p.person_id is None]
    district_of = {code: district for code, district, *_r in SCHOOLS}
    for i, p in enumerate(new):
        batch.persons.append(
            Person(
                surname=p.surname,
                first_name=p.first_name,
                patronymic=p.patronymic,
                sex=p.sex,
                birth_year=p.birth[0],
                birth_month=p.birth[1],
                birth_day=p.birth[2],
                district_id=districts[district_of[p.school]],
                registered_by_id=agencies[p.school],
            )
        )
        batch.identifiers += [(i, Identifier(kind=k, value=v)) for k, v in p.identifiers]
    for p, person in zip(new, persons_bulk_create(batch=batch)):
        p.person_id = person.pk
    pupil_rows = [
        Pupil(
            school_id=agencies[p.school],
            person_id=p.person_id,
            local_id=p.local_id,
            school_class_id=class_ids[(p.school, p.class_year, p.class_name)],
        )
        for p in pupils
    ]
    Pupil.objects.bulk_create(pupil_rows, batch_size=1000)
    pupil_ids = {p.key: row.pk for p, row in zip(pupils, pupil_rows)}
    Enrolment.objects.bulk_create(
        [
            Enrolment(pupil_id=pupil_ids[p.key], started_on=s, ended_on=e, end_reason=r)
            for p in pupils
            for s, e, r in p.enrolments
        ],
        batch_size=2000,
    )
    # The registers are the bulk of the demo (160,000 school days): plain rows, written the fast way.
    day_value = connection.ops.adapt_datefield_value
    registers = {code: register for code, _d, _n, register in SCHOOLS}
    days, totals = [], []
    for p in pupils:
        pk = pupil_ids[p.key]
        if registers[p.school] == DAILY:
            days += [(pk, day_value(d), p.marks_of_day.get(d, "p")) for d in p.school_days]
            if len(days) >= 50000:
                insert_values(AttendanceDay, ["pupil_id", "day", "status"], days)
                counts["attendance_days"] += len(days)
                days = []
        else:
            totals += [(pk, day_value(a), day_value(b), n, k) for a, b, n, k in monthly_totals(p)]
    insert_values(AttendanceDay, ["pupil_id", "day", "status"], days)
    insert_values(AttendanceTotal, ["pupil_id", "starts_on", "ends_on", "days_enrolled", "days_absent"], totals)
    counts["attendance_days"] += len(days)
    counts["attendance_totals"] += len(totals)
    discipline = [
        Discipline(pupil_id=pupil_ids[p.key], kind=kind, occurred_on=day, days=n, reason=reason)
        for p in pupils
        for kind, day, n, reason in p.discipline
    ]
    Discipline.objects.bulk_create(discipline, batch_size=2000)
    marks = [(pupil_ids[p.key], y, q, s, m) for p in pupils for y, q, s, m in p.course_marks]
    insert_values(CourseMark, ["pupil_id", "year", "quarter", "subject", "mark"], marks)
    counts.update(
        classes=len(rows), pupils=len(pupils), new_persons=len(new), discipline=len(discipline), marks=len(marks)
    )
    return SchoolsResult(pupils, pupil_ids, {p.key: p.person_id for p in pupils}, counts)


def _update_grouped(flags: list[WarningFlag], fields: list[str]) -> None:
    """Save these fields of the flags, one UPDATE per distinct set of values (far fewer statements
    than flags, and no per-row CASE as bulk_update builds)."""
    groups = defaultdict(list)
    for flag in flags:
        groups[tuple(getattr(flag, f) for f in fields)].append(flag.pk)
    for values, ids in groups.items():
        WarningFlag.objects.filter(pk__in=ids).update(**dict(zip(fields, values)))


def _run_engine(gen: SchoolGenerator, school_ids: list[int]) -> Counter:
    """The early-warning engine over every quarter of the data, oldest first, as it would have run."""
    from safezone.schools.services import warnings_compute

    counts: Counter = Counter()
    for year, quarter in gen.quarters:
        counts += warnings_compute(year=year, quarter=quarter, school_ids=school_ids, today=gen.today)
    # Each flag was raised when its quarter's registers showed it: a few days after a finished
    # quarter, in the last days for the quarter running now.
    rng = random.Random(f"flags-{gen.seed}")
    flags = list(WarningFlag.objects.filter(pupil__school_id__in=school_ids).order_by("pk"))
    for flag in flags:
        first, last = quarter_bounds(flag.year, flag.quarter)
        if last < gen.today:
            day = min(gen.today, last + dt.timedelta(days=rng.randrange(1, 6)))
        else:
            day = max(first, gen.today - dt.timedelta(days=rng.randrange(0, 8)))
        flag.raised_at = _at(day, rng.randrange(7, 10))
    _update_grouped(flags, ["raised_at"])
    return counts


_PLAN_REASONS = {
    "attendance": "Пропуски {pct}% учебных дней в четверти, в основном без уважительной причины; со слов классного "
    "руководителя, дома напряжённая обстановка.",
    "behaviour": "Повторные дисциплинарные нарушения, конфликты с одноклассниками; родители на связь выходят редко.",
    "courses": "Неудовлетворительные оценки по основным предметам; ребёнок говорит, что не успевает и «бросил».",
    "trend": "Пропуски растут от четверти к четверти; нужно понять причину, пока не стало хуже.",
}
_MEASURES = [
    ("social", "Посещение семьи на дому, беседа с родителями о пропусках", None),
    ("psychological", "Консультации педагога-психолога (4 встречи)", "педагог-психолог Смирнова Е. А."),
    ("pedagogical", "Дополнительные занятия по математике после уроков", "учитель математики Козлова И. В."),
    ("pedagogical", "Индивидуальный график сдачи пропущенных тем", "классный руководитель"),
    ("social", "Запись в кружок или секцию по интересам (дополнительное образование)", None),
    ("social", "Совет профилактики с участием родителей", None),
]
_REVIEW_NOTES = [
    "Пропусков стало меньше, с психологом встречается. Продолжаем.",
    "Мать пришла на совет профилактики, договорились о контроле утром. Пропуски ещё есть.",
    "Исправил двойку по математике, ходит на дополнительные занятия.",
    "Без изменений: на связь семья не выходит. Обсудить передачу в КДНиЗП.",
]
_WATCH_NOTES = [
    "Болел, есть справки. Понаблюдаем до конца четверти.",
    "Поговорила с классным руководителем: семья переезжает, пропуски из-за этого. Наблюдаем.",
    "Разовая ситуация, родители в курсе. Наблюдаем.",
]
_DISMISS_NOTES = ["Пропуски по справке из больницы, плановая операция.", "Спортивные сборы, есть приказ."]
_OUTCOME_NOTES = {
    SupportPlan.Outcome.RETURNED: "Посещает регулярно весь последний месяц.",
    SupportPlan.Outcome.IMPROVED: "Оценки выправились, замечаний нет.",
    SupportPlan.Outcome.DROPPED_OUT: "Перестал посещать школу, передано в КДНиЗП и управление образования.",
    SupportPlan.Outcome.MOVED: "Семья переехала, документы переданы в новую школу.",
}


# How the pedagogue decided on a pupil's flags of a school year: (this year, last year), for pupils
# flagged at risk or high, and for pupils with only a trend alert. None: still to look at.
_DECISIONS = {
    (True, True): {WarningFlag.Status.SUPPORTED: 30, WarningFlag.Status.WATCHING: 22,
                   WarningFlag.Status.DISMISSED: 5, None: 37},
    (False, True): {WarningFlag.Status.SUPPORTED: 50, WarningFlag.Status.WATCHING: 35,
                    WarningFlag.Status.DISMISSED: 10, None: 5},
    (True, False): {WarningFlag.Status.WATCHING: 30, WarningFlag.Status.DISMISSED: 10, None: 60},
    (False, False): {WarningFlag.Status.WATCHING: 60, WarningFlag.Status.DISMISSED: 35, None: 5},
}  # fmt: skip


def _left_in(rec: PupilRec, year: int) -> tuple[dt.date, str] | None:
    """When and why the pupil left during the school year `year` (None if they did not)."""
    left = rec.left
    return left if left and school_year_of(left[0]) == year else None


def _reviews(rng, plan: SupportPlan, since: dt.date, until: dt.date, pedagogue) -> list[PlanReview]:
    """Reviews about monthly from `since` to `until`; sets the plan's next review."""
    reviews = []
    review_on = since + dt.timedelta(days=rng.randrange(26, 34))
    while review_on <= until:
        reviews.append(PlanReview(reviewed_on=review_on, reviewed_by=pedagogue, note=rng.choice(_REVIEW_NOTES)))
        review_on += dt.timedelta(days=rng.randrange(26, 34))
    if plan.status == SupportPlan.Status.ACTIVE and reviews and rng.random() < 0.25:
        reviews.pop()  # the review is due, or overdue, and not written yet
    plan.next_review_on = (reviews[-1].reviewed_on if reviews else since) + dt.timedelta(days=30)
    return reviews


def _close(rng, plan: SupportPlan, left: tuple[dt.date, str] | None, on: dt.date) -> None:
    plan.status, plan.closed_on = SupportPlan.Status.CLOSED, max(plan.opened_on, on)
    if left and left[1] == Enrolment.EndReason.DROPPED_OUT:
        plan.outcome = SupportPlan.Outcome.DROPPED_OUT
        plan.commission_referred_on = plan.commission_referred_on or min(
            plan.closed_on, plan.opened_on + dt.timedelta(days=20)
        )
    elif left and left[1] == Enrolment.EndReason.MOVED:
        plan.outcome = SupportPlan.Outcome.MOVED
    else:
        plan.outcome = rng.choice([SupportPlan.Outcome.RETURNED] * 3 + [SupportPlan.Outcome.IMPROVED] * 2)


def _plan_for(rng, gen: SchoolGenerator, rec: PupilRec, flag: WarningFlag, handled: dt.date, pedagogue, case_id):
    """A support plan opened on `handled` for the flag, with its measures and the reviews held since.
    A plan of last school year is closed with an outcome, or goes on into this one for a pupil still
    struggling; a plan of a pupil who left is closed on the day they left."""
    today = gen.today
    plan = SupportPlan(
        pupil_id=flag.pupil_id,
        flag=flag,
        reason=_PLAN_REASONS[flag.indicator].format(pct=(flag.measure or {}).get("absence_pct", "")),
        opened_on=handled,
        opened_by=pedagogue,
        next_review_on=handled + dt.timedelta(days=30),
        case_id=case_id,
    )
    left = _left_in(rec, flag.year)
    goes_on = rec.profile == DROPOUT or (rec.profile in (HIGH, AT_RISK) and rng.random() < 0.4)
    if left:
        _close(rng, plan, left, min(today, left[0]))
    elif flag.year != gen.current and not goes_on:
        _close(rng, plan, None, min(today, max(handled + dt.timedelta(days=30), dt.date(flag.year + 1, 5, 31))))
    elif rng.random() < 0.12:
        plan.commission_referred_on = min(today, handled + dt.timedelta(days=rng.randrange(10, 30)))
    reviews = _reviews(rng, plan, handled, plan.closed_on or today, pedagogue)
    if plan.closed_on:
        reviews = [r for r in reviews if r.reviewed_on < plan.closed_on]
        reviews.append(PlanReview(reviewed_on=plan.closed_on, reviewed_by=pedagogue, note=_OUTCOME_NOTES[plan.outcome]))
    last_day = plan.closed_on or today
    measures = []
    for i, (kind, what, who) in enumerate(rng.sample(_MEASURES, rng.choice([2, 3, 3]))):
        due = handled + dt.timedelta(days=14 * (i + 1))
        done = due - dt.timedelta(days=rng.randrange(0, 5)) if due < last_day and rng.random() < 0.8 else None
        measures.append(
            SupportMeasure(
                kind=kind,
                description=what,
                responsible=None if who else pedagogue,
                responsible_name=who or "",
                due_on=due,
                done_on=max(done, handled) if done else None,
            )
        )
    return plan, measures, reviews


def _handle_flags(gen: SchoolGenerator, result: SchoolsResult, users: dict[str, User], school_ids, known) -> Counter:
    """The social pedagogues' work: support plans (with measures and reviews) for about a third of
    the pupils flagged this school year, some kept watching, a few dismissed, the rest still to look
    at; last year's flags handled, their plans closed with an outcome or still running."""
    rng = random.Random(f"support-{gen.seed}")
    rec_by_pupil = {result.pupil_ids[p.key]: p for p in result.pupils}
    case_of = {child.person_id: child.case_id for children in known.values() for child in children}
    pedagogues = {pk: users[pedagogue_of(code)] for code, pk in agency_ids_by_code().items() if pk in school_ids}
    flags = list(WarningFlag.objects.filter(pupil__school_id__in=school_ids).select_related("pupil").order_by("pk"))
    by_pupil: dict[tuple[int, int], list[WarningFlag]] = defaultdict(list)
    for flag in flags:
        by_pupil[(flag.year, flag.pupil_id)].append(flag)
    plans, counts = [], Counter()
    running: dict[int, tuple] = {}  # pupil -> a plan of last year still active
    for (year, pupil_id), pupil_flags in sorted(by_pupil.items()):
        pupil_flags.sort(key=lambda f: (f.quarter, f.raised_at, f.indicator))
        flagged = [f for f in pupil_flags if f.tier != Tier.LOW]
        rec = rec_by_pupil[pupil_id]
        weights = _DECISIONS[(year == gen.current, bool(flagged))]
        decision = rng.choices(list(weights), weights=list(weights.values()))[0]
        if flagged and (rec.profile == DROPOUT or pupil_id in running):
            decision = WarningFlag.Status.SUPPORTED
        if decision is None:
            continue  # still to look at: on the pedagogue's work list
        pedagogue = pedagogues[pupil_flags[0].pupil.school_id]
        first = (flagged or pupil_flags)[0]
        handled = min(gen.today, first.raised_at.date() + dt.timedelta(days=rng.randrange(1, 9)))
        note = {
            WarningFlag.Status.WATCHING: rng.choice(_WATCH_NOTES),
            WarningFlag.Status.DISMISSED: rng.choice(_DISMISS_NOTES),
            WarningFlag.Status.SUPPORTED: "План поддержки продолжается."
            if pupil_id in running
            else "Открыт план поддержки.",
        }[decision]
        for flag in pupil_flags:
            # A plan covers the pupil's later flags of the year; a decision to watch does not.
            if flag.raised_at.date() <= handled or decision == WarningFlag.Status.SUPPORTED:
                flag.status, flag.handled_by, flag.note = decision, pedagogue, note
                flag.handled_at = max(flag.raised_at, _at(handled, 15))
        counts[f"pupils_{decision}"] += 1
        if decision != WarningFlag.Status.SUPPORTED:
            continue
        if pupil_id in running:
            continue  # last year's plan goes on
        plan_rows = _plan_for(rng, gen, rec, first, handled, pedagogue, case_of.get(rec.person_id))
        plans.append(plan_rows)
        if plan_rows[0].status == SupportPlan.Status.ACTIVE and year != gen.current:
            running[pupil_id] = plan_rows
        counts["plans_this_year" if year == gen.current else "plans_last_year"] += 1
    for pupil_id, (plan, _measures, reviews) in running.items():
        # A plan of last year still running ends when the pupil leaves.
        left = _left_in(rec_by_pupil[pupil_id], gen.current)
        if left:
            _close(rng, plan, left, min(gen.today, left[0]))
            reviews[:] = [r for r in reviews if r.reviewed_on < plan.closed_on]
            reviews.append(
                PlanReview(reviewed_on=plan.closed_on, reviewed_by=plan.opened_by, note=_OUTCOME_NOTES[plan.outcome])
            )
    with transaction.atomic():
        _update_grouped(
            [f for f in flags if f.status != WarningFlag.Status.OPEN], ["status", "handled_by_id", "handled_at", "note"]
        )
        SupportPlan.objects.bulk_create([plan for plan, _m, _r in plans], batch_size=500)
        for plan, measures, reviews in plans:
            for row in measures + reviews:
                row.plan = plan
        SupportMeasure.objects.bulk_create([m for _p, ms, _r in plans for m in ms], batch_size=1000)
        PlanReview.objects.bulk_create([r for _p, _m, rs in plans for r in rs], batch_size=1000)
    counts.update(
        plans=len(plans), measures=sum(len(m) for _p, m, _r in plans), reviews=sum(len(r) for _p, _m, r in plans)
    )
    return counts


def flagged_pupils(year: int, school_ids) -> int:
    """How many pupils of these schools carry a flag at risk or high in the school year."""
    return (
        WarningFlag.objects.filter(pupil__school_id__in=school_ids, year=year)
        .exclude(tier=Tier.LOW)
        .values("pupil_id")
        .distinct()
        .count()
    )


def demo_schools(users: dict[str, User], today: dt.date, seed: int, *, scale: float = 1.0) -> SchoolsResult:
    """Write the pilot schools' rolls and registers, run the early-warning engine over the year of
    data and record the social pedagogues' work on the flags. Returns the records with their keys."""
    agencies = {code: pk for code, pk in agency_ids_by_code().items() if code in {s[0] for s in SCHOOLS}}
    districts = {code: t.pk for code, t in territories_by_code().items()}
    known = _known_children(users, today, scale)
    gen = SchoolGenerator(seed=seed, today=today, scale=scale, known=known)
    pupils = gen.pupils()
    with transaction.atomic():
        result = _write_registers(gen, pupils, agencies, districts)
    school_ids = list(agencies.values())
    result.counts += _run_engine(gen, school_ids)
    result.counts += _handle_flags(gen, result, users, school_ids, known)
    result.counts["flagged_current_year"] = flagged_pupils(gen.current, school_ids)
    return result
