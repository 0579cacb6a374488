# data-api: every target sets up what it needs. A fresh machine needs only Python 3.11+, make
# and git: the project installs its own Node.js (a pinned wheel) and its own CDKTF CLI.
SHELL := /bin/bash
.DEFAULT_GOAL := help

PYTHON ?= python3
UV_VERSION := 0.13.9
PIPENV_VERSION := 2026.10.3
TOOLS := .tools
UV := $(TOOLS)/bin/uv
PIPENV := $(TOOLS)/bin/pipenv
SCAN_VENV := .scan
AUTH_MODES_OUT := .build/scan-auth-modes

# The CDK framework: CDKTF (the default) or CDK Terrain (CDK_FRAMEWORK=cdktn, docs/cdk-terrain.md),
# each with its own venv from its own lock; constructs_lib/framework.py reads the same variable.
CDK_FRAMEWORK ?= cdktf
export CDK_FRAMEWORK
ifeq ($(CDK_FRAMEWORK),cdktf)
VENV := .venv
REQUIREMENTS := .build/requirements-dev.txt
FRAMEWORK_LOCK :=
CLI_DIR :=
MYPY_FLAGS := --always-false CDK_TERRAIN
else ifeq ($(CDK_FRAMEWORK),cdktn)
VENV := .venv-cdktn
REQUIREMENTS := .build/requirements-dev-cdktn.txt
FRAMEWORK_LOCK := frameworks/cdktn/Pipfile.lock
CLI_DIR := frameworks/cdktn/
MYPY_FLAGS := --always-true CDK_TERRAIN --cache-dir .mypy_cache-cdktn
else
$(error CDK_FRAMEWORK must be cdktf or cdktn, not '$(CDK_FRAMEWORK)')
endif
PY := $(VENV)/bin/python
export MYPY_FLAGS

# The package index comes from pip's own configuration (so a corporate mirror is used), else
# pip's built-in default (tools/pip_index.py: what `pip config get` answers, in one process). An
# index already exported in the environment wins. Only the recipes that install are given it
# (INSTALLS, below), and a make run asks pip at most once ($(eval) keeps the first answer): the
# question takes about 0.3 s, which every make run paid before it, installing or not.
INDEX_FROM_ENVIRONMENT := $(PIP_INDEX_URL)
package_index = $(eval package_index := $$(or $$(INDEX_FROM_ENVIRONMENT),$$(shell $(PYTHON) tools/pip_index.py)))$(package_index)
export UV_NO_PROGRESS := 1
export PIPENV_VENV_IN_PROJECT := 1
export PIPENV_YES := 1
export PIPENV_NOSPIN := 1
export PIPENV_IGNORE_VIRTUALENVS := 1
export PIPENV_VERBOSITY := -1
# The CDKTF CLI and Terraform: no version check or crash report over the network.
export CHECKPOINT_DISABLE := 1
# Python keeps its bytecode caches here even where the shell sets PYTHONDONTWRITEBYTECODE (this
# machine's image does): without them every process of a test run compiled the project's modules
# again, and pytest rewrote ~370 test and plugin modules per process, each run (about 4 s of CPU
# in each pytest process alone). __pycache__ is in .gitignore.
unexport PYTHONDONTWRITEBYTECODE

.PHONY: help setup lock synth test lint unit scan snapshot-update local load verify capacity bench clean \
	plan deploy destroy drift bootstrap cdktf docs parity plan-comment drift-issue browser-check local-token

help:
	@echo "make synth            write cdktf.out/stacks/<stack>/cdk.tf.json for every stack"
	@echo "make test             lint, type-check and the whole test suite (security scan included)"
	@echo "make scan             checkov and parliament over every synthesized stack"
	@echo "make snapshot-update  rewrite the stack snapshots after an intended change"
	@echo "make local            serve the API on http://127.0.0.1:8080 (PORT, HOST override)"
	@echo "make local-token      an access token make local accepts (api_auth = cognito)"
	@echo "make load             load check: LOAD_ARGS='--requests 1000 --rate 100 --concurrency 20'"
	@echo "make browser-check    headless Chromium against make local: listed CORS origins read, others refused"
	@echo "make bootstrap        once per account and region: the S3 state bucket (prints the settings to add)"
	@echo "make plan ENV=dev     what a deploy would change, per stack (summary in .build/plan-dev.md)"
	@echo "make deploy ENV=dev   deploy them (AUTO_APPROVE=1 skips the question); outputs in .build/outputs-dev.json"
	@echo "make destroy ENV=dev  destroy the environment's stack (prod also needs CONFIRM_PROD=1 or typing its name)"
	@echo "make drift ENV=dev    changes made outside Terraform (a refresh-only plan; exit 2 on drift)"
	@echo "make plan-comment     (GitHub Actions) post or update the pull request's plan comment"
	@echo "make drift-issue ENV=dev  (GitHub Actions) open or update the environment's drift issue"
	@echo "make verify ENV=dev   check a deployment against every claim (VERIFY_ARGS=--alarm-test)"
	@echo "make cdktf ARGS=...   the pinned CDKTF CLI on the project's Node"
	@echo "make capacity         throttling and monthly cost per environment and billing mode (CAPACITY_OUT)"
	@echo "make bench            measure synth, test suite, cold start, warm cost, asset size"
	@echo "make parity           CDKTF and CDK Terrain synthesize the same JSON (installs both; docs/cdk-terrain.md)"
	@echo "CDK_FRAMEWORK=cdktn   with any target: CDK Terrain instead of CDKTF (its own venv, lock and CLI)"
	@echo "make docs             regenerate docs/settings.md, docs/outputs.md and docs/openapi.yaml"
	@echo "make clean            remove generated files (never the Terraform state or files you wrote)"

