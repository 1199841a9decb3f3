"""What a run shows (inner pytest runs against the fake environment): root causes first,
findings without tracebacks, and the verdict as a JUnit test case."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from conftest import Golive

DEPENDENTS = """
import pytest
from golive.model.cause import Cause
from golive.probe.failures import ConnectionFailure, note

REFUSED = Cause("app2", "127.0.2.12:8080", "refused")

class Node:
    def __init__(self, name):
        self.name, self.config = name, {"big": list(range(50))}

@pytest.mark.smoke
@pytest.mark.parametrize("host", ["app1", "app2"])
def test_listens(host):
    node = Node(host)
    assert node.name != "app2", f"{host}: nothing listens on 8080"

@pytest.mark.smoke
@pytest.mark.parametrize("host", ["app1", "app2"])
def test_health(host):
    if host == "app2":
        raise ConnectionFailure(note(REFUSED), "GET /health")

@pytest.mark.smoke
def test_version_of_app2():
    answer = {"status": 0, "node": Node("app2")}
    said = note(REFUSED).sentence()
    assert answer["status"] == 200, said

@pytest.mark.smoke
def test_unrelated():
    assert 1 == 2, "db1: backup is 6 days old"
"""

GO = """
import pytest

@pytest.mark.smoke
def test_fine():
    pass
"""


def test_dependents_are_one_line_under_their_cause_and_output_is_short(golive: Golive):
    # pytester's in-process runs warn that golive's modules, imported by earlier tests, cannot
    # be rewritten: noise of the test harness, not of golive's output
    r = golive.run(DEPENDENTS, "-m", "smoke", "-W", "ignore::pytest.PytestAssertRewriteWarning")
    assert r.ret == 1
    lines = [line for line in r.outlines if line.strip()]
    tail = lines[lines.index("golive verdict: NO-GO") :]
    assert tail[2:5] == [
        "app2: test_checks.py::test_listens[app2]: failed: AssertionError: app2: nothing "
        "listens on 8080",
        "app2: 2 dependent checks failed: app2: nothing listens on 8080 "
        "(reported by test_listens[app2])",
        "test_checks.py::test_unrelated: failed: AssertionError: db1: backup is 6 days old",
    ]
    text = "\n".join(r.outlines)
    # findings as their own lines: no traceback, no object reprs, no pytest introspection
    for noise in ("Traceback", "raise ConnectionFailure", "Node object", "where ", "range(50)"):
        assert noise not in text, noise
    # each cause said once, in the gate's lines: not in pytest's FAILURES or short summary
    assert "app2: connection to 127.0.2.12:8080 refused" not in text
    before = "\n".join(r.outlines[: r.outlines.index("golive verdict: NO-GO")])
    for cause in ("nothing listens on 8080", "backup is 6 days old"):
        assert cause not in before, cause
    assert len(r.outlines) < 60
    v = golive.verdict()
    checks = {c["id"]: c for c in v["checks"]}
    root = "test_checks.py::test_listens[app2]"
    for dep in ("test_checks.py::test_health[app2]", "test_checks.py::test_version_of_app2"):
        assert checks[dep]["caused_by"] == root
        assert checks[dep]["outcome"] == "failed"
        assert checks[dep]["cause"] == {
            "host": "app2",
            "endpoint": "127.0.2.12:8080",
            "kind": "refused",
            "detail": "",
        }
    assert checks["test_checks.py::test_version_of_app2"]["host"] == "app2"  # from the cause
    group = v["blockers"][1]
    assert group["check"] == "dependent" and group["caused_by"] == root
    assert group["dependents"] == [
        "test_checks.py::test_health[app2]",
        "test_checks.py::test_version_of_app2",
    ]
    assert v["counts"]["dependent"] == 2 and v["counts"]["failed"] == 4
    cert = (golive.reports / "certificate.md").read_text()
    assert "2 dependent checks failed: app2: nothing listens on 8080" in cert


def _verdict_case(path: Path) -> ET.Element:
    root = ET.parse(path).getroot()
    (case,) = [c for c in root.iter("testcase") if c.get("name") == "golive verdict"]
    return case


def _suite(path: Path) -> ET.Element:
    root = ET.parse(path).getroot()
    return root if root.tag == "testsuite" else root.find("testsuite")  # type: ignore[return-value]


def test_junit_verdict_case_fails_on_nogo_with_the_blockers(golive: Golive):
    golive.run(DEPENDENTS, "-m", "smoke")
    junit = golive.reports / "junit.xml"
    case = _verdict_case(junit)
    failure = case.find("failure")
    assert failure is not None
    message = failure.get("message", "")
    assert message.startswith("NO-GO: app2: test_checks.py::test_listens[app2]: failed")
    assert "2 dependent checks failed" in message
    assert "golive verdict: NO-GO" in (failure.text or "")
    suite = _suite(junit)
    assert suite.get("tests") == "7" and suite.get("failures") == "5"


def test_junit_verdict_case_fails_when_no_check_ran(golive: Golive, tmp_path: Path):
    """Nothing selected: NO-GO, and CI sees a red test (also in a --junitxml of its own)."""
    junit = tmp_path / "ci.xml"
    r = golive.run(GO, "-k", "no_such_check", f"--junitxml={junit}")
    assert r.ret == 1
    failure = _verdict_case(junit).find("failure")
    assert failure is not None
    assert "no check ran" in failure.get("message", "")
    assert _suite(junit).get("failures") == "1"


def test_junit_verdict_case_passes_on_go(golive: Golive):
    golive.run(GO)
    case = _verdict_case(golive.reports / "junit.xml")
    assert case.find("failure") is None and case.find("error") is None
    props = {p.get("name"): p.get("value") for p in case.iter("property")}
    assert props["verdict"] == "GO"


@pytest.mark.parametrize("severity", ["minor"])
def test_junit_verdict_case_passes_with_a_property_on_conditional(golive: Golive, severity: str):
    source = f"""
