"""The demo's shelters, programmes and day care, with stays, counselling, legal aid and a programme
for perpetrators with its sessions and attendance.

Stays go through the real service, so no shelter is overbooked; bounded (a few dozen cases), so a
region of a million cases seeds as fast as one of two thousand; deterministic for the seed.

Before them, two years of stays, written in bulk: nearly half the victims of domestic violence
and trafficking stay a few weeks in the shelter of their part of the region, where a place is free
(never more guests than places); every quarter has stays, and the longest of them still go on.
"""

import datetime as dt
import random
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.utils import timezone

from safezone.accounts.models import User
from safezone.cases.models import Attendance, Participant, ProgrammeSession, ServiceDelivery
from safezone.cases.selectors import recent_cases_of_worker
from safezone.cases.services import service_end, service_record, services_bulk_create
from safezone.directory.models import Agency, Territory
from safezone.directory.services import facility_create

from .history import CasePool, SeenCase, quarters

# (agency code, kind, district code, places, name ru, name en, address)
FACILITIES = [
    ("shelter-nadezhda", "shelter", "vologda", 12, "Приют «Надежда»", "Nadezhda shelter", "адрес сообщается лично"),
    ("crisis-vologda", "shelter", "vologda", 8, "Кризисные места (Вологда)", "Crisis beds Vologda", "по телефону"),
    (
        "crisis-cherepovets",
        "shelter",
        "cherepovets",
        10,
        "Кризисное отделение (Череповец)",
        "Crisis ward",
        "по телефону",
    ),
    ("ngo-white-ribbon", "programme", "vologda", 12, "Программа для авторов насилия", "Perpetrator programme", ""),
    ("kcson-vologda", "day_care", "vologda", 15, "Дневное пребывание детей", "Children's day care", ""),
]
# Whose cases get which services: (worker, facility index or None, service kinds).
WORK = [
    ("shelter.worker", 0, ["shelter_stay", "counselling"]),
    ("crisis.worker1", 1, ["shelter_stay", "counselling", "legal_aid"]),
    ("crisis.worker2", 1, ["shelter_stay", "medical"]),
    ("crisis.cher.worker", 2, ["shelter_stay", "legal_aid"]),
    ("social.worker1", 4, ["day_care", "counselling"]),
]
CASES_PER_WORKER = 8


def demo_services(users: dict[str, User], today: dt.date, seed: int, pool: CasePool | None = None) -> int:
    """Create the facilities, two years of shelter stays and the services given in a few recent
    cases; returns how many services."""
    rng = random.Random(f"services-{seed}")
    agencies = {a.code: a for a in Agency.objects.filter(code__in=[f[0] for f in FACILITIES])}
    districts = {t.code: t for t in Territory.objects.filter(code__in=[f[2] for f in FACILITIES])}
    facilities = [
        facility_create(
            agency=agencies[code], kind=kind, district=districts[d], places=places, name_ru=ru, name_en=en, address=adr
        )
        for code, kind, d, places, ru, en, adr in FACILITIES
        if code in agencies and d in districts
    ]
    if len(facilities) < len(FACILITIES):
        return 0
    made = stays_history(pool, facilities, users, today, rng) if pool is not None else 0
    for username, index, kinds in WORK:
        user = users.get(username)
        if user is None:
            continue
        agency = facilities[index].agency
        for case in recent_cases_of_worker(user.pk, limit=CASES_PER_WORKER):
            subject = next((p for p in case.participants.all() if p.role in ("victim", "child")), None)
            for kind in kinds:
                start = max(case.opened_on, today - dt.timedelta(days=rng.randrange(0, 60)))
                end = start + dt.timedelta(days=rng.randrange(7, 45))
                facility = facilities[index] if kind in ("shelter_stay", "day_care") else None
                try:
                    service = service_record(
                        actor=user,
                        case=case,
                        kind=kind,
                        agency=agency,
                        facility=facility,
                        person=subject.person if subject else None,
                        started_on=start,
                        ended_on=end if end <= today else None,
                        purpose="case_work",
                    )
                except ValidationError:
                    continue  # full on those days: the next family waits, as in life
                made += 1
                if service.ended_on is not None:
                    service_end(
                        actor=user,
                        service_id=service.pk,
                        expected_version=service.version,
                        ended_on=service.ended_on,
                        outcome=rng.choice(["completed", "completed", "stopped_early", "referred_on"]),
                        purpose="case_work",
                    )
    return made + _programme(users.get("ngo.ribbon"), facilities[3], today, rng)


def _programme(user: User | None, programme, today: dt.date, rng) -> int:
    """A programme for perpetrators: the alleged perpetrators of the NGO's cases, eight weekly sessions."""
    if user is None:
        return 0
    members = []
    for case in recent_cases_of_worker(user.pk, limit=CASES_PER_WORKER * 2):
        perpetrator = next((p for p in case.participants.all() if p.role == Participant.Role.ALLEGED_PERPETRATOR), None)
        if perpetrator is None or len(members) >= programme.places:
            continue
        try:
            members.append(
                service_record(
                    actor=user,
                    case=case,
                    kind="group_programme",
                    agency=programme.agency,
                    facility=programme,
                    person=perpetrator.person,
                    started_on=today - dt.timedelta(days=56),
                    purpose="case_work",
                )
            )
        except ValidationError:
            break
    sessions = [
        ProgrammeSession(facility=programme, held_on=today - dt.timedelta(days=7 * w), topic=f"Занятие {8 - w}")
        for w in range(7, -1, -1)
    ]
    statuses = ["present"] * 6 + ["excused", "absent"]
    attendance = [Attendance(session=s, delivery=m, status=rng.choice(statuses)) for s in sessions for m in members]
    services_bulk_create(sessions=sessions, attendance=attendance)
    return len(members)


