"""Files golive writes into the Allure results: environment, executor, categories, verdict marks."""

from __future__ import annotations

import json
import mimetypes
import os
import re
import subprocess
import uuid
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from golive.gate.verdict import Finding, Verdict
from golive.model import properties
from golive.report.files import WriteError, write_all, write_atomic

CHECK_LABEL = "golive_check"
"""Allure label carrying the pytest node id, so results can be matched to the verdict."""

VERDICT_CHECK = "golive verdict"
"""The check label of the verdict's own Allure result (golive writes it; no pytest check)."""
VERDICT_RESULT = "golive-verdict-result.json"
OWN_PREFIX = "golive-"
"""How the names of the result and attachment files golive writes itself begin."""

_ALL = ["failed", "broken", "skipped", "unknown"]
TAGS = {
    "blocker": "[BLOCKER]",
    "unreachable": "[UNREACHABLE]",
    "missing": "[MISSING EVIDENCE]",
    "waived": "[WAIVED",
    "dependent": "[DEPENDENT",
    "condition": "[CONDITION]",
    "plan": "[PLAN ITEM]",
    "open": "[OPEN PLAN ITEM]",
}
"""How a result's message starts, by the verdict's class of it (categories match on it)."""

CATEGORIES: list[dict[str, Any]] = [
    {"name": "golive verdict", "messageRegex": r"(?s)golive verdict: .*", "matchedStatuses": _ALL},
    {"name": "Blocker failures", "messageRegex": r"(?s)\[BLOCKER\].*", "matchedStatuses": _ALL},
    {
        "name": "Unreachable hosts",
        "messageRegex": r"(?s)\[UNREACHABLE\].*",
        "matchedStatuses": _ALL,
    },
    {
        "name": "Missing evidence",
        "messageRegex": r"(?s)\[MISSING EVIDENCE\].*",
        "matchedStatuses": _ALL,
    },
    {"name": "Waived", "messageRegex": r"(?s)\[WAIVED[^\]]*\].*", "matchedStatuses": _ALL},
    {
        "name": "Dependent checks (failed because of another check's cause)",
        "messageRegex": r"(?s)\[DEPENDENT[^\]]*\].*",
        "matchedStatuses": _ALL,
    },
    {
        "name": "Conditions (normal/minor failures)",
        "messageRegex": r"(?s)\[CONDITION\].*",
        "matchedStatuses": _ALL,
    },
    {
        "name": "Plan items not proven (blockers)",
        "messageRegex": r"(?s)\[PLAN ITEM\].*",
        "matchedStatuses": _ALL,
    },
    {
        "name": "Open plan items",
        "messageRegex": r"(?s)\[OPEN PLAN ITEM\].*",
        "matchedStatuses": _ALL,
    },
    {
        # never reached by a result golive marked; there so that Allure never files a result
        # under its built-in "Product defects" / "Test defects" (it adds those only for a
        # failed or broken result no category matches)
        "name": "Not classified by the verdict",
        "messageRegex": r"(?s)(?!golive verdict: |\[(BLOCKER|UNREACHABLE|MISSING EVIDENCE|WAIVED|"
        r"DEPENDENT|CONDITION|PLAN ITEM|OPEN PLAN ITEM)).*",
        "matchedStatuses": ["failed", "broken"],
    },
]
"""golive's categories, the only ones: every failed or broken result matches one."""

ALLURE_STATUS = {"failed": "failed", "error": "broken"}
"""A check's Allure status from its outcome, as pytest counts it: pytest's "N failed" are
Allure's failed, its "N errors" Allure's broken (allure-pytest would call a failure that is
no assertion broken)."""


def git_commit(cwd: Path) -> str:
    """The checked-out commit of ``cwd``, or "unknown"."""
    try:
        out = subprocess.run(
            ["git", "rev-parse", "HEAD"], cwd=cwd, capture_output=True, text=True, timeout=5
        )
    except (OSError, subprocess.TimeoutExpired):
        return "unknown"
    return out.stdout.strip() if out.returncode == 0 else "unknown"


def write_environment(results: Path, props: Mapping[str, str]) -> None:
    """environment.properties, written so that Java's ``Properties.load`` (Allure) reads back
    exactly these keys and values (:func:`golive.model.properties.dumps`)."""
    write_atomic(results / "environment.properties", properties.dumps(props))


