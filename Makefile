# SPDX-License-Identifier: EUPL-1.2
# `make demo` and `make test` work on a fresh clone with nothing else done first.

SHELL := /bin/bash
.DEFAULT_GOAL := help
PYTHON ?= python3
UV := $(shell command -v uv 2>/dev/null || echo .tools/bin/uv)
VENV := .venv
STAAT := $(VENV)/bin/staat
PG_URL ?= postgres://postgres@127.0.0.1:5432/staat
CHROMIUM ?= /usr/bin/chromium

.PHONY: help setup python-env node-env browser demo serve test test-sqlite test-postgres test-browser bench lint messages clean

help:
	@echo "make demo    set up, load the fictional demo corpus, run the pipeline and serve on http://127.0.0.1:8000"
	@echo "make test    set up and run the whole test suite on SQLite and on PostgreSQL"
	@echo "make bench   run the benchmarks under bench/"

.tools/bin/uv:
	$(PYTHON) -m venv .tools
	.tools/bin/pip install --quiet --disable-pip-version-check uv

python-env: $(UV)
	$(UV) sync --frozen --quiet

node_modules/.package-lock.json: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	@touch $@

node-env: node_modules/.package-lock.json

setup: python-env node-env

browser:
	@if [ ! -x "$(CHROMIUM)" ]; then \
	  echo "Installing Debian's chromium for the browser tests..."; \
	  if [ "$$(id -u)" = 0 ]; then SUDO=; else SUDO=sudo; fi; \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq chromium >/dev/null; \
	fi
	@test -x "$(CHROMIUM)" || { echo "chromium is missing: browser tests cannot run"; exit 1; }

demo: setup
	$(STAAT) demo

serve: setup
	$(STAAT) serve

test: setup browser
	$(MAKE) --no-print-directory test-sqlite
	$(MAKE) --no-print-directory test-postgres

test-sqlite:
	@echo "== test suite on SQLite =="
	$(STAAT) makemigrations --check --dry-run >/dev/null || { echo "models and migrations are out of sync: run staat makemigrations"; exit 1; }
	$(VENV)/bin/python -m pytest -q

test-postgres:
	@echo "== test suite on PostgreSQL ($(PG_URL)) =="
	DATABASE_URL=$(PG_URL) STAAT_REQUIRE_DATABASE=postgresql $(VENV)/bin/python -m pytest -q

bench: setup
	$(VENV)/bin/python bench/run.py

messages: setup
	cd src/staat && ../../$(STAAT) makemessages -l nl -l en --no-obsolete && ../../$(STAAT) compilemessages

clean:
	rm -rf var .pytest_cache
