# orderflow — every entry point people use. `make help` lists them.
SHELL := /bin/bash
.DEFAULT_GOAL := help

PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-stamp
LOCAL_STAMP := $(VENV)/.local-stamp
PYTEST_ARGS ?=
ARGS ?=

.PHONY: help venv test test-unit lint run demo schemas chaos contract

help: ## list the targets
	@grep -hE '^[a-zA-Z_-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-12s %s\n", $$1, $$2}'

# Two installs: `.[dev]` (everything: tests, linters, scanners) for make test/lint, and `.[local]`
# (the runtime and the local stack only) for make run/demo. The preflight names what it installs,
# and stops with the exact packages to get where awslambdaric would need a compiler.
$(STAMP): pyproject.toml
	@$(PYTHON) -m services.local.preflight --extra dev
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	@touch $@ $(LOCAL_STAMP)

$(LOCAL_STAMP): pyproject.toml
	@set -eo pipefail; if [ -f $(STAMP) ] && [ $(STAMP) -nt pyproject.toml ]; then touch $@; exit 0; fi; \
	$(PYTHON) -m services.local.preflight --extra local; \
	test -x $(PY) || $(PYTHON) -m venv $(VENV); \
	$(PY) -m pip install --quiet --upgrade pip; \
	$(PY) -m pip install -e '.[local]' | { grep --line-buffered -E '^(Collecting|Successfully installed)' | sed -u 's/ (from .*//' || true; }; \
	touch $@

venv: $(STAMP) ## create .venv and install (only when missing or pyproject.toml changed)

# Two workers: the suites wait on stacks, Terraform and Docker much of the time. Each suite with
# a machine-wide fixture stays on one worker (tests/conftest.py). PYTEST_ARGS="-n 0" runs serially.
test: lint ## lint, then run the whole test suite
	$(PY) -m pytest -n 2 --dist loadgroup $(PYTEST_ARGS)

lint: $(STAMP) ## ruff, mypy, the import contracts, hadolint, actionlint, checkov (terraform/ and .github/): zero findings
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy
	$(VENV)/bin/lint-imports --no-cache
	$(VENV)/bin/hadolint Dockerfile.base images/*/Dockerfile
	$(VENV)/bin/actionlint
	BC_SKIP_MAPPING=TRUE CKV_SKIP_PACKAGE_UPDATE_CHECK=TRUE $(VENV)/bin/checkov --directory terraform \
	  --framework terraform --skip-download --download-external-modules false --quiet --compact
	BC_SKIP_MAPPING=TRUE CKV_SKIP_PACKAGE_UPDATE_CHECK=TRUE $(VENV)/bin/checkov --directory .github \
	  --framework github_actions --skip-download --quiet --compact

test-unit: $(STAMP) ## unit and integration tests only (fast)
	$(PY) -m pytest tests/unit tests/integration $(PYTEST_ARGS)

schemas: $(STAMP) ## regenerate the committed JSON Schemas and OpenAPI document
	$(PY) -m services.shared.schemas --write
	$(PY) -m services.order.entrypoints.http.openapi --write

CONTRACT_ARGS ?=
contract: $(STAMP) ## fuzz the HTTP API from openapi.json: 1,000 examples, random seed (CONTRACT_ARGS="--seed N")
	$(PY) -m tests.contract.fuzz --examples 1000 $(CONTRACT_ARGS)

run: $(LOCAL_STAMP) ## the whole system on loopback (moto + HTTP API + pollers); options: ARGS="--retry-delay 5"
	$(PY) -m services.local $(ARGS)

demo: $(LOCAL_STAMP) ## send three orders to a running `make run` and print their timelines
	$(PY) -m services.local.tools.demo

CHAOS_ARGS ?=
chaos: $(STAMP) ## every fault profile, 100 orders each, random seed; writes bench/chaos.json
	$(PY) -m services.local.chaos $(CHAOS_ARGS)

# --- images ---
# Lambda container images: Dockerfile.base + images/<service>/Dockerfile; the logic lives in
# images/*.sh. Every variable below can be set on the command line or in the environment.
BASE_IMAGE ?= $(or $(ORDERFLOW_BASE_IMAGE),python:3.12-slim)
IMAGE_PREFIX ?= orderflow
IMAGE_SERVICES ?= order invoice billing shipment email
SERVICE ?=
EVENT ?=
IMAGE_ENV = IMAGE_PREFIX='$(IMAGE_PREFIX)' SERVICES='$(IMAGE_SERVICES)' $(if $(IMAGE_TAG),IMAGE_TAG='$(IMAGE_TAG)') $(if $(DOCKER),DOCKER='$(DOCKER)')
# The images are built for the instruction set the workspace's functions run on: image_architecture
# in terraform/environments/$(WORKSPACE).tfvars (Terraform's default, x86_64, when it is not set).
# Building on an arm64 Mac for an x86_64 workspace needs Docker's emulation (Docker Desktop has it).
IMAGE_ARCHITECTURE ?= $(or $(shell sed -nE 's/^image_architecture[[:space:]]*=[[:space:]]*"([a-z0-9_]+)".*/\1/p' $(TF_DIR)/environments/$(WORKSPACE).tfvars 2>/dev/null),x86_64)
IMAGE_PLATFORM ?= $(if $(filter arm64,$(IMAGE_ARCHITECTURE)),linux/arm64,$(if $(filter x86_64,$(IMAGE_ARCHITECTURE)),linux/amd64,$(error image_architecture "$(IMAGE_ARCHITECTURE)" is neither x86_64 nor arm64)))

