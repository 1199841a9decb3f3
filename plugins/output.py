"""What the run leaves: golive's JUnit XML under its own name, pytest's summary sections
without the checks the gate decides on, the run's files (verdict.json, certificate, Allure
metadata; golive/report/output.py) and the verdict as the last lines, with the exit code.
A file that cannot be written (a full disk) makes the run NO-GO, exit WRITE_FAILED."""

from __future__ import annotations

import os
import shlex
import sys
import time
from collections.abc import Generator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from golive.gate import rollback
from golive.gate.metadata import UNKNOWN
from golive.gate.verdict import FINAL_LABEL, WRITE_FAILED, Verdict, exit_code
from golive.model.errors import GoliveError
from golive.probe.hosts import HostPool
from golive.report.files import WriteError, commit, shown
from golive.report.output import Layout, finish
from golive.report.redact import Redactor
from pytest_golive.plugins.aggregate import AGGREGATE, versions
from pytest_golive.plugins.keys import ENVIRONMENT, LAYOUT, POOL, PROBLEMS, check_id
from pytest_golive.plugins.runlock import RUN, reports_dir

VERDICT = pytest.StashKey[Verdict]()


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.getgroup("golive").addoption(
        "--golive-verdict-label",
        dest="golive_verdict_label",
        default=FINAL_LABEL,
        metavar="LABEL",
        help="how the run's verdict line starts (golive certify: 'suites verdict', its own "
        f"'{FINAL_LABEL}' line being the final one)",
    )


def verdict_label(config: pytest.Config) -> str:
    """How this run's verdict line starts: ``golive verdict``, unless a command that runs the
    suites as one of its steps gives its own final verdict (golive certify)."""
    return str(getattr(config.option, "golive_verdict_label", None) or FINAL_LABEL)


@pytest.hookimpl(tryfirst=True)
def pytest_cmdline_main(config: pytest.Config) -> int | None:
    """A run that could not write its reports directory at its start ends there: NO-GO."""
    run = config.stash.get(RUN, None)
    if run is not None and run.failure is not None:
        sys.stderr.write(f"golive: {run.failure}\n{verdict_label(config)}: NO-GO\n")
        return WRITE_FAILED
    return None


def pytest_configure(config: pytest.Config) -> None:
    config.pluginmanager.register(Output(config), "golive-gate")


@pytest.hookimpl(wrapper=True, trylast=True)
def pytest_sessionfinish(session: pytest.Session) -> Generator[None, None, None]:
    """Innermost around the plugins' own session end: pytest's JUnit XML that cannot be
    written (a full disk) is a problem of the run, not a crash that skips the summary."""
    try:
        yield
    except OSError as exc:
        config = session.config
        layout = config.stash.get(LAYOUT, None)
        where = Path(exc.filename) if exc.filename else None
        if layout is not None and layout.junit_tmp is not None and layout.junit is not None:
            layout.junit_tmp.unlink(missing_ok=True)  # never renamed: its name stays free
            if where in (None, layout.junit_tmp):
                where = layout.junit  # an open file's write error names no file
        where = where or reports_dir(config)
        config.stash.setdefault(PROBLEMS, []).append(str(WriteError.of(where, exc)))
    return None


