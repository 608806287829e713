"""The meeting purpose: a member agency reaches the cases on its meetings' agendas, and nothing else."""

import datetime as dt

import pytest
from django.utils import timezone

from safezone.access.policy import Action, Purpose
from safezone.access.selectors import decide
from safezone.access.services import seal_add
from safezone.cases.selectors import cases_visible_to
from safezone.meetings.models import AgendaItem, Meeting


def agenda_meeting(world, *, days_ago=0, status=Meeting.Status.PLANNED, members=None):
    meeting = Meeting.objects.create(
        district=world.vologda,
        scheduled_at=timezone.now() - dt.timedelta(days=days_ago),
        chair=world.kira,
        chair_agency=world.kdn,
        status=status,
    )
    meeting.member_agencies.set(members or [world.police, world.crisis])
    AgendaItem.objects.create(meeting=meeting, case=world.case_a)
    return meeting


def seen(world, user):
    return set(cases_visible_to(user, purpose=Purpose.MEETING).values_list("pk", flat=True))


def test_a_member_sees_the_agenda_case_for_the_meeting_purpose_only(world):
    assert seen(world, world.petr) == set()
    agenda_meeting(world)
    assert seen(world, world.petr) == {world.case_a.pk}
    assert decide(world.petr, Action.VIEW_CASE, Purpose.MEETING, world.case_a).allowed
    # Not for case work, and not to change it.
    assert world.case_a.pk not in set(
        cases_visible_to(world.petr, purpose=Purpose.CASE_WORK).values_list("pk", flat=True)
    )
    assert not decide(world.petr, Action.EDIT_CASE, Purpose.MEETING, world.case_a).allowed
    # Only the agenda: the police's own case d is not reached under the meeting purpose.
    assert not decide(world.petr, Action.VIEW_CASE, Purpose.MEETING, world.case_d).allowed


def test_an_agency_not_on_the_meeting_reaches_nothing(world):
    agenda_meeting(world, members=[world.crisis])
    assert seen(world, world.petr) == set()
    assert seen(world, world.olga) == set()


@pytest.mark.parametrize(
    "days_ago, status, reached",
    [
        (89, Meeting.Status.MINUTES_ISSUED, True),
        (91, Meeting.Status.MINUTES_ISSUED, False),
        (0, Meeting.Status.CANCELLED, False),
    ],
)
def test_the_reach_lapses_after_the_meeting_and_with_a_cancellation(world, days_ago, status, reached):
    agenda_meeting(world, days_ago=days_ago, status=status)
    assert (world.case_a.pk in seen(world, world.petr)) is reached


def test_a_seal_wins_over_the_agenda(world):
    agenda_meeting(world)
    seal_add(
        actor=world.sveta,
        case=world.case_a,
        purpose=Purpose.CASE_WORK,
        reason="Конфликт интересов",
        agency=world.police,
    )
    assert seen(world, world.petr) == set()
    assert decide(world.petr, Action.VIEW_CASE, Purpose.MEETING, world.case_a).rule == "sealed"
