"""Issue 23: one final verdict line, always last, from the decision verdict.json holds; every
blocker line names its subject; the certificate puts its blockers first."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest_golive.plugins.runlock  # noqa: F401  (kept across pytester's in-process runs)
from conftest import EXPECTATIONS, Golive
from golive.gate.verdict import Finding
from golive.model.environment import load_environment
from golive.probe.ansible import list_inventory
from golive.report import allure_meta
from golive.report.allure_meta import scope_key

GOLIVE = Path(sys.executable).parent / "golive"
ROLES = {"app": {}, "db": {}, "lb": {"optional": True}}


def test_certify_prints_one_final_verdict_line_last(golive: Golive) -> None:
    """golive certify: the suites' verdict is labelled as such, the plan's NO-GO lines and the
    certificate and bundle steps come before the one ``golive verdict:`` line, the last, which
    says what verdict.json says. No check is selected (no network): the suites' NO-GO, then
    the plan items no check proved."""
    golive.write("expectations.yml", {**EXPECTATIONS, "roles": ROLES})
    proc = subprocess.run(
        [str(GOLIVE), "certify", "--env", "fake", "--no-load", "--no-report", "--reports",
         str(golive.reports), "--", "-k", "no_check_has_this_name", "-p", "no:randomly"],
        cwd=golive.pytester.path, capture_output=True, text=True, timeout=300,
        env=dict(os.environ),
    )  # fmt: skip
    out = proc.stdout
    assert proc.returncode == 1, (out, proc.stderr)
    finals = [line for line in (out + proc.stderr).splitlines() if "golive verdict:" in line]
    assert finals == ["golive verdict: NO-GO"], (out, proc.stderr)
    assert out.rstrip().splitlines()[-1] == "golive verdict: NO-GO", out
    assert "suites verdict: NO-GO" in out
    assert "golive certify: NO-GO: plan item" in out
    doc = json.loads((golive.reports / "verdict.json").read_text())
    assert doc["verdict"] == "NO-GO"
    # item 7: the plan's blockers are counted, and the certificate shows its blockers first
    blockers = len(doc["blockers"])
    assert doc["counts"]["blockers"] == blockers > 1
    certificate = (golive.reports / "certificate.md").read_text()
    assert f"blockers {blockers}," in certificate
    blockers_at = certificate.index("## Blockers")
    assert blockers_at < certificate.index("## Plan items not covered by this run")
    assert "post.uat.issues" not in certificate[:blockers_at]


INTERRUPTED = """
import os
import signal

import pytest

@pytest.mark.smoke
def test_a_is_terminated():
    os.kill(os.getpid(), signal.SIGTERM)

@pytest.mark.smoke
@pytest.mark.parametrize("host", ["app1", "app2", "db1"])
def test_b_never_runs(host):
    pass
"""


def test_an_interruption_is_blocker_one_with_missing_evidence_as_a_count(golive: Golive) -> None:
    """Item 9: the interruption is blocker 1 in verdict.json and the first blocker line, the
    checks it left without evidence one count under it (each is in ``missing``), and no
    blocker line starts with ``-:`` (the run, a plan item, a sign-off or a check names it)."""
    checks = golive.pytester.makepyfile(test_checks=INTERRUPTED)
    result = golive.pytester.runpytest_subprocess(
        str(checks), "--env", "fake", f"--golive-reports={golive.reports}", "-p", "no:randomly"
    )
    doc = golive.verdict()
    first, second = doc["blockers"][:2]
    assert first["check"] == "run" and first["message"].startswith("run interrupted: "), doc
    assert second["message"].startswith("3 blocker/critical checks without evidence"), doc
    assert len(doc["missing"]) >= 3 and len(doc["blockers"]) <= 3, doc["blockers"]
    lines = result.outlines
    at = lines.index("golive verdict: NO-GO")
    blockers = lines[at + 2 :]
    assert blockers[0].startswith("run: run interrupted: "), blockers
    assert blockers[1].startswith("run: 3 blocker/critical checks without evidence"), blockers
    assert not any(line.startswith("-") for line in blockers), blockers


def test_sandbox_ansible_is_labelled_with_its_own_name() -> None:
    """Item 10: ``--env sandbox-ansible`` is named sandbox-ansible (the pytest header and the
    scope are the inventory's name), so its trend is its own; a run of it on the sandbox:
    tests/sandbox/test_ansible_inventory.py."""
    env = load_environment("sandbox-ansible", secrets=False, ansible=list_inventory)
    assert env.inventory.name == "sandbox-ansible"
    assert scope_key({"scope": {"env": env.inventory.name, "markers": "smoke"}}) == (
        "sandbox-ansible--smoke"
    )


def test_every_blocker_line_names_its_subject() -> None:
    """Item 9: a finding about no host names the run, the plan item, the sign-off or the check
    itself, in the terminal, the Allure verdict result and the certificate alike."""
    plan = "plan item post.uat.issues (Issue Resolution): no check of this run names it"
    findings = [
        Finding("run", None, "run interrupted: SIGTERM"),
        Finding("evidence", None, "cannot write reports/junit.xml: disk full"),
        Finding("plan", None, plan),
        Finding("signoff:cab", None, "sign-off cab: missing: no entry in signoffs.yml"),
        Finding("suites/performance/test_performance.py::test_slo", None, "failed: p95 900 ms"),
    ]
    lines = [f.line() for f in findings]
    assert lines == [
        "run: run interrupted: SIGTERM",
        "run: cannot write reports/junit.xml: disk full",
        plan,
        "sign-off cab: missing: no entry in signoffs.yml",
        "suites/performance/test_performance.py::test_slo: failed: p95 900 ms",
    ]
    for f, line in zip(findings, lines, strict=True):
        doc = {"check": f.check, "host": None, "message": f.message}
        assert allure_meta._line(doc) == line
        assert not allure_meta._short(doc).startswith("-")
