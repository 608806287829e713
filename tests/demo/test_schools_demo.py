"""The demo's pilot schools, teenagers at risk, child-labour chain and rehabilitation modules.

The generators are checked at full scale without a database (about 1,600 pupils, about 120 of
them flagged this school year, children at every step of the chain); the session's small demo
(tests/demo/conftest.py) shows what is written, through the real early-warning engine.
"""

import datetime as dt
import random
from collections import Counter, defaultdict
from types import SimpleNamespace

import pytest
from django.conf import settings

from safezone.demo.children import CHAIN_STATES, chain_children, simulate_chain
from safezone.demo.schools import SCHOOLS, SchoolGenerator, is_school_day
from safezone.schools.calendar import quarter_bounds
from safezone.schools.labour import add_months
from safezone.schools.models import WorkingChild
from safezone.schools.services import tier_for

TODAY = dt.date(2026, 11, 30)


def chain_problems(identified: dt.date, steps, today: dt.date) -> list[str]:
    """What in a child's steps breaks the chain's rules (safezone.schools.labour): each step due
    its interval after the step before was done, follow-ups the configured months after the
    verification, a return to work ending the round with a new referral, dates in order."""
    to_referral, to_protection, to_verification = settings.SAFEZONE_LABOUR_STEP_DAYS
    months = sorted(set(settings.SAFEZONE_LABOUR_FOLLOW_UP_MONTHS))
    rounds = defaultdict(list)
    for step in steps:
        rounds[step.round].append(step)
    problems, start, last_done = [], identified, identified
    for number in sorted(rounds):
        by_kind = {(s.kind, s.months): s for s in rounds[number]}
        referral = by_kind.get(("referral", 0))
        if referral is None or referral.due_on != start + dt.timedelta(days=to_referral):
            problems.append(f"round {number}: referral")
            continue
        expected = [referral]
        chain = [("protection", 0, to_protection), ("verification", 0, to_verification)]
        previous = referral
        for kind, _m, days in chain:
            if previous.done_on is None or previous.result == "back_at_work":
                break
            step = by_kind.get((kind, 0))
            if step is None or step.due_on != previous.done_on + dt.timedelta(days=days):
                problems.append(f"round {number}: {kind} due")
                break
            expected.append(step)
            previous = step
        verification = by_kind.get(("verification", 0))
        if verification and verification.done_on and verification.result == "holds":
            ups = [by_kind.get(("follow_up", m)) for m in months]
            back = next((i for i, s in enumerate(ups) if s and s.result == "back_at_work"), None)
            wanted = months if back is None else months[: back + 1]
            for m, step in zip(wanted, ups):
                if step is None or step.due_on != add_months(verification.done_on, m):
                    problems.append(f"round {number}: follow-up {m}")
                else:
                    expected.append(step)
            if ups[-1] is not None and ups[-1].result == "not_reached":
                problems.append("the last follow-up did not reach the child")
        if sorted(map(id, expected)) != sorted(map(id, rounds[number])):
            problems.append(f"round {number}: unexpected steps")
        ordered = sorted(rounds[number], key=lambda s: (s.due_on, s.months))
        done = [s.done_on for s in ordered if s.done_on]
        if any(s.done_on for s in ordered[len(done) :]):
            problems.append(f"round {number}: a step done after an open one")
        if done and (done != sorted(done) or done[0] < last_done or done[-1] > today):
            problems.append(f"round {number}: dates out of order")
        last_done = done[-1] if done else last_done
        back = next((s for s in ordered if s.result == "back_at_work"), None)
        if back is not None:
            start = back.done_on
            if number + 1 not in rounds:
                problems.append(f"round {number}: back at work without a new round")
        elif number + 1 in rounds:
            problems.append(f"round {number + 1} without a return to work")
    return problems


@pytest.fixture(scope="module")
def full_scale():
    generator = SchoolGenerator(seed=1, today=TODAY)
    return generator, generator.pupils()


