"""Statistics at scale (issue 8): the dashboard's queries, the quarterly report and peak memory over a
projection of 1,000,000 cases and 10,000,000 incidents and contacts; the same group-by queries in
DuckDB over a columnar copy; and the projection refresh's throughput from the registers.

    .venv/bin/python bench/stats_scale.py --cases 1000000 --incidents 6000000 --contacts 4000000
    .venv/bin/python bench/stats_scale.py --cases 20000 --incidents 120000 --contacts 80000 --db sqlite
    .venv/bin/python bench/stats_scale.py ... --keep DIR     # keep the database in DIR; run again to reuse it
    .venv/bin/python bench/stats_scale.py ... --covering-index --jit off --work-mem 64MB   # the proposed change

Steps, all in this one process (peak memory is measured per step: VmHWM, reset between steps):

1. A throwaway PostgreSQL cluster (scripts/pgcluster.py; --keep: in DIR, kept) or an SQLite file;
   migrate; the demo region's territory, agencies and accounts; population figures by district,
   sex and age band for each year (the district's population split by fixed shares).
2. Refresh throughput (`--refresh-cases`): the demo writes that many cases into the registers
   (persons, victims, incidents with their forms, referrals); then `projection_refresh(full=True)`
   is timed, 1% of the cases are changed and the incremental refresh is timed. The facts are then
   emptied for step 3.
3. The projection's fact tables at scale, generated directly with set-based SQL (not from the
   registers): cases opened and closed, incidents and their forms, assessments, referrals,
   meeting referrals, helpline contacts and their issues, shelter nights and place-nights, flagged
   pupils, support plans, children in the child-labour chain. Every column is a deterministic
   hash of the row's number (PostgreSQL's hashint8extended; on SQLite a Python function), drawn
   from realistic shares; days over the three years before --today. Indexes are built after the
   load; then ANALYZE.
4. The main dashboard (the quarter before --today): each of its queries through the functions the
   dashboard calls (`figures.figure`, `selectors.indicator_values`), --runs times after 2 warm-up
   runs, p50/p95 per query and for the whole dashboard; then the dashboard page itself, as the demo
   analyst, through Django's test client (--page-runs).
5. The quarterly report: `safezone.stats.report`'s PDF builder when there is one, else the figure
   calls such a report makes; --report-runs times.
6. DuckDB: the fact tables copied into a DuckDB file (COPY ... TO STDOUT as CSV, streamed to a
   file DuckDB reads), then the very SQL the dashboard sent to the database (captured) run in
   DuckDB and again, bare, in the database: copy time, p50/p95.
"""

import argparse
import contextlib
import datetime as dt
import hashlib
import json
import os
import platform
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "scripts"))
import pgcluster  # noqa: E402

FACT_TABLES = ["stats_casefact", "stats_contactfact", "stats_servicefact", "stats_schoolfact", "stats_labourfact"]
COLUMNS = [
    "element",
    "unit",
    "subject",
    "day",
    "district_id",
    "agency_id",
    "agency_kind",
    "sex",
    "age_band",
    "perpetrator_sex",
    "perpetrator_age_band",
    "relationship",
    "form",
    "category",
    "value",
]
# The DuckDB copy keeps the id: a distinct count may pick rows by it.
EXPORTED = ["id", *COLUMNS]
DUCK_TYPES = {
    "id": "BIGINT",
    "day": "DATE",
    "district_id": "BIGINT",
    "agency_id": "BIGINT",
    "value": "INTEGER",
}


# --- the database ---------------------------------------------------------------------------------
def _pg_start_in(directory: Path) -> str:
    """A cluster in `directory` (created on first use, as pgcluster does), started."""
    pg = pgcluster.bin_dir()
    run = pgcluster._as_owner()
    directory.mkdir(parents=True, exist_ok=True)
    if os.geteuid() == 0:
        shutil.chown(directory, "postgres")
    fresh = not (directory / "data").exists()
    if fresh:
        subprocess.run(
            [*run, f"{pg}/initdb", "-D", f"{directory}/data", "-A", "trust", "-U", "safezone", "-E", "UTF8"]
            + ["--no-locale", "--no-sync"],
            check=True,
            capture_output=True,
        )
    options = f"-k {directory} -c listen_addresses='' -c fsync=off -c synchronous_commit=off -c full_page_writes=off"
    status = subprocess.run([*run, f"{pg}/pg_ctl", "-D", f"{directory}/data", "status"], capture_output=True)
    if status.returncode != 0:
        subprocess.run(
            [*run, f"{pg}/pg_ctl", "-D", f"{directory}/data", "-l", f"{directory}/log", "-w", "-o", options, "start"],
            check=True,
            capture_output=True,
        )
    if fresh:
        subprocess.run(
            [*run, f"{pg}/createdb", "-h", str(directory), "-U", "safezone", "safezone"],
            check=True,
            capture_output=True,
        )
    return f"postgres://safezone@/safezone?host={directory}"


def _pg_stop_in(directory: Path) -> None:
    subprocess.run(
        [
            *pgcluster._as_owner(),
            f"{pgcluster.bin_dir()}/pg_ctl",
            "-D",
            f"{directory}/data",
            "-m",
            "fast",
            "-w",
            "stop",
        ],
        capture_output=True,
    )


@contextlib.contextmanager
def database(kind: str, keep: str | None):
    """(DATABASE_URL, the directory holding the database and the var directory)."""
    if keep:
        directory = Path(keep).resolve()
        directory.mkdir(parents=True, exist_ok=True)
        if kind == "sqlite":
            yield f"sqlite:///{directory}/bench.sqlite3", directory
            return
        url = _pg_start_in(directory)
        try:
            yield url, directory
        finally:
            _pg_stop_in(directory)
        return
    with tempfile.TemporaryDirectory(prefix="safezone-stats-bench.") as d:
        if kind == "sqlite":
            yield f"sqlite:///{d}/bench.sqlite3", Path(d)
        else:
            with pgcluster.cluster() as url:
                yield url, Path(d)


# --- memory ---------------------------------------------------------------------------------------
def _status(pid="self") -> dict:
    with open(f"/proc/{pid}/status") as fh:
        return {k: v.strip() for k, v in (line.split(":", 1) for line in fh if ":" in line)}


def peak_mb(pid="self") -> float:
    """The peak resident set since the last reset (VmHWM), in MB."""
    return int(_status(pid)["VmHWM"].split()[0]) / 1024


def reset_peak(pid="self") -> None:
    """Start a new peak: writing 5 to clear_refs resets VmHWM (Linux 4.0+)."""
    with contextlib.suppress(OSError), open(f"/proc/{pid}/clear_refs", "w") as fh:
        fh.write("5")


class Step:
    """Times a step and takes its peak memory (this process, and the PostgreSQL backend serving it)."""

    def __init__(self, name: str, results: dict):
        self.name, self.results = name, results

    def __enter__(self):
        from django.db import connection

        self.backend = None
        if connection.vendor == "postgresql":
            with connection.cursor() as cur:
                cur.execute("SELECT pg_backend_pid()")
                self.backend = cur.fetchone()[0]
            reset_peak(self.backend)
        reset_peak()
        print(f"-- {self.name}", flush=True)
        self.started = time.perf_counter()
        return self

    def __exit__(self, *exc):
        seconds = time.perf_counter() - self.started
        entry = {"seconds": round(seconds, 1), "peak_mb": round(peak_mb())}
        if self.backend:
            with contextlib.suppress(OSError, KeyError):
                entry["backend_peak_mb"] = round(peak_mb(self.backend))
        self.results.setdefault("steps", {})[self.name] = entry
        print(
            f"   {seconds:.1f} s, peak {entry['peak_mb']} MB"
            + (f" (PostgreSQL backend {entry['backend_peak_mb']} MB)" if "backend_peak_mb" in entry else ""),
            flush=True,
        )


