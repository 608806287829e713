"""Every door to personal data is guarded: signed-out users are sent away, users outside the
scope get a 404 that looks like a missing record, and every look leaves an audit event.

A new URL that reaches persons or cases must be added to DOORS, or the last test fails.
"""

import pytest
from django.contrib import admin
from django.urls import URLPattern, URLResolver, get_resolver

from safezone.audit.models import AuditEvent
from safezone.cases.models import Case
from safezone.people.models import Person
from tests.conftest import reauthenticate

# name -> (method, path template); {case}: case_a, {person}: maria (both out of Olga's scope),
# {referral}, {seal}, {consent}: made on case_a for the test, {user}: Anna, {contact}: a contact
# with the crisis centre's helpline that Hanna logged.
DOORS = {
    "cases:list": ("get", "/cases/"),
    "cases:my_work": ("get", "/cases/mine/"),
    "cases:export": ("get", "/cases/export.csv"),
    "cases:detail": ("get", "/cases/{case}/"),
    "cases:edit": ("post", "/cases/{case}/edit/"),
    "cases:incident_new": ("get", "/cases/{case}/incidents/new/"),
    "cases:refer": ("get", "/cases/{case}/refer/"),
    "cases:seal_add": ("post", "/cases/{case}/seals/"),
    "cases:seal_lift": ("post", "/cases/{case}/seals/{seal}/lift/"),
    "cases:consent_new": ("get", "/cases/{case}/consents/new/"),
    "cases:consent_withdraw": ("post", "/cases/{case}/consents/{consent}/withdraw/"),
    "cases:goal_new": ("post", "/cases/{case}/goals/"),
    "cases:action_new": ("post", "/cases/{case}/actions/"),
    "cases:action_status": ("post", "/cases/{case}/actions/{action}/status/"),
    "cases:closure_request": ("post", "/cases/{case}/closure/"),
    "cases:closure_decide": ("post", "/cases/{case}/closure/{closure}/decide/"),
    "cases:closure_withdraw": ("post", "/cases/{case}/closure/{closure}/withdraw/"),
    "cases:reopen": ("post", "/cases/{case}/reopen/"),
    "cases:service_new": ("post", "/cases/{case}/services/"),
    "cases:service_end": ("post", "/cases/{case}/services/{service}/end/"),
    "cases:capacity": ("get", "/cases/capacity/"),
    "cases:programme": ("get", "/cases/programmes/{programme}/"),
    "cases:referrals": ("get", "/cases/referrals/"),
    "cases:referral_step": ("post", "/cases/referrals/{referral}/accept/"),
    "cases:intake": ("get", "/cases/intake/"),
    "cases:intake_person_search": ("get", "/cases/intake/persons/?surname=Кузнецова"),
    "assessments:new": ("get", "/assessments/cases/{case}/new/?instrument=dv_risk"),
    "assessments:detail": ("get", "/assessments/{assessment}/"),
    "meetings:refer": ("post", "/meetings/cases/{case}/refer/"),
    "meetings:list": ("get", "/meetings/"),
    "meetings:new": ("get", "/meetings/new/"),
    "meetings:lapsing": ("get", "/meetings/lapsing/"),
    "meetings:detail": ("get", "/meetings/{meeting}/"),
    "meetings:agenda_build": ("post", "/meetings/{meeting}/agenda/"),
    "meetings:agenda_add": ("post", "/meetings/{meeting}/agenda/add/"),
    "meetings:hold": ("post", "/meetings/{meeting}/hold/"),
    "meetings:minutes_issue": ("post", "/meetings/{meeting}/minutes/"),
    "meetings:minutes_pdf": ("get", "/meetings/{meeting}/minutes.pdf"),
    "meetings:research": ("post", "/meetings/items/{item}/research/"),
    "meetings:decision": ("post", "/meetings/items/{item}/decision/"),
    "meetings:action_add": ("post", "/meetings/items/{item}/actions/"),
    "meetings:action_status": ("post", "/meetings/actions/{maction}/status/"),
    "people:detail": ("get", "/people/{person}/"),
    "people:edit": ("get", "/people/{person}/edit/"),
    "people:contact_new": ("post", "/people/{person}/contacts/"),
    "access:break_glass": ("get", "/access/break-glass/"),
    "access:break_glass_review": ("get", "/access/break-glass/review/"),
    "access:break_glass_review_step": ("post", "/access/break-glass/review/{glass}/"),
    "audit:home": ("get", "/audit/"),
    "audit:person": ("get", "/audit/persons/{person}/"),
    "audit:person_export": ("get", "/audit/persons/{person}/export.csv"),
    "audit:case": ("get", "/audit/cases/{case}/"),
    "audit:user": ("get", "/audit/users/{user}/"),
    "case-list": ("get", "/api/cases/"),
    "case-detail": ("get", "/api/cases/{case}/"),
    "case-assessments": ("get", "/api/cases/{case}/assessments/"),
    "case-plan": ("get", "/api/cases/{case}/plan/"),
    "case-referrals": ("get", "/api/cases/{case}/referrals/"),
    "case-closures": ("get", "/api/cases/{case}/closures/"),
    "case-services": ("get", "/api/cases/{case}/services/"),
    "meeting-list": ("get", "/api/meetings/"),
    "meeting-detail": ("get", "/api/meetings/{meeting}/"),
    "person-list": ("get", "/api/persons/"),
    "linkage:queue": ("get", "/linkage/"),
    "linkage:pair": ("get", "/linkage/pairs/{pair}/"),
    "linkage:unmerge": ("post", "/linkage/merges/{merge}/undo/"),
    "linkage:runs": ("get", "/linkage/runs/"),
    "linkage:run": ("get", "/linkage/runs/{run}/"),
    "hotline:console": ("get", "/hotline/"),
    "hotline:contacts": ("get", "/hotline/contacts/"),
    "hotline:waiting": ("get", "/hotline/waiting/"),
    "hotline:district_services": ("get", "/hotline/services/?district=1"),
    "hotline:contact_new": ("post", "/hotline/contacts/new/"),
    "hotline:contact": ("get", "/hotline/contacts/{contact}/"),
    "hotline:take": ("post", "/hotline/contacts/{contact}/take/"),
    "hotline:draft": ("post", "/hotline/contacts/{contact}/draft/"),
    "hotline:caller_note": ("post", "/hotline/contacts/{contact}/caller/note/"),
    "hotline:caller_block": ("post", "/hotline/contacts/{contact}/caller/block/"),
    "hotline:callback_new": ("post", "/hotline/contacts/{contact}/callback/"),
    "hotline:refer": ("get", "/hotline/contacts/{contact}/refer/"),
    "hotline:callbacks": ("get", "/hotline/callbacks/"),
    "hotline:callback_step": ("post", "/hotline/callbacks/{callback}/"),
    "hotline:shifts": ("get", "/hotline/shifts/"),
    "hotline:shift_start": ("post", "/hotline/shifts/start/"),
    "hotline:shift_end": ("post", "/hotline/shifts/end/"),
    "hotline:figures": ("get", "/hotline/figures/"),
    "person-detail": ("get", "/api/persons/{person}/"),
    "contact-list": ("get", "/api/contacts/"),
    "contact-detail": ("get", "/api/contacts/{contact}/"),
    # The schools' feeds API (tests/schools/test_feeds_api.py): each school named is decided by access.
    "school-feed": ("post", "/api/schools/feeds/attendance/"),
    "schools:warning": ("get", "/schools/"),
    "schools:figures": ("get", "/schools/figures/"),
    "stats:dashboard": ("get", "/stats/"),
    "stats:download": ("get", "/stats/download/incidents.csv?rows=district"),
    "stats:definitions": ("get", "/stats/definitions/"),
    "stats:refresh": ("post", "/stats/refresh/"),
    "stats:define": ("post", "/stats/definitions/new/"),
    "stats_exports:export": ("get", "/stats/exports/"),
    "stats_exports:mappings": ("get", "/stats/exports/mappings/"),
    "stats_exports:mapping_delete": ("post", "/stats/exports/mappings/1/delete/"),
    "stats_exports:mappings_csv": ("get", "/stats/exports/mappings.csv"),
    "stats_exports:mappings_import": ("post", "/stats/exports/mappings/import/"),
    "stats_report:home": ("get", "/stats/report/"),
    "stats_report:job": ("get", "/stats/report/jobs/AAAAAAAAAAAAAAAA/"),
    "stats_report:download": ("get", "/stats/report/jobs/AAAAAAAAAAAAAAAA/report.pdf"),
    # The action plan (no personal data; plan.view / plan.edit for statistics).
    "programmes:plans": ("get", "/action-plan/"),
    "programmes:plan_new": ("get", "/action-plan/new/"),
    "programmes:plan": ("get", "/action-plan/1/"),
    "programmes:plan_edit": ("get", "/action-plan/1/edit/"),
    "programmes:activities": ("get", "/action-plan/1/activities/"),
    "programmes:element_new": ("get", "/action-plan/1/elements/new/?level=goal"),
    "programmes:export": ("get", "/action-plan/1/export.xlsx"),
    "programmes:import": ("post", "/action-plan/1/import/"),
    "programmes:element_edit": ("get", "/action-plan/elements/1/edit/"),
    "programmes:activity_status": ("post", "/action-plan/elements/1/status/"),
    "programmes:indicator_new": ("get", "/action-plan/elements/1/indicators/new/"),
    "programmes:indicator_edit": ("get", "/action-plan/indicators/1/edit/"),
    "programmes:actuals": ("post", "/action-plan/indicators/1/actuals/"),
    "schools:pupil": ("get", "/schools/pupils/{pupil}/"),
    "schools:plan_new": ("get", "/schools/pupils/{pupil}/plans/new/"),
    "schools:flag": ("get", "/schools/flags/{flag}/"),
    "schools:plan": ("get", "/schools/plans/{plan}/"),
    "schools:plan_step": ("post", "/schools/plans/{plan}/review/"),
    "labour:children": ("get", "/child-labour/"),
    "labour:child_new": ("get", "/child-labour/new/?visit={visit}"),
    "labour:child": ("get", "/child-labour/{wchild}/"),
    "labour:step_complete": ("post", "/child-labour/{wchild}/steps/{wstep}/complete/"),
    "labour:step_reassign": ("post", "/child-labour/{wchild}/steps/{wstep}/reassign/"),
    "labour:visits": ("get", "/child-labour/visits/"),
    "labour:visit_new": ("get", "/child-labour/visits/new/"),
    "labour:coverage": ("get", "/child-labour/coverage/"),
    "labour:area_add": ("post", "/child-labour/coverage/areas/"),
    "labour:area_end": ("post", "/child-labour/coverage/areas/{warea}/end/"),
    "teens:list": ("get", "/teens/"),
    "teens:new": ("get", "/teens/new/"),
    "teens:detail": ("get", "/teens/{teen}/"),
    "teens:edit": ("get", "/teens/{teen}/edit/"),
    "teens:remove": ("post", "/teens/{teen}/remove/"),
    "teens:outreach_new": ("post", "/teens/{teen}/outreach/new/"),
}
# Doors to one record, or to a step on it: an outsider gets a 404 and leaves a recorded refusal.
RECORD_DOORS = [
    "cases:closure_request",
    "cases:closure_decide",
    "cases:closure_withdraw",
    "cases:reopen",
    "cases:service_new",
    "cases:service_end",
    "cases:programme",
    "cases:goal_new",
    "cases:action_new",
    "cases:action_status",
    "assessments:new",
    "assessments:detail",
    "meetings:refer",
    "meetings:detail",
    "meetings:agenda_build",
    "meetings:agenda_add",
    "meetings:hold",
    "meetings:minutes_issue",
    "meetings:minutes_pdf",
    "meetings:research",
    "meetings:decision",
    "meetings:action_add",
    "meetings:action_status",
    "cases:detail",
    "cases:edit",
    "cases:incident_new",
    "cases:refer",
    "cases:seal_add",
    "cases:seal_lift",
    "cases:consent_new",
    "cases:consent_withdraw",
    "cases:referral_step",
    "people:detail",
    "people:edit",
    "people:contact_new",
    "access:break_glass_review",
    "access:break_glass_review_step",
    "audit:home",
    "audit:person",
    "audit:person_export",
    "audit:case",
    "audit:user",
    "case-detail",
    "case-assessments",
    "case-plan",
    "case-referrals",
    "case-closures",
    "case-services",
    "meeting-detail",
    "person-detail",
    "contact-detail",
    "hotline:contact",
    "hotline:take",
    "hotline:draft",
    "hotline:caller_note",
    "hotline:caller_block",
    "hotline:callback_new",
    "hotline:refer",
    "hotline:callback_step",
    "linkage:queue",
    "linkage:pair",
    "linkage:unmerge",
    "linkage:runs",
    "linkage:run",
    "schools:pupil",
    "schools:plan_new",
    "schools:flag",
    "schools:plan",
    "schools:plan_step",
    "labour:child",
    "labour:step_complete",
    "labour:step_reassign",
    "labour:child_new",
    "labour:area_end",
    "teens:detail",
    "teens:edit",
    "teens:remove",
    "teens:outreach_new",
]
# Routes that carry no personal data of the register (sign-in, the user's own notifications, schema).
NOT_DOORS = {
    "home",
    "set_language",
    "schema",
    "api-docs",
    "api-root",
    "accounts:notifications",
    "accounts:notifications_read",
    # The telephone exchange's hook: a machine's calls, no session; refused unless signed with the
    # shared secret and fresh (tests/hotline/test_pbx.py proves it).
    "hotline:pbx_incoming",
    "hotline:pbx_hangup",
    # The import page: staff import reference data (agencies) so far; a type of personal data
    # (school feeds) will decide through access (tests/imports/test_upload_page.py).
    "imports:upload",
    # The starter's own background import attempt: its progress and the report of a file they
    # uploaded themselves (anyone else gets a 404: tests/imports/test_upload_page.py).
    "imports:attempt",
    # The public portal: help lines, services from the directory, pages; no one's data.
    "portal:home",
    "portal:services",
    "portal:safety",
    "portal:language",
    "portal:page",
}
# django-allauth's own pages (sign-in, second factor): its route names start with these.
NOT_DOOR_PREFIXES = ("account_", "mfa_")


