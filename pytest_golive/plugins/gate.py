"""The Go/No-Go gate: each check's metadata (read from its markers once, at collection, by the
rule of golive/gate/metadata.py); the verdict, its files and exit code, also under pytest-xdist.

Under xdist the controller collects nothing: it learns the selected checks from the workers'
collections (``pytest_xdist_node_collection_finished``) and their metadata from one structured
record per check that each worker sends when it finishes (``workeroutput``); every outcome
arrives in the test reports. Results are ordered as collected, so the verdict of ``-n 2`` reads
as the serial run's."""

from __future__ import annotations

import json
import os
import shlex
import sys
import time
from collections.abc import Generator
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime
from itertools import takewhile
from pathlib import Path
from typing import Any

import pytest

from golive.gate import causes, identity, rollback
from golive.gate.causes import Needs
from golive.gate.metadata import UNKNOWN, CheckMeta, resolve
from golive.gate.severity import BLOCKING
from golive.gate.signoffs import check_signoffs, load_signoffs
from golive.gate.verdict import (
    FINAL_LABEL,
    WRITE_FAILED,
    CheckResult,
    Finding,
    Outcome,
    Verdict,
    checked_scope,
    decide,
    exit_code,
)
from golive.gate.waivers import load_waivers
from golive.model.environment import Environment
from golive.model.errors import CheckFailed, GoliveError, HostUnreachable
from golive.probe import failures
from golive.probe.failures import Cause, ConnectionFailure
from golive.probe.hosts import HostPool, Target
from golive.probe.release import served_builds, summarize
from golive.report.files import WriteError, commit, shown, write_atomic
from golive.report.output import Layout, finish, invalidate, stopped
from golive.report.provenance import golive_build
from golive.report.redact import Redactor
from golive.report.runlock import RunLock
from pytest_golive.plugins.environment import setup_knowing_options
from pytest_golive.plugins.keys import ENVIRONMENT, IDENTITIES, POOL, check_id
from pytest_golive.plugins.safety import REFUSED, drill_records, terminated_by

_RANK: dict[Outcome, int] = {"passed": 0, "skipped": 1, "failed": 2, "error": 3}


META = pytest.StashKey[CheckMeta]()
RECORD = "golive"
"""The test report attribute holding golive's record of a phase: {message, unreachable}."""
WORKER_CHECKS = "golive_checks"
"""workeroutput key: {check id: CheckMeta.record()} of the worker's selected checks."""
LAYOUT = pytest.StashKey[Layout]()
ROOTPATH = pytest.StashKey[Path]()
VERDICT = pytest.StashKey[Verdict]()
RUN = pytest.StashKey["Run"]()
TOUCHED = pytest.StashKey[set[str]]()
"""The inventory hosts a check reached through the host pool while it ran."""
PROBLEMS = pytest.StashKey[list[str]]()
"""Files of the run that could not be written before its end (one line each): NO-GO."""

# options with which pytest runs no check, so the run neither locks nor invalidates reports/
NO_RUN = ("help", "version", "collectonly", "markers", "showfixtures", "show_fixtures_per_test")
_HELD: dict[Path, RunLock] = {}
"""The reports directories this process has locked (an in-process run, e.g. pytester's,
that stopped before unconfigure leaves its lock here for the next one to take over)."""


