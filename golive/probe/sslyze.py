"""Scan TLS endpoints with sslyze and reduce each result to the facts golive judges.

What sslyze measured is reduced to :class:`golive.model.facts.tls.TlsFacts`: the suites accepted per
protocol with the ephemeral key each negotiated, the key-exchange curves accepted, the
certificate chain as sent (each link verified here against the next one and against the
environment's CA bundle, so the judge can say why a chain fails), OCSP stapling, HSTS and the
vulnerability tests. A scan command that did not complete is recorded with its reason in
``untested``, never taken as a pass.

The legacy versions (SSL 3.0, TLS 1.0, TLS 1.1) are looked at whole, as testssl.sh checks a
protocol before its ciphers (:func:`refused_whole`): every suite sslyze knows for the version
is offered at once, in two ClientHellos. sslyze tries them one handshake each (121 a version,
each a PostgreSQL backend on a STARTTLS endpoint: 369 of the 579 connections a scan of db1
made, issue 24). The scan runs without them first; then, through the connection it
established, each is looked at whole. Only a version the endpoint refuses in every hello, the
way sslyze's own test of one suite reads a refusal, is not scanned further; it is recorded in
``refused`` with what the endpoint said. One it takes, or does not answer cleanly (a timeout, a
reset before the handshake, anything else), is scanned suite by suite in a second pass. An
endpoint the first pass could not scan is not asked again: a hung one costs one wait.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import ipaddress
import json
import math
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from operator import attrgetter
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
from sslyze.connection_helpers.tls_connection import NoCiphersAvailableBugInSSlyze
from sslyze.errors import ServerRejectedTlsHandshake
from sslyze.plugins.certificate_info.implementation import CertificateInfoExtraArgument
from sslyze.plugins.openssl_cipher_suites.cipher_suites import CipherSuitesRepository
from sslyze.server_connectivity import ServerConnectivityInfo, TlsVersionEnum

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
LEGACY = {
    "SSL 3.0": (TlsVersionEnum.SSL_3_0, ScanCommand.SSL_3_0_CIPHER_SUITES),
    "TLS 1.0": (TlsVersionEnum.TLS_1_0, ScanCommand.TLS_1_0_CIPHER_SUITES),
    "TLS 1.1": (TlsVersionEnum.TLS_1_1, ScanCommand.TLS_1_1_CIPHER_SUITES),
}
"""The versions looked at whole before they are scanned suite by suite (see the module)."""
PER_HELLO = 64
"""Suites offered in one ClientHello of a whole-version look. sslyze's legacy client sends 64
of them in a 206-byte hello (its 121 in 282 bytes): below 256 bytes, where servers that cannot
read a hello of 256 to 511 bytes (RFC 7685's reason for padding) are left out of the question."""


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
    """One endpoint's scan: the facts golive judges, the raw JSON, or why it failed. The legacy
    versions are not in the first pass (sslyze's ``NOT_SCHEDULED``); where a second pass
    scanned some of them, the raw JSON holds both (``scan``, ``legacy versions``)."""

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
        lines += [f"{proto}: refused outright: {why}" for proto, why in f.refused.items()]
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


def _where(
    target: Target, timeout: float
) -> tuple[ServerNetworkLocation, ServerNetworkConfiguration]:
    starttls = _STARTTLS[target.starttls] if target.starttls else None
    return (
        ServerNetworkLocation(target.server_name, target.port, target.address),
        ServerNetworkConfiguration(
            target.server_name,
            tls_opportunistic_encryption=starttls,
            network_timeout=max(1, math.ceil(timeout)),
        ),
    )


def refused_whole(info: ServerConnectivityInfo, version: TlsVersionEnum) -> str | None:
    """What the endpoint said refusing every suite sslyze knows for ``version``, offered
    :data:`PER_HELLO` at a time; None where it took a hello, or did not answer one the way
    sslyze reads a refused suite (``ServerRejectedTlsHandshake``: an alert, or the connection
    closed during the handshake). Suites sslyze's client cannot offer with the version are
    skipped, as its test of one suite skips them."""
    suites = sorted(CipherSuitesRepository.get_all_cipher_suites(version), key=attrgetter("name"))
    said: set[str] = set()
    hellos = 0
    for start in range(0, len(suites), PER_HELLO):
        offered = suites[start : start + PER_HELLO]
        connection = info.get_preconfigured_tls_connection(
            override_tls_version=version, should_use_legacy_openssl=True
        )
        connection.ssl_client.set_cipher_list(":".join(s.openssl_name for s in offered))
        try:
            connection.connect(should_retry_connection=False)
        except ServerRejectedTlsHandshake as exc:
            said.add(exc.error_message.strip())
            hellos += 1
            continue
        except NoCiphersAvailableBugInSSlyze:
            continue  # none of these can be offered with the version: nothing asked
        except Exception:  # a timeout, a reset before the handshake, a client certificate...
            return None
        finally:
            with contextlib.suppress(Exception):
                connection.close()
        return None  # it took one of them
    reply = "; ".join(sorted(said)) or "nothing could be offered"
    return f"{len(suites)} suites offered in {hellos} ClientHello(s): {reply}"


def _legacy_refused(scanned: ServerScanResult) -> dict[str, str]:
    """The legacy versions the endpoint of a completed scan refused whole (label: what it
    said), asked through the connectivity that scan established."""
    if scanned.connectivity_result is None:
        return {}
    info = ServerConnectivityInfo(
        scanned.server_location, scanned.network_configuration, scanned.connectivity_result
    )
    with ThreadPoolExecutor(len(LEGACY), "golive-tls-whole") as looks:
        said = {label: looks.submit(refused_whole, info, v) for label, (v, _) in LEGACY.items()}
    return {label: why for label, asked in said.items() if (why := asked.result()) is not None}


def _request(
    target: Target, ca_bundle: Path, timeout: float, commands: set[ScanCommand]
) -> ServerScanRequest:
    location, network = _where(target, timeout)
    return ServerScanRequest(
        server_location=location,
        network_configuration=network,
        scan_commands=commands,
        scan_commands_extra_arguments=ScanCommandsExtraArguments(
            certificate_info=CertificateInfoExtraArgument(custom_ca_file=ca_bundle)
        )
        if ScanCommand.CERTIFICATE_INFO in commands
        else ScanCommandsExtraArguments(),
    )


def _run(requests: dict[str, ServerScanRequest]) -> dict[str, ServerScanResult]:
    """One sslyze run of ``requests`` (by target label), concurrently; results by label."""
    if not requests:
        return {}
    owner = {r.uuid: label for label, r in requests.items()}
    scanner = Scanner()
    scanner.queue_scans(list(requests.values()))
    return {owner[res.uuid]: res for res in scanner.get_results()}


def _raw(res: ServerScanResult) -> str:
    return ServerScanResultAsJson.model_validate(res).model_dump_json(indent=2)


def _failed(res: ServerScanResult) -> str | None:
    """Why sslyze did not complete the scan; None when it did."""
    if res.scan_status != ServerScanStatusEnum.COMPLETED:
        return f"TLS scan failed: {res.connectivity_error_trace or res.connectivity_status}"
    if res.scan_result is None:
        return "TLS scan failed: sslyze gave no results"
    return None


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


def _facts(
    target: Target,
    scan: ServerScanResult,
    ca_bundle: Path,
    refused: dict[str, str] | None = None,
    legacy: ServerScanResult | None = None,
) -> TlsFacts:
    """The facts of a completed scan; ``refused``: the legacy versions refused whole;
    ``legacy``: the second pass that scanned the others suite by suite (their results are
    read there; where it did not complete, they are untested, with its reason)."""
    result = scan.scan_result
    if result is None:  # the caller passes completed scans, which have results
        raise ValueError(f"{target.label}: sslyze completed the scan without results")
    refused = refused or {}
    untested: dict[str, str] = {}
    ciphers = {}
    kex = []
    for label, attr in _CIPHER_COMMANDS.items():
        if label in refused:
            continue  # refused whole: not scanned suite by suite
        source = result
        if label in LEGACY and legacy is not None:
            if legacy.scan_result is None:
                untested[label] = _failed(legacy) or "the second pass gave no results"
                continue
            source = legacy.scan_result
        attempt = getattr(source, attr)
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
        refused=dict(refused),
    )


