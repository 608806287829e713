#!/usr/bin/env bash
# `make test`: the whole suite on SQLite, then again on a throwaway PostgreSQL cluster that this
# script starts under a temporary directory and stops afterwards. Extra arguments go to pytest.
#
# SAFEZONE_REQUIRE_BROWSER=1   fail (not skip) when Chromium is missing  (.ci/run sets it)
# SAFEZONE_REQUIRE_POSTGRES=1  fail (not skip) when PostgreSQL is missing (.ci/run sets it)
set -euo pipefail
cd "$(dirname "$0")/.."
PY=.venv/bin/python
started=$(date +%s)
work=$(mktemp -d -t safezone-test.XXXXXX)
pgdir=""
as_pg=()

cleanup() {
  if [ -n "$pgdir" ] && [ -f "$pgdir/data/postmaster.pid" ]; then
    "${as_pg[@]}" "$PG_BIN/pg_ctl" -D "$pgdir/data" -m immediate -w stop >/dev/null 2>&1 || true
  fi
  rm -rf "$work" ${pgdir:+"$pgdir"}
}
trap cleanup EXIT

is_root() { [ "$(id -u)" = 0 ]; }

# --- Chromium for the browser tests ------------------------------------------------------------
if ! command -v chromium >/dev/null 2>&1 && [ ! -x /usr/bin/chromium ]; then
  if is_root && command -v apt-get >/dev/null 2>&1; then
    echo "make test: installing Debian's chromium for the browser tests (apt-get)..."
    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null) \
      || echo "make test: apt-get could not install chromium"
  fi
  if [ ! -x /usr/bin/chromium ]; then
    echo "make test: Chromium is missing and could not be installed (needs root and apt-get):" \
         "the browser tests will be skipped."
  fi
fi

# --- PostgreSQL server binaries ------------------------------------------------------------------
find_pg_bin() {
  local d best=""
  for d in /usr/lib/postgresql/*/bin; do [ -x "$d/initdb" ] && best="$d"; done
  echo "$best"
}
PG_BIN=$(find_pg_bin)
if [ -z "$PG_BIN" ] && is_root && command -v apt-get >/dev/null 2>&1; then
  echo "make test: installing the PostgreSQL server (apt-get)..."
  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null) \
    || echo "make test: apt-get could not install postgresql"
  PG_BIN=$(find_pg_bin)
fi

# Local state of the tests (generated secret key, scratch files) stays out of the user's var/.
export SAFEZONE_VAR_DIR="$work/var"

echo "== checking that every model change has its migration"
if ! $PY manage.py makemigrations --check --dry-run >/dev/null; then
  echo "make test: the models have changes that no migration records; run: .venv/bin/python manage.py makemigrations"
  exit 1
fi

echo "== suite on SQLite"
DATABASE_URL="sqlite:///$work/safezone.sqlite3" $PY -m pytest -q -p no:cacheprovider --output test-results/sqlite "$@"

echo "== suite on PostgreSQL"
if [ -z "$PG_BIN" ]; then
  message="make test: no PostgreSQL server binaries (initdb) found and none could be installed"
  if [ "${SAFEZONE_REQUIRE_POSTGRES:-0}" = 1 ]; then echo "$message"; exit 1; fi
  echo "$message: the PostgreSQL pass is skipped."
  exit 0
fi
# Its own directory under /tmp: the postgres user must reach it, and $work is private.
pgdir=$(mktemp -d -t safezone-pg.XXXXXX)
if is_root; then
  # initdb and postgres refuse to run as root: the cluster belongs to the postgres user.
  chown postgres "$pgdir"
  as_pg=(runuser -u postgres --)
fi
"${as_pg[@]}" "$PG_BIN/initdb" -D "$pgdir/data" -A trust -U safezone -E UTF8 --no-locale --no-sync >/dev/null
# A throwaway cluster: durability settings off, listening only on a socket in its own directory.
"${as_pg[@]}" "$PG_BIN/pg_ctl" -D "$pgdir/data" -l "$pgdir/log" -w \
  -o "-k $pgdir -c listen_addresses='' -c fsync=off -c synchronous_commit=off -c full_page_writes=off" \
  start >/dev/null
DATABASE_URL="postgres://safezone@/safezone?host=$pgdir" \
  $PY -m pytest -q -p no:cacheprovider --output test-results/postgresql "$@"

echo "== make test passed on SQLite and PostgreSQL in $(( $(date +%s) - started )) s"
