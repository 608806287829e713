"""School attendance import: throughput and peak memory of `manage.py import attendance FILE`.

    .venv/bin/python bench/attendance_import.py                        # 250k and 1M rows, SQLite and PostgreSQL
    .venv/bin/python bench/attendance_import.py --rows 1000000 --db postgresql
    .venv/bin/python bench/attendance_import.py --write                # also update BENCHMARKS.md

Target (issue 7): at least 20,000 rows/s on PostgreSQL for a 1,000,000-row file, with peak memory
flat in the file size. For each database (a temporary SQLite file; a throwaway PostgreSQL cluster
from scripts/pgcluster.py) the script migrates, loads the region's territory, imports four pilot
schools (`import agencies`) and their roll of 5,000 pupils (`import pupils`, through person
matching), then for each size generates a daily register (the same 5,000 pupils, as many school
days as the size needs, in a school year of its own) and imports it twice, each run in a child
process of its own: the first run writes every row ("created"), the second finds every row as it
is ("unchanged"). It prints seconds, rows per second, the child's peak resident memory
(wait4's ru_maxrss) and CPU time for each run (with the load average before it: other work on the
machine shows there), and the command that reproduces it.
"""

import argparse
import datetime as dt
import json
import os
import platform
import random
import re
import subprocess
import sys
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "scripts"))
import pgcluster  # noqa: E402

PY = sys.executable
SCHOOLS = 4
PUPILS = 5000
SIZES = (250_000, 1_000_000)
TABLE_START, TABLE_END = "<!-- bench-attendance:start -->", "<!-- bench-attendance:end -->"
STORE = ROOT / "bench" / "attendance_table.json"

SURNAMES = ["Иванов", "Смирнов", "Кузнецов", "Попов", "Васильев", "Петров", "Соколов", "Михайлов", "Новиков"]
SURNAMES += ["Фёдоров", "Морозов", "Волков", "Алексеев", "Лебедев", "Семёнов", "Егоров", "Павлов", "Козлов"]
GIVEN_M = ["Александр", "Дмитрий", "Максим", "Сергей", "Андрей", "Алексей", "Артём", "Илья", "Кирилл", "Михаил"]
GIVEN_F = ["Анастасия", "Мария", "Анна", "Виктория", "Екатерина", "Наталья", "Марина", "Полина", "Дарья", "Алина"]
FATHERS = ["Александр", "Дмитрий", "Сергей", "Андрей", "Алексей", "Иван", "Николай", "Владимир", "Олег", "Юрий"]
# Present most days; late, absent with a reason (ill) and without one now and then.
MARKS = ["п"] * 90 + ["о"] * 3 + ["у"] * 3 + ["б"] * 2 + ["н"] * 2


def _patronymic(father: str, female: bool) -> str:
    stem = father[:-1] + "ь" if father.endswith("й") else father
    if stem.endswith("ь"):
        return stem[:-1] + ("евна" if female else "евич")
    return stem + ("овна" if female else "ович")


def _feminine(surname: str) -> str:
    return surname[:-2] + "ая" if surname.endswith("ий") else surname + "а"


def write_roll(path: Path, seed: int = 1) -> None:
    """4 schools x 1,250 pupils, classes 1А-11В, enrolled years ago and still on the roll."""
    rng = random.Random(seed)
    with path.open("w", encoding="utf-8") as f:
        f.write("Школа;Номер ученика;Фамилия;Имя;Отчество;Пол;Дата рождения;Класс;Дата зачисления\n")
        for i in range(PUPILS):
            female = rng.random() < 0.5
            surname = rng.choice(SURNAMES)
            grade = 1 + i % 11
            born = dt.date(2017 - grade, 1, 1) + dt.timedelta(days=rng.randrange(365))
            f.write(
                f"bench-{i % SCHOOLS + 1};{i:06d};{_feminine(surname) if female else surname};"
                f"{rng.choice(GIVEN_F if female else GIVEN_M)};{_patronymic(rng.choice(FATHERS), female)};"
                f"{'ж' if female else 'м'};{born:%d.%m.%Y};{grade}{'АБВ'[i // 11 % 3]};01.09.{2024 - grade + 1}\n"
            )


