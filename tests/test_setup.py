"""Starting SafeZone: settings from the environment, and setup problems as one clear line."""

import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import call_command

from safezone import preflight

ROOT = Path(__file__).resolve().parent.parent


def manage(*args, env=None, timeout=60):
    """Run manage.py in a fresh process with a clean environment plus `env`."""
    base = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "SECRET_KEY", "DEBUG", "SAFEZONE_VAR_DIR"}}
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env={**base, **(env or {})},
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def test_a_bad_database_url_stops_with_one_clear_line(tmp_path):
    result = manage("check", env={"DATABASE_URL": "nonsense://what", "SAFEZONE_VAR_DIR": str(tmp_path)})
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert result.stderr.strip().count("\n") == 0
    assert "DATABASE_URL" in result.stderr


def test_an_unsupported_database_is_named(tmp_path):
    result = manage("check", env={"DATABASE_URL": "mysql://u:p@localhost/db", "SAFEZONE_VAR_DIR": str(tmp_path)})
    assert result.returncode == 2 and "SQLite or PostgreSQL" in result.stderr and "Traceback" not in result.stderr


def test_an_unreachable_database_stops_with_one_clear_line_and_no_password(tmp_path):
    url = "postgres://someone:s3cret-pw@127.0.0.1:9/register"
    result = manage("migrate", env={"DATABASE_URL": url, "SAFEZONE_VAR_DIR": str(tmp_path)})
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert "cannot reach the PostgreSQL database 'register' at 127.0.0.1:9" in result.stderr
    assert "s3cret-pw" not in result.stderr + result.stdout


def test_serving_an_unmigrated_database_stops_with_what_to_do(tmp_path):
    url = f"sqlite:///{tmp_path / 'empty.sqlite3'}"
    result = manage(
        "runserver", "--noreload", "127.0.0.1:0", env={"DATABASE_URL": url, "SAFEZONE_VAR_DIR": str(tmp_path)}
    )
    assert result.returncode == 2
    assert "the database is not migrated" in result.stderr and "manage.py migrate" in result.stderr
    assert "Traceback" not in result.stderr


def test_a_command_on_an_unmigrated_database_says_to_migrate(tmp_path):
    url = f"sqlite:///{tmp_path / 'empty.sqlite3'}"
    result = manage("seed_demo", "--cases", "1", env={"DATABASE_URL": url, "SAFEZONE_VAR_DIR": str(tmp_path)})
    assert result.returncode == 2
    assert "manage.py migrate" in result.stderr and "Traceback" not in result.stderr


def test_model_changes_without_a_migration_stop_the_server(db, monkeypatch):
    from django.db.migrations.autodetector import MigrationAutodetector

    monkeypatch.setattr(MigrationAutodetector, "changes", lambda self, graph: {"cases": ["pretend"]})
    with pytest.raises(preflight.SetupError, match="no migration records .*cases.*makemigrations"):
        preflight.check_database_ready()


def test_a_ready_database_passes_the_preflight(db):
    preflight.check_database_ready()


def test_every_model_change_has_its_migration(db):
    call_command("makemigrations", "--check", "--dry-run", verbosity=0)


def test_a_missing_secret_is_generated_once_into_var_and_kept(tmp_path):
    code = "from django.conf import settings; print(settings.SECRET_KEY, settings.DEBUG)"
    env = {"SAFEZONE_VAR_DIR": str(tmp_path), "DJANGO_SETTINGS_MODULE": "safezone.settings"}
    first = manage("shell", "-v", "0", "-c", code, env=env)
    second = manage("shell", "-v", "0", "-c", code, env=env)
    key_file = tmp_path / "secret_key"
    assert first.returncode == 0, first.stderr
    assert key_file.exists() and stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert first.stdout == second.stdout
    key, debug = first.stdout.split()
    assert key == key_file.read_text().strip() and len(key) >= 50
    assert debug == "False"


def test_secret_debug_and_hosts_come_from_the_environment(tmp_path):
    code = "from django.conf import settings; print(settings.SECRET_KEY, settings.DEBUG, settings.ALLOWED_HOSTS)"
    result = manage(
        "shell",
        "-v",
        "0",
        "-c",
        code,
        env={
            "SAFEZONE_VAR_DIR": str(tmp_path),
            "SECRET_KEY": "k" * 60,
            "DEBUG": "1",
            "ALLOWED_HOSTS": "register.gov35.ru, 10.0.0.5",
        },
    )
    assert result.stdout.strip() == f"{'k' * 60} True ['register.gov35.ru', '10.0.0.5']"
    assert not (tmp_path / "secret_key").exists()


def test_cookies_are_secure_unless_debugging_or_the_local_plain_http_demo(tmp_path):
    code = "from django.conf import settings; print(settings.SESSION_COOKIE_SECURE, settings.CSRF_COOKIE_SECURE)"
    base = {"SAFEZONE_VAR_DIR": str(tmp_path)}
    assert manage("shell", "-v", "0", "-c", code, env=base).stdout.split() == ["True", "True"]
    assert manage("shell", "-v", "0", "-c", code, env={**base, "DEBUG": "1"}).stdout.split() == ["False", "False"]
    demo = {**base, "SAFEZONE_DEMO": "1"}
    assert manage("shell", "-v", "0", "-c", code, env=demo).stdout.split() == ["False", "False"]
    assert manage("shell", "-v", "0", "-c", code, env={**demo, "HTTPS": "1"}).stdout.split() == ["True", "True"]
