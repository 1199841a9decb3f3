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

# mypy and import-linter find packages on disk and do not follow setup.py's package_dir: they
# read pytest_golive laid out as its wheel is, in build/layout (scripts/layout_tree.py); the
# benchmarks (bench/, scripts run as files) are type-checked on their own, as strictly
lint: setup
	.venv/bin/ruff check golive pytest_golive suites fixtures plugins tests bench scripts
	$(PY) scripts/layout_tree.py
	cd build/layout && ../../.venv/bin/lint-imports --config ../../pyproject.toml
	.venv/bin/mypy
	.venv/bin/mypy bench

# The unit tests on UNIT_WORKERS pytest-xdist workers (0: in one process).
UNIT_WORKERS ?= 2

test-unit: setup
	$(PYTEST) -c tests/unit/pytest.ini -q -n $(UNIT_WORKERS) tests/unit

# The sandbox tests on SANDBOX_WORKERS sandboxes at once (pytest-xdist: each worker brings up
# its own, $GOLIVE_SANDBOX_DIR-gwN in namespace $GOLIVE_NETNS-gwN, and takes it down at the end),
# then the tests marked serial (load tests, watches) alone on one. SANDBOX_WORKERS=1: every
# test on the one sandbox `make up` brings up, as before. SANDBOX_ARGS narrows both (-k ...).
SANDBOX_WORKERS ?= 2
SANDBOX_ARGS ?=
SANDBOX_PYTEST = $(PYTEST) -c tests/sandbox/pytest.ini -q $(SANDBOX_ARGS)

test-sandbox: setup
ifeq ($(SANDBOX_WORKERS),1)
	$(GOLIVE) sandbox up
	$(SANDBOX_PYTEST) tests/sandbox
else
	@$(SANDBOX_PYTEST) -n $(SANDBOX_WORKERS) -m "not serial" tests/sandbox; parallel=$$?; \
	$(SANDBOX_PYTEST) -n 1 -m serial tests/sandbox; alone=$$?; \
	echo "sandbox tests: $(SANDBOX_WORKERS) workers exit $$parallel, serial exit $$alone"; \
	[ $$parallel$$alone != 55 ] || exit 5; \
	for rc in $$parallel $$alone; do [ $$rc -eq 0 ] || [ $$rc -eq 5 ] || exit $$rc; done
endif

# Every benchmark once, at its smallest meaningful size (bench/<name>.py --quick), one after the
# other, on the sandbox GOLIVE_SANDBOX_DIR/GOLIVE_NETNS name: each fails if it errors or gets a
# verdict it did not expect; none asserts a speed (bench/RESULTS.md has the figures).
# tests/unit/test_bench_quick.py keeps this list whole.
BENCH_QUICK := smoke_time_to_verdict import_cost security_scope ssh_overhead performance \
	hung_services rollback_rehearsal backup_drill security_testssl_compare certify_time \
	sandbox_lifecycle scale_hosts union_workers

bench-quick: up
	@set -e; all=$$(date +%s); for b in $(BENCH_QUICK); do \
		echo "== bench/$$b.py --quick"; t=$$(date +%s); \
		$(PY) bench/$$b.py --quick; echo "== bench/$$b.py --quick: $$(( $$(date +%s) - t )) s"; \
	done; echo "bench-quick: $$(( $$(date +%s) - all )) s, load average $$(cut -d' ' -f1-3 /proc/loadavg)"

test: lint test-unit test-sandbox bench-quick

clean:
	rm -rf reports/allure-results reports/html reports/*.json reports/*.xml
