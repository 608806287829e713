"""The audit log: append-only, hash-chained, and checked end to end."""

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import DatabaseError, connection, transaction

from safezone.audit.db import remove_sql
from safezone.audit.models import AppendOnlyError, AuditEvent
from safezone.audit.services import GENESIS, audit_record, audit_verify, event_hash


def test_each_event_carries_the_hash_of_the_one_before(world):
    first = audit_record(actor=world.anna, action="case.view", object_type="case", object_id=world.case_a.pk)
    second = audit_record(actor=world.anna, action="case.view", object_type="case", object_id=world.case_b.pk)
    assert second.seq == first.seq + 1
    assert second.prev_hash == first.hash
    assert first.hash == event_hash(first)


def test_the_first_event_links_to_the_genesis_hash(world):
    assert not AuditEvent.objects.exists()
    assert audit_record(actor=None, action="system.start").prev_hash == GENESIS


def test_the_orm_refuses_to_change_or_delete_events(world):
    event = audit_record(actor=world.anna, action="case.view")
    event.action = "nothing"
    with pytest.raises(AppendOnlyError):
        event.save()
    with pytest.raises(AppendOnlyError):
        event.delete()
    with pytest.raises(AppendOnlyError):
        AuditEvent.objects.all().update(action="x")
    with pytest.raises(AppendOnlyError):
        AuditEvent.objects.all().delete()


@pytest.mark.parametrize("statement", ["UPDATE audit_auditevent SET action = 'x'", "DELETE FROM audit_auditevent"])
def test_the_database_refuses_to_change_or_delete_events(world, statement):
    audit_record(actor=world.anna, action="case.view")
    with pytest.raises(DatabaseError, match="append-only"):
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(statement)
    assert AuditEvent.objects.filter(action="case.view").count() == 1


def _tamper(sql: str, params=()):
    """Lift the database guard inside the test's transaction, as an attacker with DBA rights could."""
    with connection.cursor() as cursor:
        for statement in remove_sql(connection.vendor):
            cursor.execute(statement)
        cursor.execute(sql, params)


def test_verification_passes_on_an_untouched_chain(world):
    for i in range(5):
        audit_record(actor=world.anna, action="case.view", object_id=i, extra={"n": i, "word": "слово"})
    result = audit_verify()
    assert result.ok and result.checked == 5


def test_verification_finds_an_event_changed_behind_the_applications_back(world):
    events = [audit_record(actor=world.anna, action="case.view", object_id=i) for i in range(3)]
    _tamper("UPDATE audit_auditevent SET object_id = %s WHERE seq = %s", ["999", events[1].seq])
    result = audit_verify()
    assert not result.ok
    assert any(f"event #{events[1].seq}: content does not match" in p for p in result.problems)


def test_verification_finds_a_removed_event(world):
    events = [audit_record(actor=world.anna, action="case.view", object_id=i) for i in range(3)]
    _tamper("DELETE FROM audit_auditevent WHERE seq = %s", [events[1].seq])
    problems = audit_verify().problems
    assert any("missing" in p for p in problems)
    assert any(f"event #{events[2].seq}: link to the previous event is broken" in p for p in problems)


def test_the_verify_command_exits_with_an_error_on_a_broken_chain(world):
    events = [audit_record(actor=world.anna, action="case.view", object_id=i) for i in range(2)]
    call_command("audit_verify", verbosity=0)
    _tamper("UPDATE audit_auditevent SET actor_username = 'someone' WHERE seq = %s", [events[0].seq])
    with pytest.raises(CommandError, match="audit chain broken"):
        call_command("audit_verify", verbosity=0)


def test_sign_in_and_failed_sign_in_are_recorded(world, client):
    from tests.world import PASSWORD, totp_code

    client.post("/account/login/", {"login": "anna", "password": "wrong"})
    client.post("/account/login/", {"login": "anna", "password": PASSWORD})
    client.post("/account/2fa/authenticate/", {"code": totp_code("anna")})
    actions = list(AuditEvent.objects.values_list("action", "actor_username"))
    assert ("auth.login_failed", "") in actions
    assert ("auth.login", "anna") in actions
    failed = AuditEvent.objects.get(action="auth.login_failed")
    assert failed.extra == {"username": "anna"}
    assert "wrong" not in str(failed.extra)
