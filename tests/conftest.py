"""Shared fixtures: the world (built once per test database), clients signed in as its people,
and the browser set-up for Debian's Chromium."""

import os
import secrets
import shutil
from types import SimpleNamespace

import pytest
from django.db import connection

from safezone.audit.db import install_sql, remove_sql

from .world import build_world, world_keys

# Playwright's sync API runs an event loop in the test thread; Django's ORM calls from the
# same thread (fixtures, assertions) are still synchronous and safe.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

_WORLD_KEYS: dict = {}


@pytest.fixture(scope="session", autouse=True)
def _flush_past_audit_triggers():
    """The audit table refuses DELETE/TRUNCATE by design; the test flush between transactional
    tests lifts that guard for the flush alone and puts it back."""
    ops_class = type(connection.ops)
    original = ops_class.execute_sql_flush

    def execute_sql_flush(self, sql_list):
        vendor = self.connection.vendor
        with self.connection.cursor() as cursor:
            for statement in remove_sql(vendor):
                cursor.execute(statement)
        original(self, sql_list)
        with self.connection.cursor() as cursor:
            for statement in install_sql(vendor):
                cursor.execute(statement)
            # The flush emptied the access stamp too (its migration wrote the row): without it
            # nothing would be cached, and the cached path would go untested.
            cursor.execute("INSERT INTO access_accessstamp (id, value) VALUES (1, %s)", [secrets.token_hex(16)])

    ops_class.execute_sql_flush = execute_sql_flush
    yield
    ops_class.execute_sql_flush = original


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Each test starts with an empty cache: allauth remembers used authenticator codes there."""
    from django.core.cache import cache

    cache.clear()


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """Build the world once; each test runs in a transaction rolled back afterwards."""
    with django_db_blocker.unblock():
        _WORLD_KEYS.update(world_keys(build_world()))


def _fresh_world() -> SimpleNamespace:
    return SimpleNamespace(**{name: model.objects.get(pk=pk) for name, (model, pk) in _WORLD_KEYS.items()})


@pytest.fixture
def world(db) -> SimpleNamespace:
    """The fixture world, fetched fresh for this test."""
    return _fresh_world()


@pytest.fixture
def live_world(transactional_db) -> SimpleNamespace:
    """The world for tests that need committed data (live server).

    The first such test finds the session's world still there; each one flushes the
    database when it ends, so the next one builds the world anew.
    """
    from safezone.directory.models import Agency

    if Agency.objects.filter(code="crisis").exists():
        return _fresh_world()
    return build_world()


def reauthenticate(client, user) -> None:
    """Make the client's session look freshly re-authenticated (allauth's own record of it)."""
    import time

    session = client.session
    session["account_authentication_methods_user"] = str(user.pk)
    session["account_authentication_methods"] = [{"method": "password", "at": time.time(), "reauthenticated": True}]
    session.save()


@pytest.fixture
def client_for(client):
    """client_for(user): Django's test client signed in as that user."""

    def sign_in(user):
        client.force_login(user)
        return client

    return sign_in


# --- browser -------------------------------------------------------------------------------
CHROMIUM = os.environ.get("SAFEZONE_CHROMIUM", "/usr/bin/chromium")


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    """Debian's Chromium, headless, with no calls to outside hosts (closed network)."""
    if not shutil.which(CHROMIUM) and not os.path.exists(CHROMIUM):
        message = f"Chromium not found at {CHROMIUM}: browser tests need Debian's chromium package"
        if os.environ.get("SAFEZONE_REQUIRE_BROWSER") == "1":
            pytest.fail(message + " (SAFEZONE_REQUIRE_BROWSER=1, so this is a failure, not a skip)")
        pytest.skip(message)
    return {
        **browser_type_launch_args,
        "executable_path": CHROMIUM,
        "args": [
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
        ],
    }


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args):
    """A Russian-speaking browser in Vologda's time zone, as staff use it."""
    return {
        **browser_context_args,
        "locale": "ru-RU",
        "timezone_id": "Europe/Moscow",
        "viewport": {"width": 1280, "height": 900},
    }


def pytest_terminal_summary(terminalreporter):
    """Say how many cells of the access matrix were checked, and how many were allowed."""
    from tests.access.test_matrix import TALLY
    from tests.access.test_schools_reach import CELLS

    if TALLY["cells"]:
        terminalreporter.write_line(
            f"access matrix: {TALLY['cells']} cells checked (role × relation × action), {TALLY['allowed']} allowed, "
            f"{TALLY['unexpected']} unexpected allows"
        )
    if CELLS["checked"]:
        terminalreporter.write_line(
            f"schools reach matrix: {CELLS['checked']} cells checked (user × pupil, teenager or child × action, "
            f"decision and list), {CELLS['allowed']} allowed"
        )
