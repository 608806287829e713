"""The child-labour monitoring chain: a child found at work is matched to a person already known or
registered, moves through referral, protection, verification and follow-ups with dates and owners,
and starts a new round when found back at work; every write is decided by `access`, audited,
version-checked and refused whole when the input is wrong."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from safezone.access.services import AccessDenied
from safezone.audit.models import AuditEvent
from safezone.cases.models import Participant, ServiceDelivery
from safezone.people.dates import PartialDate
from safezone.people.models import Person
from safezone.schools import labour
from safezone.schools.models import ChainStep, MonitoredArea, ObservationVisit, WorkingChild

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()
DAY = dt.timedelta(days=1)


BIRTH = PartialDate(2013, 4, 2)


def _named(surname="Голубев", first_name="Кирилл", patronymic="Олегович", birth=BIRTH):
    return labour.NamedChild(surname=surname, first_name=first_name, patronymic=patronymic, sex="M", birth=birth)


def _identify(world, actor=None, district=None, on=None, named=None, **kwargs):
    actor = actor or world.anna
    return labour.child_identify(
        actor=actor,
        named=named or _named(),
        district=district or world.vologda,
        identified_on=on or TODAY - 500 * DAY,
        worst_form=kwargs.pop("worst_form", "hazardous"),
        hazards=kwargs.pop("hazards", ["heavy_loads", "weather"]),
        work=kwargs.pop("work", "разгружает ящики на рынке"),
        **kwargs,
    )


def _complete(actor, child, on, result="", **kwargs):
    """Do the child's next step on `on` with the version the page showed."""
    child.refresh_from_db()
    step = labour.next_step_of(child)
    done = labour.step_complete(
        actor=actor, step_id=step.pk, expected_version=child.version, done_on=on, result=result, **kwargs
    )
    child.refresh_from_db()
    return done


def _open(child):
    return list(ChainStep.objects.filter(child=child, done_on__isnull=True).order_by("due_on", "months"))


def test_the_whole_chain_runs_from_identification_to_the_last_follow_up_with_its_dates_and_owners(world):
    found_on = TODAY - 500 * DAY
    child = _identify(world, on=found_on)
    assert child.status == "identified" and child.owner == world.anna and child.agency == world.crisis
    [referral] = _open(child)
    assert (referral.kind, referral.due_on, referral.owner, referral.round) == (
        "referral",
        found_on + 7 * DAY,
        world.anna,
        1,
    )

    referred_on = found_on + 5 * DAY
    _complete(world.anna, child, referred_on)
    assert child.status == "referred"
    [protection] = _open(child)
    assert (protection.kind, protection.due_on, protection.owner) == ("protection", referred_on + 30 * DAY, world.anna)

    protected_on = referred_on + 20 * DAY
    _complete(world.anna, child, protected_on)
    assert child.status == "protected"
    [verification] = _open(child)
    assert (verification.kind, verification.due_on) == ("verification", protected_on + 60 * DAY)

    verified_on = protected_on + 40 * DAY
    _complete(world.anna, child, verified_on, "holds")
    assert child.status == "verified"
    follow_ups = _open(child)
    assert [(s.kind, s.months) for s in follow_ups] == [
        ("follow_up", 1),
        ("follow_up", 3),
        ("follow_up", 6),
        ("follow_up", 12),
    ]
    assert [s.due_on for s in follow_ups] == [labour.add_months(verified_on, m) for m in (1, 3, 6, 12)]
    assert all(s.owner == world.anna for s in follow_ups)

    for step in follow_ups[:-1]:
        _complete(world.anna, child, step.due_on, "holds")
        assert child.status == "tracking"
    _complete(world.anna, child, follow_ups[-1].due_on, "holds")
    assert child.status == "closed" and child.round == 1
    assert _open(child) == [] and labour.next_step_of(child) is None
    steps = ChainStep.objects.filter(child=child)
    assert steps.count() == 7 and not steps.filter(done_on__isnull=True).exists()
    assert child.version == 8  # identified, then seven steps done


def test_a_month_end_verification_puts_follow_ups_on_the_last_day_of_shorter_months():
    assert labour.add_months(dt.date(2026, 1, 31), 1) == dt.date(2026, 2, 28)
    assert labour.add_months(dt.date(2026, 8, 31), 6) == dt.date(2027, 2, 28)
    assert labour.add_months(dt.date(2026, 11, 30), 12) == dt.date(2027, 11, 30)


