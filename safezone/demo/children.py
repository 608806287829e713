"""The demo's children at risk outside school: the shared list of teenagers at risk of three
districts with their outreach contacts, the child-labour monitoring (areas, observation visits,
children found at work and each one's chain of steps), and the rehabilitation centre's modules.

Deterministic for (seed, today). The chain of each child is simulated with the rules of
`safezone.schools.labour` (referral due SAFEZONE_LABOUR_STEP_DAYS[0] days after identification,
protection [1] days after referral, verification [2] days after protection, follow-ups
SAFEZONE_LABOUR_FOLLOW_UP_MONTHS after verification, a return to work starts a new round), so
the rows written in bulk are the ones the services would have written step by step.
"""

import datetime as dt
import random
from collections import Counter
from dataclasses import dataclass, field

from django.conf import settings
from django.db import transaction

from safezone.accounts.models import User
from safezone.cases.models import Participant
from safezone.cases.selectors import recent_cases_of_worker
from safezone.directory.models import Agency, Facility
from safezone.directory.selectors import agency_ids_by_code, territories_by_code
from safezone.directory.services import facility_create
from safezone.people.models import Identifier, Person
from safezone.people.services import PersonBatch, persons_bulk_create
from safezone.schools.labour import add_months
from safezone.schools.models import (
    ChainStep,
    Hazard,
    MonitoredArea,
    ObservationVisit,
    Outreach,
    Teen,
    WorkingChild,
    WorstForm,
)

from . import region
from .names import FEMALE_FIRST, MALE_FIRST, patronymic, surname_pair
from .schools import AT_RISK, BEHAVIOUR, DROPOUT, HIGH, RISING, SCHOOLS, SchoolsResult

Step, Result, Status = ChainStep.Kind, ChainStep.Result, WorkingChild.Status

# --- teenagers at risk ------------------------------------------------------------------------------
# district -> (how many listed, juvenile inspectors, social workers who keep the list with them)
TEEN_DISTRICTS = {
    "vologda": (18, ["pdn.vologda"], ["social.worker3", "rehab.street1"]),
    "cherepovets": (14, ["pdn.cher"], ["social.cher.worker1"]),
    "sokolsky": (8, ["pdn.sokol"], ["social.sokol"]),
}
_TEEN_NOTES = {
    "street_presence": "Вечерами в компании старших у торгового центра, домой возвращается после полуночи.",
    "runs_away": "Дважды уходил(а) из дома, находили у знакомых. Конфликт с отчимом.",
    "offences": "Состоит на учёте в ПДН: кража в магазине, мелкое хулиганство.",
    "substance_use": "Замечен(а) в состоянии алкогольного опьянения, по словам матери — курит вейп.",
}
_OUTREACH_NOTES = {
    Outreach.Kind.STREET: "Встретили у ТЦ, поговорили, дали контакты кружков и телефон доверия.",
    Outreach.Kind.HOME: "Посещение семьи: мать дома, подросток спал. Договорились о встрече в центре.",
    Outreach.Kind.SCHOOL: "Беседа в школе вместе с социальным педагогом, пропуски сократились.",
    Outreach.Kind.PHONE: "Созвонились, подросток обещал прийти на занятие в клуб.",
    Outreach.Kind.OFFICE: "Пришёл(ла) на профилактическую беседу с матерью.",
}
_REMOVED = ["Поведение стабилизировалось, посещает секцию", "Семья переехала в другой регион"]

