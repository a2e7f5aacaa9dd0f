# Marquee: `make run` serves the app, `make test` runs the test suite.
# Both create .venv on first use and reinstall only when pyproject.toml changes.

VENV    := .venv
BIN     := $(VENV)/bin
FLASK   := $(BIN)/flask --app app:create_app
HOST    ?= 127.0.0.1
PORT    ?= 5000

.DEFAULT_GOAL := help
.PHONY: help run test worker lint migrate system-libs

help:
	@echo "make run      install, migrate, seed the demo if empty, serve on http://$(HOST):$(PORT)"
	@echo "make test     run the tests on SQLite (and PostgreSQL when TEST_DATABASE_URL is set)"
	@echo "make worker   run the background job worker (needs REDIS_URL)"
	@echo "make migrate  apply database migrations"
	@echo "make lint     ruff"

$(BIN)/python:
	@PY=$$(scripts/find-python.sh) && echo "Creating $(VENV) with $$PY" && "$$PY" -m venv $(VENV)
	@$(BIN)/python -m pip install --quiet --upgrade pip

# Stamps: reinstall only when pyproject.toml is newer than the last install.
$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e .
	@touch $@

$(VENV)/.installed-dev: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	@touch $@ $(VENV)/.installed

system-libs:
	@scripts/system-libs.sh

migrate: $(VENV)/.installed
	$(FLASK) db upgrade

run: $(VENV)/.installed system-libs migrate
	$(FLASK) seed-demo --if-empty
	@echo "Serving on http://$(HOST):$(PORT) (Ctrl-C to stop)"
	$(FLASK) run --host $(HOST) --port $(PORT)

worker: $(VENV)/.installed
	$(BIN)/python worker.py

test: $(VENV)/.installed-dev
	scripts/test.sh $(PYTEST_ARGS)

lint: $(VENV)/.installed-dev
	$(BIN)/ruff check .
