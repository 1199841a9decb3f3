"""The reports directory: its layout, what a run writes there the moment it starts (a NO-GO
verdict that says the run has not completed) and at its end (the verdict, the certificate).

Every file is written atomically (golive/report/files.py). What cannot be written, and Allure
evidence that is missing or cut short, makes the verdict NO-GO with the exit status
``WRITE_FAILED``, each problem in one line."""

from __future__ import annotations

import json
from collections.abc import Collection, Iterable, Iterator
from contextlib import suppress
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from golive.gate.plan import load_plan
from golive.gate.verdict import SCHEMA, WRITE_FAILED, Finding, Verdict
from golive.model.errors import UsageError
from golive.report.allure_meta import CHECK_LABEL, Results, mark_results, read_result, read_results
from golive.report.certificate import html_page, markdown
from golive.report.files import WriteError, discard, shown, write_atomic
from golive.report.hashing import sha256_file
from golive.report.junit import add_verdict
from golive.report.redact import Redactor

VERDICT = "verdict.json"
CERTIFICATES = ("certificate.md", "certificate.html")
SINGLE_FILE_REPORT = "report.html"
"""`golive report`'s single-file report: an earlier run's goes when a run starts, so that a
bundle of this run never holds it."""


@dataclass(frozen=True)
class Layout:
    """Where a run's outputs go; ``junit_tmp`` is where pytest writes the JUnit XML golive
    owns, renamed to ``junit`` once whole."""

    root: Path
    allure: Path
    junit: Path | None
    junit_tmp: Path | None = None

    @property
    def verdict(self) -> Path:
        return self.root / "verdict.json"

    @property
    def certificate(self) -> Path:
        return self.root / "certificate.md"


def incomplete(run: dict[str, Any], scope: dict[str, Any] | None = None) -> dict[str, Any]:
    """verdict.json while a run has not completed: NO-GO, and why; with the ``scope`` the run
    knew when it started (env, markers), never a decision."""
    message = (
        f"the run started {run.get('started', '?')} (pid {run.get('pid', '?')}) has not "
        "completed: it is still running, or it stopped before the gate decided (a "
        "configuration error, a crash, a termination, a full disk); no decision was made"
    )
    return {
        "schema": SCHEMA,
        "verdict": "NO-GO",
        "complete": False,
        "exit_code": None,
        "run": run,
        "scope": dict(scope or {}),
        "blockers": [{"check": "run", "host": None, "message": message, "severity": None,
                      "waiver": None}],
    }  # fmt: skip


def stopped(root: Path, pid: int, exit_code: int, error: str) -> None:
    """The run ``pid`` stopped before the gate decided: its "not complete" verdict.json says
    with what exit status and why (one line). Anything else there (another run's, a decision)
    is left alone; nothing that cannot be written stops the run's own exit."""
    path = root / VERDICT
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return
    if not isinstance(doc, dict) or doc.get("complete") is not False:
        return
    run = doc.get("run")
    if not isinstance(run, dict) or run.get("pid") != pid:
        return
    doc["exit_code"] = exit_code
    doc["error"] = " ".join(error.split())[:500]
    with suppress(WriteError):
        write_atomic(path, json.dumps(doc, indent=2) + "\n")


def _present(path: Path) -> list[Path]:
    """``path`` if there is something of that name (of an earlier run) to take away."""
    return [path] if path.is_symlink() or path.exists() else []


def invalidate(
    root: Path,
    run: dict[str, Any],
    stale: Iterable[Path] = (),
    scope: dict[str, Any] | None = None,
) -> None:
    """The moment a run starts: verdict.json becomes its NO-GO "not complete" document, and
    the earlier run's certificate (and ``stale`` files) go. If it cannot be written, the
    earlier verdict is removed (or overwritten in place) all the same; WriteError says what
    could not be written, in one line that also says when an earlier verdict or certificate
    is still there (nothing could take it away: a read-only or immutable file)."""
    path = root / VERDICT
    text = json.dumps(incomplete(run, scope), indent=2) + "\n"
    failed: WriteError | None = None
    try:
        try:
            root.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise WriteError.of(root, exc) from None
        write_atomic(path, text)
    except WriteError as exc:
        failed = exc
    left = [
        found
        for old in ([path] if failed else [])
        + [*(root / c for c in CERTIFICATES), *_present(root / SINGLE_FILE_REPORT), *stale]
        if (found := discard(old, text.encode() if old == path else b"")) is not None
    ]
    if failed is None and not left:
        return
    first = failed or left.pop(0)
    notes = ["it is left from an earlier run"] if failed is None else []
    notes += [
        f"the earlier verdict in it could not be removed or overwritten either ({e.reason}): "
        "it is an earlier run's, not this run's"
        for e in left
        if e.path == path
    ]
    others = [e for e in left if e.path != path]
    if others:
        names = ", ".join(shown(e.path) for e in others)
        notes.append(f"{names} of an earlier run could not be removed ({others[0].reason})")
    reason = "; ".join([first.reason, *notes])
    raise WriteError(first.path, reason, "write" if failed is not None else "remove")


