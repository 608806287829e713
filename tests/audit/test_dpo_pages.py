"""The data-protection officer's pages: who looked at a person or case, what a user did, and a
subject access request export; nobody else reaches them, and reading them is audited too."""

import csv
import io

from safezone.audit.models import AuditEvent
from safezone.audit.services import audit_verify
from tests.conftest import reauthenticate


def test_the_officer_sees_who_looked_at_a_person_directly_in_lists_and_through_cases(world, client_for):
    client_for(world.anna).get(f"/people/{world.maria.pk}/")
    client_for(world.petr).get("/cases/")  # a list that showed case_d, where Maria is the victim
    client_for(world.petr).get(f"/cases/{world.case_d.pk}/")
    page = client_for(world.dasha).get(f"/audit/persons/{world.maria.pk}/").context["page"]
    seen = {(e.actor_username, e.action) for e in page}
    assert {("anna", "person.view"), ("petr", "case.list"), ("petr", "case.view")} <= seen


def test_the_officer_sees_everything_one_user_did(world, client_for):
    client_for(world.anna).get(f"/cases/{world.case_a.pk}/")
    client_for(world.anna).get(f"/cases/{world.case_b.pk}/")  # refused
    events = client_for(world.dasha).get(f"/audit/users/{world.anna.pk}/?decision=deny").context["page"]
    assert [(e.object_id, e.rule) for e in events] == [(str(world.case_b.pk), "out-of-scope")]


def test_a_subject_access_request_exports_the_persons_access_history(world, client_for):
    client_for(world.anna).get(f"/people/{world.maria.pk}/")
    client = client_for(world.dasha)
    reauthenticate(client, world.dasha)
    response = client.get(f"/audit/persons/{world.maria.pk}/export.csv")
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig")), delimiter=";"))
    assert any("person.view" in row and world.crisis.name in row for row in rows[1:])
    # Who looked is given by agency: the file names no worker.
    assert "anna" not in response.content.decode()
    assert AuditEvent.objects.filter(actor=world.dasha, action="audit.export").exists()


def test_the_officer_searches_persons_across_the_region_but_reads_no_case(world, client_for):
    client = client_for(world.dasha)
    assert world.petya in client.get("/audit/?q=Ёлкин").context["persons"]
    assert client.get(f"/cases/{world.case_c.pk}/").status_code == 404
    assert client.get(f"/people/{world.petya.pk}/").status_code == 404


def test_reading_the_audit_log_is_itself_audited(world, client_for):
    client_for(world.dasha).get(f"/audit/cases/{world.case_a.pk}/")
    event = AuditEvent.objects.filter(actor=world.dasha).last()
    assert (event.action, event.decision, event.object_id) == ("audit.read", "allow", str(world.case_a.pk))


def test_tampering_with_the_list_of_records_an_event_concerns_is_found(world, client_for):
    from django.db import connection

    from safezone.audit.db import remove_sql

    client_for(world.anna).get("/cases/")
    assert audit_verify().ok
    with connection.cursor() as cursor:
        for statement in remove_sql(connection.vendor):
            cursor.execute(statement)
        cursor.execute("DELETE FROM audit_auditsubject WHERE object_type = 'case'")
    problems = audit_verify().problems
    assert any("its list of records was changed" in p for p in problems)


def test_admin_changes_are_audited(world, client_for):
    client = client_for(world.root)
    reauthenticate(client, world.root)
    response = client.post(
        f"/admin/directory/agency/{world.kdn.pk}/change/",
        {
            "code": "kdn",
            "name_ru": "КДНиЗП города Вологды",
            "name_en": "",
            "short_name_ru": "",
            "short_name_en": "",
            "kind": "youth_commission",
            "district": world.vologda.pk,
            "districts_served": [world.vologda.pk],
            "phone": "",
            "email": "",
            "is_active": "on",
        },
    )
    assert response.status_code == 302, response.content.decode()[:500]
    event = AuditEvent.objects.filter(action="admin.change").last()
    assert event.actor == world.root and event.object_id == str(world.kdn.pk)
