"""Every verdict rule of docs/architecture.md#verdict, each with a failing and a passing case
(pure logic)."""

from __future__ import annotations

from datetime import date

import pytest

from golive.gate.signoffs import Signoff, check_signoffs
from golive.gate.verdict import CheckResult, Refusal, Scope, decide, exit_code
from golive.gate.waivers import Waiver, WaiverFile

TODAY = date(2025, 6, 1)
SCOPE = Scope("fake", "2.0.0", "smoke", ("app1", "app2"))
OK = CheckResult("t.py::ok", "passed", "blocker")
BOARD = Signoff(who="CAB", when=date(2025, 1, 1), scope="2.0.0", expires=date(2026, 1, 1))


NO_WAIVERS = WaiverFile()


def run(*results: CheckResult, waivers: WaiverFile = NO_WAIVERS, signed: bool = True, **kw):
    signoffs = check_signoffs({"cab": BOARD} if signed else {}, ["cab"], TODAY, "2.0.0")
    return decide(list(results), waivers, signoffs, TODAY, SCOPE, **kw)


def waiver(pattern: str, expires: date = date(2025, 12, 31)) -> WaiverFile:
    w = Waiver(
        check=pattern, justification="known", approver="cto", ticket="CHG-1", expires=expires
    )
    return WaiverFile(((0, w),))


def test_all_passed_is_go():
    v = run(OK)
    assert v.decision == "GO" and not v.blockers
    assert v.lines()[0] == "golive verdict: GO"
    assert "env fake, release 2.0.0, markers: smoke, hosts: app1, app2" in v.lines()[1]


@pytest.mark.parametrize("severity", ["blocker", "critical"])
@pytest.mark.parametrize("outcome", ["failed", "error"])
def test_blocking_failure_or_error_is_nogo(severity, outcome):
    bad = CheckResult("t.py::x[app2]", outcome, severity, "app2", "503")
    v = run(OK, bad)
    assert v.decision == "NO-GO"
    assert v.lines()[2] == f"app2: t.py::x[app2]: {outcome}: 503"


@pytest.mark.parametrize("severity", ["normal", "minor"])
def test_minor_failure_is_conditional(severity):
    v = run(OK, CheckResult("t.py::x", "failed", severity, None, "slow"))
    assert v.decision == "CONDITIONAL" and len(v.conditions) == 1


def test_skipped_required_check_is_missing_evidence():
    v = run(OK, CheckResult("t.py::x", "skipped", "critical", "db1", "no tool"))
    assert v.decision == "NO-GO"
    assert v.missing[0].check == "t.py::x" and "missing evidence" in v.blockers[0].message


def test_skipped_normal_check_is_conditional():
    v = run(OK, CheckResult("t.py::x", "skipped", "normal", None, "n/a"))
    assert v.decision == "CONDITIONAL" and v.missing


def test_unreachable_host_once_per_host_and_nogo():
    down = [
        CheckResult(f"t.py::c{i}[app2]", "error", "minor", "app2", "", "timed out")
        for i in range(3)
    ]
    v = run(OK, *down)
    assert v.decision == "NO-GO"
    assert [b.line() for b in v.blockers] == [
        "app2: connection: host app2 unreachable: timed out (3 check(s) without evidence)"
    ]


def test_unreachable_host_cannot_be_waived():
    down = CheckResult("t.py::c[app2]", "error", "normal", "app2", "", "refused")
    assert run(OK, down, waivers=waiver("*")).decision == "NO-GO"


def test_no_check_run_is_nogo():
    assert run().decision == "NO-GO"
    v = run(CheckResult("t.py::x", "skipped", "minor"))
    assert v.decision == "NO-GO" and "no check ran" in v.blockers[-1].message


def test_interrupted_run_is_nogo():
    assert run(OK, interrupted="stopping after 1 failures").decision == "NO-GO"


def test_missing_signoff_is_nogo():
    v = run(OK, signed=False)
    assert v.decision == "NO-GO"
    assert v.blockers[0].line() == "sign-off cab: missing: no entry in signoffs.yml"


