"""SafeZone benchmarks: each prints its figures and the command that reproduces them.

    .venv/bin/python bench/run.py                      # all benchmarks, default sizes
    .venv/bin/python bench/run.py seed --cases 100000 --db sqlite
    .venv/bin/python bench/run.py --write              # also update the table in BENCHMARKS.md

Benchmarks run against scratch databases (a temporary SQLite file, a throwaway PostgreSQL
cluster) in child processes, so their time and peak memory are the command's own.
"""

import argparse
import contextlib
import datetime as dt
import json
import os
import platform
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "scripts"))
import pgcluster  # noqa: E402

PY = sys.executable
RESULTS = ROOT / "bench" / "results"


@contextlib.contextmanager
def scratch_database(kind: str):
    """DATABASE_URL of a new, empty, migrated database of this kind."""
    if kind == "sqlite":
        with tempfile.TemporaryDirectory(prefix="safezone-bench.") as d:
            yield f"sqlite:///{d}/bench.sqlite3"
    else:
        with pgcluster.cluster() as url:
            yield url


def bench_seed(cases: int, db: str) -> dict:
    """Time and peak memory of `seed_demo --cases N` on an empty, migrated database."""
    with scratch_database(db) as url, tempfile.TemporaryDirectory(prefix="safezone-var.") as var:
        env = {**os.environ, "DATABASE_URL": url, "SAFEZONE_VAR_DIR": var}
        migrate = subprocess.run(
            [PY, "manage.py", "migrate", "-v", "0"], cwd=ROOT, env=env, capture_output=True, text=True
        )
        if migrate.returncode:
            raise SystemExit(f"migrate failed on {db}: {migrate.stderr}")
        # A child of its own, so that rusage reports the seeding process alone.
        seconds, peak_mb, result = measure_child(
            [PY, "manage.py", "seed_demo", "--cases", str(cases), "--seed", "1", "--today", "2026-11-23", "-v", "0"],
            env,
        )
        if result.returncode:
            raise SystemExit(f"seed_demo failed on {db}: {result.stderr}")
    return {
        "benchmark": f"seed_demo --cases {cases}",
        "database": "SQLite" if db == "sqlite" else "PostgreSQL",
        "seconds": round(seconds, 1),
        "cases_per_second": round(cases / seconds),
        "peak_rss_mb": round(peak_mb),
        "reproduce": f".venv/bin/python bench/run.py seed --cases {cases} --db {db}",
        "detail": result.stdout.strip(),
    }


def measure_child(args: list[str], env: dict) -> tuple[float, float, subprocess.CompletedProcess]:
    """Run a command; (seconds, its own peak resident memory in MB, the completed process)."""
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        started = time.perf_counter()
        proc = subprocess.Popen(args, cwd=ROOT, env=env, stdout=out, stderr=err, text=True)
        # wait4 gives this child's own rusage (getrusage would mix in every child so far).
        _pid, status, usage = os.wait4(proc.pid, 0)
        seconds = time.perf_counter() - started
        proc.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        return (
            seconds,
            usage.ru_maxrss / 1024,
            subprocess.CompletedProcess(args, proc.returncode, out.read(), err.read()),
        )


def _probe(url: str, var: str) -> dict:
    """Run the access probe against a seeded database; its JSON result."""
    env = {**os.environ, "DATABASE_URL": url, "SAFEZONE_VAR_DIR": var, "SAFEZONE_DEMO": "1"}
    if url.startswith("postgres"):
        # Statistics and visibility maps as autovacuum keeps them on a running system (without
        # the maps, counting on an index visits the table too).
        analyze = "from django.db import connection; connection.cursor().execute('VACUUM ANALYZE')"
        subprocess.run([PY, "manage.py", "shell", "-v", "0", "-c", analyze], cwd=ROOT, env=env, check=True)
    probe = subprocess.run([PY, "bench/access_probe.py"], cwd=ROOT, env=env, capture_output=True, text=True)
    if probe.returncode:
        raise SystemExit(f"access probe failed: {probe.stderr}")
    return json.loads(probe.stdout.strip().splitlines()[-1])


