"""Files golive writes into the Allure results: environment, executor, categories, verdict marks."""

from __future__ import annotations

import json
import os
import subprocess
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from golive.gate.verdict import Verdict
from golive.report.files import WriteError, write_atomic

CHECK_LABEL = "golive_check"
"""Allure label carrying the pytest node id, so results can be matched to the verdict."""

CATEGORIES: list[dict[str, Any]] = [
    {
        "name": "Unreachable hosts",
        "messageRegex": r"(?s)\[UNREACHABLE\].*",
        "matchedStatuses": ["broken", "failed"],
    },
    {
        "name": "Blocker failures",
        "messageRegex": r"(?s)\[BLOCKER\].*",
        "matchedStatuses": ["broken", "failed"],
    },
    {
        "name": "Missing evidence",
        "messageRegex": r"(?s)\[MISSING EVIDENCE\].*",
        "matchedStatuses": ["skipped"],
    },
    {
        "name": "Waived",
        "messageRegex": r"(?s)\[WAIVED[^\]]*\].*",
        "matchedStatuses": ["broken", "failed", "skipped"],
    },
    {
        "name": "Conditions (normal/minor failures)",
        "messageRegex": r"(?s)\[CONDITION\].*",
        "matchedStatuses": ["broken", "failed", "skipped"],
    },
]


def git_commit(cwd: Path) -> str:
    """The checked-out commit of ``cwd``, or "unknown"."""
    try:
        out = subprocess.run(
            ["git", "rev-parse", "HEAD"], cwd=cwd, capture_output=True, text=True, timeout=5
        )
    except (OSError, subprocess.TimeoutExpired):
        return "unknown"
    return out.stdout.strip() if out.returncode == 0 else "unknown"


def _prop(value: str) -> str:
    return value.replace("\\", "\\\\").replace("\n", "\\n").replace("=", "\\=").replace(":", "\\:")


def write_environment(results: Path, props: Mapping[str, str]) -> None:
    lines = [f"{_prop(k)}={_prop(v)}" for k, v in props.items()]
    write_atomic(results / "environment.properties", "\n".join(lines) + "\n")


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
        (verdict.conditions, "[CONDITION]"),
        (verdict.blockers, "[BLOCKER]"),
        (verdict.missing, "[MISSING EVIDENCE]"),
    ):
        tags.update((f.check, tag) for f in group)
    for f in verdict.waived:
        tags[f.check] = f"[WAIVED {tickets.get(f.waiver or 0, '')}]"
    tags.update((c.id, "[UNREACHABLE]") for c in verdict.checks if c.unreachable is not None)
    return tags


def read_result(path: Path) -> dict[str, Any] | None:
    """An Allure result file's data; None when it is not whole JSON (a write cut short)."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def mark_results(results: Path, verdict: Verdict) -> list[WriteError]:
    """Prefix each non-passing Allure result's message with its verdict class, for categories;
    the results that could not be rewritten. An unreadable result is left for the evidence
    check (golive/report/output.py) to report."""
    tags = _tags(verdict)
    failed: list[WriteError] = []
    for path in results.glob("*-result.json"):
        data = read_result(path)
        if data is None:
            continue
        check = next(
            (lb["value"] for lb in data.get("labels", []) if lb.get("name") == CHECK_LABEL), None
        )
        tag = tags.get(check) if check else None
        if tag is None:
            continue
        details = data.setdefault("statusDetails", {})
        message = details.get("message") or ""
        if not message.startswith(tag):
            details["message"] = f"{tag} {message}".rstrip()
            try:
                write_atomic(path, json.dumps(data))
            except WriteError as exc:
                failed.append(exc)
    return failed
