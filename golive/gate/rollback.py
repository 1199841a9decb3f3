"""The rollback recommendation: a run's findings mapped to the plan's rollback triggers.

Pure: a verdict and each check's suite in, a :class:`Recommendation` out. golive only
recommends; CI or a person decides, and golive never rolls anything back.

- **Critical failures** (``rollback.triggers.critical``): a failing (failed or error) blocker
  check after the deploy, or critical functionality down: any failing smoke check, or a host
  no check could reach.
- **Performance issues** (``rollback.triggers.performance``): a failed check of the
  performance suite, whose checks judge the SLO tables (a breach fails; a run without
  samples is an error or missing evidence, which is NO-GO but says nothing of performance).
- A check that names a trigger as its plan item (``golive watch``'s watched metrics) fires
  that trigger when it fails, whatever its suite.

Not triggers: the pre-deployment checks (they are about the preparation, before the deploy),
the rollback suite's own checks (they say whether a rollback is possible, not whether the
release failed), waived failures (accepted by their approver), and skipped checks (missing
evidence: NO-GO, but no proof that the release is broken).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass
from typing import Any

from golive.gate.severity import load_suite_defaults
from golive.gate.verdict import CheckResult, Finding, Verdict, subject

CRITICAL = "rollback.triggers.critical"
PERFORMANCE = "rollback.triggers.performance"
TITLES = {CRITICAL: "Critical Failures", PERFORMANCE: "Performance Issues"}
# the suites of each kind, as the registry (gate/suites.yml) names them: `rollback: KIND`
BEFORE_DEPLOY = load_suite_defaults().of_kind("before-deploy")
NOT_EVIDENCE = load_suite_defaults().of_kind("not-evidence")
FUNCTIONAL = load_suite_defaults().of_kind("functional")
PERFORMANCE_SUITES = load_suite_defaults().of_kind("performance")
SHOWN = 5
"""Findings named per trigger in the terminal and the certificate (verdict.json has all)."""


@dataclass(frozen=True)
class Trigger:
    """One of the plan's rollback triggers that fired, and the findings behind it."""

    id: str
    title: str
    findings: tuple[Finding, ...]

    def lines(self) -> list[str]:
        # root causes first: a check failing only as a consequence of another is counted,
        # not named again (the blockers already group it under its cause)
        roots = [f for f in self.findings if f.caused_by is None]
        dependent = len(self.findings) - len(roots)
        # named, not said again: each finding's reason is its line among the blockers
        shown = [f"  {_named(f)}" for f in roots[:SHOWN]]
        more = len(roots) - SHOWN
        return [
            f"trigger {self.id} ({self.title}): {len(self.findings)} finding(s)",
            *shown,
            *([f"  ... and {more} more (verdict.json)"] if more > 0 else []),
            *([f"  and {dependent} dependent check(s) under those causes"] if dependent else []),
        ]


def _named(f: Finding) -> str:
    where = subject(f.check, f.host)
    return f.check if where == f.check else f"{where}: {f.check}"


@dataclass(frozen=True)
class Recommendation:
    """``rollback: recommended | not recommended``, with the triggers that fired."""

    triggers: tuple[Trigger, ...]
    evaluated: int
    """How many checks after the deploy the recommendation weighed."""

    @property
    def recommended(self) -> bool:
        return bool(self.triggers)

    @property
    def state(self) -> str:
        return "recommended" if self.recommended else "not recommended"

    def lines(self) -> list[str]:
        if self.recommended:
            ids = ", ".join(t.id for t in self.triggers)
            head = (
                f"rollback: recommended ({ids}); golive does not roll back: CI or a person decides"
            )
            return [head, *(line for t in self.triggers for line in t.lines())]
        why = (
            f"no trigger fired in {self.evaluated} check(s) after the deploy"
            if self.evaluated
            else "no check after the deploy ran"
        )
        return [f"rollback: not recommended ({why})"]

    def to_dict(self) -> dict[str, Any]:
        return {
            "recommendation": self.state,
            "evaluated": self.evaluated,
            "triggers": [
                {"id": t.id, "title": t.title, "findings": [asdict(f) for f in t.findings]}
                for t in self.triggers
            ],
        }


def _failing(result: CheckResult) -> bool:
    return result.outcome in ("failed", "error") or result.unreachable is not None


def _finding(result: CheckResult) -> Finding:
    message = (
        f"host unreachable: {result.unreachable}"
        if result.unreachable is not None
        else f"{result.outcome}: {result.message}"
    )
    return Finding(result.id, result.host, message, result.severity, caused_by=result.caused_by)


def recommend(verdict: Verdict, suites: Mapping[str, str | None]) -> Recommendation:
    """Map a verdict's checks (``suites``: each check id's suite) to the plan's triggers."""
    waived = {f.check for f in verdict.waived}
    critical: list[Finding] = []
    performance: list[Finding] = []
    evaluated = 0
    for result in verdict.checks:
        suite = suites.get(result.id)
        if suite in BEFORE_DEPLOY or suite in NOT_EVIDENCE:
            continue
        if result.outcome != "skipped" or result.unreachable is not None:
            evaluated += 1
        if result.id in waived or not _failing(result):
            continue
        if PERFORMANCE in result.plan or suite in PERFORMANCE_SUITES:
            if result.outcome == "failed":
                performance.append(_finding(result))
            continue
        if CRITICAL in result.plan:  # a check that watches for the trigger itself
            critical.append(_finding(result))
            continue
        if result.severity == "blocker" or suite in FUNCTIONAL or result.unreachable is not None:
            critical.append(_finding(result))
    triggers = tuple(
        Trigger(trigger, TITLES[trigger], tuple(found))
        for trigger, found in ((CRITICAL, critical), (PERFORMANCE, performance))
        if found
    )
    return Recommendation(triggers, evaluated)


def summary(doc: Mapping[str, Any]) -> str:
    """One line of a verdict.json's recommendation (the certificate's head); an older
    verdict.json without one says so."""
    rec = doc.get("rollback")
    if not isinstance(rec, Mapping):
        return "not evaluated"
    triggers = rec.get("triggers") or []
    if not triggers:
        return str(rec.get("recommendation", "not evaluated"))
    named = "; ".join(f"{t['id']} ({len(t['findings'])} finding(s))" for t in triggers)
    return f"{rec.get('recommendation')}: {named}"


def rows(doc: Mapping[str, Any]) -> list[list[str]]:
    """The findings behind each trigger that fired: trigger, host, check, finding."""
    rec = doc.get("rollback")
    if not isinstance(rec, Mapping):
        return []
    found: list[list[str]] = []
    for t in rec.get("triggers") or []:
        roots = [f for f in t["findings"] if not f.get("caused_by")]
        found += [[t["id"], subject(f["check"], f.get("host")), f["check"], f["message"]]
                  for f in roots]  # fmt: skip
        if dependent := len(t["findings"]) - len(roots):
            hosts = sorted({str(f.get("host")) for f in t["findings"] if f.get("caused_by")})
            about = ", ".join(h for h in hosts if h != "None") or "run"
            found.append([t["id"], about, f"{dependent} dependent check(s)", "see their causes"])
    return found