def test_a_child_back_at_work_at_verification_starts_round_two_from_referral(world):
    child = _identify(world)
    start = child.identified_on
    _complete(world.anna, child, start + 3 * DAY)
    _complete(world.anna, child, start + 10 * DAY)
    back_on = start + 40 * DAY
    _complete(world.anna, child, back_on, "back_at_work")
    assert child.status == "back_at_work" and child.round == 2
    [referral] = _open(child)
    assert (referral.kind, referral.round, referral.due_on, referral.owner) == (
        "referral",
        2,
        back_on + 7 * DAY,
        world.anna,
    )
    rounds = labour.chain_of(child)
    assert [r.number for r in rounds] == [1, 2] and rounds[1].reentry and rounds[1].started_on == back_on
    _complete(world.anna, child, back_on + DAY)
    assert child.status == "referred" and child.round == 2


def test_back_at_work_at_a_follow_up_drops_the_follow_ups_still_planned_and_starts_a_new_round(world):
    child = _identify(world)
    start = child.identified_on
    _complete(world.anna, child, start + DAY)
    _complete(world.anna, child, start + 2 * DAY)
    _complete(world.anna, child, start + 3 * DAY, "holds")
    first = labour.next_step_of(child)
    _complete(world.anna, child, first.due_on, "holds")
    second = labour.next_step_of(child)
    _complete(world.anna, child, second.due_on, "back_at_work")
    assert child.status == "back_at_work" and child.round == 2
    assert not ChainStep.objects.filter(child=child, round=1, done_on__isnull=True).exists()
    assert [(s.kind, s.round) for s in _open(child)] == [("referral", 2)]
    # The facts of round 1 stay: four steps done, the second follow-up found the child back at work.
    assert list(ChainStep.objects.filter(child=child, round=1).values_list("result", flat=True)) == [
        "done",
        "done",
        "holds",
        "holds",
        "back_at_work",
    ]


def test_a_follow_up_may_miss_the_child_but_the_last_one_must_find_them(world):
    child = _identify(world)
    start = child.identified_on
    for offset, result in ((1, ""), (2, ""), (3, "holds")):
        _complete(world.anna, child, start + offset * DAY, result)
    _complete(world.anna, child, labour.next_step_of(child).due_on, "not_reached")
    assert child.status == "tracking"
    # The timeline keeps the order of the chain, though the early verification is due after the first follow-up.
    [timeline] = labour.chain_of(child)
    assert [(s.kind, s.months) for s in timeline.steps] == [
        ("referral", 0),
        ("protection", 0),
        ("verification", 0),
        ("follow_up", 1),
        ("follow_up", 3),
        ("follow_up", 6),
        ("follow_up", 12),
    ]
    assert [s.state for s in timeline.steps][:4] == ["done"] * 4 and timeline.steps[3].result == "not_reached"
    for _ in range(2):
        _complete(world.anna, child, labour.next_step_of(child).due_on, "holds")
    last = labour.next_step_of(child)
    with pytest.raises(ValidationError) as refused:
        _complete(world.anna, child, last.due_on, "not_reached")
    assert "result" in refused.value.error_dict
    assert labour.next_step_of(child) == last and child.status == "tracking"


def test_steps_are_done_in_order_and_not_twice(world):
    child = _identify(world)
    start = child.identified_on
    _complete(world.anna, child, start + DAY)
    _complete(world.anna, child, start + 2 * DAY)
    _complete(world.anna, child, start + 3 * DAY, "holds")
    child.refresh_from_db()
    later = ChainStep.objects.get(child=child, kind="follow_up", months=6)
    with pytest.raises(ValidationError):
        labour.step_complete(
            actor=world.anna, step_id=later.pk, expected_version=child.version, done_on=later.due_on, result="holds"
        )
    referral = ChainStep.objects.get(child=child, kind="referral")
    with pytest.raises(ValidationError):
        labour.step_complete(actor=world.anna, step_id=referral.pk, expected_version=child.version, done_on=start)
    later.refresh_from_db()
    assert later.done_on is None


def test_identification_reuses_a_person_already_known_in_the_register(world):
    persons = Person.objects.count()
    child = _identify(
        world,
        actor=world.olga,
        district=world.sokolsky,
        named=labour.NamedChild("Ёлкин", "Пётр", "Андреевич", "M", PartialDate(2012, 9, 1)),
        on=TODAY - 10 * DAY,
    )
    assert child.person == world.petya and child.person_matched
    assert Person.objects.count() == persons
    assert child.agency == world.social_sokol and child.owner == world.olga
    event = AuditEvent.objects.filter(actor=world.olga, action="labour.child_identified").last()
    assert event.extra["person"] == world.petya.pk and event.extra["person_matched"] is True


def test_a_child_not_known_is_registered_once_and_not_put_on_the_chain_twice(world):
    child = _identify(world)
    assert not child.person_matched
    person = child.person
    assert (person.surname, person.first_name, person.birth_day, person.registered_by) == (
        "Голубев",
        "Кирилл",
        2,
        world.crisis,
    )
    persons = Person.objects.count()
    with pytest.raises(ValidationError):
        _identify(world, actor=world.kira, on=TODAY - 3 * DAY)
    assert Person.objects.count() == persons and WorkingChild.objects.filter(person=person).count() == 1


def test_a_child_found_on_a_visit_belongs_to_the_visits_district_and_owner_may_be_a_colleague(world):
    visit = labour.visit_record(
        actor=world.anna,
        district=world.vologda,
        place="Центральный рынок",
        visited_on=TODAY - 2 * DAY,
        team=ObservationVisit.Team.JOINT,
        children_seen=3,
    )
    assert (visit.agency, visit.recorded_by) == (world.crisis, world.anna)
    child = _identify(world, district=world.sokolsky, visit=visit, on=TODAY - 2 * DAY, owner=world.boris)
    assert child.district == world.vologda and child.visit == visit
    assert child.owner == world.boris and labour.next_step_of(child).owner == world.boris


def test_the_owner_must_be_a_worker_of_the_same_agency_who_records_child_labour(world):
    for outsider in (world.olga, world.kira, world.ilya, world.alex):
        with pytest.raises(ValidationError) as refused:
            _identify(world, owner=outsider)
        assert "owner" in refused.value.error_dict
    assert not WorkingChild.objects.exists()


def test_reassigning_moves_the_open_steps_and_the_child_to_a_colleague(world):
    child = _identify(world)
    start = child.identified_on
    for offset, result in ((1, ""), (2, ""), (3, "holds")):
        _complete(world.anna, child, start + offset * DAY, result)
    step = labour.next_step_of(child)
    labour.step_reassign(actor=world.anna, step_id=step.pk, owner=world.boris, expected_version=child.version)
    child.refresh_from_db()
    assert child.owner == world.boris
    assert {s.owner for s in _open(child)} == {world.boris}
    assert set(ChainStep.objects.filter(child=child, done_on__isnull=False).values_list("owner", flat=True)) == {
        world.anna.pk
    }
    # One step only: the rest stays with the child's owner.
    step = labour.next_step_of(child)
    labour.step_reassign(
        actor=world.boris, step_id=step.pk, owner=world.anna, expected_version=child.version, whole_chain=False
    )
    child.refresh_from_db()
    assert child.owner == world.boris and [s.owner for s in _open(child)] == [world.anna] + [world.boris] * 3
    with pytest.raises(ValidationError) as refused:
        labour.step_reassign(actor=world.anna, step_id=step.pk, owner=world.olga, expected_version=child.version)
    assert "owner" in refused.value.error_dict


def test_concurrent_edits_are_detected_not_overwritten(world):
    child = _identify(world)
    step = labour.next_step_of(child)
    seen = child.version
    labour.step_complete(actor=world.anna, step_id=step.pk, expected_version=seen, done_on=child.identified_on + DAY)
    protection = labour.next_step_of(child)
    with pytest.raises(labour.ChildChangedMeanwhile):
        labour.step_complete(
            actor=world.kira, step_id=protection.pk, expected_version=seen, done_on=child.identified_on + 2 * DAY
        )
    with pytest.raises(labour.ChildChangedMeanwhile):
        labour.step_reassign(actor=world.kira, step_id=protection.pk, owner=world.boris, expected_version=seen)
    protection.refresh_from_db()
    assert protection.done_on is None and protection.owner == world.anna