# --- child labour -------------------------------------------------------------------------------
# (district, settlement code or None, school code or None, visits a month, months monitored, ended months ago)
AREAS = [
    ("vologda", "vologda--vologda", None, 3, 18, None),
    ("cherepovets", "cherepovets--cherepovets", None, 3, 18, None),
    ("sokolsky", "sokolsky--sokol", None, 1, 18, None),
    ("sokolsky", "sokolsky--kadnikov", None, 1, 14, 2),
    ("vologodsky", "vologodsky--maysky", None, 1, 12, None),
    ("gryazovetsky", "gryazovetsky--gryazovets", None, 1, 8, None),
] + [(district, None, code, 0, 12, None) for code, district, _n, _r in SCHOOLS]
PLACES = {
    "vologda": ["Центральный рынок", "Автомойка на Окружном шоссе", "Железнодорожный вокзал", "ТЦ «Оазис», парковка",
                "Стройка ЖК на ул. Преображенского", "Перекрёсток Советского пр. и ул. Мира"],
    "cherepovets": ["Рынок на Ленинградской", "Автомойки Северного района", "Автовокзал",
                    "Промзона, пункт приёма металла", "Стройка на Шекснинском пр."],
    "sokolsky": ["Рынок у вокзала", "Пилорама на окраине", "Пункт приёма металла"],
    "vologodsky": ["Тепличное хозяйство", "Животноводческая ферма"],
    "gryazovetsky": ["Молочная ферма", "Рынок на площади"],
}  # fmt: skip
# Who visits: the street social service of the rehabilitation centre where it works, otherwise the
# child-labour unit (with a labour inspector, or jointly with the police and the school).
STREET_SERVICE = ("rehab-vologda", ["rehab.street1", "rehab.street2"], ["vologda", "vologodsky"])
LABOUR_UNIT = ("department", ["labour.coordinator"])
# (what the child was doing, worst form, hazards)
WORK = [
    ("Грузчик на оптовом рынке", WorstForm.HAZARDOUS, [Hazard.HEAVY_LOADS, Hazard.LONG_HOURS]),
    ("Мойщик на автомойке, вечерние смены", WorstForm.HAZARDOUS, [Hazard.CHEMICALS, Hazard.WEATHER, Hazard.NIGHT]),
    ("Продажа сигарет и пива в ларьке", WorstForm.HAZARDOUS, [Hazard.ALCOHOL, Hazard.NIGHT]),
    ("Попрошайничество у вокзала по указанию взрослых", WorstForm.SLAVERY, [Hazard.WEATHER, Hazard.ABUSE]),
    ("Раскладывал «закладки» по заданию из мессенджера", WorstForm.ILLICIT, [Hazard.ABUSE, Hazard.NIGHT]),
    ("Подсобный рабочий на стройке", WorstForm.HAZARDOUS, [Hazard.HEIGHTS, Hazard.HEAVY_LOADS, Hazard.MACHINERY]),
    ("Полевые работы и уход за скотом на ферме", WorstForm.HAZARDOUS, [Hazard.MACHINERY, Hazard.CHEMICALS]),
    ("Мойка стёкол машин на перекрёстке", WorstForm.HAZARDOUS, [Hazard.TRAFFIC, Hazard.WEATHER]),
    ("Сортировка металлолома в пункте приёма", WorstForm.HAZARDOUS, [Hazard.HEAVY_LOADS, Hazard.MACHINERY]),
]
# How many children the demo shows in each state of the chain.
CHAIN_STATES = {
    Status.IDENTIFIED: 4,
    Status.REFERRED: 4,
    Status.PROTECTED: 4,
    Status.VERIFIED: 3,
    Status.TRACKING: 9,
    Status.CLOSED: 4,
    Status.BACK_AT_WORK: 2,
}
# An overdue step is late by a few weeks at most: the owner's work list shows it.
OVERDUE_DAYS = 40
LABOUR_DISTRICTS = {"vologda": 40, "cherepovets": 30, "sokolsky": 15, "vologodsky": 10, "gryazovetsky": 5}
_STEP_NOTES = {
    Step.REFERRAL: "Направлен(а) в КЦСОН и СРЦ; семья согласилась на помощь.",
    Step.PROTECTION: "Реабилитационная программа СРЦ, материальная помощь семье, запись в кружок.",
    Result.HOLDS: "На прежнем месте не появляется, посещает школу.",
    Result.BACK_AT_WORK: "Снова работает: замечен(а) на прежнем месте.",
    Result.NOT_REACHED: "Дома не застали, телефон не отвечает.",
}

