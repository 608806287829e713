# SafeZone: `make run` serves the demo region, `make test` runs the whole suite.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PIP := $(VENV)/bin/pip
DEMO_CASES ?= 2000
DEMO_SEED ?= 1

.PHONY: run install install-dev test bench messages clean

$(VENV)/bin/activate:
	$(PYTHON) -m venv $(VENV)
	$(PIP) install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml $(VENV)/bin/activate
	$(PIP) install --quiet -e .
	touch $@

$(VENV)/.installed-dev: pyproject.toml $(VENV)/.installed
	$(PIP) install --quiet -e ".[dev]"
	touch $@

install: $(VENV)/.installed

install-dev: $(VENV)/.installed-dev

run: install
	SAFEZONE_DEMO=1 $(PY) manage.py migrate --noinput
	SAFEZONE_DEMO=1 $(PY) manage.py seed_demo --if-empty --cases $(DEMO_CASES) --seed $(DEMO_SEED)
	SAFEZONE_DEMO=1 $(PY) manage.py demo_logins
	@# The background worker (batch linkage runs) lives as long as the server.
	SAFEZONE_DEMO=1 $(PY) manage.py db_worker --no-startup-delay & worker=$$!; \
	trap 'kill $$worker 2>/dev/null' EXIT INT TERM; \
	SAFEZONE_DEMO=1 $(PY) manage.py runserver 127.0.0.1:8000

test: install-dev
	bash scripts/test.sh

bench: install-dev
	$(PY) bench/run.py

# Refresh the Russian translation catalogue after changing strings (needs GNU gettext).
messages: install-dev
	$(PY) manage.py makemessages -l ru --no-location --no-obsolete --ignore ".venv/*" --ignore "tests/*" --ignore "bench/*"
	$(PY) manage.py compilemessages -l ru --ignore ".venv/*"

clean:
	rm -rf $(VENV) var/static test-results
