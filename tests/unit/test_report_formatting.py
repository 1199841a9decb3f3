"""A check's report survives CPython 3.11's shared AST state (python/cpython#106905): pytest's
formatting of a failure that raises SystemError once is done again, never an internal error
that cuts the run short (what a hung sshd did in CI: test_hung_host)."""

from __future__ import annotations

from conftest import Golive

FAILS_WHILE_FORMATTING_ONCE = """
import pytest
from _pytest._code import code

_real = code.ExceptionInfoFormatter._getentrysource
_raised = []


def _once(self, entry):
    if not _raised:
        _raised.append(entry)
        raise SystemError("AST constructor recursion depth mismatch (before=120, after=22)")
    return _real(self, entry)


code.ExceptionInfoFormatter._getentrysource = _once


@pytest.mark.smoke
@pytest.mark.parametrize("host", ["app1", "app2"])
def test_health(host):
    assert host != "app2", f"{host} answered 503"
"""


def test_a_failure_pytest_could_not_format_once_is_reported_not_a_crash(golive: Golive) -> None:
    r = golive.run(FAILS_WHILE_FORMATTING_ONCE, "-m", "smoke", "--tb=short")
    assert "INTERNALERROR" not in r.stdout.str() + r.stderr.str()
    assert r.ret == 1
    v = golive.verdict()
    assert v["verdict"] == "NO-GO"
    assert [(b["host"], b["check"]) for b in v["blockers"]] == [
        ("app2", "test_checks.py::test_health[app2]")
    ], v["blockers"]
    assert "app2 answered 503" in v["blockers"][0]["message"]
    assert v["counts"]["passed"] == 1
