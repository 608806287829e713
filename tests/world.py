"""The fixture world every test shares: a small part of Vologda Oblast with its agencies, staff and cases.

Who sees what (purpose: case work unless said):
- anna, caseworker at the crisis centre: case_a (hers) only
- boris, caseworker at the crisis centre: case_b (his) only
- tina, head of the crisis centre's DV unit (Anna's unit): case_a
- sveta, supervisor at the crisis centre: case_a and case_b (the agency's); the helpline's contacts
- hanna, helpline operator at the crisis centre: no case until she opens one; takes and logs contacts
- petr, police officer in Vologda: case_d (his agency's)
- olga, caseworker in Sokol: case_c
- kira, coordinator of the Vologda youth commission: for coordination, every case in Vologda (a, b, d)
- pavel, social pedagogue of Vologda school No. 1, and zoya, of the Sokol school: their own pupils
- ilya, juvenile inspector of the Vologda police: the Vologda list of teenagers at risk; olga
  (social worker) keeps the Sokol one; anna's crisis centre keeps no such list
- the child-labour chain by the agency's districts: anna and kira (Vologda), olga (Sokol); ilya reads it
- alex (analyst), dasha (data-protection officer), root (administrator), nemo (no membership): nothing
Maria is the victim in case_a (crisis centre) and in case_d (police): one person known to two agencies.
"""

import datetime as dt
import importlib
from types import SimpleNamespace

from django.contrib.auth.hashers import make_password

from safezone.accounts.models import Membership, Role, User
from safezone.accounts.services import totp_activate, totp_secret_for
from safezone.cases.models import Case, Incident, IncidentForm, Participant, ViolenceForm
from safezone.directory.models import Agency, Territory, Unit
from safezone.directory.services import territory_load_file
from safezone.people.models import Identifier, Person, Relation
from safezone.people.services import person_keys_refresh

PASSWORD = "world-password-2026"
TODAY = dt.date(2026, 11, 23)


def _agency(code, kind, name, seat, served):
    agency = Agency.objects.create(code=code, kind=kind, name_ru=name, name_en=name, district=seat)
    agency.districts_served.set(served)
    return agency


def _person(surname, first_name, patronymic, sex, year, month=None, day=None, district=None):
    person = Person(
        surname=surname,
        first_name=first_name,
        patronymic=patronymic,
        sex=sex,
        birth_year=year,
        birth_month=month,
        birth_day=day,
        district=district,
    )
    person.save()
    person_keys_refresh(person)
    return person


def _ensure_violence_forms() -> None:
    """The reference list a migration loads (a transactional test's flush removes it)."""
    forms = importlib.import_module("safezone.cases.migrations.0002_violence_forms").FORMS
    for i, (code, ru, en) in enumerate(forms, start=1):
        ViolenceForm.objects.get_or_create(code=code, defaults={"name_ru": ru, "name_en": en, "ordering": i})


