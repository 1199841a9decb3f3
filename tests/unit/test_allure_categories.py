"""Allure speaks golive's categories only and agrees with the terminal (issue 23, items 5, 6,
13): every failed or broken result falls in one of golive's categories (never Allure's
built-in "Product defects"/"Test defects"), Allure's failed/broken are pytest's failed/errors,
unproven plan items are results of their own, a GO's open plan items show on the overview, and
the golive verdict result carries verdict.json and the certificate, byte for byte."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from conftest import Golive
from golive.report import allure_meta

CHECKS = """
import pytest

@pytest.mark.smoke
@pytest.mark.roles("app")
def test_health(target):
    assert target.name == "app1", f"{target.name} down"

@pytest.mark.smoke
def test_raises():
    raise RuntimeError("no answer")  # pytest: failed; allure-pytest alone: broken

@pytest.fixture
def broken_setup():
    raise RuntimeError("setup failed")

@pytest.mark.smoke
def test_setup_error(broken_setup):
    pass

@pytest.mark.smoke
@pytest.mark.severity("minor")
def test_minor():
    assert False, "minor thing"
"""


def _categories(data: dict[str, Any]) -> list[str]:
    """The golive categories Allure files a result under (its matching rule: status listed,
    the whole message matching the regex; a category without a regex matches any)."""
    message = (data.get("statusDetails") or {}).get("message")
    return [
        c["name"]
        for c in allure_meta.CATEGORIES
        if data["status"] in c["matchedStatuses"]
        and message is not None
        and re.fullmatch(c["messageRegex"], message)
    ]


def _results(results: Path) -> list[dict[str, Any]]:
    return [json.loads(p.read_text()) for p in results.glob("*-result.json")]


def test_every_failure_is_in_one_golive_category_and_counts_agree(golive: Golive) -> None:
    run = golive.run(CHECKS, "-p", "no:randomly")
    outcomes = run.parseoutcomes()
    results = golive.reports / "allure-results"
    checks = [r for r in _results(results) if r["fullName"] != allure_meta.VERDICT_CHECK]
    statuses = [r["status"] for r in checks]
    # the terminal's "N failed" and "N error(s)" are Allure's failed and broken
    assert statuses.count("failed") == outcomes["failed"] == 3
    assert statuses.count("broken") == outcomes.get("errors", 0) == 1
    for data in _results(results):
        if data["status"] in ("failed", "broken"):
            assert len(_categories(data)) == 1, (data["name"], _categories(data))
    names = {r["name"]: _categories(r) for r in checks if r["status"] != "passed"}
    assert names["test_minor"] == ["Conditions (normal/minor failures)"]
    assert names["test_raises"] == ["Blocker failures"]
    # the catch-all never takes a tagged result, and takes an untagged failure
    untagged = {"status": "broken", "statusDetails": {"message": "RuntimeError: x"}}
    assert _categories(untagged) == ["Not classified by the verdict"]


def test_verdict_result_attaches_verdict_json_and_certificate(golive: Golive) -> None:
    from golive import cli

    golive.run(CHECKS, "-p", "no:randomly")
    assert cli.main(["certificate", "--reports", str(golive.reports)]) == 0
    results = golive.reports / "allure-results"
    verdict = json.loads((results / allure_meta.VERDICT_RESULT).read_text())
    attached = {a["name"]: results / a["source"] for a in verdict["attachments"]}
    assert set(attached) == {"verdict.json", "certificate.md", "certificate.html"}
    for name, copy in attached.items():
        assert copy.read_bytes() == (golive.reports / name).read_bytes(), name
    # the next run's verdict result never carries this run's files
    golive.run(CHECKS, "-p", "no:randomly")
    verdict = json.loads((results / allure_meta.VERDICT_RESULT).read_text())
    assert not verdict.get("attachments") and not any(results.glob("golive-verdict-attach*"))


DOC: dict[str, Any] = {
    "verdict": "GO",
    "scope": {"env": "fake", "release": "2.0.0", "markers": "", "hosts": ["app1"]},
    "counts": {"passed": 3, "dependent": 0},
    "blockers": [],
    "plan_open": ["post.uat.execution: sign-off uat is not recorded"],
}


def test_a_go_with_an_open_plan_item_shows_it_on_the_overview(tmp_path: Path) -> None:
    allure_meta.write_static(tmp_path, {"env": "fake"}, {})
    allure_meta.write_verdict(tmp_path, DOC)
    executor = json.loads((tmp_path / "executor.json").read_text())
    assert executor["buildName"].endswith(": golive verdict GO, 1 open item")
    assert executor["reportName"].startswith("golive verdict: GO, 1 open item (env fake")
    props = (tmp_path / "environment.properties").read_text()
    assert "counts=blockers 0, open plan items 1, dependent checks 0" in props
    assert "open_plan_items=(1) post.uat.execution\\: sign-off uat is not recorded" in props
    [plan] = [r for r in _results(tmp_path) if r["fullName"].startswith("plan ")]
    assert plan["status"] == "skipped" and _categories(plan) == ["Open plan items"]


def test_unproven_required_plan_items_are_failed_results(tmp_path: Path) -> None:
    lines = [f"pre.item{i}: no passing check names it" for i in (1, 2, 3)]
    doc = {
        **DOC,
        "verdict": "NO-GO",
        "plan_open": [],
        "blockers": [{"check": "plan", "host": None, "message": m} for m in lines],
    }
    allure_meta.write_verdict(tmp_path, DOC)  # an earlier write's plan results are replaced
    allure_meta.write_verdict(tmp_path, doc)
    plans = [r for r in _results(tmp_path) if r["fullName"].startswith("plan ")]
    assert sorted(r["name"] for r in plans) == [f"plan item {m}" for m in lines]
    assert all(r["status"] == "failed" for r in plans)
    assert all(_categories(r) == ["Plan items not proven (blockers)"] for r in plans)


def test_certificate_command_rewrites_the_verdict_result_as_certify_amends_it(
    golive: Golive,
) -> None:
    from golive import cli

    golive.run(CHECKS, "-p", "no:randomly")
    path = golive.reports / "verdict.json"
    doc = json.loads(path.read_text())  # as `golive certify` amends it with the plan
    doc["plan_open"] = ["post.uat.execution: sign-off uat is not recorded"]
    path.write_text(json.dumps(doc, indent=2) + "\n")
    assert cli.main(["certificate", "--reports", str(golive.reports)]) == 0
    results = golive.reports / "allure-results"
    verdict = json.loads((results / allure_meta.VERDICT_RESULT).read_text())
    attached = {a["name"]: results / a["source"] for a in verdict["attachments"]}
    assert attached["verdict.json"].read_bytes() == path.read_bytes()
    assert (
        attached["certificate.md"].read_bytes() == (golive.reports / "certificate.md").read_bytes()
    )
    [plan] = [r for r in _results(results) if r["fullName"].startswith("plan ")]
    assert plan["name"] == "plan item post.uat.execution: sign-off uat is not recorded"


LOAD = """
import pytest

