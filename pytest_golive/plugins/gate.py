"""The Go/No-Go gate: severity and plan items per check; the verdict, its files and exit code."""

from __future__ import annotations

import json
import os
import time
from collections.abc import Generator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from itertools import takewhile
from pathlib import Path

import pytest

from golive.gate.plan import load_plan
from golive.gate.severity import LEVELS, Severity, load_suite_defaults
from golive.gate.signoffs import check_signoffs, load_signoffs
from golive.gate.verdict import CheckResult, Outcome, Scope, Verdict, decide, exit_code
from golive.gate.waivers import load_waivers
from golive.model.errors import GoliveError, HostUnreachable
from golive.report.output import Layout, finish
from golive.report.redact import Redactor
from pytest_golive.plugins.keys import ENVIRONMENT, check_id

_RANK: dict[Outcome, int] = {"passed": 0, "skipped": 1, "failed": 2, "error": 3}


@dataclass(frozen=True)
class CheckMeta:
    """What the gate knows of a check from collection."""

    severity: Severity
    plan: tuple[str, ...]
    host: str | None


META = pytest.StashKey[CheckMeta]()
MESSAGE = "golive_message"
LAYOUT = pytest.StashKey[Layout]()
VERDICT = pytest.StashKey[Verdict]()


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("golive")
    group.addoption(
        "--golive-reports",
        dest="golive_reports",
        default=os.environ.get("GOLIVE_REPORTS"),
        metavar="DIR",
        help="directory for verdict.json, certificate, allure-results, junit.xml "
        "(default: $GOLIVE_REPORTS or reports/ under the rootdir; write --golive-reports=DIR)",
    )
    group.addoption(
        "--golive-plan-coverage",
        dest="golive_plan_coverage",
        default=None,
        metavar="FILE",
        help="write {check: [plan items]} of the collected checks to FILE (JSON)",
    )


def reports_dir(config: pytest.Config) -> Path:
    """The reports directory of this run."""
    opt = config.getoption("golive_reports")
    return Path(opt).resolve() if opt else config.rootpath / "reports"


def pytest_configure(config: pytest.Config) -> None:
    config.pluginmanager.register(Gate(config), "golive-gate")


def _meta(item: pytest.Item) -> CheckMeta:
    plan, defaults = load_plan(), load_suite_defaults()
    names = [m.name for m in item.iter_markers()]
    mark = item.get_closest_marker("severity")
    severity: Severity = defaults.severity_for(names)
    if mark is not None:
        level = mark.args[0] if mark.args else mark.kwargs.get("level")
        if level not in LEVELS:
            raise pytest.UsageError(
                f"golive: {item.nodeid}: severity({level!r}) is not one of {', '.join(LEVELS)}"
            )
        severity = level
    items = tuple(a for m in item.iter_markers("plan") for a in (*m.args, *m.kwargs.values()))
    for pid in items:
        if pid not in plan:
            raise pytest.UsageError(
                f"golive: {item.nodeid}: plan({pid!r}) is not an item of golive/gate/plan.yml "
                "(`golive plan-coverage` lists the ids)"
            )
    if not items:
        default = defaults.plan_for(names)
        items = (default,) if default else ()
    return CheckMeta(severity, items, _host(item))


def _host(item: pytest.Item) -> str | None:
    """The inventory host a check is about: its ``target`` parameter, or a parameter naming
    an endpoint of one (``lb1:443``)."""
    callspec = getattr(item, "callspec", None)
    if callspec is None:
        return None
    hosts = item.config.stash[ENVIRONMENT].inventory.hosts
    values = [callspec.params.get("target"), *callspec.params.values()]
    for value in values:
        if isinstance(value, str) and value.split(":", 1)[0] in hosts:
            return value.split(":", 1)[0]
    return None


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Resolve severity, plan items and host; unknown levels or plan ids are usage errors."""
    for item in items:
        meta = _meta(item)
        item.stash[META] = meta
        item.user_properties.append(("severity", meta.severity))
        item.user_properties.extend(("plan", pid) for pid in meta.plan)
        if meta.host:
            item.user_properties.append(("host", meta.host))


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    """An unreachable host's check errors with one line naming the host, and is marked so."""
    report = yield
    if call.excinfo is not None and isinstance(call.excinfo.value, HostUnreachable):
        exc = call.excinfo.value
        report.user_properties.append(("unreachable", exc.reason))
        report.longrepr = str(exc)
    if report.longrepr is not None:
        # read before the evidence plugin masks secrets in the printed failure text
        report.user_properties.append((MESSAGE, _message(report)))
    return report


