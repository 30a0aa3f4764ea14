# The two commands a newcomer needs: `make demo` and `make test`.
# Each creates .venv when missing and installs what it needs.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PY := $(BIN)/python

.PHONY: demo test lint typecheck unit bench serve clean

$(PY):
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Python >= 3.11 is required; run make PYTHON=/path/to/python3.11")'
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(PY)
	$(PY) -m pip install --quiet -e .
	@touch $@

$(VENV)/.installed-dev: pyproject.toml | $(PY)
	$(PY) -m pip install --quiet -e '.[dev]'
	@touch $@ $(VENV)/.installed

demo: $(VENV)/.installed
	$(PY) -m volunteers synth --volunteers 20000 --seed 1
	@echo
	$(PY) -m matcher demo --volunteers 5000 --orders 500 --seed 1 --time-limit 10
	@echo
	$(PY) -m scheduler demo --volunteers 5000 --stations 5 --seed 1 --time-limit 10

test: lint typecheck unit

lint: $(VENV)/.installed-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: $(VENV)/.installed-dev
	$(BIN)/mypy

unit: $(VENV)/.installed-dev
	$(BIN)/pytest

bench: $(VENV)/.installed-dev
	$(BIN)/pytest benchmarks --benchmark-only --benchmark-columns=min,median,max,rounds

serve: $(VENV)/.installed
	$(PY) -m api --host 127.0.0.1 --port 8000

clean:
	rm -rf $(VENV) .mypy_cache .pytest_cache .ruff_cache .benchmarks