$(UV):
	$(PYTHON) -m venv $(TOOLS)
	$(TOOLS)/bin/pip install --quiet --disable-pip-version-check uv==$(UV_VERSION)

$(PIPENV): | $(UV)
	$(UV) pip install --quiet --python $(TOOLS)/bin/python pipenv==$(PIPENV_VERSION)

# Pipfile.lock is the source of truth; uv installs exactly its pins, hashes checked, in seconds.
$(REQUIREMENTS): Pipfile.lock $(FRAMEWORK_LOCK)
	$(PYTHON) tools/lockfile.py Pipfile.lock $@ --dev $(if $(FRAMEWORK_LOCK),--framework-lock $(FRAMEWORK_LOCK))

# Re-synced whenever the lock changes; the marker keeps later runs instant. The venv is made
# with $(PYTHON), so any Python 3.11+ works. Bytecode is compiled once, here: without .pyc files
# every process would compile what it imports (the provider's load alone: 2.9 s became 4.7 s).
# The project's own modules and pytest's rewritten tests cache theirs in __pycache__ (never in
# the function's asset, nor in synth's stamp).
$(VENV)/.synced: $(REQUIREMENTS) | $(UV)
	test -x $(PY) || $(UV) venv --quiet --python $(PYTHON) $(VENV)
	$(UV) pip sync --quiet --python $(PY) --require-hashes --compile-bytecode $(REQUIREMENTS)
	touch $@

# The pinned CDKTF CLI (package-lock.json), installed with the project's own Node and npm.
$(CLI_DIR)node_modules/.installed: $(CLI_DIR)package-lock.json | $(VENV)/.synced
	$(PY) -m tools.node npm ci $(if $(CLI_DIR),--prefix $(CLI_DIR)) --no-audit --no-fund --loglevel=error
	touch $@

setup: $(VENV)/.synced $(CLI_DIR)node_modules/.installed

# The recipes that install from the package index (make also gives these variables to what it
# builds first for them). uv reads no pip configuration: it is handed the same index.
INSTALLS := $(UV) $(PIPENV) $(VENV)/.synced $(SCAN_VENV)/.installed lock
$(INSTALLS): export PIP_INDEX_URL = $(package_index)
$(INSTALLS): export UV_DEFAULT_INDEX = $(package_index)

# After editing the Pipfile: resolve and pin again (the index placeholder stays in the lock).
lock: | $(PIPENV)
	$(PIPENV) lock
	PIPENV_PIPFILE=frameworks/cdktn/Pipfile $(PIPENV) lock

