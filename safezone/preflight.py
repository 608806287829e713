"""Setup problems (bad DATABASE_URL, unreachable database, missing migrations) as one clear message.

A person starting SafeZone should read what is wrong and what to do, not a traceback.
"""

import sys

from django.core.exceptions import ImproperlyConfigured

# Commands that serve users: they must not start on a database that is not ready.
SERVING_COMMANDS = {"runserver", "serve"}


class SetupError(Exception):
    """SafeZone cannot start; the message says why and what to do."""


def _safe_database_address() -> str:
    """The database address without its password, to show in messages."""
    from django.conf import settings

    db = settings.DATABASES["default"]
    if db["ENGINE"].endswith("sqlite3"):
        return f"SQLite file {db['NAME']}"
    host = db.get("HOST") or "localhost"
    port = f":{db['PORT']}" if db.get("PORT") else ""
    return f"PostgreSQL database {db.get('NAME')!r} at {host}{port} as user {db.get('USER')!r}"


def database_problem(exc: Exception) -> str:
    """One line saying that the database cannot be reached, and why."""
    reason = str(exc).strip().splitlines()[0] if str(exc).strip() else exc.__class__.__name__
    return (
        f"cannot reach the {_safe_database_address()}: {reason}. "
        "Check DATABASE_URL and that the database server is running."
    )


def check_database_ready() -> None:
    """Raise SetupError unless the database answers, is migrated, and models match migrations."""
    from django.apps import apps
    from django.db import DEFAULT_DB_ALIAS, connections
    from django.db.migrations.autodetector import MigrationAutodetector
    from django.db.migrations.executor import MigrationExecutor
    from django.db.migrations.state import ProjectState
    from django.db.utils import DatabaseError
    from django.utils import translation

    connection = connections[DEFAULT_DB_ALIAS]
    try:
        connection.ensure_connection()
        executor = MigrationExecutor(connection)
        pending = executor.migration_plan(executor.loader.graph.leaf_nodes())
    except DatabaseError as exc:
        raise SetupError(database_problem(exc)) from None
    if pending:
        names = ", ".join(f"{m.app_label}.{m.name}" for m, _ in pending[:5])
        more = f" and {len(pending) - 5} more" if len(pending) > 5 else ""
        raise SetupError(
            f"the database is not migrated ({len(pending)} migration(s) to apply: {names}{more}). "
            "Run: python manage.py migrate"
        )
    # Compare untranslated, as makemigrations does: verbose names are lazy translations.
    with translation.override(None):
        autodetector = MigrationAutodetector(executor.loader.project_state(), ProjectState.from_apps(apps))
        changes = autodetector.changes(graph=executor.loader.graph)
    if changes:
        raise SetupError(
            "the models have changes that no migration records (apps: "
            + ", ".join(sorted(changes))
            + "). Run: python manage.py makemigrations"
        )


def diagnose(exc: Exception) -> str:
    """What to tell the user about a database error: first whether the database is ready at all."""
    from django.db import connections

    connections.close_all()  # a failed transaction may leave the connection unusable
    try:
        check_database_ready()
    except SetupError as setup:
        return str(setup)
    except Exception:  # noqa: BLE001 - the original error is the better message then
        pass
    first = str(exc).strip().splitlines()[0] if str(exc).strip() else exc.__class__.__name__
    return f"the database refused a query ({first})."


def run_command_line(argv: list[str]) -> int:
    """Run a manage.py command; print setup problems as one line and return a non-zero code."""
    from django.db.migrations.exceptions import InconsistentMigrationHistory
    from django.db.utils import DatabaseError

    try:
        import django

        django.setup()
        command = argv[1] if len(argv) > 1 else ""
        if command in SERVING_COMMANDS:
            check_database_ready()
        from django.core.management import execute_from_command_line

        execute_from_command_line(argv)
    except SetupError as exc:
        print(f"SafeZone: {exc}", file=sys.stderr)
        return 2
    except ImproperlyConfigured as exc:
        print(f"SafeZone: configuration problem: {exc}", file=sys.stderr)
        return 2
    except DatabaseError as exc:
        print(f"SafeZone: {diagnose(exc)}", file=sys.stderr)
        return 2
    except InconsistentMigrationHistory as exc:
        print(
            f"SafeZone: the database's migration history does not match this version ({exc}). "
            "Use a database made by this version, or an empty one.",
            file=sys.stderr,
        )
        return 2
    return 0
