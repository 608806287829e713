"""Closing a case needs a reason and a supervisor's approval; a closed case reopens with a reason;
a stale save is refused and says what changed."""

import pytest
from django.core.exceptions import ValidationError

from safezone.access.services import AccessDenied
from safezone.accounts.models import Notification
from safezone.audit.models import AuditEvent
from safezone.cases.models import Case, Closure
from safezone.cases.services import (
    ClosureError,
    ConcurrentEditError,
    case_closure_decide,
    case_closure_request,
    case_closure_withdraw,
    case_reopen,
    case_update,
)

WORK = "case_work"


def ask(world, actor=None, **kwargs):
    values = {"reason": "goals_met", "note": "Цели плана достигнуты", "purpose": WORK}
    case = Case.objects.get(pk=world.case_a.pk)
    return case_closure_request(
        actor=actor or world.anna, case_id=case.pk, expected_version=case.version, **{**values, **kwargs}
    )


def test_closing_waits_for_a_supervisor_who_is_told(world):
    closure = ask(world)
    case = Case.objects.get(pk=world.case_a.pk)
    assert closure.status == "pending" and case.status == "open"
    told = set(Notification.objects.values_list("user__username", flat=True))
    assert {"tina", "sveta"} <= told and "anna" not in told
    case_closure_decide(actor=world.sveta, closure_id=closure.pk, approve=True, purpose=WORK)
    case.refresh_from_db()
    assert case.status == "closed" and case.closed_on is not None
    assert Closure.objects.get(pk=closure.pk).decided_by == world.sveta
    assert AuditEvent.objects.filter(action="case.closed", object_id=str(case.pk)).exists()
    assert Notification.objects.filter(user=world.anna, text__contains=case.reference).exists()


def test_a_caseworker_cannot_approve_and_nobody_approves_their_own_request(world):
    closure = ask(world)
    with pytest.raises(AccessDenied):
        case_closure_decide(actor=world.boris, closure_id=closure.pk, approve=True, purpose=WORK)
    case_closure_withdraw(actor=world.anna, closure_id=closure.pk, purpose=WORK)
    mine = ask(world, actor=world.tina)
    with pytest.raises(ValidationError):
        case_closure_decide(actor=world.tina, closure_id=mine.pk, approve=True, purpose=WORK)
    assert Case.objects.get(pk=world.case_a.pk).status == "open"


def test_sending_back_needs_a_note_and_keeps_the_case_open(world):
    closure = ask(world)
    with pytest.raises(ValidationError) as exc:
        case_closure_decide(actor=world.sveta, closure_id=closure.pk, approve=False, note="нет", purpose=WORK)
    assert "decision_note" in exc.value.message_dict
    case_closure_decide(
        actor=world.sveta, closure_id=closure.pk, approve=False, note="Сначала оценка рисков", purpose=WORK
    )
    assert Case.objects.get(pk=world.case_a.pk).status == "open"
    with pytest.raises(ClosureError):
        case_closure_decide(actor=world.sveta, closure_id=closure.pk, approve=True, purpose=WORK)


def test_one_request_at_a_time_and_other_needs_a_note(world):
    with pytest.raises(ValidationError) as exc:
        ask(world, reason="other", note="")
    assert "note" in exc.value.message_dict
    with pytest.raises(ValidationError) as exc:
        ask(world, reason="because")
    assert "reason" in exc.value.message_dict
    ask(world)
    with pytest.raises(ClosureError):
        ask(world)


def test_outsiders_cannot_ask_to_close(world):
    with pytest.raises(AccessDenied):
        ask(world, actor=world.olga)
    assert not Closure.objects.exists()


def close(world):
    closure = ask(world)
    case_closure_decide(actor=world.sveta, closure_id=closure.pk, approve=True, purpose=WORK)
    return Case.objects.get(pk=world.case_a.pk)


def test_a_closed_case_reopens_with_a_reason_and_is_not_edited_before(world):
    case = close(world)
    with pytest.raises(ClosureError):
        case_update(actor=world.anna, case_id=case.pk, expected_version=case.version, purpose=WORK, status="open")
    with pytest.raises(ValidationError) as exc:
        case_reopen(actor=world.anna, case_id=case.pk, expected_version=case.version, reason="снова", purpose=WORK)
    assert "reason" in exc.value.message_dict
    case_reopen(
        actor=world.anna, case_id=case.pk, expected_version=case.version, reason="Новый инцидент 20.11", purpose=WORK
    )
    case.refresh_from_db()
    assert case.status == "open" and case.closed_on is None and case.reopenings.count() == 1


def test_an_anonymised_case_cannot_be_reopened(world):
    from django.utils import timezone

    case = close(world)
    Case.objects.filter(pk=case.pk).update(anonymised_at=timezone.now())
    with pytest.raises(ClosureError):
        case_reopen(
            actor=world.anna, case_id=case.pk, expected_version=case.version, reason="Новый инцидент", purpose=WORK
        )


def test_the_edit_form_cannot_close_a_case(world):
    with pytest.raises(ValidationError) as exc:
        case_update(actor=world.anna, case_id=world.case_a.pk, expected_version=1, purpose=WORK, status="closed")
    assert "status" in exc.value.message_dict


def test_a_stale_save_is_refused_and_says_what_changed_and_who_changed_it(world):
    case = Case.objects.get(pk=world.case_a.pk)
    opened_at = case.version
    case_update(actor=world.sveta, case_id=case.pk, expected_version=opened_at, purpose=WORK, status="monitoring")
    with pytest.raises(ConcurrentEditError) as exc:
        case_update(
            actor=world.anna, case_id=case.pk, expected_version=opened_at, purpose=WORK, status="open", summary="x"
        )
    text = exc.value.explain()
    assert str(Case._meta.get_field("status").verbose_name) in text and "Sveta" in text
    assert Case.objects.get(pk=case.pk).status == "monitoring"


def test_the_case_page_walks_request_and_approval(world, client_for):
    anna = client_for(world.anna)
    page = anna.get(f"/cases/{world.case_a.pk}/")
    assert "Ask to close" in page.content.decode() or "Закрыть" in page.content.decode()
    response = anna.post(
        f"/cases/{world.case_a.pk}/closure/",
        {"reason": "safe", "note": "", "version": Case.objects.get(pk=world.case_a.pk).version, "purpose": WORK},
    )
    assert response.status_code == 302
    closure = Closure.objects.get()
    sveta = client_for(world.sveta)
    assert world.case_a.reference in sveta.get("/cases/mine/").content.decode()
    response = sveta.post(
        f"/cases/{world.case_a.pk}/closure/{closure.pk}/decide/", {"decision": "approve", "purpose": WORK}
    )
    assert response.status_code == 302
    assert Case.objects.get(pk=world.case_a.pk).status == "closed"
