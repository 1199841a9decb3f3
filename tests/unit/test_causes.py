"""Root causes first (golive/gate/causes.py and the verdict): checks that could not reach a
service are grouped under the failing check that reports why; they stay failures."""

from __future__ import annotations

from datetime import date

from golive.gate.causes import group
from golive.gate.signoffs import check_signoffs
from golive.gate.verdict import CheckResult, Scope, decide
from golive.gate.waivers import WaiverFile
from golive.probe.failures import Cause

TODAY = date(2025, 6, 1)
SCOPE = Scope("fake", "2.0.0", "security", ("lb1", "app2"))
EXPIRED = Cause("lb1", "trading.test:443", "tls", "certificate expired")
REFUSED = Cause("app2", "127.0.2.12:8080", "refused")
SAID = "lb1: TLS handshake with trading.test:443 failed: certificate expired (POST /api/login)"


def failed(check: str, host: str | None, message: str, cause: Cause | None = None, **kw):
    return CheckResult(check, "failed", kw.pop("severity", "blocker"), host, message, cause=cause)


CHAIN = failed(
    "tls.py::test_certificate_chain[lb1:443]", "lb1", "lb1:443: chain invalid: CN=x expired on"
)
EXPIRY = failed(
    "tls.py::test_certificate_expiry[lb1:443]", "lb1", "lb1:443: certificate expired on 2025-01-01"
)
AUTH = [failed(f"auth.py::test_{n}", "lb1", SAID, EXPIRED) for n in ("a", "b", "c")]


def decided(*results: CheckResult):
    return decide(list(results), WaiverFile(), check_signoffs({}, [], TODAY, "2.0.0"), TODAY, SCOPE)


def test_dependents_are_grouped_under_the_check_that_reports_the_cause():
    (g,) = group([CHAIN, *AUTH, EXPIRY])
    assert g.root == EXPIRY.id  # names the endpoint and the cause's words in its name
    assert g.dependents == tuple(a.id for a in AUTH)
    assert g.line() == (
        "3 dependent checks could not run: lb1:443: certificate expired on 2025-01-01 "
        "(reported by test_certificate_expiry[lb1:443])"
    )


def test_verdict_has_one_blocker_line_for_the_group_after_its_root_first():
    v = decided(*AUTH, CHAIN, EXPIRY)
    assert v.decision == "NO-GO"
    assert [b.check for b in v.blockers] == [EXPIRY.id, "dependent", CHAIN.id]  # cause first
    group_line = v.lines()[3]
    assert group_line.startswith("lb1: 3 dependent checks could not run: lb1:443: certificate")
    d = v.to_dict()
    assert list(d["blockers"][1]["dependents"]) == [a.id for a in AUTH]
    assert d["blockers"][1]["caused_by"] == EXPIRY.id
    checks = {c["id"]: c for c in d["checks"]}
    assert all(checks[a.id]["caused_by"] == EXPIRY.id for a in AUTH)
    assert checks[AUTH[0].id]["outcome"] == "failed"  # still a failure
    assert checks[AUTH[0].id]["cause"]["kind"] == "tls"
    assert d["counts"]["dependent"] == 3 and d["counts"]["failed"] == 5


def test_without_a_reporting_check_the_first_of_the_group_is_its_root():
    """app2's Tomcat is down and no other check says so: the first check that met the
    refusal stands as the cause, the others depend on it."""
    said = "app2: connection to 127.0.2.12:8080 refused"
    a, b, c = (failed(f"smoke.py::test_{n}[app2]", "app2", said, REFUSED) for n in "abc")
    v = decided(a, b, c)
    assert [f.check for f in v.blockers] == [a.id, "dependent"]
    assert v.blockers[1].line() == (
        f"app2: 2 dependent checks could not run: {said} (reported by test_a[app2])"
    )


def test_a_failure_on_the_host_is_preferred_as_root():
    listens = failed("smoke.py::test_tier_service_listens[app2]", "app2", "app2: nothing on :8080")
    healthy = failed("smoke.py::test_healthy[app2]", "app2", "app2: refused", REFUSED)
    (g,) = group([listens, healthy])
    assert g.root == listens.id and g.dependents == (healthy.id,)
    assert (
        decided(listens, healthy)
        .lines()[-1]
        .startswith("app2: 1 dependent check could not run: app2: nothing on :8080")
    )


def test_a_lone_connection_failure_is_its_own_blocker():
    alone = failed("auth.py::test_a", "lb1", SAID, EXPIRED)
    assert group([alone]) == ()
    assert decided(alone).lines()[-1] == f"lb1: auth.py::test_a: failed: {SAID}"


def test_other_hosts_and_causes_are_not_grouped_together():
    other = failed("auth.py::test_x", "app2", "app2: refused", REFUSED)
    groups = group([EXPIRY, *AUTH, other])
    assert [g.root for g in groups] == [EXPIRY.id]
    assert other.id not in groups[0].dependents


def test_dependent_conditions_stay_conditions():
    minor = [failed(f"a.py::t{i}", "lb1", SAID, EXPIRED, severity="minor") for i in range(2)]
    v = decided(EXPIRY, *AUTH, *minor)
    assert [f.check for f in v.blockers] == [EXPIRY.id, "dependent"]
    assert [f.dependents for f in v.conditions] == [(minor[0].id, minor[1].id)]
