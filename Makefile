# One-command set-up: a local virtual environment with the package and its test tools.
PYTHON ?= python3
VENV   ?= .venv
BIN     = $(VENV)/bin
DEMO   ?= demo

.PHONY: setup demo test lint format clean

$(BIN)/biomarker: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev,fcs]'
	touch $@

setup: $(BIN)/biomarker

demo: setup
	$(BIN)/biomarker demo $(DEMO)

# Tests that read the real shared fixtures find them through BIOMARKER_SHARED_FIXTURES (default ../shared/fixtures).
test: setup
	$(BIN)/python -m pytest -q
	$(BIN)/ruff check biomarker tests $(wildcard benchmarks)
	$(BIN)/ruff format --check biomarker tests $(wildcard benchmarks)

lint: setup
	$(BIN)/ruff check biomarker tests $(wildcard benchmarks)
	$(BIN)/ruff format --check biomarker tests $(wildcard benchmarks)

# The one formatter for the whole package (what `make test` checks).
format: setup
	$(BIN)/ruff format biomarker tests $(wildcard benchmarks)

clean:
	rm -rf $(VENV) $(DEMO) .pytest_cache .ruff_cache