# Skipped, in one line, when nothing synth reads has changed since the last synth (tools/synth.py).
synth: setup
	$(PY) -m tools.synth
	@ls -d $${CDKTF_OUTDIR:-cdktf.out}/stacks/*/

lint: setup
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .
	$(PY) -m mypy $(MYPY_FLAGS)

# The suite runs the security gate too (tests/scan/test_scan.py), on the stacks it synthesizes
# anyway: one process pays for the provider, and pytest's summary is the last word.
unit: setup $(SCAN_VENV)/.installed
	$(PY) -m pytest

# The scanners live in their own venv, so their dependencies never meet cdktf's.
$(SCAN_VENV)/.installed: security/requirements.txt | $(UV)
	rm -rf $(SCAN_VENV)
	$(UV) venv --quiet --python $(PYTHON) $(SCAN_VENV)
	$(UV) pip install --quiet --python $(SCAN_VENV)/bin/python --no-deps --compile-bytecode -r security/requirements.txt
	touch $@

# The default stacks (auth none, provisioned), and a synth with dev on api_key and staging on iam
# with on-demand tables, deployed from CI (state in S3, a GitHub repository): so every auth mode,
# billing mode and the CI stack are scanned.
scan: synth $(SCAN_VENV)/.installed
	rm -rf $(AUTH_MODES_OUT)
	CDKTF_OUTDIR=$(AUTH_MODES_OUT) DATA_API_DEV_API_AUTH=api_key \
		DATA_API_STAGING_API_AUTH=iam DATA_API_STAGING_BILLING_MODE=on_demand \
		DATA_API_STATE_BACKEND=s3 DATA_API_STATE_BUCKET=example-terraform-state \
		DATA_API_GITHUB_REPOSITORY=example-org/data-api $(PY) main.py
	$(SCAN_VENV)/bin/python security/scan.py cdktf.out $(AUTH_MODES_OUT)

# ruff first (about a second), then mypy in the background while the suite runs; the suite's
# failures are named again in the last lines (tools/test.py).
# Both frameworks synthesize the default settings into .build/parity/; tools/parity.py compares.
PARITY_OUT := .build/parity
parity:
	$(MAKE) --no-print-directory CDK_FRAMEWORK=cdktf .venv/.synced
	$(MAKE) --no-print-directory CDK_FRAMEWORK=cdktn .venv-cdktn/.synced
	rm -rf $(PARITY_OUT)
	CDK_FRAMEWORK=cdktf CDKTF_OUTDIR=$(PARITY_OUT)/cdktf .venv/bin/python main.py
	CDK_FRAMEWORK=cdktn CDKTF_OUTDIR=$(PARITY_OUT)/cdktn .venv-cdktn/bin/python main.py
	.venv/bin/python -m tools.parity $(PARITY_OUT)/cdktf $(PARITY_OUT)/cdktn

test: setup $(SCAN_VENV)/.installed
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .
	$(PY) -m tools.test

# The settings reference and the outputs page, generated from the code, and docs/openapi.yaml from
# the contract (a test fails when any is stale).
docs: setup
	$(PY) -m tools.settings_doc

snapshot-update: setup
	$(PY) -m pytest tests/stacks/test_snapshot.py --snapshot-update

local: setup
	$(PY) -m local.api

# api_auth = cognito: an access token make local accepts (signed with .build/local-cognito-key).
local-token: setup
	@$(PY) -m local.tokens $(TOKEN_ARGS)

# A real browser (Debian's headless Chromium) against make local with two CORS origins listed:
# two pages on listed origins read the answer, one on another origin is refused it.
browser-check: setup
	@command -v chromium >/dev/null || command -v chromium-browser >/dev/null || \
		{ echo "data-api: error: Chromium is not installed: apt-get install chromium (Debian)" >&2; exit 1; }
	$(PY) -m pytest tests/local/test_browser.py -p no:randomly

LOAD_ARGS ?=
load: setup
	$(PY) -m local.load $(LOAD_ARGS)

# The path to AWS (deploy/run.py): ENV is an environment settings.toml lists. AUTO_APPROVE=1,
# CONFIRM_PROD=1 (destroying prod), MIGRATE_STATE=1, ENVIRONMENT_ONLY=1 (CI: the environment's
# stack alone) and TF_VAR_alert_email are read from the environment; outputs land in
# .build/outputs-$(ENV).json; make plan's summary in .build/plan-$(ENV).md.
ENV ?=
plan deploy destroy: synth
	$(PY) -m deploy.run $@ --env "$(ENV)"

# Changes made outside Terraform: a refresh-only plan per stack, exit 2 on drift (needs terraform
# and the AWS provider, as plan does); what drifted goes to .build/drift-$(ENV).md.
drift: synth
	$(PY) -m deploy.run drift --env "$(ENV)"

# In GitHub Actions (.github/workflows/): the pull request's plan comment, kept up to date from
# every .build/plan-<env>.md, and the environment's drift issue from .build/drift-$(ENV).md.
plan-comment: setup
	$(PY) -m deploy.github plan-comment

drift-issue: setup
	$(PY) -m deploy.github drift-issue --env "$(ENV)"

# Once per account and region: the S3 state bucket (its own state stays local).
bootstrap: synth
	$(PY) -m deploy.run bootstrap

# The pinned CDKTF CLI on the project's Node, for anything the targets above do not cover:
# make cdktf ARGS="output data-api-dev"
ARGS ?=
cdktf: setup
	$(PY) -m tools.node cdktf $(ARGS)

# Checks a deployed environment stack against every claim (read-only, plus a few requests):
# .build/outputs-$(ENV).json by default, DATA_API_OUTPUTS wins.
VERIFY_ARGS ?=
verify: setup
	$(PY) -m verify.run $(if $(ENV),--env "$(ENV)") $(VERIFY_ARGS)

# The capacity model's report: a table, .build/capacity/report.json and the step scenario's plot (SVG).
capacity: setup
	$(PY) -m capacity.report

BENCH_ARGS ?=
# Installs both frameworks' venvs: the synth figures show CDKTF and CDK Terrain side by side.
bench: setup
	$(MAKE) --no-print-directory CDK_FRAMEWORK=cdktf .venv/.synced
	$(MAKE) --no-print-directory CDK_FRAMEWORK=cdktn .venv-cdktn/.synced
	$(PY) -m bench.run $(BENCH_ARGS)

clean:
	$(PYTHON) -m constructs_lib.output_dir clean cdktf.out
	rm -rf .build .pytest_cache .mypy_cache .mypy_cache-cdktn .ruff_cache $(SCAN_VENV)
