"""Signing in: password, then a second factor; lockout; idle and absolute timeouts; demo accounts."""

import time

import pytest
from django.core.exceptions import ValidationError

from safezone.accounts.services import user_create
from safezone.audit.models import AuditEvent
from tests.world import PASSWORD, totp_code

LOGIN = "/account/login/"
SECOND_FACTOR = "/account/2fa/authenticate/"


def sign_in(client, username, password=PASSWORD, code=None):
    response = client.post(LOGIN, {"login": username, "password": password})
    if response.status_code == 302 and response["Location"].startswith(SECOND_FACTOR):
        response = client.post(SECOND_FACTOR, {"code": code or totp_code(username)})
    return response


def test_a_user_signs_in_with_password_and_authenticator_code_and_lands_on_my_work(world, client):
    first = client.post(LOGIN, {"login": "anna", "password": PASSWORD})
    assert first.status_code == 302 and first["Location"].startswith(SECOND_FACTOR)
    assert client.get("/cases/mine/").status_code == 302  # not signed in until the second factor
    response = client.post(SECOND_FACTOR, {"code": totp_code("anna")})
    assert response.status_code == 302 and response["Location"] == "/cases/mine/"
    assert client.get("/cases/mine/").status_code == 200


def test_a_wrong_authenticator_code_is_refused(world, client):
    client.post(LOGIN, {"login": "anna", "password": PASSWORD})
    response = client.post(SECOND_FACTOR, {"code": "000000" if totp_code("anna") != "000000" else "111111"})
    assert response.status_code == 200
    assert client.get("/cases/mine/").status_code == 302


def test_a_wrong_password_is_refused_with_a_message(world, client):
    response = client.post(LOGIN, {"login": "anna", "password": "nope"})
    assert response.status_code == 200
    assert response.context["form"].non_field_errors()


def test_repeated_failures_lock_the_name_out_even_with_the_right_password(world, client, settings):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        client.post(LOGIN, {"login": "anna", "password": "wrong"})
    response = client.post(LOGIN, {"login": "anna", "password": PASSWORD})
    assert response.status_code == 429
    assert "Sign-in blocked" in response.content.decode() or "заблокирован" in response.content.decode()
    assert AuditEvent.objects.filter(action="auth.locked_out", extra__username="anna").exists()


def test_signing_out_needs_a_post_and_ends_the_session(world, client_for):
    client = client_for(world.anna)
    client.get("/account/logout/")
    assert client.get("/cases/mine/").status_code == 200  # a GET only asks for confirmation
    client.post("/account/logout/")
    assert client.get("/cases/mine/").status_code == 302


def test_an_idle_session_ends_after_the_idle_timeout(world, client, settings):
    sign_in(client, "anna")
    session = client.session
    session["safezone_last_seen"] = time.time() - settings.SAFEZONE_IDLE_TIMEOUT - 5
    session.save()
    response = client.get("/cases/mine/")
    assert response.status_code == 302 and "timeout=idle" in response["Location"]
    assert client.get("/cases/mine/").status_code == 302
    assert AuditEvent.objects.filter(action="auth.timeout", actor=world.anna).exists()


def test_a_busy_session_still_ends_after_the_absolute_limit(world, client, settings):
    sign_in(client, "anna")
    session = client.session
    session["safezone_signed_in_at"] = time.time() - settings.SAFEZONE_SESSION_MAX_AGE - 5
    session.save()
    response = client.get("/cases/mine/")
    assert response.status_code == 302 and "timeout=absolute" in response["Location"]


def test_htmx_requests_after_a_timeout_send_the_whole_page_to_sign_in(world, client, settings):
    sign_in(client, "anna")
    session = client.session
    session["safezone_last_seen"] = time.time() - settings.SAFEZONE_IDLE_TIMEOUT - 5
    session.save()
    response = client.get("/cases/", HTTP_HX_REQUEST="true")
    assert response.status_code == 204 and response["HX-Redirect"].startswith(LOGIN)


def test_a_user_reaching_personal_data_must_set_up_a_second_factor_first(world, client):
    from allauth.mfa.models import Authenticator

    Authenticator.objects.filter(user=world.anna).delete()
    client.force_login(world.anna)
    response = client.get("/cases/mine/")
    assert response.status_code == 302 and response["Location"] == "/account/2fa/"
    assert client.get("/account/2fa/").status_code == 200


def test_a_role_without_personal_data_needs_no_second_factor(world, client):
    from allauth.mfa.models import Authenticator

    Authenticator.objects.filter(user=world.alex).delete()
    client.force_login(world.alex)
    assert client.get("/cases/mine/").status_code == 200


def test_second_factor_secrets_are_encrypted_at_rest(world):
    from allauth.mfa.models import Authenticator

    from tests.world import totp_secret_for

    stored = Authenticator.objects.get(user=world.anna, type="totp").data["secret"]
    assert stored != totp_secret_for("anna", "world") and stored.startswith("gAAAA")


@pytest.mark.parametrize("password", ["short1", "password123456", "123456789012345"])
def test_weak_passwords_are_refused(password):
    with pytest.raises(ValidationError):
        user_create(username="newcomer", password=password)


@pytest.mark.django_db
def test_a_strong_password_is_accepted():
    assert user_create(username="newcomer", password="lilac-ferry-tundra-91").check_password("lilac-ferry-tundra-91")


def test_demo_accounts_cannot_sign_in_outside_the_demo(world, client, settings):
    world.anna.is_demo = True
    world.anna.save()
    settings.SAFEZONE_DEMO = False
    assert client.post(LOGIN, {"login": "anna", "password": PASSWORD}).status_code == 200
    settings.SAFEZONE_DEMO = True
    assert sign_in(client, "anna").status_code == 302


def test_self_registration_is_closed(db, client):
    response = client.post("/account/signup/", {"username": "intruder", "password1": "x" * 20, "password2": "x" * 20})
    assert response.status_code in (200, 302)
    from safezone.accounts.models import User

    assert not User.objects.filter(username="intruder").exists()


def test_the_sign_in_page_says_that_everything_is_recorded(db, client):
    body = client.get(LOGIN).content.decode()
    assert "журнал" in body or "audit log" in body


def test_pages_carry_a_strict_content_security_policy(db, client):
    policy = client.get(LOGIN)["Content-Security-Policy"]
    assert "script-src 'self'" in policy and "unsafe-inline" not in policy and "frame-ancestors 'none'" in policy


def test_pages_for_a_signed_in_user_are_not_kept_in_the_browser_cache(world, client_for):
    assert "no-store" in client_for(world.anna).get("/cases/mine/")["Cache-Control"]


def test_setting_up_an_authenticator_app_is_audited(world, client, django_capture_on_commit_callbacks):
    from allauth.mfa.models import Authenticator
    from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value

    from tests.conftest import reauthenticate

    Authenticator.objects.filter(user=world.anna).delete()
    client.force_login(world.anna)
    reauthenticate(client, world.anna)
    client.get("/account/2fa/totp/activate/")
    secret = client.session["mfa.totp.secret"]
    code = format_hotp_value(hotp_value(secret, int(time.time()) // 30))
    with django_capture_on_commit_callbacks(execute=True):  # allauth signals after the commit
        response = client.post("/account/2fa/totp/activate/", {"code": code})
    assert response.status_code == 302
    assert Authenticator.objects.filter(user=world.anna, type="totp").exists()
    assert AuditEvent.objects.filter(actor=world.anna, action="mfa.added", extra__type="totp").exists()
