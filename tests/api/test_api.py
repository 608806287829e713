"""The REST API: OpenAPI schema, token or session sign-in, and reads through the access policy."""

import pytest

from safezone.accounts.services import api_token_issue
from safezone.audit.models import AuditEvent


def test_the_openapi_schema_describes_cases_and_persons(client):
    response = client.get("/api/schema/?format=json")
    assert response.status_code == 200
    schema = response.json()
    assert schema["openapi"].startswith("3.")
    assert {"/api/cases/", "/api/cases/{id}/", "/api/persons/", "/api/persons/{id}/"} <= set(schema["paths"])


def test_the_api_documentation_page_is_served_from_our_own_host(client):
    body = client.get("/api/docs/").content.decode()
    assert "swagger" in body.lower()
    assert "cdn" not in body.lower() and "unpkg" not in body.lower()


def test_a_token_signs_in_to_the_api(world, client):
    _token, key = api_token_issue(user=world.anna, name="test client")
    response = client.get("/api/cases/", HTTP_AUTHORIZATION=f"Token {key}")
    assert response.status_code == 200
    assert [row["id"] for row in response.json()["results"]] == [world.case_a.pk]


def test_a_wrong_token_is_refused(world, client):
    assert client.get("/api/cases/", HTTP_AUTHORIZATION="Token nope").status_code == 401


def test_a_case_read_through_the_api_has_its_people_and_incidents(world, client_for):
    data = client_for(world.anna).get(f"/api/cases/{world.case_a.pk}/").json()
    assert data["reference"] == world.case_a.reference
    assert {p["name"] for p in data["participants"]} == {
        "Кузнецова Мария Сергеевна",
        "Кузнецов Иван Петрович",
        "Кузнецова Александра Ивановна",
    }
    assert data["incidents"][0]["forms"] == ["physical"]
    assert data["district"] == "vologda" and data["agency"] == "crisis"


def test_the_case_list_takes_the_same_filters_as_the_web_list(world, client_for):
    client = client_for(world.kira)
    rows = client.get(f"/api/cases/?purpose=coordination&agency={world.police.pk}").json()["results"]
    assert [r["id"] for r in rows] == [world.case_d.pk]


def test_an_unknown_purpose_is_a_clear_400(world, client_for):
    response = client_for(world.anna).get("/api/cases/?purpose=curiosity")
    assert response.status_code == 400 and "purpose" in response.json()


def test_a_coordinator_reads_only_with_the_coordination_purpose(world, client_for):
    client = client_for(world.kira)
    assert client.get("/api/cases/").json()["count"] == 0
    assert client.get("/api/cases/?purpose=coordination").json()["count"] == 3
    assert client.get(f"/api/cases/{world.case_a.pk}/?purpose=coordination").status_code == 200


def test_a_person_read_through_the_api_has_documents_and_partial_birth_date(world, client_for):
    data = client_for(world.anna).get(f"/api/persons/{world.sasha.pk}/").json()
    assert data["birth_date"] == "06.2015"
    maria = client_for(world.anna).get(f"/api/persons/{world.maria.pk}/").json()
    assert maria["identifiers"] == [{"kind": "snils", "value": "11223344595"}]


def test_api_pages_are_audited_with_what_they_showed(world, client_for):
    client_for(world.anna).get("/api/persons/")
    event = AuditEvent.objects.filter(actor=world.anna, action="person.view").last()
    assert set(event.extra["ids"]) == {world.maria.pk, world.ivan.pk, world.sasha.pk}
    assert event.extra["api"] is True


@pytest.mark.parametrize("method", ["post", "put", "patch", "delete"])
def test_the_api_is_read_only(world, client_for, method):
    response = getattr(client_for(world.anna), method)(f"/api/cases/{world.case_a.pk}/", {})
    assert response.status_code == 405


@pytest.mark.parametrize("path", ["/api/cases/abc/", "/api/persons/1x/", "/api/meetings/x/", "/api/contacts/-1/"])
def test_an_id_that_is_not_a_number_is_no_record(world, client_for, path):
    assert client_for(world.anna).get(path).status_code == 404
