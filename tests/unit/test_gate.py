"""The gate plugin end to end, in inner pytest runs against a fake (non-sandbox) environment."""

from __future__ import annotations

import json
from typing import Any

import pytest

from conftest import SECRET, SIGNOFF, TOTP_SEED, Golive
from golive.gate.plan import load_plan
from golive.gate.severity import load_suite_defaults
from golive.model.errors import ConfigError

PASS = """
import pytest

@pytest.mark.smoke
@pytest.mark.parametrize("host", ["app1", "app2"])
def test_health(host):
    pass
"""
FAIL_APP2 = """
import pytest

@pytest.mark.smoke
@pytest.mark.parametrize("host", ["app1", "app2"])
def test_health(host):
    assert host != "app2", f"{host} answered 503"
"""
WAIVER = {
    "check": "test_checks.py::test_health[app2]",
    "justification": "node in repair",
    "approver": "cto",
    "ticket": "CHG-7",
    "expires": "2099-01-01",
}


def last_lines(result, n):
    return [line for line in result.outlines if line.strip()][-n:]


def test_healthy_run_is_go_exit_0(golive: Golive):
    r = golive.run(PASS)
    assert r.ret == 0
    assert last_lines(r, 2)[0] == "golive verdict: GO"
    assert last_lines(r, 1)[0].startswith("scope: env fake, release 2.0.0, markers: (all)")
    v = golive.verdict()
    assert v["verdict"] == "GO" and v["counts"]["passed"] == 2 and v["exit_code"] == 0


def test_blocker_failure_is_nogo_naming_host(golive: Golive):
    r = golive.run(FAIL_APP2, "-m", "smoke")
    assert r.ret == 1
    assert last_lines(r, 3) == [
        "golive verdict: NO-GO",
        "scope: env fake, release 2.0.0, markers: smoke, hosts: app1, app2",
        "app2: test_checks.py::test_health[app2]: failed: AssertionError: app2 answered 503",
    ]
    b = golive.verdict()["blockers"]
    assert b == [
        {
            "check": "test_checks.py::test_health[app2]",
            "host": "app2",
            "message": "failed: AssertionError: app2 answered 503",
            "severity": "blocker",
            "waiver": None,
            "dependents": [],
            "caused_by": None,
        }
    ]


def test_valid_waiver_is_conditional_with_policy_exit(golive: Golive):
    golive.write("waivers.yml", [WAIVER])
    r = golive.run(FAIL_APP2)
    assert r.ret == 3  # the fake inventory's policy.conditional_exit_code
    assert last_lines(r, 2)[0] == "golive verdict: CONDITIONAL"
    assert (
        "waived: app2: test_checks.py::test_health[app2]: failed: AssertionError: "
        "app2 answered 503 [waived: CHG-7]" in r.outlines
    )
    v = golive.verdict()
    assert v["waivers"]["applied"][0]["applied_to"] == ["test_checks.py::test_health[app2]"]


def test_expired_waiver_is_nogo_and_reported(golive: Golive):
    golive.write("waivers.yml", [{**WAIVER, "expires": "2020-01-01"}])
    r = golive.run(FAIL_APP2)
    assert r.ret == 1
    assert (
        "waiver #0 test_checks.py::test_health[app2] (CHG-7, cto, expires 2020-01-01): expired"
        in r.outlines
    )
    assert golive.verdict()["waivers"]["expired"][0]["ticket"] == "CHG-7"
    assert "expired" in (golive.reports / "certificate.md").read_text()


@pytest.mark.parametrize(
    ("entry", "line"),
    [
        ({k: v for k, v in WAIVER.items() if k != "ticket"}, "[0].ticket: required key is missing"),
        (
            {**WAIVER, "expires": "2025-13-45"},
            "[0].expires: '2025-13-45' is not a date (YYYY-MM-DD)",
        ),
        ({**WAIVER, "approver": ["a", "b"]}, "[0].approver: Input should be a valid string"),
    ],
)
def test_malformed_waiver_is_a_config_error(golive: Golive, entry: dict[str, Any], line: str):
    """A malformed waiver (missing key, bad date, wrong type) stops the run before any check,
    exit 4, one line naming file and key; an expired well-formed one is only listed."""
    golive.write("waivers.yml", [entry, WAIVER])
    r = golive.run(FAIL_APP2)
    out = "\n".join(r.outlines + r.errlines)
    assert r.ret == 4, out
    assert "Traceback" not in out
    assert f"waivers.yml: {line}" in out
    assert "test_health" not in out  # nothing ran


