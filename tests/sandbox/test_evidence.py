"""Evidence on every check, against the real sandbox: a healthy run of every suite (drills and
load tests aside, for the CI budget) leaves no check without an attachment, every JSON
attachment parses after redaction, host labels name inventory hosts; and the Allure report
of a NO-GO run shows the verdict, its scope and its blockers, with its trend kept per scope."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

from conftest import REPO, XDIST, golive
from golive.report import allure_meta

# every suite that exists, new ones included; drills and load tests are proven by their own
# fault-matrix runs and would not fit this test's budget (a full run: 208 checks, 0 without
# evidence, 2 min 25 s under -n 2 on the 2-core machine)
EVERY_SUITE = "not drill and not performance"


def attachments(step: dict[str, Any]) -> list[dict[str, Any]]:
    out = list(step.get("attachments", []))
    for sub in step.get("steps", []):
        out += attachments(sub)
    return out


def results(reports: Path) -> list[dict[str, Any]]:
    folder = reports / "allure-results"
    paths = sorted(folder.glob("*-result.json"))
    return [json.loads(p.read_text()) for p in paths if p.name != allure_meta.VERDICT_RESULT]


def label(result: dict[str, Any], name: str) -> list[str]:
    return [lb["value"] for lb in result.get("labels", []) if lb["name"] == name]


def test_every_check_of_a_healthy_run_has_evidence(certify, tmp_path: Path) -> None:
    run = certify(EVERY_SUITE, *XDIST)
    reports = tmp_path / "reports"
    checks = results(reports)
    assert len(checks) == run.verdict["counts"]["total"] > 100, run.output[-3000:]
    verdict = json.loads((reports / "allure-results" / allure_meta.VERDICT_RESULT).read_text())
    assert verdict["name"].startswith(f"golive verdict: {run.verdict['verdict']}")
    without = [f"{r['fullName']} [{r['status']}]" for r in checks if not attachments(r)]
    assert not without, f"{len(without)} of {len(checks)} checks without evidence:\n" + "\n".join(
        without
    )
    hosts = {"sandbox", *run.verdict["scope"]["hosts"], *run.verdict["scope"]["unchecked"]}
    wrong = {h for r in checks for h in label(r, "host")} - hosts
    assert not wrong, f"host labels that are not the target host: {wrong}"
    unparsable = []
    for r in checks:
        for att in attachments(r):
            if att.get("type") == "application/json" or att["source"].endswith(".json"):
                try:
                    json.loads((reports / "allure-results" / att["source"]).read_text())
                except ValueError as exc:
                    unparsable.append(f"{r['fullName']}: {att['name']}: {exc}")
    assert not unparsable, "JSON evidence that does not parse:\n" + "\n".join(unparsable)


def environment_certifying(root: Path, release: str) -> dict[str, str]:
    """A copy of the sandbox environment under ``root`` that certifies another release (the
    app nodes serve 1.5.0: a NO-GO naming each, without breaking the sandbox); the variables
    that make a run use it."""
    env = root / "sandbox"
    env.mkdir(parents=True)
    for name in ("expectations.yml", "signoffs.yml", "waivers.yml"):
        if (REPO / "environments" / "sandbox" / name).is_file():
            shutil.copy(REPO / "environments" / "sandbox" / name, env / name)
    inventory = (REPO / "environments" / "sandbox" / "inventory.yml").read_text()
    assert '\n  version: "1.5.0"\n' in inventory
    (env / "inventory.yml").write_text(
        inventory.replace('\n  version: "1.5.0"\n', f'\n  version: "{release}"\n')
    )
    return {"GOLIVE_ENVDIR": str(root)}


def test_report_shows_the_verdict_and_its_blockers(certify, tmp_path: Path) -> None:
    run = certify("smoke", env=environment_certifying(tmp_path / "envs", "9.9.9"))
    assert run.verdict["verdict"] == "NO-GO", run.output
    reports = tmp_path / "reports"
    failed = [r for r in results(reports) if r["status"] in ("failed", "broken")]
    assert failed and all(attachments(r) for r in failed), "failing checks attach what they saw"
    proc = golive("report", "--reports", str(reports))
    # the run's verdict line is the run's own; report only says what it rendered (issue 23)
    assert "report of a NO-GO verdict" in proc.stdout and "golive verdict" not in proc.stdout
    html = reports / "html"
    [verdict] = [
        json.loads(p.read_text())
        for p in (html / "data" / "test-cases").glob("*.json")
        if json.loads(p.read_text())["fullName"] == "golive verdict"
    ]
    assert verdict["name"].startswith("golive verdict: NO-GO") and verdict["status"] == "failed"
    steps = [s["name"] for s in verdict["testStage"]["steps"]]
    assert steps and all(s.startswith("blocker: ") for s in steps)
    assert {"app1", "app2"} <= {s.split(": ")[1] for s in steps}, steps
    environment = {
        e["name"]: e["values"][0]
        for e in json.loads((html / "widgets" / "environment.json").read_text())
    }
    assert environment["verdict"] == "NO-GO"
    assert environment["scope"].startswith("env sandbox, release 9.9.9, markers: smoke")
    assert "app2" in environment["blockers"]
    [executor] = json.loads((html / "widgets" / "executors.json").read_text())
    assert executor["reportName"].startswith("golive verdict: NO-GO (env sandbox")
    # the trend is kept per scope: a smoke run's history never mixes with another scope's
    assert [p.name for p in (reports / "history").iterdir()] == ["sandbox--smoke"]