import pytest

@pytest.mark.smoke
@pytest.mark.severity("{severity}")
def test_slow():
    assert False, "app1: p95 is 900 ms"
"""
    r = golive.run(source)
    assert r.ret == 3
    case = _verdict_case(golive.reports / "junit.xml")
    assert case.find("failure") is None
    props = {p.get("name"): p.get("value") for p in case.iter("property")}
    assert props["verdict"] == "CONDITIONAL"
    out = case.find("system-out")
    assert out is not None and "app1: p95 is 900 ms" in (out.text or "")


MINOR = """
@pytest.mark.smoke
@pytest.mark.severity("minor")
def test_slow():
    assert False, "app1: p95 is 900 ms"
"""


def test_each_cause_is_said_once_on_the_terminal_of_pytest_run_as_a_command(
    golive: Golive, monkeypatch: pytest.MonkeyPatch
):
    """pytest as a subprocess, as QA runs it (issue 23): each cause once, in the gate's lines
    (blockers after the verdict, a condition in the notes); pytest's FAILURES and short
    summary leave the checks to the gate, and its closing counts still count them. A --tb
    on the command line brings pytest's own output back; exit code and verdict.json are the
    same either way."""
    monkeypatch.delenv("PYTEST_ADDOPTS", raising=False)
    checks = golive.pytester.makepyfile(test_checks=DEPENDENTS + MINOR)

    def run(*extra: str) -> tuple[int, list[str], dict[str, object]]:
        args = ["--env", "fake", f"--golive-reports={golive.reports}", "-m", "smoke", *extra]
        r = golive.pytester.runpytest_subprocess(str(checks), *args)
        v = golive.verdict()
        kept = {k: v[k] for k in ("verdict", "counts", "blockers", "conditions", "exit_code")}
        return int(r.ret), r.outlines + r.errlines, kept

    code, out, verdict = run()
    text = "\n".join(out)
    assert code == 1 and verdict["verdict"] == "NO-GO"
    assert "FAILURES" not in text and "short test summary info" not in text, text
    assert "5 failed, 2 passed" in text  # pytest's counts count every check
    assert "golive: 5 check(s) did not pass: each cause is said once" in text
    gate = out.index("golive verdict: NO-GO")
    for cause in ("app2: nothing listens on 8080", "db1: backup is 6 days old"):
        assert cause not in "\n".join(out[:gate]), cause
        assert text.count(f"AssertionError: {cause}") == 1, cause  # its blocker line
    assert text.count("app1: p95 is 900 ms") == 1  # the condition, in the gate's notes
    assert any(line.startswith("condition: ") and "p95" in line for line in out[:gate])

    code_tb, out_tb, verdict_tb = run("--tb=short")
    assert "FAILURES" in "\n".join(out_tb) and "short test summary info" in "\n".join(out_tb)
    assert (code_tb, verdict_tb) == (code, verdict)