@pytest.fixture
def doors(world):
    """The records the door paths name: a referral, a seal, a consent and a break-glass on Anna's case."""
    from safezone.access.models import BreakGlass, Consent, Seal
    from safezone.cases.models import Referral

    referral = Referral.objects.create(
        case=world.case_a,
        from_agency=world.crisis,
        from_user=world.anna,
        to_agency=world.kdn,
        message="x",
        legal_ground="vital_interests",
    )
    seal = Seal.objects.create(case=world.case_a, user=world.boris, reason="conflict", created_by=world.anna)
    consent = Consent.objects.create(
        person=world.maria,
        case=world.case_a,
        categories=["summary"],
        purposes=["case_work"],
        form="written",
        given_on=world.case_a.opened_on,
        recorded_by=world.anna,
    )
    from safezone.assessments.models import Assessment

    assessment = Assessment.objects.create(
        case=world.case_a,
        person=world.maria,
        instrument_code="dv_risk",
        instrument_version=1,
        answers={},
        score=0,
        band="standard",
        triggers=[],
        not_known=0,
        answered_by=world.anna,
    )
    from safezone.cases.models import PlanAction

    action = PlanAction.objects.create(
        case=world.case_a, text="x", agency=world.crisis, due_on=world.case_a.opened_on, created_by=world.anna
    )
    from safezone.cases.models import Closure

    closure = Closure.objects.create(case=world.case_a, reason="safe", requested_by=world.anna)
    from safezone.meetings.models import AgendaItem, Meeting, MeetingAction

    meeting = Meeting.objects.create(
        district=world.vologda, scheduled_at=world.case_a.created_at, chair=world.kira, chair_agency=world.kdn
    )
    meeting.member_agencies.set([world.crisis, world.police])
    item = AgendaItem.objects.create(meeting=meeting, case=world.case_a)
    maction = MeetingAction.objects.create(
        item=item, owner_agency=world.police, text="x", due_on=world.case_a.opened_on
    )
    from safezone.cases.models import ServiceDelivery
    from safezone.directory.models import Facility

    programme = Facility.objects.create(
        agency=world.crisis, kind="programme", district=world.vologda, places=5, name_ru="П", name_en="P"
    )

    service = ServiceDelivery.objects.create(
        case=world.case_a,
        kind="counselling",
        agency=world.crisis,
        started_on=world.case_a.opened_on,
        created_by=world.anna,
    )
    glass = BreakGlass.objects.create(
        user=world.sveta,
        case=world.case_c,
        membership=world.sveta.memberships.get(),
        reason="x" * 30,
        expires_at=world.case_a.created_at,
    )
    from safezone.linkage.models import CandidatePair, LinkageRun, Merge

    pair = CandidatePair.objects.create(left=world.maria, right=world.elena, probability=0.9, model_version="t")
    merge = Merge.objects.create(kept=world.maria, merged=world.elena, pair=pair, moved={}, merged_by=world.root)
    run = LinkageRun.objects.create(started_by=world.root)
    from safezone.accounts.models import User
    from safezone.hotline.models import Contact

    contact = Contact.objects.create(
        agency=world.crisis,
        operator=User.objects.get(username="hanna"),
        status=Contact.Status.DONE,
        type=Contact.Type.QUESTION,
        started_at=world.case_a.created_at,
        ended_at=world.case_a.created_at,
    )
    from safezone.hotline.models import Callback

    callback = Callback.objects.create(
        contact=contact, agency=world.crisis, due_at=contact.started_at, phone="+7 900 000-00-01",
        created_by=contact.operator,
    )  # fmt: skip
    from safezone.schools.models import (
        ChainStep,
        MonitoredArea,
        ObservationVisit,
        Pupil,
        SupportPlan,
        Teen,
        WarningFlag,
        WorkingChild,
    )

    warea = MonitoredArea.objects.create(district=world.vologda, school=world.school, since=world.case_a.opened_on)
    visit = ObservationVisit.objects.create(
        district=world.vologda, area=warea, place="рынок", visited_on=world.case_a.opened_on,
        team="street_service", agency=world.crisis, recorded_by=world.anna,
    )  # fmt: skip
    wchild = WorkingChild.objects.create(
        person=world.sasha, district=world.vologda, visit=visit, identified_on=world.case_a.opened_on,
        worst_form="hazardous", hazards=["traffic"], work="x", agency=world.crisis, owner=world.anna,
    )  # fmt: skip
    wstep = ChainStep.objects.create(
        child=wchild, kind="referral", due_on=world.case_a.opened_on, owner=world.anna, agency=world.crisis
    )

    pupil = Pupil.objects.create(school=world.school, person=world.sasha, local_id="doors-1")
    flag = WarningFlag.objects.create(
        pupil=pupil, year=2026, quarter=1, indicator="attendance", tier="high", assigned_to=world.pavel
    )
    plan = SupportPlan.objects.create(
        pupil=pupil, flag=flag, reason="x", opened_on=world.case_a.opened_on, opened_by=world.pavel,
        next_review_on=world.case_a.opened_on,
    )  # fmt: skip

    teen = Teen.objects.create(
        person=world.sasha, district=world.vologda, street_presence=True, added_on=world.case_a.opened_on,
        added_by=world.ilya, agency=world.police,
    )  # fmt: skip
    return {
        "teen": teen.pk,
        "warea": warea.pk,
        "visit": visit.pk,
        "wchild": wchild.pk,
        "wstep": wstep.pk,
        "pupil": pupil.pk,
        "flag": flag.pk,
        "plan": plan.pk,
        "callback": callback.pk,
        "contact": contact.pk,
        "run": run.pk,
        "pair": pair.pk,
        "merge": merge.pk,
        "case": world.case_a.pk,
        "person": world.maria.pk,
        "referral": referral.pk,
        "seal": seal.pk,
        "consent": consent.pk,
        "glass": glass.pk,
        "assessment": assessment.pk,
        "action": action.pk,
        "closure": closure.pk,
        "service": service.pk,
        "programme": programme.pk,
        "meeting": meeting.pk,
        "item": item.pk,
        "maction": maction.pk,
        "user": world.anna.pk,
    }


