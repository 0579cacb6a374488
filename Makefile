# data-api: every target sets up what it needs. A fresh machine needs only Python 3.11+,
# Node.js 20, make and git.
SHELL := /bin/bash
.DEFAULT_GOAL := help

PYTHON ?= python3
PIPENV_VERSION := 2026.10.3
TOOLS := .tools
PIPENV := $(TOOLS)/bin/pipenv
VENV := .venv
PY := $(VENV)/bin/python
SCAN_VENV := .scan
AUTH_MODES_OUT := .build/scan-auth-modes

# The package index comes from pip's own configuration (so a corporate mirror is used), else
# pip's built-in default. An index already exported in the environment wins.
PIP_INDEX_URL ?= $(shell $(PYTHON) -m pip config get global.index-url 2>/dev/null \
	|| $(PYTHON) -m pip config get install.index-url 2>/dev/null \
	|| $(PYTHON) -c 'from pip._internal.models.index import PyPI; print(PyPI.simple_url)')
export PIP_INDEX_URL
export PIPENV_VENV_IN_PROJECT := 1
export PIPENV_YES := 1
export PIPENV_NOSPIN := 1
export PIPENV_IGNORE_VIRTUALENVS := 1
export PIPENV_VERBOSITY := -1
export PYTHONDONTWRITEBYTECODE := 1

.PHONY: help setup lock synth test lint unit scan snapshot-update local load verify capacity bench clean

help:
	@echo "make synth            write cdktf.out/stacks/<stack>/cdk.tf.json for every stack"
	@echo "make test             lint, type-check and the whole test suite (security scan included)"
	@echo "make scan             checkov and parliament over every synthesized stack"
	@echo "make snapshot-update  rewrite the stack snapshots after an intended change"
	@echo "make local            serve the API on http://127.0.0.1:8080 (PORT, HOST override)"
	@echo "make load             load check: LOAD_ARGS='--requests 1000 --rate 100 --concurrency 20'"
	@echo "make verify           check a deployment: DATA_API_OUTPUTS=outputs-dev.json (VERIFY_ARGS=--alarm-test)"
	@echo "make capacity         throttling and monthly cost per environment and billing mode (CAPACITY_OUT)"
	@echo "make bench            measure synth, test suite, cold start, warm cost, asset size"
	@echo "make clean            remove generated files (never the Terraform state or files you wrote)"

$(PIPENV):
	$(PYTHON) -m venv $(TOOLS)
	$(TOOLS)/bin/pip install --quiet --disable-pip-version-check pipenv==$(PIPENV_VERSION)

# Re-synced whenever the lock changes; the marker keeps later runs instant. The venv is made
# with $(PYTHON) first, so any Python 3.11+ works (pipenv would otherwise insist on the 3.11 the
# Pipfile was locked with).
$(VENV)/.synced: Pipfile.lock | $(PIPENV)
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PIPENV) sync --dev
	touch $@

setup: $(VENV)/.synced

# After editing the Pipfile: resolve and pin again (the index placeholder stays in the lock).
lock: | $(PIPENV)
	$(PIPENV) lock

synth: setup
	$(PY) main.py
	@ls -d cdktf.out/stacks/*/

lint: setup
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .
	$(PY) -m mypy

# The suite runs the security gate too (tests/unit/test_scan.py), on the stacks it synthesizes
# anyway: one process pays for the provider, and pytest's summary is the last word.
unit: setup $(SCAN_VENV)/.installed
	$(PY) -m pytest

# The scanners live in their own venv, so their dependencies never meet cdktf's.
$(SCAN_VENV)/.installed: security/requirements.txt
	$(PYTHON) -m venv $(SCAN_VENV)
	$(SCAN_VENV)/bin/pip install --quiet --disable-pip-version-check --no-deps -r security/requirements.txt
	touch $@

# The default stacks (auth none, provisioned), and a synth with dev on api_key and staging on iam
# with on-demand tables, so every auth mode and billing mode is scanned.
scan: synth $(SCAN_VENV)/.installed
	rm -rf $(AUTH_MODES_OUT)
	CDKTF_OUTDIR=$(AUTH_MODES_OUT) DATA_API_ENVIRONMENTS=dev,staging DATA_API_DEV_API_AUTH=api_key \
		DATA_API_STAGING_API_AUTH=iam DATA_API_STAGING_BILLING_MODE=on_demand $(PY) main.py
	$(SCAN_VENV)/bin/python security/scan.py cdktf.out $(AUTH_MODES_OUT)

test: lint unit

snapshot-update: setup
	$(PY) -m pytest tests/unit/test_snapshot.py --snapshot-update

local: setup
	$(PY) -m local.api

LOAD_ARGS ?=
load: setup
	$(PY) -m local.load $(LOAD_ARGS)

# Checks a deployed environment stack against every claim (read-only, plus a few requests).
VERIFY_ARGS ?=
verify: setup
	$(PY) -m verify.run $(VERIFY_ARGS)

# The capacity model's report: a table, .build/capacity/report.json and the step scenario's plot.
capacity: setup
	$(PY) -m capacity.report

bench: setup
	$(PY) -m bench.run

clean:
	$(PYTHON) -m constructs_lib.output_dir clean cdktf.out
	rm -rf .build .pytest_cache .mypy_cache .ruff_cache $(SCAN_VENV)
