"""The sslyze reduction (no network): real certificates and chains verified the way the probe
does, and sslyze's own result types reduced to the facts the TLS judge reads."""

from __future__ import annotations

import datetime as dt
import traceback
from pathlib import Path
from types import SimpleNamespace

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import AuthorityInformationAccessOID, ExtendedKeyUsageOID, NameOID
from nassl.ephemeral_key_info import DhEphemeralKeyInfo, NistEcDhKeyExchangeInfo, OpenSslEcNidEnum
from nassl.ephemeral_key_info import OpenSslEvpPkeyEnum as Pkey
from sslyze import (
    ScanCommandAttemptStatusEnum,
    ServerNetworkConfiguration,
    ServerNetworkLocation,
    ServerScanStatusEnum,
)
from sslyze.connection_helpers.tls_connection import NoCiphersAvailableBugInSSlyze
from sslyze.errors import (
    ServerRejectedTlsHandshake,
    ServerTlsConfigurationNotSupported,
    TlsHandshakeTimedOut,
)
from sslyze.plugins.openssl_cipher_suites._test_cipher_suite import CipherSuiteAcceptedByServer
from sslyze.plugins.openssl_cipher_suites.cipher_suites import CipherSuitesRepository
from sslyze.plugins.openssl_cipher_suites.implementation import CipherSuitesScanResult
from sslyze.scanner.scan_command_attempt import ScanCommandAttempt, ScanCommandErrorReasonEnum
from sslyze.server_connectivity import TlsVersionEnum

from golive.judge import tls as tp
from golive.model.facts import tls as tf
from golive.probe import sslyze as probe

NOW = dt.datetime.now(dt.UTC)
NAME = "trading.example.test"


def _name(cn: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cn)])


def _ca(cn: str, issuer: tuple[x509.Certificate, ec.EllipticCurvePrivateKey] | None = None):
    key = ec.generate_private_key(ec.SECP256R1())
    signer_cert, signer_key = issuer if issuer else (None, key)
    cert = (
        x509.CertificateBuilder()
        .subject_name(_name(cn))
        .issuer_name(signer_cert.subject if signer_cert else _name(cn))
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(NOW - dt.timedelta(days=1))
        .not_valid_after(NOW + dt.timedelta(days=3650))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(False, False, False, False, False, True, True, False, False),
            critical=True,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(signer_key.public_key()),
            critical=False,
        )
        .sign(signer_key, hashes.SHA256())
    )
    return cert, key


def _leaf(
    issuer: tuple[x509.Certificate, ec.EllipticCurvePrivateKey] | None,
    *,
    start: dt.datetime | None = None,
    days: int = 90,
    aia: str | None = None,
    names: tuple[str, ...] = (NAME,),
) -> x509.Certificate:
    key = ec.generate_private_key(ec.SECP256R1())
    signer_cert, signer_key = issuer if issuer else (None, key)
    start = start or NOW - dt.timedelta(days=1)
    builder = (
        x509.CertificateBuilder()
        .subject_name(_name(NAME))
        .issuer_name(signer_cert.subject if signer_cert else _name(NAME))
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(start)
        .not_valid_after(start + dt.timedelta(days=days))
        .add_extension(
            x509.SubjectAlternativeName([x509.DNSName(n) for n in names]), critical=False
        )
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(signer_key.public_key()),
            critical=False,
        )
    )
    if aia:
        builder = builder.add_extension(
            x509.AuthorityInformationAccess(
                [
                    x509.AccessDescription(
                        AuthorityInformationAccessOID.CA_ISSUERS,
                        x509.UniformResourceIdentifier(aia),
                    )
                ]
            ),
            critical=False,
        )
    return builder.sign(signer_key, hashes.SHA256())


def _reasons(
    chain: list[x509.Certificate], bundle: list[x509.Certificate], server_name: str = NAME
) -> list[str]:
    facts = tf.CertFacts(
        subject=f"CN={NAME}",
        names=(NAME,),
        not_after=chain[0].not_valid_after_utc,
        key_type="ecdsa",
        key_bits=256,
        curve="secp256r1",
        signature="ecdsa-with-SHA256",
        chain_error=probe._verify(chain, bundle, server_name),
        not_before=chain[0].not_valid_before_utc,
        chain=probe._chain(chain, bundle),
    )
    return tp.chain_reasons(facts, "ca.crt", NOW)


