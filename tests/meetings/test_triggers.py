"""When the system proposes the multi-agency risk meeting, and why: each rule names itself."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from safezone.access.services import AccessDenied
from safezone.assessments.instruments import instrument
from safezone.assessments.services import assessment_record
from safezone.cases.models import Case, Incident, Participant
from safezone.meetings.models import MeetingReferral
from safezone.meetings.selectors import meeting_triggers
from safezone.meetings.services import meeting_referral_make

TODAY = timezone.localdate()


def rules(case, today=TODAY):
    return [t.rule for t in meeting_triggers(case, today=today)]


def incident(world, case, days_ago, police=True, victim=None, perpetrator=None):
    return Incident.objects.create(
        case=case,
        occurred_on=TODAY - dt.timedelta(days=days_ago),
        place="home",
        district=world.vologda,
        reported_to_police=police,
        victim=victim,
        alleged_perpetrator=perpetrator,
    )


def dv_answers(yes: int) -> dict:
    items = instrument("dv_risk").items
    return {item.code: ("yes" if i < yes else "no") for i, item in enumerate(items)}


@pytest.mark.parametrize("yes, proposed", [(13, False), (14, True)])
def test_a_high_risk_checklist_proposes_the_meeting(world, yes, proposed):
    assessment_record(
        actor=world.anna,
        case=world.case_a,
        person=world.maria,
        instrument_code="dv_risk",
        answers=dv_answers(yes),
        purpose="case_work",
    )
    assert ("high_risk" in rules(world.case_a)) is proposed


@pytest.mark.parametrize("reported, proposed", [(2, False), (3, True)])
def test_three_incidents_reported_to_police_in_twelve_months_propose_the_meeting(world, reported, proposed):
    for days in range(reported):
        incident(world, world.case_b, days_ago=30 * days + 1)
    incident(world, world.case_b, days_ago=40, police=False)
    incident(world, world.case_b, days_ago=400)  # older than twelve months
    assert ("police_incidents" in rules(world.case_b)) is proposed


@pytest.mark.parametrize("days_after_referral, proposed", [(364, True), (365, True), (366, False)])
def test_a_new_incident_within_twelve_months_of_the_last_referral_is_a_repeat(world, days_after_referral, proposed):
    # Elena and Ivan: a couple with no earlier incident in the world.
    Participant.objects.create(case=world.case_b, person=world.ivan, role="perpetrator")
    referred_on = TODAY - dt.timedelta(days=days_after_referral)
    MeetingReferral.objects.create(
        case=world.case_b,
        rule="judgement",
        victim=world.elena,
        alleged_perpetrator=world.ivan,
        referred_by=world.boris,
        referred_on=referred_on,
        status="discussed",
    )
    incident(world, world.case_b, days_ago=0, victim=world.elena, perpetrator=world.ivan)
    assert ("repeat" in rules(world.case_b)) is proposed


def test_the_repeat_rule_follows_the_couple_into_another_case(world):
    MeetingReferral.objects.create(
        case=world.case_a,
        rule="judgement",
        victim=world.maria,
        alleged_perpetrator=world.ivan,
        referred_by=world.anna,
        referred_on=TODAY - dt.timedelta(days=100),
        status="discussed",
    )
    Participant.objects.create(case=world.case_d, person=world.ivan, role="perpetrator")
    incident(world, world.case_d, days_ago=1, victim=world.maria, perpetrator=world.ivan)
    assert "repeat" in rules(world.case_d)


def test_an_incident_with_someone_else_is_no_repeat(world):
    Participant.objects.create(case=world.case_b, person=world.ivan, role="perpetrator")
    MeetingReferral.objects.create(
        case=world.case_b,
        rule="judgement",
        victim=world.elena,
        alleged_perpetrator=world.ivan,
        referred_by=world.boris,
        referred_on=TODAY - dt.timedelta(days=100),
        status="discussed",
    )
    incident(world, world.case_b, days_ago=1, victim=world.elena, perpetrator=None)
    assert "repeat" not in rules(world.case_b)


def test_a_pending_referral_silences_the_proposals(world):
    for days in range(3):
        incident(world, world.case_b, days_ago=days + 1)
    meeting_referral_make(actor=world.boris, case=world.case_b, rule="police_incidents", purpose="case_work")
    assert rules(world.case_b) == []


def test_a_referral_needs_a_rule_that_holds_or_a_written_judgement(world):
    with pytest.raises(ValidationError):
        meeting_referral_make(actor=world.anna, case=world.case_a, rule="police_incidents", purpose="case_work")
    with pytest.raises(ValidationError):
        meeting_referral_make(actor=world.anna, case=world.case_a, rule="judgement", reason="риск", purpose="case_work")
    referral = meeting_referral_make(
        actor=world.anna,
        case=world.case_a,
        rule="judgement",
        purpose="case_work",
        reason="Угрозы участились после развода, соседи слышат крики",
    )
    assert referral.victim == world.maria and referral.alleged_perpetrator == world.ivan
    assert referral.referred_on == TODAY


def test_only_those_who_may_refer_the_case_refer_it_to_the_meeting(world):
    with pytest.raises(AccessDenied):
        meeting_referral_make(
            actor=world.olga,
            case=world.case_a,
            rule="judgement",
            purpose="case_work",
            reason="Угрозы участились после развода, соседи слышат крики",
        )


def test_the_case_page_shows_the_proposal_and_refers_in_one_click(world, client_for):
    for days in range(3):
        incident(world, world.case_b, days_ago=days + 1)
    client = client_for(world.boris)
    page = client.get(f"/cases/{world.case_b.pk}/")
    assert [t.rule for t in page.context["meeting_triggers"]] == ["police_incidents"]
    client.post(f"/meetings/cases/{world.case_b.pk}/refer/", {"rule": "police_incidents"})
    assert MeetingReferral.objects.get(case=world.case_b).rule == "police_incidents"
    assert Case.objects.get(pk=world.case_b.pk).meeting_referrals.count() == 1