def _message(report: pytest.TestReport) -> str:
    """The check's own failure lines (kept by the makereport wrapper when there is one)."""
    kept = [value for name, value in report.user_properties if name == MESSAGE]
    if kept:
        return str(kept[-1])
    lr = report.longrepr
    if isinstance(lr, tuple):
        return str(lr[2]).removeprefix("Skipped: ")
    crash = getattr(lr, "reprcrash", None)
    if crash is not None:
        # every finding line of the check, without pytest's assertion introspection
        lines = str(crash.message).splitlines()
        own = list(takewhile(lambda line: not line.lstrip().startswith(("assert ", "+")), lines))
        return "\n".join(own or lines[:1])
    return str(lr).strip().splitlines()[-1] if lr else ""


def _outcome(report: pytest.TestReport) -> tuple[Outcome, str]:
    """Fail closed: an xfail is a failure (accepting one is what waivers are for)."""
    if report.skipped and hasattr(report, "wasxfail"):
        return "failed", f"xfail: {report.wasxfail}"
    if report.failed:
        return ("failed" if report.when == "call" else "error"), _message(report)
    if report.skipped:
        return "skipped", _message(report)
    return "passed", ""


@dataclass
class _Check:
    outcome: Outcome = "passed"
    message: str = ""
    duration: float = 0.0
    unreachable: str | None = None
    severity: str = "critical"
    host: str | None = None
    plan: list[str] = field(default_factory=list)
    evidence: list[dict[str, str]] = field(default_factory=list)

    def add(self, report: pytest.TestReport) -> None:
        self.duration += report.duration
        for key, value in report.user_properties:
            if key == "unreachable":
                self.unreachable = str(value)
            elif key == "evidence" and report.when == "teardown":
                self.evidence.append(json.loads(str(value)))
            elif key == "severity":
                self.severity = str(value)
            elif key == "host":
                self.host = str(value)
            elif key == "plan" and value not in self.plan:
                self.plan.append(str(value))
        outcome, message = _outcome(report)
        if _RANK[outcome] > _RANK[self.outcome]:
            self.outcome, self.message = outcome, message

    def result(self, nodeid: str) -> CheckResult:
        sev: Severity = self.severity if self.severity in LEVELS else "critical"
        return CheckResult(
            nodeid, self.outcome, sev, self.host, self.message, self.unreachable,
            round(self.duration, 3), tuple(self.plan),
        )  # fmt: skip