P_STAY = 0.45
# Stays begun in the last weeks are written through the service above.
QUIET_DAYS = 60
# Districts of the west of the region, nearer Cherepovets's shelter; the rest go to Vologda's two.
WEST = {"cherepovets", "cherepovetsky", "sheksninsky", "kaduysky", "babayevsky", "chagodoshchensky", "ustyuzhensky",
        "belozersky", "vytegorsky"}  # fmt: skip
_OUTCOMES = {"completed": 6, "stopped_early": 2, "referred_on": 2}


class _Occupancy:
    """Guests per night in each shelter, so a stay is written only where a place is free."""

    def __init__(self, places: list[int]):
        self.places = places
        self.nights: list[dict[dt.date, int]] = [{} for _ in places]

    def free(self, shelter: int, start: dt.date, end: dt.date) -> bool:
        taken = self.nights[shelter]
        days = (end - start).days
        return all(taken.get(start + dt.timedelta(days=n), 0) < self.places[shelter] for n in range(days))

    def take(self, shelter: int, start: dt.date, end: dt.date) -> None:
        taken = self.nights[shelter]
        for n in range((end - start).days):
            day = start + dt.timedelta(days=n)
            taken[day] = taken.get(day, 0) + 1


@dataclass
class PlannedStay:
    """A stay of the history: whose, in which shelter (an index of FACILITIES), from and until."""

    case: SeenCase
    shelter: int
    started_on: dt.date
    ended_on: dt.date | None  # None: she is there still
    outcome: str


def stays_history(pool: CasePool, facilities, users: dict[str, User], today: dt.date, rng) -> int:
    """Write the shelter stays of the history in bulk; returns how many."""
    shelters = facilities[:3]  # Nadezhda and the crisis beds in Vologda; the crisis ward in Cherepovets
    workers = [users.get(WORK[i][0]) for i in range(3)]
    if None in workers:
        return 0
    rows = [
        ServiceDelivery(
            case_id=stay.case.pk,
            person_id=stay.case.victim,
            kind=ServiceDelivery.Kind.SHELTER_STAY,
            agency=shelters[stay.shelter].agency,
            worker=workers[stay.shelter],
            facility=shelters[stay.shelter],
            started_on=stay.started_on,
            ended_on=stay.ended_on,
            outcome=stay.outcome,
            created_by=workers[stay.shelter],
            created_at=timezone.make_aware(dt.datetime.combine(stay.started_on, dt.time(15))),
        )
        for stay in stay_plan(pool, [f.places for f in shelters], today, rng)
    ]
    services_bulk_create(services=rows)
    return len(rows)


def stay_plan(pool: CasePool, places: list[int], today: dt.date, rng) -> list[PlannedStay]:
    """Shelter stays begun in the last two years up to QUIET_DAYS ago, in the three shelters with
    these places; never more guests than places on a night."""
    occupancy = _Occupancy(places)
    last = today - dt.timedelta(days=QUIET_DAYS)
    planned: list[PlannedStay] = []

    def stay(case: SeenCase, start: dt.date) -> bool:
        end = start + dt.timedelta(days=min(90, 3 + int(rng.expovariate(1 / 18))))
        if case.closed_on is not None and start < case.closed_on < end:
            end = case.closed_on  # she leaves when the case closes
        ongoing = end > today
        options = [2] if case.district in WEST else [0, 1] if rng.random() < 0.6 else [1, 0]
        for index in options:
            if occupancy.free(index, start, min(end, today)):
                occupancy.take(index, start, min(end, today))
                outcome = "" if ongoing else rng.choices(list(_OUTCOMES), weights=list(_OUTCOMES.values()))[0]
                planned.append(PlannedStay(case, index, start, None if ongoing else end, outcome))
                return True
        return False  # full: she stays with relatives

    cases = [c for c in pool.of_kinds("dv", "trafficking") if c.victim]
    for case in cases:
        start = case.opened_on + dt.timedelta(days=rng.randrange(0, 8))
        if pool.start <= start < last and case.open_on(start) and rng.random() < P_STAY:
            stay(case, start)
    # A small demo has quiet quarters: a woman whose case is open then comes to the shelter.
    for first, end in quarters(pool.start, last):
        if any(s.started_on <= end and (s.ended_on is None or s.ended_on > first) for s in planned):
            continue
        for case in [c for c in cases if c.open_on(first) or first <= c.opened_on <= end]:
            start = max(first, case.opened_on, pool.start) + dt.timedelta(days=rng.randrange(0, 20))
            if start <= min(end, last) and case.open_on(start) and stay(case, start):
                break
    return planned
