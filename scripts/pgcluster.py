"""A throwaway PostgreSQL cluster under a temporary directory, for tests and benchmarks.

    python scripts/pgcluster.py start   # prints the directory, then DATABASE_URL on the next line
    python scripts/pgcluster.py stop DIR

As root the cluster runs as the `postgres` user (initdb and postgres refuse root).
"""

import contextlib
import glob
import os
import shutil
import subprocess
import sys
import tempfile


class NoPostgres(RuntimeError):
    """No PostgreSQL server binaries on this machine."""


def bin_dir() -> str:
    """The newest /usr/lib/postgresql/*/bin with initdb in it."""
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=lambda p: int(p.split("/")[4]))
    if not found:
        raise NoPostgres("no PostgreSQL server binaries under /usr/lib/postgresql (apt-get install postgresql)")
    return os.path.dirname(found[-1])


def _as_owner() -> list[str]:
    return ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []


def start() -> tuple[str, str]:
    """Start a cluster; returns (directory, DATABASE_URL)."""
    pg = bin_dir()
    directory = tempfile.mkdtemp(prefix="safezone-pg.")
    if os.geteuid() == 0:
        shutil.chown(directory, "postgres")
    run = _as_owner()
    subprocess.run(
        [
            *run,
            f"{pg}/initdb",
            "-D",
            f"{directory}/data",
            "-A",
            "trust",
            "-U",
            "safezone",
            "-E",
            "UTF8",
            "--no-locale",
            "--no-sync",
        ],
        check=True,
        capture_output=True,
    )
    options = f"-k {directory} -c listen_addresses='' -c fsync=off -c synchronous_commit=off -c full_page_writes=off"
    subprocess.run(
        [*run, f"{pg}/pg_ctl", "-D", f"{directory}/data", "-l", f"{directory}/log", "-w", "-o", options, "start"],
        check=True,
        capture_output=True,
    )
    subprocess.run(
        [*run, f"{pg}/createdb", "-h", directory, "-U", "safezone", "safezone"], check=True, capture_output=True
    )
    return directory, f"postgres://safezone@/safezone?host={directory}"


def stop(directory: str) -> None:
    """Stop the cluster and remove its directory."""
    with contextlib.suppress(Exception):
        subprocess.run(
            [*_as_owner(), f"{bin_dir()}/pg_ctl", "-D", f"{directory}/data", "-m", "immediate", "-w", "stop"],
            capture_output=True,
        )
    shutil.rmtree(directory, ignore_errors=True)


@contextlib.contextmanager
def cluster():
    """`with cluster() as url:` a running throwaway cluster, stopped and removed afterwards."""
    directory, url = start()
    try:
        yield url
    finally:
        stop(directory)


if __name__ == "__main__":
    if sys.argv[1:2] == ["start"]:
        d, u = start()
        print(d)
        print(u)
    elif sys.argv[1:2] == ["stop"] and len(sys.argv) == 3:
        stop(sys.argv[2])
    else:
        sys.exit(__doc__)
