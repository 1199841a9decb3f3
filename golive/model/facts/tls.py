"""What a TLS scan found on one endpoint (docs/architecture.md#layers): the facts
:mod:`golive.probe.sslyze` fills and :mod:`golive.judge.tls` judges, and the names both use for
what a scan tests. Data only, plus RFC 6125 name matching, which the probe needs to pick the
server name to ask for and the judge to weigh a certificate's names."""

from __future__ import annotations

import datetime as dt
import ipaddress
from dataclasses import dataclass, field

# What the vulnerability check tests, by the name its findings use ("vulnerable to NAME").
HEARTBLEED = "Heartbleed"
CCS_INJECTION = "OpenSSL CCS injection"
CRIME = "CRIME (TLS compression enabled)"
ROBOT = "ROBOT (RSA padding oracle)"
INSECURE_RENEGOTIATION = "insecure renegotiation (no secure renegotiation support)"
RENEGOTIATION_DOS = "client-initiated renegotiation DoS"
DOWNGRADE = "protocol downgrade (TLS_FALLBACK_SCSV not supported)"
NO_EMS = "session-hash attacks (no Extended Master Secret)"
VULNERABILITIES = (
    HEARTBLEED,
    CCS_INJECTION,
    CRIME,
    ROBOT,
    INSECURE_RENEGOTIATION,
    RENEGOTIATION_DOS,
    DOWNGRADE,
    NO_EMS,
)
# Keys of TlsFacts.untested besides the protocol labels and the vulnerability names.
CERTIFICATE = "certificate"
GROUPS = "key-exchange groups"
HTTP_HEADERS = "HTTP headers"


@dataclass(frozen=True)
class ChainCert:
    """One certificate the server sent (leaf first), with what the probe verified of it."""

    subject: str
    issuer: str
    not_before: dt.datetime
    not_after: dt.datetime
    self_signed: bool  # issuer == subject, and its own key verifies its signature
    issued_by_next: bool  # the next certificate sent verifies its signature
    issued_by_bundle: bool  # a CA of the environment's bundle verifies its signature
    issuer_name_in_bundle: bool  # the bundle holds a CA with its issuer's name
    ca_issuers: tuple[str, ...] = ()  # AIA caIssuers URLs: where its issuer is published


@dataclass(frozen=True)
class CertFacts:
    """The leaf certificate an endpoint serves, the chain sent with it and its validation."""

    subject: str
    names: tuple[str, ...]  # subjectAltName DNS names and IP addresses
    not_after: dt.datetime
    key_type: str
    key_bits: int
    curve: str | None
    signature: str
    chain_error: str | None  # None: the chain validated against the CA bundle
    not_before: dt.datetime | None = None
    chain: tuple[ChainCert, ...] = ()
    ocsp_responders: tuple[str, ...] = ()  # AIA OCSP URLs of the leaf
    ocsp_stapled: bool = False
    # each certificate sent is followed by its issuer (sslyze's received_chain_has_valid_order;
    # None: a certificate of the chain could not be parsed, so the order was not read)
    chain_in_order: bool | None = True


@dataclass(frozen=True)
class KeyExchange:
    """The ephemeral key one accepted cipher suite negotiated (kind None: not read)."""

    protocol: str  # "TLS 1.2"
    suite: str
    kind: str | None  # "DH", "ECDH"
    bits: int = 0
    group: str | None = None  # curve name for ECDH


@dataclass(frozen=True)
class TlsFacts:
    """What a scan found on one endpoint."""

    endpoint: str  # "lb1:443"
    server_name: str
    ciphers: dict[str, tuple[str, ...]]  # offered protocol label -> accepted cipher suites
    cert: CertFacts | None
    hsts_max_age: int | None  # None: no HSTS header (or not an HTTP endpoint)
    vulnerabilities: tuple[str, ...]  # names from VULNERABILITIES the endpoint has
    key_exchanges: tuple[KeyExchange, ...] = ()  # one per accepted (EC)DHE / TLS 1.3 suite
    groups: tuple[str, ...] | None = None  # key-exchange curves accepted; None: no ECDH
    untested: dict[str, str] = field(default_factory=dict)  # what did not complete -> why
    other_certs: tuple[CertFacts, ...] = ()  # further certificates served (another key type)
    # legacy versions the endpoint refused whole (every suite offered at once) -> what it said;
    # neither offered nor untested (golive.probe.sslyze.refused_whole)
    refused: dict[str, str] = field(default_factory=dict)


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
