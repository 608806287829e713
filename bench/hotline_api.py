"""Helpline API under load: contacts logged per second through POST /api/contacts/, served by
gunicorn against PostgreSQL, by concurrent clients on loopback.

    .venv/bin/python bench/hotline_api.py                        # 20 clients, 50/s for 30 s, then unpaced
    .venv/bin/python bench/hotline_api.py --rate 80 --duration 60 --workers 3

Target: p95 latency under 100 ms at 50 contacts/s. The script starts a throwaway PostgreSQL
cluster (durable: fsync and synchronous commit on, as in production), migrates it, creates one
helpline operator per client (trained in data protection, with an API token), starts gunicorn,
and runs two phases:

- paced: the clients together send `--rate` contacts per second on a fixed schedule (open loop);
  a request's latency runs from the moment it was due, so a server that falls behind shows it;
- unpaced: every client sends its next contact as soon as the last one is answered (the most the
  server takes).

Before each phase it waits (up to --quiet-wait seconds) for other work on the machine to stop,
and with each phase it prints the CPU time per request of gunicorn, PostgreSQL, the clients and
everything else on the machine: a run disturbed by other work shows as "others". Then it checks
that every logged contact left its access decision and its audit event, and that the audit
chain is whole. Gunicorn and the cluster are stopped at the end, also on error.
"""

import argparse
import contextlib
import datetime as dt
import http.client
import json
import math
import os
import platform
import random
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PY = sys.executable
PG_BIN = "/usr/lib/postgresql/15/bin"
AGENCY = "bench-helpline"

# What the helpline hears, roughly as often as it hears it: mostly contacts about someone.
TYPES = ["self"] * 4 + ["child"] * 3 + ["adult"] * 2 + ["silent", "hang_up", "question", "thanks"]
CATEGORIES = ["domestic_violence", "violence_physical", "violence_emotional", "neglect", "mental_health", "legal"]
OUTCOMES = ["information", "referred", "emergency_called"]
AGE_BANDS = ["12-14", "15-17", "18-24", "25-44", "45-64"]
NOTES = [
    "Муж кричит и угрожает, дети дома. Просит адрес кризисного центра.",
    "Соседка слышит крики за стеной уже третью ночь.",
    "Подросток не хочет идти домой, отчим пьёт.",
    "Спрашивает, как подать заявление о защитном предписании.",
]


# --- the throwaway cluster --------------------------------------------------------------------
def _as_postgres() -> list[str]:
    # initdb and postgres refuse to run as root: run them as the `postgres` user then.
    return ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []


def cluster_start(directory: str) -> str:
    """Initialise and start a cluster under `directory` (Unix socket there, no TCP); its DATABASE_URL."""
    if os.geteuid() == 0:
        shutil.chown(directory, "postgres")
    run = _as_postgres()
    subprocess.run(
        [*run, f"{PG_BIN}/initdb", "-D", f"{directory}/data", "-A", "trust", "-U", "root", "-E", "UTF8"],
        check=True,
        capture_output=True,
    )
    # Production durability (fsync, synchronous_commit on): a commit's flush is part of the latency.
    options = f"-k {directory} -c listen_addresses='' -c max_connections=100 -c shared_buffers=256MB"
    subprocess.run(
        [*run, f"{PG_BIN}/pg_ctl", "-D", f"{directory}/data", "-l", f"{directory}/log", "-w", "-o", options, "start"],
        check=True,
        capture_output=True,
    )
    return f"postgres://root@/postgres?host={directory}"


def cluster_stop(directory: str) -> None:
    subprocess.run(
        [*_as_postgres(), f"{PG_BIN}/pg_ctl", "-D", f"{directory}/data", "-m", "fast", "-w", "stop"],
        capture_output=True,
    )


# --- inside Django: operators, tokens, and the check afterwards --------------------------------
def _django():
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "safezone.settings")
    import django

    django.setup()