def executor(environ: Mapping[str, str]) -> dict[str, Any]:
    """Allure executor info from CI variables (GitHub Actions, GitLab CI, generic CI)."""
    if environ.get("GITHUB_ACTIONS"):
        server, repo, run = (
            environ.get(k, "") for k in ("GITHUB_SERVER_URL", "GITHUB_REPOSITORY", "GITHUB_RUN_ID")
        )
        url = f"{server}/{repo}/actions/runs/{run}" if server and repo and run else ""
        return {
            "name": "GitHub Actions",
            "type": "github",
            "buildName": environ.get("GITHUB_WORKFLOW", ""),
            "buildOrder": environ.get("GITHUB_RUN_NUMBER", ""),
            "buildUrl": url,
            "reportUrl": "",
        }
    if environ.get("GITLAB_CI"):
        return {
            "name": "GitLab CI",
            "type": "gitlab",
            "buildName": environ.get("CI_JOB_NAME", ""),
            "buildOrder": environ.get("CI_PIPELINE_IID", ""),
            "buildUrl": environ.get("CI_JOB_URL", ""),
        }
    if environ.get("CI"):
        return {
            "name": "CI",
            "type": "ci",
            "buildName": environ.get("CI_JOB_NAME", "golive"),
            "buildUrl": environ.get("CI_JOB_URL", environ.get("BUILD_URL", "")),
        }
    return {"name": "local", "type": "local", "buildName": f"golive on {os.uname().nodename}"}


def write_static(results: Path, props: Mapping[str, str], environ: Mapping[str, str]) -> None:
    """environment.properties, executor.json and categories.json (each written atomically)."""
    try:
        results.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise WriteError.of(results, exc) from None
    write_environment(results, props)
    write_atomic(results / "executor.json", json.dumps(executor(environ), indent=2))
    write_atomic(results / "categories.json", json.dumps(CATEGORIES, indent=2))


def _tags(verdict: Verdict) -> dict[str, str]:
    tickets = {w.index: w.ticket for w in verdict.waivers}
    tags: dict[str, str] = {}
    for group, tag in (
        (verdict.conditions, TAGS["condition"]),
        (verdict.blockers, TAGS["blocker"]),
        (verdict.missing, TAGS["missing"]),
    ):
        tags.update((f.check, tag) for f in group)
    for f in verdict.waived:
        tags[f.check] = f"{TAGS['waived']} {tickets.get(f.waiver or 0, '')}]"
    tags.update((c.id, TAGS["unreachable"]) for c in verdict.checks if c.unreachable is not None)
    tags.update(
        (c.id, f"{TAGS['dependent']} on {c.caused_by}]")
        for c in verdict.checks
        if c.caused_by and c.outcome in ALLURE_STATUS
    )
    return tags


