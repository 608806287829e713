"""Writes the demo region: territory, agencies, staff accounts, then people and cases in bulk."""

import datetime as dt
import random
from dataclasses import dataclass

from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.utils import timezone

from safezone.access.models import CaseGrant, Consent, Seal
from safezone.access.services import AccessDenied, access_rows_bulk_create, break_glass_open
from safezone.accounts.models import User
from safezone.accounts.services import membership_grant, totp_activate, totp_secret_for, user_create
from safezone.audit.services import audit_record
from safezone.cases.models import Case, Incident, Participant, Referral
from safezone.cases.selectors import any_case_exists, recent_cases_owned_by, violence_form_ids_by_code
from safezone.cases.services import CaseBatch, cases_bulk_create, referrals_bulk_create
from safezone.directory.models import Territory
from safezone.directory.selectors import agency_ids_by_code, any_agency_exists, territories_by_code
from safezone.directory.services import agency_create, territory_load_file, unit_create
from safezone.people.models import Contact, Household, Identifier, Person, PersonName
from safezone.people.services import PersonBatch, persons_bulk_create

from . import region
from .action_plan import action_plan_seed
from .casework import demo_casework
from .children import demo_labour, demo_rehab_modules, demo_teens
from .generator import Chunk, DemoGenerator
from .helpline import demo_helpline
from .history import CasePool, SeenCase
from .meetings import demo_meetings
from .names import FEMALE_FIRST, MALE_FIRST, patronymic, surname_pair
from .population import demo_population
from .schools import demo_schools
from .services_delivered import demo_services

# Recent emergency openings, so the data-protection officer's review queue has work:
# (who breaks the glass, on a recent case of which agency).
_EMERGENCIES = [
    ("police.cher1", "crisis-cherepovets"),
    ("police1", "kcson-vologda"),
    ("helpline.cher", "kcson-cherepovets"),
]
_EMERGENCY_REASON = "Ночной вызов: нужна история обращений и безопасный контакт пострадавшей, владелец дела недоступен."


def _emergencies(users: dict[str, User]) -> int:
    """Break the glass a few times through the real service (notifications, audit events)."""
    agencies = agency_ids_by_code()
    opened = 0
    for username, owner in _EMERGENCIES:
        for case in recent_cases_owned_by(agencies[owner], limit=5):
            try:
                break_glass_open(actor=users[username], case=case, reason=_EMERGENCY_REASON)
            except AccessDenied:
                continue  # sealed from this officer: try the next case
            opened += 1
            break
    return opened


class DemoRefused(Exception):
    """The database is not one the demo may fill."""


@dataclass
class SeedResult:
    """What one demo seeding created."""

    agencies: int
    users: int
    cases: int
    persons: int


def database_is_empty() -> bool:
    """True when no agency and no case exists yet: the only state the demo fills."""
    return not any_agency_exists() and not any_case_exists()


def _staff(seed: int) -> dict[str, User]:
    """Create the demo agencies and accounts (names drawn from their own seeded stream)."""
    rng = random.Random(f"staff-{seed}")
    territories = territories_by_code()
    district_codes = [c for c, t in territories.items() if t.level == Territory.Level.DISTRICT]
    region_territory = next(t for t in territories.values() if t.level == Territory.Level.REGION)
    agencies = {}
    phones = random.Random(f"phones-{seed}")  # its own stream: the staff's names stay as they were
    for code, kind, name_ru, name_en, short_ru, short_en, seat, served in region.AGENCIES:
        area = "8202" if seat == "cherepovets" else "8172"
        agencies[code] = agency_create(
            code=code,
            kind=kind,
            name_ru=name_ru,
            name_en=name_en,
            short_name_ru=short_ru,
            short_name_en=short_en,
            district=region_territory if seat == "region" else territories[seat],
            districts_served=[territories[c] for c in (district_codes if served == region.ALL else served)],
            phone=f"8 ({area}) {phones.randrange(20, 80)}-{phones.randrange(100):02d}-{phones.randrange(100):02d}",
        )
    units = {
        (agency_code, code): unit_create(agency=agencies[agency_code], code=code, name_ru=ru, name_en=en)
        for agency_code, code, ru, en in region.UNITS
    }
    trained_on = dt.date(2026, 1, 15)
    users = {}
    # One hash for all: PBKDF2 is slow on purpose, and the demo password is public anyway.
    password_hash = make_password(region.DEMO_PASSWORD)
    for username, role, agency_code, is_staff in region.STAFF:
        female = rng.random() < 0.75  # most of the social workforce are women
        male_form, female_form = surname_pair(rng)
        user = user_create(
            username=username,
            password=None,
            password_hash=password_hash,
            is_demo=True,
            first_name=(FEMALE_FIRST if female else MALE_FIRST).draw(rng),
            last_name=female_form if female else male_form,
            patronymic=patronymic(MALE_FIRST.draw(rng), female),
            email=f"{username}@demo.safezone.invalid",
            validate=False,
        )
        if is_staff:
            user.is_staff = user.is_superuser = True
            user.save(update_fields=["is_staff", "is_superuser"])
        unit = units.get((agency_code, region.STAFF_UNITS.get(username, "")))
        membership_grant(user=user, agency=agencies[agency_code], role=role, unit=unit, dp_training_on=trained_on)
        totp_activate(user=user, secret=demo_totp_secret(username, seed))
        users[username] = user
    for username, role, agency_code in region.EXTRA_MEMBERSHIPS:
        unit = units.get((agency_code, region.STAFF_UNITS.get(username, "")))
        membership_grant(
            user=users[username], agency=agencies[agency_code], role=role, unit=unit, dp_training_on=trained_on
        )
    return users


