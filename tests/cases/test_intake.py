"""Intake: find or register the person, open the case, record the first incident, all at once."""

import datetime as dt

import pytest
from django.utils import timezone

from safezone.audit.models import AuditEvent
from safezone.cases.models import Case, Incident
from safezone.people.models import Identifier, Person


def intake_post(world, **overrides):
    data = {
        "agency": world.crisis.pk,
        "surname": "Иванова",
        "first_name": "Ольга",
        "patronymic": "Петровна",
        "sex": "F",
        "birth_date": "05.1990",
        "person_district": world.vologda.pk,
        "snils": "",
        "kind": "dv",
        "role": "victim",
        "district": world.vologda.pk,
        "summary": "Обратилась сама",
        "occurred_on": (timezone.localdate() - dt.timedelta(days=1)).isoformat(),
        "place": "home",
        "place_detail": "",
        "incident_district": "",
        "violence_forms": ["1"],
        "description": "",
    }
    data.update(overrides)
    return data


def test_intake_registers_the_person_and_opens_the_case_with_its_first_incident(world, client_for):
    response = client_for(world.anna).post("/cases/intake/", intake_post(world, snils="112-233-445 95"))
    assert response.status_code == 302
    person = Person.objects.get(surname="Иванова")
    assert (person.birth_year, person.birth_month, person.birth_day) == (1990, 5, None)
    assert person.registered_by == world.crisis and person.created_by == world.anna
    assert Identifier.objects.get(person=person).value == "11223344595"
    case = Case.objects.get(participants__person=person)
    assert response["Location"] == f"/cases/{case.pk}/"
    assert (case.owner_agency, case.owner_worker, case.kind, case.status) == (world.crisis, world.anna, "dv", "open")
    incident = Incident.objects.get(case=case)
    assert incident.victim == person and incident.district == world.vologda  # empty district: the case's
    assert list(incident.forms.values_list("pk", flat=True)) == [1]
    assert case.history.count() == 1 and case.history.first().history_user == world.anna
    actions = set(AuditEvent.objects.filter(actor=world.anna).values_list("action", flat=True))
    assert {"person.create", "case.open", "case.opened", "incident.add"} <= actions


def test_intake_can_pick_a_person_already_in_the_register(world, client_for):
    before = Person.objects.count()
    response = client_for(world.anna).post(
        "/cases/intake/", intake_post(world, existing_person=world.maria.pk, surname="", first_name="")
    )
    assert response.status_code == 302
    assert Person.objects.count() == before
    assert Case.objects.filter(participants__person=world.maria).count() == 3


def test_intake_cannot_pick_a_person_the_user_may_not_see(world, client_for):
    before = Case.objects.count()
    response = client_for(world.anna).post("/cases/intake/", intake_post(world, existing_person=world.petya.pk))
    assert response.status_code == 200
    assert (
        "You may not open a case with this person" in response.content.decode()
        or "не можете" in response.content.decode()
    )
    assert Case.objects.count() == before


def test_intake_cannot_open_a_case_for_another_agency(world, client_for):
    response = client_for(world.anna).post("/cases/intake/", intake_post(world, agency=world.police.pk))
    assert response.status_code == 200
    assert not Person.objects.filter(surname="Иванова").exists()


@pytest.mark.parametrize(
    "field, value",
    [
        ("birth_date", "31.02.1990"),
        ("birth_date", "весной"),
        ("snils", "112-233-445 96"),
        ("occurred_on", "2999-01-01"),
        ("violence_forms", []),
        ("surname", ""),
        ("kind", "burglary"),
    ],
)
def test_bad_input_names_the_field_and_changes_nothing(world, client_for, field, value):
    cases, persons = Case.objects.count(), Person.objects.count()
    response = client_for(world.anna).post("/cases/intake/", intake_post(world, **{field: value}))
    assert response.status_code == 200
    assert field in response.context["form"].errors
    assert (Case.objects.count(), Person.objects.count()) == (cases, persons)


def test_a_failure_half_way_leaves_nothing_behind(world, client_for, monkeypatch):
    from safezone.cases import services

    def broken(**kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(services, "incident_add", broken)
    persons, cases = Person.objects.count(), Case.objects.count()
    with pytest.raises(RuntimeError):
        client_for(world.anna).post("/cases/intake/", intake_post(world))
    assert (Person.objects.count(), Case.objects.count()) == (persons, cases)


def test_the_intake_page_offers_only_the_users_agencies(world, client_for):
    form = client_for(world.anna).get("/cases/intake/").context["form"]
    assert list(form.fields["agency"].queryset) == [world.crisis]
    assert form.fields["district"].initial == world.vologda.pk
