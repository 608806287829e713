"""What hangs on a case through the API (assessments, plan, referrals, closures): the same door as the
case itself — one audited decision per call, refusals answer 404."""

import datetime as dt

import pytest

from safezone.assessments.models import Assessment
from safezone.audit.models import AuditEvent
from safezone.cases.models import Closure, Goal, PlanAction, Referral, ServiceDelivery

PARTS = ["assessments", "plan", "referrals", "closures", "services"]


@pytest.fixture
def parts(world):
    Assessment.objects.create(
        case=world.case_a,
        person=world.maria,
        instrument_code="dv_risk",
        instrument_version=1,
        answers={"injury": "yes"},
        score=15,
        band="high",
        triggers=["meeting_referral_high_risk"],
        not_known=0,
        notes="Боится возвращаться домой",
        answered_by=world.anna,
    )
    goal = Goal.objects.create(case=world.case_a, text="Безопасное жильё", created_by=world.anna)
    PlanAction.objects.create(
        case=world.case_a,
        goal=goal,
        text="Место в приюте",
        agency=world.crisis,
        due_on=dt.date(2026, 12, 1),
        created_by=world.anna,
    )
    Referral.objects.create(
        case=world.case_a,
        from_agency=world.crisis,
        from_user=world.anna,
        to_agency=world.police,
        message="Угрозы убийством",
        legal_ground="vital_interests",
    )
    Closure.objects.create(case=world.case_a, reason="safe", requested_by=world.anna)
    ServiceDelivery.objects.create(
        case=world.case_a,
        kind="legal_aid",
        agency=world.crisis,
        started_on=dt.date(2026, 11, 1),
        created_by=world.anna,
        outcome_note="Иск подан",
    )


def test_the_schema_lists_the_parts_of_a_case(client):
    paths = set(client.get("/api/schema/?format=json").json()["paths"])
    assert {f"/api/cases/{{id}}/{part}/" for part in PARTS} <= paths


@pytest.mark.parametrize("part", PARTS)
def test_the_owner_reads_each_part_with_one_audit_event(world, parts, client_for, part):
    client = client_for(world.anna)
    before = AuditEvent.objects.count()
    response = client.get(f"/api/cases/{world.case_a.pk}/{part}/")
    assert response.status_code == 200
    assert AuditEvent.objects.count() == before + 1
    event = AuditEvent.objects.last()
    assert (event.decision, event.object_id, event.actor) == ("allow", str(world.case_a.pk), world.anna)
    body = response.json()
    assert body["goals"] and body["actions"] if part == "plan" else len(body) == 1


@pytest.mark.parametrize("part", PARTS)
def test_an_outsider_gets_404_and_a_recorded_refusal(world, parts, client_for, part):
    response = client_for(world.olga).get(f"/api/cases/{world.case_a.pk}/{part}/")
    assert response.status_code == 404
    assert "Кузнецова" not in response.content.decode() and "Угрозы" not in response.content.decode()
    assert AuditEvent.objects.filter(actor=world.olga, decision="deny").exists()


def test_the_narrative_is_shown_to_roles_that_see_it(world, parts, client_for):
    data = client_for(world.anna).get(f"/api/cases/{world.case_a.pk}/assessments/").json()[0]
    assert data["score"] == 15 and data["instrument_version"] == 1 and data["notes"] == "Боится возвращаться домой"
    referral = client_for(world.anna).get(f"/api/cases/{world.case_a.pk}/referrals/").json()[0]
    assert referral["message"] == "Угрозы убийством" and referral["to_agency"] == "police"
