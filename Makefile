# golive — `make demo` certifies the sandbox, `make test` runs golive's own tests.
PY := .venv/bin/python
GOLIVE := .venv/bin/golive
PYTEST := .venv/bin/pytest

.PHONY: setup up down demo lint test test-unit test-sandbox bench clean

setup:
	@bash scripts/setup.sh

up: setup
	$(GOLIVE) sandbox up

down:
	$(GOLIVE) sandbox down

# Certify the sandbox: the verdict is the exit status, after the report is written.
demo: up
	@$(PYTEST) -m smoke -q; rc=$$?; $(GOLIVE) report; exit $$rc

lint: setup
	.venv/bin/ruff check golive pytest_golive tests bench
	.venv/bin/lint-imports
	.venv/bin/mypy

test-unit: setup
	$(PYTEST) -c tests/unit/pytest.ini -q tests/unit

test-sandbox: up
	$(PYTEST) -c tests/sandbox/pytest.ini -q tests/sandbox

test: lint test-unit test-sandbox

clean:
	rm -rf reports/allure-results reports/html reports/*.json reports/*.xml
