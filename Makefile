# Biträde. The README names two commands: `make demo` and `make test`.
SHELL := /bin/bash
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test test-pg lint bench system-packages audit-deps lock clean

# Dependencies come from requirements.lock: every package pinned, every file checked against its hash.
$(STAMP): pyproject.toml requirements.lock
	@command -v $(PYTHON) >/dev/null || { echo "Biträde needs Python 3.11 ($(PYTHON)): apt-get install python3.11 python3.11-venv"; exit 1; }
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q --require-hashes -r requirements.lock
	$(BIN)/python -m pip install -q --no-deps -e .
	@touch $(STAMP)

## demo: install, migrate, load the demo organisation, run web (http://127.0.0.1:8000) and worker, and the
## contact-ban alarm simulator at a low rate in the background (scripts/demo-simulator.sh; Ctrl-C stops all)
demo: $(STAMP)
	BIN=$(BIN) scripts/demo-simulator.sh & sim=$$!; trap 'kill $$sim 2>/dev/null' EXIT; $(BIN)/bitrade demo

## test: install everything (Chromium via apt when missing) and run the whole suite
test: $(STAMP) system-packages
	$(BIN)/ruff check src tests conftest.py
	$(BIN)/lint-imports --no-cache
	$(BIN)/pytest -q

## test-pg: the same suite against a throw-away PostgreSQL 15 on loopback
test-pg: $(STAMP) system-packages
	scripts/with-postgres.sh $(BIN)/pytest -q

system-packages:
	@scripts/system-packages.sh

lint: $(STAMP)
	$(BIN)/ruff check src tests bench

bench: $(STAMP)
	$(BIN)/python bench/run.py

## audit-deps: pip-audit of the locked dependencies; fails on a known vulnerability (docs/security.md)
audit-deps: $(STAMP)
	VENV_BIN=$(BIN) scripts/audit-deps.sh

## lock: re-resolve requirements.lock from pyproject.toml (needs pip-tools)
lock: $(STAMP)
	$(BIN)/python -m pip install -q pip-tools
	$(BIN)/pip-compile -q --generate-hashes --allow-unsafe --strip-extras --extra dev --no-emit-index-url \
	  --no-emit-find-links --output-file requirements.lock pyproject.toml

clean:
	rm -rf var/test-* .pytest_cache