@dataclass
class Run:
    """This run's hold on its reports directory, from its first moment."""

    root: Path
    lock: RunLock
    started: float
    failure: WriteError | None = None


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
    group.addoption(
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


def reports_dir(config: pytest.Config) -> Path:
    """The reports directory of this run."""
    opt = config.getoption("golive_reports")
    return Path(opt).resolve() if opt else rootpath(config) / "reports"


def rootpath(config: pytest.Config) -> Path:
    """pytest's rootdir as pytest finds it knowing golive's options. pytest finds it before it
    loads any plugin, so the value of an option of golive given as an argument of its own
    (``--env /abs/path``) counts there as a path to test, and moves the rootdir (to the common
    ancestor of the working directory and that path, or the path itself), and reports/ with
    it: found again here from the arguments that are paths to test."""
    found = config.stash.get(ROOTPATH, None)
    if found is None:
        try:
            found = setup_knowing_options(config)[0]
        except Exception:  # pytest found its rootdir from these arguments once already
            found = config.rootpath
        config.stash[ROOTPATH] = found
    return found


class _Stopped:
    """Registered once the run's "not complete" verdict.json is written: a run stopped by a
    usage or configuration error (exit 4) has it say so, with the error, for the commands
    that refuse it (golive report, certificate, bundle)."""

    def __init__(self, root: Path) -> None:
        self.root = root

    @pytest.hookimpl(wrapper=True)
    def pytest_cmdline_main(self) -> Generator[None, int | None, int | None]:
        try:
            return (yield)
        except pytest.UsageError as exc:
            stopped(self.root, os.getpid(), int(pytest.ExitCode.USAGE_ERROR), str(exc))
            raise


@pytest.hookimpl(tryfirst=True)
def pytest_load_initial_conftests(early_config: pytest.Config) -> None:
    """The run's first moment, before any conftest, configuration or environment is loaded:
    take the reports directory (one run at a time), and replace its verdict.json by a NO-GO
    one saying that this run has not completed, so that a run stopped by anything (a
    configuration error, a crash, SIGTERM, SIGKILL, a full disk) never leaves an earlier GO."""
    ns = early_config.known_args_namespace
    if os.environ.get("PYTEST_XDIST_WORKER") or any(getattr(ns, o, False) for o in NO_RUN):
        return
    opt = getattr(ns, "golive_reports", None)
    root = Path(opt).resolve() if opt else rootpath(early_config) / "reports"
    held = _HELD.pop(root, None)
    if held is not None:
        held.release()
    lock = RunLock(root)
    run = Run(root, lock, time.time())
    early_config.stash[RUN] = run
    try:
        lock.acquire()
    except WriteError as exc:
        run.failure = exc
    except GoliveError as exc:
        raise pytest.UsageError(f"golive: {exc}") from None
    _HELD[root] = lock
    owned_junit = [root / "junit.xml"] if getattr(ns, "xmlpath", None) is None else []
    info = {
        "pid": os.getpid(),
        "started": datetime.fromtimestamp(run.started, UTC).isoformat(timespec="seconds"),
        "argv": list(early_config.invocation_params.args),
    }
    # the scope the run knows before anything is loaded: a report of it is refused, but says
    # which environment and selection did not complete
    scope = {"env": getattr(ns, "golive_env", None), "markers": getattr(ns, "markexpr", "") or ""}
    try:
        invalidate(root, info, owned_junit, scope)
    except WriteError as exc:
        run.failure = exc  # about verdict.json: before the lock's own
    else:
        early_config.pluginmanager.register(_Stopped(root), "golive-stopped")


@pytest.hookimpl(tryfirst=True)
def pytest_cmdline_main(config: pytest.Config) -> int | None:
    """A run that could not write its reports directory at its start ends there: NO-GO."""
    run = config.stash.get(RUN, None)
    if run is not None and run.failure is not None:
        sys.stderr.write(f"golive: {run.failure}\n{verdict_label(config)}: NO-GO\n")
        return WRITE_FAILED
    return None


def pytest_configure(config: pytest.Config) -> None:
    config.pluginmanager.register(Gate(config), "golive-gate")


def pytest_sessionstart() -> None:
    failures.forget()  # nothing a previous in-process run met is this run's


def _about(item: pytest.Item) -> str | None:
    """The inventory host a check is about: its metadata's, or, for a check through the
    public URL (the ``api`` fixture), the host the URL leads to (the balancer)."""
    meta = item.stash.get(META, None)
    if meta is not None and meta.host:
        return meta.host
    host = getattr(getattr(item, "funcargs", {}).get("api"), "host", None)
    return host if isinstance(host, str) else None


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


def pytest_unconfigure(config: pytest.Config) -> None:
    run = config.stash.get(RUN, None)
    if run is not None:
        run.lock.release()
        if _HELD.get(run.root) is run.lock:
            del _HELD[run.root]


def _closest(item: pytest.Item, name: str) -> list[pytest.Mark] | None:
    """The ``name`` marks of the closest node having any (function, class, module), or None.
    Two on one node is a usage error: one marker says it (``plan(a, b)``)."""
    found: list[pytest.Mark] = []
    owner = None
    for node, mark in item.iter_markers_with_node(name):
        if owner is not None and node is not owner:
            break
        owner = node
        found.append(mark)
    if len(found) > 1:
        where = owner.name if owner is not None else "?"
        raise pytest.UsageError(
            f"golive: {item.nodeid}: {len(found)} {name} markers on {where}; give one "
            f"({name}(a, b) for several plan items)"
        )
    return found or None


def _meta(item: pytest.Item) -> CheckMeta:
    """The check's metadata from its markers (golive/gate/metadata.py has the rule)."""
    severity = _closest(item, "severity")
    plan = _closest(item, "plan")
    level = None
    if severity is not None:
        mark = severity[0]
        level = mark.args[0] if mark.args else mark.kwargs.get("level")
    try:
        return resolve(
            item.nodeid,
            {m.name for m in item.iter_markers()},
            level,
            tuple(plan[0].args) if plan is not None else None,
            _host(item),
        )
    except GoliveError as exc:
        raise pytest.UsageError(f"golive: {exc}") from None


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
    """Resolve every collected check's metadata once; a marker the rule refuses is a usage
    error. Severity, plan items and host also go to JUnit XML as properties, for CI readers
    (the gate itself never reads them back)."""
    for item in items:
        meta = _meta(item)
        item.stash[META] = meta
        item.user_properties.append(("severity", meta.severity))
        item.user_properties.extend(("plan", pid) for pid in meta.plan)
        if meta.host:
            item.user_properties.append(("host", meta.host))


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item: pytest.Item) -> Generator[None, None, None]:
    """The inventory hosts a check reaches through the host pool (``host_pool.get``) while it
    runs, for the verdict's scope: a check about the service may still touch hosts."""
    pool = getattr(item, "funcargs", {}).get("host_pool")
    get = getattr(pool, "get", None)
    if pool is None or get is None:
        return (yield)
    touched = item.stash.setdefault(TOUCHED, set())

    def recording(name: str) -> object:
        touched.add(name)
        return get(name)

    pool.get = recording
    try:
        return (yield)
    finally:
        del pool.get  # the pool's own method again


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    """An unreachable host's check errors with one line naming the host, and is marked so."""
    report = yield
    record: dict[str, Any] = {}
    if (about := _about(item)) is not None:
        # the host travels with each report: an xdist controller learns it from the reports
        record["host"] = about
    touched: set[str] = item.stash.get(TOUCHED, set())
    if touched:
        record["touched"] = sorted(touched)
    if ssh := _ssh_hosts(item):
        record["ssh"] = ssh  # hosts reached over their connection: their identity is asked
    met = failures.take()  # the connection failures its probes met in this phase
    if call.excinfo is not None and isinstance(call.excinfo.value, HostUnreachable):
        exc = call.excinfo.value
        record["unreachable"] = exc.reason
        # the lost host, also for a check about several hosts (clock, auth, app→db)
        record["unreachable_host"] = exc.host
        report.longrepr = str(exc)
    if report.longrepr is not None:
        # read before the evidence plugin masks secrets in the printed failure text
        record["message"] = _message(report)
    raised = call.excinfo.value if call.excinfo is not None else None
    if isinstance(raised, CheckFailed):
        record["message"] = str(raised)  # a sentence, without the exception's type name
    if isinstance(raised, ConnectionFailure):
        record["message"] = str(raised)
        record["cause"] = raised.cause.record()
    elif report.failed and "unreachable" not in record:
        said = next((c for c in met if c.what() in record.get("message", "")), None)
        if said is not None:
            record["cause"] = said.record()
    if report.failed and isinstance(raised, ConnectionFailure | AssertionError):
        report.longrepr = _finding(record["message"], item, call)  # no traceback
    gate = item.config.pluginmanager.get_plugin("golive-gate")
    if report.failed and isinstance(gate, Gate) and isinstance(record.get("cause"), dict):
        cause = Cause.from_record(record["cause"])
        failures.found_hung(cause)  # later requests to it fail at once (timeouts only)
        gate.found_down(item, cause, record.get("host"))
    if record:
        # a report attribute travels with the report from an xdist worker to the controller
        setattr(report, RECORD, record)
    return report