def prepare(operators: int) -> dict:
    """A helpline agency with `operators` trained operators, each with an API token (run in a child)."""
    _django()
    from safezone.accounts.models import Membership, Role, User
    from safezone.accounts.services import api_token_issue
    from safezone.directory.models import Agency, Territory
    from safezone.directory.services import territory_load_file

    if not Territory.objects.exists():
        territory_load_file()
    districts = list(Territory.objects.filter(level=Territory.Level.DISTRICT).order_by("pk"))
    agency = Agency.objects.create(
        code=AGENCY, kind="crisis_centre", name_ru="Телефон доверия", name_en="Helpline", district=districts[0]
    )
    agency.districts_served.set(districts)
    tokens = []
    for i in range(operators):
        user = User.objects.create(username=f"operator{i + 1}", first_name="Оператор", last_name=str(i + 1))
        # Without data-protection training the policy refuses everything: trained a month ago.
        Membership.objects.create(
            user=user, agency=agency, role=Role.HELPLINE_OPERATOR, dp_training_on=dt.date.today() - dt.timedelta(30)
        )
        tokens.append(api_token_issue(user=user, name="bench PBX")[1])
    return {"tokens": tokens, "districts": [d.pk for d in districts]}


def verify() -> dict:
    """What the run left: contacts, their access decisions and audit events, and the chain's state."""
    _django()
    from safezone.audit.models import AuditEvent
    from safezone.audit.services import audit_verify
    from safezone.hotline.models import Contact

    events = AuditEvent.objects.filter(actor__memberships__agency__code=AGENCY)
    return {
        "contacts": Contact.objects.filter(agency__code=AGENCY).count(),
        "decisions_allowed": events.filter(action="contact.log", decision="allow").count(),
        "logged_events": events.filter(action="contact.logged").count(),
        "chain_ok": audit_verify().ok,
    }


# --- gunicorn -----------------------------------------------------------------------------------
def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def gunicorn_start(env: dict, port: int, workers: int, worker_class: str, threads: int, log: Path) -> subprocess.Popen:
    args = [
        str(Path(PY).parent / "gunicorn"),
        "safezone.wsgi:application",
        "--bind",
        f"127.0.0.1:{port}",
        "--workers",
        str(workers),
        "--worker-class",
        worker_class,
        "--threads",
        str(threads),
        "--keep-alive",
        "75",
        "--timeout",
        "60",
    ]
    with open(log, "w") as out:
        proc = subprocess.Popen(args, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"gunicorn stopped at start-up:\n{log.read_text()[-3000:]}")
        with contextlib.suppress(OSError):
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            conn.request("GET", "/api/")
            if conn.getresponse().status in (200, 401, 403):
                conn.close()
                return proc
        time.sleep(0.2)
    raise SystemExit("gunicorn did not answer within 60 s")


def gunicorn_stop(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)  # graceful: the master stops its workers
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


# --- where the CPU went -------------------------------------------------------------------------
_TICK = os.sysconf("SC_CLK_TCK")


def _stat(pid: int) -> list[str] | None:
    try:
        with open(f"/proc/{pid}/stat") as fh:
            return fh.read().rsplit(")", 1)[1].split()
    except OSError:
        return None


def process_tree(root: int) -> list[int]:
    """`root` and every process below it (gunicorn's workers, PostgreSQL's backends)."""
    parents = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit() and (fields := _stat(int(entry))):
            parents[int(entry)] = int(fields[1])
    tree, frontier = [root], [root]
    while frontier:
        frontier = [pid for pid, parent in parents.items() if parent in frontier]
        tree += frontier
    return tree


def cpu_seconds(pids: list[int]) -> float:
    """User and system CPU time these processes have used so far, with their children that ended
    (a PostgreSQL backend ends when Django closes a connection older than CONN_MAX_AGE)."""
    total = 0
    for pid in pids:
        if fields := _stat(pid):
            total += sum(int(v) for v in fields[11:15])  # utime, stime, cutime, cstime
    return total / _TICK


def machine_busy_seconds() -> float:
    """CPU seconds the whole machine has spent busy (all processes, everybody's)."""
    with open("/proc/stat") as fh:
        values = [int(v) for v in fh.readline().split()[1:]]
    return (sum(values) - values[3] - values[4]) / _TICK  # all but idle and iowait