def test_unused_waiver_listed(golive: Golive):
    golive.write("waivers.yml", [{**WAIVER, "check": "nothing::*"}])
    r = golive.run(PASS)
    assert r.ret == 0
    assert golive.verdict()["waivers"]["unused"][0]["check"] == "nothing::*"
    r.stdout.fnmatch_lines(["waiver #0 nothing::* *: unused"])


def test_waivers_file_not_a_list_is_usage_error(golive: Golive):
    golive.write("waivers.yml", {"check": "x"})
    r = golive.run(PASS)
    assert r.ret == 4
    r.stderr.fnmatch_lines(["*waivers.yml: (root): a list of waivers*"])
    assert "Traceback" not in r.stdout.str() + r.stderr.str()


def test_missing_signoff_is_nogo(golive: Golive):
    golive.write("signoffs.yml", {})
    r = golive.run(PASS)
    assert r.ret == 1
    assert last_lines(r, 1) == ["sign-off change_board: missing: no entry in signoffs.yml"]


def test_expired_signoff_is_nogo(golive: Golive):
    golive.write("signoffs.yml", {"change_board": {**SIGNOFF, "expires": "2021-01-01"}})
    r = golive.run(PASS)
    assert r.ret == 1
    assert "sign-off change_board: expired" in last_lines(r, 1)[0]


def test_unreachable_host_reported_once_others_go_on(golive: Golive):
    src = """
import pytest
from golive.model.errors import HostUnreachable

@pytest.fixture
def node(host):
    if host == "app2":
        raise HostUnreachable(host, "ssh: connect timed out after 3s")
    return host

@pytest.mark.smoke
@pytest.mark.parametrize("host", ["app1", "app2", "db1"])
@pytest.mark.parametrize("what", ["a", "b"])
def test_facts(node, what):
    pass
"""
    r = golive.run(src)
    assert r.ret == 1
    r.assert_outcomes(passed=4, errors=2)
    assert last_lines(r, 1) == [
        "app2: connection: host app2 unreachable: ssh: connect timed out after 3s "
        "(2 check(s) without evidence)"
    ]
    v = golive.verdict()
    assert v["counts"]["unreachable"] == 2 and len(v["blockers"]) == 1


def test_host_lost_in_a_cross_host_check_is_named(golive: Golive):
    """A check about several hosts (or about another one) that loses a host mid-check names
    the lost host in its blocker, never '-' or the host it was about."""
    src = """
import pytest
from golive.model.errors import HostUnreachable

@pytest.mark.smoke
def test_clocks_agree():
    raise HostUnreachable("app2", "ssh: Broken pipe")

@pytest.mark.smoke
def test_ok():
    pass

@pytest.mark.smoke
@pytest.mark.parametrize("host", ["app1"])
def test_reaches_db(host):
    raise HostUnreachable("db1", "ssh: connection reset")
"""
    r = golive.run(src)
    assert r.ret == 1
    v = golive.verdict()
    blockers = {(b["host"], b["message"]) for b in v["blockers"]}
    assert blockers == {
        ("app2", "host app2 unreachable: ssh: Broken pipe (1 check(s) without evidence)"),
        ("db1", "host db1 unreachable: ssh: connection reset (1 check(s) without evidence)"),
    }
    assert {c["id"]: c["host"] for c in v["checks"]} == {
        "test_checks.py::test_clocks_agree": "app2",
        "test_checks.py::test_ok": None,
        "test_checks.py::test_reaches_db[app1]": "db1",
    }
    assert v["scope"]["hosts"] == ["app1", "app2", "db1"]
    assert "app2: connection: host app2 unreachable: ssh: Broken pipe" in "\n".join(r.outlines)