def _ssh_hosts(item: pytest.Item) -> list[str]:
    """The hosts a check was given a connection to (``target``, ``targets``)."""
    args = getattr(item, "funcargs", {})
    found = [args["target"]] if isinstance(args.get("target"), Target) else []
    many = args.get("targets")
    found += [t for t in many.values() if isinstance(t, Target)] if isinstance(many, dict) else []
    return sorted({t.name for t in found})


def _finding(message: str, item: pytest.Item, call: pytest.CallInfo[None]) -> str:
    """A finding as printed: its lines and the line of the check that met it (no traceback,
    no objects' reprs)."""
    assert call.excinfo is not None
    entries = [e for e in call.excinfo.traceback if e.path == item.path]
    if not entries:
        return message
    where = entries[-1]
    return f"{message}\n({item.location[0]}:{where.lineno + 1})"


def _record(report: pytest.TestReport) -> dict[str, Any]:
    record = getattr(report, RECORD, None)
    return record if isinstance(record, dict) else {}


def _message(report: pytest.TestReport) -> str:
    """The check's own failure lines (kept by the makereport wrapper when there is one)."""
    kept = _record(report).get("message")
    if kept is not None:
        return str(kept)
    lr = report.longrepr
    if isinstance(lr, tuple):
        return str(lr[2]).removeprefix("Skipped: ")
    crash = getattr(lr, "reprcrash", None)
    if crash is not None:
        # every finding line of the check, without pytest's assertion introspection
        lines = str(crash.message).splitlines()
        own = list(takewhile(lambda line: not line.lstrip().startswith(("assert ", "+")), lines))
        return "\n".join(own or lines[:1]).removeprefix("Failed: ")
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
    host: str | None = None
    cause: Cause | None = None
    touched: set[str] = field(default_factory=set)
    ssh: set[str] = field(default_factory=set)
    """Hosts it was given a connection to (with ``touched``: the hosts whose identity is asked)."""
    lost: bool = False
    """A host was lost while it ran: ``host`` is that host, whatever the check is about."""
    ended: bool = False
    evidence: list[dict[str, str]] = field(default_factory=list)

    def add(self, report: pytest.TestReport) -> None:
        self.duration += report.duration
        self.ended = self.ended or report.when == "teardown"
        record = _record(report)
        self.host = self.host or record.get("host")
        self.touched.update(record.get("touched", ()))
        self.ssh.update(record.get("ssh", ()))
        unreachable = record.get("unreachable")
        if unreachable is not None:
            self.unreachable = str(unreachable)
            self.touched.update([self.host] if self.host else [])
            self.host = str(record.get("unreachable_host") or self.host)
            self.lost = True
        for key, value in report.user_properties:
            if key == "evidence" and report.when == "teardown":
                self.evidence.append(json.loads(str(value)))
        outcome, message = _outcome(report)
        if _RANK[outcome] > _RANK[self.outcome]:
            self.outcome, self.message = outcome, message
            cause = record.get("cause")
            self.cause = Cause.from_record(cause) if isinstance(cause, dict) else None

    def result(self, nodeid: str, meta: CheckMeta) -> CheckResult:
        if self.lost:
            meta = replace(meta, host=self.host)
        host = meta.host or self.host or (self.cause.host if self.cause else None)
        return CheckResult(
            nodeid, self.outcome, meta.severity, host, self.message,
            self.unreachable, round(self.duration, 3), meta.plan, self.cause,
        )  # fmt: skip


