"""The risk meeting: planned by a coordinator, agenda from pending referrals, each member agency's
research, the chair's decisions and actions, unfinished actions coming back, minutes as a PDF."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from safezone.access.services import AccessDenied
from safezone.audit.models import AuditEvent
from safezone.meetings.models import AgendaItem, MeetingReferral
from safezone.meetings.selectors import (
    minutes_due_on,
    repeat_windows_lapsing,
    unfinished_actions_before,
    working_days_after,
)
from safezone.meetings.services import (
    MeetingError,
    ResearchChangedMeanwhile,
    agenda_build,
    decision_record,
    meeting_action_add,
    meeting_action_set_status,
    meeting_hold,
    meeting_plan,
    minutes_issue,
    research_record,
)


def plan(world, days=7):
    return meeting_plan(
        actor=world.kira,
        district=world.vologda,
        scheduled_at=timezone.now() + dt.timedelta(days=days),
        members=[world.crisis, world.police],
    )


def refer(world, case, when=None):
    return MeetingReferral.objects.create(
        case=case,
        rule="judgement",
        reason="Угрозы убийством",
        referred_by=world.anna,
        referred_on=when or timezone.localdate(),
    )


@pytest.fixture
def meeting(world):
    refer(world, world.case_a)
    refer(world, world.case_c)  # Sokol: not this area
    m = plan(world)
    agenda_build(actor=world.kira, meeting=m)
    return m


def test_the_agenda_is_built_from_the_pending_referrals_of_the_area(world, meeting):
    assert [i.case_id for i in meeting.agenda.all()] == [world.case_a.pk]
    assert agenda_build(actor=world.kira, meeting=meeting) == 0  # built twice, nothing doubles


def test_a_meeting_is_planned_only_for_an_area_the_body_serves(world):
    with pytest.raises(ValidationError) as exc:
        meeting_plan(actor=world.kira, district=world.sokolsky, scheduled_at=timezone.now(), members=[world.police])
    assert "district" in exc.value.message_dict
    with pytest.raises(AccessDenied):
        meeting_plan(actor=world.petr, district=world.vologda, scheduled_at=timezone.now(), members=[world.crisis])


def test_members_record_what_they_know_and_others_cannot(world, meeting):
    item = meeting.agenda.get()
    research = research_record(actor=world.petr, item=item, text="Три вызова за месяц, последний 20.11")
    assert research.agency == world.police
    with pytest.raises(AccessDenied):
        research_record(actor=world.olga, item=item, text="Ничего не знаем")
    assert AuditEvent.objects.filter(actor=world.olga, decision="deny").exists()
    with pytest.raises(ResearchChangedMeanwhile):
        research_record(actor=world.petr, item=item, text="Уточнение от участкового", expected_version=0)


def test_only_the_chair_records_decisions_and_actions(world, meeting):
    item = meeting.agenda.get()
    with pytest.raises(AccessDenied):
        decision_record(actor=world.petr, item=item, decision="Защитное предписание")
    decision_record(actor=world.kira, item=item, decision="Защитное предписание, место в приюте")
    action = meeting_action_add(
        actor=world.kira,
        item=item,
        owner_agency=world.police,
        text="Проверить соблюдение предписания",
        due_on=timezone.localdate() + dt.timedelta(days=21),
    )
    with pytest.raises(ValidationError):
        meeting_action_add(
            actor=world.kira, item=item, owner_agency=world.social_sokol, text="x", due_on=timezone.localdate()
        )
    # The owner agency marks its action; another member cannot.
    with pytest.raises(MeetingError):
        meeting_action_set_status(actor=world.anna, action_id=action.pk, expected_version=1, status="done")
    meeting_action_set_status(actor=world.petr, action_id=action.pk, expected_version=1, status="done")
    with pytest.raises(ResearchChangedMeanwhile):
        meeting_action_set_status(actor=world.petr, action_id=action.pk, expected_version=1, status="open")


def test_unfinished_actions_come_back_to_the_next_meeting(world, meeting):
    item = meeting.agenda.get()
    due = timezone.localdate() + dt.timedelta(days=10)
    open_action = meeting_action_add(actor=world.kira, item=item, owner_agency=world.police, text="A", due_on=due)
    done = meeting_action_add(actor=world.kira, item=item, owner_agency=world.crisis, text="B", due_on=due)
    not_possible = meeting_action_add(actor=world.kira, item=item, owner_agency=world.crisis, text="C", due_on=due)
    meeting_action_set_status(actor=world.anna, action_id=done.pk, expected_version=1, status="done")
    meeting_action_set_status(
        actor=world.anna,
        action_id=not_possible.pk,
        expected_version=1,
        status="not_possible",
        note="Семья переехала",
    )
    later = plan(world, days=35)
    assert [a.pk for a in unfinished_actions_before(later)] == [open_action.pk]
    assert unfinished_actions_before(meeting) == []


def test_minutes_are_due_three_working_days_after_the_meeting(world, meeting):
    assert working_days_after(dt.date(2026, 11, 27), 3) == dt.date(2026, 12, 2)  # Friday -> Wednesday
    meeting.scheduled_at = timezone.make_aware(dt.datetime(2026, 11, 27, 10, 0))
    assert minutes_due_on(meeting) == dt.date(2026, 12, 2)


def test_minutes_are_a_pdf_for_members_only_and_close_the_meeting(world, meeting, client_for):
    item = meeting.agenda.get()
    research_record(actor=world.petr, item=item, text="Три вызова за месяц")
    with pytest.raises(MeetingError):
        minutes_issue(actor=world.kira, meeting=meeting)  # not held yet
    meeting_hold(actor=world.kira, meeting=meeting)
    assert MeetingReferral.objects.get(case=world.case_a).status == "discussed"
    pdf = minutes_issue(actor=world.kira, meeting=meeting)
    meeting.refresh_from_db()
    assert pdf.startswith(b"%PDF") and len(meeting.minutes_sha256) == 64 and meeting.status == "minutes"
    with pytest.raises(MeetingError):
        decision_record(actor=world.kira, item=AgendaItem.objects.get(pk=item.pk), decision="поздно")
    response = client_for(world.petr).get(f"/meetings/{meeting.pk}/minutes.pdf")
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert "no-store" in response["Cache-Control"] and "Кузнецова" not in response["Content-Disposition"]
    assert client_for(world.olga).get(f"/meetings/{meeting.pk}/minutes.pdf").status_code == 404


def test_the_meeting_page_shows_the_agenda_to_members(world, meeting, client_for):
    item = meeting.agenda.get()
    research_record(actor=world.petr, item=item, text="Три вызова за месяц")
    body = client_for(world.anna).get(f"/meetings/{meeting.pk}/").content.decode()
    assert world.case_a.reference in body and "Три вызова за месяц" in body
    assert client_for(world.olga).get(f"/meetings/{meeting.pk}/").status_code == 404


@pytest.mark.parametrize("days_ago, lapses", [(365, True), (335, False), (400, False)])
def test_repeat_windows_lapsing_this_month(world, days_ago, lapses):
    today = dt.date(2026, 11, 24)
    refer(world, world.case_a, when=today - dt.timedelta(days=days_ago))
    rows = repeat_windows_lapsing(world.kira, purpose="coordination", today=today)
    assert (world.case_a.pk in [r["case_id"] for r in rows]) is lapses


def test_the_api_shows_the_agenda_to_members_only_and_audits_it(world, meeting, client_for):
    item = meeting.agenda.get()
    research_record(actor=world.petr, item=item, text="Три вызова за месяц")
    data = client_for(world.anna).get(f"/api/meetings/{meeting.pk}/").json()
    assert data["agenda"][0]["reference"] == world.case_a.reference
    assert data["agenda"][0]["research"][0]["text"] == "Три вызова за месяц"
    read = AuditEvent.objects.filter(actor=world.anna, object_type="case", action="case.view").last()
    assert read.extra["ids"] == [world.case_a.pk] and read.purpose == "meeting"
    assert [m["id"] for m in client_for(world.olga).get("/api/meetings/").json()["results"]] == []
    assert client_for(world.olga).get(f"/api/meetings/{meeting.pk}/").status_code == 404