def read_verdict(root: Path, what: str = "report", env: str | None = None) -> dict[str, Any]:
    """verdict.json of a completed run (of the environment ``env`` when given); a UsageError
    (one line, naming the file) for anything else: missing, not whole JSON, not golive's (no
    verdict of this schema), written by a run that has not completed (in progress or stopped:
    when it started, and its exit status and error when it stopped), or of another
    environment. ``what`` is what the caller would have made of it ("report", "bundle")."""
    path = root / VERDICT
    if not path.is_file():
        raise UsageError(f"{shown(path)} does not exist: run the checks first")
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise UsageError(
            f"{shown(path)} is not a whole verdict ({exc}): run the checks again"
        ) from None
    foreign = not isinstance(doc, dict) or doc.get("schema", SCHEMA) != SCHEMA
    if foreign or doc.get("verdict") not in ("GO", "CONDITIONAL", "NO-GO"):
        raise UsageError(
            f"{shown(path)} is not a golive verdict (schema {SCHEMA}): nothing to {what}"
        )
    if doc.get("complete") is not True:
        run = doc.get("run")
        run = run if isinstance(run, dict) else {}
        code, error = doc.get("exit_code"), doc.get("error")
        why = "it is still running, or it stopped before the gate decided"
        if code is not None:
            why = f"exit {code}" + (f": {error}" if error else "")
        raise UsageError(
            f"{shown(path)}: the run of {run.get('started', '?')} (pid {run.get('pid', '?')}) "
            f"did not complete ({why}): nothing to {what}"
        )
    scope = doc.get("scope")
    if not isinstance(scope, dict):
        raise UsageError(f"{shown(path)}: scope is not a mapping: nothing to {what}")
    if env is not None and scope.get("env") != env:
        raise UsageError(
            f"{shown(path)} is a run of environment {scope.get('env')!r}, not {env!r}: "
            f"nothing to {what}"
        )
    found: dict[str, Any] = doc
    return found


def _attachments(step: dict[str, Any]) -> Iterator[dict[str, Any]]:
    yield from step.get("attachments", [])
    for sub in step.get("steps", []):
        yield from _attachments(sub)


def _results(
    allure: Path, read: Results | None = None
) -> Iterator[tuple[Path, dict[str, Any] | None]]:
    if read is not None:  # read once already (finish)
        yield from sorted(read.items())
        return
    for path in sorted(allure.glob("*-result.json")) if allure.is_dir() else []:
        yield path, read_result(path)


def _check(data: dict[str, Any]) -> str:
    labels = {lb.get("name"): lb.get("value") for lb in data.get("labels", [])}
    return str(labels.get(CHECK_LABEL) or data.get("fullName", ""))


def evidence_files(
    allure: Path, records: list[dict[str, str]], read: Results | None = None
) -> list[dict[str, Any]]:
    """Every Allure attachment with its check and sha256, plus records with no attachment file."""
    out: list[dict[str, Any]] = []
    for _, data in _results(allure, read):
        if data is None:
            continue
        check = _check(data)
        for att in _attachments(data):
            path = allure / att["source"]
            if path.is_file():
                rel = path.relative_to(allure.parent).as_posix()
                out.append(
                    {
                        "check": check,
                        "name": att.get("name", ""),
                        "file": rel,
                        "sha256": sha256_file(path),
                    }
                )
    seen = {(e["check"], e["sha256"]) for e in out}
    out += [{**r, "file": None} for r in records if (r["check"], r["sha256"]) not in seen]
    return out


def allure_gaps(allure: Path, expected: Collection[str], read: Results | None = None) -> list[str]:
    """What is missing from the Allure results: a result per check in ``expected`` (each check
    that ran to its end), whole result files, and the attachments they name. One line each
    kind. Allure's own temporary files left by a failed write are removed."""
    for tmp in allure.glob("*.tmp") if allure.is_dir() else []:
        tmp.unlink(missing_ok=True)
    have: set[str] = set()
    broken: list[Path] = []
    lost: list[str] = []
    for path, data in _results(allure, read):
        if data is None:
            broken.append(path)
            continue
        have.add(_check(data))
        lost += [a["source"] for a in _attachments(data) if not (allure / a["source"]).is_file()]
    problems: list[str] = []
    if broken:
        problems.append(
            f"{len(broken)} Allure result file(s) cut short, not JSON (e.g. {shown(broken[0])}): "
            "the evidence was not written whole (is the disk full?)"
        )
    missing = [c for c in expected if c not in have]
    if missing:
        problems.append(
            f"{len(missing)} of {len(expected)} checks that ran have no Allure result in "
            f"{shown(allure)} (e.g. {missing[0]}): their evidence was not written (is the disk "
            "full?)"
        )
    if lost:
        problems.append(
            f"{len(lost)} Allure attachment(s) missing from {shown(allure)} (e.g. {lost[0]}): "
            "evidence was not written (is the disk full?)"
        )
    return problems