# --- figures --------------------------------------------------------------------------------------
def percentile(values, p):
    values = sorted(values)
    return values[min(len(values) - 1, round(p / 100 * (len(values) - 1)))]


def p50_p95(ms: list[float]) -> dict:
    return {"p50": round(statistics.median(ms), 1), "p95": round(percentile(ms, 95), 1), "runs": len(ms)}


# --- set-up: territory, agencies, population --------------------------------------------------------
# Shares of a district's people by sex and age band (roughly Vologda oblast's, 2024).
POPULATION_SHARES = {
    "0-6": 0.075,
    "7-13": 0.085,
    "14-17": 0.045,
    "18-29": 0.12,
    "30-44": 0.21,
    "45-59": 0.19,
    "60+": 0.275,
}


def region_setup(today: dt.date) -> None:
    """The demo's territory, agencies and accounts, and population figures for every year."""
    from django.db import transaction

    from safezone.demo.services import _staff, database_is_empty
    from safezone.directory.models import Territory
    from safezone.directory.services import territory_load_file
    from safezone.stats.models import PopulationFigure

    if not database_is_empty():
        return
    territory_load_file()
    with transaction.atomic():
        _staff(1)
    figures = []
    for district in Territory.objects.filter(level=Territory.Level.DISTRICT):
        people = district.population or 10000
        for year in range(today.year - 3, today.year + 1):
            for band, share in POPULATION_SHARES.items():
                women = 0.54 if band in ("45-59", "60+") else 0.5
                for sex, part in (("F", women), ("M", 1 - women)):
                    figures.append(
                        PopulationFigure(
                            district=district,
                            year=year,
                            sex=sex,
                            age_band=band,
                            count=round(people * share * part),
                            source="benchmark",
                        )
                    )
    PopulationFigure.objects.bulk_create(figures)


