"""Root causes first (golive/gate/causes.py and the verdict): checks that could not reach a
service are grouped under the failing check that reports why; they stay failures."""

from __future__ import annotations

from datetime import date

from golive.gate.causes import blocked_by, group, needs
from golive.gate.signoffs import check_signoffs
from golive.gate.verdict import CheckResult, Scope, decide
from golive.gate.waivers import WaiverFile
from golive.model.cause import Cause

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
        "3 dependent checks failed: lb1:443: certificate expired on 2025-01-01 "
        "(reported by test_certificate_expiry[lb1:443])"
    )


def test_verdict_has_one_blocker_line_for_the_group_after_its_root_first():
    v = decided(*AUTH, CHAIN, EXPIRY)
    assert v.decision == "NO-GO"
    assert [b.check for b in v.blockers] == [EXPIRY.id, "dependent", CHAIN.id]  # cause first
    group_line = v.lines()[3]
    assert group_line.startswith("lb1: 3 dependent checks failed: lb1:443: certificate")
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
        f"app2: 2 dependent checks failed: {said} (reported by test_a[app2])"
    )


def test_a_failure_on_the_host_is_preferred_as_root():
    listens = failed("smoke.py::test_tier_service_listens[app2]", "app2", "app2: nothing on :8080")
    healthy = failed("smoke.py::test_healthy[app2]", "app2", "app2: refused", REFUSED)
    (g,) = group([listens, healthy])
    assert g.root == listens.id and g.dependents == (healthy.id,)
    assert (
        decided(listens, healthy)
        .lines()[-1]
        .startswith("app2: 1 dependent check failed: app2: nothing on :8080")
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


# db1's PostgreSQL hangs (issue 19): the nodes and the balancer that need it fail with it
ROLES = {"lb1": ["lb"], "app1": ["app"], "app2": ["app"], "db1": ["db"], "mon1": ["monitoring"]}
PATHS = [("lb", "app"), ("app", "db"), ("monitoring", "app")]
NEEDS = needs(PATHS, ROLES)
HUNG_DB = Cause("db1", "127.10.0.21:5432/trading", "timeout", "within 3 s")
DB = failed(
    "smoke.py::test_database_answers[db1:5432]",
    "db1",
    "db1: PostgreSQL at 127.10.0.21:5432/trading did not answer within 3 s",
    HUNG_DB,
)
LB_HEALTH = failed("smoke.py::test_lb_health", "lb1", "/health through lb1 answered HTTP 503")
APP_HEALTH = [
    failed(f"smoke.py::test_app_node_is_healthy[{n}]", n, f"{n}: /health answered HTTP 503")
    for n in ("app1", "app2")
]


def test_who_needs_whom_comes_from_the_allowed_paths() -> None:
    assert NEEDS["lb1"] == (("app1", "app2"),)
    assert NEEDS["app1"] == (("db1",),) and NEEDS["db1"] == ()
    assert blocked_by("app1", {"db1"}, NEEDS) == "db1"
    assert blocked_by("lb1", {"db1"}, NEEDS) == "db1"  # both of its nodes need db1
    assert blocked_by("lb1", {"app2"}, NEEDS) is None  # app1 still serves
    assert blocked_by("lb1", {"app1", "app2"}, NEEDS) == "app1"
    assert blocked_by("db1", {"app1"}, NEEDS) is None


def test_a_hung_database_is_named_first_with_its_dependents_grouped_under_it() -> None:
    """Ordered as the old smoke ran them: the balancer and the nodes before the database."""
    v = decide(
        [LB_HEALTH, *APP_HEALTH, DB],
        WaiverFile(), check_signoffs({}, [], TODAY, "2.0.0"), TODAY, SCOPE, needs=NEEDS,
    )  # fmt: skip
    assert v.decision == "NO-GO"
    assert [(b.host, b.check) for b in v.blockers] == [("db1", DB.id), ("db1", "dependent")]
    assert v.blockers[1].dependents == (LB_HEALTH.id, *(a.id for a in APP_HEALTH))
    assert v.blockers[1].line() == (
        "db1: 3 dependent checks failed: db1: PostgreSQL at 127.10.0.21:5432/trading "
        "did not answer within 3 s (reported by test_database_answers[db1:5432])"
    )
    assert v.counts["failed"] == 4  # still failures: grouping never changes the decision


def test_without_the_topology_nothing_is_grouped_under_the_database() -> None:
    v = decided(LB_HEALTH, *APP_HEALTH, DB)
    assert [b.check for b in v.blockers] == [LB_HEALTH.id, *(a.id for a in APP_HEALTH), DB.id]


def test_one_hung_node_does_not_take_the_balancer_with_it() -> None:
    hung = Cause("app2", "127.10.0.12:8080", "timeout", "within 10 s")
    node = failed("smoke.py::test_app_node_is_healthy[app2]", "app2", "app2: no answer", hung)
    login = failed("smoke.py::test_login", "lb1", "login through lb1 answered HTTP 504")
    assert all(login.id not in g.dependents for g in group([node, login], NEEDS))
    v = decide(
        [node, login],
        WaiverFile(), check_signoffs({}, [], TODAY, "2.0.0"), TODAY, SCOPE, needs=NEEDS,
    )  # fmt: skip
    assert [b.check for b in v.blockers] == [node.id, login.id]


def test_a_balancer_timing_out_on_the_hung_database_is_its_dependent_not_a_cause() -> None:
    lb_hung = Cause("lb1", "trading.test:443", "timeout", "within 10 s (no response)")
    login = failed("smoke.py::test_login", "lb1", "lb1: trading.test:443 did not answer", lb_hung)
    (g,) = group([login, *APP_HEALTH, DB], NEEDS)
    assert g.root == DB.id and set(g.dependents) == {login.id, *(a.id for a in APP_HEALTH)}


def test_a_balancer_whose_nodes_are_all_down_is_grouped_under_the_first() -> None:
    """Both Tomcats stopped: each node's refusal is reported by its own check; the balancer's
    502s join the first node's group (lb1 needs one of them, and neither answers)."""
    rows = []
    for n, addr in (("app1", "127.0.2.11"), ("app2", "127.0.2.12")):
        refused = Cause(n, f"{addr}:8080", "refused")
        rows.append(failed(f"smoke.py::test_tier_service_listens[{n}]", n, f"{n}: nothing"))
        rows.append(failed(f"smoke.py::test_app_node_is_healthy[{n}]", n, "refused", refused))
    bad_gateway = failed("smoke.py::test_login", "lb1", "login through lb1 answered HTTP 502")
    groups = group([*rows, bad_gateway], NEEDS)
    assert [(g.root, g.dependents) for g in groups] == [
        (rows[0].id, (rows[1].id, bad_gateway.id)),
        (rows[2].id, (rows[3].id,)),
    ]
