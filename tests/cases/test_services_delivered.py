"""Services delivered in a case: a shelter cannot be overbooked, figures of places and occupancy are
right, only the case's workers record services, and a stale change is refused."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from safezone.access.services import AccessDenied
from safezone.audit.models import AuditEvent
from safezone.cases.models import ServiceDelivery
from safezone.cases.selectors import occupancy_on, shelter_places_by_district
from safezone.cases.services import ServiceChangedMeanwhile, service_end, service_record
from safezone.directory.models import Facility

D = dt.date


@pytest.fixture
def shelter(world):
    return Facility.objects.create(
        agency=world.crisis,
        kind="shelter",
        district=world.vologda,
        places=2,
        name_ru="Приют «Надежда»",
        name_en="Nadezhda shelter",
        address="ул. Секретная, 1",
    )


def stay(world, shelter, start, end=None, case=None):
    return service_record(
        actor=world.anna,
        case=case or world.case_a,
        kind="shelter_stay",
        agency=world.crisis,
        facility=shelter,
        person=world.maria,
        started_on=start,
        ended_on=end,
        purpose="case_work",
    )


def test_two_overlapping_stays_fill_a_shelter_of_two_and_a_third_is_refused(world, shelter):
    stay(world, shelter, D(2026, 11, 1), D(2026, 11, 20))
    stay(world, shelter, D(2026, 11, 10))
    with pytest.raises(ValidationError) as exc:
        stay(world, shelter, D(2026, 11, 15), D(2026, 11, 18))
    assert "facility" in exc.value.message_dict and "Надежда" in str(exc.value.message_dict["facility"])
    assert ServiceDelivery.objects.count() == 2


def test_a_stay_may_start_on_the_day_another_one_ends(world, shelter):
    stay(world, shelter, D(2026, 11, 1), D(2026, 11, 20))
    stay(world, shelter, D(2026, 11, 10), D(2026, 11, 25))
    assert stay(world, shelter, D(2026, 11, 20), D(2026, 11, 30)).pk
    with pytest.raises(ValidationError):
        stay(world, shelter, D(2026, 11, 19), D(2026, 11, 21))


def test_stays_that_never_meet_each_other_leave_room(world, shelter):
    stay(world, shelter, D(2026, 11, 1), D(2026, 11, 5))
    stay(world, shelter, D(2026, 11, 10), D(2026, 11, 15))
    # Each day of 1-20 November has at most one stay: a long second stay fits.
    assert stay(world, shelter, D(2026, 11, 1), D(2026, 11, 20)).pk


def test_a_stay_needs_a_shelter_of_the_same_agency(world, shelter):
    with pytest.raises(ValidationError) as exc:
        service_record(
            actor=world.anna,
            case=world.case_a,
            kind="shelter_stay",
            agency=world.crisis,
            started_on=D(2026, 11, 1),
            purpose="case_work",
        )
    assert "facility" in exc.value.message_dict
    with pytest.raises(ValidationError):
        service_record(
            actor=world.anna,
            case=world.case_a,
            kind="shelter_stay",
            agency=world.crisis,
            facility=shelter,
            started_on=D(2026, 11, 5),
            ended_on=D(2026, 11, 1),
            purpose="case_work",
        )


def test_an_outsider_cannot_record_a_service_and_the_refusal_is_audited(world, shelter):
    with pytest.raises(AccessDenied):
        service_record(
            actor=world.olga,
            case=world.case_a,
            kind="counselling",
            agency=world.social_sokol,
            started_on=D(2026, 11, 1),
            purpose="case_work",
        )
    assert AuditEvent.objects.filter(actor=world.olga, decision="deny").exists()
    assert not ServiceDelivery.objects.exists()


def test_occupancy_and_places_per_ten_thousand(world, shelter):
    stay(world, shelter, D(2026, 11, 1), D(2026, 11, 20))
    stay(world, shelter, D(2026, 11, 10))
    on_5th, on_20th = occupancy_on(D(2026, 11, 5)), occupancy_on(D(2026, 11, 20))
    assert [(r.places, r.occupied, r.free) for r in on_5th] == [(2, 1, 1)]
    assert [(r.occupied, r.free) for r in on_20th] == [(1, 1)]
    by_district = {d.district.code: d for d in shelter_places_by_district()}
    vologda = by_district["vologda"]
    assert vologda.places == 2 and vologda.per_10000 == round(2 / vologda.population * 10000, 2)
    assert not vologda.meets_standard  # a city of about 300,000 needs 30 places
    assert by_district["sokolsky"].places == 0


def test_ending_a_service_checks_the_version(world, shelter):
    service = stay(world, shelter, D(2026, 11, 1))
    service_end(
        actor=world.anna,
        service_id=service.pk,
        expected_version=1,
        ended_on=D(2026, 11, 8),
        outcome="completed",
        purpose="case_work",
    )
    with pytest.raises(ServiceChangedMeanwhile):
        service_end(
            actor=world.sveta,
            service_id=service.pk,
            expected_version=1,
            ended_on=D(2026, 11, 9),
            outcome="stopped_early",
            purpose="case_work",
        )
    assert ServiceDelivery.objects.get(pk=service.pk).ended_on == D(2026, 11, 8)


def test_the_case_page_shows_the_stay_and_the_shelter_address_to_those_who_may_see_it(world, shelter, client_for):
    stay(world, shelter, D(2026, 11, 1))
    body = client_for(world.anna).get(f"/cases/{world.case_a.pk}/").content.decode()
    assert "Приют «Надежда»" in body and "ул. Секретная, 1" in body
    # The coordinator reads the case for coordination, without shelter addresses.
    body = client_for(world.kira).get(f"/cases/{world.case_a.pk}/?purpose=coordination").content.decode()
    assert "Приют «Надежда»" in body and "ул. Секретная" not in body


def test_the_places_page_is_for_roles_that_may_see_it(world, shelter, client_for):
    assert client_for(world.kira).get("/cases/capacity/").status_code == 200
    assert client_for(world.alex).get("/cases/capacity/").status_code == 403


def test_recording_a_stay_from_the_case_page(world, shelter, client_for):
    response = client_for(world.anna).post(
        f"/cases/{world.case_a.pk}/services/",
        {
            "kind": "shelter_stay",
            "agency": world.crisis.pk,
            "facility": shelter.pk,
            "person": world.maria.pk,
            "started_on": "2026-11-01",
            "purpose": "case_work",
        },
    )
    assert response.status_code == 302
    assert ServiceDelivery.objects.get().facility == shelter


@pytest.fixture
def programme(world):
    return Facility.objects.create(
        agency=world.crisis,
        kind="programme",
        district=world.vologda,
        places=10,
        name_ru="Программа для авторов насилия",
        name_en="Perpetrator programme",
    )


def test_sessions_and_attendance_of_a_group_programme(world, programme, client_for):
    from safezone.cases.models import Attendance
    from safezone.cases.services import attendance_record, programme_session_add

    member = service_record(
        actor=world.anna,
        case=world.case_a,
        kind="group_programme",
        agency=world.crisis,
        facility=programme,
        person=world.ivan,
        started_on=D(2026, 10, 1),
        purpose="case_work",
    )
    session = programme_session_add(actor=world.anna, facility=programme, held_on=D(2026, 11, 2), purpose="case_work")
    with pytest.raises(ValidationError):
        programme_session_add(actor=world.anna, facility=programme, held_on=D(2026, 11, 2), purpose="case_work")
    attendance_record(actor=world.anna, session=session, service=member, status="present", purpose="case_work")
    attendance_record(actor=world.anna, session=session, service=member, status="excused", purpose="case_work")
    assert Attendance.objects.get().status == "excused"  # marked again: replaced, not doubled
    with pytest.raises(AccessDenied):
        attendance_record(actor=world.olga, session=session, service=member, status="absent", purpose="case_work")
    anna = client_for(world.anna)
    page = anna.get(f"/cases/programmes/{programme.pk}/").content.decode()
    assert "Кузнецов Иван" in page and "02.11.2026" in page
    anna.post(f"/cases/programmes/{programme.pk}/", {"session": session.pk, f"status_{member.pk}": "present"})
    assert Attendance.objects.get().status == "present"
    assert client_for(world.olga).get(f"/cases/programmes/{programme.pk}/").status_code == 404


def test_the_places_page_takes_bad_filters_calmly(world, client_for):
    response = client_for(world.kira).get("/cases/capacity/?district=abc&kind=nonsense&on=yesterday")
    assert response.status_code == 200
