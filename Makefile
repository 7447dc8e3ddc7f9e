# The two commands a fresh machine needs: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
FLASK := $(BIN)/flask --app facilitator
HOST ?= 127.0.0.1
PORT ?= 5000
# Every absolute URL (feeds, QR codes, handouts, links handed out) is built from it, never
# from the request's Host. `make run` serves its own address unless you say otherwise.
FACILITATOR_BASE_URL ?= http://$(HOST):$(PORT)

.PHONY: run serve worker bench test test-clock install lint system-packages lock clean translations catalogs

## Install the project and its test tools into .venv (again only when pyproject or the lock change).
install: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml requirements.lock
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --upgrade pip
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -c requirements.lock -e '.[test]'
	touch $@

## The compiled catalogs (.mo) the app reads, from the translated ones (.po) in git: made
## by run, serve and test, so a fresh clone needs nothing else (tests/conftest.py makes them
## too, for a pytest run on its own).
CATALOGS := $(patsubst %.po,%.mo,$(wildcard facilitator/translations/*/LC_MESSAGES/messages.po))
catalogs: $(CATALOGS)
facilitator/translations/%/LC_MESSAGES/messages.mo: facilitator/translations/%/LC_MESSAGES/messages.po $(VENV)/.installed
	$(BIN)/pybabel compile --domain messages -d facilitator/translations -l $*

## After marking strings: extract every marked one (templates and Python, babel.cfg) into
## messages.pot, add the new ones to each language's messages.po (untranslated: fill in
## msgstr), and compile. tests/test_translations.py fails until each has its translation.
translations: install
	PYTHONPATH=$(CURDIR) $(BIN)/pybabel extract -F babel.cfg -k lazy_gettext -k N_ -k NC_:1c,2 --no-location --sort-output \
	  --project=facilitator -o facilitator/translations/messages.pot .
	$(BIN)/pybabel update --no-fuzzy-matching --ignore-obsolete \
	  -i facilitator/translations/messages.pot -d facilitator/translations
	$(BIN)/pybabel compile --statistics -d facilitator/translations

## A random secret key for this machine, kept out of git in instance/.
instance/config.py:
	mkdir -p instance
	$(BIN)/python -c "import secrets; print(f'SECRET_KEY = {secrets.token_hex(32)!r}')" > $@

## Migrate the SQLite database in instance/, load the demo if it is empty, serve on :5000
## with a job worker beside it (PDFs rendered ahead; the queue is a file in instance/).
run: install catalogs instance/config.py
	$(FLASK) db upgrade
	$(FLASK) demo --if-empty
	export FACILITATOR_BASE_URL=$(FACILITATOR_BASE_URL); \
	$(FLASK) worker & worker=$$!; trap 'kill $$worker 2>/dev/null' EXIT INT TERM; \
	$(FLASK) run --host $(HOST) --port $(PORT)

## Production: gunicorn with FACILITATOR_WORKERS workers (default 4) on FACILITATOR_BIND
## (default 127.0.0.1:8000). Needs FACILITATOR_BASE_URL and FACILITATOR_SECRET_KEY, and
## PostgreSQL for several workers.
serve: install catalogs
	$(BIN)/python -m facilitator.serve

## Background jobs (PDF renders) for `make serve`, with the same FACILITATOR_* settings;
## run one or more, on any machine that reaches the database (docs/deploy.md).
worker: install
	$(FLASK) worker --threads $${FACILITATOR_WORKER_THREADS:-1}

## Every benchmark on 5,000 generated meetings; writes bench/results.md and bench/results.json.
bench: install system-packages
	$(BIN)/python -m bench

## What the tests and benchmarks need from Debian (browser, PDF tools, PostgreSQL with pg_dump and
## psql, nginx for the caching proxy test; wrk and Node.js, the benchmarks' load from outside
## Python), installed when missing and we are root.
system-packages:
	@missing=""; \
	command -v chromium >/dev/null || missing="$$missing chromium"; \
	command -v pdftoppm >/dev/null || missing="$$missing poppler-utils"; \
	ls /usr/lib/postgresql/*/bin/pg_ctl >/dev/null 2>&1 || missing="$$missing postgresql"; \
	ls /usr/lib/postgresql/*/bin/pg_restore >/dev/null 2>&1 || missing="$$missing postgresql-client"; \
	command -v psql >/dev/null || missing="$$missing postgresql-client"; \
	command -v nginx >/dev/null || [ -x /usr/sbin/nginx ] || missing="$$missing nginx-light"; \
	command -v openssl >/dev/null || missing="$$missing openssl"; \
	command -v wrk >/dev/null || missing="$$missing wrk"; \
	command -v node >/dev/null || command -v nodejs >/dev/null || missing="$$missing nodejs"; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ]; then \
	    echo "Installing$$missing"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null; \
	  else \
	    echo "Missing$$missing: install them (sudo apt-get install$$missing) and run make test again."; exit 1; \
	  fi; \
	fi

## Lint, security lint, type check (mypy, configured in pyproject.toml), then the whole suite against
## SQLite and a throwaway PostgreSQL the suite starts itself, on every core (pytest-xdist: each
## worker starts its own PostgreSQL).
## No dependency audit: pip-audit cannot reach its databases from here (docs/security.md).
test: install catalogs system-packages
	$(BIN)/ruff check .
	$(BIN)/bandit --quiet --recursive facilitator --severity-level high
	$(BIN)/mypy
	FACILITATOR_REQUIRE_POSTGRES=1 $(BIN)/python -m pytest -n auto

## The same suite with the machine's clock moved by libfaketime to instants where date and
## zone mistakes show, one after the other (or only CLOCK=1, 2 or 3). Each is a UTC instant
## and the machine zone TZ; the clock runs on from there (libfaketime's "@" form, shared by
## every process the suite starts: PostgreSQL, Chromium, nginx, gunicorn). The library is
## the one the libfaketime package on PyPI ships: Debian 12's 0.9.10 makes Python's
## time.sleep fail, or its threading waits hang. Monotonic clocks stay real.
##   1: a minute before the US clocks go forward; the machine is 14 hours ahead of UTC
##   2: ten minutes before the year ends in UTC; the machine is 11 hours behind
##   3: a leap day, already 29 February in UTC while still the 28th in Chicago
CLOCK ?= 1 2 3
CLOCK_1 := 2027-03-14 07:59:00|Pacific/Kiritimati
CLOCK_2 := 2027-12-31 23:50:00|Pacific/Pago_Pago
CLOCK_3 := 2028-02-29 05:30:00|America/Chicago

test-clock: install catalogs system-packages
	@set -e; \
	lib=$$($(BIN)/python -c 'import libfaketime, os; _, env = libfaketime.get_reload_information(); print(os.path.join(env["LD_LIBRARY_PATH"], env["LD_PRELOAD"]))'); \
	for n in $(CLOCK); do \
	  case $$n in 1) spec='$(CLOCK_1)';; 2) spec='$(CLOCK_2)';; 3) spec='$(CLOCK_3)';; \
	    *) echo "CLOCK is 1, 2 or 3, not $$n"; exit 2;; esac; \
	  utc=$${spec%|*}; zone=$${spec#*|}; \
	  start=$$(TZ=$$zone date -d "$$utc UTC" '+%Y-%m-%d %H:%M:%S'); \
	  echo "== the suite from $$utc UTC, machine zone $$zone ($$start there) =="; \
	  TZ=$$zone LD_PRELOAD=$$lib FAKETIME="@$$start" FAKETIME_DONT_RESET=1 \
	    FAKETIME_DONT_FAKE_MONOTONIC=1 FAKETIME_FORCE_MONOTONIC_FIX=0 \
	    FACILITATOR_REQUIRE_POSTGRES=1 $(BIN)/python -m pytest -n auto -p no:cacheprovider; \
	done

lint: install
	$(BIN)/ruff check .

## Refresh requirements.lock after changing dependencies in pyproject.toml.
lock: install
	$(BIN)/python -m pip freeze --exclude-editable | grep -v '^facilitator' > requirements.lock

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache
