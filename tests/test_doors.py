"""Every door to personal data is guarded: signed-out users are sent away, users outside the
scope get a 404 that looks like a missing record, and every look leaves an audit event.

A new URL that reaches persons or cases must be added to DOORS, or the last test fails.
"""

import pytest
from django.contrib import admin
from django.urls import URLPattern, URLResolver, get_resolver

from safezone.audit.models import AuditEvent
from safezone.cases.models import Case
from safezone.people.models import Person

# name -> (method, path template); {case}: case_a, {person}: maria (both out of Olga's scope).
DOORS = {
    "cases:list": ("get", "/cases/"),
    "cases:my_work": ("get", "/cases/mine/"),
    "cases:detail": ("get", "/cases/{case}/"),
    "cases:edit": ("post", "/cases/{case}/edit/"),
    "cases:incident_new": ("get", "/cases/{case}/incidents/new/"),
    "cases:intake": ("get", "/cases/intake/"),
    "cases:intake_person_search": ("get", "/cases/intake/persons/?surname=Кузнецова"),
    "people:detail": ("get", "/people/{person}/"),
    "case-list": ("get", "/api/cases/"),
    "case-detail": ("get", "/api/cases/{case}/"),
    "person-list": ("get", "/api/persons/"),
    "person-detail": ("get", "/api/persons/{person}/"),
}
# Routes that carry no personal data.
NOT_DOORS = {"accounts:login", "accounts:logout", "set_language", "schema", "api-docs", "api-root"}


def _path(world, name):
    method, template = DOORS[name]
    return method, template.format(case=world.case_a.pk, person=world.maria.pk)


@pytest.mark.parametrize("name", sorted(DOORS))
def test_a_signed_out_visitor_is_sent_to_sign_in_and_sees_nothing(world, client, name):
    method, path = _path(world, name)
    response = getattr(client, method)(path)
    if name.startswith(("case-", "person-")):
        assert response.status_code in (401, 403)
    else:
        assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    assert "Кузнецова" not in response.content.decode()


@pytest.mark.parametrize(
    "name", ["cases:detail", "cases:edit", "cases:incident_new", "people:detail", "case-detail", "person-detail"]
)
def test_a_user_outside_the_scope_gets_404_and_the_refusal_is_audited(world, client_for, name):
    method, path = _path(world, name)
    response = getattr(client_for(world.olga), method)(path)
    assert response.status_code == 404
    assert "Кузнецова" not in response.content.decode()
    denial = AuditEvent.objects.filter(actor=world.olga, decision="deny").last()
    assert denial is not None and denial.rule == "out-of-scope"
    assert denial.object_id in (str(world.case_a.pk), str(world.maria.pk))


@pytest.mark.parametrize("name", ["cases:detail", "people:detail", "case-detail", "person-detail"])
def test_a_user_in_scope_reads_and_the_read_is_audited(world, client_for, name):
    method, path = _path(world, name)
    response = getattr(client_for(world.anna), method)(path)
    assert response.status_code == 200
    event = AuditEvent.objects.filter(actor=world.anna, decision="allow").last()
    assert event.rule == "caseworker@crisis:own"
    assert event.purpose == "case_work"


@pytest.mark.parametrize("name", ["cases:list", "cases:my_work", "case-list", "person-list"])
def test_lists_show_only_what_the_scope_allows_and_record_what_they_showed(world, client_for, name):
    method, path = _path(world, name)
    response = getattr(client_for(world.olga), method)(path)
    assert response.status_code == 200
    body = response.content.decode()
    assert "Кузнецова" not in body
    event = AuditEvent.objects.filter(actor=world.olga).last()
    shown = set(event.extra["ids"])
    if name.startswith("person"):
        assert shown == {world.petya.pk, world.olesya.pk}
    elif name == "cases:my_work" or name.startswith("cases"):
        assert shown == {world.case_c.pk}
    else:
        assert shown == {world.case_c.pk}


def test_a_role_without_case_access_sees_an_empty_list_and_a_recorded_refusal(world, client_for):
    response = client_for(world.alex).get("/cases/")
    assert response.status_code == 200
    event = AuditEvent.objects.filter(actor=world.alex).last()
    assert event.decision == "deny" and event.extra["ids"] == []


def test_intake_search_finds_only_persons_the_user_may_see(world, client_for):
    body = client_for(world.olga).get("/cases/intake/persons/?surname=Кузнецова").content.decode()
    assert "Кузнецова" not in body
    body = client_for(world.anna).get("/cases/intake/persons/?surname=кузнецова").content.decode()
    assert "Кузнецова Мария" in body
    event = AuditEvent.objects.filter(actor=world.anna, action="person.search").last()
    assert world.maria.pk in event.extra["ids"]


def test_a_role_that_may_not_open_cases_cannot_use_intake(world, client_for):
    client = client_for(world.alex)
    assert client.get("/cases/intake/").status_code == 403
    assert client.post("/cases/intake/", {"surname": "Иванова"}).status_code == 403
    assert not Person.objects.filter(surname="Иванова").exists()


def test_a_refused_edit_changes_nothing(world, client_for):
    client_for(world.olga).post(f"/cases/{world.case_a.pk}/edit/", {"status": "closed", "summary": "x", "version": 1})
    case = Case.objects.get(pk=world.case_a.pk)
    assert case.status == "open" and case.summary == "Тестовое дело"


def test_admin_offers_no_door_to_persons_or_cases():
    registered = {model._meta.label for model in admin.site._registry}
    personal = {
        "people.Person",
        "people.PersonName",
        "people.Identifier",
        "people.Relation",
        "people.Household",
        "cases.Case",
        "cases.Participant",
        "cases.Incident",
    }
    assert not registered & personal


def _route_names(resolver, namespace=""):
    for pattern in resolver.url_patterns:
        if isinstance(pattern, URLResolver):
            ns = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
            yield from _route_names(pattern, ns)
        elif isinstance(pattern, URLPattern) and pattern.name:
            yield f"{namespace}{pattern.name}"


def test_every_route_is_either_a_guarded_door_or_declared_free_of_personal_data():
    names = {n for n in _route_names(get_resolver()) if not n.startswith("admin:")}
    undeclared = names - set(DOORS) - NOT_DOORS
    assert not undeclared, f"routes not covered by the door tests: {sorted(undeclared)}"
