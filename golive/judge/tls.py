"""Judge a TLS endpoint's scan facts against a Mozilla profile and the environment's policy.

Pure functions: every one returns finding lines ("lb1:443: TLS 1.0 offered; ..."), empty
when the endpoint complies. The facts come from an sslyze scan (see ``tls_scan``).
"""

from __future__ import annotations

import datetime as dt
import ipaddress
from dataclasses import dataclass

# Mozilla's protocol names -> the labels golive reports
PROTOCOLS = {
    "SSLv2": "SSL 2.0",
    "SSLv3": "SSL 3.0",
    "TLSv1": "TLS 1.0",
    "TLSv1.1": "TLS 1.1",
    "TLSv1.2": "TLS 1.2",
    "TLSv1.3": "TLS 1.3",
}
_CURVE_ALIASES = {"prime256v1": "secp256r1", "prime192v1": "secp192r1"}


@dataclass(frozen=True)
class Profile:
    """A Mozilla server-side TLS profile, in the terms golive checks."""

    name: str
    protocols: frozenset[str]  # golive labels, e.g. "TLS 1.2"
    ciphers: frozenset[str]  # IANA names allowed up to TLS 1.2
    tls13_ciphers: frozenset[str]
    key_types: frozenset[str]  # "ecdsa", "rsa"
    curves: frozenset[str]  # SECG names
    rsa_min_bits: int
    signatures: frozenset[str]


@dataclass(frozen=True)
class CertFacts:
    """The leaf certificate an endpoint serves, and whether its chain validated."""

    subject: str
    names: tuple[str, ...]  # subjectAltName DNS names and IP addresses
    not_after: dt.datetime
    key_type: str
    key_bits: int
    curve: str | None
    signature: str
    chain_error: str | None  # None: the chain validated against the CA bundle


@dataclass(frozen=True)
class TlsFacts:
    """What a scan found on one endpoint."""

    endpoint: str  # "lb1:443"
    server_name: str
    ciphers: dict[str, tuple[str, ...]]  # offered protocol label -> accepted cipher suites
    cert: CertFacts | None
    hsts_max_age: int | None  # None: no HSTS header (or not an HTTP endpoint)
    vulnerabilities: tuple[str, ...]


def mozilla_profile(name: str) -> Profile:
    """The named profile ("modern", "intermediate", "old") of the Mozilla data sslyze ships."""
    from sslyze.mozilla_tls_profile.tls_config_checker import (
        MozillaTlsConfiguration,
        TlsConfigurationEnum,
    )

    conf = MozillaTlsConfiguration.get(TlsConfigurationEnum(name))
    return Profile(
        name=name,
        protocols=frozenset(PROTOCOLS[v] for v in conf.tls_versions),
        ciphers=frozenset(conf.ciphers.iana),
        tls13_ciphers=frozenset(conf.ciphersuites),
        key_types=frozenset(conf.certificate_types),
        curves=frozenset(_CURVE_ALIASES.get(c, c) for c in conf.certificate_curves),
        rsa_min_bits=conf.rsa_key_size or 0,
        signatures=frozenset(conf.certificate_signatures),
    )


def _ordered(labels: frozenset[str] | set[str]) -> list[str]:
    order = list(PROTOCOLS.values())
    return sorted(labels, key=order.index)


def protocol_findings(facts: TlsFacts, profile: Profile) -> list[str]:
    allowed = ", ".join(_ordered(profile.protocols))
    if not facts.ciphers:
        return [f"{facts.endpoint}: no TLS protocol version offered"]
    return [
        f"{facts.endpoint}: {label} offered; {profile.name} profile allows {allowed}"
        for label in _ordered(set(facts.ciphers) - profile.protocols)
    ]


def cipher_findings(facts: TlsFacts, profile: Profile) -> list[str]:
    out = []
    for label in _ordered(set(facts.ciphers)):
        allowed = profile.tls13_ciphers if label == "TLS 1.3" else profile.ciphers
        out += [
            f"{facts.endpoint}: cipher {suite} offered with {label}; "
            f"not in the {profile.name} profile"
            for suite in sorted(set(facts.ciphers[label]) - allowed)
        ]
    return out