def read_result(path: Path) -> dict[str, Any] | None:
    """An Allure result file's data; None when it is not whole JSON (a write cut short)."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


Results = dict[Path, dict[str, Any] | None]
"""Every result file of a results directory, read once, by path (None: not whole JSON): the
end of a run marks, checks and indexes them from this one read, and adds the results it
writes itself, instead of reading the directory again for each."""


def read_results(results: Path) -> Results:
    """Every ``*-result.json`` under ``results``, read once, sorted by path."""
    if not results.is_dir():
        return {}
    return {path: read_result(path) for path in sorted(results.glob("*-result.json"))}


def _host_label(data: dict[str, Any], host: str) -> bool:
    """Make the result's ``host`` label the target host (allure-pytest puts the machine golive
    ran on there); True if it changed."""
    labels = data.setdefault("labels", [])
    others = [lb for lb in labels if lb.get("name") != "host"]
    wanted = [*others, {"name": "host", "value": host}]
    if labels == wanted:
        return False
    data["labels"] = wanted
    return True


def mark_results(results: Path, verdict: Verdict, read: Results | None = None) -> list[WriteError]:
    """Each result's host label is the host its check was about (the environment's name for a
    check about the service as a whole), each non-passing result's message starts with its
    verdict class, for categories, and the verdict is written in (:func:`write_verdict`), so
    an Allure report made from these results by any tool shows it; the files that could not
    be written are returned. An unreadable result is left for the evidence check
    (golive/report/output.py) to report. ``read``: the results as read already (kept up to
    date with what is written here)."""
    read = read_results(results) if read is None else read
    tags = _tags(verdict)
    hosts = {c.id: c.host for c in verdict.checks}
    outcomes: dict[str, str] = {c.id: c.outcome for c in verdict.checks}
    rewritten: list[tuple[Path, str]] = []
    for path, data in list(read.items()):
        if data is None or path.name.startswith(OWN_PREFIX):
            continue
        check = next(
            (lb["value"] for lb in data.get("labels", []) if lb.get("name") == CHECK_LABEL), None
        )
        if check is None or check == VERDICT_CHECK:
            continue
        changed = _host_label(data, hosts.get(check) or verdict.scope.env)
        tag = tags.get(check)
        details = data.setdefault("statusDetails", {})
        message = details.get("message") or ""
        if tag is not None and not message.startswith(tag):
            message = f"{tag} {message}".rstrip()
        status = ALLURE_STATUS.get(outcomes.get(check, ""), data.get("status"))
        if status != data.get("status") or message != (details.get("message") or ""):
            data["status"], details["message"] = status, message
            changed = True
        if changed:
            rewritten.append((path, json.dumps(data)))
    failed = write_all(rewritten)
    try:
        write_verdict(results, verdict.to_dict(), read=read)
    except WriteError as exc:
        failed.append(exc)
    return failed


_STATUS = {"GO": "passed", "CONDITIONAL": "broken", "NO-GO": "failed"}


def _line(finding: dict[str, Any]) -> str:
    """A finding of verdict.json as the terminal shows it: ``host: check: message``."""
    return _finding(finding).line()


def _finding(finding: dict[str, Any]) -> Finding:
    return Finding(
        str(finding.get("check", "?")), finding.get("host"), str(finding.get("message", "")),
        dependents=tuple(finding.get("dependents") or ()),
    )  # fmt: skip


def _short(finding: dict[str, Any], limit: int = 140) -> str:
    """A blocker in one short line: its host and the first line of its message."""
    message = str(finding.get("message", "")).strip().split("\n")[0]
    for prefix in ("failed: ", "error: ", "Failed: ", "AssertionError: "):
        message = message.removeprefix(prefix)
    host = finding.get("host")
    if not host:  # its subject: the run, a plan item, a sign-off or the check itself
        line = _finding({**finding, "message": message}).line()
    else:
        line = message if message.startswith(f"{host}:") else f"{host}: {message}"
    return line if len(line) <= limit else line[: limit - 3] + "..."


def _scope_line(scope: dict[str, Any]) -> str:
    sel = f"markers: {scope.get('markers') or '(all)'}"
    if scope.get("keywords"):
        sel += f", -k {scope['keywords']}"
    hosts = ", ".join(scope.get("hosts") or ()) or "(none)"
    return f"env {scope.get('env')}, release {scope.get('release')}, {sel}, hosts: {hosts}"


def verdict_result(doc: dict[str, Any], start: int, stop: int) -> dict[str, Any]:
    """The verdict (verdict.json's document) as an Allure result: "golive verdict: NO-GO",
    its scope, one step per blocker (host and reason), then conditions, waived checks and
    missing evidence."""
    decision = str(doc.get("verdict"))
    scope = _scope_line(doc.get("scope") or {})
    blockers = list(doc.get("blockers") or [])
    steps = [
        {"name": f"blocker: {_line(f)}", "status": "failed", "start": start, "stop": stop}
        for f in blockers
    ]
    for title, key, status in (
        ("condition", "conditions", "broken"),
        ("waived", "waived", "skipped"),
        ("missing evidence", "missing", "skipped"),
    ):
        steps += [
            {"name": f"{title}: {_line(f)}", "status": status, "start": start, "stop": stop}
            for f in doc.get(key) or []
            if f not in blockers
        ]
    head = f"golive verdict: {decision}"
    counts = ", ".join(f"{k} {v}" for k, v in (doc.get("counts") or {}).items())
    message = "\n".join([head, f"scope: {scope}", *(f"blocker: {_line(b)}" for b in blockers)])
    return {
        "uuid": "00000000-0000-4000-8000-0000601d1e7e",
        "historyId": "golive-verdict",
        "testCaseId": "golive-verdict",
        "name": f"{head} ({len(blockers)} blocker{'' if len(blockers) == 1 else 's'})",
        "fullName": VERDICT_CHECK,
        "status": _STATUS.get(decision, "failed"),
        "statusDetails": {"message": message, "trace": f"counts: {counts}"},
        "description": f"{head}. Scope: {scope}",
        "steps": steps,
        "start": start,
        "stop": stop,
        "labels": [
            {"name": "parentSuite", "value": "golive verdict"},
            {"name": "suite", "value": decision},
            {"name": "severity", "value": "blocker"},
            {"name": "host", "value": str((doc.get("scope") or {}).get("env", ""))},
            {"name": CHECK_LABEL, "value": VERDICT_CHECK},
        ],
        "parameters": [{"name": "scope", "value": scope}],
    }


def _starts(results: Path, read: Results | None = None) -> tuple[int, int, set[str]]:
    """The first start and last stop of the run's results (ms), for the verdict's own, and
    the checks that have a result."""
    starts, stops, checks = [], [], set[str]()
    found = read.items() if read is not None else read_results(results).items()
    for path, found_data in found:
        if path.name.startswith(OWN_PREFIX):
            continue
        data = found_data or {}
        if isinstance(data.get("start"), int) and isinstance(data.get("stop"), int):
            starts.append(data["start"])
            stops.append(data["stop"])
        checks.update(
            lb.get("value") for lb in data.get("labels", []) if lb.get("name") == CHECK_LABEL
        )
    now = int(datetime.now(UTC).timestamp() * 1000)
    return (min(starts, default=now), max(stops, default=now), checks)


def read_properties(path: Path) -> dict[str, str]:
    """environment.properties as Java reads it; empty when it is missing or not a properties
    file (golive rewrites it whole)."""
    if not path.is_file():
        return {}
    try:
        return properties.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, properties.PropertiesError):
        return {}


def scope_key(doc: dict[str, Any], env: str | None = None) -> str:
    """The name a run's Allure history is kept under: environment and selection (markers,
    -k), so a smoke run's trend is never drawn next to a full run's."""
    scope = doc.get("scope") or {}
    parts = [env or str(scope.get("env") or "unknown"), str(scope.get("markers") or "all")]
    if scope.get("keywords"):
        parts.append(f"k-{scope['keywords']}")
    return "--".join(re.sub(r"[^A-Za-z0-9._-]+", "_", p).strip("_") or "_" for p in parts)


def plan_results(doc: dict[str, Any], start: int, stop: int) -> list[dict[str, Any]]:
    """The plan items the run left unproven (``golive certify``) as Allure results of their
    own: a required one (a blocker) failed, an open one skipped, each in its category."""
    env = str((doc.get("scope") or {}).get("env", ""))
    items = [
        (str(b.get("message", "")), "failed", TAGS["plan"])
        for b in doc.get("blockers") or []
        if b.get("check") == "plan"
    ] + [(str(line), "skipped", TAGS["open"]) for line in doc.get("plan_open") or []]
    out = []
    for line, status, tag in items:
        item = line.split(":", 1)[0]
        result = _own_result(f"plan {item}", status, f"{tag} {line}", (start, stop))
        severity = "blocker" if status == "failed" else "normal"
        result.update(
            uuid=str(uuid.uuid5(uuid.NAMESPACE_URL, f"golive-plan:{status}:{line}")),
            historyId=f"golive-plan-{item}",
            name=f"plan item {line}",
            labels=_own_labels("plan items", severity, env, f"plan {item}"),
        )
        out.append(result)
    return out


def _own_result(full_name: str, status: str, message: str, span: tuple[int, int]) -> dict[str, Any]:
    """A result golive writes itself (not a pytest check's): the fields every one has."""
    start, stop = span
    return {
        "uuid": str(uuid.uuid5(uuid.NAMESPACE_URL, f"golive:{status}:{full_name}")),
        "historyId": f"golive-{full_name}",
        "name": full_name,
        "fullName": full_name,
        "status": status,
        "statusDetails": {"message": message},
        "start": start,
        "stop": stop,
    }


def _own_labels(suite: str, severity: str, host: str, check: str) -> list[dict[str, str]]:
    """The labels of a result golive writes itself, under the "golive verdict" suite."""
    return [
        {"name": "parentSuite", "value": "golive verdict"},
        {"name": "suite", "value": suite},
        {"name": "severity", "value": severity},
        {"name": "host", "value": host},
        {"name": CHECK_LABEL, "value": check},
    ]


def missing_results(
    doc: dict[str, Any], have: set[str], start: int, stop: int
) -> list[dict[str, Any]]:
    """The checks verdict.json counts as missing evidence that have no result of their own
    (left out of the run, as ``golive certify --no-load``'s load checks, or never reached
    before the run stopped): each a skipped result in golive's "Missing evidence", so the
    overview shows them as what they are, never as absent or passed."""
    env = str((doc.get("scope") or {}).get("env", ""))
    out = []
    for finding in doc.get("missing") or []:
        check = str(finding.get("check", ""))
        if not check or check in have:
            continue
        have = have | {check}  # a check listed twice is one result
        message = f"{TAGS['missing']} {finding.get('message', '')}"
        result = _own_result(check, "skipped", message, (start, stop))
        severity = str(finding.get("severity") or "critical")
        result.update(
            name=check.rsplit("::", 1)[-1],
            labels=_own_labels(
                "missing evidence", severity, str(finding.get("host") or env), check
            ),
        )
        out.append(result)
    return out


def overview_counts(doc: dict[str, Any]) -> dict[str, int]:
    """What the overview counts: blockers, open plan items, dependent checks."""
    return {
        "blockers": len(doc.get("blockers") or []),
        "open plan items": len(doc.get("plan_open") or []),
        "dependent checks": int((doc.get("counts") or {}).get("dependent") or 0),
    }


def _attach(results: Path, files: Sequence[Path]) -> list[dict[str, str]]:
    """Copies of ``files`` (those that exist) beside the results, byte for byte, as the
    verdict result's attachments; a copy left from an earlier call is removed."""
    for old in results.glob(f"{OWN_PREFIX}verdict-attachment-*"):
        old.unlink(missing_ok=True)
    out = []
    for path in files:
        try:
            data = path.read_bytes()
        except OSError:
            continue  # not written (yet): attach what exists
        source = f"{OWN_PREFIX}verdict-attachment-{path.name}"
        write_atomic(results / source, data)
        kind = mimetypes.guess_type(path.name)[0] or "text/plain"
        out.append({"name": path.name, "source": source, "type": kind})
    return out


def write_verdict(
    results: Path, doc: dict[str, Any], files: Sequence[Path] = (), read: Results | None = None
) -> None:
    """The verdict (verdict.json's document) into the Allure results: its own result, on top
    of the overview, whose steps are the blockers and whose attachments are ``files`` (the
    verdict.json and certificate written: copies of their bytes); one result per plan item
    left unproven; and the verdict first in the environment and executor widgets
    (environment.properties, executor.json), with the overview's counts. ``read``: the
    results as read already, given the ones written here."""
    start, stop, have = _starts(results, read)
    result = verdict_result(doc, start, stop)
    result["attachments"] = _attach(results, files)
    written: dict[Path, dict[str, Any]] = {}
    for old in [
        *results.glob(f"{OWN_PREFIX}plan-*-result.json"),
        *results.glob(f"{OWN_PREFIX}missing-*-result.json"),
    ]:
        old.unlink(missing_ok=True)
        if read is not None:
            read.pop(old, None)
    for plan in plan_results(doc, start, stop):
        written[results / f"{OWN_PREFIX}plan-{plan['uuid']}-result.json"] = plan
    for lost in missing_results(doc, have, start, stop):
        written[results / f"{OWN_PREFIX}missing-{lost['uuid']}-result.json"] = lost
    written[results / VERDICT_RESULT] = result
    for where, content in written.items():
        write_atomic(where, json.dumps(content))
        if read is not None:
            read[where] = content
    decision = str(doc.get("verdict"))
    scope = _scope_line(doc.get("scope") or {})
    blockers = [_short(f) for f in doc.get("blockers") or []]
    shown_blockers = "  ".join(f"({i}) {b}" for i, b in enumerate(blockers[:5], 1)) + (
        f"  and {len(blockers) - 5} more (see the golive verdict result)"
        if len(blockers) > 5
        else ""
    )
    counts = overview_counts(doc)
    head = {
        "verdict": decision,
        "scope": scope,
        "counts": ", ".join(f"{k} {v}" for k, v in counts.items()),
        "blockers": shown_blockers or "none",
    }
    opened = [str(line) for line in doc.get("plan_open") or []]
    if opened:
        head["open_plan_items"] = "  ".join(f"({i}) {o}" for i, o in enumerate(opened, 1))
    # what was certified (the build the app nodes serve) and by which golive, told apart
    application, own = doc.get("application") or {}, doc.get("golive") or {}
    if application.get("line"):
        head["application_build"] = str(application["line"])
    if own:
        head["golive"] = f"{own.get('version')} (commit {own.get('commit')})"
    props = {
        k: v
        for k, v in read_properties(results / "environment.properties").items()
        if k not in head and k != "open_plan_items"
    }
    write_environment(results, {**head, **props})
    path = results / "executor.json"
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        data = None
    executor_data: dict[str, Any] = data if isinstance(data, dict) else executor(os.environ)
    build = str(executor_data.get("buildName") or "golive").split(": golive verdict")[0]
    opens = f", {len(opened)} open item{'' if len(opened) == 1 else 's'}" if opened else ""
    executor_data["buildName"] = f"{build}: golive verdict {decision}{opens}"
    executor_data["reportName"] = f"golive verdict: {decision}{opens} ({scope})"
    write_atomic(path, json.dumps(executor_data, indent=2))