# --- the rehabilitation centre's modules ---------------------------------------------------------
# (agency, kind, places, counted in, name ru, name en)
REHAB_MODULES = [
    ("rehab-vologda", Facility.Kind.STREET_SERVICE, 30, Facility.Counts.PLACES, "Социальный патруль",
     "Street social service"),
    ("rehab-vologda", Facility.Kind.REHABILITATION, 30, Facility.Counts.CHILDREN, "Реабилитационная программа",
     "Rehabilitation programme"),
    ("rehab-vologda", Facility.Kind.SELF_HELP, 30, Facility.Counts.FAMILIES, "Группы самопомощи для семей",
     "Family self-help groups"),
    ("rehab-vologda", Facility.Kind.MEDICAL, 100, Facility.Counts.CHILDREN, "Медицинский кабинет",
     "Medical services"),
]  # fmt: skip


@dataclass
class Child:
    """A child to be written: an existing person (`person_id`) or a new one (`new`)."""

    district: str
    birth: tuple[int, int, int]
    person_id: int | None = None
    new: Person | None = None
    identifiers: list = field(default_factory=list)


def _new_child(rng: random.Random, district: str, born_from: dt.date, born_to: dt.date) -> Child:
    sex = rng.choice("FM") if rng.random() < 0.5 else "M"
    male_form, female_form = surname_pair(rng)
    female = sex == "F"
    born = born_from + dt.timedelta(days=rng.randrange(max(1, (born_to - born_from).days)))
    person = Person(
        surname=female_form if female else male_form,
        first_name=(FEMALE_FIRST if female else MALE_FIRST).draw(rng),
        patronymic=patronymic(MALE_FIRST.draw(rng), female),
        sex=sex,
        birth_year=born.year,
        birth_month=born.month,
        birth_day=born.day,
    )
    return Child(district=district, birth=(born.year, born.month, born.day), new=person)


def _age_on(birth: tuple[int, int, int], day: dt.date) -> int:
    return day.year - birth[0] - ((day.month, day.day) < (birth[1], birth[2]))


def _write_persons(children: list[Child], districts: dict[str, int], agency_of: dict[str, int]) -> None:
    """Register the children the register did not know yet (in bulk, with search keys and history)."""
    fresh = [c for c in children if c.person_id is None]
    batch = PersonBatch()
    for i, child in enumerate(fresh):
        child.new.district_id = districts[child.district]
        child.new.registered_by_id = agency_of[child.district]
        batch.persons.append(child.new)
        batch.identifiers += [(i, Identifier(kind=k, value=v)) for k, v in child.identifiers]
    for child, person in zip(fresh, persons_bulk_create(batch=batch)):
        child.person_id = person.pk


def _pupil_candidates(schools: SchoolsResult | None, profiles, today: dt.date, ages=(12, 17)):
    """Pupils of the pilot schools with one of these profiles and ages, as (district, PupilRec)."""
    if schools is None:
        return []
    district_of = {code: district for code, district, _n, _r in SCHOOLS}
    return [
        (district_of[p.school], p)
        for p in schools.pupils
        if p.profile in profiles and ages[0] <= _age_on(p.birth, today) <= ages[1] and p.person_id
    ]


def _case_children(users: dict[str, User], usernames, kinds, districts, today: dt.date, ages) -> list[tuple]:
    """Children of the demo's cases (of these workers, kinds and districts) of the given ages, with a
    full birth date: (district code, person)."""
    codes = {t.pk: code for code, t in territories_by_code().items()}
    found, seen = [], set()
    for username in usernames:
        user = users.get(username)
        if user is None:
            continue
        for case in recent_cases_of_worker(user.pk, limit=80):
            if case.kind not in kinds or codes.get(case.district_id) not in districts:
                continue
            for part in case.participants.all():
                if part.role != Participant.Role.CHILD or part.person_id in seen:
                    continue
                person = part.person
                if not (person.birth_year and person.birth_month and person.birth_day) or person.merged_into_id:
                    continue
                birth = (person.birth_year, person.birth_month, person.birth_day)
                if ages[0] <= _age_on(birth, today) <= ages[1]:
                    seen.add(person.pk)
                    found.append((codes[case.district_id], person))
    return found