def bench_access(cases: int, db: str, url: str | None = None) -> list[dict]:
    """The case list with and without the access policy, on a demo region of `cases` cases (seeded
    here, or already seeded at `url` with `seed_demo --cases N --seed 1`)."""
    if url:
        # The keys that seeded it (encrypted fields) live in its SAFEZONE_VAR_DIR.
        data = _probe(url, os.environ.get("SAFEZONE_VAR_DIR", str(ROOT / "var")))
        if data["cases"] != cases:
            raise SystemExit(f"the database at --database-url holds {data['cases']} cases, not {cases}")
    else:
        with scratch_database(db) as url, tempfile.TemporaryDirectory(prefix="safezone-var.") as var:
            env = {**os.environ, "DATABASE_URL": url, "SAFEZONE_VAR_DIR": var, "SAFEZONE_DEMO": "1"}
            for args in (["migrate", "-v", "0"], ["seed_demo", "--cases", str(cases), "--seed", "1", "-v", "0"]):
                done = subprocess.run([PY, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True)
                if done.returncode:
                    raise SystemExit(f"{args[0]} failed on {db}: {done.stderr}")
            data = _probe(url, var)
    rows = []
    for u in data["users"]:
        with_p, scope, none = u["with_policy"], u["scope_only"], u["no_filter"]
        rows.append(
            {
                "benchmark": f"case list, {cases} cases",
                "database": "SQLite" if db == "sqlite" else "PostgreSQL",
                "user": u["user"],
                "visible": u["visible"],
                "with_policy": with_p,
                "scope_only": scope,
                "no_filter": none,
                "page": u["page"],
                # What the policy costs over a list that filters nothing.
                "overhead_pct": round((with_p["p50"] - none["p50"]) / none["p50"] * 100, 1) if none["p50"] else 0.0,
                "reproduce": f".venv/bin/python bench/run.py access --cases {cases} --db {db}",
            }
        )
    return rows


def print_access_row(row: dict) -> None:
    w, s, n, p = row["with_policy"], row["scope_only"], row["no_filter"], row["page"]
    print(
        f"{row['database']:<11} {row['user']:<18} {row['visible']:>8} visible | list query p50/p95: "
        f"policy {w['p50']}/{w['p95']} ms, bare scope {s['p50']}/{s['p95']} ms, no filter {n['p50']}/{n['p95']} ms "
        f"(policy {row['overhead_pct']:+.0f}% over no filter) | page {p['p50']}/{p['p95']} ms"
    )


def machine() -> str:
    """One line describing this machine, printed with the figures."""
    with open("/proc/meminfo") as fh:
        mem_gb = int(fh.readline().split()[1]) / 1024 / 1024
    system = f"{platform.system()} {platform.machine()}"
    return f"{system}, {os.cpu_count()} cores, {mem_gb:.0f} GB RAM, Python {platform.python_version()}"


def print_row(row: dict) -> None:
    print(
        f"{row['benchmark']:<28} {row['database']:<11} {row['seconds']:>8.1f} s "
        f"{row['cases_per_second']:>7} cases/s  peak RSS {row['peak_rss_mb']:>5} MB"
    )
    print(f"    reproduce: {row['reproduce']}")


TABLE_START, TABLE_END = "<!-- bench:start -->", "<!-- bench:end -->"


def write_table(rows: list[dict]) -> None:
    """Put these rows into the table in BENCHMARKS.md (replacing rows of the same benchmark and
    database, keeping the others) and the machine line above it."""
    RESULTS.mkdir(exist_ok=True)
    store = RESULTS.parent / "table.json"
    table = json.loads(store.read_text(encoding="utf-8")) if store.exists() else []
    keys = {(r["benchmark"], r["database"]) for r in rows}
    table = [r for r in table if (r["benchmark"], r["database"]) not in keys] + rows
    table.sort(key=lambda r: (int(re.sub(r"\D", "", r["benchmark"]) or 0), r["benchmark"], r["database"]))
    store.write_text(json.dumps(table, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    lines = [
        TABLE_START,
        f"Latest run {dt.date.today().isoformat()} on {machine()}.",
        "",
        "| benchmark | database | time | throughput | peak memory | reproduce |",
        "|---|---|---|---|---|---|",
    ]
    for r in table:
        lines.append(
            f"| `{r['benchmark']}` | {r['database']} | {r['seconds']} s | {r['cases_per_second']} cases/s "
            f"| {r['peak_rss_mb']} MB | `{r['reproduce']}` |"
        )
    lines.append(TABLE_END)
    path = ROOT / "BENCHMARKS.md"
    text = path.read_text(encoding="utf-8")
    text = re.sub(re.escape(TABLE_START) + ".*?" + re.escape(TABLE_END), "\n".join(lines), text, flags=re.S)
    path.write_text(text, encoding="utf-8")


ACCESS_START, ACCESS_END = "<!-- bench-access:start -->", "<!-- bench-access:end -->"


def write_access_table(rows: list[dict]) -> None:
    """Put these access rows into BENCHMARKS.md, replacing rows of the same size, database and user."""
    store = RESULTS.parent / "access_table.json"
    table = json.loads(store.read_text(encoding="utf-8")) if store.exists() else []
    keys = {(r["benchmark"], r["database"], r["user"]) for r in rows}
    table = [r for r in table if (r["benchmark"], r["database"], r["user"]) not in keys] + rows
    table.sort(key=lambda r: (int(re.sub(r"\D", "", r["benchmark"]) or 0), r["database"], r["user"]))
    store.write_text(json.dumps(table, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    lines = [
        ACCESS_START,
        f"Latest run {dt.date.today().isoformat()} on {machine()}. Times in ms, p50 / p95.",
        "",
        "| cases | database | user | visible | list query: policy | bare scope | no filter | "
        "policy over no filter (p50) | list page | reproduce |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in table:
        w, s, n, p = r["with_policy"], r["scope_only"], r["no_filter"], r["page"]
        lines.append(
            f"| {r['benchmark'].split(', ')[1]} | {r['database']} | {r['user']} | {r['visible']} | "
            f"{w['p50']} / {w['p95']} | {s['p50']} / {s['p95']} | {n['p50']} / {n['p95']} | "
            f"{r['overhead_pct']:+.0f}% | {p['p50']} / {p['p95']} | `{r['reproduce']}` |"
        )
    lines.append(ACCESS_END)
    path = ROOT / "BENCHMARKS.md"
    text = path.read_text(encoding="utf-8")
    text = re.sub(re.escape(ACCESS_START) + ".*?" + re.escape(ACCESS_END), "\n".join(lines), text, flags=re.S)
    path.write_text(text, encoding="utf-8")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("benchmark", nargs="?", default="all", choices=["all", "seed", "access"])
    parser.add_argument("--cases", type=int, default=100_000)
    parser.add_argument("--db", choices=["sqlite", "postgresql", "both"], default="both")
    parser.add_argument("--write", action="store_true", help="update the table in BENCHMARKS.md")
    parser.add_argument(
        "--database-url",
        help="access benchmark only: probe this database, already seeded with seed_demo --cases N --seed 1 "
        "(seeding a million cases takes about 25 minutes) with the keys in SAFEZONE_VAR_DIR, "
        "instead of seeding a new one",
    )
    args = parser.parse_args()

    print(f"SafeZone benchmarks on {machine()}")
    rows, access_rows = [], []
    for db in ["sqlite", "postgresql"] if args.db == "both" else [args.db]:
        if args.benchmark in ("all", "seed"):
            print(f"... seed_demo --cases {args.cases} on {db}", flush=True)
            row = bench_seed(args.cases, db)
            print_row(row)
            rows.append(row)
        if args.benchmark in ("all", "access"):
            print(f"... case list with and without the access policy, {args.cases} cases on {db}", flush=True)
            for row in bench_access(args.cases, db, args.database_url):
                print_access_row(row)
                access_rows.append(row)
            print(f"    reproduce: .venv/bin/python bench/run.py access --cases {args.cases} --db {db}")
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "latest.json").write_text(json.dumps(rows + access_rows, indent=1, ensure_ascii=False), encoding="utf-8")
    if args.write:
        if rows:
            write_table(rows)
        if access_rows:
            write_access_table(access_rows)
        print("BENCHMARKS.md updated")


if __name__ == "__main__":
    main()
