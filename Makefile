# Perron — set-up, demo, tests, benchmarks.  `make demo` and `make test` work on a fresh machine.
PYTHON ?= python3
VENV   ?= .venv
BIN     = $(VENV)/bin
STAMP   = $(VENV)/.installed
# the suite waits on servers and browsers much of the time: three processes keep two cores busy
TEST_WORKERS ?= 3
ASSETS  = src/perron/web/static/vendor/.installed
export PERRON_DATA_DIR ?= $(CURDIR)/var

.PHONY: setup system demo test test-fast lint format bench clean

setup: system $(STAMP) $(ASSETS)

system:
	@bash tools/setup-system.sh

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(STAMP): $(BIN)/python pyproject.toml constraints.txt
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -c constraints.txt -e '.[dev]'
	@touch $@

$(ASSETS): package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	$(BIN)/python tools/copy_assets.py
	@touch $@

demo: setup
	$(BIN)/perron demo

# the coverage gate is [tool.coverage.report] fail_under in pyproject.toml
test: setup
	$(BIN)/python -m pytest -q -n $(TEST_WORKERS) --dist loadfile --durations=20 --cov=perron --cov-report=term:skip-covered

test-fast: setup
	$(BIN)/python -m pytest -q -m "not e2e and not slow"

lint: $(STAMP)
	$(BIN)/ruff check src tests bench tools
	$(BIN)/ruff format --check src tests bench tools
	$(BIN)/lint-imports --no-cache
	$(BIN)/mypy

format: $(STAMP)
	$(BIN)/ruff format src tests bench tools
	$(BIN)/ruff check --fix src tests bench tools

bench: setup
	$(BIN)/python bench/run.py

clean:
	rm -rf $(VENV) node_modules src/perron/web/static/vendor var test-artifacts