def _path(world, name, ids=None):
    method, template = DOORS[name]
    ids = ids or {"case": world.case_a.pk, "person": world.maria.pk, "user": world.anna.pk}
    return method, template.format(**ids) if "{" in template else template


@pytest.mark.parametrize("name", sorted(DOORS))
def test_a_signed_out_visitor_is_sent_to_sign_in_and_sees_nothing(world, doors, client, name):
    method, path = _path(world, name, doors)
    response = getattr(client, method)(path)
    if name.startswith(("case-", "person-", "meeting-", "contact-", "school-feed")):
        assert response.status_code in (401, 403)
    else:
        assert response.status_code == 302 and "/account/login/" in response["Location"]
    assert "Кузнецова" not in response.content.decode()


@pytest.mark.parametrize("name", RECORD_DOORS)
def test_a_user_outside_the_scope_gets_404_and_the_refusal_is_audited(world, doors, client_for, name):
    method, path = _path(world, name, doors)
    before = AuditEvent.objects.count()
    client = client_for(world.olga)
    reauthenticate(client, world.olga)  # past the password prompt of exports: the policy must still refuse
    response = getattr(client, method)(path)
    assert response.status_code == 404
    assert "Кузнецова" not in response.content.decode()
    denial = AuditEvent.objects.filter(actor=world.olga, decision="deny").last()
    assert denial is not None and denial.seq > before
    assert denial.rule in (
        "out-of-scope",
        "no-role-allows-this",
        "not-a-member-of-this-agency",
        "not-a-member-of-this-meeting",
        "not-in-the-agency's-districts",
    )


