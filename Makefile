# Partnership Pulse. Quick start: `make demo` (app with demo data) and `make test` (all tests).
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
export FLASK_APP := app
HOST ?= 127.0.0.1
PORT ?= 5000
# links in the demo's output and emails point here (PARTNERSHIP_BASE_URL overrides)
BASE_URL ?= $(or $(PARTNERSHIP_BASE_URL),http://$(HOST):$(PORT))

.PHONY: demo test run lint migrate ci bench clean

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; assert sys.version_info >= (3, 11), "Python 3.11 or newer is needed"' || exit 1
	@$(PYTHON) -m venv --help >/dev/null 2>&1 || { echo "Python's venv module is missing: apt-get install python3-venv"; exit 1; }
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	@touch $(STAMP)

## demo: start the app and its scheduler on SQLite with the demo partnership (login printed)
# The address is printed once the login page answers (tools/wait_for_page.py), so nobody opens
# a page that is still starting; --preload imports the app once and forks ready workers. The
# scheduler (`flask jobs run`) runs beside it, as in production.
demo: $(STAMP)
	@PARTNERSHIP_ENV=development $(PY) -m flask db upgrade
	@PARTNERSHIP_ENV=development PARTNERSHIP_BASE_URL=$(BASE_URL) $(PY) -m flask demo
	@export PARTNERSHIP_ENV=development PARTNERSHIP_BASE_URL=$(BASE_URL); \
	  $(PY) -m flask jobs run & scheduler=$$!; \
	  $(PY) -m gunicorn --preload --workers 2 --bind $(HOST):$(PORT) app:app & server=$$!; \
	  trap 'kill $$scheduler $$server 2>/dev/null' EXIT INT TERM; \
	  if $(PY) tools/wait_for_page.py http://$(HOST):$(PORT)/login --pid $$server; then \
	    echo "Open $(BASE_URL)/ (Ctrl+C stops)."; \
	  else \
	    echo "The server did not start; see its messages above."; exit 1; \
	  fi; \
	  wait $$server

## test: the whole suite (SQLite; PostgreSQL and Chromium tests skip with a note when missing)
test: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/lint-imports
	$(VENV)/bin/mypy
	$(VENV)/bin/pytest -n 2 --dist loadgroup -q $(PYTEST_ARGS)

lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/lint-imports
	$(VENV)/bin/mypy

## migrate: upgrade the configured database (PARTNERSHIP_DATABASE_URL) to the latest schema
migrate: $(STAMP)
	$(PY) -m flask db upgrade

bench: $(STAMP)
	$(PY) benchmarks/submit.py
	$(PY) benchmarks/scoring.py
	$(PY) benchmarks/outbox_window.py
	$(PY) benchmarks/results_page.py

clean:
	rm -rf $(VENV) .pytest_cache test-artifacts
