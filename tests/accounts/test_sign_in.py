"""Signing in and out; the password policy; demo accounts only in the demo."""

import pytest
from django.core.exceptions import ValidationError

from safezone.accounts.services import user_create
from tests.world import PASSWORD


def test_a_user_signs_in_and_lands_on_my_work(world, client):
    response = client.post("/accounts/login/", {"username": "anna", "password": PASSWORD})
    assert response.status_code == 302 and response["Location"] == "/cases/mine/"


def test_a_wrong_password_is_refused_with_a_message(world, client):
    response = client.post("/accounts/login/", {"username": "anna", "password": "nope"})
    assert response.status_code == 200
    assert response.context["form"].non_field_errors()


def test_signing_out_needs_a_post_and_ends_the_session(world, client_for):
    client = client_for(world.anna)
    assert client.get("/accounts/logout/").status_code == 405
    client.post("/accounts/logout/")
    assert client.get("/cases/mine/").status_code == 302


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
    assert client.post("/accounts/login/", {"username": "anna", "password": PASSWORD}).status_code == 200
    settings.SAFEZONE_DEMO = True
    assert client.post("/accounts/login/", {"username": "anna", "password": PASSWORD}).status_code == 302


def test_the_sign_in_page_says_that_everything_is_recorded(db, client):
    body = client.get("/accounts/login/").content.decode()
    assert "журнал" in body or "audit log" in body
