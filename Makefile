# The two commands a fresh machine needs: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
FLASK := $(BIN)/flask --app facilitator
HOST ?= 127.0.0.1
PORT ?= 5000

.PHONY: run serve bench test install lint system-packages lock clean

## Install the project and its test tools into .venv (again only when pyproject or the lock change).
install: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml requirements.lock
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --upgrade pip
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -c requirements.lock -e '.[test]'
	touch $@

## A random secret key for this machine, kept out of git in instance/.
instance/config.py:
	mkdir -p instance
	$(BIN)/python -c "import secrets; print(f'SECRET_KEY = {secrets.token_hex(32)!r}')" > $@

## Migrate the SQLite database in instance/, load the demo if it is empty, serve on :5000.
run: install instance/config.py
	$(FLASK) db upgrade
	$(FLASK) demo --if-empty
	$(FLASK) run --host $(HOST) --port $(PORT)

## Production: gunicorn with FACILITATOR_WORKERS workers (default 4) on FACILITATOR_BIND
## (default 127.0.0.1:8000). Needs FACILITATOR_SECRET_KEY, and PostgreSQL for several workers.
serve: install
	$(BIN)/python -m facilitator.serve

## Every benchmark on 5,000 generated meetings; writes bench/results.md and bench/results.json.
bench: install system-packages
	$(BIN)/python -m bench

## What the tests need from Debian (browser, PDF tools, PostgreSQL with pg_dump and psql, nginx
## for the caching proxy test), installed when missing and we are root.
system-packages:
	@missing=""; \
	command -v chromium >/dev/null || missing="$$missing chromium"; \
	command -v pdftoppm >/dev/null || missing="$$missing poppler-utils"; \
	ls /usr/lib/postgresql/*/bin/pg_ctl >/dev/null 2>&1 || missing="$$missing postgresql"; \
	ls /usr/lib/postgresql/*/bin/pg_restore >/dev/null 2>&1 || missing="$$missing postgresql-client"; \
	command -v psql >/dev/null || missing="$$missing postgresql-client"; \
	command -v nginx >/dev/null || [ -x /usr/sbin/nginx ] || missing="$$missing nginx-light"; \
	command -v openssl >/dev/null || missing="$$missing openssl"; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ]; then \
	    echo "Installing$$missing"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null; \
	  else \
	    echo "Missing$$missing: install them (sudo apt-get install$$missing) and run make test again."; exit 1; \
	  fi; \
	fi

## Lint, security lint, then the whole suite against SQLite and a throwaway PostgreSQL the suite starts itself,
## on every core (pytest-xdist: each worker starts its own PostgreSQL).
## No dependency audit: pip-audit cannot reach its databases from here (docs/security.md).
test: install system-packages
	$(BIN)/ruff check .
	$(BIN)/bandit --quiet --recursive facilitator --severity-level high
	FACILITATOR_REQUIRE_POSTGRES=1 $(BIN)/python -m pytest -n auto

lint: install
	$(BIN)/ruff check .

## Refresh requirements.lock after changing dependencies in pyproject.toml.
lock: install
	$(BIN)/python -m pip freeze --exclude-editable | grep -v '^facilitator' > requirements.lock

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache
