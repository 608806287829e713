"""The retention schedule: closed cases past their period are anonymised or deleted; a dry run changes
nothing; a second run finds nothing to do; every case it touches is audited."""

import datetime as dt

import pytest
from django.core.management import call_command

from safezone.assessments.models import Assessment
from safezone.audit.models import AuditEvent
from safezone.cases.models import Case, Incident, Participant, ServiceDelivery
from safezone.cases.services import retention_apply
from safezone.people.models import Person

TODAY = dt.date(2032, 6, 1)
SCHEDULE = {"dv": {"action": "anonymise", "years": 5}, "child": {"action": "delete", "years": 5}}


def closed(case, on):
    Case.objects.filter(pk=case.pk).update(status="closed", closed_on=on, summary="Секретное описание")
    return Case.objects.get(pk=case.pk)


def test_a_dry_run_reports_and_changes_nothing(world):
    closed(world.case_a, dt.date(2027, 1, 1))
    before = (AuditEvent.objects.count(), Person.objects.count())
    report = retention_apply(today=TODAY, schedule=SCHEDULE, dry_run=True)
    assert report.anonymised == [world.case_a.pk] and report.deleted == []
    assert (AuditEvent.objects.count(), Person.objects.count()) == before
    assert Case.objects.get(pk=world.case_a.pk).summary == "Секретное описание"


def test_anonymising_keeps_the_figures_and_drops_the_people(world):
    case = closed(world.case_a, dt.date(2027, 1, 1))
    incidents = Incident.objects.filter(case=case).count()
    Assessment.objects.create(
        case=case,
        person=world.maria,
        instrument_code="dv_risk",
        instrument_version=1,
        answers={},
        score=3,
        band="standard",
        triggers=[],
        not_known=0,
        answered_by=world.anna,
    )
    ServiceDelivery.objects.create(
        case=case,
        person=world.ivan,
        kind="counselling",
        agency=world.crisis,
        started_on=case.opened_on,
        created_by=world.anna,
        outcome_note="Личные подробности",
    )
    from safezone.meetings.models import MeetingReferral

    MeetingReferral.objects.create(
        case=case,
        rule="judgement",
        reason="Угрозы",
        victim=world.maria,
        alleged_perpetrator=world.ivan,
        referred_by=world.anna,
        referred_on=case.opened_on,
    )
    report = retention_apply(today=TODAY, schedule=SCHEDULE, dry_run=False)
    case.refresh_from_db()
    assert report.anonymised == [case.pk]
    referral = MeetingReferral.objects.get(case=case)
    assert referral.reason == "" and referral.victim is None
    service = ServiceDelivery.objects.get(case=case)
    assert service.person is None and service.outcome_note == "" and service.kind == "counselling"
    assert case.anonymised_at is not None and case.summary == "" and case.kind == "dv"
    assert not Participant.objects.filter(case=case).exists()
    assert Incident.objects.filter(case=case).count() == incidents
    assert not Incident.objects.filter(case=case, victim__isnull=False).exists()
    assert not Assessment.objects.filter(case=case).exists()
    # The past versions go too: nothing in the history still holds the summary.
    assert all(h.summary == "" for h in Case.history.filter(id=case.pk))
    assert AuditEvent.objects.filter(action="retention.anonymise", object_id=str(case.pk)).count() == 1
    # Maria still takes part in the police's case d: she stays; a person in no case any more goes.
    assert Person.objects.filter(pk=world.maria.pk).exists()


def test_a_second_run_finds_nothing(world):
    closed(world.case_a, dt.date(2027, 1, 1))
    retention_apply(today=TODAY, schedule=SCHEDULE, dry_run=False)
    events = AuditEvent.objects.count()
    again = retention_apply(today=TODAY, schedule=SCHEDULE, dry_run=False)
    assert again.anonymised == [] and again.deleted == [] and AuditEvent.objects.count() == events


def test_deleting_removes_the_case_and_persons_left_in_no_case(world):
    Case.objects.filter(pk=world.case_c.pk).update(kind="child")
    case = closed(world.case_c, world.case_c.opened_on)
    people = set(Participant.objects.filter(case=case).values_list("person_id", flat=True))
    report = retention_apply(today=TODAY, schedule=SCHEDULE, dry_run=False)
    assert report.deleted == [case.pk] and not Case.objects.filter(pk=case.pk).exists()
    alone = [pk for pk in people if not Participant.objects.filter(person_id=pk).exists()]
    assert not Person.objects.filter(pk__in=alone).exists() and report.persons_forgotten == len(people)


@pytest.mark.parametrize(
    "closed_on, due",
    [(dt.date(2027, 6, 1), True), (dt.date(2027, 6, 2), False)],
)
def test_the_period_counts_whole_years_after_closure(world, closed_on, due):
    closed(world.case_a, closed_on)
    report = retention_apply(today=TODAY, schedule=SCHEDULE, dry_run=True)
    assert (world.case_a.pk in report.anonymised) is due


def test_open_cases_are_never_touched(world):
    report = retention_apply(today=dt.date(2099, 1, 1), schedule=SCHEDULE, dry_run=True)
    assert report.anonymised == [] and report.deleted == []


def test_the_command_dry_run_prints_and_a_bad_schedule_is_refused(world, capsys, settings):
    from django.core.management.base import CommandError

    closed(world.case_a, dt.date(2027, 1, 1))
    call_command("apply_retention", "--dry-run", "--today", "2032-06-01")
    out = capsys.readouterr().out
    assert "would anonymise: 1 cases" in out and "nothing changed" in out
    assert Case.objects.get(pk=world.case_a.pk).anonymised_at is None
    settings.SAFEZONE_RETENTION = {"dv": {"action": "shred", "years": 5}}
    with pytest.raises(CommandError, match="anonymise:YEARS"):
        call_command("apply_retention", "--dry-run")
