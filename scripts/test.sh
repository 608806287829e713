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

cleanup() {
  if [ -n "$pgdir" ]; then $PY scripts/pgcluster.py stop "$pgdir" || true; fi
  rm -rf "$work"
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
have_pg() { ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; }
if ! have_pg && is_root && command -v apt-get >/dev/null 2>&1; then
  echo "make test: installing the PostgreSQL server (apt-get)..."
  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null) \
    || echo "make test: apt-get could not install postgresql"
fi

# --- Pango and a Cyrillic font for the meeting minutes (WeasyPrint) ---------------------------
if ! $PY -c "import weasyprint" >/dev/null 2>&1 || ! fc-list 2>/dev/null | grep -qi dejavu; then
  if is_root && command -v apt-get >/dev/null 2>&1; then
    echo "make test: installing Pango and the DejaVu fonts for the PDF minutes (apt-get)..."
    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq libpango-1.0-0 libpangoft2-1.0-0 \
      fonts-dejavu-core >/dev/null) || echo "make test: apt-get could not install Pango or the fonts"
  fi
fi

# --- Java 17+ for the Spark backend of linkage (tested in local mode) --------------------------
if ! command -v java >/dev/null 2>&1; then
  if is_root && command -v apt-get >/dev/null 2>&1; then
    echo "make test: installing a Java runtime for Spark (apt-get)..."
    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq default-jre-headless >/dev/null) \
      || echo "make test: apt-get could not install a Java runtime"
  fi
fi

# Local state of the tests (generated secret key, scratch files) stays out of the user's var/.
export SAFEZONE_VAR_DIR="$work/var"

echo "== lint (ruff)"
$PY -m ruff check safezone tests bench scripts
$PY -m ruff format --check --quiet safezone tests bench scripts || {
  echo "make test: some files are not formatted; run: .venv/bin/python -m ruff format safezone tests bench scripts"
  exit 1
}

echo "== checking that every model change has its migration"
if ! $PY manage.py makemigrations --check --dry-run >/dev/null; then
  echo "make test: the models have changes that no migration records; run: .venv/bin/python manage.py makemigrations"
  exit 1
fi

# The two passes run side by side, one per core (each pytest uses one): the SQLite pass in the
# background with its output kept in a file and shown when it ends, the PostgreSQL pass in front.
if ! have_pg; then
  message="make test: no PostgreSQL server binaries (initdb) found and none could be installed"
  if [ "${SAFEZONE_REQUIRE_POSTGRES:-0}" = 1 ]; then echo "$message"; exit 1; fi
  echo "$message: the PostgreSQL pass is skipped."
  echo "== suite on SQLite"
  DATABASE_URL="sqlite:///$work/safezone.sqlite3" $PY -m pytest -q -p no:cacheprovider --output test-results/sqlite "$@"
  echo "== make test passed on SQLite in $(( $(date +%s) - started )) s"
  exit 0
fi
cluster=$($PY scripts/pgcluster.py start)
pgdir=$(sed -n 1p <<<"$cluster")
pgurl=$(sed -n 2p <<<"$cluster")

echo "== suite on SQLite (in the background; its report follows the PostgreSQL pass)"
mkdir -p "$work/var-sqlite"
(SAFEZONE_VAR_DIR="$work/var-sqlite" DATABASE_URL="sqlite:///$work/safezone.sqlite3" \
  $PY -m pytest -q -p no:cacheprovider --output test-results/sqlite "$@" >"$work/sqlite.log" 2>&1) &
sqlite_pid=$!

echo "== suite on PostgreSQL"
# Tests that touch no database (linkage files, name keys) run in the SQLite pass only.
pg_status=0
DATABASE_URL="$pgurl" $PY -m pytest -q -p no:cacheprovider --output test-results/postgresql -m "not no_database" "$@" \
  || pg_status=$?

sqlite_status=0
wait "$sqlite_pid" || sqlite_status=$?
echo "== suite on SQLite: report"
cat "$work/sqlite.log"

if [ "$pg_status" != 0 ] || [ "$sqlite_status" != 0 ]; then
  echo "make test: FAILED (SQLite pass exit $sqlite_status, PostgreSQL pass exit $pg_status)"
  exit 1
fi
echo "== make test passed on SQLite and PostgreSQL in $(( $(date +%s) - started )) s"
