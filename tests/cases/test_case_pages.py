"""Case pages: my work, the list with its filters and pages, a case, its incidents and changes."""

import datetime as dt

import pytest
from django.utils import timezone

from safezone.cases.models import Case, Incident
from safezone.cases.services import ConcurrentEditError, case_update


def test_my_work_lists_my_open_cases_only(world, client_for):
    Case.objects.filter(pk=world.case_b.pk).update(owner_worker=world.anna, status="closed")
    page = client_for(world.anna).get("/cases/mine/").context["page"]
    assert [c.pk for c in page] == [world.case_a.pk]


def test_the_list_filters_by_kind_status_district_agency_and_worker(world, client_for):
    client = client_for(world.kira)
    base = "/cases/?purpose=coordination"
    ids = lambda q: {c.pk for c in client.get(base + q).context["page"]}  # noqa: E731
    assert ids("") == {world.case_a.pk, world.case_b.pk, world.case_d.pk}
    assert ids(f"&agency={world.police.pk}") == {world.case_d.pk}
    assert ids(f"&worker={world.boris.pk}") == {world.case_b.pk}
    assert ids("&kind=child") == set()
    assert ids(f"&district={world.vologda.pk}&status=open") == {world.case_a.pk, world.case_b.pk, world.case_d.pk}
    opened_from = (timezone.localdate() - dt.timedelta(days=20)).isoformat()
    assert ids(f"&opened_from={opened_from}") == {world.case_b.pk, world.case_d.pk}


def test_the_worker_filter_offers_the_colleagues_of_the_users_agencies(world, client_for):
    form = client_for(world.anna).get("/cases/").context["filter"].form
    assert set(form.fields["worker"].queryset) == {world.anna, world.boris, world.tina, world.sveta, world.hanna}


def test_a_very_long_list_says_more_than_the_cap_instead_of_counting_everything(world, client_for, settings):
    settings.SAFEZONE_LIST_COUNT_CAP = 2
    response = client_for(world.kira).get("/cases/?purpose=coordination")
    assert response.context["page"].paginator.capped
    assert response.context["page"].paginator.num_pages == 1
    settings.SAFEZONE_LIST_COUNT_CAP = 3
    assert not client_for(world.kira).get("/cases/?purpose=coordination").context["page"].paginator.capped


def test_a_bad_filter_value_shows_the_error_and_no_cases(world, client_for):
    response = client_for(world.anna).get("/cases/?opened_from=yesterday")
    assert response.status_code == 200
    assert "opened_from" in response.context["filter"].errors
    assert list(response.context["page"]) == []


def test_the_list_is_paginated_and_keeps_its_filters(world, client_for, settings):
    settings.SAFEZONE_PAGE_SIZE = 2
    response = client_for(world.kira).get("/cases/?purpose=coordination&kind=dv&page=2")
    assert response.context["page"].number == 2
    assert len(response.context["page"]) == 1
    assert response.context["query"] == "purpose=coordination&kind=dv"
    assert "page=1" in response.content.decode()


def test_a_page_number_past_the_end_shows_the_last_page(world, client_for, settings):
    settings.SAFEZONE_PAGE_SIZE = 2
    assert client_for(world.kira).get("/cases/?purpose=coordination&page=99").context["page"].number == 2


def test_htmx_gets_only_the_table(world, client_for):
    response = client_for(world.anna).get("/cases/", HTTP_HX_REQUEST="true")
    body = response.content.decode()
    assert body.lstrip().startswith('<div id="case-results">')
    assert "<html" not in body


def test_the_case_page_shows_people_incidents_and_history(world, client_for):
    response = client_for(world.anna).get(f"/cases/{world.case_a.pk}/")
    body = response.content.decode()
    assert "Кузнецова Мария Сергеевна" in body and "Кузнецов Иван Петрович" in body
    assert response.context["incidents"] == [world.incident_a]
    assert response.context["may_edit"] and response.context["may_add_incident"]


def test_a_coordinator_reads_a_case_but_is_offered_no_edit(world, client_for):
    response = client_for(world.kira).get(f"/cases/{world.case_a.pk}/?purpose=coordination")
    assert response.status_code == 200
    assert not response.context["may_edit"]


def test_status_change_is_saved_with_history(world, client_for):
    response = client_for(world.anna).post(
        f"/cases/{world.case_a.pk}/edit/", {"status": "monitoring", "summary": "Помощь оказана", "version": 1}
    )
    assert response.status_code == 302
    case = Case.objects.get(pk=world.case_a.pk)
    assert (case.status, case.version, case.summary) == ("monitoring", 2, "Помощь оказана")
    assert case.history.first().history_user == world.anna


def test_a_concurrent_edit_is_detected_not_overwritten(world, client_for):
    client = client_for(world.anna)
    client.post(f"/cases/{world.case_a.pk}/edit/", {"status": "monitoring", "summary": "first", "version": 1})
    response = client.post(
        f"/cases/{world.case_a.pk}/edit/", {"status": "open", "summary": "second", "version": 1}, follow=True
    )
    case = Case.objects.get(pk=world.case_a.pk)
    assert (case.status, case.summary) == ("monitoring", "first")
    assert any("changed this case" in str(m) or "изменил" in str(m) for m in response.context["messages"])


def test_the_service_refuses_a_stale_version(world):
    case_update(
        actor=world.anna,
        case_id=world.case_a.pk,
        expected_version=1,
        purpose="case_work",
        status="monitoring",
        summary="",
    )
    with pytest.raises(ConcurrentEditError):
        case_update(
            actor=world.anna,
            case_id=world.case_a.pk,
            expected_version=1,
            purpose="case_work",
            status="open",
            summary="",
        )


def test_a_further_incident_is_recorded_between_participants(world, client_for):
    client = client_for(world.anna)
    response = client.post(
        f"/cases/{world.case_a.pk}/incidents/new/",
        {
            "occurred_on": timezone.localdate().isoformat(),
            "place": "street",
            "violence_forms": ["2", "6"],
            "victim": world.maria.pk,
            "alleged_perpetrator": world.ivan.pk,
            "reported_to_police": "on",
            "police_reference": "КУСП № 77",
        },
    )
    assert response.status_code == 302
    incident = Incident.objects.filter(case=world.case_a).order_by("-pk").first()
    assert incident.alleged_perpetrator == world.ivan and incident.district == world.vologda
    assert incident.reported_to_police and incident.police_reference == "КУСП № 77"


def test_an_incident_cannot_name_someone_outside_the_case(world, client_for):
    response = client_for(world.anna).post(
        f"/cases/{world.case_a.pk}/incidents/new/",
        {
            "occurred_on": timezone.localdate().isoformat(),
            "place": "street",
            "violence_forms": ["2"],
            "victim": world.elena.pk,
        },
    )
    assert response.status_code == 200
    assert "victim" in response.context["form"].errors
    assert Incident.objects.filter(case=world.case_a).count() == 1


def test_the_interface_speaks_russian_unless_english_is_chosen(world, client_for):
    client = client_for(world.anna)
    assert "Мои открытые дела" in client.get("/cases/mine/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    client.post("/i18n/setlang/", {"language": "en", "next": "/cases/mine/"})
    assert "My open cases" in client.get("/cases/mine/").content.decode()
