"""TLS profile evaluation from scan facts (no network)."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest

from golive.judge import tls as tp
from golive.model.facts import tls as tf

NOW = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
GOOD_CERT = tf.CertFacts(
    subject="CN=trading.example.test",
    names=("trading.example.test",),
    not_after=NOW + dt.timedelta(days=200),
    key_type="ecdsa",
    key_bits=256,
    curve="secp256r1",
    signature="ecdsa-with-SHA256",
    chain_error=None,
    not_before=NOW - dt.timedelta(days=165),
)
GOOD = tf.TlsFacts(
    endpoint="lb1:443",
    server_name="trading.example.test",
    ciphers={
        "TLS 1.2": ("TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256",),
        "TLS 1.3": ("TLS_AES_128_GCM_SHA256",),
    },
    cert=GOOD_CERT,
    hsts_max_age=63072000,
    vulnerabilities=(),
    key_exchanges=(
        tf.KeyExchange(
            "TLS 1.2", "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256", "ECDH", 256, "secp256r1"
        ),
        tf.KeyExchange("TLS 1.3", "TLS_AES_128_GCM_SHA256", "ECDH", 253, "X25519"),
    ),
    groups=("X25519", "secp256r1", "secp384r1"),
)


@pytest.fixture(scope="module")
def intermediate() -> tp.Profile:
    return tp.mozilla_profile("intermediate")


def _cert(**kw: object) -> tf.TlsFacts:
    return dataclasses.replace(GOOD, cert=dataclasses.replace(GOOD_CERT, **kw))


def test_compliant_endpoint_has_no_findings(intermediate: tp.Profile) -> None:
    assert tp.protocol_findings(GOOD, intermediate) == []
    assert tp.cipher_findings(GOOD, intermediate) == []
    assert tp.key_exchange_findings(GOOD, intermediate) == []
    assert tp.chain_findings(GOOD, "ca.crt", NOW) == []
    assert tp.hostname_findings(GOOD) == []
    assert tp.expiry_findings(GOOD, 30, NOW) == []
    assert tp.lifespan_findings(GOOD, intermediate) == []
    assert tp.key_findings(GOOD, intermediate) == []
    assert tp.ocsp_findings(GOOD, intermediate) == []
    assert tp.hsts_findings(GOOD, intermediate.hsts_min_age) == []
    assert tp.vulnerability_findings(GOOD) == []


def test_the_profile_carries_every_criterion_of_mozillas_data(intermediate: tp.Profile) -> None:
    assert intermediate.groups == {"X25519", "secp256r1", "secp384r1"}
    assert (intermediate.dh_min_bits, intermediate.ecdh_min_bits) == (2048, 256)
    assert intermediate.max_lifespan_days == 366
    assert intermediate.hsts_min_age == 63072000
    assert intermediate.ocsp_staple is True
    assert tp.mozilla_profile("modern").dh_min_bits is None


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


def test_a_protocol_scan_that_did_not_complete_is_not_a_pass(intermediate: tp.Profile) -> None:
    facts = dataclasses.replace(GOOD, untested={"TLS 1.0": "connectivity issue: timed out"})
    line = "lb1:443: TLS 1.0 could not be tested: connectivity issue: timed out"
    assert tp.protocol_findings(facts, intermediate) == [line]
    assert tp.cipher_findings(facts, intermediate) == [line]


def test_cbc_cipher_is_named_with_its_protocol(intermediate: tp.Profile) -> None:
    weak = "TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA"
    facts = dataclasses.replace(GOOD, ciphers={"TLS 1.2": (weak, *GOOD.ciphers["TLS 1.2"])})
    assert tp.cipher_findings(facts, intermediate) == [
        f"lb1:443: cipher {weak} offered with TLS 1.2; not in the intermediate profile"
    ]


DHE = "TLS_DHE_RSA_WITH_AES_128_GCM_SHA256"


def test_a_1024_bit_dh_group_fails_though_the_suite_is_allowed(intermediate: tp.Profile) -> None:
    facts = dataclasses.replace(
        GOOD,
        ciphers={"TLS 1.2": (DHE,)},
        key_exchanges=(tf.KeyExchange("TLS 1.2", DHE, "DH", 1024),),
    )
    assert tp.cipher_findings(facts, intermediate) == []  # the suite name is compliant
    assert tp.key_exchange_findings(facts, intermediate) == [
        f"lb1:443: {DHE} (TLS 1.2) uses a 1024-bit DH group; intermediate profile requires "
        "at least 2048 bits"
    ]
    strong = dataclasses.replace(facts, key_exchanges=(tf.KeyExchange("TLS 1.2", DHE, "DH", 2048),))
    assert tp.key_exchange_findings(strong, intermediate) == []


def test_finite_field_dh_where_the_profile_has_none() -> None:
    facts = dataclasses.replace(
        GOOD, key_exchanges=(tf.KeyExchange("TLS 1.3", "TLS_AES_128_GCM_SHA256", "DH", 3072),)
    )
    assert tp.key_exchange_findings(facts, tp.mozilla_profile("modern")) == [
        "lb1:443: TLS_AES_128_GCM_SHA256 (TLS 1.3) uses finite-field DH (3072 bits); the modern "
        "profile has none"
    ]


def test_ecdh_curves_outside_the_profile_and_small_or_unread_keys(
    intermediate: tp.Profile,
) -> None:
    suite = "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256"
    facts = dataclasses.replace(
        GOOD,
        key_exchanges=(
            tf.KeyExchange("TLS 1.2", suite, "ECDH", 448, "X448"),
            tf.KeyExchange("TLS 1.3", "TLS_AES_128_GCM_SHA256", None),
        ),
        groups=("X25519", "X448", "secp256r1", "secp521r1"),
    )
    assert tp.key_exchange_findings(facts, intermediate) == [
        f"lb1:443: {suite} (TLS 1.2) negotiated curve X448; intermediate profile allows X25519, "
        "secp256r1, secp384r1",
        "lb1:443: TLS_AES_128_GCM_SHA256 (TLS 1.3) negotiated an ephemeral key golive could "
        "not read",
        "lb1:443: key-exchange curve(s) X448, secp521r1 accepted; intermediate profile allows "
        "X25519, secp256r1, secp384r1",
    ]
    small = dataclasses.replace(
        intermediate, groups=intermediate.groups | {"secp224r1"}, ecdh_min_bits=256
    )
    weak = dataclasses.replace(
        GOOD, key_exchanges=(tf.KeyExchange("TLS 1.2", suite, "ECDH", 224, "secp224r1"),)
    )
    assert tp.key_exchange_findings(weak, small) == [
        f"lb1:443: {suite} (TLS 1.2) uses a 224-bit ECDH key; intermediate profile requires at "
        "least 256 bits"
    ]


def test_curves_scan_that_did_not_complete(intermediate: tp.Profile) -> None:
    facts = dataclasses.replace(GOOD, untested={tf.GROUPS: "connectivity issue"})
    assert tp.key_exchange_findings(facts, intermediate) == [
        "lb1:443: key-exchange groups could not be tested: connectivity issue"
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
    assert tf.hostname_matches(names, server) is ok


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


def test_a_certificate_not_yet_valid_fails_the_expiry_check() -> None:
    future = _cert(not_before=NOW + dt.timedelta(days=2, hours=3))
    assert tp.expiry_findings(future, 30, NOW) == [
        "lb1:443: certificate is not yet valid: valid from 2026-01-03T03:00+00:00 (in 2 days)"
    ]


def test_a_five_year_certificate_exceeds_the_lifespan(intermediate: tp.Profile) -> None:
    long = _cert(not_before=NOW, not_after=NOW + dt.timedelta(days=1826))
    assert tp.lifespan_findings(long, intermediate) == [
        "lb1:443: certificate is valid for 1826 days (2026-01-01 to 2031-01-01); intermediate "
        "profile allows at most 366"
    ]
    year = _cert(not_before=NOW, not_after=NOW + dt.timedelta(days=366))
    assert tp.lifespan_findings(year, intermediate) == []


def _link(subject: str, issuer: str, **kw: object) -> tf.ChainCert:
    base = {
        "not_before": NOW - dt.timedelta(days=1),
        "not_after": NOW + dt.timedelta(days=100),
        "self_signed": False,
        "issued_by_next": False,
        "issued_by_bundle": False,
        "issuer_name_in_bundle": False,
    }
    return tf.ChainCert(subject, issuer, **{**base, **kw})  # type: ignore[arg-type]


LEAF, CA, INT = "CN=trading.example.test", "CN=Example Root", "CN=Example Intermediate"


def _chain(*links: tf.ChainCert, error: str = "validation failed") -> tf.TlsFacts:
    return _cert(chain=links, chain_error=error)


@pytest.mark.parametrize(
    ("links", "reason"),
    [
        (
            (_link(LEAF, LEAF, self_signed=True),),
            "the certificate is self-signed, and not a CA of the environment's CA bundle /ca.crt",
        ),
        (
            (_link(LEAF, "CN=Rogue CA"),),
            "issuer not in the environment's CA bundle: CN=trading.example.test is issued by "
            "CN=Rogue CA, which /ca.crt does not hold (nor does the server send it)",
        ),
        (
            (_link(LEAF, CA, issuer_name_in_bundle=True),),
            "issuer not in the environment's CA bundle: CN=trading.example.test is signed by a "
            "CA named CN=Example Root, but not by the CA of that name in /ca.crt (another key)",
        ),
        (
            (_link(LEAF, INT, ca_issuers=("http://pki.example.test/int.crt",)),),
            "intermediate not sent: the server does not send CN=Example Intermediate, the "
            "issuer of CN=trading.example.test (published at http://pki.example.test/int.crt)",
        ),
        (
            (_link(LEAF, INT), _link("CN=Other Intermediate", CA, issued_by_bundle=True)),
            "intermediate not sent: CN=trading.example.test is issued by CN=Example "
            "Intermediate, but the next certificate the server sends is CN=Other Intermediate",
        ),
        (
            (
                _link(LEAF, INT, issued_by_next=True),
                _link(INT, CA, issued_by_bundle=True, not_before=NOW + dt.timedelta(days=1)),
            ),
            "CN=Example Intermediate is not yet valid (valid from 2026-01-02)",
        ),
        (
            (
                _link(LEAF, INT, issued_by_next=True, not_after=NOW - dt.timedelta(days=1)),
                _link(INT, CA, issued_by_bundle=True),
            ),
            "CN=trading.example.test expired on 2025-12-31",
        ),
        (
            (_link(LEAF, INT, issued_by_next=True), _link(INT, INT, self_signed=True)),
            "CN=Example Intermediate is self-signed, and not a CA of the environment's CA "
            "bundle /ca.crt",
        ),
    ],
)
def test_chain_errors_say_what_is_wrong(links: tuple[tf.ChainCert, ...], reason: str) -> None:
    assert tp.chain_findings(_chain(*links), "/ca.crt", NOW) == [
        f"lb1:443: certificate chain of CN=trading.example.test does not validate against "
        f"/ca.crt: {reason}"
    ]


@pytest.mark.parametrize(
    ("error", "said"),
    [
        (
            "invalid extension 2.5.29.35",
            "a strict RFC 5280 verifier rejects its extension 2.5.29.35 (authorityKeyIdentifier)",
        ),
        (
            "chain construction exceeds max depth",
            "no path to the CA bundle within the verifier's depth limit",
        ),
        ("something new", "the verifier rejected it: something new"),
    ],
)
def test_other_verifier_errors_are_said_in_the_terms_of_the_problem(error: str, said: str) -> None:
    anchored = (_link(LEAF, CA, issued_by_bundle=True),)
    [line] = tp.chain_findings(_chain(*anchored, error=error), "/ca.crt", NOW)
    assert said in line
    assert error in line


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


def test_ocsp_stapling_where_the_certificate_names_a_responder(intermediate: tp.Profile) -> None:
    responder = _cert(ocsp_responders=("http://ocsp.example.test",))
    assert tp.ocsp_findings(responder, intermediate) == [
        "lb1:443: no OCSP response stapled, though the certificate names the responder "
        "http://ocsp.example.test; intermediate profile requires stapling"
    ]
    stapled = _cert(ocsp_responders=("http://ocsp.example.test",), ocsp_stapled=True)
    assert tp.ocsp_findings(stapled, intermediate) == []
    assert tp.ocsp_findings(GOOD, intermediate) == []  # no responder: nothing to staple


def test_hsts_missing_short_or_untested() -> None:
    assert tp.hsts_findings(dataclasses.replace(GOOD, hsts_max_age=None), 100) == [
        "lb1:443: no Strict-Transport-Security header"
    ]
    assert tp.hsts_findings(dataclasses.replace(GOOD, hsts_max_age=99), 100) == [
        "lb1:443: HSTS max-age 99 s is below the minimum 100 s"
    ]
    untested = dataclasses.replace(
        GOOD, hsts_max_age=None, untested={tf.HTTP_HEADERS: "connectivity issue"}
    )
    assert tp.hsts_findings(untested, 100) == [
        "lb1:443: HTTP headers could not be tested: connectivity issue"
    ]


def test_missing_certificate_fails_every_certificate_check(intermediate: tp.Profile) -> None:
    facts = dataclasses.replace(GOOD, cert=None)
    line = ["lb1:443: no certificate retrieved"]
    assert tp.chain_findings(facts, "ca") == line
    assert tp.hostname_findings(facts) == line
    assert tp.expiry_findings(facts, 1, NOW) == line
    assert tp.key_findings(facts, intermediate) == line
    assert tp.lifespan_findings(facts, intermediate) == line
    assert tp.ocsp_findings(facts, intermediate) == line
    why = dataclasses.replace(facts, untested={tf.CERTIFICATE: "connectivity issue"})
    assert tp.chain_findings(why, "ca") == ["lb1:443: no certificate retrieved: connectivity issue"]


def test_vulnerabilities_one_line_each_and_untested_ones_say_so() -> None:
    facts = dataclasses.replace(
        GOOD,
        vulnerabilities=(tf.HEARTBLEED, tf.ROBOT),
        untested={tf.CRIME: "connectivity issue: ConnectionResetError: reset by peer"},
    )
    assert tp.vulnerability_findings(facts) == [
        "lb1:443: vulnerable to Heartbleed",
        "lb1:443: vulnerable to ROBOT (RSA padding oracle)",
        "lb1:443: CRIME (TLS compression enabled) could not be tested: connectivity issue: "
        "ConnectionResetError: reset by peer",
    ]


def test_every_certificate_served_is_judged(intermediate: tp.Profile) -> None:
    rsa = dataclasses.replace(
        GOOD_CERT,
        key_type="rsa",
        key_bits=2048,
        curve=None,
        signature="sha256WithRSAEncryption",
        not_after=NOW - dt.timedelta(days=2),
    )
    facts = dataclasses.replace(GOOD, other_certs=(rsa,))
    assert tp.expiry_findings(facts, 30, NOW) == [
        "lb1:443: (rsa certificate) certificate expired on 2025-12-30 (2 days ago)"
    ]
    assert tp.key_findings(facts, intermediate) == []
    assert tp.lifespan_findings(facts, intermediate) == []


def test_a_chain_in_an_order_golive_could_not_read_fails_closed() -> None:
    assert tp.chain_findings(_cert(chain_in_order=None), "ca.crt", NOW) == [
        "lb1:443: certificate chain of CN=trading.example.test was sent in an order golive "
        "could not read (a certificate could not be parsed)"
    ]
