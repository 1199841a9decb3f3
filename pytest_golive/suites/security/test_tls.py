"""TLS policy: every declared TLS endpoint, judged from its sslyze scan against the Mozilla
profile and the environment's certificate policy. Plan: Security Preparations › SSL/TLS.
"""

from __future__ import annotations

import datetime as dt

import pytest

from golive.judge import tls as tls_policy
from golive.judge.tls import TlsFacts
from golive.model.environment import Environment
from golive.model.expectations.security import TlsPolicy
from golive.probe.sslyze import Scan
from golive.report.evidence import Evidence
from pytest_golive.fixtures.findings import judge

pytestmark = [pytest.mark.security, pytest.mark.tls]


def _facts(label: str, scans: dict[str, Scan], evidence: Evidence) -> TlsFacts:
    scan = scans[label]
    evidence.raw(f"sslyze {label}.json", scan.raw_json.encode(), "application/json", "json")
    if scan.facts is None:
        pytest.fail(f"{label}: {scan.error}", pytrace=False)
    return scan.facts


@pytest.fixture
def profile(environment: Environment) -> tls_policy.Profile:
    return tls_policy.mozilla_profile(environment.expectation(TlsPolicy).profile)


def test_protocol_versions(tls_endpoint: str, tls_scans, evidence, profile) -> None:
    judge(tls_policy.protocol_findings(_facts(tls_endpoint, tls_scans, evidence), profile))


def test_cipher_suites(tls_endpoint: str, tls_scans, evidence, profile) -> None:
    judge(tls_policy.cipher_findings(_facts(tls_endpoint, tls_scans, evidence), profile))


def test_certificate_chain(tls_endpoint: str, tls_scans, evidence, environment) -> None:
    facts = _facts(tls_endpoint, tls_scans, evidence)
    judge(tls_policy.chain_findings(facts, str(environment.expectation(TlsPolicy).ca_bundle)))


def test_certificate_hostname(tls_endpoint: str, tls_scans, evidence) -> None:
    judge(tls_policy.hostname_findings(_facts(tls_endpoint, tls_scans, evidence)))


def test_certificate_expiry(tls_endpoint: str, tls_scans, evidence, environment) -> None:
    facts = _facts(tls_endpoint, tls_scans, evidence)
    min_days = environment.expectation(TlsPolicy).min_days_to_expiry
    judge(tls_policy.expiry_findings(facts, min_days, dt.datetime.now(dt.UTC)))


def test_certificate_key(tls_endpoint: str, tls_scans, evidence, profile) -> None:
    judge(tls_policy.key_findings(_facts(tls_endpoint, tls_scans, evidence), profile))


def test_hsts(https_endpoint: str, tls_scans, evidence, environment) -> None:
    facts = _facts(https_endpoint, tls_scans, evidence)
    judge(tls_policy.hsts_findings(facts, environment.expectation(TlsPolicy).hsts_min_age))


def test_known_vulnerabilities(tls_endpoint: str, tls_scans, evidence) -> None:
    judge(tls_policy.vulnerability_findings(_facts(tls_endpoint, tls_scans, evidence)))