def test_skipped_required_check_is_nogo(golive: Golive):
    src = (
        PASS
        + """
@pytest.mark.security
def test_tls():
    pytest.skip("sslyze missing")
"""
    )
    r = golive.run(src)
    assert r.ret == 1
    assert "missing evidence (skipped: sslyze missing)" in last_lines(r, 1)[0]


def test_normal_failure_is_conditional(golive: Golive):
    src = (
        PASS
        + """
@pytest.mark.severity("normal")
def test_docs():
    assert False, "runbook link stale"
"""
    )
    r = golive.run(src)
    assert r.ret == 3
    assert last_lines(r, 2)[0] == "golive verdict: CONDITIONAL"


def test_xfail_counts_as_failure(golive: Golive):
    src = (
        PASS
        + """
@pytest.mark.xfail(reason="known bug")
def test_known():
    assert False
"""
    )
    assert golive.run(src).ret == 1


def test_no_check_run_is_nogo(golive: Golive):
    r = golive.run(PASS, "-m", "backup")
    assert r.ret == 1
    assert "no check ran" in last_lines(r, 1)[0]


def test_unknown_plan_item_is_usage_error(golive: Golive):
    src = """
import pytest

@pytest.mark.plan("pre.env.nowhere")
def test_x():
    pass
"""
    r = golive.run(src)
    assert r.ret == 4
    r.stderr.fnmatch_lines(["*test_checks.py::test_x: plan('pre.env.nowhere') is not an item*"])
    assert "Traceback" not in r.stderr.str()


def test_unknown_severity_is_usage_error(golive: Golive):
    r = golive.run("import pytest\n@pytest.mark.severity('huge')\ndef test_x():\n    pass\n")
    assert r.ret == 4
    r.stderr.fnmatch_lines(["*test_checks.py::test_x: severity('huge') is not one of*"])


def test_bad_inventory_is_usage_error_without_traceback(golive: Golive):
    (golive.env / "inventory.yml").write_text("name: fake\nrelease: {version: 1}\n")
    r = golive.run(PASS)
    assert r.ret == 4
    assert "Traceback" not in r.stdout.str() + r.stderr.str()
    verdict = golive.verdict()  # the run's "not complete" one (test_fail_closed_stale.py)
    assert verdict["verdict"] == "NO-GO" and verdict["complete"] is False


def test_labels_severity_plan_and_host(golive: Golive):
    src = """
import pytest

@pytest.mark.security
@pytest.mark.plan("pre.security.tls")
@pytest.mark.parametrize("host", ["app1"])
def test_tls(host):
    pass
"""
    golive.run(src)
    (res,) = [
        p
        for p in (golive.reports / "allure-results").glob("*-result.json")
        if p.name != "golive-verdict-result.json"  # the verdict's own (test_evidence.py)
    ]
    data = json.loads(res.read_text())
    labels = {(lb["name"], lb["value"]) for lb in data["labels"]}
    assert {
        ("severity", "critical"),
        ("epic", "Pre-Deployment Preparations"),
        ("feature", "Security Preparations"),
        ("story", "pre.security.tls: SSL/TLS Configuration"),
    } <= labels
    assert {"name": "host", "value": "'app1'"} in data["parameters"]
    junit = (golive.reports / "junit.xml").read_text()
    assert (
        'name="severity" value="critical"' in junit
        and 'name="plan" value="pre.security.tls"' in junit
    )


def test_allure_metadata_files(golive: Golive, monkeypatch):
    monkeypatch.setenv("CI", "true")
    monkeypatch.setenv("CI_JOB_URL", "https://ci.example/job/1")
    golive.run(FAIL_APP2)
    results = golive.reports / "allure-results"
    props = (results / "environment.properties").read_text()
    assert "env=fake" in props and "release=2.0.0" in props and "app2" in props
    assert "golive_commit=" in props and "\ncommit=" not in props  # golive's, named as such
    assert (
        json.loads((results / "executor.json").read_text())["buildUrl"]
        == "https://ci.example/job/1"
    )
    names = [c["name"] for c in json.loads((results / "categories.json").read_text())]
    assert {"Blocker failures", "Unreachable hosts", "Missing evidence", "Waived"} <= set(names)
    messages = [
        json.loads(p.read_text()).get("statusDetails", {}).get("message", "")
        for p in results.glob("*-result.json")
    ]
    assert any(m.startswith("[BLOCKER] ") for m in messages)


