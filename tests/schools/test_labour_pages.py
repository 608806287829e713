"""The child-labour pages: the list of children at work by district, a child's chain with the forms
of the next step, visits and the child found on one, the coverage in counts, and the overdue steps
on the owner's work list. Outsiders get a 404 that is recorded; every page shown is recorded once."""

import datetime as dt

import pytest
from django.utils import timezone

from safezone.audit.models import AuditEvent
from safezone.people.dates import PartialDate
from safezone.schools import labour
from safezone.schools.models import ChainStep, MonitoredArea, ObservationVisit, WorkingChild

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()
DAY = dt.timedelta(days=1)


def _child(world, actor=None, district=None, surname="Голубев", on=None, owner=None):
    return labour.child_identify(
        actor=actor or world.anna,
        named=labour.NamedChild(surname, "Кирилл", "Олегович", "M", PartialDate(2013, 4, 2)),
        district=district or world.vologda,
        identified_on=on or TODAY - 20 * DAY,
        worst_form="hazardous",
        hazards=["traffic"],
        work="моет машины у трассы",
        owner=owner,
    )


def _last(user):
    return AuditEvent.objects.filter(actor=user).order_by("seq").last()


def _events(user, since):
    """What the user's requests recorded after `since` (signing the test client in aside)."""
    return list(AuditEvent.objects.filter(actor=user, seq__gt=since).exclude(action="auth.login").order_by("seq"))


def _seq():
    last = AuditEvent.objects.order_by("seq").last()
    return last.seq if last else 0


def test_anna_sees_the_vologda_children_and_the_page_shown_is_recorded(world, client_for):
    vologda = _child(world)
    sokol = _child(world, actor=world.olga, district=world.sokolsky, surname="Ёлкин")
    response = client_for(world.anna).get("/child-labour/")
    assert response.status_code == 200
    body = response.content.decode()
    assert "Голубев Кирилл" in body and "Ёлкин" not in body
    assert f"/child-labour/{vologda.pk}/" in body and f"/child-labour/{sokol.pk}/" not in body
    event = _last(world.anna)
    assert (event.action, event.object_type, event.extra["ids"]) == ("labour.view", "workingchild", [vologda.pk])


def test_the_list_filters_by_status_form_reentry_overdue_and_owner(world, client_for):
    late = _child(world, on=TODAY - 30 * DAY)
    fresh = _child(world, surname="Соколов", on=TODAY - DAY, owner=world.boris)
    back = _child(world, surname="Белов", on=TODAY - 30 * DAY, owner=world.boris)
    for offset, result in ((3, ""), (2, ""), (1, "back_at_work")):
        step = labour.next_step_of(back)
        back.refresh_from_db()
        labour.step_complete(
            actor=world.boris,
            step_id=step.pk,
            expected_version=back.version,
            done_on=TODAY - offset * DAY,
            result=result,
        )
    client = client_for(world.anna)

    def shown(query):
        response = client.get(f"/child-labour/?{query}")
        assert response.status_code == 200
        return {c.pk for c in response.context["rows"]}

    assert shown("") == {late.pk, fresh.pk, back.pk}
    assert shown("overdue=on") == {late.pk}
    assert shown("mine=on") == {late.pk}
    assert shown("reentered=on") == {back.pk}
    assert shown("status=back_at_work") == {back.pk}
    assert shown("worst_form=illicit") == set()
    assert shown(f"district={world.vologda.pk}&overdue=on") == {late.pk}


def test_olga_gets_a_404_for_a_vologda_child_and_the_refusal_is_recorded(world, client_for):
    child = _child(world)
    response = client_for(world.olga).get(f"/child-labour/{child.pk}/")
    assert response.status_code == 404
    assert "Голубев" not in response.content.decode()
    denial = _last(world.olga)
    assert (denial.decision, denial.rule, denial.object_type, denial.object_id) == (
        "deny",
        "not-in-the-agency's-districts",
        "workingchild",
        str(child.pk),
    )


