"""An import killed mid-way leaves nothing half-written: `manage.py import attendance` runs in a process
of its own on a file-backed SQLite database (a copy of the test database), is killed (SIGKILL, no
chance to clean up) while it writes, and the database holds not one of its rows afterwards."""

import datetime as dt
import os
import re
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from django.db import connection

ROOT = Path(__file__).resolve().parents[2]
PUPILS = 50


def _manage(args, env, **kwargs):
    return subprocess.Popen(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        **kwargs,
    )


def _count(path: Path, table: str) -> int:
    # Opening the database after the kill rolls back what the killed process left in its journal.
    with sqlite3.connect(path) as db:
        return db.execute(f'SELECT count(*) FROM "{table}"').fetchone()[0]


@pytest.mark.skipif(
    connection.vendor != "sqlite", reason="kills an import on a file-backed SQLite copy of the test database"
)
@pytest.mark.django_db(transaction=True)  # no test transaction open: the copy below reads the database whole
def test_an_import_killed_while_it_writes_leaves_no_row_behind(live_world, tmp_path):
    database = tmp_path / "copy.sqlite3"
    connection.ensure_connection()
    with sqlite3.connect(database) as copy:
        connection.connection.backup(copy)  # the migrated schema and the world
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{database}", "SAFEZONE_VAR_DIR": str(tmp_path / "var")}

    roll = tmp_path / "roll.csv"
    roll.write_text(
        "Школа;Номер ученика;Фамилия;Имя;Дата рождения;Класс;Дата зачисления\n"
        + "".join(
            f"school-1;{i};Тестов;Ученик;{dt.date(1995, 1, 1) + dt.timedelta(days=i):%d.%m.%Y};1А;01.01.2000\n"
            for i in range(PUPILS)
        ),
        encoding="utf-8",
    )
    done = _manage(["import", "pupils", str(roll)], env)
    out, err = done.communicate(timeout=300)
    assert done.returncode == 0, (out + err).decode()

    # 300,000 days of the daily register: a few seconds of writing even on a fast machine.
    days, day = [], dt.date(2000, 1, 3)
    while len(days) * PUPILS < 300_000:
        if day.weekday() < 5:
            days.append(day.strftime("%d.%m.%Y"))
        day += dt.timedelta(days=1)
    register = tmp_path / "register.csv"
    with register.open("w", encoding="utf-8") as f:
        f.write("Школа;Номер ученика;Дата;Отметка\n")
        for stamp in days:
            f.write("".join(f"school-1;{i};{stamp};п\n" for i in range(PUPILS)))

    running = _manage(["import", "attendance", str(register)], env)
    written = threading.Event()

    def watch():
        # The progress bar on stderr: "importing: 5000 rows ..." once the first batch is written.
        seen = b""
        while chunk := running.stderr.read1(4096):
            seen = (seen + chunk)[-4096:]
            text = seen.decode("utf-8", "replace")
            found = re.findall(r"(?:importing|импорт)\w*: (\d+)", text)
            if found and int(found[-1]) >= 5000:
                written.set()
                return

    threading.Thread(target=watch, daemon=True).start()
    assert written.wait(timeout=600), "the import never reached its writing"
    running.send_signal(signal.SIGKILL)
    running.wait(timeout=60)
    assert running.returncode == -signal.SIGKILL, "the import finished before it could be killed"
    time.sleep(0.1)

    assert _count(database, "schools_attendanceday") == 0
    assert _count(database, "schools_pupil") == PUPILS  # the roll imported before is whole
