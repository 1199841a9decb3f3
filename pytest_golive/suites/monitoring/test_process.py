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
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import requests

from golive.gate.signoffs import Signoff
from golive.judge import monitoring as judge_monitoring
from golive.model.config import read_yaml
from golive.model.environment import Environment
from golive.model.expectations.monitoring import ProcessEvidence
from golive.report.evidence import Evidence
from pytest_golive.fixtures.findings import judge

pytestmark = pytest.mark.monitoring


def _read(where: str, timeout: float) -> tuple[bytes | None, str, float | None]:
    """(content, problem, age in days) of a document given as a path or an http(s) URL."""
    if urlsplit(where).scheme in ("http", "https"):
        try:
            response = requests.get(where, timeout=timeout)
        except requests.RequestException as exc:
            return None, f"could not be fetched ({type(exc).__name__})", None
        if response.status_code != 200:
            return None, f"answered HTTP {response.status_code}", None
        modified = response.headers.get("Last-Modified")
        age = None
        if modified:
            from email.utils import parsedate_to_datetime

            age = (time.time() - parsedate_to_datetime(modified).timestamp()) / 86400
        return response.content, "", age
    path = Path(where)
    if not path.is_file():
        return None, "does not exist", None
    try:
        return path.read_bytes(), "", (time.time() - path.stat().st_mtime) / 86400
    except OSError as exc:
        return None, f"cannot be read ({exc.strerror})", None


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
    """The plan item has its recorded evidence: its document exists, is no older than
    ``max_age_days``, names the release under certification (unless the item says it need
    not) and is attached with its sha256; its sign-off, where it names one, is valid for
    this release.

    False when: no evidence is declared for the item; the document is missing, unreadable,
    stale, or about another release (release notes naming 1.4.0 only); the URL does not
    answer; the sign-off is missing, expired, future-dated or for another release."""
    spec = environment.expectation(ProcessEvidence)
    item = spec.items.get(process_item)
    if item is None:
        pytest.fail(f"{process_item}: no evidence is declared in process_evidence", pytrace=False)
    release = environment.inventory.release.version
    findings: list[str] = []
    if item.document is not None:
        content, problem, age = _read(item.document, spec.timeout_s)
        if content is not None:
            name = item.document.rstrip("/").rsplit("/", 1)[-1] or item.document
            evidence.raw(f"{process_item} evidence: {name}", content, "text/plain", "txt")
        text = content.decode("utf-8", "replace") if content is not None else None
        findings += judge_monitoring.document(
            process_item, item.document, text, problem, age, spec.max_age_days,
            release if item.names_release else None,
        )  # fmt: skip
    if item.signoff is not None:
        findings += _signoff(environment, item.signoff, process_item)
    judge(findings)