class Gate:
    """Collects every check's outcome (also from xdist workers) and gives the verdict."""

    def __init__(self, config: pytest.Config) -> None:
        self.config = config
        self.started = time.time()
        self.checks: dict[str, _Check] = {}
        self.selected: dict[str, CheckMeta] = {}
        self.aborted: list[str] = []

    def pytest_collectreport(self, report: pytest.CollectReport) -> None:
        if report.failed:
            self.aborted.append(f"collection error in {report.nodeid or '(root)'}")

    def pytest_collection_finish(self, session: pytest.Session) -> None:
        self.selected = {
            check_id(i.nodeid): i.stash[META] for i in session.items if META in i.stash
        }
        out = self.config.getoption("golive_plan_coverage")
        if out:
            data = {nid: list(m.plan) for nid, m in self.selected.items()}
            Path(out).write_text(json.dumps(data, indent=2), encoding="utf-8")

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        self.checks.setdefault(check_id(report.nodeid), _Check()).add(report)

    def results(self) -> list[CheckResult]:
        out = [c.result(nid) for nid, c in self.checks.items()]
        out += [
            CheckResult(nid, "skipped", m.severity, m.host, "not run: the session stopped early",
                        plan=m.plan)
            for nid, m in self.selected.items()
            if nid not in self.checks
        ]  # fmt: skip
        return out

    def verdict(self, session: pytest.Session) -> Verdict:
        env = self.config.stash[ENVIRONMENT]
        inv = env.inventory
        today = date.today()
        valid, malformed = load_signoffs(env.path / "signoffs.yml")
        signoffs = check_signoffs(
            valid, malformed, inv.policy.required_signoffs, today, inv.release.version
        )
        aborted = list(self.aborted)
        if session.shouldstop and not aborted:
            aborted.append(str(session.shouldstop))
        if session.exitstatus == pytest.ExitCode.INTERRUPTED and not aborted:
            aborted.append("interrupted")
        scope = Scope(
            inv.name, inv.release.version, self.config.getoption("markexpr") or "",
            tuple(inv.hosts), self.config.getoption("keyword") or "",
        )  # fmt: skip
        waivers = load_waivers(env.path / "waivers.yml")
        return decide(self.results(), waivers, signoffs, today, scope, "; ".join(aborted) or None)

    def _active(self, session: pytest.Session) -> bool:
        return (
            ENVIRONMENT in self.config.stash
            and not self.config.option.collectonly
            and not hasattr(self.config, "workerinput")
            and session.exitstatus != pytest.ExitCode.USAGE_ERROR
        )

    @pytest.hookimpl(wrapper=True, tryfirst=True)
    def pytest_sessionfinish(self, session: pytest.Session) -> Generator[None, None, None]:
        """After every other plugin (JUnit, Allure, terminal summary): decide, write, print."""
        result = yield
        if not self._active(session):
            return result
        config = self.config
        env = config.stash[ENVIRONMENT]
        try:
            verdict = self.verdict(session)
        except GoliveError as exc:
            raise pytest.UsageError(f"golive: {exc}") from None
        code = exit_code(verdict.decision, env.inventory.policy.conditional_exit_code)
        if session.exitstatus == pytest.ExitCode.INTERRUPTED:
            code = int(pytest.ExitCode.INTERRUPTED)
        root = reports_dir(config)
        layout = config.stash.get(LAYOUT, Layout(root, root / "allure-results", None))
        records = [{"check": nid, **e} for nid, c in self.checks.items() for e in c.evidence]
        timings = {
            "started": datetime.fromtimestamp(self.started, UTC).isoformat(timespec="seconds"),
            "finished": datetime.now(UTC).isoformat(timespec="seconds"),
            "duration_s": round(time.time() - self.started, 3),
        }
        redactor = Redactor(env.secret_values())
        extra = {"timings": timings, "exit_code": code}
        finish(layout, verdict, redactor, self.started - 1, records, extra)
        config.stash[VERDICT] = verdict
        _print(config, verdict, layout, redactor)
        session.exitstatus = code
        return result


def _print(config: pytest.Config, verdict: Verdict, layout: Layout, redactor: Redactor) -> None:
    """The verdict as the last lines of the run: notes first, then verdict, scope, blockers
    (redacted, as the files are)."""
    tr = config.pluginmanager.get_plugin("terminalreporter")
    if tr is None:
        return
    color = {"GO": "green", "CONDITIONAL": "yellow", "NO-GO": "red"}[verdict.decision]
    tr.write_sep("=", "golive gate", **{color: True, "bold": True})
    notes = [w.line() for w in verdict.waivers if w.state != "applied"]
    notes += [f"malformed waiver, not applied: {m}" for m in verdict.malformed_waivers]
    notes += [f"waived: {f.line()}" for f in verdict.waived]
    notes += [f"condition: {f.line()}" for f in verdict.conditions]
    notes += [f"sign-off {s.name}: {s.state}" for s in verdict.signoffs if s.ok]
    for line in notes:
        tr.write_line(redactor.text(line))
    tr.write_line(f"reports: {layout.verdict}, {layout.certificate}")
    first, *rest = (redactor.text(line) for line in verdict.lines())
    tr.write_line(first, **{color: True, "bold": True})
    for line in rest:
        tr.write_line(line)
