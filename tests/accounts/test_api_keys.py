"""API keys: kept as a hash, shown once, expiring, revocable, and every refusal audited."""

import datetime as dt
import importlib
import io
from types import SimpleNamespace

import pytest
from django.apps import apps as django_apps
from django.core.management import CommandError, call_command
from django.db import connection
from django.utils import timezone

from safezone.accounts.models import ApiToken
from safezone.accounts.services import api_key_digest, api_token_issue, api_token_revoke
from safezone.audit.models import AuditEvent


def call_api(client, key):
    return client.get("/api/cases/", HTTP_AUTHORIZATION=f"Token {key}")


def test_the_key_works_and_only_its_hash_is_kept(world, client):
    token, key = api_token_issue(user=world.anna, name="Школьная система")
    assert call_api(client, key).status_code == 200
    row = ApiToken.objects.filter(pk=token.pk).values().get()
    assert key not in {str(value) for value in row.values()}  # no column holds the key
    assert row["digest"] == api_key_digest(key) and row["prefix"] == key[:8]
    assert AuditEvent.objects.filter(action="api_token.issued", object_id=str(world.anna.pk)).exists()


@pytest.mark.parametrize("state", ["expired", "revoked", "user inactive", "wrong key"])
def test_a_dead_key_is_refused_and_the_refusal_audited(world, client, state):
    token, key = api_token_issue(user=world.anna, name="PBX")
    if state == "expired":
        ApiToken.objects.filter(pk=token.pk).update(expires_at=timezone.now() - dt.timedelta(seconds=1))
    elif state == "revoked":
        assert api_token_revoke(token=token, actor=world.root)
    elif state == "user inactive":
        type(world.anna).objects.filter(pk=world.anna.pk).update(is_active=False)
    else:
        key = key[:-1] + ("A" if key[-1] != "A" else "B")
    response = call_api(client, key)
    assert response.status_code == 401
    event = AuditEvent.objects.filter(action="auth.api_key_refused").get()
    assert event.extra == {"prefix": key[:8]} and event.path == "/api/cases/"


def test_use_is_noted_without_a_write_on_every_call(world, client, settings):
    token, key = api_token_issue(user=world.anna, name="script")
    call_api(client, key)
    first = ApiToken.objects.get(pk=token.pk).last_used_at
    assert first is not None
    call_api(client, key)
    assert ApiToken.objects.get(pk=token.pk).last_used_at == first  # within SAFEZONE_API_TOKEN_TOUCH_SECONDS
    settings.SAFEZONE_API_TOKEN_TOUCH_SECONDS = 0
    call_api(client, key)
    assert ApiToken.objects.get(pk=token.pk).last_used_at > first


def test_issuing_checks_what_it_is_given(world):
    with pytest.raises(ValueError, match="days"):
        api_token_issue(user=world.anna, name="x", days=0)
    with pytest.raises(ValueError, match="name"):
        api_token_issue(user=world.anna, name="  ")
    assert not ApiToken.objects.exists()


def test_the_command_prints_the_key_once_lists_without_it_and_revokes(world, client):
    out, err = io.StringIO(), io.StringIO()
    call_command("api_token", "issue", "hanna", "--name", "АТС", "--days", "30", stdout=out, stderr=err)
    key = out.getvalue().strip()
    assert call_api(client, key).status_code == 200
    token = ApiToken.objects.get()
    assert token.created_by.startswith("manage.py") and "shown only now" in err.getvalue()
    assert token.expires_at - timezone.now() > dt.timedelta(days=29)
    listing = io.StringIO()
    call_command("api_token", "list", stdout=listing)
    assert "АТС" in listing.getvalue() and key not in listing.getvalue() and "live" in listing.getvalue()
    call_command("api_token", "revoke", str(token.pk), stdout=io.StringIO())
    assert call_api(client, key).status_code == 401
    assert AuditEvent.objects.filter(action="api_token.revoked", extra__token=token.pk).exists()
    with pytest.raises(CommandError, match="no user"):
        call_command("api_token", "issue", "nobody", "--name", "x")


def test_administrators_list_and_revoke_keys_but_cannot_add_or_read_them(world, client_for, client):
    token, key = api_token_issue(user=world.anna, name="Школьная система")
    admin = client_for(world.root)
    listing = admin.get("/admin/accounts/apitoken/")
    assert listing.status_code == 200 and token.prefix in listing.content.decode()
    assert key not in listing.content.decode()
    assert admin.get("/admin/accounts/apitoken/add/").status_code == 403
    admin.post(
        "/admin/accounts/apitoken/", {"action": "revoke", "_selected_action": [token.pk]}, HTTP_ACCEPT_LANGUAGE="en"
    )
    assert ApiToken.objects.get(pk=token.pk).revoked_at is not None
    assert AuditEvent.objects.filter(action="api_token.revoked", actor=world.root).exists()
    assert call_api(client, key).status_code == 401


def test_keys_of_drf_tokens_go_on_working_hashed_and_their_clear_copies_go(world, client):
    migration = importlib.import_module("safezone.accounts.migrations.0005_api_keys")
    with connection.cursor() as cursor:
        cursor.execute("CREATE TABLE authtoken_token (key varchar(40) PRIMARY KEY, created timestamp, user_id integer)")
        cursor.execute(
            "INSERT INTO authtoken_token (key, created, user_id) VALUES (%s, %s, %s)",
            ["0123456789abcdef0123456789abcdef01234567", timezone.now(), world.petr.pk],
        )
    migration._keys_from_drf_tokens(django_apps, SimpleNamespace(connection=connection))
    with connection.cursor() as cursor:
        cursor.execute("SELECT COUNT(*) FROM authtoken_token")
        assert cursor.fetchone()[0] == 0
    assert ApiToken.objects.get().user == world.petr
    assert call_api(client, "0123456789abcdef0123456789abcdef01234567").status_code == 200