def test_a_chain_to_the_bundle_validates_whatever_name_the_client_asked_for() -> None:
    root = _ca("Example Root")
    assert _reasons([_leaf(root)], [root[0]]) == []


def test_a_wildcard_leaf_is_verified_for_the_name_clients_ask_for() -> None:
    """A wildcard is no name a verifier can be asked for ("invalid domain name"): the chain is
    verified for the endpoint's server_name, which the wildcard covers."""
    root = _ca("Example Root")
    leaf = _leaf(root, names=("*.example.test",))
    assert _reasons([leaf], [root[0]], "trading.example.test") == []
    assert probe._subject(("*.example.test",), "trading.example.test") == x509.DNSName(
        "trading.example.test"
    )


def test_a_leaf_for_another_name_is_the_hostname_checks_claim_not_the_chains() -> None:
    root = _ca("Example Root")
    assert _reasons([_leaf(root, names=("other.example.test",))], [root[0]]) == []
    assert _reasons([_leaf(root, names=("*.other.test",))], [root[0]]) == []


def test_self_signed_leaf() -> None:
    assert _reasons([_leaf(None)], [_ca("Example Root")[0]]) == [
        "the certificate is self-signed, and not a CA of the environment's CA bundle ca.crt"
    ]


def test_a_rogue_ca_under_the_bundle_cas_name() -> None:
    root, rogue = _ca("Example Root"), _ca("Example Root")
    [reason] = _reasons([_leaf(rogue)], [root[0]])
    assert reason.startswith("issuer not in the environment's CA bundle: CN=trading.example.test")
    assert "signed by a CA named CN=Example Root, but not by the CA of that name" in reason


def test_intermediate_not_sent_and_sent() -> None:
    root = _ca("Example Root")
    intermediate = _ca("Example Intermediate", root)
    leaf = _leaf(intermediate, aia="http://pki.example.test/int.crt")
    assert _reasons([leaf], [root[0]]) == [
        "intermediate not sent: the server does not send CN=Example Intermediate, the issuer of "
        "CN=trading.example.test (published at http://pki.example.test/int.crt)"
    ]
    assert _reasons([leaf, intermediate[0]], [root[0]]) == []


def test_a_chain_sent_out_of_order_is_named() -> None:
    """The verifier builds a path from certificates in any order; the order the server sent
    them in is sslyze's received_chain_has_valid_order, judged by the TLS judge."""
    root = _ca("Example Root")
    intermediate = _ca("Example Intermediate", root)
    other = _ca("Example Other", root)
    leaf = _leaf(intermediate)
    sent = [leaf, other[0], intermediate[0]]
    assert _reasons(sent, [root[0]]) == []  # a path exists
    cert = tf.CertFacts(
        subject=f"CN={NAME}",
        names=(NAME,),
        not_after=NOW + dt.timedelta(days=30),
        key_type="ecdsa",
        key_bits=256,
        curve="secp256r1",
        signature="ecdsa-with-SHA256",
        chain_error=None,
        chain=probe._chain(sent, [root[0]]),
        chain_in_order=False,
    )
    assert tp.order_reason(cert) == (
        "is sent out of order: CN=trading.example.test is followed by CN=Example Other, not by "
        "its issuer CN=Example Intermediate"
    )


def test_not_yet_valid_leaf() -> None:
    root = _ca("Example Root")
    start = NOW + dt.timedelta(days=3)
    assert _reasons([_leaf(root, start=start)], [root[0]]) == [
        f"CN=trading.example.test is not yet valid (valid from {start.date().isoformat()})"
    ]


def _suite(name: str, tls: TlsVersionEnum = TlsVersionEnum.TLS_1_2):
    return CipherSuitesRepository.get_cipher_suite_with_openssl_name(tls, name)