def wait_for_quiet(limit: float) -> float:
    """Wait (up to `limit` seconds) until the rest of the machine is nearly idle; its busy cores then.
    On a shared machine another job's burst of CPU would be measured as the server's slowness."""
    deadline = time.monotonic() + limit
    while True:
        before = machine_busy_seconds()
        time.sleep(1)
        busy = machine_busy_seconds() - before
        if busy < 0.2 or time.monotonic() > deadline:
            return busy


# --- the clients --------------------------------------------------------------------------------
def contact_body(rnd: random.Random, districts: list[int]) -> bytes:
    kind = rnd.choice(TYPES)
    body = {"channel": rnd.choice(["call"] * 5 + ["chat", "sms"]), "type": kind, "language": "ru"}
    if kind in ("self", "child", "adult"):
        body.update(
            categories=rnd.sample(CATEGORIES, rnd.randint(1, 3)),
            outcome=rnd.choice(OUTCOMES),
            age_band=rnd.choice(AGE_BANDS),
            sex=rnd.choice("FM"),
            district=rnd.choice(districts),
            urgency=rnd.choice(["routine", "routine", "urgent"]),
            safe_to_talk="yes",
            in_danger=rnd.choice(["no", "no", "yes"]),
            notes=rnd.choice(NOTES),
        )
    return json.dumps(body, ensure_ascii=False).encode()


class Client(threading.Thread):
    """One operator's program: a kept-alive connection, its own token, its share of the requests."""

    def __init__(self, index: int, port: int, token: str, districts: list[int], due: list[float] | None, until: float):
        super().__init__(daemon=True)
        self.port, self.districts, self.due, self.until = port, districts, due, until
        self.headers = {"Authorization": f"Token {token}", "Content-Type": "application/json"}
        self.rnd = random.Random(index)
        self.latencies: list[float] = []
        self.errors: list[str] = []
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)

    def send(self) -> None:
        body = contact_body(self.rnd, self.districts)
        try:
            self.conn.request("POST", "/api/contacts/", body, self.headers)
            response = self.conn.getresponse()
            payload = response.read()
            if response.status != 201:
                self.errors.append(f"{response.status} {payload[:200]!r}")
        except (OSError, http.client.HTTPException) as exc:
            self.errors.append(repr(exc))
            self.conn.close()  # the next request opens a new connection

    def run(self) -> None:
        if self.due is None:  # unpaced: the next request as soon as the last is answered
            while (start := time.perf_counter()) < self.until:
                self.send()
                self.latencies.append(time.perf_counter() - start)
            return
        for due in self.due:
            delay = due - time.perf_counter()
            if delay > 0:
                time.sleep(delay)
            self.send()
            # From when it was due, not when it went: a client held up by a slow answer counts the wait.
            self.latencies.append(time.perf_counter() - due)


