"""TLS profile evaluation from scan facts (no network)."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest

from golive.judge import tls as tp

NOW = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
GOOD_CERT = tp.CertFacts(
    subject="CN=trading.example.test",
    names=("trading.example.test",),
    not_after=NOW + dt.timedelta(days=200),
    key_type="ecdsa",
    key_bits=256,
    curve="secp256r1",
    signature="ecdsa-with-SHA256",
    chain_error=None,
)
GOOD = tp.TlsFacts(
    endpoint="lb1:443",
    server_name="trading.example.test",
    ciphers={
        "TLS 1.2": ("TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256",),
        "TLS 1.3": ("TLS_AES_128_GCM_SHA256",),
    },
    cert=GOOD_CERT,
    hsts_max_age=63072000,
    vulnerabilities=(),
)


@pytest.fixture(scope="module")
def intermediate() -> tp.Profile:
    return tp.mozilla_profile("intermediate")


def _cert(**kw: object) -> tp.TlsFacts:
    return dataclasses.replace(GOOD, cert=dataclasses.replace(GOOD_CERT, **kw))


def test_compliant_endpoint_has_no_findings(intermediate: tp.Profile) -> None:
    assert tp.protocol_findings(GOOD, intermediate) == []
    assert tp.cipher_findings(GOOD, intermediate) == []
    assert tp.chain_findings(GOOD, "ca.crt") == []
    assert tp.hostname_findings(GOOD) == []
    assert tp.expiry_findings(GOOD, 30, NOW) == []
    assert tp.key_findings(GOOD, intermediate) == []
    assert tp.hsts_findings(GOOD, 15768000) == []
    assert tp.vulnerability_findings(GOOD) == []


def test_legacy_protocols_are_one_line_each(intermediate: tp.Profile) -> None:
    facts = dataclasses.replace(GOOD, ciphers={"TLS 1.1": (), "TLS 1.0": (), **GOOD.ciphers})
    assert tp.protocol_findings(facts, intermediate) == [
        "lb1:443: TLS 1.0 offered; intermediate profile allows TLS 1.2, TLS 1.3",
        "lb1:443: TLS 1.1 offered; intermediate profile allows TLS 1.2, TLS 1.3",
    ]


def test_modern_profile_refuses_tls_1_2() -> None:
    modern = tp.mozilla_profile("modern")
    assert tp.protocol_findings(GOOD, modern) == [
        "lb1:443: TLS 1.2 offered; modern profile allows TLS 1.3"
    ]


def test_no_protocol_at_all_is_a_finding(intermediate: tp.Profile) -> None:
    facts = dataclasses.replace(GOOD, ciphers={})
    assert tp.protocol_findings(facts, intermediate) == ["lb1:443: no TLS protocol version offered"]


def test_cbc_cipher_is_named_with_its_protocol(intermediate: tp.Profile) -> None:
    weak = "TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA"
    facts = dataclasses.replace(GOOD, ciphers={"TLS 1.2": (weak, *GOOD.ciphers["TLS 1.2"])})
    assert tp.cipher_findings(facts, intermediate) == [
        f"lb1:443: cipher {weak} offered with TLS 1.2; not in the intermediate profile"
    ]


@pytest.mark.parametrize(
    ("names", "server", "ok"),
    [
        (("*.example.test",), "trading.example.test", True),
        (("*.example.test",), "a.b.example.test", False),
        (("*.example.test",), "example.test", False),
        (("Trading.Example.Test.",), "trading.example.test", True),
        (("db1.test", "192.0.2.21"), "192.0.2.21", True),
        (("192.0.2.22",), "192.0.2.21", False),
    ],
)
def test_hostname_matching(names: tuple[str, ...], server: str, ok: bool) -> None:
    assert tp.hostname_matches(names, server) is ok


def test_wrong_host_names_the_certificate_names() -> None:
    assert tp.hostname_findings(_cert(names=("other.example.test",))) == [
        "lb1:443: certificate is for other.example.test, not trading.example.test"
    ]


def test_expired_and_expiring_certificates() -> None:
    expired = _cert(not_after=NOW - dt.timedelta(days=3))
    assert tp.expiry_findings(expired, 30, NOW) == [
        "lb1:443: certificate expired on 2025-12-29 (3 days ago)"
    ]
    soon = _cert(not_after=NOW + dt.timedelta(days=9, hours=1))
    assert tp.expiry_findings(soon, 30, NOW) == [
        "lb1:443: certificate expires on 2026-01-10, in 9 days; minimum is 30 days"
    ]


def test_chain_error_is_reported_with_the_bundle() -> None:
    facts = _cert(chain_error="unable to get local issuer certificate")
    assert tp.chain_findings(facts, "/pki/ca.crt") == [
        "lb1:443: certificate chain of CN=trading.example.test does not validate against "
        "/pki/ca.crt: unable to get local issuer certificate"
    ]


def test_key_type_curve_size_and_signature(intermediate: tp.Profile) -> None:
    assert tp.key_findings(_cert(curve="secp521r1"), intermediate)[0].startswith(
        "lb1:443: certificate key on curve secp521r1"
    )
    small_rsa = _cert(key_type="rsa", key_bits=1024, curve=None)
    assert tp.key_findings(small_rsa, intermediate) == [
        "lb1:443: certificate RSA key of 1024 bits; intermediate profile requires at least 2048"
    ]
    sha1 = tp.key_findings(_cert(signature="sha1WithRSAEncryption"), intermediate)
    assert sha1[0].startswith("lb1:443: certificate signed with sha1WithRSAEncryption")


def test_hsts_missing_or_short() -> None:
    assert tp.hsts_findings(dataclasses.replace(GOOD, hsts_max_age=None), 100) == [
        "lb1:443: no Strict-Transport-Security header"
    ]
    assert tp.hsts_findings(dataclasses.replace(GOOD, hsts_max_age=99), 100) == [
        "lb1:443: HSTS max-age 99 s is below the minimum 100 s"
    ]


def test_missing_certificate_fails_every_certificate_check(intermediate: tp.Profile) -> None:
    facts = dataclasses.replace(GOOD, cert=None)
    line = ["lb1:443: no certificate retrieved"]
    assert tp.chain_findings(facts, "ca") == line
    assert tp.hostname_findings(facts) == line
    assert tp.expiry_findings(facts, 1, NOW) == line
    assert tp.key_findings(facts, intermediate) == line


def test_vulnerabilities_one_line_each() -> None:
    facts = dataclasses.replace(GOOD, vulnerabilities=("Heartbleed", "ROBOT"))
    assert tp.vulnerability_findings(facts) == [
        "lb1:443: vulnerable to Heartbleed",
        "lb1:443: vulnerable to ROBOT",
    ]
