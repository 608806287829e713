"""Case teams through referrals, seals from conflicts of interest, and break-glass with its review."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from safezone.access.models import BreakGlass, CaseGrant, Consent
from safezone.access.policy import Purpose
from safezone.access.selectors import decide
from safezone.access.services import (
    AccessDenied,
    break_glass_open,
    break_glass_review,
    case_grant_add,
    seal_add,
    seal_lift,
)
from safezone.accounts.models import Notification
from safezone.audit.models import AuditEvent
from safezone.cases.models import Referral
from safezone.cases.selectors import cases_visible_to
from safezone.cases.services import (
    ReferralStateError,
    referral_accept,
    referral_complete,
    referral_decline,
    referral_revoke,
    referral_send,
)
from safezone.people.matching import NameQuery
from safezone.people.selectors import person_search

CW = Purpose.CASE_WORK


def send(world, **kwargs):
    return referral_send(
        actor=world.anna,
        case=world.case_a,
        to_agency=world.police,
        message="Нужна защита",
        purpose=CW,
        **{"legal_ground": "vital_interests", **kwargs},
    )


def test_a_referral_without_consent_must_name_its_legal_ground(world):
    with pytest.raises(ValidationError) as exc:
        send(world, legal_ground="")
    assert "legal_ground" in exc.value.message_dict
    assert not Referral.objects.exists()


def test_a_referral_under_consent_needs_a_consent_that_covers_the_agency(world):
    consent = Consent.objects.create(
        person=world.maria,
        case=world.case_a,
        categories=["summary"],
        purposes=["case_work"],
        form="written",
        given_on=world.case_a.opened_on,
        recorded_by=world.anna,
    )
    consent.agencies.set([world.kdn])
    with pytest.raises(ValidationError) as exc:
        send(world, legal_ground="", consent=consent)
    assert "consent" in exc.value.message_dict
    consent.agencies.add(world.police)
    assert send(world, legal_ground="", consent=consent).consent == consent


def test_a_withdrawn_consent_no_longer_covers_a_referral(world):
    consent = Consent.objects.create(
        person=world.maria,
        case=world.case_a,
        categories=["summary"],
        purposes=["case_work"],
        form="written",
        given_on=world.case_a.opened_on,
        withdrawn_on=timezone.localdate(),
        recorded_by=world.anna,
    )
    consent.agencies.set([world.police])
    with pytest.raises(ValidationError):
        send(world, legal_ground="", consent=consent)


def test_accepting_puts_the_worker_on_the_team_and_tells_the_sender(world):
    referral = send(world)
    assert not decide(world.petr, "case.view", CW, world.case_a).allowed  # pending: not yet
    assert Notification.objects.filter(user=world.petr, text__contains=world.crisis.short_name).exists()
    referral_accept(actor=world.petr, referral=referral)
    decision = decide(world.petr, "case.view", CW, world.case_a)
    assert decision.allowed and "+team:referral" in decision.rule
    assert Notification.objects.filter(user=world.anna, text__contains=world.case_a.reference).exists()


def test_completing_or_revoking_ends_the_team_access_and_keeps_the_history(world):
    referral = send(world)
    referral_accept(actor=world.petr, referral=referral)
    referral_complete(actor=world.petr, referral=referral, reason="Готово")
    assert not decide(world.petr, "case.view", CW, world.case_a).allowed
    grant = CaseGrant.objects.get(referral=referral)
    assert grant.ended_at is not None and grant.history.count() == 2


def test_the_sender_can_revoke_but_the_receiver_cannot(world):
    referral = send(world)
    referral_accept(actor=world.petr, referral=referral)
    with pytest.raises(AccessDenied):
        referral_revoke(actor=world.petr, referral=referral, reason="нет")
    referral_revoke(actor=world.anna, referral=referral, reason="Помощь не нужна")
    assert Referral.objects.get(pk=referral.pk).status == "revoked"
    assert not decide(world.petr, "case.view", CW, world.case_a).allowed


def test_declining_needs_a_reason_and_an_answered_referral_cannot_be_answered_again(world):
    referral = send(world)
    with pytest.raises(ValidationError):
        referral_decline(actor=world.petr, referral=referral, reason=" ")
    referral_decline(actor=world.petr, referral=referral, reason="Не наш профиль")
    with pytest.raises(ReferralStateError):
        referral_accept(actor=world.petr, referral=referral)
    # A declined referral gives the receiving agency no access to the case.
    assert not decide(world.petr, "case.view", Purpose.CASE_WORK, world.case_a).allowed


def test_only_the_receiving_agency_may_answer(world):
    referral = send(world)
    with pytest.raises(AccessDenied):
        referral_accept(actor=world.olga, referral=referral)
    assert AuditEvent.objects.filter(actor=world.olga, decision="deny", rule="not-a-member-of-this-agency").exists()


def test_the_inbox_shows_referrals_to_my_agencies_only(world, client_for):
    send(world)
    assert len(client_for(world.petr).get("/cases/referrals/").context["page"]) == 1
    assert len(client_for(world.olga).get("/cases/referrals/").context["page"]) == 0


# --- seals ----------------------------------------------------------------------------------------
def test_a_sealed_case_disappears_from_lists_searches_counts_and_person_pages(world, client_for):
    seal_add(actor=world.anna, case=world.case_a, purpose=CW, reason="Муж работает в полиции", agency=world.kdn)
    kira_cases = set(cases_visible_to(world.kira, purpose=Purpose.COORDINATION))
    assert world.case_a not in kira_cases and world.case_b in kira_cases
    client = client_for(world.kira)
    listing = client.get("/cases/?purpose=coordination")
    assert listing.context["page"].paginator.count == 2
    assert client.get(f"/cases/{world.case_a.pk}/?purpose=coordination").status_code == 404
    # Maria is still reachable through case_d (police), which the seal does not cover.
    assert client.get(f"/people/{world.ivan.pk}/?purpose=coordination").status_code == 404


@pytest.mark.parametrize("filters", ["", "&status=open"])
def test_team_cases_are_listed_once_in_order_even_when_the_agency_owns_them_too(world, client_for, filters):
    # Petr's police reach case_d; a team grant adds case_a (the crisis centre's). Sveta's crisis
    # centre owns case_a and case_b, and a team grant names case_a again (a case passed back).
    case_grant_add(case=world.case_a, agency=world.police, user=world.petr, source=CaseGrant.Source.REFERRAL)
    case_grant_add(case=world.case_a, agency=world.crisis, user=world.anna, source=CaseGrant.Source.REFERRAL)
    for user, expected in ((world.petr, [world.case_d, world.case_a]), (world.sveta, [world.case_b, world.case_a])):
        page = client_for(user).get(f"/cases/?purpose=case_work{filters}").context["page"]
        assert page.paginator.count == 2
        assert list(page) == sorted(expected, key=lambda c: (c.opened_on, c.pk), reverse=True)
    seal_add(actor=world.anna, case=world.case_a, purpose=CW, reason="Муж работает в полиции", agency=world.police)
    page = client_for(world.petr).get(f"/cases/?purpose=case_work{filters}").context["page"]
    assert page.paginator.count == 1 and list(page) == [world.case_d]


def test_a_seal_hides_the_person_from_intake_search_and_breaks_no_other_door(world):
    seal_add(actor=world.anna, case=world.case_a, purpose=CW, reason="Конфликт интересов", user=world.tina)
    query = NameQuery.from_text("Кузнецов Иван Петрович")
    assert not person_search(world.tina, query=query)  # neither found nor "known to another agency"
    assert person_search(world.anna, query=query).found == [world.ivan]


def test_a_seal_wins_over_break_glass(world):
    seal_add(
        actor=world.olga, case=world.case_c, purpose=CW, reason="Соседи семьи работают в центре", agency=world.crisis
    )
    with pytest.raises(AccessDenied):
        break_glass_open(actor=world.anna, case=world.case_c, reason="Срочно нужен контакт, угроза жизни ребёнку")
    assert not BreakGlass.objects.exists()
    assert AuditEvent.objects.filter(actor=world.anna, action="case.break_glass", rule="sealed").exists()


def test_a_case_cannot_be_sealed_from_its_owner(world):
    with pytest.raises(ValidationError):
        seal_add(actor=world.anna, case=world.case_a, purpose=CW, reason="Почему-то так", agency=world.crisis)
    with pytest.raises(ValidationError):
        seal_add(actor=world.sveta, case=world.case_a, purpose=CW, reason="Почему-то так", user=world.anna)


def test_lifting_a_seal_restores_access(world):
    seal = seal_add(actor=world.anna, case=world.case_a, purpose=CW, reason="Конфликт интересов", user=world.tina)
    assert not decide(world.tina, "case.view", CW, world.case_a).allowed
    seal_lift(actor=world.anna, seal=seal, purpose=CW)
    assert decide(world.tina, "case.view", CW, world.case_a).allowed


# --- break-glass ----------------------------------------------------------------------------------
def test_breaking_the_glass_opens_the_case_for_reading_and_tells_the_owner_and_the_officer(world):
    glass = break_glass_open(actor=world.anna, case=world.case_c, reason="Ночной звонок: ребёнок в опасности")
    assert decide(world.anna, "case.view", CW, world.case_c).rule == f"break-glass#{glass.pk}"
    assert not decide(world.anna, "case.edit", CW, world.case_c).allowed
    assert abs(glass.expires_at - glass.started_at - dt.timedelta(hours=8)) < dt.timedelta(seconds=5)
    assert set(Notification.objects.values_list("user__username", flat=True)) == {"olga", "dasha"}


def test_break_glass_needs_a_real_reason(world):
    with pytest.raises(ValidationError):
        break_glass_open(actor=world.anna, case=world.case_c, reason="надо")


def test_break_glass_access_ends_when_it_expires(world):
    glass = break_glass_open(actor=world.anna, case=world.case_c, reason="Ночной звонок: ребёнок в опасности")
    BreakGlass.objects.filter(pk=glass.pk).update(expires_at=timezone.now() - dt.timedelta(seconds=1))
    assert not decide(world.anna, "case.view", CW, world.case_c).allowed


def test_the_officer_reviews_break_glass_and_an_escalation_needs_a_note(world, client_for):
    glass = break_glass_open(actor=world.anna, case=world.case_c, reason="Ночной звонок: ребёнок в опасности")
    with pytest.raises(ValidationError):
        break_glass_review(actor=world.dasha, glass=glass, outcome="escalated", note="")
    break_glass_review(actor=world.dasha, glass=glass, outcome="escalated", note="Нет признаков срочности")
    assert BreakGlass.objects.get(pk=glass.pk).review == "escalated"
    assert Notification.objects.filter(user=world.sveta, text__contains="Нет признаков").exists()
    with pytest.raises(AccessDenied):
        break_glass_review(actor=world.anna, glass=glass, outcome="accepted")
    assert (
        client_for(world.dasha).get("/access/break-glass/review/?review=escalated").context["page"].paginator.count == 1
    )


def test_breaking_the_glass_through_the_page(world, client_for):
    from tests.conftest import reauthenticate

    client = client_for(world.anna)
    reauthenticate(client, world.anna)
    response = client.post(
        "/access/break-glass/", {"case": world.case_c.reference, "reason": "Ночной звонок: ребёнок в опасности"}
    )
    assert response.status_code == 302 and response["Location"] == f"/cases/{world.case_c.pk}/"
    assert client.get(response["Location"]).status_code == 200


def test_the_break_glass_page_says_the_same_for_a_missing_and_a_sealed_case(world, client_for):
    from tests.conftest import reauthenticate

    seal_add(actor=world.olga, case=world.case_c, purpose=CW, reason="Соседи семьи работают в центре", user=world.anna)
    client = client_for(world.anna)
    reauthenticate(client, world.anna)
    sealed = client.post("/access/break-glass/", {"case": world.case_c.reference, "reason": "x" * 30})
    missing = client.post("/access/break-glass/", {"case": "2026-999999", "reason": "x" * 30})
    assert sealed.context["form"].errors["case"] == missing.context["form"].errors["case"]