def school_days(year: int, count: int) -> list[dt.date]:
    """`count` weekdays of the school year starting on 1 September `year`."""
    days, day = [], dt.date(year, 9, 1)
    while len(days) < count:
        if day.weekday() < 5:
            days.append(day)
        day += dt.timedelta(days=1)
    return days


def write_attendance(path: Path, rows: int, year: int, seed: int = 1) -> None:
    """A daily register of `rows` rows: day after day, every pupil of the roll."""
    rng = random.Random(seed)
    days = school_days(year, -(-rows // PUPILS))
    with path.open("w", encoding="utf-8") as f:
        f.write("Школа;Номер ученика;Дата;Отметка\n")
        written = 0
        for day in days:
            stamp = day.strftime("%d.%m.%Y")
            lines = []
            for i in range(min(PUPILS, rows - written)):
                lines.append(f"bench-{i % SCHOOLS + 1};{i:06d};{stamp};{rng.choice(MARKS)}\n")
            f.write("".join(lines))
            written += len(lines)


@contextmanager
def database(kind: str):
    if kind == "sqlite":
        with tempfile.TemporaryDirectory(prefix="safezone-bench.") as d:
            yield f"sqlite:///{d}/bench.sqlite3"
    else:
        with pgcluster.cluster() as url:
            yield url


def run(args: list[str], env: dict) -> tuple[float, float, str, float]:
    """A manage.py command in a child of its own: (seconds, its peak resident memory in MB, stdout,
    its own CPU seconds)."""
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        started = time.perf_counter()
        proc = subprocess.Popen([PY, "manage.py", *args], cwd=ROOT, env=env, stdout=out, stderr=err, text=True)
        _pid, status, usage = os.wait4(proc.pid, 0)
        seconds = time.perf_counter() - started
        out.seek(0)
        err.seek(0)
        text = out.read()
        if os.waitstatus_to_exitcode(status):
            raise SystemExit(f"manage.py {' '.join(args)} failed:\n{text[-3000:]}\n{err.read()[-3000:]}")
    return seconds, usage.ru_maxrss / 1024, text, usage.ru_utime + usage.ru_stime


def counts(output: str) -> dict:
    """The command's closing counts (it speaks the project's language: Russian by default)."""
    numbers = [int(n) for n in re.findall(r"\d+", output.strip().splitlines()[-2])]
    return dict(zip(("rows", "created", "updated", "unchanged"), numbers, strict=True))


def bench(db: str, sizes: list[int]) -> list[dict]:
    results = []
    with database(db) as url, tempfile.TemporaryDirectory(prefix="safezone-bench-files.") as files:
        files = Path(files)
        env = {**os.environ, "DATABASE_URL": url, "SAFEZONE_VAR_DIR": str(files / "var")}
        print(f"== {db}: migrating", flush=True)
        run(["migrate", "-v", "0"], env)
        run(["load_territory"], env)
        agencies = files / "schools.csv"
        agencies.write_text(
            "Код;Тип;Название;Район\n"
            + "".join(f"bench-{i};school;Пилотная школа № {i};vologda\n" for i in range(1, SCHOOLS + 1)),
            encoding="utf-8",
        )
        run(["import", "agencies", str(agencies)], env)
        roll = files / "roll.csv"
        write_roll(roll)
        seconds, _peak, out, _cpu = run(["import", "pupils", str(roll)], env)
        print(f"   roll: {PUPILS} pupils in {seconds:.1f} s ({counts(out)})", flush=True)
        for year, size in enumerate(sorted(sizes), start=2025 - len(sizes) + 1):
            path = files / f"attendance-{size}.csv"
            write_attendance(path, size, year)
            megabytes = path.stat().st_size / 1048576
            for attempt in ("first run", "same file again"):
                load = os.getloadavg()[0]  # other work on the machine shows here
                seconds, peak, out, cpu = run(["import", "attendance", str(path)], env)
                found = counts(out)
                row = {
                    "database": "SQLite" if db == "sqlite" else "PostgreSQL",
                    "rows": size,
                    "file_mb": round(megabytes, 1),
                    "run": attempt,
                    "seconds": round(seconds, 1),
                    "rows_per_second": round(size / seconds),
                    "peak_rss_mb": round(peak),
                    "cpu_seconds": round(cpu, 1),
                    "load_before": round(load, 2),
                    "counts": found,
                    "reproduce": f".venv/bin/python bench/attendance_import.py --rows {size} --db {db}",
                }
                results.append(row)
                print(
                    f"   {size:>9,} rows ({megabytes:.1f} MB), {attempt:<15} {seconds:7.1f} s "
                    f"{row['rows_per_second']:>8,} rows/s  peak RSS {peak:5.0f} MB  CPU {cpu:5.1f} s  "
                    f"(load before {load:.2f})  {found}",
                    flush=True,
                )
                print(f"      reproduce: {row['reproduce']}", flush=True)
    return results


def machine() -> str:
    with open("/proc/meminfo") as fh:
        mem_gb = int(fh.readline().split()[1]) / 1024 / 1024
    return (
        f"{platform.system()} {platform.machine()}, {os.cpu_count()} cores, {mem_gb:.0f} GB RAM, "
        f"Python {platform.python_version()}"
    )


def write_table(rows: list[dict]) -> None:
    """Replace the rows of the same database, size and run in BENCHMARKS.md's attendance table."""
    table = json.loads(STORE.read_text(encoding="utf-8")) if STORE.exists() else []
    keys = {(r["database"], r["rows"], r["run"]) for r in rows}
    table = [r for r in table if (r["database"], r["rows"], r["run"]) not in keys] + rows
    table.sort(key=lambda r: (r["database"] != "PostgreSQL", r["rows"], r["run"] != "first run"))
    STORE.write_text(json.dumps(table, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    lines = [
        TABLE_START,
        f"Latest run {dt.date.today().isoformat()} on {machine()}.",
        "",
        "| database | rows (file) | run | time | throughput | peak memory | CPU (load before) "
        "| created / updated / unchanged | reproduce |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for r in table:
        c = r["counts"]
        lines.append(
            f"| {r['database']} | {r['rows']:,} ({r['file_mb']} MB) | {r['run']} | {r['seconds']} s "
            f"| **{r['rows_per_second']:,} rows/s** | {r['peak_rss_mb']} MB "
            f"| {r.get('cpu_seconds', '')} s ({r.get('load_before', '')}) "
            f"| {c['created']:,} / {c['updated']:,} / {c['unchanged']:,} | `{r['reproduce']}` |"
        )
    lines.append(TABLE_END)
    path = ROOT / "BENCHMARKS.md"
    text = path.read_text(encoding="utf-8")
    if TABLE_START not in text:
        raise SystemExit(f"BENCHMARKS.md has no {TABLE_START} … {TABLE_END} block to fill")
    text = re.sub(re.escape(TABLE_START) + ".*?" + re.escape(TABLE_END), "\n".join(lines), text, flags=re.S)
    path.write_text(text, encoding="utf-8")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, action="append", help="file size in rows (repeatable)")
    parser.add_argument("--db", choices=["sqlite", "postgresql"], action="append", help="database (repeatable)")
    parser.add_argument("--write", action="store_true", help="also update the table in BENCHMARKS.md")
    args = parser.parse_args()
    print(f"machine: {machine()}", flush=True)
    rows = []
    for db in args.db or ["postgresql", "sqlite"]:
        rows += bench(db, args.rows or list(SIZES))
    if args.write:
        write_table(rows)


if __name__ == "__main__":
    main()