def test_anna_reads_the_chain_as_a_timeline_with_the_forms_of_the_next_step(world, client_for):
    child = _child(world, on=TODAY - 20 * DAY)
    before = _seq()
    response = client_for(world.anna).get(f"/child-labour/{child.pk}/")
    assert response.status_code == 200
    body = response.content.decode()
    assert "Голубев Кирилл Олегович" in body and "list-group-item-danger" in body  # the referral is overdue
    assert f"/child-labour/{child.pk}/steps/" in body and "complete/" in body and "reassign/" in body
    [read] = _events(world.anna, before)
    assert (read.action, read.decision, read.object_id) == ("labour.view", "allow", str(child.pk))


def test_ilya_the_juvenile_inspector_reads_but_may_not_record(world, client_for):
    child = _child(world)
    step = labour.next_step_of(child)
    client = client_for(world.ilya)
    page = client.get(f"/child-labour/{child.pk}/")
    assert page.status_code == 200 and "Голубев" in page.content.decode()
    assert "complete/" not in page.content.decode()
    response = client.post(
        f"/child-labour/{child.pk}/steps/{step.pk}/complete/",
        {"version": child.version, "done_on": TODAY.isoformat(), "result": "done"},
    )
    assert response.status_code == 404
    assert _last(world.ilya).decision == "deny"
    step.refresh_from_db()
    assert step.done_on is None
    assert client.get("/child-labour/visits/new/").status_code == 404
    assert client.get("/child-labour/visits/").status_code == 200


@pytest.mark.parametrize(
    "path", ["/child-labour/", "/child-labour/visits/", "/child-labour/coverage/", "/child-labour/new/"]
)
def test_alex_the_analyst_gets_nothing_and_the_refusal_is_recorded(world, client_for, path):
    _child(world)
    response = client_for(world.alex).get(path)
    assert response.status_code == 404
    assert "Голубев" not in response.content.decode()
    assert _last(world.alex).decision == "deny"


def test_alex_cannot_open_a_child_either(world, client_for):
    child = _child(world)
    assert client_for(world.alex).get(f"/child-labour/{child.pk}/").status_code == 404
    assert _last(world.alex).rule == "no-role-allows-this"


def test_a_step_done_on_the_page_moves_the_chain_on(world, client_for):
    child = _child(world)
    step = labour.next_step_of(child)
    response = client_for(world.anna).post(
        f"/child-labour/{child.pk}/steps/{step.pk}/complete/",
        {"version": child.version, "done_on": (TODAY - DAY).isoformat(), "result": "done", "note": "передан в КЦСОН"},
    )
    assert response.status_code == 302 and response["Location"] == f"/child-labour/{child.pk}/"
    step.refresh_from_db()
    child.refresh_from_db()
    assert step.done_on == TODAY - DAY and step.note == "передан в КЦСОН" and child.status == "referred"


def test_a_form_opened_before_someone_else_saved_is_refused_with_an_explanation(world, client_for):
    child = _child(world)
    step = labour.next_step_of(child)
    stale = child.version
    labour.step_complete(actor=world.kira, step_id=step.pk, expected_version=stale, done_on=TODAY - DAY)
    protection = labour.next_step_of(child)
    response = client_for(world.anna).post(
        f"/child-labour/{child.pk}/steps/{protection.pk}/complete/",
        {"version": stale, "done_on": TODAY.isoformat(), "result": "done"},
    )
    assert response.status_code == 400
    assert response.context["step_form"].non_field_errors()
    protection.refresh_from_db()
    assert protection.done_on is None


def test_a_bad_date_on_the_page_names_the_field(world, client_for):
    child = _child(world)
    step = labour.next_step_of(child)
    response = client_for(world.anna).post(
        f"/child-labour/{child.pk}/steps/{step.pk}/complete/",
        {"version": child.version, "done_on": (TODAY + 3 * DAY).isoformat(), "result": "done"},
    )
    assert response.status_code == 400
    assert list(response.context["step_form"].errors) == ["done_on"]
    assert 'aria-invalid="true"' in response.content.decode()
    step.refresh_from_db()
    assert step.done_on is None