def demo_teens(users: dict[str, User], today: dt.date, seed: int, schools: SchoolsResult | None = None) -> Counter:
    """The list of teenagers at risk of three districts, with outreach contacts over the last months."""
    rng = random.Random(f"teens-{seed}")
    districts = {code: t.pk for code, t in territories_by_code().items()}
    memberships = {u: user.memberships.all()[0].agency_id for u, user in users.items() if user.memberships.all()}
    pupils = _pupil_candidates(schools, (HIGH, AT_RISK, BEHAVIOUR, DROPOUT, RISING), today, ages=(12, 16))
    rng.shuffle(pupils)
    from_cases = _case_children(
        users,
        ["social.worker3", "social.worker1", "social.cher.worker1", "social.sokol", "ngo.teenager"],
        {"child"},
        TEEN_DISTRICTS,
        today,
        (12, 16),
    )
    teens, outreach, children = [], [], []
    used: set[int] = set()
    for district, (count, inspectors, social) in TEEN_DISTRICTS.items():
        if not all(u in users for u in inspectors + social):
            continue
        known = [p.person_id for d, p in pupils if d == district][: round(count * 0.35)]
        known += [p.pk for d, p in from_cases if d == district][:2]
        for i in range(count):
            if i < len(known) and known[i] not in used:
                child = Child(district=district, birth=(0, 0, 0), person_id=known[i])
            else:
                child = _new_child(
                    rng, district, today - dt.timedelta(days=17 * 365), today - dt.timedelta(days=12 * 365)
                )
            if child.person_id:
                used.add(child.person_id)
            children.append(child)
            added = today - dt.timedelta(days=int(rng.random() ** 1.5 * 300) + 3)
            author = rng.choice(inspectors + social)
            reasons = set(rng.sample(list(_TEEN_NOTES), rng.choice([1, 1, 2, 2, 3])))
            teen = Teen(
                district_id=districts[district],
                note=" ".join(_TEEN_NOTES[r] for r in sorted(reasons)),
                added_on=added,
                added_by=users[author],
                agency_id=memberships[author],
                **{r: True for r in reasons},
            )
            if rng.random() < 0.15 and (today - added).days > 60:
                teen.removed_on = added + dt.timedelta(days=rng.randrange(45, (today - added).days))
                teen.removed_reason = rng.choice(_REMOVED)
            teens.append(teen)
            last = teen.removed_on or today
            day = added
            for _ in range(rng.choice([1, 2, 3, 3, 4, 5, 6])):
                day += dt.timedelta(days=rng.randrange(3, 40))
                if day > last:
                    break
                worker = rng.choice(inspectors + social)
                kind = rng.choice(list(_OUTREACH_NOTES))
                outreach.append(
                    (
                        teen,
                        Outreach(
                            happened_on=day,
                            kind=kind,
                            worker=users[worker],
                            agency_id=memberships[worker],
                            note=_OUTREACH_NOTES[kind],
                        ),
                    )
                )
    agency_of = {d: memberships[TEEN_DISTRICTS[d][1][0]] for d in TEEN_DISTRICTS}
    with transaction.atomic():
        _write_persons(children, districts, agency_of)
        for teen, child in zip(teens, children):
            teen.person_id = child.person_id
        Teen.objects.bulk_create(teens, batch_size=500)
        for teen, row in outreach:
            row.teen = teen
        Outreach.objects.bulk_create([row for _t, row in outreach], batch_size=500)
    return Counter(
        teens=len(teens),
        teens_listed=sum(1 for t in teens if t.removed_on is None),
        teens_from_schools=sum(1 for c in children if c.new is None),
        outreach=len(outreach),
    )


