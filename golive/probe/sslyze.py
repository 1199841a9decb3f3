"""Scan TLS endpoints with sslyze and reduce each result to the facts golive judges.

What sslyze measured is reduced to :class:`golive.model.facts.tls.TlsFacts`: the suites accepted per
protocol with the ephemeral key each negotiated, the key-exchange curves accepted, the
certificate chain as sent (each link verified here against the next one and against the
environment's CA bundle, so the judge can say why a chain fails), OCSP stapling, HSTS and the
vulnerability tests. A scan command that did not complete is recorded with its reason in
``untested``, never taken as a pass.
"""

from __future__ import annotations

import datetime as dt
import ipaddress
import math
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import AuthorityInformationAccessOID
from cryptography.x509.verification import PolicyBuilder, Store, VerificationError
from nassl.ephemeral_key_info import DhEphemeralKeyInfo, EcDhEphemeralKeyInfo
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

from golive.model.documents import Refused, read_config_file
from golive.model.facts import tls
from golive.model.facts.tls import CertFacts, ChainCert, KeyExchange, TlsFacts

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
    ScanCommand.ELLIPTIC_CURVES,
    ScanCommand.CERTIFICATE_INFO,
    ScanCommand.HEARTBLEED,
    ScanCommand.ROBOT,
    ScanCommand.OPENSSL_CCS_INJECTION,
    ScanCommand.TLS_COMPRESSION,
    ScanCommand.SESSION_RENEGOTIATION,
    ScanCommand.TLS_FALLBACK_SCSV,
    ScanCommand.TLS_EXTENDED_MASTER_SECRET,
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

    def summary(self) -> str:
        """A few lines a reader takes in at once, beside the raw JSON (~180 KiB)."""
        f = self.facts
        if f is None:
            return f"{self.target.server_name}: scan failed: {self.error}"
        lines = [f"{f.endpoint} ({f.server_name}), {len(self.raw_json) // 1024} KiB of sslyze JSON"]
        lines += [f"{proto}: {len(suites)} suites accepted" for proto, suites in f.ciphers.items()]
        for cert in [c for c in (f.cert, *f.other_certs) if c is not None]:
            lines.append(
                f"certificate {cert.subject} ({cert.key_type} {cert.key_bits}): valid until "
                f"{cert.not_after:%Y-%m-%d}, chain {cert.chain_error or 'valid'}, "
                f"names {', '.join(cert.names)}"
            )
        if f.groups is not None:
            lines.append(f"key-exchange groups: {', '.join(f.groups) or 'none'}")
        if f.hsts_max_age is not None:
            lines.append(f"HSTS max-age: {f.hsts_max_age}")
        lines.append(f"vulnerabilities: {', '.join(f.vulnerabilities) or 'none found'}")
        lines += [f"not tested: {what}: {why}" for what, why in f.untested.items()]
        return "\n".join(lines)


def _request(target: Target, ca_bundle: Path, timeout: float) -> ServerScanRequest:
    starttls = _STARTTLS[target.starttls] if target.starttls else None
    return ServerScanRequest(
        server_location=ServerNetworkLocation(target.server_name, target.port, target.address),
        network_configuration=ServerNetworkConfiguration(
            target.server_name,
            tls_opportunistic_encryption=starttls,
            network_timeout=max(1, math.ceil(timeout)),
        ),
        scan_commands=_COMMANDS | ({ScanCommand.HTTP_HEADERS} if target.http else set()),
        scan_commands_extra_arguments=ScanCommandsExtraArguments(
            certificate_info=CertificateInfoExtraArgument(custom_ca_file=ca_bundle)
        ),
    )


def _result(attempt: Any) -> Any:
    return attempt.result if attempt.status == ScanCommandAttemptStatusEnum.COMPLETED else None


def _why(attempt: Any) -> str:
    """Why a scan command did not complete, in one line."""
    if attempt.status == ScanCommandAttemptStatusEnum.NOT_SCHEDULED:
        return "the test was not run"
    reason = attempt.error_reason.value.lower().replace("_", " ") if attempt.error_reason else ""
    trace = attempt.error_trace
    last = f"{trace.exc_type.__name__}: {trace}" if trace is not None else ""
    return ", ".join(p for p in (reason, last.strip()) if p) or "the test did not complete"


def _issued_by(cert: x509.Certificate, issuer: x509.Certificate) -> bool:
    try:
        cert.verify_directly_issued_by(issuer)
    except Exception:
        return False
    return True


def _aia(cert: x509.Certificate, method: x509.ObjectIdentifier) -> tuple[str, ...]:
    try:
        aia = cert.extensions.get_extension_for_class(x509.AuthorityInformationAccess).value
    except (x509.ExtensionNotFound, ValueError):
        return ()
    return tuple(
        str(d.access_location.value)
        for d in aia
        if d.access_method == method
        and isinstance(d.access_location, x509.UniformResourceIdentifier)
    )