def test_secrets_redacted_everywhere(golive: Golive):
    src = f"""
import pytest

KEY = "-----BEGIN RSA PRIVATE KEY-----\\nMIIEabc\\n-----END RSA PRIVATE KEY-----"

def test_leaky(evidence):
    evidence.text("config", "db.password={SECRET}\\n" + KEY)
    evidence.json("facts", {{"uri": "otpauth://totp/x?secret={TOTP_SEED}"}})
    print("connecting with {SECRET}")
    assert False, "login failed for postgresql://qa:{SECRET}@db1/trading"
"""
    golive.run(src)
    files = [p for p in golive.reports.rglob("*") if p.is_file()]
    assert any(p.name.endswith("-attachment.txt") for p in files)
    for p in files:
        text = p.read_text(errors="replace")
        for secret in (SECRET, TOTP_SEED, "MIIEabc"):
            assert secret not in text, f"{secret} leaked into {p}"
    ev = golive.verdict()["evidence"]
    assert {e["name"] for e in ev} >= {"config", "facts"} and all(
        len(e["sha256"]) == 64 for e in ev
    )
    cert = (golive.reports / "certificate.md").read_text()
    assert ev[0]["sha256"] in cert


def test_verdict_lines_on_terminal_are_redacted(golive: Golive):
    r = golive.run(f"""
def test_login():
    assert False, "login failed for postgresql://qa:{SECRET}@db1/trading"
""")
    gate = r.outlines[next(i for i, line in enumerate(r.outlines) if "golive gate" in line) :]
    assert "golive verdict: NO-GO" in gate
    assert any("[REDACTED]" in line for line in gate)
    assert not any(SECRET in line for line in gate), "\n".join(gate)


def test_secrets_are_masked_in_pytest_output_and_junit(golive: Golive) -> None:
    source = f"""
def test_leaks():
    print("connecting with {SECRET}")
    assert "{SECRET}" == "x", "password {SECRET} rejected"
"""
    result = golive.run(source, "-rA", "--tb=short")  # pytest's own output of it, masked
    out = result.stdout.str() + result.stderr.str()
    assert SECRET not in out
    assert "password" in out
    assert SECRET not in (golive.reports / "junit.xml").read_text()


# -- check metadata: one rule (golive/gate/metadata.py), each case ---------------------------


def meta(golive: Golive, source: str, *args: str) -> dict[str, tuple[str, list[str]]]:
    """Run ``source`` and return {check name: (severity, plan items)} from verdict.json."""
    result = golive.run(source, *args)
    assert result.ret in (0, 1, 3), result.stdout.str() + result.stderr.str()
    return {c["id"].split("::")[-1]: (c["severity"], c["plan"]) for c in golive.verdict()["checks"]}


def test_meta_suite_default_applies(golive: Golive):
    src = "import pytest\n@pytest.mark.smoke\ndef test_x():\n    pass\n"
    assert meta(golive, src) == {"test_x": ("blocker", ["deploy.validation.smoke"])}


def test_meta_explicit_markers_win_over_suite_default(golive: Golive):
    src = """
import pytest

@pytest.mark.smoke
@pytest.mark.severity("normal")
@pytest.mark.plan("deploy.app.deploy")
def test_x():
    pass
"""
    assert meta(golive, src) == {"test_x": ("normal", ["deploy.app.deploy"])}


def test_meta_most_specific_suite_marker_is_the_suite(golive: Golive):
    src = """
import pytest

pytestmark = pytest.mark.security

@pytest.mark.tls
def test_tls():
    pass

@pytest.mark.hardening
def test_hardening():
    pass

def test_general():
    pass
"""
    assert meta(golive, src) == {
        "test_tls": ("blocker", ["pre.security.tls"]),
        "test_hardening": ("critical", ["deploy.validation.security"]),
        "test_general": ("critical", ["deploy.validation.security"]),
    }