def _flagged_this_year(generator, pupils) -> set[int]:
    """Pupils at risk or high on any indicator this school year, measured from the generated
    registers with the engine's own tiers and thresholds."""
    year = generator.current
    flagged = set()
    for p in pupils:
        year_days = [d for d in p.school_days if generator.quarter_of_day[d][0] == year]
        for quarter in (1, 2, 3, 4):
            first, last = quarter_bounds(year, quarter)
            days = [d for d in year_days if first <= d <= last]
            so_far = [d for d in year_days if d <= last]
            if not days or len(so_far) < settings.SAFEZONE_EW_MIN_DAYS:
                continue
            absent = sum(1 for d in days if p.marks_of_day.get(d) in ("e", "u"))
            if tier_for(round(100 * absent / len(days), 1), settings.SAFEZONE_EW_ABSENCE_PCT) != "low":
                flagged.add(p.key)
        kinds = Counter(kind for kind, day, _n, _r in p.discipline if day >= dt.date(year, 9, 1))
        if (
            tier_for(kinds["referral"], settings.SAFEZONE_EW_REFERRALS) != "low"
            or tier_for(kinds["suspension"], settings.SAFEZONE_EW_SUSPENSIONS) != "low"
        ):
            flagged.add(p.key)
        failures = Counter(q for y, q, _s, mark in p.course_marks if y == year and mark <= 2)
        if any(tier_for(n, settings.SAFEZONE_EW_FAILURES) != "low" for n in failures.values()):
            flagged.add(p.key)
    return flagged


@pytest.mark.no_database
def test_four_pilot_schools_with_about_1600_pupils_in_grades_1_to_11(full_scale):
    generator, pupils = full_scale
    assert generator.current == 2026
    by_school = Counter(p.school for p in pupils)
    assert set(by_school) == {code for code, *_r in SCHOOLS}
    assert 1450 <= len(pupils) <= 1750
    assert by_school["school-sokol-1"] < by_school["school-vologda-5"] / 2  # the small district school
    for code in by_school:
        grades = {p.grade for p in pupils if p.school == code and p.class_year == 2026}
        assert grades == set(range(1, 12))
    # Birth dates fit the grade: 6 to 8 years old on the 1 September of the first grade.
    for p in pupils:
        age = p.class_year - p.birth[0] - (p.grade - 1)
        assert 6 <= age <= 8, p
    assert len({(p.school, p.local_id) for p in pupils}) == len(pupils)
    reasons = Counter(p.left[1] for p in pupils if p.left)
    assert 12 <= reasons["dropped_out"] <= 18
    assert reasons["moved"] >= 10 and reasons["graduated"] >= 50
    assert sum(1 for p in pupils if len(p.enrolments) > 1) >= 3  # left in the spring, came back
    joined_late = [p for p in pupils if generator.start < p.enrolments[0][0] and p.enrolments[0][0].day != 1]
    assert len(joined_late) >= 20


@pytest.mark.no_database
def test_a_year_of_school_days_only(full_scale):
    generator, _pupils = full_scale
    days = generator.days
    assert days[0] <= TODAY - dt.timedelta(days=365) and days[-1] == TODAY
    assert all(d.weekday() < 5 and d.month not in (6, 7, 8) for d in days)
    assert not [d for d in days if (d.month, d.day) >= (12, 30) or (d.month, d.day) <= (1, 8)]
    assert 170 <= len(days) <= 200
    assert is_school_day(dt.date(2026, 11, 30)) and not is_school_day(dt.date(2026, 7, 1))
    months = {(d.year, d.month) for d in days}
    assert len(months) == 10  # 13 months less June, July and August


@pytest.mark.no_database
def test_absence_is_mostly_low_with_a_tail(full_scale):
    generator, pupils = full_scale
    rates = []
    for p in pupils:
        if len(p.school_days) >= 60:
            absent = sum(1 for d in p.school_days if p.marks_of_day.get(d) in ("e", "u"))
            rates.append(100 * absent / len(p.school_days))
    assert sum(1 for r in rates if 1 <= r < 5) / len(rates) >= 0.7  # most pupils miss 1–4 % of days
    assert 0.85 <= sum(1 for r in rates if r < 5) / len(rates) <= 0.97
    assert sum(1 for r in rates if 5 <= r < 10) >= 15 and sum(1 for r in rates if r >= 10) >= 20
    # Some pupils start missing school in the current quarter.
    rising = [p for p in pupils if p.profile == "rising"]
    assert rising
    for p in rising:
        now = [d for d in p.school_days if d >= dt.date(2026, 11, 1)]
        assert sum(1 for d in now if p.marks_of_day.get(d) in ("e", "u")) >= 1