class Output:
    """The end of the run: decide (plugins/aggregate.py), write, print."""

    def __init__(self, config: pytest.Config) -> None:
        self.config = config
        self.junit_committed = False
        self.junit_problems: list[str] = []
        self.gating = False
        """The session ends with the gate's lines (pytest's summary leaves the checks to them)."""

    def _set_aside(self, tr: pytest.TerminalReporter) -> dict[str, list[Any]]:
        """Each cause is said once, in the gate's lines (golive/gate/verdict.py says every
        check that did not pass: a blocker, a dependent under its cause, a condition, waived,
        or its host unreachable): pytest's FAILURES, ERRORS and short test summary leave out
        the checks the gate decides on, and one line says where they are. Their counts stay
        (the lists are put back before pytest's closing counts). A ``--tb`` on the command
        line (or in PYTEST_ADDOPTS) asks for pytest's own output of them, as pytest prints
        it; JUnit and Allure keep what each check saw either way. What is set aside."""
        if not self.gating or _asks_for_tracebacks(self.config):
            return {}
        checks = self.config.stash[AGGREGATE].checks
        aside: dict[str, list[Any]] = {}
        said: set[str] = set()
        for key in ("failed", "error"):
            reports = tr.stats.get(key, [])
            ours = [
                r
                for r in reports
                if isinstance(r, pytest.TestReport) and check_id(r.nodeid) in checks
            ]
            if ours:
                aside[key] = reports
                tr.stats[key] = [r for r in reports if not any(r is o for o in ours)]
                said.update(check_id(r.nodeid) for r in ours)
        if said:
            tr.write_line(
                f"golive: {len(said)} check(s) did not pass: each cause is said once, in the "
                "golive gate below (pytest's own output of them: --tb=short)"
            )
        return aside

    def _active(self, session: pytest.Session) -> bool:
        return (
            ENVIRONMENT in self.config.stash
            and not self.config.option.collectonly
            and not hasattr(self.config, "workerinput")
            and session.exitstatus != pytest.ExitCode.USAGE_ERROR
        )

    @pytest.hookimpl(wrapper=True, tryfirst=True)
    def pytest_terminal_summary(
        self, terminalreporter: pytest.TerminalReporter
    ) -> Generator[None, None, None]:
        """pytest has written the JUnit XML golive owns (aside): give it its name now, so that
        pytest's "generated xml file" line names it. Around pytest's own summary sections:
        the checks the gate says are left out of them (:meth:`_set_aside`)."""
        layout = self.config.stash.get(LAYOUT, None)
        if layout is not None:
            self.junit_problems = self._commit_junit(layout)
        aside = self._set_aside(terminalreporter)
        try:
            return (yield)
        finally:
            terminalreporter.stats.update(aside)  # pytest's closing counts count them

    def _commit_junit(self, layout: Layout) -> list[str]:
        """Rename golive's JUnit XML once whole (once); what went wrong."""
        tmp, junit = layout.junit_tmp, layout.junit
        if tmp is None or junit is None or self.junit_committed:
            return []
        self.junit_committed = True
        if not tmp.exists():
            known: list[str] = self.config.stash.get(PROBLEMS, [])
            if any(shown(junit) in p for p in known):
                return []  # pytest could not write it: on record already
            return [f"cannot write {shown(junit)}: pytest did not write it"]
        try:
            commit(tmp, junit)
        except WriteError as exc:
            return [str(exc)]
        for plugin in self.config.pluginmanager.get_plugins():
            if getattr(plugin, "logfile", None) == os.path.normpath(tmp):
                plugin.logfile = os.path.normpath(junit)  # pytest's JUnit XML plugin
        return []

    def _allure_expected(self) -> list[str] | None:
        """The checks that must each have an Allure result (every one that ran to its end);
        None when Allure is off."""
        if not self.config.pluginmanager.has_plugin("allure_pytest"):
            return None
        if not getattr(self.config.option, "allure_report_dir", None):
            return None
        return [nid for nid, c in self.config.stash[AGGREGATE].checks.items() if c.ended]

    @pytest.hookimpl(wrapper=True, tryfirst=True)
    def pytest_sessionfinish(self, session: pytest.Session) -> Generator[None, None, None]:
        """After every other plugin (JUnit, Allure, terminal summary): decide, write, print.
        A file that cannot be written (a full disk) makes the run NO-GO, exit WRITE_FAILED."""
        config = self.config
        root = reports_dir(config)
        layout = config.stash.get(LAYOUT, Layout(root, root / "allure-results", None))
        self.gating = self._active(session)  # the gate will say every check's outcome
        yield
        early: list[str] = config.stash.get(PROBLEMS, [])
        problems = list(early)
        if not self._active(session):
            return None
        env = config.stash[ENVIRONMENT]
        gate = config.stash[AGGREGATE]
        try:
            verdict = gate.verdict(session)
        except GoliveError as exc:
            raise pytest.UsageError(f"golive: {exc}") from None
        lost = {c.host: c.unreachable for c in verdict.checks if c.host and c.unreachable}
        # the end of run's questions, through the session's connections (a new pool under
        # xdist's controller): hosts the run lost are not asked
        pool = config.stash.get(POOL, None) or HostPool(env)
        pool.known_lost(lost)
        verdict, who = gate.identity(env, verdict, pool, session)
        code = exit_code(verdict.decision, env.inventory.policy.conditional_exit_code)
        if gate.interrupted(session):
            code = int(pytest.ExitCode.INTERRUPTED)
        elif session.exitstatus == pytest.ExitCode.INTERNAL_ERROR:
            code = int(pytest.ExitCode.INTERNAL_ERROR)
        problems += self.junit_problems + self._commit_junit(layout)
        records = [{"check": nid, **e} for nid, c in gate.checks.items() for e in c.evidence]
        timings = {
            "started": datetime.fromtimestamp(gate.started, UTC).isoformat(timespec="seconds"),
            "finished": datetime.now(UTC).isoformat(timespec="seconds"),
            "duration_s": round(time.time() - gate.started, 3),
        }
        redactor = Redactor(env.secret_values())
        suites = {r.id: gate.selection.meta.get(r.id, UNKNOWN).suite for r in verdict.checks}
        recommendation = rollback.recommend(verdict, suites)
        extra = {"timings": timings, "exit_code": code, "rollback": recommendation.to_dict()}
        extra["identity"] = who
        extra.update(versions(env, interrupted=gate.interrupted(session), pool=pool))
        done = finish(
            layout, verdict, redactor, gate.started - 1, records, extra,
            self._allure_expected(), problems,
        )  # fmt: skip
        session.exitstatus = WRITE_FAILED if done.problems else code
        if not done.written:
            _print_unwritten(config, done.problems)
            return None
        config.stash[VERDICT] = done.verdict
        about = [*recommendation.lines(), *_version_lines(done.doc)]
        about += [f"golive: {note}" for note in who.get("notes", [])]
        _print(config, done.verdict, layout, redactor, about)
        return None