.PHONY: build push run-image invoke constraints lint-docker test-images

build: ## build the base and every service image for WORKSPACE's architecture (tags: git short SHA, latest)
	$(IMAGE_ENV) PLATFORM='$(IMAGE_PLATFORM)' BASE_IMAGE='$(BASE_IMAGE)' PIP_CERT='$(PIP_CERT)' images/build.sh

push: ## log in to ECR, push each service image, write .local/image-digests.json for Terraform
	$(IMAGE_ENV) images/push.sh

run-image: ## run SERVICE=x behind the Invoke endpoint on 127.0.0.1:9000 (aws-lambda-rie, else our Runtime API)
	$(IMAGE_ENV) SERVICE='$(SERVICE)' PY='$(if $(wildcard $(PY)),$(PY),python3)' images/run-image.sh

invoke: ## POST EVENT=tests/events/x.json to the image `make run-image` runs; print the response
	SERVICE='$(SERVICE)' EVENT='$(EVENT)' images/invoke.sh

constraints: $(STAMP) ## re-pin images/constraints.txt from pyproject's runtime dependencies
	$(PY) images/freeze_constraints.py --venv $(VENV)

lint-docker: $(STAMP) ## hadolint every Dockerfile (rules in .hadolint.yaml)
	$(VENV)/bin/hadolint Dockerfile.base images/*/Dockerfile

test-images: $(STAMP) ## image tests only (needs a Docker daemon: .ci/docker-setup.sh)
	$(PY) -m pytest tests/images $(PYTEST_ARGS)

# --- bench ---
# Cold start, AWS requests and cost per order, handler and pipeline throughput. Not part of
# `make test`. Prints a table and writes bench/results.json. BENCH_ARGS e.g. "--orders 500".
BENCH_ARGS ?=

.PHONY: bench

bench: $(STAMP) ## measure cold start, requests and cost per order, throughput; write bench/results.json
	$(PY) -m services.local.bench $(BENCH_ARGS)

# --- terraform ---
# Deploy terraform/ to a real AWS account, one Terraform workspace per environment (dev, staging,
# prod; values in terraform/environments/<workspace>.tfvars). First copy
# terraform/backend.hcl.example to terraform/backend.hcl and fill it in.
# Images: IMAGE_TAG=<tag or sha256:digest> [IMAGE_DIGESTS='{order="sha256:..."}'], else
# .local/image-digests.json from `make push`,
# else (plan only) the git short SHA. TF_PLUGIN_MIRROR=<dir> installs providers from a local mirror.
TF ?= terraform
TF_DIR ?= terraform
WORKSPACE ?= dev
TF_BACKEND_CONFIG ?= backend.hcl
TF_DIGESTS_FILE ?= .local/image-digests.json
TF_APPLY_ARGS ?=
TF_PLAN_ARGS ?=
TF_RUN = $(if $(TF_PLUGIN_MIRROR),TF_CLI_CONFIG_FILE="$$($(TF_DIR)/scripts/tf-mirror-config.sh)") $(TF) -chdir=$(TF_DIR)
TF_IMAGE_VARS = $(if $(IMAGE_TAG),-var 'image_tag=$(IMAGE_TAG)' $(if $(IMAGE_DIGESTS),-var 'image_digests=$(IMAGE_DIGESTS)'),$(if $(wildcard $(TF_DIGESTS_FILE)),-var-file='$(abspath $(TF_DIGESTS_FILE))'))
TF_VARS = -var-file=environments/$(WORKSPACE).tfvars $(TF_IMAGE_VARS)

.PHONY: tf-init tf-workspace plan apply deploy tf-destroy tf-output api-key smoke tf-check test-infra

tf-init: ## terraform init with the S3 backend settings in terraform/backend.hcl
	@test -f $(TF_DIR)/$(TF_BACKEND_CONFIG) || { echo "missing $(TF_DIR)/$(TF_BACKEND_CONFIG): copy $(TF_DIR)/backend.hcl.example and fill it in" >&2; exit 1; }
	$(TF_RUN) init -input=false -backend-config=$(TF_BACKEND_CONFIG)

tf-workspace: tf-init
	@test -f $(TF_DIR)/environments/$(WORKSPACE).tfvars || { echo "no $(TF_DIR)/environments/$(WORKSPACE).tfvars (WORKSPACE=dev|staging|prod)" >&2; exit 1; }
	$(TF_RUN) workspace select -or-create $(WORKSPACE)

plan: tf-workspace ## terraform plan WORKSPACE=dev|staging|prod [IMAGE_TAG=...]
	$(TF_RUN) plan -input=false $(TF_VARS) $(if $(TF_IMAGE_VARS),,-var 'image_tag=$(shell git rev-parse --short HEAD 2>/dev/null)') $(TF_PLAN_ARGS)

apply: tf-workspace ## terraform apply WORKSPACE=dev|staging|prod IMAGE_TAG=... (or after `make push`)
	@test -n "$(TF_IMAGE_VARS)" || { echo "set IMAGE_TAG=<tag or sha256:digest>, or run \`make push\` to write $(TF_DIGESTS_FILE)" >&2; exit 1; }
	$(TF_RUN) apply -input=false $(TF_VARS) $(TF_APPLY_ARGS)

# A deploy from an empty account (after terraform/bootstrap) or any later one: the ECR
# repositories first (the functions need images that exist), then the images for the workspace's
# architecture, tagged with the git short SHA (-dirty-<hash> for uncommitted changes), pushed,
# and the whole workspace applied pinned to the pushed digests (.local/image-digests.json).
deploy: ## ECR repositories, `make build push`, then the full apply pinned to the pushed digests
	$(MAKE) --no-print-directory apply WORKSPACE='$(WORKSPACE)' IMAGE_TAG=bootstrap IMAGE_DIGESTS= TF_APPLY_ARGS='$(TF_APPLY_ARGS) -target=module.ecr'
	rm -f '$(TF_DIGESTS_FILE)'
	$(MAKE) --no-print-directory build WORKSPACE='$(WORKSPACE)'
	$(MAKE) --no-print-directory push WORKSPACE='$(WORKSPACE)'
	$(MAKE) --no-print-directory apply WORKSPACE='$(WORKSPACE)'
	@echo "deployed $(WORKSPACE): make smoke WORKSPACE=$(WORKSPACE)" >&2

tf-destroy: tf-workspace ## terraform destroy WORKSPACE=... (asks first; tables must have deletion protection off)
	$(TF_RUN) destroy $(TF_VARS) $(if $(TF_IMAGE_VARS),,-var 'image_tag=destroy')

tf-output: tf-workspace ## print the outputs of WORKSPACE (API URL, topic, ECR URLs, DLQ URLs)
	$(TF_RUN) output

# Only the key goes to stdout, so `curl -H "x-api-key: $$(make -s api-key WORKSPACE=dev)"` works;
# init and workspace messages go to stderr, and an unreadable or empty key is an error.
api-key: ## print only the API key of WORKSPACE on stdout (all else on stderr; fails if unreadable)
	@$(MAKE) --no-print-directory tf-workspace >&2
	@key="$$($(TF_RUN) output -raw api_key_value)" && [ -n "$$key" ] || \
	  { echo "error: no API key in the $(WORKSPACE) state (is it applied? can you read its state?)" >&2; exit 1; }; \
	  printf '%s\n' "$$key"

# The smoke test CI's deploy job runs (.github/workflows/deploy.yml). SMOKE_ARGS e.g.
# "--email you@example.com": in the SES sandbox only a verified recipient gets the emails.
SMOKE_ARGS ?=
smoke: $(STAMP) ## place one order on WORKSPACE's deployed API and wait until it shipped and was paid
	@$(MAKE) --no-print-directory tf-workspace >&2
	@url="$$($(TF_RUN) output -raw api_url)" && key="$$($(MAKE) -s --no-print-directory api-key WORKSPACE='$(WORKSPACE)')" && \
	  $(PY) -m deploy.smoke --api-url "$$url" --api-key "$$key" $(SMOKE_ARGS)

tf-check: $(STAMP) ## fmt, validate, module conventions and checkov on terraform/ (offline, no AWS)
	$(PY) -m pytest tests/infra/test_static.py $(PYTEST_ARGS)

test-infra: $(STAMP) ## all Terraform tests: static checks, plans, apply/plan/destroy into moto
	$(PY) -m pytest tests/infra $(PYTEST_ARGS)