@pytest.mark.no_database
def test_about_120_pupils_are_flagged_this_school_year_at_full_scale(full_scale):
    generator, pupils = full_scale
    flagged = _flagged_this_year(generator, pupils)
    assert 100 <= len(flagged) <= 140
    marks = [m for p in pupils for m in p.course_marks]
    assert {q for _y, q, _s, _m in marks if _y == 2026} == {1}  # the current quarter has no marks yet
    assert Counter(m for *_r, m in marks)[2] >= 50


@pytest.mark.no_database
def test_the_same_seed_and_date_give_the_same_schools():
    def roll(seed):
        return [
            (p.school, p.local_id, p.surname, p.first_name, p.enrolments, sorted(p.marks_of_day.items()), p.discipline)
            for p in SchoolGenerator(seed=seed, today=TODAY, scale=0.1).pupils()
        ]

    assert roll(3) == roll(3)
    assert roll(3) != roll(4)


@pytest.mark.no_database
def test_the_chain_has_children_at_every_step_by_the_rules():
    children = chain_children(random.Random("labour-5"), TODAY)
    assert Counter(status for _i, _s, status, _r in children) == Counter(CHAIN_STATES)
    assert set(CHAIN_STATES) == set(WorkingChild.Status.values)
    for identified, steps, status, round_ in children:
        assert chain_problems(identified, steps, TODAY) == [], (identified, status, steps)
        assert (round_ == 2) == (status == "back_at_work")
    follow_ups = [s for _i, steps, _st, _r in children for s in steps if s.kind == "follow_up"]
    assert {s.done_on is not None for s in follow_ups} == {True, False}
    assert any(s.done_on is None and s.due_on < TODAY for s in follow_ups)  # overdue
    assert any(s.done_on is None and s.due_on >= TODAY for s in follow_ups)  # due


@pytest.mark.no_database
def test_the_chain_follows_the_configured_intervals(settings):
    settings.SAFEZONE_LABOUR_STEP_DAYS = [3, 10, 20]
    settings.SAFEZONE_LABOUR_FOLLOW_UP_MONTHS = [2, 4]
    steps, status, _round = simulate_chain(random.Random(1), dt.date(2025, 1, 10), TODAY)
    assert status == "closed"
    referral, protection, verification, *follow_ups = steps
    assert referral.due_on == dt.date(2025, 1, 13)
    assert protection.due_on == referral.done_on + dt.timedelta(days=10)
    assert verification.due_on == protection.done_on + dt.timedelta(days=20)
    assert [(s.months, s.due_on) for s in follow_ups] == [(m, add_months(verification.done_on, m)) for m in (2, 4)]


# --- the small demo of the session (tests/demo/conftest.py) ---------------------------------------
@pytest.fixture(scope="module")
def seeded(small_demo):
    """Facts of the small demo (60 cases, a fifth of the pupils)."""
    return small_demo.facts(SCHOOL_FACTS)