def test_the_ephemeral_key_of_each_accepted_suite() -> None:
    dhe = CipherSuiteAcceptedByServer(
        cipher_suite=_suite("DHE-RSA-AES128-GCM-SHA256"),
        ephemeral_key=DhEphemeralKeyInfo(
            type=Pkey.DH,
            size=1024,
            public_bytes=bytearray(),
            prime=bytearray(),
            generator=bytearray(),
        ),
    )
    assert probe._ephemeral("TLS 1.2", dhe) == tf.KeyExchange(
        "TLS 1.2", "TLS_DHE_RSA_WITH_AES_128_GCM_SHA256", "DH", 1024
    )
    ecdhe = CipherSuiteAcceptedByServer(
        cipher_suite=_suite("ECDHE-ECDSA-AES128-GCM-SHA256"),
        ephemeral_key=NistEcDhKeyExchangeInfo(
            type=Pkey.EC,
            size=256,
            public_bytes=bytearray(),
            curve=OpenSslEcNidEnum.SECP256R1,
            x=bytearray(),
            y=bytearray(),
        ),
    )
    assert probe._ephemeral("TLS 1.2", ecdhe) == tf.KeyExchange(
        "TLS 1.2", "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256", "ECDH", 256, "secp256r1"
    )
    unread = CipherSuiteAcceptedByServer(
        cipher_suite=_suite("DHE-RSA-AES128-GCM-SHA256"), ephemeral_key=None
    )
    assert probe._ephemeral("TLS 1.2", unread).kind is None  # type: ignore[union-attr]
    static = CipherSuiteAcceptedByServer(
        cipher_suite=_suite("AES128-GCM-SHA256"), ephemeral_key=None
    )
    assert probe._ephemeral("TLS 1.2", static) is None


def test_a_scan_command_that_failed_says_why() -> None:
    try:
        raise ConnectionResetError("Connection reset by peer")
    except ConnectionResetError as exc:
        trace = traceback.TracebackException.from_exception(exc)
    attempt = ScanCommandAttempt(
        status=ScanCommandAttemptStatusEnum.ERROR,
        error_reason=ScanCommandErrorReasonEnum.CONNECTIVITY_ISSUE,
        error_trace=trace,
        result=None,
    )
    assert (
        probe._why(attempt) == "connectivity issue, ConnectionResetError: Connection reset by peer"
    )


class _Hello:
    """A connection of the whole-version look: what ``connect`` does is scripted."""

    def __init__(self, outcome: BaseException | None, offered: list[str]) -> None:
        self.outcome, self.offered = outcome, offered
        self.ssl_client = self

    def set_cipher_list(self, suites: str) -> None:
        self.offered.append(suites)

    def connect(self, should_retry_connection: bool = True) -> None:
        assert should_retry_connection is False  # one hello each: no retries, no back-off
        if self.outcome is not None:
            raise self.outcome

    def close(self) -> None:
        pass


class _Endpoint:
    """A ServerConnectivityInfo whose connections answer in turn with ``outcomes``."""

    def __init__(self, *outcomes: BaseException | None) -> None:
        self.outcomes, self.offered, self.asked = list(outcomes), [], []

    def get_preconfigured_tls_connection(self, override_tls_version, should_use_legacy_openssl):
        self.asked.append((override_tls_version, should_use_legacy_openssl))
        return _Hello(self.outcomes.pop(0), self.offered)


def _refusal(message: str = "TLS alert: protocol version ") -> ServerRejectedTlsHandshake:
    location = ServerNetworkLocation("db1.example.test", 5432, "127.0.0.1")
    network = ServerNetworkConfiguration("db1.example.test")
    return ServerRejectedTlsHandshake(location, network, message)


def test_a_version_refused_in_every_hello_is_refused_whole() -> None:
    endpoint = _Endpoint(_refusal(), _refusal("TLS alert: handshake failure"))
    said = probe.refused_whole(endpoint, TlsVersionEnum.TLS_1_0)
    suites = CipherSuitesRepository.get_all_cipher_suites(TlsVersionEnum.TLS_1_0)
    assert said == (
        f"{len(suites)} suites offered in 2 ClientHello(s): "
        "TLS alert: handshake failure; TLS alert: protocol version"
    )
    # every suite sslyze knows for the version, each offered once, with its legacy client
    offered = [name for hello in endpoint.offered for name in hello.split(":")]
    assert sorted(offered) == sorted(s.openssl_name for s in suites)
    assert all(len(hello.split(":")) <= probe.PER_HELLO for hello in endpoint.offered)
    assert endpoint.asked == [(TlsVersionEnum.TLS_1_0, True)] * 2