@pytest.mark.parametrize("name", ["cases:detail", "people:detail", "case-detail", "person-detail"])
def test_a_user_in_scope_reads_and_the_read_is_audited(world, client_for, name):
    method, path = _path(world, name)
    response = getattr(client_for(world.anna), method)(path)
    assert response.status_code == 200
    event = AuditEvent.objects.filter(actor=world.anna, decision="allow").last()
    assert event.rule.endswith("caseworker@crisis:own")  # a person is reached through one of their cases
    assert event.purpose == "case_work"


@pytest.mark.parametrize("name", ["cases:list", "cases:my_work", "case-list", "person-list"])
def test_lists_show_only_what_the_scope_allows_and_record_what_they_showed(world, client_for, name):
    method, path = _path(world, name)
    response = getattr(client_for(world.olga), method)(path)
    assert response.status_code == 200
    body = response.content.decode()
    assert "Кузнецова" not in body
    event = AuditEvent.objects.filter(actor=world.olga).last()
    shown = set(event.extra["ids"])
    if name.startswith("person"):
        assert shown == {world.petya.pk, world.olesya.pk}
    elif name == "cases:my_work" or name.startswith("cases"):
        assert shown == {world.case_c.pk}
    else:
        assert shown == {world.case_c.pk}


def test_a_role_without_case_access_sees_an_empty_list_and_a_recorded_refusal(world, client_for):
    response = client_for(world.alex).get("/cases/")
    assert response.status_code == 200
    event = AuditEvent.objects.filter(actor=world.alex).last()
    assert event.decision == "deny" and event.extra["ids"] == []