def _names(leaf: x509.Certificate) -> tuple[str, ...]:
    try:
        san = leaf.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    except (x509.ExtensionNotFound, ValueError):
        return ()
    return tuple(san.get_values_for_type(x509.DNSName)) + tuple(
        str(ip) for ip in san.get_values_for_type(x509.IPAddress)
    )


def _subject(names: tuple[str, ...], server_name: str) -> x509.DNSName | x509.IPAddress:
    """The concrete name the verifier is asked for: the name clients ask for (the endpoint's
    ``server_name``) where the leaf covers it, so a wildcard leaf is verified for a real name;
    else one the leaf does cover, so that a leaf for another name fails the hostname check
    alone (the chain check judges the chain only). A wildcard is never itself a name to verify:
    the left-most label is then filled in."""
    candidates = [server_name] if tls.hostname_matches(names, server_name) else []
    candidates += [n for n in names if not n.startswith("*.")]
    candidates += [f"golive-chain-check.{n[2:]}" for n in names if n.startswith("*.")]
    name = candidates[0] if candidates else "invalid."
    try:
        return x509.IPAddress(ipaddress.ip_address(name))
    except ValueError:
        return x509.DNSName(name)


def _verify(
    chain: list[x509.Certificate], bundle: list[x509.Certificate], server_name: str
) -> str | None:
    """Validate the chain as sent against the bundle alone (None: it validates), for the
    concrete name :func:`_subject` picks."""
    leaf = chain[0]
    try:
        verifier = (
            PolicyBuilder()
            .store(Store(bundle))
            .time(dt.datetime.now(dt.UTC))
            .build_server_verifier(_subject(_names(leaf), server_name))
        )
        verifier.verify(leaf, chain[1:])
    except VerificationError as exc:
        return str(exc.args[0] if exc.args else exc)
    except Exception as exc:
        return f"{type(exc).__name__}: {exc}"
    return None


def _chain(chain: list[x509.Certificate], bundle: list[x509.Certificate]) -> tuple[ChainCert, ...]:
    out = []
    for i, c in enumerate(chain):
        issuer = c.issuer.rfc4514_string()
        out.append(
            ChainCert(
                subject=c.subject.rfc4514_string(),
                issuer=issuer,
                not_before=c.not_valid_before_utc,
                not_after=c.not_valid_after_utc,
                self_signed=c.issuer == c.subject and _issued_by(c, c),
                issued_by_next=i + 1 < len(chain) and _issued_by(c, chain[i + 1]),
                issued_by_bundle=any(_issued_by(c, ca) for ca in bundle),
                issuer_name_in_bundle=any(ca.subject == c.issuer for ca in bundle),
                ca_issuers=_aia(c, AuthorityInformationAccessOID.CA_ISSUERS),
            )
        )
    return tuple(out)


def _certs(
    result: Any, ca_bundle: Path, server_name: str, untested: dict[str, str]
) -> list[CertFacts]:
    """Every certificate the endpoint serves: sslyze finds one per key type it offers."""
    info = _result(result.certificate_info)
    if info is None:
        untested[tls.CERTIFICATE] = _why(result.certificate_info)
        return []
    try:
        pem = read_config_file(ca_bundle).content
    except (Refused, OSError) as exc:
        how = "" if isinstance(exc, Refused) else "cannot be read: "
        untested[tls.CERTIFICATE] = f"the CA bundle {ca_bundle} (tls.ca_bundle) {how}{exc}"
        return []
    bundle = x509.load_pem_x509_certificates(pem)
    return [_cert(d, bundle, server_name) for d in info.certificate_deployments]


def _cert(deployment: Any, bundle: list[x509.Certificate], server_name: str) -> CertFacts:
    chain: list[x509.Certificate] = list(deployment.received_certificate_chain)
    leaf = chain[0]
    key = leaf.public_key()
    if isinstance(key, ec.EllipticCurvePublicKey):
        kind, bits, curve = "ecdsa", key.key_size, key.curve.name
    elif isinstance(key, rsa.RSAPublicKey):
        kind, bits, curve = "rsa", key.key_size, None
    else:
        kind, bits, curve = type(key).__name__, 0, None
    return CertFacts(
        subject=leaf.subject.rfc4514_string(),
        names=_names(leaf),
        not_after=leaf.not_valid_after_utc,
        key_type=kind,
        key_bits=bits,
        curve=curve,
        signature=leaf.signature_algorithm_oid._name,
        chain_error=_verify(chain, bundle, server_name),
        not_before=leaf.not_valid_before_utc,
        chain=_chain(chain, bundle),
        chain_in_order=deployment.received_chain_has_valid_order,
        ocsp_responders=_aia(leaf, AuthorityInformationAccessOID.OCSP),
        ocsp_stapled=deployment.ocsp_response is not None,
    )


def _ephemeral(label: str, accepted: Any) -> KeyExchange | None:
    """The key exchange of one accepted suite (None: the suite has no ephemeral key)."""
    name = accepted.cipher_suite.name
    if label != "TLS 1.3" and "_DHE_" not in name and "_ECDHE_" not in name:
        return None
    key = accepted.ephemeral_key
    if isinstance(key, EcDhEphemeralKeyInfo):
        return KeyExchange(label, name, "ECDH", key.size, key.curve_name)
    if isinstance(key, DhEphemeralKeyInfo):
        return KeyExchange(label, name, "DH", key.size)
    return KeyExchange(label, name, key.type_name if key is not None else None, 0)


