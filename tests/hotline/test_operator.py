"""The operator's screen: a call announced by the exchange is taken, the contact is saved as a draft
while typed and logged when complete; repeat callers are recognised, noted and blocked; callbacks
wait in a queue; a warm referral turns a contact into a person, a case and a referral at once."""

import datetime as dt
import json
import time

import pytest
from django.db import connection
from django.utils import timezone

from safezone.access.models import Consent
from safezone.accounts.models import Membership, Role, User
from safezone.accounts.services import totp_activate, totp_secret_for
from safezone.audit.models import AuditEvent
from safezone.cases.models import Case, Referral
from safezone.hotline.models import Callback, CallerProfile, Contact
from safezone.hotline.services import caller_hash, contact_open, pbx_signature
from safezone.people.models import Person

pytestmark = pytest.mark.django_db


def _announce(client, call_id="c-1", caller="+7 900 123-45-67"):
    body = json.dumps(
        {"call_id": call_id, "caller": caller, "line": "8-800-2000-122", "started_at": timezone.now().isoformat()}
    ).encode()
    stamp = str(int(time.time()))
    response = client.post(
        "/hotline/pbx/incoming/",
        body,
        content_type="application/json",
        headers={"X-SafeZone-Timestamp": stamp, "X-SafeZone-Signature": pbx_signature(stamp, body)},
    )
    assert response.status_code == 200, response.content
    return response.json()


def _operator(world, username="ira"):
    user = User.objects.create(username=username, first_name=username.title())
    Membership.objects.create(
        user=user, agency=world.crisis, role=Role.HELPLINE_OPERATOR, dp_training_on=dt.date(2026, 1, 1)
    )
    totp_activate(user=user, secret=totp_secret_for(username, "world"))
    return user


def _draft(client, contact, **fields):
    data = {"version": contact.version, **fields}
    return client.post(f"/hotline/contacts/{contact.pk}/draft/", data)


def test_an_announced_call_waits_on_the_console_and_the_operator_who_takes_it_logs_it(world, client_for):
    contact_id = _announce(client_for(world.hanna))["contact"]
    client = client_for(world.hanna)
    page = client.get("/hotline/")
    assert page.status_code == 200
    assert f"/hotline/contacts/{contact_id}/take/" in page.content.decode()
    response = client.post(f"/hotline/contacts/{contact_id}/take/")
    assert response.status_code == 302 and response["Location"] == f"/hotline/contacts/{contact_id}/"
    contact = Contact.objects.get(pk=contact_id)
    assert contact.status == "open" and contact.operator == world.hanna and contact.agency == world.crisis
    assert f"/hotline/contacts/{contact_id}/take/" not in client.get("/hotline/waiting/").content.decode()


def test_a_call_taken_by_one_operator_cannot_be_taken_or_edited_by_another(world, client_for):
    contact_id = _announce(client_for(world.hanna))["contact"]
    client_for(world.hanna).post(f"/hotline/contacts/{contact_id}/take/")
    other = client_for(_operator(world))
    response = other.post(f"/hotline/contacts/{contact_id}/take/", follow=True)
    assert [str(m) for m in response.context["messages"]] == [
        "Another operator has already taken this call."
        if 'lang="en"' in response.content.decode()
        else "Другой оператор уже принял этот звонок."
    ]
    contact = Contact.objects.get(pk=contact_id)
    assert contact.operator == world.hanna
    assert _draft(other, contact, notes="чужие руки").status_code == 404
    contact.refresh_from_db()
    assert contact.notes == ""
    assert AuditEvent.objects.filter(rule="taken-by-another-operator", decision="deny").exists()


def test_the_draft_is_saved_as_typed_and_a_stale_draft_is_refused(world, client_for):
    client = client_for(world.hanna)
    contact = contact_open(actor=world.hanna)
    response = _draft(client, contact, type="child", categories=["neglect"], notes="Сосед говорит, ребёнок один")
    assert response.status_code == 200, response.content
    assert response.json()["version"] == contact.version + 1
    saved = Contact.objects.get(pk=contact.pk)
    assert saved.type == "child" and saved.categories == ["neglect"] and saved.status == "open"
    assert saved.notes == "Сосед говорит, ребёнок один"
    with connection.cursor() as cursor:  # encrypted at rest
        cursor.execute("SELECT notes FROM hotline_contact WHERE id = %s", [contact.pk])
        assert "ребёнок" not in cursor.fetchone()[0]
    stale = _draft(client, contact, notes="из второй вкладки")  # the version of before the first save
    assert stale.status_code == 409
    assert Contact.objects.get(pk=contact.pk).notes == "Сосед говорит, ребёнок один"
    # Reopening the page shows the draft.
    page = client.get(f"/hotline/contacts/{contact.pk}/")
    assert "Сосед говорит, ребёнок один" in page.content.decode()
    assert page.context["form"]["type"].value() == "child"


