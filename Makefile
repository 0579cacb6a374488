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

.PHONY: help setup synth test lint unit snapshot-update local load clean

help:
	@echo "make synth            write cdktf.out/stacks/<stack>/cdk.tf.json for every stack"
	@echo "make test             lint, type-check and run the whole test suite"
	@echo "make snapshot-update  rewrite the stack snapshots after an intended change"
	@echo "make local            serve the API on http://127.0.0.1:8080 (PORT, HOST override)"
	@echo "make load             load check: LOAD_ARGS='--requests 1000 --rate 100 --concurrency 20'"
	@echo "make clean            remove generated files (not the Terraform state)"

$(PIPENV):
	$(PYTHON) -m venv $(TOOLS)
	$(TOOLS)/bin/pip install --quiet --disable-pip-version-check pipenv==$(PIPENV_VERSION)

# Re-synced whenever the lock changes; the marker keeps later runs instant.
$(VENV)/.synced: Pipfile.lock | $(PIPENV)
	$(PIPENV) sync --dev
	touch $@

setup: $(VENV)/.synced

synth: setup
	$(PY) main.py
	@ls -d cdktf.out/stacks/*/

lint: setup
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .
	$(PY) -m mypy

unit: setup
	$(PY) -m pytest

test: lint unit

snapshot-update: setup
	$(PY) -m pytest tests/unit/test_snapshot.py --snapshot-update

local: setup
	$(PY) -m local.api

LOAD_ARGS ?=
load: setup
	$(PY) -m local.load $(LOAD_ARGS)

clean:
	rm -rf cdktf.out .build .pytest_cache .mypy_cache .ruff_cache
