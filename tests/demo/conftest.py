"""One small demo for the whole session: a scratch database (SQLite file or PostgreSQL, as the
suite runs on) migrated once and filled once by `manage.py seed_demo`, then read by every test
that checks what the demo writes. Migrating is the slow part: no test repeats it, and it starts
with the session, beside the building of the test database."""

import datetime as dt
import json
import os
import subprocess
import sys
import threading
import uuid
from pathlib import Path

import pytest
from django.db import connection

ROOT = Path(__file__).resolve().parents[2]
# The small demo: 60 cases, a fifth of the pilot schools' pupils, ending on this day.
SMALL = {"cases": 60, "seed": 7, "today": dt.date(2026, 11, 30), "school_scale": 0.2}


class ScratchDatabase:
    """A new, empty database of the kind the suite runs on (SQLite file or PostgreSQL), dropped after."""

    def __enter__(self) -> str:
        if connection.vendor == "sqlite":
            self.path = Path(os.environ.get("TMPDIR", "/tmp")) / f"safezone-demo-{uuid.uuid4().hex}.sqlite3"
            return f"sqlite:///{self.path}"
        # CREATE DATABASE cannot run inside the test's transaction: use a connection of its own,
        # with the parameters Django itself connects with (the host may sit in OPTIONS).
        import psycopg

        self.name = f"safezone_demo_{uuid.uuid4().hex[:12]}"
        keep = {"user", "password", "host", "port"}
        self.params = {k: v for k, v in connection.get_connection_params().items() if k in keep and v}
        with psycopg.connect(dbname="postgres", autocommit=True, **self.params) as admin:
            admin.execute(f'CREATE DATABASE "{self.name}"')
        auth = self.params["user"] + (f":{self.params['password']}" if self.params.get("password") else "")
        host = self.params.get("host", "localhost")
        if host.startswith("/"):
            return f"postgres://{auth}@/{self.name}?host={host}"
        return f"postgres://{auth}@{host}:{self.params.get('port', 5432)}/{self.name}"

    def __exit__(self, *exc):
        if connection.vendor == "sqlite":
            for suffix in ("", "-wal", "-shm"):
                Path(f"{self.path}{suffix}").unlink(missing_ok=True)
            return
        import psycopg

        with psycopg.connect(dbname="postgres", autocommit=True, **self.params) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')


class SmallDemo:
    """The scratch database with the small demo in it, and how its commands answered."""

    def __init__(self, url: str):
        self.url = url

    def manage(self, *args, timeout: int = 600) -> subprocess.CompletedProcess:
        env = {**os.environ, "DATABASE_URL": self.url}
        return subprocess.run(
            [sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=timeout
        )

    def facts(self, script: str) -> dict:
        """Run a script in `manage.py shell` on the demo; it prints one JSON object last."""
        done = self.manage("shell", "-v", "0", "-c", script)
        assert done.returncode == 0, done.stderr
        return json.loads(done.stdout.strip().splitlines()[-1])


class _Seeding:
    """The small demo being migrated and seeded by `manage.py` in a thread of its own."""

    def __init__(self):
        self.database = ScratchDatabase()
        self.demo = SmallDemo(self.database.__enter__())
        self.thread = threading.Thread(target=self._run, name="small-demo", daemon=True)
        self.thread.start()

    def _run(self):
        self.migrated = self.demo.manage("migrate", "-v", "0")
        if self.migrated.returncode == 0:
            self.demo.seeded = self.demo.manage(
                "seed_demo",
                "--cases", str(SMALL["cases"]),
                "--seed", str(SMALL["seed"]),
                "--today", SMALL["today"].isoformat(),
                "--school-scale", str(SMALL["school_scale"]),
            )  # fmt: skip

    def wait(self) -> SmallDemo:
        self.thread.join()
        assert self.migrated.returncode == 0, self.migrated.stderr
        assert self.demo.seeded.returncode == 0, self.demo.seeded.stderr
        return self.demo

    def close(self):
        self.thread.join()
        self.database.__exit__(None, None, None)


_SEEDING: list[_Seeding] = []


def pytest_collection_finish(session):
    """Start the small demo as soon as the tests are known, when some test needs it: its migrating
    and seeding run while pytest-django builds its own test database and the world, instead of after."""
    if not _SEEDING and any("small_demo" in getattr(item, "fixturenames", ()) for item in session.items):
        _SEEDING.append(_Seeding())


def pytest_sessionfinish(session):
    while _SEEDING:
        _SEEDING.pop().close()


@pytest.fixture(scope="session")
def small_demo():
    """The small demo, seeded once per session by `manage.py seed_demo` (its answer in `.seeded`)."""
    if not _SEEDING:
        _SEEDING.append(_Seeding())
    return _SEEDING[0].wait()