def run_phase(
    port: int, tokens: list[str], districts: list[int], rate: float | None, duration: float, roots: dict
) -> dict:
    clients = len(tokens)
    trees = {name: process_tree(pid) for name, pid in roots.items()}
    cpu_before = {name: cpu_seconds(pids) for name, pids in trees.items()}
    busy_before, client_before = machine_busy_seconds(), time.process_time()
    start = time.perf_counter() + 0.5
    if rate:
        total = int(rate * duration)
        schedule = [start + k / rate for k in range(total)]
        threads = [
            Client(i, port, tokens[i], districts, schedule[i::clients], start + duration) for i in range(clients)
        ]
    else:
        threads = [Client(i, port, tokens[i], districts, None, start + duration) for i in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - start
    trees = {name: process_tree(pid) for name, pid in roots.items()}  # backends opened meanwhile count
    cpu = {name: cpu_seconds(pids) - cpu_before[name] for name, pids in trees.items()}
    cpu["clients"] = time.process_time() - client_before
    cpu["others"] = max(0.0, machine_busy_seconds() - busy_before - sum(cpu.values()))
    latencies = sorted(x for t in threads for x in t.latencies)
    errors = [e for t in threads for e in t.errors]
    for t in threads:
        t.conn.close()

    def pct(p: float) -> float:
        if not latencies:
            return float("nan")
        rank = max(1, math.ceil(p / 100 * len(latencies)))  # nearest rank
        return round(latencies[rank - 1] * 1000, 1)

    return {
        "requests": len(latencies),
        "errors": len(errors),
        "error_samples": errors[:3],
        "rate": round((len(latencies) - len(errors)) / elapsed, 1),
        "p50": pct(50),
        "p95": pct(95),
        "p99": pct(99),
        "max": round(latencies[-1] * 1000, 1) if latencies else float("nan"),
        # CPU ms per request: the server's, PostgreSQL's, these clients', and everything else on the machine.
        "cpu_ms": {name: round(seconds * 1000 / max(1, len(latencies)), 1) for name, seconds in cpu.items()},
        "cores_busy": round(sum(cpu.values()) / elapsed, 2),
    }


def print_phase(name: str, r: dict) -> None:
    print(
        f"{name:<26} requests {r['requests']:>6}  errors {r['errors']:>4}  achieved {r['rate']:>6.1f} contacts/s  "
        f"latency p50 {r['p50']:>6.1f} ms  p95 {r['p95']:>6.1f} ms  p99 {r['p99']:>6.1f} ms  max {r['max']:>7.1f} ms"
    )
    cpu = ", ".join(f"{name} {ms}" for name, ms in r["cpu_ms"].items())
    print(f"    CPU ms per request: {cpu}; cores busy {r['cores_busy']} of {os.cpu_count()}")
    for sample in r["error_samples"]:
        print(f"    error: {sample}")


def machine() -> str:
    with open("/proc/meminfo") as fh:
        mem_gb = int(fh.readline().split()[1]) / 1024 / 1024
    return (
        f"{platform.system()} {platform.machine()}, {os.cpu_count()} cores, {mem_gb:.0f} GB RAM, "
        f"Python {platform.python_version()}"
    )


def child(step: str, env: dict, *args: str) -> dict:
    """Run prepare or verify in a child process with the benchmark's database; its JSON result."""
    done = subprocess.run([PY, __file__, step, *args], cwd=ROOT, env=env, capture_output=True, text=True)
    if done.returncode:
        raise SystemExit(f"{step} failed:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


# Gunicorn: one worker process per core plus one (3 on 2 cores), one thread each. A request is
# mostly CPU (about 15 of its 20 ms), so more processes than that only take turns on the same
# cores (gunicorn's 2 x cores + 1 assumes workers that mostly wait), and the spare one keeps a core
# busy while another waits on PostgreSQL. One thread, not several: threads of a process take turns
# at the GIL (every 5 ms), and a thread that holds the audit chain's lock while it waits for the
# GIL keeps every other writer waiting (with 2 workers x 4 threads and a little other work on the
# machine, the lock's mean hold went from 4 to 10 ms and p95 past 2 s; see BENCHMARKS.md).
# gthread rather than sync so that the clients' connections are kept alive.
DEFAULT_WORKERS = (os.cpu_count() or 2) + 1
DEFAULT_THREADS = 1
DEFAULT_WORKER_CLASS = "gthread"


def quiet(limit: float) -> None:
    if limit > 0 and (busy := wait_for_quiet(limit)) >= 0.2:
        print(f"    the machine stayed busy ({busy:.1f} cores used by other work): figures skewed")


def main() -> None:
    if sys.argv[1:2] == ["prepare"]:
        print(json.dumps(prepare(int(sys.argv[2]))))
        return
    if sys.argv[1:2] == ["verify"]:
        print(json.dumps(verify()))
        return
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--clients", type=int, default=20, help="concurrent clients, one operator each")
    parser.add_argument("--rate", type=float, default=50, help="contacts per second, all clients together")
    parser.add_argument("--duration", type=float, default=30, help="seconds of each phase")
    parser.add_argument("--workers", type=int, default=DEFAULT_WORKERS, help="gunicorn worker processes")
    parser.add_argument("--worker-class", default=DEFAULT_WORKER_CLASS, choices=["sync", "gthread"])
    parser.add_argument("--threads", type=int, default=DEFAULT_THREADS, help="threads per gthread worker")
    parser.add_argument("--warmup", type=float, default=3, help="unmeasured seconds at the paced rate first")
    parser.add_argument("--no-unpaced", action="store_true", help="skip the unpaced (maximum throughput) phase")
    parser.add_argument(
        "--quiet-wait", type=float, default=120, help="seconds to wait for other work on the machine to stop, per phase"
    )
    args = parser.parse_args()
    command = ".venv/bin/python bench/hotline_api.py " + " ".join(
        shlex.quote(a)
        for a in [
            f"--clients={args.clients}",
            f"--rate={args.rate:g}",
            f"--duration={args.duration:g}",
            f"--workers={args.workers}",
            f"--worker-class={args.worker_class}",
            *([f"--threads={args.threads}"] if args.worker_class == "gthread" else []),
            *(["--no-unpaced"] if args.no_unpaced else []),
        ]
    )

    print(f"Helpline API benchmark on {machine()}")
    plural = "s" if args.threads != 1 else ""
    threads = f" x {args.threads} thread{plural}" if args.worker_class == "gthread" else ""
    server_line = f"gunicorn {args.workers} {args.worker_class} workers{threads}"
    print(f"PostgreSQL 15 (durable), {server_line}, {args.clients} clients")
    print(f"load average before the run: {os.getloadavg()[0]:.2f} (other work on the machine skews the figures)")
    work = tempfile.mkdtemp(prefix="safezone-hotline-bench.")
    os.chmod(work, 0o711)  # the cluster's owner (postgres) must reach its directory inside
    pgdir = os.path.join(work, "pg")
    os.mkdir(pgdir)
    server = None
    started_cluster = False
    try:
        url = cluster_start(pgdir)
        started_cluster = True
        env = {
            **os.environ,
            "DATABASE_URL": url,
            "SAFEZONE_VAR_DIR": os.path.join(work, "var"),
            "DJANGO_SETTINGS_MODULE": "safezone.settings",
            "DEBUG": "0",
            "ALLOWED_HOSTS": "127.0.0.1",
        }
        migrate = subprocess.run(
            [PY, "manage.py", "migrate", "-v", "0"], cwd=ROOT, env=env, capture_output=True, text=True
        )
        if migrate.returncode:
            raise SystemExit(f"migrate failed:\n{migrate.stderr[-3000:]}")
        setup = child("prepare", env, str(args.clients))
        tokens, districts = setup["tokens"], setup["districts"]
        port = free_port()
        server = gunicorn_start(env, port, args.workers, args.worker_class, args.threads, Path(work) / "gunicorn.log")
        with open(f"{pgdir}/data/postmaster.pid") as fh:
            roots = {"server": server.pid, "postgres": int(fh.readline())}

        if args.warmup:
            run_phase(port, tokens, districts, args.rate, args.warmup, roots)
        quiet(args.quiet_wait)
        results = {"paced": run_phase(port, tokens, districts, args.rate, args.duration, roots)}
        print_phase(f"paced at {args.rate:g}/s, {args.duration:g} s", results["paced"])
        if not args.no_unpaced:
            quiet(args.quiet_wait)
            results["unpaced"] = run_phase(port, tokens, districts, None, args.duration, roots)
            print_phase(f"unpaced, {args.duration:g} s", results["unpaced"])
        gunicorn_stop(server)
        server = None

        check = child("verify", env)
        print(
            f"check: {check['contacts']} contacts logged, {check['decisions_allowed']} access decisions, "
            f"{check['logged_events']} audit events of logging, "
            f"audit chain {'whole' if check['chain_ok'] else 'BROKEN'}"
        )
        ok = (
            check["chain_ok"]
            and check["contacts"] == check["logged_events"]
            and check["decisions_allowed"] >= check["contacts"]
        )
        if not ok:
            print("check FAILED: a contact without its decision or audit event, or a broken chain")
        target = results["paced"]["p95"] < 100 and results["paced"]["errors"] == 0
        print(f"target p95 < 100 ms at {args.rate:g}/s: {'met' if target else 'NOT met'}")
        print(f"reproduce: {command}")
        if not ok:
            sys.exit(1)
    finally:
        if server is not None:
            gunicorn_stop(server)
        if started_cluster:
            cluster_stop(pgdir)
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