def scan(targets: list[Target], ca_bundle: Path, timeout: float = 5.0) -> dict[str, Scan]:
    """Scan every target concurrently; results by target label. ``timeout``: the seconds
    one connection of the scan may wait for an answer (sslyze's network timeout)."""
    by_label = {t.label: t for t in targets}
    legacy = {command for _, command in LEGACY.values()}
    first = _run({
        t.label: _request(t, ca_bundle, timeout, (_COMMANDS - legacy) | _http(t)) for t in targets
    })  # fmt: skip
    done = [label for label, res in first.items() if _failed(res) is None]
    with ThreadPoolExecutor(max(1, len(done)), "golive-tls-legacy") as looks:
        asked = {label: looks.submit(_legacy_refused, first[label]) for label in done}
        refused = {label: answer.result() for label, answer in asked.items()}
    second = _run({
        label: _request(by_label[label], ca_bundle, timeout, rest)
        for label in done
        if (rest := {LEGACY[v][1] for v in LEGACY if v not in refused[label]})
    })  # fmt: skip
    out = {}
    for label, res in first.items():
        target = by_label[label]
        raw = _raw(res)
        if label in second:  # both passes, as one JSON document
            both = {"scan": json.loads(raw), "legacy versions": json.loads(_raw(second[label]))}
            raw = json.dumps(both, indent=2)
        if (why := _failed(res)) is not None:
            out[label] = Scan(target, None, raw, why)
        else:
            facts = _facts(target, res, ca_bundle, refused[label], second.get(label))
            out[label] = Scan(target, facts, raw, None)
    return out


def _http(target: Target) -> set[ScanCommand]:
    return {ScanCommand.HTTP_HEADERS} if target.http else set()
