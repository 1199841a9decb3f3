"""The verdict of the run: every selected check's result in collection order (metadata from
plugins/metadata.py, outcomes from plugins/records.py), weighed by golive.gate.verdict.decide
with the waivers, sign-offs, drills and how the session ended. Results are ordered as
collected, so the verdict of ``-n 2`` reads as the serial run's."""

from __future__ import annotations

import time
from dataclasses import replace
from datetime import date
from typing import Any

import pytest

from golive.gate import causes, identity
from golive.gate.metadata import UNKNOWN
from golive.gate.signoffs import check_signoffs, load_signoffs
from golive.gate.verdict import CheckResult, Finding, Verdict, checked_scope, decide
from golive.gate.waivers import load_waivers
from golive.model.environment import Environment
from golive.probe.hosts import HostPool
from golive.probe.identity import Identities
from golive.probe.release import served_builds, summarize
from golive.report.provenance import golive_build
from pytest_golive.plugins.keys import ENVIRONMENT, IDENTITIES
from pytest_golive.plugins.metadata import SELECTION, Selection
from pytest_golive.plugins.records import RECORDS, Check
from pytest_golive.plugins.runlock import RUN
from pytest_golive.plugins.safety import REFUSED, drill_records, terminated_by

AGGREGATE = pytest.StashKey["Aggregate"]()


def pytest_configure(config: pytest.Config) -> None:
    config.stash[AGGREGATE] = aggregate = Aggregate(config)
    config.pluginmanager.register(aggregate, "golive-aggregate")


def drilled(result: CheckResult, message: str, node: str, not_restored: str = "") -> CheckResult:
    """A drill's result with what became of its node: an error when it was interrupted or its
    node was not restored, whatever its phases reported; about the host its restore found not
    restored (``not_restored``), else its node when it names no other host (every blocker
    names its host)."""
    if not message:
        return result
    text = f"{message}; {result.message}" if result.message else message
    host = not_restored or result.host or node
    return replace(result, outcome="error", message=text, host=host)


class Aggregate:
    """Collects how the session went and gives the verdict."""

    def __init__(self, config: pytest.Config) -> None:
        self.config = config
        run = config.stash.get(RUN, None)
        self.started = run.started if run is not None else time.time()
        self.aborted: list[str] = []

    @property
    def selection(self) -> Selection:
        return self.config.stash[SELECTION]

    @property
    def checks(self) -> dict[str, Check]:
        return self.config.stash[RECORDS].checks

    def pytest_collectreport(self, report: pytest.CollectReport) -> None:
        if report.failed:
            line = f"collection error in {report.nodeid or '(root)'}"
            if line not in self.aborted:  # every xdist worker reports the same one
                self.aborted.append(line)

    def results(self) -> list[CheckResult]:
        """Every selected check's result in collection order, then any other that reported;
        a check whose metadata never arrived weighs as critical (fail closed)."""
        out: list[CheckResult] = []
        order = self.selection.selected
        selected = set(order)
        drills = drill_records(self.config)
        for nid in [*order, *(n for n in self.checks if n not in selected)]:
            meta = self.selection.meta.get(nid, UNKNOWN)
            check = self.checks.get(nid)
            if check is not None:
                result = check.result(nid, meta)
                drill = drills.get(nid)
                if drill is not None:
                    result = drilled(result, drill.message(), drill.node, drill.host)
                out.append(result)
            else:
                why = "not run: the session stopped early"
                out.append(
                    CheckResult(nid, "skipped", meta.severity, meta.host, why, plan=meta.plan)
                )
        return out

    def verdict(self, session: pytest.Session) -> Verdict:
        env = self.config.stash[ENVIRONMENT]
        inv = env.inventory
        today = date.today()
        signoffs = check_signoffs(
            load_signoffs(env.path / "signoffs.yml"),
            inv.policy.required_signoffs, today, inv.release.version,
        )  # fmt: skip
        aborted = list(self.aborted)
        if session.shouldstop and not aborted:
            aborted.append(str(session.shouldstop))
        if self.interrupted(session) and not aborted:
            signal = terminated_by(self.config)
            aborted.append(f"interrupted by {signal}" if signal else "interrupted")
        if session.exitstatus == pytest.ExitCode.INTERNAL_ERROR:
            aborted.append("internal error: golive or a pytest plugin crashed (see above)")
        results = self.results()
        touched = {r.host for r in results if r.id in self.checks and r.host is not None}
        touched.update(h for c in self.checks.values() for h in c.touched)
        scope = checked_scope(
            inv.name, inv.release.version, self.config.getoption("markexpr") or "",
            self.config.getoption("keyword") or "", tuple(inv.hosts), touched,
        )  # fmt: skip
        waivers = load_waivers(env.path / "waivers.yml")
        refused = self.config.stash.get(REFUSED, [])
        return decide(
            results, waivers, signoffs, today, scope, "; ".join(aborted) or None, refused,
            causes.of_environment(env),
        )  # fmt: skip

    def identity(
        self, env: Environment, verdict: Verdict, pool: HostPool, session: pytest.Session
    ) -> tuple[Verdict, dict[str, Any]]:
        """Two inventory names must not be one machine (golive/gate/identity.py): asked of the
        hosts the run reached over SSH; not when it was interrupted."""
        if self.interrupted(session):
            return verdict, {"hosts": {}, "notes": ["not asked: the run was interrupted"]}
        reached = {h for c in self.checks.values() for h in (*c.touched, *c.ssh)}
        try:
            names = identity.to_ask(env, verdict, reached)
            asked = self.config.stash.get(IDENTITIES, None) or Identities(env, pool)
            return identity.judged(env, verdict, asked.of(names))
        except Exception as exc:  # asking crashed: the identity is unknown, never a pass
            line = f"identity of the hosts not known: {type(exc).__name__}: {exc}"
            return verdict.with_blockers([Finding(identity.CHECK, None, line)]), {"error": line}

    def interrupted(self, session: pytest.Session) -> bool:
        """Interrupted, but not merely stopped by -x/--maxfail: xdist's controller ends such a
        run as interrupted where a serial run just stops; both leave the unrun checks missing.
        A run that received SIGINT or SIGTERM is interrupted whatever pytest's status says
        (fail closed: a signal landing inside pytest's own handling may leave that status
        unset, and the checks run so far must not read as a complete GO)."""
        if terminated_by(self.config):
            return True
        if session.exitstatus != pytest.ExitCode.INTERRUPTED:
            return False
        dsession = self.config.pluginmanager.get_plugin("dsession")
        maxfail = getattr(dsession, "maxfail", 0)
        return not (maxfail and getattr(dsession, "countfailures", 0) >= maxfail)


def versions(env: Environment, interrupted: bool, pool: HostPool) -> dict[str, Any]:
    """verdict.json's ``golive`` (golive's own version and commit) and ``application`` (the
    build the app nodes serve, asked once, here; not when the run was interrupted, nor of a
    node the run lost (``pool`` knows them): a hung host costs one detection, not two)."""
    application = summarize({}, env.inventory.release.version)
    if interrupted:
        application["line"] = "not asked: the run was interrupted"
        return {"golive": golive_build(), "application": application}
    try:
        application = served_builds(env, pool)
    except Exception as exc:  # provenance never crashes the gate; it says why it is missing
        application["line"] = f"not known: the app nodes could not be asked ({exc})"
    return {"golive": golive_build(), "application": application}
