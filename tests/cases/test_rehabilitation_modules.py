"""The modules of a rehabilitation centre: street social services, the rehabilitation programme, family
self-help groups and medical services, each a facility with places counted in its own unit (places,
families, children), filled through the services of a case, with sessions and attendance where the
participants meet.

What "occupied" means, by what the facility counts (cases.services.place_holder):
- places: one per service in progress (a bed, a seat);
- families: one per case with a service in progress, however many of the family take part;
- children: one per child with a service in progress (a service there must name the child).
"""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation

from safezone.cases.models import Attendance, ServiceDelivery
from safezone.cases.selectors import occupancy_on, taken_text
from safezone.cases.services import attendance_record, programme_session_add, service_record
from safezone.directory.models import Facility
from safezone.directory.services import facility_create

D = dt.date
NOV_1, NOV_10, NOV_20 = D(2026, 11, 1), D(2026, 11, 10), D(2026, 11, 20)


def module(world, kind, places, counts="places", name="Модуль"):
    return facility_create(
        agency=world.crisis,
        kind=kind,
        district=world.vologda,
        places=places,
        counts=counts,
        name_ru=name,
        name_en=name,
    )


def give(world, kind, facility, person, *, case=None, start=NOV_1, end=None, actor=None):
    return service_record(
        actor=actor or world.anna,
        case=case or world.case_a,
        kind=kind,
        agency=world.crisis,
        facility=facility,
        person=person,
        started_on=start,
        ended_on=end,
        purpose="case_work",
    )


# --- what each module takes ---------------------------------------------------------------------------
@pytest.mark.parametrize(
    "service, facility_kind",
    [("street_work", "street_service"), ("rehabilitation", "rehabilitation"), ("self_help_group", "self_help")],
)
def test_each_module_takes_a_place_in_a_facility_of_its_kind(world, service, facility_kind):
    assert ServiceDelivery.FACILITY_KIND[service] == facility_kind
    right, wrong = module(world, facility_kind, 5), module(world, "shelter", 5, name="Приют")
    with pytest.raises(ValidationError) as exc:
        give(world, service, None, world.sasha)
    assert list(exc.value.message_dict) == ["facility"]
    with pytest.raises(ValidationError) as exc:
        give(world, service, wrong, world.sasha)
    assert list(exc.value.message_dict) == ["facility"]
    assert give(world, service, right, world.sasha).facility == right


def test_medical_care_elsewhere_needs_no_facility_and_in_a_medical_service_takes_a_place(world):
    assert give(world, "medical", None, world.maria).facility is None
    clinic = module(world, "medical", 1, name="Медкабинет")
    give(world, "medical", clinic, world.maria, start=NOV_1, end=NOV_20)
    with pytest.raises(ValidationError) as exc:
        give(world, "medical", clinic, world.elena, case=world.case_b, actor=world.boris, start=NOV_10)
    assert "Медкабинет" in exc.value.message_dict["facility"][0]
    with pytest.raises(ValidationError) as exc:
        give(world, "medical", module(world, "rehabilitation", 5), world.maria)
    assert list(exc.value.message_dict) == ["facility"]
    assert ServiceDelivery.objects.filter(kind="medical").count() == 2


# --- capacity in its unit -----------------------------------------------------------------------------
def test_a_full_rehabilitation_programme_refuses_the_next_place_clearly(world):
    programme = module(world, "rehabilitation", 2, name="Реабилитация")
    give(world, "rehabilitation", programme, world.sasha)
    give(world, "rehabilitation", programme, world.maria)
    with pytest.raises(ValidationError) as exc:
        give(world, "rehabilitation", programme, world.elena, case=world.case_b, actor=world.boris)
    message = exc.value.message_dict["facility"][0]
    assert "Реабилитация" in message and "2" in message
    assert ServiceDelivery.objects.count() == 2


def _refusal(world, kind, facility, person, *, case, actor) -> str:
    """The message of a place refused, in English (the msgid: the Russian one follows from it)."""
    with translation.override("en"), pytest.raises(ValidationError) as exc:
        give(world, kind, facility, person, case=case, actor=actor)
    return exc.value.message_dict["facility"][0]


def test_a_family_self_help_group_counts_a_family_once(world):
    group = module(world, "self_help", 1, counts="families", name="Группа семей")
    for person in (world.maria, world.ivan, world.sasha):  # one family, one case: one place
        give(world, "self_help_group", group, person)
    [row] = occupancy_on(NOV_10, facility=group)
    assert (row.places, row.occupied, row.free) == (1, 1, 0)
    message = _refusal(world, "self_help_group", group, world.elena, case=world.case_b, actor=world.boris)
    assert message == "Группа семей is full on some of these days: it takes 1 family and has no room for another."
    assert ServiceDelivery.objects.filter(facility=group).count() == 3


def test_a_family_leaving_and_coming_back_the_same_day_keeps_one_place(world):
    group = module(world, "self_help", 2, counts="families")
    give(world, "self_help_group", group, world.maria, start=NOV_1, end=NOV_10)
    give(world, "self_help_group", group, world.sasha, start=NOV_10)
    give(world, "self_help_group", group, world.elena, case=world.case_b, actor=world.boris, start=NOV_1)
    assert [r.occupied for r in occupancy_on(NOV_10, facility=group)] == [2]
    # The group is full, but another of a family already in it takes no new place.
    assert give(world, "self_help_group", group, world.ivan, start=NOV_1).pk


