"""TLS policy: every declared TLS endpoint, judged from its sslyze scan against every criterion
of the Mozilla profile and the environment's certificate policy. Plan: Security Preparations ›
SSL/TLS.

Every check here covers each endpoint of ``tls.endpoints`` (HTTPS on the load balancer and
PostgreSQL's STARTTLS alike); what they do not cover is a TLS endpoint the environment does not
declare there. A scan command sslyze could not complete fails its checks as "could not be
tested", never as a pass.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

import pytest

from golive.judge import tls as tls_policy
from golive.model.environment import Environment
from golive.model.expectations.security import TlsPolicy
from golive.model.facts.tls import TlsFacts
from golive.report.evidence import Evidence
from pytest_golive.fixtures.findings import judge

if TYPE_CHECKING:  # the tls_scans fixture imports sslyze when it scans
    from golive.probe.sslyze import Scan

pytestmark = [pytest.mark.security, pytest.mark.tls]


def _facts(label: str, scans: dict[str, Scan], evidence: Evidence) -> TlsFacts:
    scan = scans[label]
    raw = scan.raw_json.encode()
    evidence.raw(f"sslyze {label}.json", raw, "application/json", "json", scan.summary())
    if scan.facts is None:
        pytest.fail(f"{label}: {scan.error}", pytrace=False)
    return scan.facts


@pytest.fixture
def profile(environment: Environment) -> tls_policy.Profile:
    return tls_policy.mozilla_profile(environment.expectation(TlsPolicy).profile)


def test_protocol_versions(tls_endpoint: str, tls_scans, evidence, profile) -> None:
    """Claim: the endpoint offers only the profile's protocol versions (and at least one).

    Covers: SSL 2.0 to TLS 1.3, each tried on its own; an endpoint offering none; a version
    sslyze could not try ("could not be tested", never a pass).

    Does not cover: DTLS or QUIC (TLS over UDP); which of the allowed versions a client ends up
    with (the cipher and key-exchange checks judge what each version accepts).
    """
    judge(tls_policy.protocol_findings(_facts(tls_endpoint, tls_scans, evidence), profile))


def test_cipher_suites(tls_endpoint: str, tls_scans, evidence, profile) -> None:
    """Claim: every cipher suite the endpoint accepts, with every protocol version it offers,
    is one of the profile's.

    Covers: each suite sslyze knows, tried one at a time with each offered version (TLS 1.3
    suites against the profile's TLS 1.3 list); a version whose suites could not be tried.

    Does not cover: the server's preference order among allowed suites; suites sslyze does not
    know; the key-exchange group behind a suite (``test_key_exchange``).
    """
    judge(tls_policy.cipher_findings(_facts(tls_endpoint, tls_scans, evidence), profile))


def test_key_exchange(tls_endpoint: str, tls_scans, evidence, profile) -> None:
    """Claim: every key exchange the endpoint accepts uses one of the profile's groups, of at
    least the profile's size (DH groups of 2048 bits and ECDH curves of 256 for intermediate).

    Covers: the ephemeral key each accepted DHE, ECDHE and TLS 1.3 suite really negotiated
    (a weak ``ssl_dhparam``/``ssl_dh_params_file`` or curve list shows here, whatever the suite
    names), and the curves the server accepts when a client offers only that one.

    Does not cover: finite-field groups the server would pick for another client (one DH group
    is configured per server; sslyze reads the one it gets).
    """
    judge(tls_policy.key_exchange_findings(_facts(tls_endpoint, tls_scans, evidence), profile))


def test_certificate_chain(tls_endpoint: str, tls_scans, evidence, environment) -> None:
    """Claim: the certificates the endpoint sends form a valid chain to a CA of the
    environment's CA bundle.

    Covers: self-signed leaves, issuers outside the bundle (or a different CA under a bundle
    CA's name), intermediates not sent or sent out of order, certificates of the chain not yet
    valid or expired, and whatever else a strict RFC 5280 verifier rejects (named in the
    verifier's words); the order, read by sslyze, in which each certificate must be followed
    by its issuer. The chain is verified for the endpoint's ``server_name`` (a wildcard
    certificate for the name it covers).

    Does not cover: whether the certificate is for that name (``test_certificate_hostname``);
    revocation (no CRL or OCSP status is fetched).
    """
    facts = _facts(tls_endpoint, tls_scans, evidence)
    judge(tls_policy.chain_findings(facts, str(environment.expectation(TlsPolicy).ca_bundle)))


def test_certificate_hostname(tls_endpoint: str, tls_scans, evidence) -> None:
    """Claim: the certificate's subjectAltName covers the name clients ask for (the
    endpoint's ``server_name``).

    Covers: RFC 6125 matching, case-insensitive: DNS names, a wildcard only as the whole
    left-most label (``*.example.test`` covers ``www.example.test``, not ``example.test`` or
    ``a.b.example.test``), IP addresses against IP entries; a certificate without a
    subjectAltName; every certificate the endpoint serves (one per key type).

    Does not cover: other names clients may use for the endpoint than ``server_name``; the
    subject's CN (RFC 6125: not a fallback); whether the chain is trusted
    (``test_certificate_chain``).
    """
    judge(tls_policy.hostname_findings(_facts(tls_endpoint, tls_scans, evidence)))


def test_certificate_expiry(tls_endpoint: str, tls_scans, evidence, environment) -> None:
    """Claim: the certificate is valid now (past its notBefore, before its notAfter) and for at
    least ``tls.min_days_to_expiry`` more days.

    Covers: the leaf of every certificate the endpoint serves (one per key type): not yet
    valid, expired, or expiring within the minimum.

    Does not cover: the dates of the intermediates and the CA (``test_certificate_chain``
    rejects one not valid now, but no minimum of days is asked of them); revocation.
    """
    facts = _facts(tls_endpoint, tls_scans, evidence)
    min_days = environment.expectation(TlsPolicy).min_days_to_expiry
    judge(tls_policy.expiry_findings(facts, min_days, dt.datetime.now(dt.UTC)))


def test_certificate_lifespan(tls_endpoint: str, tls_scans, evidence, profile) -> None:
    """Claim: the certificate's validity period, notBefore to notAfter, is at most the
    profile's maximum lifespan (366 days for intermediate).

    Covers: the leaf of every certificate the endpoint serves; a notBefore that could not be
    read fails.

    Does not cover: the lifespan of intermediates and the CA; whether the certificate is
    valid today (``test_certificate_expiry``).
    """
    judge(tls_policy.lifespan_findings(_facts(tls_endpoint, tls_scans, evidence), profile))


def test_certificate_key(tls_endpoint: str, tls_scans, evidence, profile) -> None:
    """Claim: the certificate's key type, its curve or RSA size, and its signature algorithm
    are the profile's.

    Covers: the leaf of every certificate the endpoint serves (one per key type): an RSA key
    below the profile's size, an ECDSA key on a curve it does not list, another key type, a
    signature algorithm it does not list (e.g. SHA-1).

    Does not cover: the keys and signatures of the intermediates and the CA; how the private
    key is stored on the host.
    """
    judge(tls_policy.key_findings(_facts(tls_endpoint, tls_scans, evidence), profile))


def test_ocsp_stapling(tls_endpoint: str, tls_scans, evidence, profile) -> None:
    """Claim (profiles that require stapling): an endpoint whose certificate names an OCSP
    responder staples a response.

    Covers: every certificate the endpoint serves whose Authority Information Access names an
    OCSP responder: no response stapled in the handshake sslyze made.

    Does not cover: certificates that name no responder (a private CA without OCSP: there is
    nothing to staple); what the stapled response says (its status, good or revoked, and its
    freshness are not judged); profiles that do not require stapling.
    """
    judge(tls_policy.ocsp_findings(_facts(tls_endpoint, tls_scans, evidence), profile))


def test_hsts(https_endpoint: str, tls_scans, evidence, environment, profile) -> None:
    """Claim: the HTTPS endpoint sends Strict-Transport-Security with a max-age of at least
    the profile's minimum, or the environment's ``tls.hsts_min_age`` where it is larger.

    Covers: the header missing, a max-age below the minimum, the headers that could not be
    read ("could not be tested", never a pass); each HTTPS endpoint of ``tls.endpoints``.

    Does not cover: includeSubDomains and preload; the header on paths other than the one
    sslyze requests; whether plain HTTP redirects to HTTPS (no check judges that).
    """
    facts = _facts(https_endpoint, tls_scans, evidence)
    minimum = max(environment.expectation(TlsPolicy).hsts_min_age or 0, profile.hsts_min_age)
    judge(tls_policy.hsts_findings(facts, minimum))


def test_known_vulnerabilities(tls_endpoint: str, tls_scans, evidence) -> None:
    """Claim: the endpoint has none of the TLS vulnerabilities sslyze tests: Heartbleed, CCS
    injection, CRIME, ROBOT, insecure renegotiation, client-initiated renegotiation, downgrade
    without TLS_FALLBACK_SCSV, and (before TLS 1.3) missing Extended Master Secret.

    Covers: each of those, from its own sslyze scan command; a test that did not complete, or
    ROBOT probes answered inconsistently, fails as "could not be tested" (never a pass, never a
    vulnerability).

    Does not cover: vulnerabilities sslyze does not test (a CVE in the server's TLS library
    shows only where ``test_required_packages_installed`` declares the fixed version); weak
    protocol versions and suites themselves (``test_protocol_versions``,
    ``test_cipher_suites``).
    """
    judge(tls_policy.vulnerability_findings(_facts(tls_endpoint, tls_scans, evidence)))