def test_meta_drill_is_a_property_not_a_suite(golive: Golive):
    inventory = golive.read("inventory.yml")
    golive.write("inventory.yml", {**inventory, "allow_destructive": True})
    src = """
import pytest

@pytest.mark.drill
@pytest.mark.rollback
def test_rollback_drill():
    pass

@pytest.mark.drill
@pytest.mark.integration
def test_node_loss_drill():
    pass
"""
    assert meta(golive, src) == {
        "test_rollback_drill": ("critical", ["rollback.steps.previous"]),
        "test_node_loss_drill": ("critical", ["deploy.validation.integration"]),
    }


def test_meta_closest_plan_marker_wins_and_plan_items_do_not_accumulate(golive: Golive):
    src = """
import pytest

pytestmark = [pytest.mark.auth, pytest.mark.plan("pre.security.auth")]

@pytest.mark.plan("pre.security.access")
def test_admin_only():
    pass

def test_login():
    pass
"""
    assert meta(golive, src) == {
        "test_admin_only": ("blocker", ["pre.security.access"]),
        "test_login": ("blocker", ["pre.security.auth"]),
    }


def test_meta_one_plan_marker_names_several_items(golive: Golive):
    src = """
import pytest

@pytest.mark.smoke
@pytest.mark.plan("deploy.validation.smoke", "deploy.app.deploy")
def test_x():
    pass
"""
    assert meta(golive, src) == {
        "test_x": ("blocker", ["deploy.validation.smoke", "deploy.app.deploy"])
    }


def test_meta_check_without_suite_is_critical_and_proves_nothing(golive: Golive):
    assert meta(golive, "def test_x():\n    pass\n") == {"test_x": ("critical", [])}


def test_meta_suite_without_plan_default_proves_nothing_unless_it_says(golive: Golive):
    src = """
import pytest

pytestmark = pytest.mark.predeploy

def test_unmapped():
    pass

@pytest.mark.plan("pre.db.schema")
def test_schema():
    pass
"""
    assert meta(golive, src) == {
        "test_unmapped": ("critical", []),
        "test_schema": ("critical", ["pre.db.schema"]),
    }


def test_meta_two_equally_specific_suites_is_usage_error_naming_the_check(golive: Golive):
    src = """
import pytest

@pytest.mark.smoke
@pytest.mark.integration
def test_x():
    pass
"""
    r = golive.run(src)
    assert r.ret == 4
    r.stderr.fnmatch_lines(
        ["*test_checks.py::test_x: suite markers smoke, integration are equally specific*"]
    )
    assert "Traceback" not in r.stderr.str()


def test_meta_two_suites_with_explicit_markers_need_no_default(golive: Golive):
    src = """
import pytest

@pytest.mark.smoke
@pytest.mark.integration
@pytest.mark.severity("blocker")
@pytest.mark.plan("deploy.validation.integration")
def test_x():
    pass
"""
    assert meta(golive, src) == {"test_x": ("blocker", ["deploy.validation.integration"])}


def test_meta_two_plan_markers_on_one_check_is_usage_error(golive: Golive):
    src = """
import pytest

@pytest.mark.plan("pre.db.schema")
@pytest.mark.plan("pre.db.migration")
def test_x():
    pass
"""
    r = golive.run(src)
    assert r.ret == 4
    r.stderr.fnmatch_lines(["*test_checks.py::test_x: 2 plan markers on test_x; give one*"])


def test_meta_is_read_once_and_not_from_user_properties(golive: Golive):
    """A check writing its own severity/plan properties changes nothing in the verdict."""
    src = """
import pytest

@pytest.mark.smoke
def test_x(record_property):
    record_property("severity", "minor")
    record_property("plan", "pre.db.schema")
    assert False, "down"
"""
    assert golive.run(src).ret == 1
    (check,) = golive.verdict()["checks"]
    assert (check["severity"], check["plan"]) == ("blocker", ["deploy.validation.smoke"])


def test_suite_defaults_name_plan_items_and_suites():
    plan, defaults = load_plan(), load_suite_defaults()
    for name, suite in defaults.suites.items():
        assert suite.plan is None or suite.plan in plan, name
        assert suite.within is None or suite.within in defaults.suites, name
    assert "drill" not in defaults.suites
    assert defaults.candidates(["security", "tls", "drill", "roles"]) == ["tls"]