def test_the_owner_is_changed_on_the_page(world, client_for):
    child = _child(world)
    step = labour.next_step_of(child)
    client = client_for(world.anna)
    response = client.post(
        f"/child-labour/{child.pk}/steps/{step.pk}/reassign/",
        {"version": child.version, "owner": world.boris.pk, "whole_chain": "on"},
    )
    assert response.status_code == 302
    child.refresh_from_db()
    assert child.owner == world.boris and labour.next_step_of(child).owner == world.boris
    refused = client.post(
        f"/child-labour/{child.pk}/steps/{step.pk}/reassign/", {"version": child.version, "owner": world.olga.pk}
    )
    assert refused.status_code == 400 and "owner" in refused.context["reassign_form"].errors


def test_a_visit_is_recorded_and_a_child_found_on_it_added(world, client_for):
    client = client_for(world.anna)
    form = client.get("/child-labour/visits/new/")
    assert form.status_code == 200 and "autofocus" in form.content.decode()
    response = client.post(
        "/child-labour/visits/new/",
        {
            "district": world.vologda.pk,
            "place": "Центральный рынок",
            "visited_on": (TODAY - DAY).isoformat(),
            "team": "street_service",
            "children_seen": 2,
            "note": "двое детей у лотков",
            "then": "child",
        },
    )
    visit = ObservationVisit.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/child-labour/new/?visit={visit.pk}"
    assert (visit.agency, visit.recorded_by, visit.children_seen) == (world.crisis, world.anna, 2)
    page = client.get(response["Location"])
    assert page.status_code == 200 and "Центральный рынок" in page.content.decode()
    added = client.post(
        f"/child-labour/new/?visit={visit.pk}",
        {
            "surname": "Ёлкин",
            "first_name": "Пётр",
            "patronymic": "Андреевич",
            "sex": "M",
            "birth": "01.09.2012",
            "identified_on": (TODAY - DAY).isoformat(),
            "worst_form": "hazardous",
            "hazards": ["heavy_loads", "weather"],
            "work": "носит ящики",
            "owner": world.anna.pk,
        },
    )
    child = WorkingChild.objects.get()
    assert added.status_code == 302 and added["Location"] == f"/child-labour/{child.pk}/"
    # Petya lives in Sokol, but found on a Vologda visit he is on Vologda's chain; the register's person is reused.
    assert (child.visit, child.district, child.person) == (visit, world.vologda, world.petya)
    listing = client.get("/child-labour/visits/")
    assert listing.status_code == 200 and f"?visit={visit.pk}" in listing.content.decode()
    assert _last(world.anna).extra["ids"] == [visit.pk]


def test_a_child_without_the_work_is_refused_naming_the_field(world, client_for):
    response = client_for(world.anna).post(
        "/child-labour/new/",
        {
            "surname": "Голубев",
            "first_name": "Кирилл",
            "sex": "M",
            "district": world.vologda.pk,
            "identified_on": TODAY.isoformat(),
            "worst_form": "hazardous",
            "work": "",
            "owner": world.anna.pk,
        },
    )
    assert response.status_code == 400
    assert set(response.context["form"].errors) == {"work"}
    response = client_for(world.anna).post(
        "/child-labour/new/",
        {
            "surname": "Голубев",
            "first_name": "Кирилл",
            "sex": "M",
            "district": world.vologda.pk,
            "identified_on": TODAY.isoformat(),
            "worst_form": "hazardous",
            "work": "моет машины",
            "owner": world.anna.pk,
        },
    )
    assert response.status_code == 400
    assert set(response.context["form"].errors) == {"hazards"}  # hazardous work without its hazards
    assert not WorkingChild.objects.exists()


def test_olga_cannot_add_a_child_on_a_vologda_visit(world, client_for):
    visit = labour.visit_record(
        actor=world.anna, district=world.vologda, place="рынок", visited_on=TODAY, team="street_service"
    )
    response = client_for(world.olga).get(f"/child-labour/new/?visit={visit.pk}")
    assert response.status_code == 404
    assert _last(world.olga).rule == "not-in-the-agency's-districts"