def _asks_for_tracebacks(config: pytest.Config) -> bool:
    """The command line (or PYTEST_ADDOPTS) names ``--tb``: pytest's own failure output is
    wanted (the ini file's addopts are the project's, not a request)."""
    args = [*config.invocation_params.args, *shlex.split(os.environ.get("PYTEST_ADDOPTS", ""))]
    return any(a == "--tb" or a.startswith("--tb=") for a in map(str, args))


def _print_unwritten(config: pytest.Config, problems: list[str]) -> None:
    """verdict.json could not be written: what could not, one line each, and NO-GO (the file
    on disk is this run's "not complete" verdict, or none)."""
    lines = [*(f"golive: {p}" for p in problems), f"{verdict_label(config)}: NO-GO"]
    tr = config.pluginmanager.get_plugin("terminalreporter")
    if tr is None:
        sys.stderr.write("\n".join(lines) + "\n")
        return
    tr.write_sep("=", "golive gate", red=True, bold=True)
    for line in lines:
        tr.write_line(line, red=True, bold=True)


def _version_lines(doc: dict[str, Any]) -> list[str]:
    """What was certified, by which golive (printed before the verdict)."""
    app, own = doc.get("application") or {}, doc.get("golive") or {}
    lines = [f"application under certification: {app['line']}"] if app.get("line") else []
    if own:
        lines.append(f"certified by golive {own.get('version')} (commit {own.get('commit')})")
    return lines


def _print(
    config: pytest.Config,
    verdict: Verdict,
    layout: Layout,
    redactor: Redactor,
    about: list[str] | None = None,
) -> None:
    """The verdict as the last lines of the run: notes first (``about``: what was certified,
    by which golive), then verdict, scope, blockers (redacted, as the files are)."""
    tr = config.pluginmanager.get_plugin("terminalreporter")
    if tr is None:
        return
    color = {"GO": "green", "CONDITIONAL": "yellow", "NO-GO": "red"}[verdict.decision]
    tr.write_sep("=", "golive gate", **{color: True, "bold": True})
    notes = [w.line() for w in verdict.waivers if w.state != "applied"]
    notes += [f"waived: {f.line()}" for f in verdict.waived]
    notes += [f"condition: {f.line()}" for f in verdict.conditions]
    notes += [f"sign-off {s.name}: {s.state}" for s in verdict.signoffs if s.ok]
    unchecked = verdict.scope.unchecked_line()
    notes += [f"golive: {unchecked}"] if unchecked else []
    notes += about or []
    for line in notes:
        tr.write_line(redactor.text(line))
    tr.write_line(f"reports: {layout.verdict}, {layout.certificate}")
    first, *rest = (redactor.text(line) for line in verdict.lines(verdict_label(config)))
    tr.write_line(first, **{color: True, "bold": True})
    for line in rest:
        tr.write_line(line)