def test_intake_search_finds_only_persons_the_user_may_see(world, client_for):
    body = client_for(world.olga).get("/cases/intake/persons/?surname=Кузнецова").content.decode()
    assert "Кузнецова" not in body
    body = client_for(world.anna).get("/cases/intake/persons/?surname=кузнецова").content.decode()
    assert "Кузнецова Мария" in body
    event = AuditEvent.objects.filter(actor=world.anna, action="person.search").last()
    assert world.maria.pk in event.extra["ids"]


def test_a_role_that_may_not_open_cases_cannot_use_intake(world, client_for):
    client = client_for(world.alex)
    assert client.get("/cases/intake/").status_code == 403
    assert client.post("/cases/intake/", {"surname": "Иванова"}).status_code == 403
    assert not Person.objects.filter(surname="Иванова").exists()


def test_a_refused_edit_changes_nothing(world, client_for):
    client_for(world.olga).post(f"/cases/{world.case_a.pk}/edit/", {"status": "closed", "summary": "x", "version": 1})
    case = Case.objects.get(pk=world.case_a.pk)
    assert case.status == "open" and case.summary == "Тестовое дело"


def test_admin_offers_no_door_to_persons_or_cases():
    registered = {model._meta.label for model in admin.site._registry}
    personal = {
        "people.Person",
        "people.PersonName",
        "people.Identifier",
        "people.Relation",
        "people.Household",
        "cases.Case",
        "cases.Participant",
        "cases.Incident",
    }
    assert not registered & personal