@pytest.mark.parametrize(
    "change, field",
    [
        ({"on": TODAY + DAY}, "identified_on"),
        ({"worst_form": "begging"}, "worst_form"),
        ({"hazards": []}, "hazards"),
        ({"hazards": ["boredom"]}, "hazards"),
        ({"work": "  "}, "work"),
        ({"named": _named(surname="")}, "surname"),
        ({"named": _named(birth=PartialDate(2000, 1, 1))}, "birth"),
    ],
)
def test_bad_input_for_a_child_names_the_field_and_changes_nothing(world, change, field):
    persons = Person.objects.count()
    with pytest.raises(ValidationError) as refused:
        _identify(world, **change)
    assert field in refused.value.error_dict
    assert Person.objects.count() == persons and not WorkingChild.objects.exists()


def test_bad_dates_and_results_of_a_step_name_the_field_and_change_nothing(world):
    child = _identify(world)
    step = labour.next_step_of(child)
    for done_on, result, field in (
        (TODAY + DAY, "", "done_on"),
        (child.identified_on - DAY, "", "done_on"),
        (None, "", "done_on"),
        (child.identified_on + DAY, "holds", "result"),
    ):
        with pytest.raises(ValidationError) as refused:
            labour.step_complete(
                actor=world.anna, step_id=step.pk, expected_version=child.version, done_on=done_on, result=result
            )
        assert field in refused.value.error_dict
    step.refresh_from_db()
    child.refresh_from_db()
    assert step.done_on is None and child.version == 1 and child.status == "identified"
    assert ChainStep.objects.filter(child=child).count() == 1


def test_each_write_is_decided_on_the_child_and_audited(world):
    child = _identify(world)
    before = AuditEvent.objects.count()
    _complete(world.anna, child, child.identified_on + DAY)
    decision, written = AuditEvent.objects.filter(seq__gt=AuditEvent.objects.order_by("seq")[before - 1].seq)
    assert (decision.action, decision.decision, decision.object_type, decision.object_id) == (
        "labour.record",
        "allow",
        "workingchild",
        str(child.pk),
    )
    assert decision.purpose == "child_protection" and decision.rule.endswith("+child-labour-of-the-district")
    assert (written.action, written.object_id, written.extra["kind"]) == (
        "labour.step_completed",
        str(child.pk),
        "referral",
    )


def test_olga_in_sokol_may_not_record_on_a_vologda_child_and_the_refusal_is_recorded(world):
    child = _identify(world)
    step = labour.next_step_of(child)
    with pytest.raises(AccessDenied):
        labour.step_complete(actor=world.olga, step_id=step.pk, expected_version=1, done_on=TODAY)
    denial = AuditEvent.objects.filter(actor=world.olga).last()
    assert (denial.decision, denial.rule, denial.object_id) == ("deny", "not-in-the-agency's-districts", str(child.pk))
    with pytest.raises(AccessDenied):
        _identify(world, actor=world.olga)
    step.refresh_from_db()
    assert step.done_on is None and WorkingChild.objects.count() == 1


def test_the_juvenile_inspector_reads_the_chain_but_may_not_record_and_the_analyst_gets_nothing(world):
    child = _identify(world)
    assert labour.child_for(world.ilya, child.pk) == child
    step = labour.next_step_of(child)
    for outsider in (world.ilya, world.alex, world.nemo):
        with pytest.raises(AccessDenied):
            labour.step_complete(actor=outsider, step_id=step.pk, expected_version=1, done_on=TODAY)
        with pytest.raises(AccessDenied):
            labour.visit_record(actor=outsider, district=world.vologda, place="x", visited_on=TODAY, team="police")
    with pytest.raises(AccessDenied):
        labour.child_for(world.alex, child.pk)
    assert AuditEvent.objects.filter(actor=world.ilya, decision="deny", rule="no-role-allows-this").count() == 2
    assert not ObservationVisit.objects.exists()
    step.refresh_from_db()
    assert step.done_on is None


def test_the_coordinator_of_the_district_runs_the_chain_too(world):
    child = _identify(world)
    _complete(world.kira, child, child.identified_on + DAY)
    assert child.status == "referred"


