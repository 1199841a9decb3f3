"""Scan TLS endpoints with sslyze and reduce each result to the facts golive judges."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from sslyze import (
    ProtocolWithOpportunisticTlsEnum,
    RobotScanResultEnum,
    ScanCommand,
    ScanCommandAttemptStatusEnum,
    ScanCommandsExtraArguments,
    Scanner,
    ServerNetworkConfiguration,
    ServerNetworkLocation,
    ServerScanRequest,
    ServerScanResult,
    ServerScanResultAsJson,
    ServerScanStatusEnum,
)
from sslyze.plugins.certificate_info.implementation import CertificateInfoExtraArgument

from golive.judge.tls import CertFacts, TlsFacts

_CIPHER_COMMANDS = {
    "SSL 2.0": "ssl_2_0_cipher_suites",
    "SSL 3.0": "ssl_3_0_cipher_suites",
    "TLS 1.0": "tls_1_0_cipher_suites",
    "TLS 1.1": "tls_1_1_cipher_suites",
    "TLS 1.2": "tls_1_2_cipher_suites",
    "TLS 1.3": "tls_1_3_cipher_suites",
}
_COMMANDS = {
    ScanCommand.SSL_2_0_CIPHER_SUITES,
    ScanCommand.SSL_3_0_CIPHER_SUITES,
    ScanCommand.TLS_1_0_CIPHER_SUITES,
    ScanCommand.TLS_1_1_CIPHER_SUITES,
    ScanCommand.TLS_1_2_CIPHER_SUITES,
    ScanCommand.TLS_1_3_CIPHER_SUITES,
    ScanCommand.CERTIFICATE_INFO,
    ScanCommand.HEARTBLEED,
    ScanCommand.ROBOT,
    ScanCommand.OPENSSL_CCS_INJECTION,
    ScanCommand.TLS_COMPRESSION,
    ScanCommand.SESSION_RENEGOTIATION,
}
_STARTTLS = {"postgres": ProtocolWithOpportunisticTlsEnum.POSTGRES}


@dataclass(frozen=True)
class Target:
    """One endpoint to scan: its label ("lb1:443"), address, port and the name to ask for."""

    label: str
    address: str
    port: int
    server_name: str
    starttls: str | None
    http: bool


@dataclass(frozen=True)
class Scan:
    """One endpoint's scan: the facts golive judges, the raw JSON, or why it failed."""

    target: Target
    facts: TlsFacts | None
    raw_json: str
    error: str | None


def _request(target: Target, ca_bundle: Path) -> ServerScanRequest:
    starttls = _STARTTLS[target.starttls] if target.starttls else None
    return ServerScanRequest(
        server_location=ServerNetworkLocation(target.server_name, target.port, target.address),
        network_configuration=ServerNetworkConfiguration(
            target.server_name, tls_opportunistic_encryption=starttls
        ),
        scan_commands=_COMMANDS | ({ScanCommand.HTTP_HEADERS} if target.http else set()),
        scan_commands_extra_arguments=ScanCommandsExtraArguments(
            certificate_info=CertificateInfoExtraArgument(custom_ca_file=ca_bundle)
        ),
    )


def _result(attempt: Any) -> Any:
    return attempt.result if attempt.status == ScanCommandAttemptStatusEnum.COMPLETED else None


def _cert(result: Any, ca_bundle: Path) -> CertFacts | None:
    info = _result(result.certificate_info)
    if info is None or not info.certificate_deployments:
        return None
    deployment = info.certificate_deployments[0]
    leaf: x509.Certificate = deployment.received_certificate_chain[0]
    ours = [p for p in deployment.path_validation_results if Path(p.trust_store.path) == ca_bundle]
    error = ours[0].validation_error if ours else f"{ca_bundle} was not used"
    if ours and ours[0].was_validation_successful:
        error = None
    try:
        san = leaf.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
        names = tuple(san.get_values_for_type(x509.DNSName)) + tuple(
            str(ip) for ip in san.get_values_for_type(x509.IPAddress)
        )
    except x509.ExtensionNotFound:
        names = ()
    key = leaf.public_key()
    if isinstance(key, ec.EllipticCurvePublicKey):
        kind, bits, curve = "ecdsa", key.key_size, key.curve.name
    elif isinstance(key, rsa.RSAPublicKey):
        kind, bits, curve = "rsa", key.key_size, None
    else:
        kind, bits, curve = type(key).__name__, 0, None
    return CertFacts(
        subject=leaf.subject.rfc4514_string(),
        names=names,
        not_after=leaf.not_valid_after_utc,
        key_type=kind,
        key_bits=bits,
        curve=curve,
        signature=leaf.signature_algorithm_oid._name,
        chain_error=error,
    )


def _vulnerabilities(result: Any) -> tuple[str, ...]:
    found = []
    checks: list[tuple[str, str, Callable[[Any], bool]]] = [
        ("heartbleed", "Heartbleed", lambda r: r.is_vulnerable_to_heartbleed),
        ("openssl_ccs_injection", "CCS injection", lambda r: r.is_vulnerable_to_ccs_injection),
        ("tls_compression", "CRIME (TLS compression)", lambda r: r.supports_compression),
        (
            "robot",
            "ROBOT",
            lambda r: (
                r.robot_result
                in (
                    RobotScanResultEnum.VULNERABLE_STRONG_ORACLE,
                    RobotScanResultEnum.VULNERABLE_WEAK_ORACLE,
                )
            ),
        ),
        (
            "session_renegotiation",
            "insecure renegotiation",
            lambda r: not r.supports_secure_renegotiation,
        ),
    ]
    for attr, name, vulnerable in checks:
        res = _result(getattr(result, attr))
        if res is None:
            found.append(f"{name} (test did not complete)")
        elif vulnerable(res):
            found.append(name)
    return tuple(found)


def _facts(target: Target, scan: ServerScanResult, ca_bundle: Path) -> TlsFacts:
    result = scan.scan_result
    assert result is not None  # a completed scan has results
    ciphers = {}
    for label, attr in _CIPHER_COMMANDS.items():
        res = _result(getattr(result, attr))
        if res is not None and res.is_tls_version_supported:
            ciphers[label] = tuple(c.cipher_suite.name for c in res.accepted_cipher_suites)
    hsts = None
    if target.http:
        headers = _result(result.http_headers)
        header = headers.strict_transport_security_header if headers else None
        hsts = header.max_age if header is not None else None
    return TlsFacts(
        endpoint=target.label,
        server_name=target.server_name,
        ciphers=ciphers,
        cert=_cert(result, ca_bundle),
        hsts_max_age=hsts,
        vulnerabilities=_vulnerabilities(result),
    )


def scan(targets: list[Target], ca_bundle: Path) -> dict[str, Scan]:
    """Scan every target concurrently; results by target label."""
    scanner = Scanner()
    requests = [_request(t, ca_bundle) for t in targets]
    owner = {r.uuid: t for r, t in zip(requests, targets, strict=True)}
    scanner.queue_scans(requests)
    out = {}
    for res in scanner.get_results():
        target = owner[res.uuid]
        raw = ServerScanResultAsJson.model_validate(res).model_dump_json(indent=2)
        if res.scan_status != ServerScanStatusEnum.COMPLETED:
            reason = res.connectivity_error_trace or res.connectivity_status
            out[target.label] = Scan(target, None, raw, f"TLS scan failed: {reason}")
        else:
            out[target.label] = Scan(target, _facts(target, res, ca_bundle), raw, None)
    return out