@pytest.mark.smoke
def test_health():
    pass

@pytest.mark.performance
def test_load():
    pass
"""


def test_checks_certify_leaves_out_are_missing_evidence_on_the_overview(golive: Golive) -> None:
    """`golive certify --no-load` (issue 23): the load checks it leaves out (deselected, so no
    result of their own) are missing evidence in verdict.json, and each is a skipped result in
    golive's "Missing evidence" on the Allure overview: never absent, never passed."""
    from golive import cli
    from golive.cli.certify import NOT_RUN, prove_plan

    golive.run(LOAD, "-m", "not performance", "-p", "no:randomly")
    required, _ = prove_plan(golive.reports, ["test_checks.py::test_load"])
    assert required  # the plan items no check of this run proves: NO-GO
    doc = golive.verdict()
    assert doc["verdict"] == "NO-GO" and doc["counts"]["missing"] == 1
    assert doc["missing"][-1]["check"] == "test_checks.py::test_load"
    assert cli.main(["certificate", "--reports", str(golive.reports)]) == 0
    results = _results(golive.reports / "allure-results")
    [left] = [r for r in results if r["fullName"] == "test_checks.py::test_load"]
    assert left["status"] == "skipped" and _categories(left) == ["Missing evidence"]
    assert left["statusDetails"]["message"] == f"[MISSING EVIDENCE] {NOT_RUN}"
    assert [r["status"] for r in results].count("passed") == 1  # test_health alone
    assert "missing 1" in (golive.reports / "certificate.md").read_text()
    # written again (golive report after golive certificate): still one result per check
    assert cli.main(["certificate", "--reports", str(golive.reports)]) == 0
    again = _results(golive.reports / "allure-results")
    assert [r["fullName"] for r in again].count("test_checks.py::test_load") == 1
