"""The reports directory: its layout and what is written there at the end of a run."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from golive.gate.plan import load_plan
from golive.gate.verdict import Verdict
from golive.report.allure_meta import CHECK_LABEL, mark_results
from golive.report.certificate import html_page, markdown
from golive.report.hashing import sha256_file
from golive.report.redact import Redactor


@dataclass(frozen=True)
class Layout:
    """Where a run's outputs go."""

    root: Path
    allure: Path
    junit: Path | None

    @property
    def verdict(self) -> Path:
        return self.root / "verdict.json"

    @property
    def certificate(self) -> Path:
        return self.root / "certificate.md"


def _attachments(step: dict[str, Any]) -> Iterator[dict[str, Any]]:
    yield from step.get("attachments", [])
    for sub in step.get("steps", []):
        yield from _attachments(sub)


def evidence_files(allure: Path, records: list[dict[str, str]]) -> list[dict[str, Any]]:
    """Every Allure attachment with its check and sha256, plus records with no attachment file."""
    out: list[dict[str, Any]] = []
    for result in sorted(allure.glob("*-result.json")) if allure.is_dir() else []:
        data = json.loads(result.read_text(encoding="utf-8"))
        labels = {lb.get("name"): lb.get("value") for lb in data.get("labels", [])}
        check = labels.get(CHECK_LABEL) or data.get("fullName", "")
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


def write_certificate(root: Path, doc: dict[str, Any]) -> tuple[Path, Path]:
    """reports/certificate.md and certificate.html from a verdict document."""
    plan = load_plan()
    md, page = root / "certificate.md", root / "certificate.html"
    md.write_text(markdown(doc, plan), encoding="utf-8")
    page.write_text(html_page(doc, plan), encoding="utf-8")
    return md, page


def finish(
    layout: Layout,
    verdict: Verdict,
    redactor: Redactor,
    since: float,
    records: list[dict[str, str]],
    extra: dict[str, Any],
) -> dict[str, Any]:
    """Mark and redact the run's files, then write verdict.json and the certificate."""
    layout.root.mkdir(parents=True, exist_ok=True)
    if layout.allure.is_dir():
        mark_results(layout.allure, verdict)
    redactor.tree(layout.root, since)
    doc = verdict.to_dict()
    doc.update(extra)
    doc["evidence"] = evidence_files(layout.allure, records)
    doc["files"] = {
        "allure_results": _rel(layout.allure, layout.root),
        "junit": _rel(layout.junit, layout.root) if layout.junit else None,
        "certificate": ["certificate.md", "certificate.html"],
    }
    text = redactor.text(json.dumps(doc, indent=2)) + "\n"
    layout.verdict.write_text(text, encoding="utf-8")
    doc = dict(json.loads(text))
    write_certificate(layout.root, doc)
    return doc


def _rel(path: Path, root: Path) -> str:
    try:
        return path.resolve().relative_to(root.resolve()).as_posix()
    except ValueError:
        return str(path)