@pytest.mark.parametrize(
    "outcomes",
    [
        (None,),  # the first hello is taken
        (_refusal(), None),  # a suite of the second hello is taken
        (_refusal(), ServerTlsConfigurationNotSupported(
            ServerNetworkLocation("x", 1, "127.0.0.1"), ServerNetworkConfiguration("x"), "DH"
        )),  # sslyze refused the server's DH group: the server took the suite
        (TlsHandshakeTimedOut(
            ServerNetworkLocation("x", 1, "127.0.0.1"), ServerNetworkConfiguration("x"), "t"
        ),),  # no clean answer: not concluded, each suite is tried alone
        (_refusal(), ConnectionResetError("reset")),
    ],
    ids=["taken", "taken-second", "dh-too-small", "timeout", "reset"],
)  # fmt: skip
def test_a_version_taken_or_not_answered_cleanly_is_scanned_suite_by_suite(outcomes) -> None:
    assert probe.refused_whole(_Endpoint(*outcomes), TlsVersionEnum.TLS_1_1) is None


def test_suites_the_client_cannot_offer_are_skipped_as_sslyze_skips_them() -> None:
    endpoint = _Endpoint(NoCiphersAvailableBugInSSlyze("none"), _refusal())
    said = probe.refused_whole(endpoint, TlsVersionEnum.SSL_3_0)
    assert said is not None and "in 1 ClientHello(s)" in said


def _not_run() -> ScanCommandAttempt:
    return ScanCommandAttempt(
        status=ScanCommandAttemptStatusEnum.NOT_SCHEDULED,
        error_reason=None,
        error_trace=None,
        result=None,
    )


def _attempts(**done: object) -> SimpleNamespace:
    names = (*probe._CIPHER_COMMANDS.values(), "certificate_info", "elliptic_curves", "heartbleed",
             "openssl_ccs_injection", "tls_compression", "robot", "session_renegotiation",
             "tls_fallback_scsv", "tls_extended_master_secret")  # fmt: skip
    return SimpleNamespace(**{name: done.get(name, _not_run()) for name in names})


TARGET = probe.Target("db1:5432", "127.0.0.1", 5432, "db1.example.test", "postgres", False)
WHY = "121 suites offered in 2 ClientHello(s): TLS alert: protocol version"


def test_a_version_refused_whole_is_neither_offered_nor_untested() -> None:
    scan = SimpleNamespace(scan_result=_attempts())
    facts = probe._facts(TARGET, scan, Path("/nonexistent"), {"TLS 1.0": WHY})
    assert facts.refused == {"TLS 1.0": WHY}
    assert "TLS 1.0" not in facts.ciphers and "TLS 1.0" not in facts.untested
    # a legacy version neither refused whole nor scanned fails closed, as before
    assert facts.untested["TLS 1.1"] == "the test was not run"
    assert "TLS 1.0: refused outright: " + WHY in probe.Scan(TARGET, facts, "{}", None).summary()


def test_a_version_taken_is_read_from_the_second_pass() -> None:
    accepted = CipherSuiteAcceptedByServer(cipher_suite=_suite("AES128-SHA"), ephemeral_key=None)
    tls11 = CipherSuitesScanResult(
        tls_version_used=TlsVersionEnum.TLS_1_1,
        accepted_cipher_suites=[accepted],
        rejected_cipher_suites=[],
    )
    done = ScanCommandAttempt(
        status=ScanCommandAttemptStatusEnum.COMPLETED, error_reason=None, error_trace=None,
        result=tls11,
    )  # fmt: skip
    first = SimpleNamespace(scan_result=_attempts())
    second = SimpleNamespace(scan_result=_attempts(tls_1_1_cipher_suites=done))
    refused = {"SSL 3.0": WHY, "TLS 1.0": WHY}
    facts = probe._facts(TARGET, first, Path("/nonexistent"), refused, second)
    assert facts.ciphers["TLS 1.1"] == ("TLS_RSA_WITH_AES_128_CBC_SHA",)
    assert "TLS 1.1" not in facts.untested


def test_a_second_pass_that_failed_leaves_its_versions_untested() -> None:
    first = SimpleNamespace(scan_result=_attempts())
    second = SimpleNamespace(
        scan_result=None, scan_status=ServerScanStatusEnum.ERROR_NO_CONNECTIVITY,
        connectivity_error_trace="timed out", connectivity_status="ERROR",
    )  # fmt: skip
    facts = probe._facts(TARGET, first, Path("/nonexistent"), {"SSL 3.0": WHY}, second)
    assert facts.untested["TLS 1.0"] == facts.untested["TLS 1.1"] == "TLS scan failed: timed out"
    assert "SSL 3.0" not in facts.untested