def test_a_bad_value_in_a_draft_is_refused_naming_the_field(world, client_for):
    contact = contact_open(actor=world.hanna)
    response = _draft(client_for(world.hanna), contact, categories=["no_such_issue"])
    assert response.status_code == 400
    assert "categories" in response.json()["errors"]
    assert Contact.objects.get(pk=contact.pk).version == contact.version


def test_a_hang_up_is_logged_with_its_type_alone(world, client_for):
    contact = contact_open(actor=world.hanna)
    response = client_for(world.hanna).post(
        f"/hotline/contacts/{contact.pk}/", {"version": contact.version, "type": "hang_up"}
    )
    assert response.status_code == 302
    contact.refresh_from_db()
    assert contact.status == "done" and contact.type == "hang_up" and contact.ended_at is not None


def test_a_contact_about_a_child_is_not_logged_without_issues_and_outcome(world, client_for):
    contact = contact_open(actor=world.hanna)
    response = client_for(world.hanna).post(
        f"/hotline/contacts/{contact.pk}/", {"version": contact.version, "type": "child"}
    )
    assert response.status_code == 200
    form = response.context["form"]
    assert "categories" in form.errors and "outcome" in form.errors
    contact.refresh_from_db()
    assert contact.status == "open"


def test_a_repeat_caller_is_recognised_noted_and_blocked_and_the_exchange_is_told(world, client_for):
    client = client_for(world.hanna)
    first = _announce(client, "c-1")["contact"]
    client.post(f"/hotline/contacts/{first}/take/")
    client.post(f"/hotline/contacts/{first}/", {"version": 2, "type": "abusive"})
    assert Contact.objects.get(pk=first).status == "done"
    client.post(f"/hotline/contacts/{first}/caller/note/", {"text": "Грубит, просит Машу"})
    client.post(f"/hotline/contacts/{first}/caller/block/", {"reason": "оскорбления"})
    profile = CallerProfile.objects.get(caller_hash=caller_hash("89001234567"))
    assert profile.blocked and profile.blocked_by == world.hanna
    answer = _announce(client, "c-2", caller="8 900 123 45 67")
    assert answer["blocked"] is True
    client.post(f"/hotline/contacts/{answer['contact']}/take/")
    page = client.get(f"/hotline/contacts/{answer['contact']}/")
    caller = page.context["caller"]
    assert caller["count"] == 1 and caller["notes"][0].text == "Грубит, просит Машу"
    assert AuditEvent.objects.filter(action="contact.view", extra__caller_of=answer["contact"]).exists()
    client.post(f"/hotline/contacts/{answer['contact']}/caller/block/", {"unblock": "1"})
    assert not CallerProfile.objects.get(pk=profile.pk).blocked
    assert _announce(client, "c-3")["blocked"] is False


def test_a_callback_waits_in_the_queue_is_called_and_closed(world, client_for):
    client = client_for(world.hanna)
    contact = contact_open(actor=world.hanna)
    due = timezone.localtime() + dt.timedelta(minutes=1)
    response = client.post(
        f"/hotline/contacts/{contact.pk}/callback/",
        {"due_at": due.strftime("%Y-%m-%dT%H:%M"), "phone": "+7 911 000-11-22", "note": "после 18:00"},
    )
    assert response.status_code == 302
    callback = Callback.objects.get(contact=contact)
    assert callback.phone == "+7 911 000-11-22"
    page = client.get("/hotline/callbacks/")
    assert "+7 911 000-11-22" in page.content.decode()
    assert AuditEvent.objects.filter(action="contact.log", extra__callbacks=[callback.pk]).exists()
    started = client.post(f"/hotline/callbacks/{callback.pk}/", {"step": "call"})
    new_contact = Contact.objects.get(pk=int(started["Location"].rstrip("/").split("/")[-1]))
    assert new_contact.caller_hash == caller_hash("89110001122") and new_contact.operator == world.hanna
    client.post(f"/hotline/callbacks/{callback.pk}/", {"step": "failed"})
    callback.refresh_from_db()
    assert callback.status == "pending" and callback.attempts == 1 and callback.due_at > due
    client.post(f"/hotline/callbacks/{callback.pk}/", {"step": "done"})
    callback.refresh_from_db()
    assert callback.status == "done" and callback.done_by == world.hanna