def write_certificate(root: Path, doc: dict[str, Any]) -> tuple[Path, Path]:
    """reports/certificate.md and certificate.html from a verdict document: both, or neither."""
    plan = load_plan()
    md, page = (root / c for c in CERTIFICATES)
    try:
        write_atomic(md, markdown(doc, plan))
        write_atomic(page, html_page(doc, plan))
    except WriteError:
        discard(md)  # both, or neither (emptied where it cannot be removed)
        discard(page)
        raise
    return md, page


@dataclass
class Finished:
    """What the end of a run wrote: the verdict with any problem writing the evidence among
    its blockers, verdict.json's document, those problems (one line each), and whether
    verdict.json itself was written (if not, the run's "not complete" NO-GO stays)."""

    verdict: Verdict
    doc: dict[str, Any]
    problems: list[str] = field(default_factory=list)
    written: bool = False


def finish(
    layout: Layout,
    verdict: Verdict,
    redactor: Redactor,
    since: float,
    records: list[dict[str, str]],
    extra: dict[str, Any],
    expected: Collection[str] | None = None,
    problems: Iterable[str] = (),
) -> Finished:
    """Mark and redact the run's files, check the Allure evidence (a result for each check in
    ``expected``; None when Allure is off), then write the certificate and, last, verdict.json.
    When verdict.json itself cannot be written, the run's "not complete" verdict stays, and
    that is the last problem."""
    found = list(problems)
    read = read_results(layout.allure)  # once: marked, checked and indexed from this read
    if layout.allure.is_dir():
        found += [str(e) for e in mark_results(layout.allure, verdict, read)]
    changed, failed = redactor.tree(layout.root, since)
    found += [str(e) for e in failed]
    for path in [*changed, *(e.path for e in failed)]:
        if path in read:  # rewritten by the redaction (or removed: it could not be)
            if path.exists():
                read[path] = read_result(path)
            else:
                del read[path]
    if expected is not None:
        found += allure_gaps(layout.allure, expected, read)
    done = Finished(verdict, {}, [])
    done = _with(done, found, layout, redactor, records, extra, read)
    if layout.junit is not None:
        try:
            add_verdict(layout.junit, done.verdict, redactor)
        except WriteError as exc:
            done = _with(done, [str(exc)], layout, redactor, records, extra, read)
    try:
        write_certificate(layout.root, done.doc)
    except WriteError as exc:
        done = _with(done, [str(exc)], layout, redactor, records, extra, read)
    try:
        write_atomic(layout.verdict, json.dumps(done.doc, indent=2) + "\n")
    except WriteError as exc:
        done.problems.append(str(exc))
        for name in CERTIFICATES:  # a certificate says what verdict.json says, or nothing
            discard(layout.root / name)
        return done
    done.written = True
    return done


def _with(
    done: Finished,
    problems: list[str],
    layout: Layout,
    redactor: Redactor,
    records: list[dict[str, str]],
    extra: dict[str, Any],
    read: Results | None = None,
) -> Finished:
    """``done`` with more problems among the verdict's blockers, and its document again."""
    verdict = done.verdict.with_blockers([Finding("evidence", None, p) for p in problems])
    found = [*done.problems, *problems]
    base = verdict.to_dict()
    doc = {"schema": base.pop("schema"), "verdict": base.pop("verdict"), "complete": True}
    doc.update(base)
    doc.update(extra)
    if found:
        doc["exit_code"] = WRITE_FAILED
    doc["evidence"] = evidence_files(layout.allure, records, read)
    doc["files"] = {
        "allure_results": _rel(layout.allure, layout.root),
        "junit": _rel(layout.junit, layout.root) if layout.junit else None,
        "certificate": list(CERTIFICATES),
    }
    text = redactor.text(json.dumps(doc, indent=2))
    return Finished(verdict, dict(json.loads(text)), found)


def _rel(path: Path, root: Path) -> str:
    try:
        return path.resolve().relative_to(root.resolve()).as_posix()
    except ValueError:
        return str(path)
