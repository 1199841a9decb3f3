"""The plan's process items (UAT issue resolution, training, support transition, feedback,
post-rollback analysis, plan revisions and communication, deployment logs, configuration
documentation, release notes, handover) are proven by evidence someone recorded, never by
golive guessing: a document (file path or URL) or a sign-off of signoffs.yml, as the
environment's ``process_evidence`` names it.

Each item is its own check, tracing to its plan item. A required item without evidence is
critical (NO-GO); any other is minor: listed open on the certificate (CONDITIONAL).
"""

from __future__ import annotations

import time
from datetime import date
from pathlib import PurePosixPath
from urllib.parse import urlsplit

import pytest

from golive.gate.signoffs import Signoff
from golive.judge import monitoring as judge_monitoring
from golive.model.config import read_yaml
from golive.model.environment import Environment
from golive.model.expectations.monitoring import ProcessEvidence
from golive.probe import documents
from golive.report.evidence import Evidence
from pytest_golive.fixtures.findings import judge

pytestmark = pytest.mark.monitoring


def _signoff(environment: Environment, name: str, item: str) -> list[str]:
    path = environment.path / "signoffs.yml"
    data = read_yaml(path) if path.is_file() else None
    entry = data.get(name) if isinstance(data, dict) else None
    if entry is None:
        return [f"{item}: sign-off {name} is not recorded in {path}"]
    try:
        signoff = Signoff.model_validate(entry)
    except ValueError:
        return [f"{item}: sign-off {name} in {path} is malformed"]
    today, release = date.today(), environment.inventory.release.version
    if signoff.expires < today:
        return [f"{item}: sign-off {name} ({signoff.who}) expired {signoff.expires}"]
    if signoff.when > today:
        return [f"{item}: sign-off {name} ({signoff.who}) is dated {signoff.when}, in the future"]
    if signoff.release is not None and signoff.release != release:
        return [f"{item}: sign-off {name} approves {signoff.release}, not {release}"]
    return []


def test_process_item_has_evidence(
    process_item: str, environment: Environment, evidence: Evidence
) -> None:
    """Claim: the plan item has its recorded evidence: its document exists, is no older than
    ``max_age_days``, names the release under certification (unless the item says it need
    not) and is attached with its sha256; its sign-off, where it names one, is valid for
    this release.

    Covers: no evidence declared for the item; the document missing, unreadable, stale, or
    about another release (release notes naming 1.4.0 only); a document outside the
    environment directory and its evidence_roots, a secrets file, not a regular file or
    larger than max_document_bytes (then it is never read); a URL that does not answer; the
    sign-off missing from signoffs.yml, malformed, expired, future-dated or for another
    release.

    Does not cover: whether the document's content is right or complete (a reviewer reads
    it; golive only finds the release named in it); the age of a URL document whose server
    sends no Last-Modified date (its age is unknown, so not judged); who wrote a sign-off
    (signoffs.yml is trusted as the environment's record).
    """
    spec = environment.expectation(ProcessEvidence)
    item = spec.items.get(process_item)
    if item is None:
        pytest.fail(f"{process_item}: no evidence is declared in process_evidence", pytrace=False)
    release = environment.inventory.release.version
    findings: list[str] = []
    if item.document is not None:
        document, problem = documents.read(environment, item.document)
        content = document.content if document is not None else None
        age = None
        if document is not None:
            name = PurePosixPath(urlsplit(item.document).path).name or item.document
            summary = f"{document.where}: {len(document.content)} bytes, sha256 {document.sha256}"
            evidence.raw(
                f"{process_item} evidence: {name}", document.content, "text/plain", "txt", summary
            )
            if document.mtime is not None:
                age = (time.time() - document.mtime) / 86400
        text = content.decode("utf-8", "replace") if content is not None else None
        findings += judge_monitoring.document(
            process_item, item.document, text, problem, age, spec.max_age_days,
            release if item.names_release else None,
        )  # fmt: skip
    if item.signoff is not None:
        findings += _signoff(environment, item.signoff, process_item)
    judge(findings)
