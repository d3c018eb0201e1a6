# VIP Tracker. `make demo` runs the whole product locally; `make test` runs the whole suite.
SHELL := /bin/bash
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
ASSETS := static/vendor/.stamp

.PHONY: install assets demo demo-reset test lint fmt bench audit clean

install: $(STAMP)

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	@touch $(STAMP)

assets: $(ASSETS)

$(ASSETS): package.json package-lock.json scripts/vendor_assets.sh
	scripts/vendor_assets.sh
	@touch $(ASSETS)

demo: install assets
	@mkdir -p var
	$(BIN)/python manage.py migrate --noinput -v0
	$(BIN)/python manage.py demo_data
	DJANGO_SETTINGS_MODULE=config.settings.local $(BIN)/honcho -f Procfile.demo start

demo-reset:
	rm -rf var/demo.sqlite3* var/broker var/celerybeat-schedule*

test: install assets
	$(BIN)/python scripts/check_services.py
	$(BIN)/pytest -n 2 $(PYTEST_ARGS)

bench: install assets
	$(BIN)/python bench/run.py $(BENCH)

audit: install
	$(BIN)/python scripts/audit_dependencies.py

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports --no-cache

fmt: install
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

clean:
	rm -rf $(VENV) node_modules static/vendor staticfiles var
