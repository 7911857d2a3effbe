# RLS Care: `make run` serves the app on embedded defaults with demo data; `make test` runs every test.
# Both start with `make setup`, which is safe to run again (it only redoes what changed).

SHELL := /bin/bash
VENV := .venv
PY := $(VENV)/bin/python
PORT ?= 8000

# The first Python >= 3.12 on PATH (pyenv shims included); override with `make PYTHON=/path/to/python3.12`.
PYTHON ?= $(shell for p in python3.12 python3.13 python3.14 python3; do \
	command -v $$p >/dev/null 2>&1 && $$p -c 'import sys; sys.exit(sys.version_info < (3, 12))' 2>/dev/null \
	&& { echo $$p; break; }; done)

.PHONY: setup run test lint format clean frontend

$(VENV)/.installed: requirements.txt requirements-dev.txt
	@if [ -z "$(PYTHON)" ]; then echo "No Python >= 3.12 found. Install one (pyenv install 3.12) or run make PYTHON=/path/to/python3.12" >&2; exit 1; fi
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements-dev.txt
	@touch $@

# The PWA bundle (frontend/build/, git-ignored): npm ci when the lockfile changes, the build when a source does.
frontend/node_modules/.installed: frontend/package.json frontend/package-lock.json
	cd frontend && npm ci --no-audit --no-fund --loglevel=error
	@touch $@

frontend/build/assets.json: frontend/node_modules/.installed frontend/build.mjs $(shell find frontend/src -type f 2>/dev/null)
	cd frontend && node build.mjs

frontend: frontend/build/assets.json

setup: $(VENV)/.installed frontend/build/assets.json
	bin/ensure-weasyprint
	$(PY) manage.py migrate --noinput

run: setup
	$(PY) manage.py seed_demo
	PORT=$(PORT) bin/run-dev

test: setup
	bin/ensure-chromium
	bin/run-tests

lint: $(VENV)/.installed
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy

format:
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

clean:
	rm -rf $(VENV) var staticfiles .pytest_cache frontend/build frontend/node_modules