# --- the chain ------------------------------------------------------------------------------------
@dataclass
class StepRec:
    round: int
    kind: str
    due_on: dt.date
    months: int = 0
    done_on: dt.date | None = None
    result: str = ""


def simulate_chain(rng: random.Random, identified_on: dt.date, today: dt.date, *, back_at: str | None = None):
    """The steps of one child's chain up to `today` and the child's status and round, by the rules of
    safezone.schools.labour. Each step is done a few days before or after it is due, or left undone
    for at most OVERDUE_DAYS (then every later step waits). `back_at` ("verification" or a
    follow-up's months) is where the child is found back at work."""
    to_referral, to_protection, to_verification = settings.SAFEZONE_LABOUR_STEP_DAYS
    months = sorted(set(settings.SAFEZONE_LABOUR_FOLLOW_UP_MONTHS))
    steps = [StepRec(1, Step.REFERRAL, identified_on + dt.timedelta(days=to_referral))]
    status, current_round, last_done = Status.IDENTIFIED, 1, identified_on
    while True:
        open_steps = sorted(
            (s for s in steps if s.done_on is None and s.round == current_round), key=lambda s: s.due_on
        )
        if not open_steps:
            return steps, Status.CLOSED, current_round
        step = open_steps[0]
        done = max(last_done, step.due_on + dt.timedelta(days=rng.randrange(-6, 9)))
        late = (today - step.due_on).days
        if done > today or (0 < late <= OVERDUE_DAYS and rng.random() < 0.3) or current_round > 1:
            return steps, status, current_round  # not done yet, or overdue (by a few weeks at most)
        step.done_on, last_done = done, done
        if step.kind == Step.REFERRAL:
            step.result = Result.DONE
            steps.append(StepRec(current_round, Step.PROTECTION, done + dt.timedelta(days=to_protection)))
            status = Status.REFERRED
            continue
        if step.kind == Step.PROTECTION:
            step.result = Result.DONE
            steps.append(StepRec(current_round, Step.VERIFICATION, done + dt.timedelta(days=to_verification)))
            status = Status.PROTECTED
            continue
        key = "verification" if step.kind == Step.VERIFICATION else step.months
        if back_at is not None and key == back_at:
            step.result = Result.BACK_AT_WORK
            steps[:] = [s for s in steps if s.done_on is not None or s.round != current_round]
            current_round += 1
            steps.append(StepRec(current_round, Step.REFERRAL, done + dt.timedelta(days=to_referral)))
            status = Status.BACK_AT_WORK
            continue
        if step.kind == Step.VERIFICATION:
            step.result = Result.HOLDS
            steps += [StepRec(current_round, Step.FOLLOW_UP, add_months(done, m), months=m) for m in months]
            status = Status.VERIFIED
            continue
        last = len(open_steps) == 1
        step.result = Result.NOT_REACHED if not last and rng.random() < 0.12 else Result.HOLDS
        status = Status.CLOSED if last else Status.TRACKING


def chain_children(rng: random.Random, today: dt.date, states: dict[str, int] = CHAIN_STATES) -> list[tuple]:
    """(identified_on, steps, status, round) for the wanted number of children in each state."""
    wanted = Counter(states)
    found = []
    months = sorted(set(settings.SAFEZONE_LABOUR_FOLLOW_UP_MONTHS))
    back_points = ["verification", months[min(1, len(months) - 1)]]
    for attempt in range(20000):
        if not +wanted:
            break
        # Recent identifications are likelier to be early in the chain: draw the age of the case.
        days_ago = int(rng.random() ** 1.6 * 520) + 1
        back_at = back_points[attempt % 2] if wanted[Status.BACK_AT_WORK] and rng.random() < 0.3 else None
        ident = today - dt.timedelta(days=days_ago)
        steps, status, round_ = simulate_chain(rng, ident, today, back_at=back_at)
        stale = any(step.done_on is None and (today - step.due_on).days > OVERDUE_DAYS for step in steps)
        if wanted[status] > 0 and not stale:
            wanted[status] -= 1
            found.append((ident, steps, status, round_))
    return sorted(found, key=lambda f: f[0])


def demo_labour(users: dict[str, User], today: dt.date, seed: int, schools: SchoolsResult | None = None) -> Counter:
    """Monitored areas, observation visits of 18 months and about 30 children in the monitoring chain,
    at every step of it."""
    rng = random.Random(f"labour-{seed}")
    territories = territories_by_code()
    agencies = agency_ids_by_code()
    if not all(u in users for u in STREET_SERVICE[1] + LABOUR_UNIT[1]):
        return Counter()
    street_agency, street_workers, street_districts = STREET_SERVICE
    unit_agency, unit_workers = LABOUR_UNIT

    def team_of(district: str, day_rng: random.Random) -> tuple[str, int, User]:
        if district in street_districts and day_rng.random() < 0.75:
            return ObservationVisit.Team.STREET_SERVICE, agencies[street_agency], users[day_rng.choice(street_workers)]
        team = day_rng.choice([ObservationVisit.Team.LABOUR_INSPECTION, ObservationVisit.Team.JOINT])
        return team, agencies[unit_agency], users[day_rng.choice(unit_workers)]

    school_names = {a[0]: a[4] for a in region.AGENCIES}
    areas, visits = [], []
    first_of_month = today.replace(day=1)
    for district, settlement, school, per_month, months, ended in AREAS:
        since = add_months(first_of_month, -months) + dt.timedelta(days=rng.randrange(0, 10))
        until = add_months(first_of_month, -ended) if ended else None
        area = MonitoredArea(
            district=territories[district],
            settlement=territories[settlement] if settlement else None,
            school_id=agencies[school] if school else None,
            since=since,
            until=until,
        )
        areas.append(area)
        day = since
        while day <= (until or today):
            # Settlements: a few visits a month; schools: a visit a quarter with the social pedagogue.
            gap = 30 // per_month if per_month else 90
            day += dt.timedelta(days=max(2, gap + rng.randrange(-gap // 3 - 1, gap // 3 + 2)))
            if day > (until or today):
                break
            team, agency_id, recorder = team_of(district, rng)
            if school:
                place = f"{school_names[school]}: беседа с социальным педагогом, обход прилегающей территории"
            else:
                place = rng.choice(PLACES[district])
            visits.append(
                ObservationVisit(
                    area=area,
                    district=territories[district],
                    place=place,
                    visited_on=day,
                    team=team,
                    agency_id=agency_id,
                    recorded_by=recorder,
                    children_seen=0 if school or rng.random() < 0.55 else rng.choice([1, 1, 2, 3]),
                    note="",
                )
            )
    # The children: found on a visit to their district (a visit on that day, added when there was none).
    chains = chain_children(rng, today)
    pupils = _pupil_candidates(schools, (DROPOUT, HIGH), today, ages=(13, 17))
    rng.shuffle(pupils)
    from_cases = _case_children(
        users,
        ["social.worker3", "social.worker1", "social.cher.worker1", "social.cher.worker2", "social.sokol",
         "social.vologodsky", "social.gryazovets", "police.cher1", "police1", "ngo.teenager"],
        {"labour"},
        LABOUR_DISTRICTS,
        today,
        (11, 16),
    )  # fmt: skip
    known = [(d, p.person_id, p.birth) for d, p in pupils[:4]]
    known += [(d, p.pk, (p.birth_year, p.birth_month, p.birth_day)) for d, p in from_cases[:4]]
    children, rows, step_rows = [], [], []
    area_of = {a.district.code: a for a in areas if a.settlement is not None}
    # The children already known (pupils who dropped out, children of cases) are among the latest found.
    for i, (ident, steps, status, round_) in enumerate(reversed(chains)):
        if i < len(known) and _age_on(known[i][2], ident) < 18:
            district, person_id, birth = known[i]
            child = Child(district=district, birth=birth, person_id=person_id)
        else:
            district = rng.choices(list(LABOUR_DISTRICTS), weights=list(LABOUR_DISTRICTS.values()))[0]
            child = _new_child(rng, district, ident - dt.timedelta(days=17 * 365), ident - dt.timedelta(days=11 * 365))
        children.append(child)
        visit = next(
            (v for v in visits if v.district.code == district and v.visited_on == ident and v.area.school_id is None),
            None,
        )
        team, agency_id, recorder = team_of(district, rng)
        if visit is None:
            visit = ObservationVisit(
                area=area_of.get(district),
                district=territories[district],
                place=rng.choice(PLACES[district]),
                visited_on=ident,
                team=team,
                agency_id=agency_id,
                recorded_by=recorder,
                children_seen=0,
                note="",
            )
            visits.append(visit)
        visit.children_seen += 1
        work, form, hazards = rng.choice(WORK)
        if district in street_districts:
            agency_id, owner = agencies[street_agency], users[rng.choice(street_workers)]
        else:
            agency_id, owner = agencies[unit_agency], users[unit_workers[0]]
        rows.append(
            WorkingChild(
                district=territories[district],
                visit=visit,
                identified_on=ident,
                worst_form=form,
                hazards=sorted(hazards),
                work=work,
                status=status,
                agency_id=agency_id,
                owner=owner,
                round=round_,
            )
        )
        for s in steps:
            note = _STEP_NOTES.get(s.kind, "") if s.result == Result.DONE else _STEP_NOTES.get(s.result, "")
            step_rows.append(
                (
                    rows[-1],
                    ChainStep(
                        round=s.round,
                        kind=s.kind,
                        months=s.months,
                        due_on=s.due_on,
                        done_on=s.done_on,
                        result=s.result,
                        owner=owner,
                        agency_id=agency_id,
                        note=note if s.done_on else "",
                    ),
                )
            )
    agency_of = {
        d: agencies[street_agency] if d in street_districts else agencies[unit_agency] for d in LABOUR_DISTRICTS
    }
    with transaction.atomic():
        MonitoredArea.objects.bulk_create(areas)
        for visit in visits:
            visit.area_id = visit.area.pk if visit.area else None
        ObservationVisit.objects.bulk_create(visits, batch_size=500)
        _write_persons(children, {c: t.pk for c, t in territories.items()}, agency_of)
        for row, child in zip(rows, children):
            row.person_id = child.person_id
            row.visit_id = row.visit.pk
        WorkingChild.objects.bulk_create(rows)
        for row, step in step_rows:
            step.child = row
        ChainStep.objects.bulk_create([s for _r, s in step_rows], batch_size=500)
    counts = Counter(f"chain:{row.status}" for row in rows)
    counts.update(areas=len(areas), visits=len(visits), working_children=len(rows), chain_steps=len(step_rows))
    return counts


def demo_rehab_modules() -> int:
    """The rehabilitation centre's modules as facilities with their capacity and what a place is."""
    import inspect

    agencies = {a.code: a for a in Agency.objects.filter(code__in={m[0] for m in REHAB_MODULES})}
    takes_counts = "counts" in inspect.signature(facility_create).parameters
    made = 0
    for code, kind, places, counts, ru, en in REHAB_MODULES:
        agency = agencies.get(code)
        if agency is None:
            continue
        extra = {"counts": counts} if takes_counts else {}
        facility = facility_create(
            agency=agency, kind=kind, district=agency.district, places=places, name_ru=ru, name_en=en, **extra
        )
        if facility.counts != counts:
            facility.counts = counts
            facility.save(update_fields=["counts"])
        made += 1
    return made
