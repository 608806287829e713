"""The helpline API: an operator logs a whole contact in one call (decided by the policy and
audited); bad fields answer 400 naming the field; roles that may not log get 403 and nothing is
written; the helpline's contacts are read by its operators and supervisors only, every read audited."""

import datetime as dt

import pytest

from safezone.accounts.models import Membership, Role, User
from safezone.accounts.services import api_token_issue
from safezone.audit.models import AuditEvent
from safezone.hotline.models import Contact

GOOD = {
    "channel": "call",
    "type": "child",
    "categories": ["neglect", "violence_physical"],
    "age_band": "12-14",
    "sex": "F",
    "urgency": "urgent",
    "outcome": "information",
    "safe_to_talk": "yes",
    "in_danger": "no",
    "notes": "Соседский мальчик ночует в подъезде",
    "started_at": "2026-11-23T10:00:00+03:00",
    "ended_at": "2026-11-23T10:12:00+03:00",
}


def hanna() -> User:
    return User.objects.get(username="hanna")


def token_client(client, user):
    """The test client calling the API with the user's token, as an outside client would."""
    _token, key = api_token_issue(user=user, name="PBX")
    client.defaults["HTTP_AUTHORIZATION"] = f"Token {key}"
    return client


def log(client, user, **changes):
    body = {**GOOD, **changes}
    return token_client(client, user).post("/api/contacts/", body, content_type="application/json")


@pytest.fixture
def logged(world):
    """A contact of the crisis centre's helpline that Hanna logged."""
    return Contact.objects.create(
        agency=world.crisis,
        operator=hanna(),
        status=Contact.Status.DONE,
        type=Contact.Type.ABOUT_SELF,
        categories=["domestic_violence"],
        outcome=Contact.Outcome.REFERRED,
        notes="Муж угрожает",
        started_at=dt.datetime(2026, 11, 22, 9, 0, tzinfo=dt.UTC),
        ended_at=dt.datetime(2026, 11, 22, 9, 20, tzinfo=dt.UTC),
    )


@pytest.fixture
def sokol_operator(world):
    """A trained helpline operator of another agency (the Sokol social-protection centre)."""
    user = User.objects.create(username="sokol-operator")
    Membership.objects.create(
        user=user, agency=world.social_sokol, role=Role.HELPLINE_OPERATOR, dp_training_on=dt.date(2026, 1, 1)
    )
    return user


def test_an_operator_logs_a_contact_through_the_api_and_it_is_audited(world, client):
    response = log(client, hanna(), district=world.vologda.pk)
    assert response.status_code == 201, response.content
    data = response.json()
    contact = Contact.objects.get(pk=data["id"])
    assert contact.status == Contact.Status.DONE
    assert (contact.agency, contact.operator) == (world.crisis, hanna())
    assert contact.categories == ["neglect", "violence_physical"]
    assert contact.district == world.vologda and contact.notes == GOOD["notes"]
    assert contact.ended_at - contact.started_at == dt.timedelta(minutes=12)
    assert data["agency"] == "crisis" and data["notes"] == GOOD["notes"]
    decision = AuditEvent.objects.filter(actor=hanna(), action="contact.log").last()
    assert decision.decision == "allow" and decision.purpose == "helpline"
    logged = AuditEvent.objects.get(action="contact.logged", object_id=str(contact.pk))
    assert logged.actor == hanna() and logged.seq > decision.seq and logged.purpose == "helpline"


def test_a_contact_without_times_or_district_is_logged_as_of_now(world, client):
    body = {"type": "silent", "district": None}
    response = token_client(client, hanna()).post("/api/contacts/", body, content_type="application/json")
    assert response.status_code == 201, response.content
    contact = Contact.objects.get(pk=response.json()["id"])
    assert contact.district is None and contact.channel == "call" and contact.ended_at is not None


@pytest.mark.parametrize(
    "field, value",
    [
        ("channel", "pigeon"),
        ("type", "gossip"),
        ("categories", ["neglect", "boredom"]),
        ("categories", "neglect"),
        ("age_band", "99"),
        ("sex", "X"),
        ("urgency", "whenever"),
        ("outcome", "shrugged"),
        ("safe_to_talk", "maybe"),
        ("in_danger", "maybe"),
        ("language", "tlh"),
        ("district", 999_999),
        ("district", "vologda"),
        ("started_at", "yesterday"),
        ("ended_at", "23.11.2026"),
    ],
)
def test_a_bad_field_answers_400_naming_the_field_and_writes_nothing(world, client, field, value):
    before = Contact.objects.count()
    response = log(client, hanna(), **{field: value})
    assert response.status_code == 400
    assert field in response.json()
    assert Contact.objects.count() == before