def test_overdue_steps_appear_on_the_owners_work_list_with_one_recorded_read(world, client_for):
    late = _child(world, on=TODAY - 30 * DAY)
    _child(world, surname="Соколов", on=TODAY - 2 * DAY)
    before = _seq()
    response = client_for(world.anna).get("/cases/mine/")
    assert response.status_code == 200
    body = response.content.decode()
    assert f"/child-labour/{late.pk}/" in body and "Голубев Кирилл" in body and "Соколов" not in body
    labour_reads = [e for e in _events(world.anna, before) if e.object_type == "workingchild"]
    assert len(labour_reads) == 1 and labour_reads[0].extra["ids"] == [late.pk]


def test_the_work_list_adds_no_labour_event_when_nothing_is_overdue_and_no_section_without_the_role(world, client_for):
    _child(world, on=TODAY - 30 * DAY)
    before = _seq()
    body = client_for(world.boris).get("/cases/mine/").content.decode()
    assert "h-labour-overdue" in body and "Голубев" not in body
    assert not [e for e in _events(world.boris, before) if e.object_type == "workingchild"]
    body = client_for(world.pavel).get("/cases/mine/").content.decode()
    assert "h-labour-overdue" not in body


def test_coverage_shows_counts_and_areas_are_added_and_ended_there(world, client_for):
    labour.visit_record(actor=world.anna, district=world.vologda, place="рынок", visited_on=TODAY, team="joint")
    _child(world)
    client = client_for(world.kira)
    page = client.get("/child-labour/coverage/")
    assert page.status_code == 200
    [row] = page.context["rows"]
    assert row.district == world.vologda and row.visits[-1] == 1 and row.children_total == 1
    assert "Голубев" not in page.content.decode()
    assert _last(world.kira).extra == {"page": "coverage"}
    response = client.post(
        "/child-labour/coverage/areas/", {"district": world.vologda.pk, "school": world.school.pk, "since": TODAY}
    )
    assert response.status_code == 302
    area = MonitoredArea.objects.get()
    assert area.school == world.school and area.until is None
    refused = client.post("/child-labour/coverage/areas/", {"district": world.vologda.pk, "since": TODAY})
    assert refused.status_code == 400 and "settlement" in refused.context["area_form"].errors
    client.post(f"/child-labour/coverage/areas/{area.pk}/end/", {"until": TODAY.isoformat()})
    area.refresh_from_db()
    assert area.until == TODAY
    assert (
        client_for(world.olga).post(f"/child-labour/coverage/areas/{area.pk}/end/", {"until": TODAY}).status_code == 404
    )


def test_ilya_sees_coverage_but_not_the_forms(world, client_for):
    page = client_for(world.ilya).get("/child-labour/coverage/")
    assert page.status_code == 200 and page.context["area_form"] is None
    assert ChainStep.objects.count() == 0


def test_the_protection_form_offers_the_childs_services_in_the_workers_cases(world, client_for):
    from safezone.cases.models import Participant, ServiceDelivery

    child = _child(world)
    Participant.objects.create(case=world.case_a, person=child.person, role="child")
    service = ServiceDelivery.objects.create(
        case=world.case_a, person=child.person, kind="rehabilitation", agency=world.crisis, started_on=TODAY,
        created_by=world.anna,
    )  # fmt: skip
    labour.step_complete(
        actor=world.anna, step_id=labour.next_step_of(child).pk, expected_version=1, done_on=TODAY - DAY
    )
    client = client_for(world.anna)
    before = _seq()
    page = client.get(f"/child-labour/{child.pk}/")
    assert f'value="{service.pk}"' in page.content.decode() and world.case_a.reference in page.content.decode()
    case_read = [e for e in _events(world.anna, before) if e.object_type == "case"]
    assert len(case_read) == 1 and case_read[0].extra["ids"] == [world.case_a.pk]
    step = labour.next_step_of(child)
    response = client.post(
        f"/child-labour/{child.pk}/steps/{step.pk}/complete/",
        {"version": 2, "done_on": TODAY.isoformat(), "result": "done", "service": service.pk},
    )
    assert response.status_code == 302
    step.refresh_from_db()
    assert step.service == service
    assert world.case_a.reference in client.get(f"/child-labour/{child.pk}/").content.decode()