def demo_totp_secret(username: str, seed: int) -> str:
    """The authenticator-app secret of a demo account: published with the demo, like its password."""
    return totp_secret_for(username, f"demo-{seed}")


class _ChunkWriter:
    """Turns generated records into rows, keeping the keys of persons later chunks may refer to."""

    def __init__(self, users: dict[str, User], pool: CasePool | None = None):
        self.pool = pool
        self.users = {u: user.pk for u, user in users.items()}
        # The unit a worker's cases belong to (the team scope).
        self.units = {u: m.unit_id for u, user in users.items() for m in user.memberships.all() if m.unit_id}
        self.agencies = agency_ids_by_code()
        self.districts = {code: t.pk for code, t in territories_by_code().items()}
        self.forms = violence_form_ids_by_code()
        self.pk_of: dict[int, int] = {}

    def write(self, chunk: Chunk, keep: set[int]) -> int:
        batch = PersonBatch()
        index_of = {}
        for i, rec in enumerate(chunk.persons):
            index_of[rec.key] = i
            year, month, day = rec.birth or (None, None, None)
            batch.persons.append(
                Person(
                    surname=rec.surname,
                    first_name=rec.first_name,
                    patronymic=rec.patronymic,
                    sex=rec.sex,
                    birth_year=year,
                    birth_month=month,
                    birth_day=day,
                    district_id=self.districts[rec.district],
                    registered_by_id=self.agencies[rec.agency],
                )
            )
            batch.identifiers += [(i, Identifier(kind=k, value=v)) for k, v in rec.identifiers]
            batch.other_names += [
                (i, PersonName(kind=k, surname=s, first_name=f, patronymic=p)) for k, s, f, p in rec.other_names
            ]
            batch.contacts += [(i, Contact(kind=k, value=v, is_safe=safe)) for k, v, safe in rec.contacts]
        for case in chunk.cases:
            members = [index_of[k] for k in case.household if k in index_of]
            if len(members) > 1:
                batch.households.append((Household(district_id=self.districts[case.district]), members))
            batch.relations += [
                (index_of[a], index_of[b], kind) for a, b, kind in case.relations if a in index_of and b in index_of
            ]
        persons = persons_bulk_create(batch=batch)
        for rec, person in zip(chunk.persons, persons):
            self.pk_of[rec.key] = person.pk

        cases = CaseBatch()
        for i, rec in enumerate(chunk.cases):
            cases.cases.append(
                Case(
                    owner_unit_id=self.units.get(rec.worker),
                    safe_contact=rec.safe_contact,
                    kind=rec.kind,
                    status=rec.status,
                    owner_agency_id=self.agencies[rec.agency],
                    owner_worker_id=self.users[rec.worker],
                    district_id=self.districts[rec.district],
                    opened_on=rec.opened_on,
                    closed_on=rec.closed_on,
                    summary=rec.summary,
                    created_by_id=self.users[rec.worker],
                )
            )
            cases.participants += [
                (i, Participant(person_id=self.pk_of[key], role=role)) for key, role in rec.participants
            ]
            for inc in rec.incidents:
                cases.incidents.append(
                    (
                        i,
                        Incident(
                            occurred_on=inc.occurred_on,
                            place=inc.place,
                            district_id=self.districts[inc.district],
                            reported_to_police=inc.reported_to_police,
                            police_reference=inc.police_reference,
                            victim_id=self.pk_of.get(inc.victim),
                            alleged_perpetrator_id=self.pk_of.get(inc.alleged_perpetrator),
                            created_by_id=self.users[rec.worker],
                        ),
                        [self.forms[f] for f in inc.forms],
                    )
                )
        written = cases_bulk_create(batch=cases)
        _access_rows(self, chunk, written)
        if self.pool is not None:
            self._remember(chunk, written)
        # Forget persons no later chunk can refer to, so memory stays flat at any size.
        self.pk_of = {k: v for k, v in self.pk_of.items() if k in keep}
        return len(persons)

    def _remember(self, chunk: Chunk, written: list[Case]) -> None:
        """Note the chunk's cases for the demo's history (meeting referrals, shelter stays)."""
        for rec, case in zip(chunk.cases, written):
            victim = next((k for k, role in rec.participants if role in ("victim", "child")), None)
            perpetrator = next((k for k, role in rec.participants if role == "perpetrator"), None)
            self.pool.add(
                SeenCase(
                    pk=case.pk,
                    kind=rec.kind,
                    district=rec.district,
                    worker=self.users[rec.worker],
                    opened_on=rec.opened_on,
                    closed_on=rec.closed_on,
                    victim=self.pk_of.get(victim),
                    perpetrator=self.pk_of.get(perpetrator),
                    incidents=sorted((i.occurred_on, i.reported_to_police) for i in rec.incidents),
                )
            )