def test_a_callback_outcome_needs_a_scheduled_callback(world, client_for):
    contact = contact_open(actor=world.hanna)
    data = {"version": contact.version, "type": "self", "categories": ["mental_health"], "outcome": "callback"}
    response = client_for(world.hanna).post(f"/hotline/contacts/{contact.pk}/", data)
    assert "outcome" in response.context["form"].errors


def _referral_post(contact, world, **extra):
    data = {
        "version": contact.version,
        "agency": world.crisis.pk,
        "surname": "Волкова",
        "first_name": "Катя",
        "sex": "F",
        "birth_date": "2014",
        "kind": "child",
        "role": "child",
        "district": world.vologda.pk,
        "occurred_on": timezone.localdate().isoformat(),
        "place": "home",
        "violence_forms": [world.form_neglect.pk],
        "to_agency": world.police.pk,
        "message": "Ребёнок один дома третий день",
        "consent": "on",
        "share": ["summary"],
        "safe_to_talk": "yes",
        "messages_ok": "not_asked",
        "knows_about_referrals": "yes",
        "agrees_to_referrals": "yes",
    }
    data.update(extra)
    return data


@pytest.fixture
def child_contact(world):
    from safezone.cases.models import ViolenceForm

    world.form_neglect = ViolenceForm.objects.get(code="neglect")
    contact = contact_open(actor=world.hanna)
    contact.type = "child"
    contact.categories = ["neglect"]
    contact.district = world.vologda
    contact.notes = "Ребёнок один дома третий день"
    contact.version = 2
    contact.save()
    return contact


def test_a_warm_referral_opens_the_case_and_refers_it_with_what_the_contact_said(world, client_for, child_contact):
    client = client_for(world.hanna)
    form_page = client.get(f"/hotline/contacts/{child_contact.pk}/refer/")
    assert form_page.status_code == 200
    initial = form_page.context["form"].initial
    assert initial["kind"] == "child" and initial["role"] == "child" and initial["district"] == world.vologda.pk
    assert initial["violence_forms"] == [world.form_neglect.pk] and initial["message"] == child_contact.notes
    response = client.post(f"/hotline/contacts/{child_contact.pk}/refer/", _referral_post(child_contact, world))
    assert response.status_code == 302, response.context["form"].errors if response.context else response
    child_contact.refresh_from_db()
    case = child_contact.case
    assert case.owner_agency == world.crisis and case.owner_worker == world.hanna and case.kind == "child"
    assert case.participants.get().person.surname == "Волкова"
    referral = child_contact.referral
    assert referral.to_agency == world.police and referral.status == Referral.Status.PENDING
    assert referral.consent.categories == ["summary"] and referral.consent.form == Consent.Form.VERBAL
    assert child_contact.outcome == "referred"
    assert AuditEvent.objects.filter(action="contact.referred", object_id=str(child_contact.pk)).exists()


def test_a_warm_referral_that_fails_changes_nothing(world, client_for, child_contact):
    client = client_for(world.hanna)
    cases_before, persons_before = Case.objects.count(), Person.objects.count()
    bad = _referral_post(child_contact, world, to_agency=world.crisis.pk)  # one's own agency: refused
    response = client.post(f"/hotline/contacts/{child_contact.pk}/refer/", bad)
    assert response.status_code == 200
    assert Case.objects.count() == cases_before and Person.objects.count() == persons_before
    no_ground = _referral_post(child_contact, world, consent="", share=[])  # no consent and no legal ground
    response = client.post(f"/hotline/contacts/{child_contact.pk}/refer/", no_ground)
    assert response.status_code == 200 and "legal_ground" in response.context["form"].errors
    assert Case.objects.count() == cases_before and Referral.objects.filter(to_agency=world.police).count() == 0
    child_contact.refresh_from_db()
    assert child_contact.case is None


