# The README's promise: `make run` serves the demo practice, `make test` proves everything works.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: install run test test-long bench bench-measures bench-fhir bench-export bench-release bench-load bench-floor lint lock clean

install: $(STAMP)

# The stamp depends on the lock, so a changed lock re-syncs the environment.
$(STAMP): requirements.lock pyproject.toml
	@test -d $(VENV) || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --require-hashes -r requirements.lock
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --no-deps --no-build-isolation -e .
	@touch $(STAMP)

run: install
	@scripts/run

test: install
	@scripts/test

test-long: install
	@HYPOTHESIS_PROFILE=long KITHKIN_LONG_TESTS=1 $(BIN)/pytest -q -m "slow or not slow"

bench: install
	@$(BIN)/python bench/run.py

# Issue 6's targets: response submission and the practice view over 1,000,000 responses.
bench-measures: install
	@$(BIN)/python bench/measures.py

bench-export: install
	@$(BIN)/python bench/export.py

# Issue 8: signing an authorization and releasing a long record's packet (PDF and FHIR Bundle).
bench-release: install
	@$(BIN)/python bench/release.py

# Issue 7's targets: a FHIR read and $everything for a 300-session client, 10,000 clients.
bench-fhir: install
	@$(BIN)/python bench/fhir_reads.py

# Issue 10: the real server under a 90/10 mix on the large practice, then 64 writers.
bench-load: install
	@$(BIN)/python bench/load.py

# What a request costs before a page does any work: the ladder under issue 10's load target.
bench-floor: install
	@$(BIN)/python bench/floor.py

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

# Regenerates requirements.lock from pyproject.toml (needs network access to the package index).
lock:
	@test -x $(VENV)/bin/pip-compile || $(BIN)/python -m pip install --quiet pip-tools
	$(BIN)/pip-compile --quiet --extra dev --generate-hashes --allow-unsafe --strip-extras \
		-o requirements.lock pyproject.toml

clean:
	rm -rf $(VENV) var/static