def test_protection_may_name_the_service_of_a_case_the_worker_reads_that_the_child_receives(world):
    child = _identify(world)
    Participant.objects.create(case=world.case_a, person=child.person, role="child")
    service = ServiceDelivery.objects.create(
        case=world.case_a,
        person=child.person,
        kind="rehabilitation",
        agency=world.crisis,
        started_on=child.identified_on + DAY,
        created_by=world.anna,
    )
    elsewhere = ServiceDelivery.objects.create(
        case=world.case_c, kind="street_work", agency=world.social_sokol, started_on=TODAY, created_by=world.olga
    )
    other_person = ServiceDelivery.objects.create(
        case=world.case_a, person=world.maria, kind="counselling", agency=world.crisis, started_on=TODAY,
        created_by=world.anna,
    )  # fmt: skip
    _complete(world.anna, child, child.identified_on + DAY)
    assert labour.services_for_child(world.anna, child) == [service]
    for wrong in (elsewhere, other_person):
        with pytest.raises(ValidationError) as refused:
            _complete(world.anna, child, child.identified_on + 2 * DAY, service_id=wrong.pk)
        assert "service" in refused.value.error_dict
    assert (
        AuditEvent.objects.filter(actor=world.anna, object_type="case", object_id=str(world.case_c.pk)).last().decision
        == "deny"
    )
    done = _complete(world.anna, child, child.identified_on + 2 * DAY, service_id=service.pk)
    assert done.kind == "protection" and done.service == service


def test_overdue_steps_are_listed_for_their_owner_only(world):
    child = _identify(world, on=TODAY - 30 * DAY)
    fresh = _identify(world, named=_named("Соколов", "Илья", "Петрович"), on=TODAY - 2 * DAY, owner=world.boris)
    overdue = list(labour.overdue_steps_for(world.anna))
    assert [(s.child, s.kind) for s in overdue] == [(child, "referral")]
    assert list(labour.overdue_steps_for(world.boris)) == []
    assert list(labour.overdue_steps_for(world.boris, today=TODAY + 30 * DAY)) == [labour.next_step_of(fresh)]
    _complete(world.anna, child, TODAY)
    assert list(labour.overdue_steps_for(world.anna)) == []


def test_areas_are_monitored_from_a_date_until_ended(world):
    settlement = world.vologda.children.filter(level="settlement").first()
    area = labour.area_add(actor=world.kira, district=world.vologda, settlement=settlement, since=TODAY - 100 * DAY)
    school = labour.area_add(actor=world.anna, district=world.vologda, school=world.school, since=TODAY - 50 * DAY)
    for bad, field in (
        ({"settlement": settlement}, "settlement"),
        ({"school": world.school_sokol}, "school"),
        ({}, "settlement"),
    ):
        with pytest.raises(ValidationError) as refused:
            labour.area_add(actor=world.anna, district=world.vologda, since=TODAY, **bad)
        assert field in refused.value.error_dict
    with pytest.raises(AccessDenied):
        labour.area_add(actor=world.olga, district=world.vologda, school=world.school, since=TODAY)
    with pytest.raises(ValidationError) as refused:
        labour.area_end(actor=world.anna, area_id=school.pk, until=TODAY - 60 * DAY)
    assert "until" in refused.value.error_dict
    labour.area_end(actor=world.anna, area_id=school.pk, until=TODAY - DAY)
    assert list(labour.areas_open_in([world.vologda.pk])) == [area]
    assert MonitoredArea.objects.count() == 2


def test_coverage_counts_visits_per_month_and_children_per_step_by_district(world):
    for days_ago in (0, 1, 40, 400):
        labour.visit_record(
            actor=world.anna,
            district=world.vologda,
            place="рынок",
            visited_on=TODAY - days_ago * DAY,
            team="street_service",
        )
    labour.visit_record(actor=world.olga, district=world.sokolsky, place="трасса", visited_on=TODAY, team="police")
    child = _identify(world)
    _complete(world.anna, child, child.identified_on + DAY)
    _identify(world, named=_named("Соколов", "Илья", "Петрович"))
    months, rows = labour.coverage_of(world.kira)
    assert len(months) == 12 and months[-1] == TODAY.replace(day=1)
    [vologda] = rows
    assert vologda.district == world.vologda
    assert vologda.visits_total == 3  # the visit 400 days ago is older than 12 months
    statuses = [s for s, _label in WorkingChild.Status.choices]
    assert dict(zip(statuses, vologda.children, strict=True))["identified"] == 1
    assert dict(zip(statuses, vologda.children, strict=True))["referred"] == 1
    _months, rows = labour.coverage_of(world.olga)
    assert [r.district for r in rows] == [world.sokolsky] and rows[0].visits_total == 1 and rows[0].children_total == 0
