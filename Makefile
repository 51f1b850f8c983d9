# orderflow — every entry point people use. `make help` lists them.
SHELL := /bin/bash
.DEFAULT_GOAL := help

PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-stamp
PYTEST_ARGS ?=

.PHONY: help venv test test-unit run demo schemas

help: ## list the targets
	@grep -hE '^[a-zA-Z_-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-12s %s\n", $$1, $$2}'

$(STAMP): pyproject.toml
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	@touch $@

venv: $(STAMP) ## create .venv and install (only when missing or pyproject.toml changed)

test: $(STAMP) ## run the whole test suite
	$(PY) -m pytest $(PYTEST_ARGS)

test-unit: $(STAMP) ## unit and integration tests only (fast)
	$(PY) -m pytest tests/unit tests/integration $(PYTEST_ARGS)

schemas: $(STAMP) ## regenerate the committed JSON Schemas and OpenAPI document
	$(PY) -m services.shared.schemas --write

run: $(STAMP) ## the whole system on loopback (moto + HTTP API + pollers)
	$(PY) -m services.local.stack

demo: $(STAMP) ## send three orders to a running `make run` and print their timelines
	$(PY) -m services.local.demo
