# Two commands do all the set-up on a fresh machine: `make run` and `make test`.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test lint types pytest install clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

# Reinstall only when the dependency list changes.
$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

# Local development: DEBUG on, generated keys under var/, and the sandbox vendors on loopback
# (so outbound requests may target 127.0.0.1 over plain http).
run: export DEBUG ?= true
run: export ALLOW_PRIVATE_TARGETS ?= true
run: export SIM_PORT_BASE ?= 8701
run: $(STAMP)
	$(BIN)/python manage.py migrate --no-input
	$(BIN)/python manage.py bootstrap_demo --sim-port-base $(SIM_PORT_BASE)
	$(BIN)/honcho start -f Procfile

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports

types: $(STAMP)
	$(BIN)/mypy .

# With TEST_DATABASE_URL set (CI sets it), the database tests run again on that server, and with
# TEST_BROKER_URL too, the queueing, concurrency and crash tests (marker `broker`) on that Redis.
pytest: $(STAMP)
	$(BIN)/pytest
	@if [ -n "$$TEST_DATABASE_URL" ]; then \
		echo "== the database and broker tests again, on PostgreSQL and $${TEST_BROKER_URL:-the embedded broker} =="; \
		DATABASE_URL="$$TEST_DATABASE_URL" CELERY_BROKER_URL="$$TEST_BROKER_URL" \
			$(BIN)/pytest -m "(not e2e and not slow) or broker"; \
	fi

test: lint types pytest

clean:
	rm -rf $(VENV) var/broker var/screenshots .mypy_cache .pytest_cache .ruff_cache
