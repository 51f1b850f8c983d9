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

# --- images (issue 5) ---
# Lambda container images: Dockerfile.base + images/<service>/Dockerfile; the logic lives in
# images/*.sh. Every variable below can be set on the command line or in the environment.
BASE_IMAGE ?= $(or $(ORDERFLOW_BASE_IMAGE),python:3.12-slim)
IMAGE_PREFIX ?= orderflow
IMAGE_SERVICES ?= order invoice billing shipment email
SERVICE ?=
EVENT ?=
IMAGE_ENV = IMAGE_PREFIX='$(IMAGE_PREFIX)' SERVICES='$(IMAGE_SERVICES)' $(if $(IMAGE_TAG),IMAGE_TAG='$(IMAGE_TAG)') $(if $(DOCKER),DOCKER='$(DOCKER)')

.PHONY: build push run-image invoke constraints lint-docker test-images

build: ## build the base and every service image (tags: git short SHA, latest); prints sizes
	$(IMAGE_ENV) BASE_IMAGE='$(BASE_IMAGE)' PIP_CERT='$(PIP_CERT)' images/build.sh

push: ## log in to ECR, push each service image, write .local/image-digests.json for Terraform
	$(IMAGE_ENV) images/push.sh

run-image: ## run SERVICE=x under aws-lambda-rie on 127.0.0.1:9000, AWS calls to the local stack
	$(IMAGE_ENV) SERVICE='$(SERVICE)' PY='$(if $(wildcard $(PY)),$(PY),python3)' images/run-image.sh

invoke: ## POST EVENT=tests/events/x.json to the image `make run-image` runs; print the response
	SERVICE='$(SERVICE)' EVENT='$(EVENT)' images/invoke.sh

constraints: $(STAMP) ## re-pin images/constraints.txt from pyproject's runtime dependencies
	$(PY) images/freeze_constraints.py --venv $(VENV)

lint-docker: $(STAMP) ## hadolint every Dockerfile (rules in .hadolint.yaml)
	$(VENV)/bin/hadolint Dockerfile.base images/*/Dockerfile

test-images: $(STAMP) ## image tests only (needs a Docker daemon: .ci/docker-setup.sh)
	$(PY) -m pytest tests/images $(PYTEST_ARGS)

# --- bench (issue 6) ---
# Cold start, AWS requests and cost per order, handler and pipeline throughput. Not part of
# `make test`. Prints a table and writes bench/results.json. BENCH_ARGS e.g. "--orders 500".
BENCH_ARGS ?=

.PHONY: bench

bench: $(STAMP) ## measure cold start, requests and cost per order, throughput; write bench/results.json
	$(PY) -m services.local.bench $(BENCH_ARGS)