def _route_names(resolver, namespace=""):
    for pattern in resolver.url_patterns:
        if isinstance(pattern, URLResolver):
            ns = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
            yield from _route_names(pattern, ns)
        elif isinstance(pattern, URLPattern) and pattern.name:
            yield f"{namespace}{pattern.name}"


def test_every_route_is_either_a_guarded_door_or_declared_free_of_personal_data():
    names = {n for n in _route_names(get_resolver()) if not n.startswith(("admin:", *NOT_DOOR_PREFIXES))}
    undeclared = names - set(DOORS) - NOT_DOORS
    assert not undeclared, f"routes not covered by the door tests: {sorted(undeclared)}"


@pytest.mark.parametrize("path", ["/cases/export.csv", "/audit/persons/{person}/export.csv"])
def test_exports_ask_for_the_password_again(world, client_for, path):
    response = client_for(world.dasha).get(path.format(person=world.maria.pk))
    assert response.status_code == 302 and "/account/reauthenticate/" in response["Location"]


def test_break_glass_asks_for_the_password_again_before_opening(world, client_for):
    client = client_for(world.anna)
    assert client.get("/access/break-glass/").status_code == 200
    response = client.post("/access/break-glass/", {"case": world.case_c.reference, "reason": "x" * 40})
    assert response.status_code == 302 and "/account/reauthenticate/" in response["Location"]