def test_a_region_or_a_settlement_is_not_a_district(world, client):
    response = log(client, hanna(), district=world.region.pk)
    assert response.status_code == 400 and "district" in response.json()


def test_a_contact_with_a_callback_agreed_is_logged(world, client):
    assert log(client, hanna(), outcome="callback").status_code == 201


@pytest.mark.parametrize(
    "changes, field",
    [
        ({"type": ""}, "type"),
        ({"categories": []}, "categories"),
        ({"outcome": ""}, "outcome"),
        ({"ended_at": "2026-11-23T09:00:00+03:00"}, "ended_at"),
    ],
)
def test_what_a_logged_contact_needs_is_named_when_missing(world, client, changes, field):
    before = Contact.objects.count()
    response = log(client, hanna(), **changes)
    assert response.status_code == 400
    assert field in response.json()
    assert Contact.objects.count() == before


@pytest.mark.parametrize("username", ["anna", "alex"])
def test_a_caseworker_or_an_analyst_cannot_log_a_contact_and_nothing_is_written(world, client, username):
    user = getattr(world, username)
    before = Contact.objects.count()
    response = log(client, user)
    assert response.status_code == 403
    assert Contact.objects.count() == before
    refusal = AuditEvent.objects.filter(actor=user, action="contact.log").last()
    assert refusal.decision == "deny" and refusal.rule == "no-role-allows-this"
    assert not AuditEvent.objects.filter(actor=user, action="contact.logged").exists()


def test_a_signed_out_client_cannot_log_a_contact(world, client):
    before = Contact.objects.count()
    response = client.post("/api/contacts/", GOOD, content_type="application/json")
    assert response.status_code == 401
    assert Contact.objects.count() == before


def test_the_supervisor_reads_the_crisis_centres_contacts(world, client, logged):
    client = token_client(client, world.sveta)
    rows = client.get("/api/contacts/").json()["results"]
    assert [row["id"] for row in rows] == [logged.pk]
    assert "notes" not in rows[0]
    data = client.get(f"/api/contacts/{logged.pk}/").json()
    assert data["operator"] == "hanna" and data["notes"] == "Муж угрожает"
    read = AuditEvent.objects.filter(actor=world.sveta, action="contact.view", object_id=str(logged.pk)).last()
    assert read.decision == "allow" and read.purpose == "helpline"


def test_an_operator_of_another_agency_does_not_see_the_crisis_centres_contacts(world, client, logged, sokol_operator):
    client = token_client(client, sokol_operator)
    assert client.get(f"/api/contacts/{logged.pk}/").status_code == 404
    assert client.get("/api/contacts/").json()["results"] == []
    refusal = AuditEvent.objects.filter(actor=sokol_operator, object_id=str(logged.pk)).last()
    assert refusal.decision == "deny" and refusal.rule == "not-this-agency's-helpline"


def test_a_contact_that_does_not_exist_looks_like_one_out_of_reach(world, client):
    client = token_client(client, world.sveta)
    assert client.get("/api/contacts/999999/").status_code == 404
    assert client.get("/api/contacts/abc/").status_code == 404


def test_each_list_page_leaves_an_audit_event_with_what_it_showed(world, client, logged):
    client = token_client(client, world.sveta)
    client.get("/api/contacts/")
    event = AuditEvent.objects.filter(actor=world.sveta, action="contact.view").last()
    assert event.extra["ids"] == [logged.pk] and event.extra["api"] is True
    assert event.purpose == "helpline" and event.decision == "allow"


def test_a_caseworker_sees_an_empty_list_and_a_recorded_refusal(world, client, logged):
    response = token_client(client, world.anna).get("/api/contacts/")
    assert response.json()["results"] == []
    event = AuditEvent.objects.filter(actor=world.anna, action="contact.view").last()
    assert event.decision == "deny" and event.extra["ids"] == []


def test_the_openapi_schema_describes_the_contacts(client):
    paths = client.get("/api/schema/?format=json").json()["paths"]
    assert {"get", "post"} <= set(paths["/api/contacts/"])
    assert "get" in paths["/api/contacts/{id}/"]