def _drilled(result: CheckResult, message: str, node: str, not_restored: str = "") -> CheckResult:
    """A drill's result with what became of its node: an error when it was interrupted or its
    node was not restored, whatever its phases reported; about the host its restore found not
    restored (``not_restored``), else its node when it names no other host (every blocker
    names its host)."""
    if not message:
        return result
    text = f"{message}; {result.message}" if result.message else message
    host = not_restored or result.host or node
    return replace(result, outcome="error", message=text, host=host)


class Gate:
    """Collects every check's outcome (also from xdist workers) and gives the verdict."""

    def __init__(self, config: pytest.Config) -> None:
        self.config = config
        run = config.stash.get(RUN, None)
        self.started = run.started if run is not None else time.time()
        self.checks: dict[str, _Check] = {}
        self.selected: list[str] = []
        self.meta: dict[str, CheckMeta] = {}
        self.aborted: list[str] = []
        self.coverage_written = False
        self.junit_committed = False
        self.junit_problems: list[str] = []
        self.down: dict[str, tuple[str, Cause]] = {}
        """Hosts whose service a blocking check found hung: (that check, the cause)."""
        self._needs: Needs | None = None
        self.gating = False
        """The session ends with the gate's lines (pytest's summary leaves the checks to them)."""

    def pytest_collectreport(self, report: pytest.CollectReport) -> None:
        if report.failed:
            line = f"collection error in {report.nodeid or '(root)'}"
            if line not in self.aborted:  # every xdist worker reports the same one
                self.aborted.append(line)

    def pytest_collection_finish(self, session: pytest.Session) -> None:
        items = [i for i in session.items if META in i.stash]
        if hasattr(self.config, "workerinput"):
            # an xdist worker: its checks' metadata, as one record per check, for the controller
            self.config.workeroutput[WORKER_CHECKS] = {  # type: ignore[attr-defined]
                check_id(i.nodeid): i.stash[META].record() for i in items
            }
            return
        if items or not self._distributed():
            self.selected = [check_id(i.nodeid) for i in items]
            self.meta = {check_id(i.nodeid): i.stash[META] for i in items}
            self._write_coverage()

    def _distributed(self) -> bool:
        return self.config.pluginmanager.has_plugin("dsession")

    @pytest.hookimpl(optionalhook=True)
    def pytest_xdist_node_collection_finished(self, node: object, ids: list[str]) -> None:
        """xdist controller: the selected checks (every worker collects the same)."""
        if not self.selected:
            self.selected = [check_id(nid) for nid in ids]

    @pytest.hookimpl(optionalhook=True)
    def pytest_testnodedown(self, node: object, error: object) -> None:
        """xdist controller: the metadata records of a worker that finished."""
        output = getattr(node, "workeroutput", None) or {}
        for nid, record in output.get(WORKER_CHECKS, {}).items():
            self.meta.setdefault(nid, CheckMeta.from_record(record))
        if self.meta:
            self._write_coverage()

    def _write_coverage(self) -> None:
        out = self.config.getoption("golive_plan_coverage")
        if out and not self.coverage_written:
            data = {nid: list(m.plan) for nid, m in self.meta.items()}
            write_atomic(Path(out), json.dumps(data, indent=2))
            self.coverage_written = True

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        self.checks.setdefault(check_id(report.nodeid), _Check()).add(report)

    def results(self) -> list[CheckResult]:
        """Every selected check's result in collection order, then any other that reported;
        a check whose metadata never arrived weighs as critical (fail closed)."""
        out: list[CheckResult] = []
        selected = set(self.selected)
        drills = drill_records(self.config)
        for nid in [*self.selected, *(n for n in self.checks if n not in selected)]:
            meta = self.meta.get(nid, UNKNOWN)
            check = self.checks.get(nid)
            if check is not None:
                result = check.result(nid, meta)
                drill = drills.get(nid)
                if drill is not None:
                    result = _drilled(result, drill.message(), drill.node, drill.host)
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
        if self._interrupted(session) and not aborted:
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

    def _identity(
        self, env: Environment, verdict: Verdict, pool: HostPool, session: pytest.Session
    ) -> tuple[Verdict, dict[str, Any]]:
        """Two inventory names must not be one machine (golive/gate/identity.py): asked of the
        hosts the run reached over SSH; not when it was interrupted."""
        if self._interrupted(session):
            return verdict, {"hosts": {}, "notes": ["not asked: the run was interrupted"]}
        reached = {h for c in self.checks.values() for h in (*c.touched, *c.ssh)}
        try:
            return identity.judged(
                env, verdict, reached, pool, self.config.stash.get(IDENTITIES, None)
            )
        except Exception as exc:  # asking crashed: the identity is unknown, never a pass
            line = f"identity of the hosts not known: {type(exc).__name__}: {exc}"
            return verdict.with_blockers([Finding(identity.CHECK, None, line)]), {"error": line}

    def found_down(self, item: pytest.Item, cause: Cause, host: object) -> None:
        """A blocking check found its own host's service hung: later checks of hosts that
        need it fail at once, with that cause (a hung service is waited for once per run)."""
        meta = item.stash.get(META, None)
        if cause.kind == "timeout" and cause.host == host and meta and meta.severity in BLOCKING:
            self.down.setdefault(cause.host, (check_id(item.nodeid), cause))

    @pytest.hookimpl(wrapper=True, tryfirst=True)
    def pytest_runtest_call(self, item: pytest.Item) -> Generator[None, None, None]:
        """A check of a host blocked by a hung service fails at once, naming it."""
        host = _about(item) if self.down else None
        if host is not None and host not in self.down:
            if self._needs is None:
                self._needs = causes.of_environment(self.config.stash[ENVIRONMENT])
            blocker = causes.blocked_by(host, self.down, self._needs)
            if blocker is not None:
                check, cause = self.down[blocker]
                said = f"not asked: {host} needs {blocker}, found hung by {check.rsplit('::')[-1]}"
                raise ConnectionFailure(failures.note(cause), said)
        return (yield)

    def _interrupted(self, session: pytest.Session) -> bool:
        """Interrupted, but not merely stopped by -x/--maxfail: xdist's controller ends such a
        run as interrupted where a serial run just stops; both leave the unrun checks missing."""
        if session.exitstatus != pytest.ExitCode.INTERRUPTED:
            return False
        dsession = self.config.pluginmanager.get_plugin("dsession")
        maxfail = getattr(dsession, "maxfail", 0)
        return not (maxfail and getattr(dsession, "countfailures", 0) >= maxfail)

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
        aside: dict[str, list[Any]] = {}
        said: set[str] = set()
        for key in ("failed", "error"):
            reports = tr.stats.get(key, [])
            ours = [
                r
                for r in reports
                if isinstance(r, pytest.TestReport) and check_id(r.nodeid) in self.checks
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
        return [nid for nid, c in self.checks.items() if c.ended]

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
        try:
            verdict = self.verdict(session)
        except GoliveError as exc:
            raise pytest.UsageError(f"golive: {exc}") from None
        lost = {c.host: c.unreachable for c in verdict.checks if c.host and c.unreachable}
        # the end of run's questions, through the session's connections (a new pool under
        # xdist's controller): hosts the run lost are not asked
        pool = config.stash.get(POOL, None) or HostPool(env)
        pool.known_lost(lost)
        verdict, who = self._identity(env, verdict, pool, session)
        code = exit_code(verdict.decision, env.inventory.policy.conditional_exit_code)
        if self._interrupted(session):
            code = int(pytest.ExitCode.INTERRUPTED)
        elif session.exitstatus == pytest.ExitCode.INTERNAL_ERROR:
            code = int(pytest.ExitCode.INTERNAL_ERROR)
        problems += self.junit_problems + self._commit_junit(layout)
        records = [{"check": nid, **e} for nid, c in self.checks.items() for e in c.evidence]
        timings = {
            "started": datetime.fromtimestamp(self.started, UTC).isoformat(timespec="seconds"),
            "finished": datetime.now(UTC).isoformat(timespec="seconds"),
            "duration_s": round(time.time() - self.started, 3),
        }
        redactor = Redactor(env.secret_values())
        suites = {r.id: self.meta.get(r.id, UNKNOWN).suite for r in verdict.checks}
        recommendation = rollback.recommend(verdict, suites)
        extra = {"timings": timings, "exit_code": code, "rollback": recommendation.to_dict()}
        extra["identity"] = who
        extra.update(_versions(env, interrupted=self._interrupted(session), pool=pool))
        done = finish(
            layout, verdict, redactor, self.started - 1, records, extra,
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


def _versions(env: Environment, interrupted: bool, pool: HostPool) -> dict[str, Any]:
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