def _vulnerabilities(result: Any, protocols: set[str], untested: dict[str, str]) -> tuple[str, ...]:
    found = []
    legacy = protocols - {"TLS 1.3"}
    checks: list[tuple[str, str, Callable[[Any], bool]]] = [
        ("heartbleed", tls.HEARTBLEED, lambda r: r.is_vulnerable_to_heartbleed),
        ("openssl_ccs_injection", tls.CCS_INJECTION, lambda r: r.is_vulnerable_to_ccs_injection),
        ("tls_compression", tls.CRIME, lambda r: r.supports_compression),
        (
            "robot",
            tls.ROBOT,
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
            tls.INSECURE_RENEGOTIATION,
            lambda r: bool(legacy) and not r.supports_secure_renegotiation,
        ),
        (
            "session_renegotiation",
            tls.RENEGOTIATION_DOS,
            lambda r: r.is_vulnerable_to_client_renegotiation_dos,
        ),
        # a downgrade needs a lower version to go to
        (
            "tls_fallback_scsv",
            tls.DOWNGRADE,
            lambda r: len(protocols) > 1 and not r.supports_fallback_scsv,
        ),
        # TLS 1.3 always binds the session hash; EMS matters for the versions before it
        (
            "tls_extended_master_secret",
            tls.NO_EMS,
            lambda r: bool(legacy) and not r.supports_ems_extension,
        ),
    ]
    for attr, name, vulnerable in checks:
        attempt = getattr(result, attr)
        res = _result(attempt)
        if res is None:
            untested[name] = _why(attempt)
        elif (
            attr == "robot" and res.robot_result == RobotScanResultEnum.UNKNOWN_INCONSISTENT_RESULTS
        ):
            untested[name] = "the server's answers to the ROBOT probes were inconsistent"
        elif vulnerable(res):
            found.append(name)
    return tuple(found)


def _facts(target: Target, scan: ServerScanResult, ca_bundle: Path) -> TlsFacts:
    result = scan.scan_result
    if result is None:  # the caller passes completed scans, which have results
        raise ValueError(f"{target.label}: sslyze completed the scan without results")
    untested: dict[str, str] = {}
    ciphers = {}
    kex = []
    for label, attr in _CIPHER_COMMANDS.items():
        attempt = getattr(result, attr)
        res = _result(attempt)
        if res is None:
            untested[label] = _why(attempt)
        elif res.is_tls_version_supported:
            ciphers[label] = tuple(c.cipher_suite.name for c in res.accepted_cipher_suites)
            kex += [k for c in res.accepted_cipher_suites if (k := _ephemeral(label, c))]
    curves = _result(result.elliptic_curves)
    groups = None
    if curves is None:
        untested[tls.GROUPS] = _why(result.elliptic_curves)
    elif curves.supports_ecdh_key_exchange:
        groups = tuple(c.name for c in curves.supported_curves or [])
    hsts = None
    if target.http:
        headers = _result(result.http_headers)
        if headers is None:
            untested[tls.HTTP_HEADERS] = _why(result.http_headers)
        header = headers.strict_transport_security_header if headers else None
        hsts = header.max_age if header is not None else None
    certs = _certs(result, ca_bundle, target.server_name, untested)
    return TlsFacts(
        endpoint=target.label,
        server_name=target.server_name,
        ciphers=ciphers,
        cert=certs[0] if certs else None,
        other_certs=tuple(certs[1:]),
        hsts_max_age=hsts,
        vulnerabilities=_vulnerabilities(result, set(ciphers), untested),
        key_exchanges=tuple(kex),
        groups=groups,
        untested=untested,
    )


def scan(targets: list[Target], ca_bundle: Path, timeout: float = 5.0) -> dict[str, Scan]:
    """Scan every target concurrently; results by target label. ``timeout``: the seconds
    one connection of the scan may wait for an answer (sslyze's network timeout)."""
    scanner = Scanner()
    requests = [_request(t, ca_bundle, timeout) for t in targets]
    owner = {r.uuid: t for r, t in zip(requests, targets, strict=True)}
    scanner.queue_scans(requests)
    out = {}
    for res in scanner.get_results():
        target = owner[res.uuid]
        raw = ServerScanResultAsJson.model_validate(res).model_dump_json(indent=2)
        if res.scan_status != ServerScanStatusEnum.COMPLETED:
            reason = res.connectivity_error_trace or res.connectivity_status
            out[target.label] = Scan(target, None, raw, f"TLS scan failed: {reason}")
        elif res.scan_result is None:
            out[target.label] = Scan(target, None, raw, "TLS scan failed: sslyze gave no results")
        else:
            out[target.label] = Scan(target, _facts(target, res, ca_bundle), raw, None)
    return out