def test_a_warm_referral_can_join_a_person_already_in_the_register(world, client_for, child_contact):
    client = client_for(world.hanna)
    data = _referral_post(child_contact, world, existing_person=world.sasha.pk, surname="", first_name="")
    response = client.post(f"/hotline/contacts/{child_contact.pk}/refer/", data)
    # Hanna may not see Sasha (no case of hers): the person is not reached, nothing is written.
    assert response.status_code in (200, 404)
    assert Case.objects.filter(participants__person=world.sasha, owner_worker=world.hanna).count() == 0
    # A person she registered before is found and reused, not registered twice.
    first = client.post(f"/hotline/contacts/{child_contact.pk}/refer/", _referral_post(child_contact, world))
    assert first.status_code == 302
    katya = Contact.objects.get(pk=child_contact.pk).case.participants.get().person
    second_contact = contact_open(actor=world.hanna)
    Contact.objects.filter(pk=second_contact.pk).update(type="child", categories=["neglect"], version=5)
    again = _referral_post(second_contact, world, version=5, existing_person=katya.pk, surname="", first_name="")
    again["to_agency"] = world.kdn.pk
    assert client.post(f"/hotline/contacts/{second_contact.pk}/refer/", again).status_code == 302
    assert Person.objects.filter(surname="Волкова").count() == 1
    assert Contact.objects.get(pk=second_contact.pk).case.participants.get().person == katya


def test_the_helpline_pages_are_closed_to_those_without_helpline_work(world, client_for):
    contact = contact_open(actor=world.hanna)
    for user in (world.anna, world.alex, world.petr):
        client = client_for(user)
        for path in ("/hotline/", "/hotline/callbacks/", f"/hotline/contacts/{contact.pk}/"):
            assert client.get(path).status_code == 404, (user, path)
        assert client.post("/hotline/contacts/new/").status_code == 404
    assert AuditEvent.objects.filter(actor=world.anna, action="contact.log", decision="deny").exists()
    # The crisis centre's supervisor reads the contact, but does not log it.
    sveta = client_for(world.sveta)
    assert sveta.get(f"/hotline/contacts/{contact.pk}/").status_code == 200
    assert _draft(sveta, contact, notes="x").status_code == 404


def test_the_district_panel_lists_the_help_lines_and_the_districts_services(world, client_for):
    response = client_for(world.hanna).get(f"/hotline/services/?district={world.vologda.pk}")
    assert response.status_code == 200
    names = [agency.name_ru for agency in response.context["services"]]
    assert "Кризисный центр" in names


def test_the_contact_list_filters_pages_and_records_what_it_showed(world, client_for):
    child = contact_open(actor=world.hanna)
    Contact.objects.filter(pk=child.pk).update(type="child", categories=["neglect", "online_abuse"], status="done")
    silent = contact_open(actor=world.hanna)
    Contact.objects.filter(pk=silent.pk).update(type="silent", status="done")
    sveta = client_for(world.sveta)
    page = sveta.get("/hotline/contacts/")
    assert page.status_code == 200
    assert {c.pk for c in page.context["page"]} == {child.pk, silent.pk}
    assert AuditEvent.objects.filter(
        actor=world.sveta, action="contact.view", extra__ids=[silent.pk, child.pk]
    ).exists()
    by_issue = sveta.get("/hotline/contacts/?category=online_abuse")
    assert [c.pk for c in by_issue.context["page"]] == [child.pk]
    by_type = sveta.get(f"/hotline/contacts/?type=silent&operator={world.hanna.pk}")
    assert [c.pk for c in by_type.context["page"]] == [silent.pk]
    assert client_for(world.anna).get("/hotline/contacts/").status_code == 404


def test_a_bad_channel_or_district_gets_a_message_not_a_traceback(world, client_for):
    client = client_for(world.hanna)
    response = client.post("/hotline/contacts/new/", {"channel": "pigeon"}, follow=True)
    assert response.status_code == 200 and len(response.context["messages"]) == 1
    assert not Contact.objects.exists()
    panel = client.get("/hotline/services/?district=abc")
    assert panel.status_code == 200 and panel.context["district"] is None