def _noon(day: dt.date | None):
    return timezone.make_aware(dt.datetime.combine(day, dt.time(12))) if day else None


def _access_rows(writer: "_ChunkWriter", chunk: Chunk, cases: list[Case]) -> None:
    """Referrals (with their consent or legal ground), case teams and seals of a written chunk."""
    consents, referrals, grants, seals = [], [], [], []
    for rec, case in zip(chunk.cases, cases):
        if rec.sealed_from:
            seals.append(
                Seal(
                    case=case,
                    user_id=writer.users[rec.sealed_from],
                    created_by_id=writer.users[rec.worker],
                    reason="Сотрудник связан с участником дела",
                )
            )
        ref = rec.referral
        if ref is None:
            continue
        consent = None
        if ref.basis == "consent":
            subject = next(k for k, role in rec.participants if role in ("victim", "child"))
            consent = Consent(
                person_id=writer.pk_of[subject],
                case=case,
                categories=["contacts", "summary"],
                purposes=["case_work"],
                form="written",
                given_on=ref.sent_on,
                recorded_by_id=writer.users[rec.worker],
            )
            consents.append((consent, [writer.agencies[ref.to_agency]]))
        referral = Referral(
            case=case,
            from_agency_id=writer.agencies[rec.agency],
            from_user_id=writer.users[rec.worker],
            to_agency_id=writer.agencies[ref.to_agency],
            status=ref.status,
            message=ref.message,
            consent=consent,
            legal_ground="" if consent else ref.basis,
            sent_at=_noon(ref.sent_on),
            answered_at=_noon(ref.answered_on),
            ended_at=_noon(ref.ended_on),
            accepted_by_id=writer.users.get(ref.acceptor),
            reason={"declined": "Не наш профиль", "revoked": "Помощь больше не нужна"}.get(ref.status, ""),
        )
        referrals.append(referral)
    access_rows_bulk_create(consents=consents)  # referrals point at their consents
    for referral in referrals:
        if referral.consent is not None:
            referral.consent_id = referral.consent.pk  # the key exists only now
    referrals_bulk_create(referrals=referrals)
    for referral in referrals:
        if referral.accepted_by_id:
            grants.append(
                CaseGrant(
                    case=referral.case,
                    agency_id=referral.to_agency_id,
                    user_id=referral.accepted_by_id,
                    source="referral",
                    referral=referral,
                    granted_at=referral.answered_at,
                    ended_at=referral.ended_at,
                    case_opened_on=referral.case.opened_on,
                )
            )
    access_rows_bulk_create(grants=grants, seals=seals)


def demo_seed(
    *, cases: int, seed: int, today: dt.date, chunk_size: int = 2000, progress=None, school_scale: float = 1.0
) -> SeedResult:
    """Fill an empty database with the demo region: deterministic for (cases, seed, today). Every
    date is on or before `today`, whatever the clock says.

    Each chunk is one transaction; the staff and agencies are created first, in one transaction.
    `school_scale` scales the pilot schools' pupils (1.0: about 1,600; tests load fewer).
    """
    if not database_is_empty():
        raise DemoRefused("the database already holds agencies or cases; the demo fills only an empty database")
    territory_load_file()
    with transaction.atomic():
        users = _staff(seed)
    pool = CasePool(today)
    writer = _ChunkWriter(users, pool)
    generator = DemoGenerator(seed=seed, today=today)
    persons = 0
    for chunk in generator.chunks(cases, chunk_size):
        with transaction.atomic():
            persons += writer.write(chunk, generator.pool_keys())
        if progress:
            progress(len(chunk.cases))
    _emergencies(users)
    with transaction.atomic():
        demo_casework(users, today, seed)
        demo_services(users, today, seed, pool)
        demo_meetings(users, today, seed, pool)
        demo_helpline(users, today, seed)
    # The pilot schools with a year of registers and early warning; children at risk outside school.
    schools = demo_schools(users, today, seed, scale=school_scale)
    demo_teens(users, today, seed, schools)
    demo_labour(users, today, seed, schools)
    with transaction.atomic():
        demo_rehab_modules()
    demo_population(today)
    action_plan_seed(today=today)
    audit_record(actor=None, action="demo.seeded", extra={"cases": cases, "seed": seed, "today": today.isoformat()})
    return SeedResult(agencies=len(region.AGENCIES), users=len(users), cases=cases, persons=persons)
