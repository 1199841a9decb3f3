"""The Go/No-Go decision (docs/architecture.md#verdict): pure logic over check results,
waivers and sign-offs.

Fail closed: NO-GO on any unwaived blocker/critical failure or error, any skipped required
(blocker/critical) check, an unreachable host, no check executed, a missing or invalid
required sign-off, or an interrupted run. CONDITIONAL on normal/minor failures or skips, or
failures covered by an active waiver. GO otherwise. Waivers never cover unreachable hosts.
A refused destructive drill (the environment does not allow it) is recorded, never run, and
does not change the decision.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Sequence
from dataclasses import asdict, dataclass, field, replace
from datetime import date
from typing import Any, Literal

from golive.gate.causes import Group, Needs, group
from golive.gate.severity import BLOCKING, LEVELS, Severity
from golive.gate.signoffs import SignoffStatus
from golive.gate.waivers import Waiver, WaiverFile
from golive.model.cause import Cause

Outcome = Literal["passed", "failed", "error", "skipped"]
Decision = Literal["GO", "CONDITIONAL", "NO-GO"]
SCHEMA = 1
WRITE_FAILED = 6
FINAL_LABEL = "golive verdict"
"""How the final verdict line starts (a command's inner runs label theirs otherwise)."""
"""The exit status of a run whose evidence or verdict could not be written (NO-GO)."""


@dataclass(frozen=True)
class CheckResult:
    """The outcome of one check (one pytest item, all phases combined)."""

    id: str
    outcome: Outcome
    severity: Severity
    host: str | None = None
    message: str = ""
    unreachable: str | None = None
    duration: float = 0.0
    plan: tuple[str, ...] = ()
    cause: Cause | None = None
    """Why it got no answer from a service, when it failed for that (golive/gate/causes.py)."""
    caused_by: str | None = None
    """The failing check reporting the cause this check's failure is a consequence of."""


@dataclass(frozen=True)
class Scope:
    """What the verdict is about: ``hosts`` are those a check of this run was about;
    ``unchecked`` the inventory's hosts no check of this run touched."""

    env: str
    release: str
    markers: str
    hosts: tuple[str, ...]
    keywords: str = ""
    unchecked: tuple[str, ...] = ()

    def line(self) -> str:
        sel = f"markers: {self.markers or '(all)'}" + (
            f", -k {self.keywords}" if self.keywords else ""
        )
        hosts = ", ".join(self.hosts) or "(none)"
        return f"env {self.env}, release {self.release}, {sel}, hosts: {hosts}"

    def unchecked_line(self) -> str | None:
        if not self.unchecked:
            return None
        hosts = ", ".join(self.unchecked)
        return f"not checked by this run (no selected check is about them): {hosts}"


def checked_scope(
    env: str,
    release: str,
    markers: str,
    keywords: str,
    inventory: Sequence[str],
    touched: Collection[str],
) -> Scope:
    """The scope of a run: the inventory's hosts (in its order) that a check which ran was
    about or reached (``touched``); the others are unchecked."""
    return Scope(
        env, release, markers,
        tuple(h for h in inventory if h in touched), keywords,
        tuple(h for h in inventory if h not in touched),
    )  # fmt: skip


@dataclass(frozen=True)
class Finding:
    """A check (or sign-off, or host) the verdict names, with why."""

    check: str
    host: str | None
    message: str
    severity: str | None = None
    waiver: int | None = None
    dependents: tuple[str, ...] = ()
    """For a group of dependent checks (check "dependent"): their ids."""
    caused_by: str | None = None
    """For a group of dependent checks: the check reporting their cause."""

    def line(self) -> str:
        """``subject: check: why``; a finding about no host names its own subject: the run,
        a plan item or a sign-off (its message starts with it), or the check itself."""
        message = self.message.replace("\n", "\n    ")
        where = subject(self.check, self.host)
        if self.host and not self.dependents:
            return f"{where}: {self.check}: {message}"
        if where in ("plan", "sign-off"):
            return message  # "plan item ...: ", "sign-off ...: "
        return f"{where}: {message}"


RUN_CHECKS = frozenset({"run", "evidence"})
"""Findings about the run itself (its interruption, no check ran, evidence not written)."""


def subject(check: str, host: str | None) -> str:
    """What a finding is about, never ``-``: its host; else the run, a plan item or sign-off
    (``plan``/``sign-off``: its message names which), or the check itself (a check through
    the public URL with no host of its own, e.g. authentication or performance)."""
    if host:
        return host
    if check in RUN_CHECKS:
        return "run"
    if check == "plan":
        return "plan"
    if check.startswith("signoff:"):
        return "sign-off"
    return check


@dataclass(frozen=True)
class Refusal:
    """A selected destructive drill that did not run: the environment does not allow it."""

    check: str
    reason: str

    def line(self) -> str:
        return f"{self.check}: refused: {self.reason}"


@dataclass(frozen=True)
class WaiverStatus:
    """What became of one valid waiver entry in this run."""

    index: int
    check: str
    ticket: str
    approver: str
    justification: str
    expires: date
    state: Literal["applied", "expired", "unused"]
    applied_to: tuple[str, ...] = ()

    def line(self) -> str:
        what = f"{len(self.applied_to)} check(s)" if self.state == "applied" else self.state
        who = f"{self.ticket}, {self.approver}, expires {self.expires}"
        return f"waiver #{self.index} {self.check} ({who}): {what}"


@dataclass(frozen=True)
class Verdict:
    """The decision, its scope and everything that led to it."""

    decision: Decision
    scope: Scope
    checks: tuple[CheckResult, ...]
    blockers: tuple[Finding, ...]
    conditions: tuple[Finding, ...]
    waived: tuple[Finding, ...]
    missing: tuple[Finding, ...]
    waivers: tuple[WaiverStatus, ...]
    signoffs: tuple[SignoffStatus, ...]
    counts: dict[str, int] = field(default_factory=dict)
    refused: tuple[Refusal, ...] = ()

    def with_blockers(self, findings: Sequence[Finding]) -> Verdict:
        """This verdict with more blockers (found after the decision: files that could not be
        written): NO-GO."""
        if not findings:
            return self
        blockers = (*self.blockers, *findings)
        counts = {**self.counts, "blockers": len(blockers)}
        return replace(self, decision="NO-GO", blockers=blockers, counts=counts)

    def lines(self, label: str = FINAL_LABEL) -> list[str]:
        """The terminal summary: verdict and scope, then one line per blocker."""
        return [f"{label}: {self.decision}", f"scope: {self.scope.line()}"] + [
            b.line() for b in self.blockers
        ]

    def to_dict(self) -> dict[str, Any]:
        """verdict.json (reports/README.md) without the run's timings and evidence."""
        return {
            "schema": SCHEMA,
            "verdict": self.decision,
            "scope": asdict(self.scope),
            "counts": self.counts,
            "blockers": [asdict(f) for f in self.blockers],
            "conditions": [asdict(f) for f in self.conditions],
            "waived": [asdict(f) for f in self.waived],
            "missing": [asdict(f) for f in self.missing],
            "refused": [asdict(r) for r in self.refused],
            "waivers": {
                state: [_waiver_dict(w) for w in self.waivers if w.state == state]
                for state in ("applied", "expired", "unused")
            },
            "signoffs": [_signoff(s) for s in self.signoffs],
            "checks": [asdict(c) for c in self.checks],
        }


def _waiver_dict(w: WaiverStatus) -> dict[str, Any]:
    d = asdict(w)
    d["expires"] = w.expires.isoformat()
    return d


def _signoff(s: SignoffStatus) -> dict[str, Any]:
    d: dict[str, Any] = {
        "name": s.name,
        "required": s.required,
        "state": s.state,
        "detail": s.detail,
    }
    if s.signoff is not None:
        d.update(s.signoff.model_dump(mode="json"))
    return d


def _waiver(
    waivers: WaiverFile, check: str, today: date, expired: bool
) -> tuple[int, Waiver] | None:
    """The first waiver of ``check`` that is (``expired``) or is not expired ``today``."""
    for index, w in waivers.valid:
        if w.matches(check) and w.expired(today) == expired:
            return index, w
    return None


def decide(
    results: list[CheckResult],
    waivers: WaiverFile,
    signoffs: list[SignoffStatus],
    today: date,
    scope: Scope,
    interrupted: str | None = None,
    refused: Sequence[Refusal] = (),
    needs: Needs | None = None,
) -> Verdict:
    """Apply docs/architecture.md#verdict to one run; ``refused`` drills are recorded, not
    weighed; ``needs`` (who needs whom, golive/gate/causes.py) groups the failures a down
    service caused."""
    blockers: list[Finding] = []
    conditions: list[Finding] = []
    waived: list[Finding] = []
    missing: list[Finding] = []
    applied: dict[int, list[str]] = defaultdict(list)
    unreachable: dict[str, list[CheckResult]] = defaultdict(list)
    groups = group(results, needs)
    root_of = {d: g for g in groups for d in g.dependents}
    results = [replace(r, caused_by=root_of[r.id].root) if r.id in root_of else r for r in results]
    dependents: dict[Group, list[CheckResult]] = defaultdict(list)

    for r in results:
        if r.unreachable is not None and r.host is not None:
            unreachable[r.host].append(r)
            continue
        if r.outcome == "passed":
            continue
        what = "missing evidence (skipped" if r.outcome == "skipped" else r.outcome
        message = f"{what}: {r.message})" if r.outcome == "skipped" else f"{what}: {r.message}"
        active = _waiver(waivers, r.id, today, expired=False)
        if active is not None:
            index, w = active
            applied[index].append(r.id)
            waived.append(
                Finding(r.id, r.host, f"{message} [waived: {w.ticket}]", r.severity, index)
            )
            continue
        stale = _waiver(waivers, r.id, today, expired=True)
        if stale is not None:
            message += f" [waiver #{stale[0]} expired {stale[1].expires}]"
        finding = Finding(r.id, r.host, message, r.severity)
        if r.outcome == "skipped":
            missing.append(finding)
        if r.id in root_of:
            dependents[root_of[r.id]].append(r)  # said once, by its group
            continue
        (blockers if r.severity in BLOCKING else conditions).append(finding)
    for g, members in dependents.items():
        _dependents(g, [r for r in members if r.severity in BLOCKING], blockers)
        _dependents(g, [r for r in members if r.severity not in BLOCKING], conditions)
    roots = {g.root for g in dependents}
    for findings in (blockers, conditions):  # root causes first: each with its group after it
        findings.sort(key=lambda f: 0 if f.check in roots or f.dependents else 1)

    for host, rs in unreachable.items():
        msg = f"host {host} unreachable: {rs[0].unreachable} ({len(rs)} check(s) without evidence)"
        blockers.append(Finding("connection", host, msg))
        missing.extend(Finding(r.id, host, f"host {host} unreachable", r.severity) for r in rs)

    for s in signoffs:
        if s.required and not s.ok:
            blockers.append(Finding(f"signoff:{s.name}", None, s.line()))

    executed = sum(r.outcome != "skipped" and r.unreachable is None for r in results)
    if executed == 0:
        blockers.append(Finding("run", None, "no check ran: there is no evidence at all"))
    if interrupted:
        blockers = _interrupted(blockers, interrupted)

    statuses = tuple(
        WaiverStatus(
            i,
            w.check,
            w.ticket,
            w.approver,
            w.justification,
            w.expires,
            "expired" if w.expired(today) else "applied" if applied.get(i) else "unused",
            tuple(applied.get(i, ())),
        )
        for i, w in waivers.valid
    )
    decision: Decision = "NO-GO" if blockers else "CONDITIONAL" if conditions or waived else "GO"
    counts = {
        o: sum(r.outcome == o for r in results) for o in ("passed", "failed", "error", "skipped")
    }
    counts.update(
        total=len(results),
        unreachable=sum(r.unreachable is not None for r in results),
        blockers=len(blockers),
        waived=len(waived),
        missing=len(missing),
        dependent=len(root_of),
        refused=len(refused),
    )
    return Verdict(
        decision,
        scope,
        tuple(results),
        tuple(blockers),
        tuple(conditions),
        tuple(waived),
        tuple(missing),
        statuses,
        tuple(signoffs),
        counts,
        tuple(refused),
    )


def _dependents(g: Group, members: list[CheckResult], findings: list[Finding]) -> None:
    """One finding for ``members`` of group ``g``, right after its root's own finding."""
    if not members:
        return
    severity = min((r.severity for r in members), key=LEVELS.index)
    ids = tuple(r.id for r in members)
    finding = Finding("dependent", g.host, g.line(len(ids)), severity, None, ids, g.root)
    at = next((i + 1 for i, f in enumerate(findings) if f.check == g.root), len(findings))
    findings.insert(at, finding)


def _interrupted(blockers: list[Finding], why: str) -> list[Finding]:
    """An interrupted run's blockers: the interruption first, then the checks it left without
    evidence as one count (each is in ``missing``), then the other blockers."""
    skipped = [b for b in blockers if b.message.startswith("missing evidence (skipped")]
    head = [Finding("run", None, f"run interrupted: {why}")]
    if skipped:
        n = len(skipped)
        head.append(
            Finding("run", None, f"{n} blocker/critical check{'s' * (n != 1)} without evidence "
                    "(not run or cut short by the interruption; listed in verdict.json missing)")
        )  # fmt: skip
    return [*head, *(b for b in blockers if b not in skipped)]


def exit_code(decision: Decision, conditional_exit_code: int) -> int:
    """GO → 0, NO-GO → 1, CONDITIONAL → the environment's policy."""
    return {"GO": 0, "NO-GO": 1, "CONDITIONAL": conditional_exit_code}[decision]