def build_world() -> SimpleNamespace:
    """Create the world in the current database and return its objects by name."""
    territory_load_file()
    _ensure_violence_forms()
    t = {x.code: x for x in Territory.objects.all()}
    region, vologda, sokolsky = t["vologda-oblast"], t["vologda"], t["sokolsky"]

    w = SimpleNamespace(vologda=vologda, sokolsky=sokolsky, region=region)
    w.crisis = _agency("crisis", "crisis_centre", "Кризисный центр", vologda, [vologda, t["vologodsky"]])
    w.police = _agency("police", "police", "Полиция Вологды", vologda, [vologda])
    w.social_sokol = _agency("social-sokol", "social_protection", "КЦСОН Сокольского района", sokolsky, [sokolsky])
    w.kdn = _agency("kdn", "youth_commission", "КДНиЗП Вологды", vologda, [vologda])
    w.school = _agency("school-1", "school", "Средняя школа № 1 г. Вологды", vologda, [vologda])
    w.school_sokol = _agency("school-sokol", "school", "Сокольская средняя школа", sokolsky, [sokolsky])
    w.department = _agency("department", "department", "Департамент", region, [vologda, sokolsky])
    w.unit_dv = Unit.objects.create(agency=w.crisis, code="dv", name_ru="Отделение помощи женщинам", name_en="DV unit")
    w.unit_child = Unit.objects.create(
        agency=w.crisis, code="child", name_ru="Отделение помощи детям", name_en="Child unit"
    )

    password_hash = make_password(PASSWORD)
    units = {"anna": w.unit_dv, "tina": w.unit_dv, "boris": w.unit_child}
    staff = [
        ("anna", Role.CASEWORKER, w.crisis),
        ("boris", Role.CASEWORKER, w.crisis),
        ("tina", Role.TEAM_LEAD, w.crisis),
        ("sveta", Role.SUPERVISOR, w.crisis),
        ("hanna", Role.HELPLINE_OPERATOR, w.crisis),
        ("petr", Role.POLICE_OFFICER, w.police),
        ("olga", Role.CASEWORKER, w.social_sokol),
        ("kira", Role.COORDINATOR, w.kdn),
        ("pavel", Role.SCHOOL_PEDAGOGUE, w.school),
        ("zoya", Role.SCHOOL_PEDAGOGUE, w.school_sokol),
        ("ilya", Role.JUVENILE_INSPECTOR, w.police),
        ("alex", Role.ANALYST, w.department),
        ("dasha", Role.DPO, w.department),
        ("root", Role.ADMINISTRATOR, w.department),
    ]
    for username, role, agency in staff:
        user = User.objects.create(
            username=username,
            password=password_hash,
            first_name=username.title(),
            last_name="Тестова",
            is_staff=username == "root",
            is_superuser=username == "root",
        )
        Membership.objects.create(
            user=user, agency=agency, role=role, unit=units.get(username), dp_training_on=TODAY - dt.timedelta(days=200)
        )
        totp_activate(user=user, secret=totp_secret_for(username, "world"))
        setattr(w, username, user)
    w.nemo = User.objects.create(username="nemo", password=password_hash)

    w.maria = _person("Кузнецова", "Мария", "Сергеевна", "F", 1988, 3, 12, vologda)
    w.ivan = _person("Кузнецов", "Иван", "Петрович", "M", 1985, district=vologda)
    w.sasha = _person("Кузнецова", "Александра", "Ивановна", "F", 2015, 6, district=vologda)
    w.elena = _person("Смирнова", "Елена", "Олеговна", "F", 1992, 1, 5, vologda)
    w.petya = _person("Ёлкин", "Пётр", "Андреевич", "M", 2012, 9, 1, sokolsky)
    w.olesya = _person("Ёлкина", "Олеся", "Викторовна", "F", 1990, district=sokolsky)
    Identifier.objects.create(person=w.maria, kind="snils", value="11223344595")
    Relation.objects.create(person=w.ivan, relative=w.maria, kind="spouse")
    Relation.objects.create(person=w.maria, relative=w.sasha, kind="parent")
    Relation.objects.create(person=w.elena, relative=w.maria, kind="other")

    def case(kind, agency, worker, district, opened, people, unit=None):
        c = Case.objects.create(
            kind=kind,
            owner_agency=agency,
            owner_worker=worker,
            owner_unit=unit,
            district=district,
            opened_on=opened,
            summary="Тестовое дело",
            created_by=worker,
        )
        for person, role in people:
            Participant.objects.create(case=c, person=person, role=role)
        return c

    w.case_a = case(
        "dv",
        w.crisis,
        w.anna,
        vologda,
        TODAY - dt.timedelta(days=40),
        [(w.maria, "victim"), (w.ivan, "perpetrator"), (w.sasha, "child")],
        unit=w.unit_dv,
    )
    w.case_b = case(
        "dv", w.crisis, w.boris, vologda, TODAY - dt.timedelta(days=10), [(w.elena, "victim")], unit=w.unit_child
    )
    w.case_c = case(
        "child",
        w.social_sokol,
        w.olga,
        sokolsky,
        TODAY - dt.timedelta(days=100),
        [(w.petya, "child"), (w.olesya, "caregiver")],
    )
    w.case_d = case("dv", w.police, w.petr, vologda, TODAY - dt.timedelta(days=5), [(w.maria, "victim")])
    incident = Incident.objects.create(
        case=w.case_a,
        occurred_on=TODAY - dt.timedelta(days=41),
        place="home",
        district=vologda,
        reported_to_police=True,
        victim=w.maria,
        alleged_perpetrator=w.ivan,
        created_by=w.anna,
    )
    IncidentForm.objects.create(incident=incident, form=ViolenceForm.objects.get(code="physical"))
    w.incident_a = incident
    return w


NAMES = [
    *("vologda", "sokolsky", "region", "crisis", "police", "social_sokol", "kdn", "department"),
    *("school", "school_sokol", "pavel", "zoya", "ilya"),
    *("unit_dv", "unit_child"),
    *("anna", "boris", "tina", "sveta", "hanna", "petr", "olga", "kira", "alex", "dasha", "root", "nemo"),
    *("maria", "ivan", "sasha", "elena", "petya", "olesya"),
    *("case_a", "case_b", "case_c", "case_d", "incident_a"),
]


def world_keys(w: SimpleNamespace) -> dict:
    """(model, pk) of every named object, to fetch fresh copies for each test."""
    return {name: (type(getattr(w, name)), getattr(w, name).pk) for name in NAMES}


def totp_code(username: str) -> str:
    """The authenticator-app code a world user would type now."""
    import time

    from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value

    return format_hotp_value(hotp_value(totp_secret_for(username, "world"), int(time.time()) // 30))
