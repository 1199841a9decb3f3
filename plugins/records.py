"""golive's record of each check: one structured record per phase, attached to its test report
(so that it travels from an xdist worker to the controller), and the per-check result the
controller builds from the reports (:class:`Check`), in the order they arrive."""

from __future__ import annotations

import json
from collections.abc import Generator
from dataclasses import dataclass, field, replace
from itertools import takewhile
from typing import Any

import pytest

from golive.gate.metadata import CheckMeta
from golive.gate.verdict import CheckResult, Outcome
from golive.model.cause import Cause
from golive.model.errors import CheckFailed, HostUnreachable
from golive.probe import failures
from golive.probe.failures import ConnectionFailure
from golive.probe.hosts import Target, reaching
from pytest_golive.plugins import hung
from pytest_golive.plugins.keys import check_id
from pytest_golive.plugins.metadata import about

RECORD = "golive"
"""The test report attribute holding golive's record of a phase: {message, unreachable}."""
TOUCHED = pytest.StashKey[set[str]]()
"""The inventory hosts a check reached through the host pool while it ran."""
MET = pytest.StashKey[list[Cause]]()
"""The connection failures a check's probes met, not yet taken by its phase's report."""
RECORDS = pytest.StashKey["Records"]()

_RANK: dict[Outcome, int] = {"passed": 0, "skipped": 1, "failed": 2, "error": 3}


def pytest_configure(config: pytest.Config) -> None:
    config.stash[RECORDS] = records = Records()
    config.pluginmanager.register(records, "golive-records")


def pytest_sessionstart() -> None:
    failures.forget()  # nothing a previous in-process run met is this run's


@pytest.hookimpl(wrapper=True)
def pytest_runtest_protocol(item: pytest.Item) -> Generator[None, None, None]:
    """The connection failures the check's probes meet (any of its threads) are its own."""
    with failures.noting(item.stash.setdefault(MET, [])):
        return (yield)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item: pytest.Item) -> Generator[None, None, None]:
    """The inventory hosts a check reaches through a host pool while it runs."""
    with reaching(item.stash.setdefault(TOUCHED, set())):
        return (yield)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    """An unreachable host's check errors with one line naming the host, and is marked so."""
    try:
        report = yield
    except SystemError:
        # CPython 3.11 (python/cpython#106905): pytest formats a failure's source through
        # ast.parse, whose state all threads share; a thread formatting a traceback at that
        # moment (a library's own, ending) makes it raise "AST constructor recursion depth
        # mismatch", and pytest ended the run as an internal error. The state is set afresh by
        # each parse: the check's report is built once more, its outcome unchanged.
        report = pytest.TestReport.from_item_and_call(item, call)
    record: dict[str, Any] = {}
    if (host := about(item)) is not None:
        # the host travels with each report: an xdist controller learns it from the reports
        record["host"] = host
    touched: set[str] = item.stash.get(TOUCHED, set())
    if touched:
        record["touched"] = sorted(touched)
    if ssh := _ssh_hosts(item):
        record["ssh"] = ssh  # hosts reached over their connection: their identity is asked
    met = item.stash.get(MET, [])  # the connection failures its probes met in this phase
    taken, met[:] = list(met), []
    if call.excinfo is not None and isinstance(call.excinfo.value, HostUnreachable):
        exc = call.excinfo.value
        record["unreachable"] = exc.reason
        # the lost host, also for a check about several hosts (clock, auth, app→db)
        record["unreachable_host"] = exc.host
        report.longrepr = str(exc)
    if report.longrepr is not None:
        # read before the evidence plugin masks secrets in the printed failure text
        record["message"] = message(report)
    raised = call.excinfo.value if call.excinfo is not None else None
    if isinstance(raised, CheckFailed):
        record["message"] = str(raised)  # a sentence, without the exception's type name
    if isinstance(raised, ConnectionFailure):
        record["message"] = str(raised)
        record["cause"] = raised.cause.record()
    elif report.failed and "unreachable" not in record:
        said = next((c for c in taken if c.what() in record.get("message", "")), None)
        if said is not None:
            record["cause"] = said.record()
    if report.failed and isinstance(raised, ConnectionFailure | AssertionError):
        report.longrepr = _finding(record["message"], item, call)  # no traceback
    if report.failed and isinstance(record.get("cause"), dict):
        cause = Cause.from_record(record["cause"])
        failures.found_hung(cause)  # later requests to it fail at once (timeouts only)
        hung.found_down(item, cause, record.get("host"))
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


def record_of(report: pytest.TestReport) -> dict[str, Any]:
    """golive's record of a phase (empty when the phase has none)."""
    record = getattr(report, RECORD, None)
    return record if isinstance(record, dict) else {}


def message(report: pytest.TestReport) -> str:
    """The check's own failure lines (kept by the makereport wrapper when there is one)."""
    kept = record_of(report).get("message")
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


def outcome(report: pytest.TestReport) -> tuple[Outcome, str]:
    """Fail closed: an xfail is a failure (accepting one is what waivers are for)."""
    if report.skipped and hasattr(report, "wasxfail"):
        return "failed", f"xfail: {report.wasxfail}"
    if report.failed:
        return ("failed" if report.when == "call" else "error"), message(report)
    if report.skipped:
        return "skipped", message(report)
    return "passed", ""


@dataclass
class Check:
    """One check's result, built from its phases' reports."""

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
        record = record_of(report)
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
        said, text = outcome(report)
        if _RANK[said] > _RANK[self.outcome]:
            self.outcome, self.message = said, text
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


class Records:
    """Every check's result as its reports arrive (also from xdist workers)."""

    def __init__(self) -> None:
        self.checks: dict[str, Check] = {}

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        self.checks.setdefault(check_id(report.nodeid), Check()).add(report)
