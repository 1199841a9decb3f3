"""Evidence on every check: what the probes saw is attached to each check, passing or failing,
redacted, with the target host as Allure host label; the verdict in the Allure results."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from conftest import SECRET, Golive
from golive.report import allure_meta

CHECKS = f"""
import pytest

@pytest.fixture(scope="module")
def facts(host_pool):
    return host_pool.get("db1").run("echo shared-facts").stdout

@pytest.mark.smoke
@pytest.mark.roles("app")
def test_node(target):
    out = target.run("echo hello-%s {SECRET}", target.name)
    assert target.remote.file("/").is_directory
    assert target.name == "app1", out.stdout

@pytest.mark.smoke
def test_uses_facts(facts):
    assert "shared-facts" in facts

@pytest.mark.smoke
def test_reuses_facts(facts):
    assert facts
"""


def _results(root: Path) -> dict[str, dict[str, Any]]:
    out = {}
    for path in (root / "allure-results").glob("*-result.json"):
        if path.name == allure_meta.VERDICT_RESULT:
            continue
        data = json.loads(path.read_text())
        out[data["name"]] = data
    return out


def _seen(root: Path, result: dict[str, Any]) -> str:
    [att] = [a for a in result["attachments"] if a["name"].startswith("golive saw")]
    return (root / "allure-results" / att["source"]).read_text()


def test_every_check_attaches_what_it_saw(golive: Golive) -> None:
    golive.run(CHECKS, "-p", "no:randomly")
    results = _results(golive.reports)
    assert set(results) == {
        "test_node[app1]", "test_node[app2]", "test_uses_facts", "test_reuses_facts",
    }  # fmt: skip
    for name, result in results.items():
        assert any(a["name"].startswith("golive saw") for a in result["attachments"]), name
    app2 = _seen(golive.reports, results["test_node[app2]"])
    assert "[app2] $ echo hello-app2 [REDACTED]" in app2, app2
    assert "exit 0" in app2 and "stdout:" in app2 and SECRET not in app2
    assert results["test_node[app2]"]["status"] == "failed"  # failing checks attach too
    reused = _seen(golive.reports, results["test_reuses_facts"])
    assert "fixture `facts` (set up once, during test_checks.py::test_uses_facts)" in reused
    assert "[db1] $ echo shared-facts" in reused
    first = _seen(golive.reports, results["test_uses_facts"])
    assert "seen by setup" in first and "fixture `facts`" not in first


def test_allure_host_label_is_the_target_host(golive: Golive) -> None:
    golive.run(CHECKS, "-p", "no:randomly")
    hosts = {
        name: [lb["value"] for lb in r["labels"] if lb["name"] == "host"]
        for name, r in _results(golive.reports).items()
    }
    assert hosts["test_node[app1]"] == ["app1"] and hosts["test_node[app2]"] == ["app2"]
    assert hosts["test_uses_facts"] == ["fake"]  # about the environment as a whole


def test_evidence_recorded_in_verdict_with_sha256(golive: Golive) -> None:
    golive.run(CHECKS, "-p", "no:randomly")
    evidence = golive.verdict()["evidence"]
    checks = {e["check"] for e in evidence if e["name"].startswith("golive saw")}
    assert len(checks) == 4 and all(len(e["sha256"]) == 64 for e in evidence)


DOC: dict[str, Any] = {
    "verdict": "NO-GO",
    "scope": {"env": "fake", "release": "2.0.0", "markers": "smoke", "hosts": ["app2"]},
    "counts": {"passed": 1, "failed": 1},
    "blockers": [
        {"check": "t.py::test_health[app2]", "host": "app2", "message": "failed: app2 down"}
    ],
    "conditions": [],
    "waived": [],
    "missing": [],
}


def test_a_run_writes_its_verdict_into_the_allure_results(golive: Golive) -> None:
    golive.run(CHECKS, "-p", "no:randomly")
    results = golive.reports / "allure-results"
    verdict = json.loads((results / allure_meta.VERDICT_RESULT).read_text())
    assert verdict["name"] == "golive verdict: NO-GO (1 blocker)"
    assert verdict["steps"][0]["name"].startswith("blocker: app2: ")
    props = (results / "environment.properties").read_text().splitlines()
    assert props[0] == "verdict=NO-GO" and "env=fake" in props


def test_verdict_result_and_widgets(tmp_path: Path) -> None:
    allure_meta.write_static(tmp_path, {"env": "fake", "markers": "smoke"}, {})
    allure_meta.write_verdict(tmp_path, DOC)
    result = json.loads((tmp_path / allure_meta.VERDICT_RESULT).read_text())
    assert result["name"] == "golive verdict: NO-GO (1 blocker)"
    assert result["status"] == "failed"
    assert [s["name"] for s in result["steps"]] == [
        "blocker: app2: t.py::test_health[app2]: failed: app2 down"
    ]
    props = (tmp_path / "environment.properties").read_text().splitlines()
    assert props[0] == "verdict=NO-GO" and props[1].startswith("scope=env fake")
    assert props[2] == "counts=blockers 1, open plan items 0, dependent checks 0"
    assert "(1) app2\\: app2 down" in props[3]
    executor = json.loads((tmp_path / "executor.json").read_text())
    assert executor["reportName"].startswith("golive verdict: NO-GO (env fake")
    allure_meta.write_verdict(tmp_path, {**DOC, "verdict": "GO", "blockers": []})
    props = (tmp_path / "environment.properties").read_text().splitlines()
    assert props[0] == "verdict=GO" and props.count("verdict=GO") == 1


def test_history_is_kept_per_scope() -> None:
    smoke = allure_meta.scope_key(DOC)
    full = allure_meta.scope_key({**DOC, "scope": {**DOC["scope"], "markers": ""}})
    assert smoke == "fake--smoke" and full == "fake--all"
    odd = {**DOC, "scope": {**DOC["scope"], "markers": "smoke or predeploy"}}
    assert allure_meta.scope_key(odd) == "fake--smoke_or_predeploy"
