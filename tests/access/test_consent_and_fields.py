"""Consent as data, and sensitive fields shown only to the roles that need them."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.utils import timezone

from safezone.access.models import Consent
from safezone.access.services import AccessDenied, consent_record, consent_withdraw
from safezone.cases.models import Case
from safezone.people.models import Contact


def record(world, **kwargs):
    values = {
        "actor": world.anna,
        "case": world.case_a,
        "person": world.maria,
        "categories": ["summary"],
        "agencies": [world.police],
        "purposes": ["case_work"],
        "form": "written",
        "given_on": timezone.localdate(),
    }
    return consent_record(**{**values, **kwargs})


def test_a_consent_records_what_with_whom_for_what_and_since_when(world):
    consent = record(world, categories=["summary", "contacts"])
    assert consent.categories == ["contacts", "summary"] and list(consent.agencies.all()) == [world.police]
    assert consent.history.count() == 1


@pytest.mark.parametrize(
    "override, field",
    [
        ({"categories": []}, "categories"),
        ({"categories": ["everything"]}, "categories"),
        ({"agencies": []}, "agencies"),
        ({"purposes": ["curiosity"]}, "purposes"),
        ({"given_on": dt.date(2999, 1, 1)}, "given_on"),
    ],
)
def test_an_incomplete_consent_is_refused_naming_the_field(world, override, field):
    with pytest.raises(ValidationError) as exc:
        record(world, **override)
    assert field in exc.value.message_dict
    assert not Consent.objects.exists()


def test_only_people_of_the_case_give_consent_on_it(world):
    with pytest.raises(ValidationError):
        record(world, person=world.elena)


def test_a_worker_outside_the_case_cannot_record_consent(world):
    with pytest.raises(AccessDenied):
        record(world, actor=world.olga)


def test_withdrawing_keeps_the_consent_as_history(world):
    consent = record(world, given_on=timezone.localdate() - dt.timedelta(days=3))
    consent_withdraw(actor=world.anna, consent=consent, withdrawn_on=timezone.localdate())
    consent.refresh_from_db()
    assert consent.withdrawn_on == timezone.localdate() and consent.history.count() == 2


def test_a_consent_cannot_be_withdrawn_before_it_was_given(world):
    consent = record(world)
    with pytest.raises(ValidationError):
        consent_withdraw(actor=world.anna, consent=consent, withdrawn_on=consent.given_on - dt.timedelta(days=1))


# --- field-level visibility -----------------------------------------------------------------------
@pytest.fixture
def sensitive(world):
    Case.objects.filter(pk=world.case_a.pk).update(version=1)
    case = Case.objects.get(pk=world.case_a.pk)
    case.summary, case.safe_contact = "Угрозы убийством", "Звонить только с 10 до 12"
    case.save()
    Contact.objects.create(person=world.maria, kind="phone", value="+7 921 000-00-00", is_safe=True)
    return case


def test_the_owner_sees_narrative_safe_contact_and_contacts(world, client_for, sensitive):
    client = client_for(world.anna)
    body = client.get(f"/cases/{world.case_a.pk}/").content.decode()
    assert "Угрозы убийством" in body and "Звонить только с 10 до 12" in body
    assert "+7 921 000-00-00" in client.get(f"/people/{world.maria.pk}/").content.decode()


def test_a_coordinator_sees_the_narrative_but_no_contacts_or_safe_contact(world, client_for, sensitive):
    client = client_for(world.kira)
    body = client.get(f"/cases/{world.case_a.pk}/?purpose=coordination").content.decode()
    assert "Угрозы убийством" in body and "Звонить только с 10 до 12" not in body
    person = client.get(f"/people/{world.maria.pk}/?purpose=coordination").content.decode()
    assert "+7 921 000-00-00" not in person


def test_the_api_shows_the_summary_only_to_roles_that_see_the_narrative(world, client_for, sensitive):
    assert client_for(world.anna).get(f"/api/cases/{world.case_a.pk}/").json()["summary"] == "Угрозы убийством"
    coordinator = client_for(world.kira).get(f"/api/cases/{world.case_a.pk}/?purpose=coordination").json()
    assert coordinator["summary"] == "Угрозы убийством" and "safe_contact" not in coordinator


def test_a_role_that_may_not_see_a_field_cannot_overwrite_it(world, client_for, sensitive):
    from safezone.accounts.models import Membership

    Membership.objects.filter(user=world.petr).update(role="school_pedagogue")  # no safe-contact field
    Case.objects.filter(pk=world.case_a.pk).update(owner_agency=world.police, owner_worker=world.petr)
    client_for(world.petr).post(
        f"/cases/{world.case_a.pk}/edit/",
        {"status": "open", "summary": "x", "safe_contact": "стёрто", "version": sensitive.version},
    )
    case = Case.objects.get(pk=world.case_a.pk)
    assert case.safe_contact == "Звонить только с 10 до 12" and case.summary == "x"


def test_narrative_contacts_and_safe_contact_are_encrypted_in_the_database(world, sensitive):
    with connection.cursor() as cursor:
        cursor.execute("SELECT summary, safe_contact FROM cases_case WHERE id = %s", [world.case_a.pk])
        summary, safe = cursor.fetchone()
        cursor.execute("SELECT value FROM people_contact WHERE person_id = %s", [world.maria.pk])
        (phone,) = cursor.fetchone()
    assert "Угрозы" not in summary and "Звонить" not in safe and "921" not in phone
    assert summary.startswith("gAAAA") and phone.startswith("gAAAA")