# --- step 2: refresh throughput ---------------------------------------------------------------------
def refresh_throughput(cases: int, today: dt.date, results: dict) -> None:
    """Registers from the demo's writer, then a full and an incremental projection refresh."""
    from django.db import transaction
    from django.db.models import F
    from django.utils import timezone

    from safezone.accounts.models import User
    from safezone.assessments.models import Assessment
    from safezone.cases.models import Case, Closure, Incident, IncidentForm, Referral
    from safezone.demo.generator import DemoGenerator
    from safezone.demo.services import _ChunkWriter
    from safezone.stats.projection import projection_refresh

    if not Case.objects.exists():
        with Step("registers (demo writer, not measured as refresh)", results):
            users = {u.username: u for u in User.objects.filter(is_demo=True).prefetch_related("memberships")}
            writer = _ChunkWriter(users)
            generator = DemoGenerator(seed=1, today=today)
            for chunk in generator.chunks(cases, 2000):
                with transaction.atomic():
                    writer.write(chunk, generator.pool_keys())
    registers = {
        "cases": Case.objects.count(),
        "incidents": Incident.objects.count(),
        "incident_forms": IncidentForm.objects.count(),
    }
    print(f"   registers: {registers}", flush=True)
    # The registers were written a minute ago; as in a working system they are older than the last
    # refresh, so that the incremental refresh finds only what changed after it.
    day = dt.timedelta(days=1)
    Case.objects.update(updated_at=F("updated_at") - day)
    Incident.objects.update(created_at=F("created_at") - day)
    Assessment.objects.update(answered_at=F("answered_at") - day)
    Referral.objects.update(
        sent_at=F("sent_at") - day, answered_at=F("answered_at") - day, ended_at=F("ended_at") - day
    )
    Closure.objects.update(decided_at=F("decided_at") - day)
    with Step("refresh: full", results):
        done = projection_refresh(full=True, today=today)
    full = {r.domain: {"units": r.units, "facts": r.facts, "seconds": r.seconds} for r in done}
    # 1% of the cases change (a case kept open longer, a summary edited): the refresh rewrites them.
    ids = list(Case.objects.order_by("?").values_list("pk", flat=True)[: max(1, registers["cases"] // 100)])
    time.sleep(1)
    Case.objects.filter(pk__in=ids).update(updated_at=timezone.now(), summary="benchmark: changed")
    with Step("refresh: incremental, 1% of the cases changed", results):
        done = projection_refresh(full=False, today=today)
    incremental = {r.domain: {"units": r.units, "facts": r.facts, "seconds": r.seconds} for r in done}
    results["refresh"] = {"registers": registers, "full": full, "incremental": incremental, "changed": len(ids)}


# --- step 3: facts at scale --------------------------------------------------------------------------
class Sql:
    """The few things the two databases spell differently."""

    def __init__(self, vendor: str, start: dt.date):
        self.vendor, self.start = vendor, start

    def h(self, key: str, salt: int) -> str:
        """A deterministic pseudo-random non-negative integer from an integer key."""
        if self.vendor == "postgresql":
            return f"(hashint8extended(({key})::bigint, {salt}) & 9223372036854775807)"
        return f"bench_hash({key}, {salt})"

    def series(self, n: int, alias: str) -> str:
        """The numbers 0 to n - 1 as `alias`.g."""
        if self.vendor == "postgresql":
            return f"generate_series(0, {n - 1}) AS {alias}(g)"
        return (
            f"(WITH RECURSIVE r(g) AS (SELECT 0 UNION ALL SELECT g + 1 FROM r WHERE g < {n - 1}) SELECT g FROM r)"
            f" AS {alias}"
        )

    def day(self, offset: str) -> str:
        """The day `offset` days after the start."""
        if self.vendor == "postgresql":
            return f"(DATE '{self.start}' + ({offset})::int)"
        return f"date('{self.start}', '+' || ({offset}) || ' days')"

    def least(self, a: str, b: str) -> str:
        return f"LEAST({a}, {b})" if self.vendor == "postgresql" else f"min({a}, {b})"

    def hex24(self, high: str, low: str) -> str:
        """A 24-character hex pseudonym, as the projection's keyed hashes are, from two draws."""
        if self.vendor == "postgresql":
            return f"(lpad(to_hex({high}), 16, '0') || lpad(to_hex({low}), 8, '0'))"
        return f"printf('%016x%08x', {high}, {low})"

    def choose(self, draw: str, options: list) -> str:
        """One of [(value, weight)...] by a draw in [0, total weight)."""
        parts, cumulative = [], 0
        for value, weight in options[:-1]:
            cumulative += weight
            parts.append(f"WHEN {draw} < {cumulative} THEN {self.literal(value)}")
        return f"(CASE {' '.join(parts)} ELSE {self.literal(options[-1][0])} END)"

    def by_index(self, index: str, values: list) -> str:
        return f"(CASE {index} " + " ".join(f"WHEN {i} THEN {self.literal(v)}" for i, v in enumerate(values)) + " END)"

    def literal(self, value) -> str:
        if value is None:
            return "NULL"
        if isinstance(value, dt.date):
            return f"DATE '{value}'" if self.vendor == "postgresql" else f"'{value}'"
        if isinstance(value, int):
            return str(value)
        return "'" + str(value).replace("'", "''") + "'"


class Draws:
    """The pseudo-random draws of one statement, each computed once a row in an inner select (`s`)
    over numbered rows; the outer select builds the fact's columns from them."""

    def __init__(self, sql: Sql, source: str, keep: str = "g"):
        self.sql, self.source, self.keep, self.columns = sql, source, keep, {}

    def draw(self, key: str, salt: int, modulo: int | None = None, name: str | None = None) -> str:
        name = name or f"d{salt}"
        expr = self.sql.h(key, salt)
        self.columns[name] = f"{expr} % {modulo}" if modulo else expr
        return f"s.{name}"

    def pick(self, key: str, salt: int, options: list) -> str:
        return self.sql.choose(self.draw(key, salt, sum(w for _v, w in options)), options)

    def hex24(self, key: str, salt: int) -> str:
        return self.sql.hex24(self.draw(key, salt), self.draw(key, salt + 1, 4294967296))

    def inner(self) -> str:
        # OFFSET 0 keeps PostgreSQL from folding the inner select into the outer one (and so
        # computing a draw once for each time the outer select names it).
        fence = " OFFSET 0" if self.sql.vendor == "postgresql" else ""
        draws = ", ".join(f"{expr} AS {name}" for name, expr in self.columns.items())
        return f"(SELECT {self.keep}, {draws} FROM {self.source}{fence}) AS s"


def _month_starts(start: dt.date, count: int) -> list[dt.date]:
    months, day = [], start.replace(day=1)
    for _ in range(count):
        months.append(day)
        day = dt.date(day.year + (day.month == 12), day.month % 12 + 1, 1)
    return months


AGE_VICTIM = [
    ("0-6", 12),
    ("7-13", 14),
    ("14-17", 12),
    ("18-29", 18),
    ("30-44", 26),
    ("45-59", 12),
    ("60+", 4),
    ("", 2),
]
FORMS = [
    ("physical", 30),
    ("psychological", 35),
    ("sexual", 6),
    ("economic", 10),
    ("neglect", 10),
    ("stalking", 3),
    ("child_labour", 2),
    ("sexual_exploitation", 1),
    ("trafficking", 1),
    ("online", 2),
]
RELATIONSHIPS = [
    ("spouse", 30),
    ("partner", 17),
    ("former_partner", 10),
    ("parent", 12),
    ("guardian", 1),
    ("sibling", 3),
    ("other", 5),
    ("", 22),
]
ISSUES = [
    ("violence_physical", 14),
    ("violence_sexual", 4),
    ("violence_emotional", 10),
    ("neglect", 4),
    ("domestic_violence", 13),
    ("child_labour", 2),
    ("sexual_exploitation", 1),
    ("trafficking", 1),
    ("online_abuse", 5),
    ("missing_child", 2),
    ("mental_health", 12),
    ("suicidal", 4),
    ("physical_health", 3),
    ("relationships", 12),
    ("education_work", 4),
    ("discrimination", 2),
    ("sexuality", 2),
    ("legal", 5),
]
CONTACT_TYPES = [("self", 22), ("child", 15), ("adult", 8), ("silent", 14), ("hang_up", 11), ("wrong_number", 6)]
CONTACT_TYPES += [("abusive", 4), ("thanks", 6), ("question", 10), ("complaint", 4)]
HOTLINE_AGES = [("0-5", 1), ("6-11", 8), ("12-14", 14), ("15-17", 14), ("18-24", 12), ("25-44", 25), ("45-64", 11)]
HOTLINE_AGES += [("65+", 5), ("", 10)]
CASE_COLUMNS = ["unit", "subject", "district_id", "agency_id", "agency_kind", "sex", "age_band"]


class FactGenerator:
    """The statements that write the projection's facts at scale: a table of the cases' own
    columns first (each case drawn once), then one INSERT ... SELECT per data element."""

    def __init__(self, sql: Sql, *, cases: int, incidents: int, contacts: int, today: dt.date):
        from safezone.directory.models import Agency, Territory

        self.sql, self.today = sql, today
        self.days = (today - sql.start).days + 1
        self.n_cases, self.n_incidents, self.n_contacts = cases, incidents, contacts
        self.districts = list(
            Territory.objects.filter(level=Territory.Level.DISTRICT).order_by("pk").values_list("pk", "population")
        )
        self.districts = [(pk, pop or 10000) for pk, pop in self.districts]
        owners = {"crisis_centre": 20, "social_protection": 40, "police": 25, "youth_commission": 10, "ngo": 5}
        agencies = list(Agency.objects.filter(kind__in=owners).order_by("pk").values_list("pk", "kind"))
        counts = {k: sum(1 for _p, kk in agencies if kk == k) for k in owners}
        self.agency_ids = [(pk, round(1000 * owners[k] / counts[k])) for pk, k in agencies]
        self.agency_kinds = [(k, round(1000 * owners[k] / counts[k])) for _pk, k in agencies]
        self.crisis = [pk for pk, k in agencies if k == "crisis_centre"]
        self.months = _month_starts(sql.start, (today.year - sql.start.year) * 12 + today.month - sql.start.month + 1)
        self.statements: list[tuple[str, str]] = []

    def add(self, label: str, table: str, draws: Draws | None, values: dict, *, source="", where="") -> None:
        row = {col: values.get(col, "''") for col in COLUMNS}
        row["value"] = values.get("value", "1")
        for col in ("district_id", "agency_id"):
            row[col] = values.get(col, "NULL")
        source = draws.inner() + source if draws else source
        self.statements.append(
            (
                label,
                f"INSERT INTO {table} ({', '.join(COLUMNS)}) SELECT {', '.join(row[c] for c in COLUMNS)} FROM {source}"
                + (f" WHERE {where}" if where else ""),
            )
        )

    def case_table(self) -> list[str]:
        """bench_case: each case's number and the columns its facts share."""
        s = self.sql
        d = Draws(s, s.series(self.n_cases, "n"))
        columns = {
            "unit": d.hex24("g", 9),
            "subject": s.hex24(
                d.draw(f"{s.h('g', 11)} % {max(1, int(self.n_cases * 0.85))}", 12),
                d.draw(f"{s.h('g', 11)} % {max(1, int(self.n_cases * 0.85))}", 13, 4294967296),
            ),
            "district_id": d.pick("g", 1, self.districts),
            # The agency and its kind from the same draw, so that they agree.
            "agency_id": d.pick("g", 2, self.agency_ids),
            "agency_kind": s.choose("s.d2", self.agency_kinds),
            "sex": d.pick("g", 4, [("F", 78), ("M", 20), ("", 2)]),
            "age_band": d.pick("g", 5, AGE_VICTIM),
            "kind": d.pick("g", 3, [("dv", 60), ("child", 30), ("labour", 5), ("trafficking", 5)]),
            "opened": d.draw("g", 6, self.days),
        }
        select = ", ".join(f"{expr} AS {name}" for name, expr in columns.items())
        return [
            "DROP TABLE IF EXISTS bench_case",
            f"CREATE TEMP TABLE bench_case AS SELECT s.g AS c, {select} FROM {d.inner()}",
            "CREATE UNIQUE INDEX bench_case_c ON bench_case (c)",
            "ANALYZE bench_case",
        ]

    def build(self) -> list[tuple[str, str]]:
        s, n_cases = self.sql, self.n_cases
        last = self.days - 1
        of_case = {c: f"b.{c}" for c in CASE_COLUMNS}
        join = " JOIN bench_case AS b ON b.c = s.c"
        # Cases opened and closed.
        self.add(
            "cases_opened",
            "stats_casefact",
            None,
            {**of_case, "element": "'cases_opened'", "day": s.day("b.opened"), "category": "b.kind"},
            source="bench_case AS b",
        )
        d = Draws(s, s.series(n_cases, "n"), keep="g, g AS c")
        closed, after = d.draw("g", 7, 100), d.draw("g", 8, 180)
        self.add(
            "cases_closed",
            "stats_casefact",
            d,
            {**of_case, "element": "'cases_closed'", "day": s.day(f"b.opened + {after}"), "category": "b.kind"},
            source=join,
            where=f"{closed} < 70 AND b.opened + {after} <= {last}",
        )

        # Incidents of a case, and each of their forms (a second form for 60%).
        def incident(d: Draws) -> dict:
            d.draw("g", 20, n_cases, name="c")
            return {
                **of_case,
                "day": s.day(s.least(str(last), f"b.opened + {d.draw('g', 21, 60)}")),
                "perpetrator_sex": d.pick("g", 22, [("M", 85), ("F", 12), ("", 3)]),
                "perpetrator_age_band": d.pick(
                    "g", 23, [("14-17", 3), ("18-29", 22), ("30-44", 45), ("45-59", 20), ("60+", 5), ("", 5)]
                ),
                "relationship": d.pick("g", 24, RELATIONSHIPS),
            }

        d = Draws(s, s.series(self.n_incidents, "n"))
        values = incident(d)
        self.add(
            "incidents",
            "stats_casefact",
            d,
            {**values, "element": "'incidents'", "category": d.pick("g", 25, [("police", 48), ("not_reported", 52)])},
            source=join,
        )
        d = Draws(
            s, f"{s.series(self.n_incidents, 'n')} CROSS JOIN (SELECT 0 AS k UNION ALL SELECT 1) AS two", keep="g, k"
        )
        values = incident(d)
        first, second, has_second = d.pick("g", 30, FORMS), d.pick("g", 32, FORMS), d.draw("g", 31, 100)
        self.add(
            "incident_forms",
            "stats_casefact",
            d,
            {**values, "element": "'incident_forms'", "form": f"(CASE s.k WHEN 0 THEN {first} ELSE {second} END)"},
            source=join,
            where=f"s.k = 0 OR {has_second} < 60",
        )
        # Assessments: about 1.2 a case.
        d = Draws(s, s.series(int(n_cases * 1.2), "n"))
        d.draw("g", 40, n_cases, name="c")
        form, x = d.pick("g", 42, [("dv_risk", 60), ("child_at_risk", 30), ("child_labour", 10)]), d.draw("g", 43, 100)
        self.add(
            "assessments",
            "stats_casefact",
            d,
            {
                **of_case,
                "element": "'assessments'",
                "day": s.day(s.least(str(last), f"b.opened + {d.draw('g', 41, 30)}")),
                "form": form,
                "category": (
                    f"(CASE {form} WHEN 'dv_risk' THEN (CASE WHEN {x} < 50 THEN 'standard' WHEN {x} < 80 THEN 'medium'"
                    f" ELSE 'high' END) WHEN 'child_at_risk' THEN (CASE WHEN {x} < 30 THEN 'no_concern' WHEN {x} < 75"
                    f" THEN 'concern' ELSE 'socially_dangerous' END) ELSE (CASE WHEN {x} < 70 THEN 'harmful'"
                    " ELSE 'severe' END) END)"
                ),
            },
            source=join,
        )
        # Meeting referrals: 5% of the cases.
        d = Draws(s, s.series(max(1, n_cases // 20), "n"))
        d.draw("g", 50, n_cases, name="c")
        self.add(
            "meeting_referrals",
            "stats_casefact",
            d,
            {
                **of_case,
                "element": "'meeting_referrals'",
                "day": s.day(s.least(str(last), f"b.opened + {d.draw('g', 51, 30)}")),
                "category": d.pick(
                    "g", 52, [("high_risk", 60), ("police_incidents", 15), ("repeat", 20), ("judgement", 5)]
                ),
            },
            source=join,
        )

        # Referrals to agencies, about 1.2 a case, and those accepted within 5 days.
        def referral(d: Draws) -> dict:
            d.draw("g", 60, n_cases, name="c")
            return {
                "unit": "b.unit",
                "district_id": "b.district_id",
                "agency_id": "b.agency_id",
                "day": s.day(s.least(str(last), f"b.opened + {d.draw('g', 61, 10)}")),
                "agency_kind": d.pick(
                    "g",
                    63,
                    [("social_protection", 35), ("health", 20), ("police", 15), ("shelter", 10), ("crisis_centre", 10)]
                    + [("education", 5), ("ngo", 5)],
                ),
            }

        statuses = [("completed", 50), ("accepted", 25), ("declined", 10), ("revoked", 5), ("pending", 10)]
        d = Draws(s, s.series(int(n_cases * 1.2), "n"))
        values = referral(d)
        self.add(
            "referrals",
            "stats_casefact",
            d,
            {**values, "element": "'referrals'", "category": d.pick("g", 62, statuses)},
            source=join,
        )
        d = Draws(s, s.series(int(n_cases * 1.2), "n"))
        values = referral(d)
        self.add(
            "referrals_accepted_5d",
            "stats_casefact",
            d,
            {**values, "element": "'referrals_accepted_5d'"},
            source=join,
            # accepted or completed (the first 75 of the statuses' 100), 80% of them within 5 days
            where=f"{d.draw('g', 62, 100)} < 75 AND {d.draw('g', 64, 100)} < 80",
        )

        # Helpline contacts and their issues (a second issue for 30%).
        def contact(d: Draws) -> dict:
            callers = max(1, int(self.n_contacts * 0.6))
            agency = d.pick("g", 77, [*((pk, 1) for pk in self.crisis), (None, max(1, len(self.crisis)))])
            return {
                "unit": d.hex24("g", 70),
                "subject": s.hex24(
                    d.draw(f"{s.h('g', 72)} % {callers}", 73), d.draw(f"{s.h('g', 72)} % {callers}", 74, 4294967296)
                ),
                "day": s.day(d.draw("g", 75, self.days)),
                "district_id": d.pick("g", 76, [*self.districts, (None, sum(p for _d, p in self.districts) // 9)]),
                "agency_id": agency,
                "agency_kind": f"(CASE WHEN {agency} IS NULL THEN '' ELSE 'crisis_centre' END)",
                "sex": d.pick("g", 78, [("F", 55), ("M", 30), ("", 15)]),
                "age_band": d.pick("g", 79, HOTLINE_AGES),
            }

        d = Draws(s, s.series(self.n_contacts, "n"))
        values = contact(d)
        self.add(
            "contacts",
            "stats_contactfact",
            d,
            {**values, "element": "'contacts'", "category": d.pick("g", 80, CONTACT_TYPES)},
        )
        d = Draws(
            s, f"{s.series(self.n_contacts, 'n')} CROSS JOIN (SELECT 0 AS k UNION ALL SELECT 1) AS two", keep="g, k"
        )
        values = contact(d)
        first, second, has_second = d.pick("g", 81, ISSUES), d.pick("g", 82, ISSUES), d.draw("g", 83, 100)
        self.add(
            "contact_issues",
            "stats_contactfact",
            d,
            {**values, "element": "'contact_issues'", "category": f"(CASE s.k WHEN 0 THEN {first} ELSE {second} END)"},
            where=f"s.k = 0 OR {has_second} < 30",
        )
        # Shelter stays (2% of the cases), one row per month stayed (1 to 4 months).
        months = self.months
        d = Draws(
            s,
            f"{s.series(max(1, n_cases // 50), 'n')} CROSS JOIN (SELECT 0 AS k UNION ALL SELECT 1 UNION ALL SELECT 2"
            " UNION ALL SELECT 3) AS four",
            keep="g, k",
        )
        m = f"({d.draw('g', 90, len(months))} + s.k)"
        self.add(
            "shelter_nights",
            "stats_servicefact",
            d,
            {
                "element": "'shelter_nights'",
                "unit": d.hex24("g", 91),
                "subject": d.hex24("g", 93),
                "day": s.by_index(m, months),
                "district_id": d.pick("g", 95, self.districts),
                "agency_id": d.pick("g", 96, [(pk, 1) for pk in self.crisis] or [(None, 1)]),
                "agency_kind": "'shelter'",
                "sex": d.pick("g", 97, [("F", 70), ("M", 30)]),
                "age_band": d.pick("g", 98, [("0-6", 20), ("7-13", 15), ("14-17", 5), ("18-29", 25), ("30-44", 30)]),
                "value": f"(1 + {d.draw('g', 99, 30)})",
            },
            where=f"s.k <= {d.draw('g', 94, 4)} AND {m} < {len(months)}",
        )
        # Children in the child-labour chain (1% of the cases): one row a month since identified.
        d = Draws(
            s,
            f"{s.series(max(1, n_cases // 100), 'child')} CROSS JOIN {s.series(len(months), 'month')}",
            keep="child.g AS g, month.g AS m",
        )
        since = f"(s.m - {d.draw('child.g', 100, len(months))})"
        self.add(
            "children_in_chain",
            "stats_labourfact",
            d,
            {
                "element": "'children_in_chain'",
                "unit": d.hex24("child.g", 101),
                "subject": d.hex24("child.g", 103),
                "day": s.by_index("s.m", months),
                "district_id": d.pick("child.g", 105, self.districts),
                "agency_id": d.pick("child.g", 106, [(pk, 1) for pk, _w in self.agency_ids]),
                "sex": d.pick("child.g", 107, [("F", 40), ("M", 60)]),
                "age_band": d.pick("child.g", 108, [("7-13", 35), ("14-17", 65)]),
                "form": d.pick(
                    "child.g", 109, [("hazardous", 80), ("illicit", 10), ("sexual_exploitation", 5), ("slavery", 5)]
                ),
                "category": (
                    f"(CASE WHEN {d.draw('child.g', 110, 100)} < 5 AND {since} >= 6 THEN 'back_at_work'"
                    f" WHEN {since} = 0 THEN 'identified' WHEN {since} = 1 THEN 'referred' WHEN {since} < 4"
                    f" THEN 'protected' WHEN {since} < 6 THEN 'verified' WHEN {since} < 12 THEN 'tracking'"
                    " ELSE 'closed' END)"
                ),
            },
            where=f"{since} >= 0",
        )
        # Pupils flagged in a school quarter: 4 pupils for every 100 cases, flagged in 40% of quarters.
        from safezone.schools.calendar import quarter_bounds

        quarters = [
            quarter_bounds(year, q)[0]
            for year in range(s.start.year - 1, self.today.year + 1)
            for q in (1, 2, 3, 4)
            if s.start <= quarter_bounds(year, q)[0] <= self.today
        ]
        d = Draws(
            s,
            f"{s.series(max(1, n_cases // 25), 'pupil')} CROSS JOIN {s.series(len(quarters), 'quarter')}",
            keep="pupil.g AS g, quarter.g AS q",
        )
        self.add(
            "flagged_pupils",
            "stats_schoolfact",
            d,
            {
                "element": "'flagged_pupils'",
                "unit": d.hex24("pupil.g", 111),
                "subject": d.hex24("pupil.g", 113),
                "day": s.by_index("s.q", quarters),
                "district_id": d.pick("pupil.g", 115, self.districts),
                "agency_id": d.pick("pupil.g", 116, [(pk, 1) for pk, _w in self.agency_ids]),
                "agency_kind": "'school'",
                "sex": d.pick("pupil.g", 117, [("F", 45), ("M", 55)]),
                "age_band": d.pick("pupil.g", 118, [("7-13", 55), ("14-17", 45)]),
                "category": d.pick("pupil.g * 64 + quarter.g", 119, [("at_risk", 70), ("high", 30)]),
            },
            where=f"{d.draw('pupil.g * 64 + quarter.g', 120, 100)} < 40",
        )
        self.statements.append(
            (
                "support_plans",
                f"INSERT INTO stats_schoolfact ({', '.join(COLUMNS)}) SELECT 'support_plans', unit, subject, day,"
                " district_id, agency_id, agency_kind, sex, age_band, '', '', '', '', '', 1 FROM stats_schoolfact"
                " WHERE element = 'flagged_pupils' AND category = 'high'",
            )
        )
        return self.statements

    def place_nights(self) -> int:
        """Each shelter's place-nights in each month (a few hundred rows, written from Python)."""
        from safezone.stats.models import ServiceFact
        from safezone.stats.periods import month_of

        rows = []
        for month in self.months:
            period = month_of(month)
            days = (min(period.end, self.today + dt.timedelta(days=1)) - period.start).days
            for shelter in range(12):
                rows.append(
                    ServiceFact(
                        element="shelter_place_nights",
                        unit=hashlib.sha256(f"shelter{shelter}".encode()).hexdigest()[:24],
                        day=month,
                        district_id=self.districts[shelter * 7 % len(self.districts)][0],
                        agency_id=self.crisis[0] if self.crisis else None,
                        agency_kind="shelter",
                        value=(10 + shelter * 3) * days,
                    )
                )
        ServiceFact.objects.bulk_create(rows)
        return len(rows)


def _bench_hash(key, salt) -> int:
    digest = hashlib.blake2b(f"{key}:{salt}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big") >> 1


def generate_facts(args, today: dt.date, results: dict) -> None:
    from django.db import connection, transaction

    # Three years of days: from the first of the month after today's, three years back.
    start = _month_starts(dt.date(today.year - 3, today.month, 1), 2)[1]
    sql = Sql(connection.vendor, start)
    if connection.vendor == "sqlite":
        connection.ensure_connection()
        connection.connection.create_function("bench_hash", 2, _bench_hash, deterministic=True)
    gen = FactGenerator(sql, cases=args.cases, incidents=args.incidents, contacts=args.contacts, today=today)
    statements = gen.build()
    timings = {}
    with connection.cursor() as cur:
        if connection.vendor == "postgresql":
            cur.execute("SET work_mem = '512MB'")  # the joins to bench_case in memory (generation only)
        started = time.perf_counter()
        for statement in gen.case_table():
            cur.execute(statement)
        timings["bench_case (the cases' columns)"] = {
            "rows": args.cases,
            "seconds": round(time.perf_counter() - started, 1),
        }
        indexes = []
        if connection.vendor == "postgresql":
            # Rows first, indexes after: a bulk load builds each index once, sorted.
            cur.execute(
                "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = ANY(%s) AND indexname NOT LIKE %s",
                [FACT_TABLES, "%_pkey"],
            )
            indexes = cur.fetchall()
            for table in FACT_TABLES:
                cur.execute(f"TRUNCATE {table}")
            for name, _definition in indexes:
                cur.execute(f'DROP INDEX "{name}"')
        else:
            for table in FACT_TABLES:
                cur.execute(f"DELETE FROM {table}")
        for label, statement in statements:
            started = time.perf_counter()
            with transaction.atomic():
                cur.execute(statement)
                rows = cur.rowcount
            seconds = time.perf_counter() - started
            timings[label] = {"rows": rows, "seconds": round(seconds, 1)}
            print(f"   {label:<22} {rows:>11,} rows {seconds:7.1f} s", flush=True)
        timings["shelter_place_nights"] = {"rows": gen.place_nights(), "seconds": 0}
        cur.execute("DROP TABLE bench_case")
        if connection.vendor == "postgresql":
            cur.execute("RESET work_mem")
        started = time.perf_counter()
        for _name, definition in indexes:
            cur.execute(definition)
        index_seconds = time.perf_counter() - started
        started = time.perf_counter()
        for table in FACT_TABLES:
            cur.execute(f"ANALYZE {table}")
        analyze_seconds = time.perf_counter() - started
        sizes = {}
        for table in FACT_TABLES:
            cur.execute(f"SELECT count(*) FROM {table}")
            sizes[table] = cur.fetchone()[0]
        if connection.vendor == "postgresql":
            cur.execute("SELECT pg_size_pretty(pg_database_size(current_database()))")
            results["database_size"] = cur.fetchone()[0]
        else:
            results["database_size"] = f"{os.path.getsize(connection.settings_dict['NAME']) / 1048576:.0f} MB"
    results["generation"] = {
        "elements": timings,
        "index_seconds": round(index_seconds, 1),
        "analyze_seconds": round(analyze_seconds, 1),
        "rows": sizes,
    }
    print(f"   indexes {index_seconds:.1f} s, ANALYZE {analyze_seconds:.1f} s; rows {sizes}", flush=True)


# The proposal: the dashboard's queries read one element over a period, and need the columns they
# group by and count, so an index on (element, day) that carries them answers a quarter with an
# index-only scan of its own rows instead of a scan of the whole table.
COVERED = (
    "district_id, agency_id, sex, age_band, perpetrator_sex, perpetrator_age_band, relationship, form, category, value"
)


def covering_indexes(wanted: bool) -> None:
    from django.db import connection

    with connection.cursor() as cur:
        for table in ("stats_casefact", "stats_contactfact"):
            name = f"bench_{table.split('_')[1]}_cover"
            if not wanted:
                cur.execute(f"DROP INDEX IF EXISTS {name}")
                continue
            cur.execute("SELECT 1 FROM pg_indexes WHERE indexname = %s", [name])
            if cur.fetchone():
                continue
            cur.execute("SET maintenance_work_mem = '1GB'")
            cur.execute(f"CREATE INDEX {name} ON {table} (element, day) INCLUDE ({COVERED})")
            # Index-only scans need the visibility map, which VACUUM writes (autovacuum would, later).
            cur.execute(f"VACUUM (ANALYZE) {table}")


def settings_for_every_connection(values: dict) -> None:
    """SET these on this connection and on any the process opens later (Django may reconnect)."""
    from django.db import connection
    from django.db.backends.signals import connection_created

    def apply(sender, connection, **kwargs):
        if connection.vendor == "postgresql":
            with connection.cursor() as cur:
                for name, value in values.items():
                    cur.execute(f"SET {name} = {value}")

    connection_created.connect(apply, weak=False)
    apply(None, connection)


# --- step 4: the dashboard ----------------------------------------------------------------------------
def dashboard_queries(period, today):
    """(label, call) for each query of the main dashboard, as the dashboard makes them."""
    from safezone.stats.figures import figure
    from safezone.stats.periods import recent_periods
    from safezone.stats.selectors import indicator_values, indicators_current

    quarters = recent_periods(period.last_day, "quarter", 8)
    queries = [
        ("cases_opened by district", lambda: figure("cases_opened", period, rows="district", today=today)),
        ("incident_forms by form", lambda: figure("incident_forms", period, rows="form", today=today)),
        ("incidents by relationship", lambda: figure("incidents", period, rows="relationship", today=today)),
        (
            "incidents by sex x age band",
            lambda: figure("incidents", period, rows="age_band", columns="sex", today=today),
        ),
        ("incidents, trend of 8 quarters", lambda: [figure("incidents", q, today=today) for q in quarters]),
        ("meeting_referrals by category", lambda: figure("meeting_referrals", period, rows="category", today=today)),
        ("contact_issues by category", lambda: figure("contact_issues", period, rows="category", today=today)),
        ("flagged_pupils by category", lambda: figure("flagged_pupils", period, rows="category", today=today)),
        ("children_in_chain by category", lambda: figure("children_in_chain", period, rows="category", today=today)),
    ]
    for ind in indicators_current():
        queries.append(
            (
                f"indicator {ind.code} by district",
                lambda code=ind.code: indicator_values(code, period, by_district=True, today=today),
            )
        )
    return queries


def measure_page(period, runs: int) -> dict:
    """The whole dashboard page as the analyst gets it (decision, audit event, figures, charts, HTML)."""
    from django.test import Client

    from safezone.accounts.models import User

    client = Client(SERVER_NAME="localhost")  # an allowed host outside the test runner
    client.force_login(User.objects.get(username="analyst"))
    url = f"/stats/?kind=quarter&period={period.code}"

    def get():
        response = client.get(url)
        assert response.status_code == 200, response.status_code

    for _ in range(2):
        get()
    ms = []
    for _ in range(runs):
        started = time.perf_counter()
        get()
        ms.append((time.perf_counter() - started) * 1000)
    return {"url": url, **p50_p95(ms)}


def measure_dashboard(queries, runs: int) -> tuple[dict, dict]:
    """p50/p95 per query and for the whole dashboard; and the fact SQL each query sent."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    captured = {}
    for label, call in queries:  # warm-up run 1, capturing the SQL
        with CaptureQueriesContext(connection) as ctx:
            call()
        captured[label] = [q["sql"] for q in ctx.captured_queries if any(t in q["sql"] for t in FACT_TABLES)]
    for _label, call in queries:  # warm-up run 2
        call()
    times = {label: [] for label, _c in queries}
    whole = []
    for _ in range(runs):
        total = 0.0
        for label, call in queries:
            started = time.perf_counter()
            call()
            ms = (time.perf_counter() - started) * 1000
            times[label].append(ms)
            total += ms
        whole.append(total)
    result = {label: p50_p95(ms) for label, ms in times.items()}
    result["whole dashboard"] = p50_p95(whole)
    return result, captured


# --- step 5: the quarterly report ----------------------------------------------------------------------
def report_call(period, today):
    """(description, call): the report module's PDF builder when it exists, else its figure calls."""
    try:
        from safezone.stats.report import report_pdf
    except ImportError:
        report_pdf = None
    if report_pdf is not None:

        def pdf():
            data, pages = report_pdf(period, today=today)
            return {"bytes": len(data), "pages": pages}

        return "safezone.stats.report.report_pdf(period, today=...), the whole PDF", pdf
    from safezone.stats.definitions import ELEMENTS
    from safezone.stats.figures import figure
    from safezone.stats.selectors import indicator_values, indicators_current

    def figures():
        n = 0
        for code, (_domain, _agg, dims, *_rest) in ELEMENTS.items():
            if code == "population":
                continue
            for p in (period, period.previous(), period.same_last_year()):
                figure(code, p, rows="district", today=today)
                n += 1
            for dim in dims:
                if dim != "district":
                    figure(code, period, rows=dim, today=today)
                    n += 1
            if "sex" in dims and "age_band" in dims:
                figure(code, period, rows="age_band", columns="sex", today=today)
                n += 1
        for ind in indicators_current():
            for p in (period, period.previous(), period.same_last_year()):
                indicator_values(ind.code, p, by_district=True, today=today)
                n += 1
        return n

    return "figure calls of a quarterly report (no PDF builder found in safezone.stats.report)", figures


# --- step 6: DuckDB -------------------------------------------------------------------------------------
def duckdb_copy(path: Path, results: dict) -> "object":
    """Copy the fact tables into a DuckDB file: the database writes CSV, DuckDB reads it."""
    import duckdb
    from django.db import connection

    if path.exists():
        path.unlink()
    duck = duckdb.connect(str(path))
    columns = ", ".join(f"'{c}': '{DUCK_TYPES.get(c, 'VARCHAR')}'" for c in EXPORTED)
    export = import_ = 0.0
    with tempfile.TemporaryDirectory(prefix="safezone-stats-copy.", dir=path.parent) as tmp:
        for table in FACT_TABLES:
            csv_path = Path(tmp) / f"{table}.csv"
            started = time.perf_counter()
            with open(csv_path, "wb") as out:
                if connection.vendor == "postgresql":
                    raw = connection.connection
                    with (
                        raw.cursor() as cur,
                        cur.copy(
                            f"COPY (SELECT {', '.join(EXPORTED)} FROM {table}) TO STDOUT WITH (FORMAT csv)"
                        ) as copy,
                    ):
                        for data in copy:
                            out.write(data)
                else:
                    import csv
                    import io

                    with connection.cursor() as cur:
                        cur.execute(f"SELECT {', '.join(EXPORTED)} FROM {table}")
                        while chunk := cur.fetchmany(20000):
                            buf = io.StringIO()
                            csv.writer(buf).writerows(chunk)
                            out.write(buf.getvalue().encode())
            export += time.perf_counter() - started
            started = time.perf_counter()
            # Text columns are never NULL in the database: an empty CSV field is '' there.
            select = ", ".join(f"coalesce({c}, '') AS {c}" if c not in DUCK_TYPES else c for c in EXPORTED)
            duck.execute(
                f"CREATE TABLE {table} AS SELECT {select} FROM read_csv('{csv_path}', header = false,"
                f" columns = {{{columns}}}, nullstr = '')"
            )
            import_ += time.perf_counter() - started
            csv_path.unlink()
        duck.execute("CHECKPOINT")
    results["duckdb_copy"] = {
        "export_seconds": round(export, 1),
        "load_seconds": round(import_, 1),
        "total_seconds": round(export + import_, 1),
        "file_mb": round(path.stat().st_size / 1048576),
    }
    print(f"   copy: {results['duckdb_copy']}", flush=True)
    return duck


def measure_sql(captured: dict, runs: int, duck) -> tuple[dict, dict]:
    """The dashboard's fact SQL, bare: in the database and in DuckDB, p50/p95 per dashboard query."""
    from django.db import connection

    def run_db(sqls):
        with connection.cursor() as cur:
            for q in sqls:
                cur.execute(q)
                cur.fetchall()

    def run_duck(sqls):
        for q in sqls:
            duck.execute(q).fetchall()

    out = {}
    for name, runner in (("database", run_db), ("duckdb", run_duck)):
        times = {label: [] for label in captured}
        whole = []
        for sqls in captured.values():
            runner(sqls)  # warm-up
        for _ in range(runs):
            total = 0.0
            for label, sqls in captured.items():
                started = time.perf_counter()
                runner(sqls)
                ms = (time.perf_counter() - started) * 1000
                times[label].append(ms)
                total += ms
            whole.append(total)
        out[name] = {label: p50_p95(ms) for label, ms in times.items()}
        out[name]["whole dashboard"] = p50_p95(whole)
    return out["database"], out["duckdb"]


# --- main -------------------------------------------------------------------------------------------------
def machine() -> str:
    with open("/proc/meminfo") as fh:
        mem_gb = int(fh.readline().split()[1]) / 1024 / 1024
    return (
        f"{platform.system()} {platform.machine()}, {os.cpu_count()} cores, {mem_gb:.0f} GB RAM, "
        f"Python {platform.python_version()}"
    )


def command(args) -> str:
    parts = [
        ".venv/bin/python bench/stats_scale.py",
        f"--cases {args.cases}",
        f"--incidents {args.incidents}",
        f"--contacts {args.contacts}",
        f"--db {args.db}",
        f"--refresh-cases {args.refresh_cases}",
    ]
    if args.runs != 20:
        parts.append(f"--runs {args.runs}")
    if args.report_runs != 3:
        parts.append(f"--report-runs {args.report_runs}")
    if args.today != "2026-11-30":
        parts.append(f"--today {args.today}")
    if args.page_runs is not None:
        parts.append(f"--page-runs {args.page_runs}")
    if args.no_duckdb:
        parts.append("--no-duckdb")
    if args.covering_index:
        parts.append("--covering-index")
    if args.jit:
        parts.append(f"--jit {args.jit}")
    if args.work_mem:
        parts.append(f"--work-mem {args.work_mem}")
    return " ".join(parts)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=1_000_000)
    parser.add_argument("--incidents", type=int, default=6_000_000)
    parser.add_argument("--contacts", type=int, default=4_000_000)
    parser.add_argument("--db", choices=["postgresql", "sqlite"], default="postgresql")
    parser.add_argument("--keep", metavar="DIR", help="keep the database in DIR (and reuse its facts when run again)")
    parser.add_argument("--refresh-cases", type=int, default=50_000, help="registers for the refresh (0: skip)")
    parser.add_argument("--runs", type=int, default=20, help="timed runs of the dashboard")
    parser.add_argument("--report-runs", type=int, default=3)
    parser.add_argument("--today", default="2026-11-30")
    parser.add_argument("--page-runs", type=int, help="timed runs of the dashboard page (default: --runs)")
    parser.add_argument("--no-duckdb", action="store_true")
    parser.add_argument(
        "--covering-index",
        action="store_true",
        help="PostgreSQL: add the benchmark's own covering indexes on (element, day) (as proposed before the "
        "models carried them, migration stats 0002); without this flag they are dropped",
    )
    parser.add_argument("--jit", choices=["on", "off"], help="PostgreSQL: jit for the measuring connection")
    parser.add_argument("--work-mem", help="PostgreSQL: work_mem for the measuring connection (e.g. 64MB)")
    parser.add_argument("--json", help="also write the results to this file")
    args = parser.parse_args()
    today = dt.date.fromisoformat(args.today)
    print(f"# {command(args)}", flush=True)
    print(f"# {machine()}; started {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC", flush=True)

    with database(args.db, args.keep) as (url, directory):
        os.environ["DATABASE_URL"] = url
        os.environ["SAFEZONE_VAR_DIR"] = str(directory / "var")
        os.environ["SAFEZONE_DEMO"] = "1"  # the demo analyst may sign in (the dashboard page)
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "safezone.settings")
        import django

        django.setup()
        from django.core.management import call_command
        from django.db import connection

        from safezone.stats.periods import period_containing

        state_path = directory / "stats_scale.json"
        key = {"cases": args.cases, "incidents": args.incidents, "contacts": args.contacts, "today": args.today}
        stored = json.loads(state_path.read_text()) if state_path.exists() else {}
        results = {"command": command(args), "machine": machine(), "database": args.db, "date": f"{dt.date.today()}"}
        reuse = stored.get("key") == key
        with Step("migrate and region", results):
            call_command("migrate", verbosity=0)
            region_setup(today)
        if connection.vendor == "postgresql":
            with connection.cursor() as cur:
                cur.execute("SELECT version()")
                results["server"] = cur.fetchone()[0].split(" on ")[0]
                cur.execute("SHOW work_mem")
                results["work_mem"] = cur.fetchone()[0]
                cur.execute("SHOW shared_buffers")
                results["shared_buffers"] = cur.fetchone()[0]
        if reuse:
            results["refresh"] = stored.get("refresh")
            results["generation"] = stored.get("generation")
            results["database_size"] = stored.get("database_size")
            print("-- reusing the facts generated before in", directory, flush=True)
        else:
            if args.refresh_cases:
                refresh_throughput(args.refresh_cases, today, results)
            with Step("generate facts", results):
                generate_facts(args, today, results)
            if args.keep:
                state_path.write_text(
                    json.dumps(
                        {
                            "key": key,
                            "refresh": results.get("refresh"),
                            "generation": results["generation"],
                            "database_size": results.get("database_size"),
                        }
                    )
                )
        if connection.vendor == "postgresql":
            with Step("covering indexes" if args.covering_index else "no covering indexes", results):
                covering_indexes(args.covering_index)
            session = {"jit": args.jit, "work_mem": args.work_mem and f"'{args.work_mem}'"}
            if any(session.values()):
                settings_for_every_connection({k: v for k, v in session.items() if v})
        results["covering_index"] = bool(args.covering_index)
        results["jit"] = args.jit
        if args.work_mem:
            results["work_mem"] = args.work_mem
        results["load_average_before"] = round(os.getloadavg()[0], 2)
        period = period_containing(today, "quarter").previous()
        results["period"] = period.code
        queries = dashboard_queries(period, today)
        with Step(f"dashboard, {period.code}, {args.runs} runs", results):
            results["dashboard"], captured = measure_dashboard(queries, args.runs)
        print_times(results["dashboard"])
        page_runs = args.runs if args.page_runs is None else args.page_runs
        with Step(f"dashboard page, {page_runs} runs", results):
            try:
                results["page"] = measure_page(period, page_runs)
            except Exception as exc:  # the page is another helper's work in progress: report, go on
                results["page"] = {"url": "/stats/", "error": repr(exc)[:300], "p50": 0, "p95": 0}
        print(f"   {results['page']}", flush=True)
        description, call = report_call(period, today)
        with Step("quarterly report", results):
            runs = []
            for _ in range(args.report_runs):
                started = time.perf_counter()
                made = call()
                runs.append(time.perf_counter() - started)
            results["report"] = {
                "what": description,
                "made": made,
                "seconds": [round(s, 2) for s in runs],
                "max_seconds": round(max(runs), 2),
            }
        print(f"   {description}: {results['report']['seconds']} s", flush=True)
        if not args.no_duckdb:
            with Step("DuckDB: copy the fact tables", results):
                duck = duckdb_copy(directory / "facts.duckdb", results)
            with Step("the dashboard's SQL, bare: database and DuckDB", results):
                results["sql_database"], results["sql_duckdb"] = measure_sql(captured, args.runs, duck)
            duck.close()
            (directory / "facts.duckdb").unlink(missing_ok=True)
        results["peak_mb_whole_run"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
        print_summary(results)
        if args.json:
            Path(args.json).write_text(json.dumps(results, indent=1, ensure_ascii=False))


def print_times(times: dict) -> None:
    for label, t in times.items():
        print(f"   {label:<55} p50 {t['p50']:8.1f} ms  p95 {t['p95']:8.1f} ms", flush=True)


def print_summary(r: dict) -> None:
    print()
    print(f"Command: `{r['command']}`")
    print(
        f"Machine: {r['machine']}; database: {r.get('server', 'SQLite')}; "
        f"load average before measuring {r.get('load_average_before')}"
    )
    if "work_mem" in r:
        print(
            f"PostgreSQL settings: work_mem {r['work_mem']}, shared_buffers {r['shared_buffers']}, "
            f"jit {r.get('jit') or 'on (default)'} for the connection (the statistics' queries set jit off and "
            f"work_mem SAFEZONE_STATS_WORK_MEM themselves); the benchmark's extra index: "
            f"{'yes' if r['covering_index'] else 'no (the models carry the covering indexes, stats 0002)'}"
        )
    gen = r.get("generation") or {}
    if gen:
        total_rows = sum(gen["rows"].values())
        seconds = sum(e["seconds"] for e in gen["elements"].values())
        print(
            f"Facts generated directly with set-based SQL: {total_rows:,} rows in {seconds:.0f} s "
            f"+ indexes {gen['index_seconds']} s + ANALYZE {gen['analyze_seconds']} s; "
            f"database {r.get('database_size')}"
        )
        print("  " + ", ".join(f"{k} {v['rows']:,}" for k, v in gen["elements"].items()))
    steps = r.get("steps", {})
    print()
    print(f"Dashboard, period {r['period']}, times in ms:")
    print()
    print("| query | p50 | p95 | bare SQL in the database p50 / p95 | same SQL in DuckDB p50 / p95 |")
    print("|---|---|---|---|---|")
    for label, t in r["dashboard"].items():
        db = r.get("sql_database", {}).get(label)
        duck = r.get("sql_duckdb", {}).get(label)
        bold = "**" if label == "whole dashboard" else ""
        print(
            f"| {bold}{label}{bold} | {t['p50']:,} | {bold}{t['p95']:,}{bold} | "
            + (f"{db['p50']:,} / {db['p95']:,}" if db else "-")
            + " | "
            + (f"{duck['p50']:,} / {duck['p95']:,}" if duck else "-")
            + " |"
        )
    page = r["page"]
    print()
    print(
        f"The dashboard page{' FAILED: ' + page['error'] if 'error' in page else ''} "
        f"(GET {page['url']} as the analyst, through Django's test client): "
        f"p50 {page['p50']:,} ms, p95 {page['p95']:,} ms"
    )
    worst = max((t["p95"], label) for label, t in r["dashboard"].items() if label != "whole dashboard")
    print()
    print(
        f"Target dashboard p95 < 1 s per query: {'met' if worst[0] < 1000 else 'NOT met'} "
        f"(slowest: {worst[1]}, p95 {worst[0]:,} ms); "
        f"whole dashboard p95 {r['dashboard']['whole dashboard']['p95']:,} ms"
    )
    rep = r["report"]
    print(
        f"Quarterly report ({rep['what']}): {rep['seconds']} s; target < 60 s: "
        f"{'met' if rep['max_seconds'] < 60 else 'NOT met'}"
    )
    if "duckdb_copy" in r:
        c = r["duckdb_copy"]
        print(
            f"DuckDB copy: export {c['export_seconds']} s + load {c['load_seconds']} s = {c['total_seconds']} s "
            f"({c['file_mb']} MB)"
        )
    print()
    print("Peak memory (this process, VmHWM; PostgreSQL backend where known), per step:")
    for name, s in steps.items():
        extra = f", backend {s['backend_peak_mb']} MB" if "backend_peak_mb" in s else ""
        print(f"  {name}: {s['seconds']} s, {s['peak_mb']} MB{extra}")
    print(f"  whole run (ru_maxrss): {r['peak_mb_whole_run']} MB")
    ref = r.get("refresh")
    if ref:
        print()
        print(f"Projection refresh from the registers: {ref['registers']}")
        for kind in ("full", "incremental"):
            units = sum(d["units"] for d in ref[kind].values())
            facts = sum(d["facts"] for d in ref[kind].values())
            seconds = sum(d["seconds"] for d in ref[kind].values())
            cases = ref[kind].get("cases", {})
            rate = cases.get("units", 0) / cases["seconds"] if cases.get("seconds") else 0
            frate = cases.get("facts", 0) / cases["seconds"] if cases.get("seconds") else 0
            print(
                f"  {kind}: {units:,} units, {facts:,} facts in {seconds:.1f} s; cases domain "
                f"{cases.get('units', 0):,} cases, {cases.get('facts', 0):,} facts in {cases.get('seconds', 0):.1f} s "
                f"= {rate:,.0f} cases/s, {frate:,.0f} facts/s; per domain {ref[kind]}"
            )
        full = ref["full"].get("cases", {})
        if full.get("seconds"):
            rate = full["units"] / full["seconds"]
            print(
                f"  extrapolated (not measured): a full refresh of 1,000,000 cases at {rate:,.0f} cases/s "
                f"= {1_000_000 / rate / 60:.0f} min"
            )


if __name__ == "__main__":
    main()