SCHOOL_FACTS = """
import datetime as dt, json
from collections import Counter
from django.db.models import Max, Min
from safezone.accounts.models import Membership, User
from safezone.cases.models import Participant
from safezone.directory.models import Facility
from safezone.people.models import Person
from safezone.schools.models import *
from safezone.schools.services import warnings_compute

today = dt.date(2026, 11, 30)
schools = {}
for code in ["school-vologda-5", "school-vologda-21", "school-cherepovets-12", "school-sokol-1"]:
    pupils = Pupil.objects.filter(school__code=code)
    schools[code] = {
        "pupils": pupils.count(),
        "grades": sorted(set(SchoolClass.objects.filter(school__code=code, year=2026).values_list("grade", flat=True))),
        "days": AttendanceDay.objects.filter(pupil__school__code=code).count(),
        "totals": AttendanceTotal.objects.filter(pupil__school__code=code).count(),
        "pedagogues": sorted(Membership.objects.filter(agency__code=code, role="school_pedagogue")
                             .values_list("user__username", flat=True)),
        "assigned": sorted(set(WarningFlag.objects.filter(pupil__school__code=code)
                               .values_list("assigned_to__username", flat=True))),
    }
days = list(AttendanceDay.objects.values_list("day", flat=True).distinct())
known = Pupil.objects.filter(person__participations__role="child").distinct()
twins = 0
for pupil in known.select_related("person"):
    p = pupil.person
    twins += Person.objects.filter(surname=p.surname, first_name=p.first_name, birth_year=p.birth_year,
                                   birth_month=p.birth_month, birth_day=p.birth_day).exclude(pk=p.pk).count()
enrolled_now = Enrolment.objects.filter(started_on__lte=today, ended_on=None).values("pupil").distinct().count()
chains = [
    [str(c.identified_on), c.status, c.round,
     [[s.round, s.kind, str(s.due_on), s.months, str(s.done_on) if s.done_on else None, s.result]
      for s in c.steps.all()]]
    for c in WorkingChild.objects.all()
]
again = warnings_compute(year=2026, quarter=2, today=today)
accounts = {}
for username in ["teacher1", "teacher2", "teacher.cher", "teacher.sokol", "pdn.vologda", "pdn.cher", "pdn.sokol",
                 "labour.coordinator", "rehab.street1", "rehab.street2"]:
    user = User.objects.get(username=username)
    m = user.memberships.get()
    accounts[username] = [m.role, m.agency.code, m.unit.code if m.unit else "", user.is_demo,
                          user.authenticator_set.filter(type="totp").exists(), m.dp_training_on is not None]
print(json.dumps({
    "schools": schools,
    "first_day": str(min(days)), "last_day": str(max(days)),
    "not_school_days": sum(1 for d in days if d.weekday() >= 5 or d.month in (6, 7, 8)
                           or (d.month, d.day) >= (12, 30) or (d.month, d.day) <= (1, 8)),
    "totals_span": [str(v) for v in AttendanceTotal.objects.aggregate(a=Min("starts_on"), b=Max("ends_on")).values()],
    "enrolled_now": enrolled_now,
    "flagged": WarningFlag.objects.filter(year=2026).exclude(tier="low").values("pupil").distinct().count(),
    "flag_status": dict(Counter(WarningFlag.objects.values_list("status", flat=True))),
    "plans": SupportPlan.objects.count(),
    "plans_without_measures": SupportPlan.objects.filter(measures=None).count(),
    "reviews": PlanReview.objects.count(),
    "discipline": dict(Counter(Discipline.objects.values_list("kind", flat=True))),
    "failed_marks": CourseMark.objects.filter(mark__lte=2).count(),
    "known_pupils": known.count(), "twins": twins,
    "again": {k: again[k] for k in ("raised", "updated", "worse")},
    "teens": dict(Counter(Teen.objects.values_list("district__code", flat=True))),
    "outreach": Outreach.objects.count(),
    "teen_authors": sorted(set(Teen.objects.values_list("added_by__username", flat=True))),
    "chain": dict(Counter(WorkingChild.objects.values_list("status", flat=True))),
    "chains": chains,
    "chain_owners": sorted(set(ChainStep.objects.values_list("owner__username", flat=True))),
    "areas": MonitoredArea.objects.count(), "school_areas": MonitoredArea.objects.exclude(school=None).count(),
    "visits": dict(Counter(ObservationVisit.objects.values_list("team", flat=True))),
    "visit_months": len({(d.year, d.month) for d in ObservationVisit.objects.values_list("visited_on", flat=True)}),
    "facilities": sorted(Facility.objects.filter(agency__code="rehab-vologda")
                         .values_list("kind", "places", "counts")),
    "accounts": accounts,
    "demo_users": User.objects.filter(is_demo=True).count(),
    "with_totp": User.objects.filter(is_demo=True, authenticator__type="totp").count(),
}, default=str))
"""


def test_the_small_demo_has_four_pilot_schools_with_a_year_of_registers(seeded):
    schools = seeded["schools"]
    assert len(schools) == 4
    for code, facts in schools.items():
        assert facts["pupils"] > 0 and facts["grades"] == list(range(1, 12)), code
    daily = [c for c, f in schools.items() if f["days"]]
    totals = [c for c, f in schools.items() if f["totals"]]
    assert sorted(daily) == ["school-vologda-21", "school-vologda-5"]
    assert sorted(totals) == ["school-cherepovets-12", "school-sokol-1"]
    assert dt.date.fromisoformat(seeded["first_day"]) <= TODAY - dt.timedelta(days=365)
    assert seeded["last_day"] == str(TODAY)
    assert seeded["totals_span"][1] == str(TODAY)
    assert dt.date.fromisoformat(seeded["totals_span"][0]) <= TODAY - dt.timedelta(days=365)
    assert seeded["not_school_days"] == 0
    assert seeded["discipline"]["referral"] > 0 and seeded["failed_marks"] > 0


