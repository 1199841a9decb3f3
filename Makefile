# golive — `make demo` certifies the sandbox, `make test` runs golive's own tests.
PY := .venv/bin/python
GOLIVE := .venv/bin/golive
PYTEST := .venv/bin/pytest

.PHONY: setup up down demo lint test test-unit test-sandbox bench-quick clean

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

# Every benchmark once, at its smallest meaningful size (bench/<name>.py --quick), one after the
# other, on the sandbox GOLIVE_SANDBOX_DIR/GOLIVE_NETNS name: each fails if it errors or gets a
# verdict it did not expect; none asserts a speed (bench/RESULTS.md has the figures).
# tests/unit/test_bench_quick.py keeps this list whole.
BENCH_QUICK := smoke_time_to_verdict import_cost security_scope ssh_overhead performance \
	hung_services rollback_rehearsal backup_drill security_testssl_compare certify_time \
	sandbox_lifecycle scale_hosts

bench-quick: up
	@set -e; all=$$(date +%s); for b in $(BENCH_QUICK); do \
		echo "== bench/$$b.py --quick"; t=$$(date +%s); \
		$(PY) bench/$$b.py --quick; echo "== bench/$$b.py --quick: $$(( $$(date +%s) - t )) s"; \
	done; echo "bench-quick: $$(( $$(date +%s) - all )) s, load average $$(cut -d' ' -f1-3 /proc/loadavg)"

test: lint test-unit test-sandbox bench-quick

clean:
	rm -rf reports/allure-results reports/html reports/*.json reports/*.xml