def test_suite_defaults_refuse_an_unknown_parent(tmp_path):
    bad = tmp_path / "suites.yml"
    bad.write_text("suites:\n  tls: {marker: TLS, severity: blocker, within: sekurity}\n")
    with pytest.raises(ConfigError, match="'sekurity' is not a suite"):
        load_suite_defaults(bad)


# -- pytest-xdist: one verdict from all workers, as the serial run's --------------------------

MIXED = """
import time, pytest

@pytest.mark.smoke
@pytest.mark.parametrize("host", ["app1", "app2", "db1"])
def test_health(host, evidence):
    evidence.text("answer", f"{host}: 200")
    time.sleep(0.05)
    assert host != "app2", f"{host} answered 503"

@pytest.mark.security
def test_tls():
    pytest.skip("sslyze missing")

@pytest.mark.severity("normal")
@pytest.mark.plan("docs.deployment.notes")
def test_docs():
    assert False, "release notes stale"

@pytest.mark.predeploy
@pytest.mark.plan("pre.db.schema", "pre.db.migration")
@pytest.mark.parametrize("n", range(6))
def test_schema(n):
    time.sleep(0.05)
"""


def comparable(verdict: dict[str, Any]) -> dict[str, Any]:
    """What must not depend on how the run was distributed."""
    return {
        "verdict": verdict["verdict"],
        "exit_code": verdict["exit_code"],
        "counts": verdict["counts"],
        "blockers": verdict["blockers"],
        "conditions": verdict["conditions"],
        "missing": verdict["missing"],
        "refused": verdict["refused"],
        "checks": [{k: v for k, v in c.items() if k != "duration"} for c in verdict["checks"]],
        "evidence": sorted((e["check"], e["name"], e["sha256"]) for e in verdict["evidence"]),
    }


def run_xdist(golive: Golive, source: str, *args: str) -> pytest.RunResult:
    checks = golive.pytester.makepyfile(test_checks=source)
    return golive.pytester.runpytest_subprocess(
        str(checks), "--env", "fake", f"--golive-reports={golive.reports}", "-n", "2", *args,
        timeout=120,
    )  # fmt: skip


def test_xdist_verdict_is_the_serial_verdict(golive: Golive):
    serial = golive.run(MIXED, "-p", "no:xdist")
    expected = comparable(golive.verdict())
    assert expected["verdict"] == "NO-GO" and expected["counts"]["total"] == 11
    # 3 attached by test_health, and what each other check judged (test_evidence.py)
    assert len(expected["evidence"]) == 11
    parallel = run_xdist(golive, MIXED)
    assert parallel.ret == serial.ret == 1
    parallel.stdout.fnmatch_lines(["created: 2/2 workers"])
    assert comparable(golive.verdict()) == expected
    assert last_lines(parallel, 4)[1:] == last_lines(serial, 4)[1:]


def test_xdist_selected_but_not_run_is_missing_evidence(golive: Golive):
    src = """
import time, pytest

@pytest.mark.smoke
@pytest.mark.parametrize("n", range(20))
def test_x(n):
    time.sleep(0.1)
    assert n != 0, "first check fails"
"""
    r = run_xdist(golive, src, "-x")
    assert r.ret == 1, "stopped by -x as a serial run is, not interrupted"
    v = golive.verdict()
    assert not [b for b in v["blockers"] if b["check"] == "run"]
    assert v["counts"]["total"] == 20, "every selected check is in the verdict"
    not_run = [m for m in v["missing"] if "not run: the session stopped early" in m["message"]]
    assert not_run and all(m["severity"] == "blocker" for m in not_run)
    assert v["counts"]["passed"] + v["counts"]["failed"] + len(not_run) == 20


def test_xdist_plan_coverage_file(golive: Golive, tmp_path):
    out = tmp_path / "coverage.json"
    run_xdist(golive, MIXED, f"--golive-plan-coverage={out}")
    coverage = json.loads(out.read_text())
    assert coverage["test_checks.py::test_schema[0]"] == ["pre.db.schema", "pre.db.migration"]
    assert len(coverage) == 11