def test_a_street_service_counts_children_once_and_needs_to_know_the_child(world):
    street = module(world, "street_service", 1, counts="children", name="Уличная служба")
    give(world, "street_work", street, world.sasha, start=NOV_1)
    give(world, "street_work", street, world.sasha, start=NOV_10)  # the same child: still one place
    [row] = occupancy_on(NOV_20, facility=street)
    assert (row.occupied, row.free) == (1, 0)
    message = _refusal(world, "street_work", street, world.maria, case=world.case_a, actor=world.anna)
    assert message == "Уличная служба is full on some of these days: it takes 1 child and has no room for another."
    with pytest.raises(ValidationError) as exc:
        give(world, "street_work", street, None)
    assert list(exc.value.message_dict) == ["person"]


def test_places_are_counted_per_service_as_before(world):
    programme = module(world, "rehabilitation", 3)
    give(world, "rehabilitation", programme, world.maria)
    give(world, "rehabilitation", programme, world.maria)  # two services of one person: two places
    assert [r.occupied for r in occupancy_on(NOV_10, facility=programme)] == [2]


# --- sessions and attendance --------------------------------------------------------------------------
@pytest.mark.parametrize(
    "facility_kind, service", [("rehabilitation", "rehabilitation"), ("self_help", "self_help_group")]
)
def test_sessions_and_attendance_of_rehabilitation_and_self_help_groups(world, client_for, facility_kind, service):
    group = module(world, facility_kind, 10, counts="families" if facility_kind == "self_help" else "places")
    member = give(world, service, group, world.maria, start=D(2026, 10, 1))
    session = programme_session_add(actor=world.anna, facility=group, held_on=D(2026, 11, 2), purpose="case_work")
    attendance_record(actor=world.anna, session=session, service=member, status="absent", purpose="case_work")
    anna = client_for(world.anna)
    page = anna.get(f"/cases/programmes/{group.pk}/").content.decode()
    assert "Кузнецова Мария" in page and "02.11.2026" in page
    anna.post(f"/cases/programmes/{group.pk}/", {"session": session.pk, f"status_{member.pk}": "present"})
    assert Attendance.objects.get().status == "present"
    case_page = anna.get(f"/cases/{world.case_a.pk}/")
    [shown] = [s for s in case_page.context["services"] if s.pk == member.pk]
    assert shown.with_sessions and shown.sessions_present == 1
    assert client_for(world.olga).get(f"/cases/programmes/{group.pk}/").status_code == 404


def test_street_and_medical_services_hold_no_sessions(world, client_for):
    for kind in ("street_service", "medical"):
        facility = module(world, kind, 10)
        with pytest.raises(ValidationError) as exc:
            programme_session_add(actor=world.anna, facility=facility, held_on=NOV_1, purpose="case_work")
        assert list(exc.value.message_dict) == ["facility"]
        assert client_for(world.anna).get(f"/cases/programmes/{facility.pk}/").status_code == 404


# --- the places page and the directory ------------------------------------------------------------------
def test_the_places_page_shows_each_facility_in_its_unit(world, client_for):
    groups = module(world, "self_help", 30, counts="families", name="Группы самопомощи")
    street = module(world, "street_service", 100, counts="children", name="Уличная служба")
    rehab = module(world, "rehabilitation", 30, name="Реабилитационная программа")
    for person in (world.maria, world.ivan, world.sasha):
        give(world, "self_help_group", groups, person)
    give(world, "street_work", street, world.sasha)
    give(world, "rehabilitation", rehab, world.sasha)
    give(world, "rehabilitation", rehab, world.elena, case=world.case_b, actor=world.boris)
    response = client_for(world.kira).get("/cases/capacity/?on=2026-11-10")
    body = response.content.decode()
    expected = [taken_text(1, 30, "families"), taken_text(1, 100, "children"), taken_text(2, 30, "places")]
    assert all(text in body for text in expected)
    assert {str(r.facility): r.taken for r in response.context["rows"]} == {
        "Группы самопомощи": expected[0],
        "Уличная служба": expected[1],
        "Реабилитационная программа": expected[2],
    }
    assert response.context["totals"] == [expected[2], expected[0], expected[1]]
    # The centre's own workers reach the sessions of its programme and groups from the page.
    anna = client_for(world.anna).get("/cases/capacity/?on=2026-11-10").content.decode()
    assert f"/cases/programmes/{groups.pk}/" in anna and f"/cases/programmes/{rehab.pk}/" in anna
    assert f"/cases/programmes/{street.pk}/" not in anna


def test_the_unit_reads_as_a_sentence_in_each_language():
    with translation.override("en"):
        assert taken_text(12, 30, "families") == "12 of 30 families"
        assert taken_text(40, 100, "children") == "40 of 100 children"
        assert taken_text(1, 1, "places") == "1 of 1 place"


def test_a_facility_is_created_with_what_it_counts(world):
    groups = module(world, "self_help", 30, counts="families")
    assert Facility.objects.get(pk=groups.pk).counts == "families"
    assert module(world, "shelter", 12).counts == "places"
    with pytest.raises(ValidationError) as exc:
        module(world, "self_help", 30, counts="households")
    assert "counts" in exc.value.message_dict
    with pytest.raises(ValidationError) as exc:
        module(world, "self_help", 0, counts="families")
    assert list(exc.value.message_dict) == ["places"]