def test_expired_signoff_is_nogo():
    old = Signoff(who="CAB", when=date(2024, 1, 1), scope="x", expires=date(2025, 5, 31))
    statuses = check_signoffs({"cab": old}, ["cab"], TODAY, "2.0.0")
    v = decide([OK], WaiverFile(), statuses, TODAY, SCOPE)
    assert v.decision == "NO-GO" and "expired" in v.blockers[0].message


@pytest.mark.parametrize(
    ("signoff", "state"),
    [
        (
            Signoff(who="a", when=date(2025, 7, 1), scope="x", expires=date(2026, 1, 1)),
            "not yet valid",
        ),
        (
            Signoff(
                who="a", when=date(2025, 1, 1), scope="x", expires=date(2026, 1, 1), release="1.0"
            ),
            "other release",
        ),
    ],
)
def test_invalid_signoff_states(signoff, state):
    (s,) = check_signoffs({"cab": signoff}, ["cab"], TODAY, "2.0.0")
    assert s.state == state and not s.ok


def test_active_waiver_makes_blocker_conditional():
    bad = CheckResult("t.py::x[app2]", "failed", "blocker", "app2", "503")
    v = run(OK, bad, waivers=waiver("t.py::x[app2]"))
    assert v.decision == "CONDITIONAL"
    assert v.waived[0].check == "t.py::x[app2]" and v.waivers[0].state == "applied"


def test_waiver_brackets_are_literal():
    bad = CheckResult("t.py::x[app2]", "failed", "blocker", "app2", "503")
    assert run(bad, OK, waivers=waiver("t.py::x[app1]")).decision == "NO-GO"
    assert run(bad, OK, waivers=waiver("t.py::x[*]")).decision == "CONDITIONAL"


def test_expired_waiver_is_not_applied():
    bad = CheckResult("t.py::x", "failed", "critical", None, "boom")
    v = run(OK, bad, waivers=waiver("t.py::x", date(2025, 5, 31)))
    assert v.decision == "NO-GO"
    assert (
        v.waivers[0].state == "expired" and "waiver #0 expired 2025-05-31" in v.blockers[0].message
    )


def test_waiver_valid_through_its_expiry_date():
    bad = CheckResult("t.py::x", "failed", "critical", None, "boom")
    assert run(OK, bad, waivers=waiver("t.py::x", TODAY)).decision == "CONDITIONAL"


def test_unused_waiver_is_listed_and_changes_nothing():
    v = run(OK, waivers=waiver("t.py::nothing"))
    assert v.decision == "GO" and v.waivers[0].state == "unused"


def test_exit_codes():
    assert exit_code("GO", 7) == 0
    assert exit_code("NO-GO", 0) == 1
    assert exit_code("CONDITIONAL", 7) == 7


def test_to_dict_schema():
    d = run(OK, waivers=waiver("zzz")).to_dict()
    assert set(d) >= {
        "verdict",
        "scope",
        "counts",
        "blockers",
        "waived",
        "missing",
        "refused",
        "waivers",
        "signoffs",
    }
    assert d["waivers"]["unused"][0]["expires"] == "2025-12-31"


DRILL = Refusal("t.py::test_restore_drill", "environment fake does not set allow_destructive")


@pytest.mark.parametrize(
    ("results", "decision"),
    [((OK,), "GO"), ((OK, CheckResult("t.py::x", "failed", "minor")), "CONDITIONAL")],
)
def test_refused_drill_is_recorded_and_does_not_change_the_decision(results, decision):
    v = run(*results, refused=[DRILL])
    assert v.decision == decision and not v.blockers and not v.missing
    assert v.refused == (DRILL,) and v.counts["refused"] == 1
    assert v.to_dict()["refused"] == [{"check": "t.py::test_restore_drill", "reason": DRILL.reason}]


def test_no_refusal_is_an_empty_list():
    d = run(OK).to_dict()
    assert d["refused"] == [] and d["counts"]["refused"] == 0
