"""The demo's shelters, programmes and day care, with stays, counselling, legal aid and a programme
for perpetrators with its sessions and attendance.

Stays go through the real service, so no shelter is overbooked; bounded (a few dozen cases), so a
region of a million cases seeds as fast as one of two thousand; deterministic for the seed.
"""

import datetime as dt
import random

from django.core.exceptions import ValidationError

from safezone.accounts.models import User
from safezone.cases.models import Attendance, Participant, ProgrammeSession
from safezone.cases.selectors import recent_cases_of_worker
from safezone.cases.services import service_end, service_record, services_bulk_create
from safezone.directory.models import Agency, Territory
from safezone.directory.services import facility_create

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


def demo_services(users: dict[str, User], today: dt.date, seed: int) -> int:
    """Create the facilities and the services given in a few recent cases; returns how many services."""
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
    made = 0
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
