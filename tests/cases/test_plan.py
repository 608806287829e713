"""The case plan: goals and actions owned by agencies on the case, with dates, statuses and overdue reminders."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from safezone.access.services import AccessDenied
from safezone.cases.models import PlanAction
from safezone.cases.services import (
    ActionChangedMeanwhile,
    goal_add,
    plan_action_add,
    plan_action_set_status,
)

TODAY = timezone.localdate()


def add(world, **kwargs):
    values = {
        "actor": world.anna,
        "case": world.case_a,
        "text": "Консультация юриста",
        "agency": world.crisis,
        "worker": world.anna,
        "due_on": TODAY + dt.timedelta(days=7),
        "purpose": "case_work",
    }
    return plan_action_add(**{**values, **kwargs})


def test_a_goal_with_an_action_for_the_owner_agency(world):
    goal = goal_add(actor=world.anna, case=world.case_a, text="Безопасное жильё", purpose="case_work")
    action = add(world, goal=goal)
    assert action.goal == goal and action.status == "open" and action.history.count() == 1


def test_an_action_can_go_only_to_an_agency_working_on_the_case(world):
    with pytest.raises(ValidationError) as exc:
        add(world, agency=world.police, worker=world.petr)
    assert "agency" in exc.value.message_dict
    from safezone.access.services import case_grant_add

    case_grant_add(case=world.case_a, agency=world.police, user=world.petr, source="referral")
    assert add(world, agency=world.police, worker=world.petr).agency == world.police


def test_the_worker_must_belong_to_the_agency_and_the_date_must_not_have_passed(world):
    with pytest.raises(ValidationError) as exc:
        add(world, worker=world.petr, due_on=TODAY - dt.timedelta(days=1))
    assert set(exc.value.message_dict) == {"worker", "due_on"}


def test_not_possible_and_not_done_need_a_reason_and_are_told_apart(world):
    action = add(world)
    with pytest.raises(ValidationError):
        plan_action_set_status(
            actor=world.anna, action_id=action.pk, expected_version=1, status="not_done", purpose="case_work"
        )
    done = plan_action_set_status(
        actor=world.anna,
        action_id=action.pk,
        expected_version=1,
        status="not_possible",
        note="Семья переехала",
        purpose="case_work",
    )
    assert (done.status, done.closed_on, done.version) == ("not_possible", TODAY, 2)


def test_a_stale_status_change_is_refused(world):
    action = add(world)
    plan_action_set_status(
        actor=world.anna, action_id=action.pk, expected_version=1, status="done", purpose="case_work"
    )
    with pytest.raises(ActionChangedMeanwhile):
        plan_action_set_status(
            actor=world.anna, action_id=action.pk, expected_version=1, status="open", purpose="case_work"
        )
    assert PlanAction.objects.get(pk=action.pk).status == "done"


def test_someone_outside_the_case_cannot_plan_it(world):
    with pytest.raises(AccessDenied):
        add(world, actor=world.olga)


def test_overdue_actions_show_on_my_work(world, client_for):
    action = add(world)
    PlanAction.objects.filter(pk=action.pk).update(due_on=TODAY - dt.timedelta(days=2))
    page = client_for(world.anna).get("/cases/mine/")
    assert [a.pk for a in page.context["overdue"]] == [action.pk]
    assert client_for(world.boris).get("/cases/mine/").context["overdue"] == []


def test_the_plan_is_shown_and_changed_from_the_case_page(world, client_for):
    client = client_for(world.anna)
    client.post(f"/cases/{world.case_a.pk}/goals/", {"text": "Безопасное жильё"})
    client.post(
        f"/cases/{world.case_a.pk}/actions/",
        {
            "text": "Найти место в приюте",
            "agency": world.crisis.pk,
            "due_on": (TODAY + dt.timedelta(days=3)).isoformat(),
        },
    )
    action = PlanAction.objects.get(case=world.case_a)
    client.post(f"/cases/{world.case_a.pk}/actions/{action.pk}/status/", {"status": "done", "version": 1})
    assert PlanAction.objects.get(pk=action.pk).status == "done"
    body = client.get(f"/cases/{world.case_a.pk}/").content.decode()
    assert "Безопасное жильё" in body and "Найти место в приюте" in body


def test_open_referrals_are_counted_per_agency(world, client_for):
    from safezone.cases.models import Referral
    from safezone.cases.selectors import open_referral_counts

    def refer(to, status):
        Referral.objects.create(
            case=world.case_a,
            from_agency=world.crisis,
            from_user=world.anna,
            to_agency=to,
            message="x",
            legal_ground="vital_interests",
            status=status,
        )

    refer(world.police, "pending")
    refer(world.police, "accepted")
    refer(world.police, "declined")
    refer(world.kdn, "pending")
    counts = {c.agency.code: c for c in open_referral_counts([world.crisis, world.police])}
    assert (counts["police"].received_pending, counts["police"].received_accepted) == (1, 1)
    assert (counts["crisis"].sent_pending, counts["crisis"].sent_accepted) == (2, 1)
    assert counts["crisis"].received_pending == 0
    page = client_for(world.petr).get("/cases/referrals/").content.decode()
    assert "Полиция Вологды" in page