def test_a_pupil_the_register_knows_is_not_registered_again(seeded):
    assert seeded["known_pupils"] >= 1
    assert seeded["twins"] == 0


def test_the_engine_flags_pupils_for_their_school_pedagogue_who_handles_some(seeded):
    share = seeded["flagged"] / seeded["enrolled_now"]
    assert 0.03 <= share <= 0.2, seeded["flagged"]
    for code, facts in seeded["schools"].items():
        assert facts["assigned"] == facts["pedagogues"] and len(facts["pedagogues"]) == 1, code
    status = seeded["flag_status"]
    assert status["open"] and status["supported"] and status["watching"]
    assert seeded["plans"] >= 3 and seeded["plans_without_measures"] == 0 and seeded["reviews"] >= 1
    # Run again on the same registers: nothing new (idempotent), nothing lowered.
    assert seeded["again"] == {"raised": 0, "updated": 0, "worse": 0}


def test_teenagers_at_risk_are_listed_in_three_districts_with_outreach(seeded):
    assert seeded["teens"] == {"vologda": 18, "cherepovets": 14, "sokolsky": 8}
    assert seeded["outreach"] >= 40
    assert {"pdn.vologda", "pdn.cher", "pdn.sokol"} <= set(seeded["teen_authors"])


def test_the_child_labour_chain_has_children_at_every_step(seeded):
    assert seeded["chain"] == {status: n for status, n in CHAIN_STATES.items()}
    for identified, status, round_, rows in seeded["chains"]:
        steps = [
            SimpleNamespace(
                round=r, kind=k, due_on=dt.date.fromisoformat(due), months=m,
                done_on=dt.date.fromisoformat(done) if done else None, result=result,
            )
            for r, k, due, m, done, result in rows
        ]  # fmt: skip
        assert chain_problems(dt.date.fromisoformat(identified), steps, TODAY) == [], (identified, status, rows)
        assert max(s.round for s in steps) == round_
    assert set(seeded["chain_owners"]) <= {"labour.coordinator", "rehab.street1", "rehab.street2"}
    assert seeded["areas"] >= 8 and seeded["school_areas"] == 4
    assert set(seeded["visits"]) == {"street_service", "labour_inspection", "joint"}
    assert seeded["visit_months"] >= 12


def test_the_rehabilitation_centre_has_its_four_modules(seeded):
    assert seeded["facilities"] == [
        ["medical", 100, "children"],
        ["rehabilitation", 30, "children"],
        ["self_help", 30, "families"],
        ["street_service", 30, "places"],
    ]


def test_the_new_demo_accounts_have_memberships_and_a_second_factor(seeded):
    accounts = seeded["accounts"]
    expected = {
        "teacher1": ("school_pedagogue", "school-vologda-5", ""),
        "teacher2": ("school_pedagogue", "school-vologda-21", ""),
        "teacher.cher": ("school_pedagogue", "school-cherepovets-12", ""),
        "teacher.sokol": ("school_pedagogue", "school-sokol-1", ""),
        "pdn.vologda": ("juvenile_inspector", "police-vologda", ""),
        "pdn.cher": ("juvenile_inspector", "police-cherepovets", ""),
        "pdn.sokol": ("juvenile_inspector", "police-sokolsky", ""),
        "labour.coordinator": ("coordinator", "department", "child-labour"),
        "rehab.street1": ("caseworker", "rehab-vologda", "street"),
        "rehab.street2": ("caseworker", "rehab-vologda", "street"),
    }
    for username, (role, agency, unit) in expected.items():
        assert accounts[username] == [role, agency, unit, True, True, True], username
    assert seeded["with_totp"] == seeded["demo_users"]


@pytest.mark.no_database
def test_the_chain_check_catches_a_broken_chain():
    """The check the tests rely on refuses a step due on the wrong day, or one left out."""
    children = chain_children(random.Random("labour-9"), TODAY)
    identified, steps, _status, _round = next(c for c in children if c[2] == "closed")
    assert chain_problems(identified, steps, TODAY) == []
    steps[1].due_on += dt.timedelta(days=1)
    assert chain_problems(identified, steps, TODAY)
    steps[1].due_on -= dt.timedelta(days=1)
    assert chain_problems(identified, steps[:-1], TODAY)