def _no_cert(facts: TlsFacts) -> list[str]:
    return [f"{facts.endpoint}: no certificate retrieved"]


def chain_findings(facts: TlsFacts, ca_bundle: str) -> list[str]:
    if facts.cert is None:
        return _no_cert(facts)
    if facts.cert.chain_error is None:
        return []
    return [
        f"{facts.endpoint}: certificate chain of {facts.cert.subject} does not validate "
        f"against {ca_bundle}: {facts.cert.chain_error}"
    ]


def _name_matches(pattern: str, name: str) -> bool:
    pattern, name = pattern.lower().rstrip("."), name.lower().rstrip(".")
    if pattern.startswith("*."):
        head, _, rest = name.partition(".")
        return bool(head) and rest == pattern[2:]
    return pattern == name


def hostname_matches(names: tuple[str, ...], server_name: str) -> bool:
    """RFC 6125 matching of a server name (DNS name or IP) against subjectAltName entries."""
    try:
        ip = ipaddress.ip_address(server_name)
    except ValueError:
        return any(_name_matches(n, server_name) for n in names)
    return str(ip) in names


def hostname_findings(facts: TlsFacts) -> list[str]:
    if facts.cert is None:
        return _no_cert(facts)
    if hostname_matches(facts.cert.names, facts.server_name):
        return []
    names = ", ".join(facts.cert.names) or "(no subjectAltName)"
    return [f"{facts.endpoint}: certificate is for {names}, not {facts.server_name}"]


def expiry_findings(facts: TlsFacts, min_days: int, now: dt.datetime) -> list[str]:
    if facts.cert is None:
        return _no_cert(facts)
    left = facts.cert.not_after - now
    date = facts.cert.not_after.date().isoformat()
    if left.total_seconds() <= 0:
        return [f"{facts.endpoint}: certificate expired on {date} ({-left.days} days ago)"]
    if left.days < min_days:
        return [
            f"{facts.endpoint}: certificate expires on {date}, in {left.days} days; "
            f"minimum is {min_days} days"
        ]
    return []


def key_findings(facts: TlsFacts, profile: Profile) -> list[str]:
    cert = facts.cert
    if cert is None:
        return _no_cert(facts)
    where, name = facts.endpoint, profile.name
    out = []
    if cert.key_type not in profile.key_types:
        out.append(
            f"{where}: certificate key type {cert.key_type}; {name} profile allows "
            f"{', '.join(sorted(profile.key_types))}"
        )
    elif cert.key_type == "ecdsa" and cert.curve not in profile.curves:
        out.append(
            f"{where}: certificate key on curve {cert.curve}; {name} profile allows "
            f"{', '.join(sorted(profile.curves))}"
        )
    elif cert.key_type == "rsa" and cert.key_bits < profile.rsa_min_bits:
        out.append(
            f"{where}: certificate RSA key of {cert.key_bits} bits; {name} profile "
            f"requires at least {profile.rsa_min_bits}"
        )
    if cert.signature not in profile.signatures:
        out.append(
            f"{where}: certificate signed with {cert.signature}; {name} profile allows "
            f"{', '.join(sorted(profile.signatures))}"
        )
    return out


def hsts_findings(facts: TlsFacts, min_age: int) -> list[str]:
    if facts.hsts_max_age is None:
        return [f"{facts.endpoint}: no Strict-Transport-Security header"]
    if facts.hsts_max_age < min_age:
        return [
            f"{facts.endpoint}: HSTS max-age {facts.hsts_max_age} s is below the minimum "
            f"{min_age} s"
        ]
    return []


def vulnerability_findings(facts: TlsFacts) -> list[str]:
    return [f"{facts.endpoint}: vulnerable to {v}" for v in facts.vulnerabilities]
