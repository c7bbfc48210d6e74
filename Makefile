# The whole stack on one machine: `make demo` runs the nightly job on the embedded
# demo data, `make test` runs the test suite but its slow tests (`make test-slow` runs those;
# CI runs both). All create the environment first.
PYTHON ?= python3.11
VENV   ?= .venv
BIN     = $(VENV)/bin
STAMP   = $(VENV)/.installed

.PHONY: setup demo test test-slow test-all lint clean server serve

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade "pip>=24"
	$(BIN)/pip install --quiet -e ".[dev]"
	touch $(STAMP)

setup: $(STAMP)

demo: $(STAMP)
	$(BIN)/observatory demo

# `make test`: two test processes (pytest-xdist), each test module in one of them.
# `make test-slow`: the tests marked slow (killed runs, a real Prefect server for schedules,
# work pools and Dask workers, benchmarks), in one process: they start processes of their
# own. PYTEST_ARGS adds arguments, e.g. PYTEST_ARGS="-x" or PYTEST_ARGS="-k rasff".
PYTEST  = $(BIN)/python -m pytest -q

test: $(STAMP)
	$(PYTEST) -n 2 --dist loadfile -m "not slow" $(PYTEST_ARGS)

test-slow: $(STAMP)
	$(PYTEST) -m slow $(PYTEST_ARGS)

test-all: test test-slow

lint: $(STAMP)
	$(BIN)/ruff check observatory flows tests

# The Prefect server the schedules run on (UI at http://127.0.0.1:4200); then, in another
# shell, `make serve` registers the [schedule] deployments on it and runs them.
server: $(STAMP)
	VENV=$(VENV) scripts/prefect-server.sh

PREFECT_API_URL ?= http://127.0.0.1:4200/api
serve: $(STAMP)
	PREFECT_API_URL=$(PREFECT_API_URL) $(BIN)/observatory serve

clean:
	rm -rf data/demo data/raw data/warehouse data/reports
