"""The demo region: deterministic, realistic enough for every page, and written in bulk."""

import datetime as dt
from collections import Counter

import pytest

from safezone.accounts.models import Role
from safezone.demo.generator import DemoGenerator

from .conftest import SMALL

TODAY = dt.date(2026, 11, 23)


def records(seed, n=300, today=TODAY):
    generator = DemoGenerator(seed=seed, today=today)
    persons, cases = [], []
    for chunk in generator.chunks(n, size=70):
        persons += chunk.persons
        cases += chunk.cases
    return persons, cases


def test_the_same_seed_and_date_give_the_same_region():
    assert records(5) == records(5)


def test_another_seed_gives_another_region():
    assert records(5)[1] != records(6)[1]


def test_cases_spread_over_three_years_up_to_today_with_every_kind_and_status():
    _persons, cases = records(1, n=2000)
    assert {c.kind for c in cases} == {"dv", "child", "labour", "trafficking"}
    assert {c.status for c in cases} == {"open", "monitoring", "closed"}
    assert min(c.opened_on for c in cases) >= TODAY - dt.timedelta(days=3 * 365)
    assert max(c.opened_on for c in cases) <= TODAY
    recent = sum(c.opened_on > TODAY - dt.timedelta(days=90) for c in cases)
    assert recent > 2000 * 0.1  # every page has recent content
    assert all(c.closed_on is None or c.opened_on <= c.closed_on <= TODAY for c in cases)
    assert all(i.occurred_on <= TODAY for c in cases for i in c.incidents)


def test_districts_get_cases_roughly_by_population():
    _persons, cases = records(1, n=3000)
    by_district = Counter(c.district for c in cases)
    assert len(by_district) == 28
    assert by_district["vologda"] > 5 * by_district["mezhdurechensky"]


def test_people_have_russian_names_with_patronymics_and_valid_documents():
    from safezone.people.validators import normalize_birth_certificate, normalize_inn, normalize_snils

    persons, _cases = records(2)
    # A second record of a repeat victim may leave the patronymic out (see the next test).
    assert all(p.patronymic.endswith(("ич", "на")) for p in persons if p.patronymic)
    assert sum(1 for p in persons if not p.patronymic) < 0.02 * len(persons)
    assert {p.sex for p in persons} == {"F", "M"}
    check = {"snils": normalize_snils, "inn": normalize_inn, "birth_certificate": normalize_birth_certificate}
    for p in persons:
        for kind, value in p.identifiers:
            if kind in check:
                assert check[kind](value) == value


def test_repeat_victimisation_reuses_earlier_victims():
    _persons, cases = records(3, n=1500)
    victims = Counter(key for c in cases if c.kind == "dv" for key, role in c.participants if role == "victim")
    assert any(n > 1 for n in victims.values())


def test_some_repeat_victims_are_written_again_by_another_agency_for_the_steward():
    """The register's duplicates that linkage exists for: the same woman recorded a second time,
    in Latin letters, by a short name, without a patronymic or with a partial date."""
    from safezone.people.names import surname_key

    persons, cases = records(3, n=1500)
    by_key = {p.key: p for p in persons}
    perpetrators = Counter(
        key for c in cases if c.kind == "dv" for key, role in c.participants if role == "perpetrator"
    )
    twins = 0
    for perpetrator, count in perpetrators.items():
        if count < 2:
            continue
        victims = {
            key
            for c in cases
            for key, role in c.participants
            if role == "victim" and (perpetrator, "perpetrator") in c.participants
        }
        records_of = [by_key[k] for k in victims if k in by_key]
        if len(records_of) > 1 and len({surname_key(p.surname)[0] for p in records_of}) == 1:
            twins += 1
    assert twins >= 3


FACTS = """
import json
from django.db.models import Min, Max
from safezone.accounts.models import User, Membership
from safezone.cases.models import Case
from safezone.people.models import Person
print(json.dumps({
    "cases": Case.objects.count(),
    "case_history": Case.history.count(),
    "users": User.objects.count(),
    "demo_users": User.objects.filter(is_demo=True).count(),
    "roles": sorted(set(Membership.objects.values_list("role", flat=True))),
    "memberships": Membership.objects.count(),
    "trained_memberships": Membership.objects.filter(dp_training_on__isnull=False).count(),
    "with_second_factor": User.objects.filter(authenticator__type="totp").count(),
    "opened": [str(d) for d in Case.objects.aggregate(a=Min("opened_on"), b=Max("opened_on")).values()],
    "names": list(Person.objects.order_by("pk").values_list("surname", "first_name", "patronymic")),
}))
"""


def test_seed_demo_fills_an_empty_database_once_and_faithfully(small_demo):
    seeded = small_demo.seeded
    assert "31 agencies, 54 accounts, 60 cases" in seeded.stdout
    assert "demo cases" in seeded.stderr  # the progress bar
    assert "demo: figures refreshed" in seeded.stdout  # the dashboards have figures at once

    facts = small_demo.facts(FACTS)
    assert facts["cases"] == facts["case_history"] == 60
    assert facts["users"] == facts["demo_users"] == 54
    assert facts["with_second_factor"] == 54 and facts["trained_memberships"] == facts["memberships"]
    assert set(facts["roles"]) == set(Role.values)
    persons, _cases = records(7, n=60, today=SMALL["today"])
    # The persons of the cases come first; pupils, teenagers and children at work follow them.
    written = [tuple(n) for n in facts["names"]][: len(persons)]
    assert written == [(p.surname, p.first_name, p.patronymic) for p in persons]

    again = small_demo.manage("seed_demo", "--cases", "5")
    assert again.returncode != 0 and "already holds" in again.stderr
    assert "Traceback" not in again.stderr
    skipped = small_demo.manage("seed_demo", "--if-empty", "--cases", "5")
    assert skipped.returncode == 0 and "nothing loaded" in skipped.stdout

    logins = small_demo.manage("demo_logins")
    assert "safezone-demo-2026" in logins.stdout and "crisis.worker1" in logins.stdout
    from safezone.demo.services import demo_totp_secret

    assert demo_totp_secret("crisis.worker1", 7) in logins.stdout
    code = small_demo.manage("demo_code", "crisis.worker1")
    assert code.returncode == 0 and code.stdout[:6].isdigit()
    refused = small_demo.manage("demo_code", "nobody")
    assert refused.returncode != 0 and "not a demo account" in refused.stderr


def test_seed_demo_refuses_a_bad_date(db):
    from django.core.management import call_command
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="YYYY-MM-DD"):
        call_command("seed_demo", "--today", "23.11.2026", "--cases", "1")
