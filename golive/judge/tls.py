"""Judge a TLS endpoint's scan facts against a Mozilla profile and the environment's policy.

Pure functions: every one returns finding lines ("lb1:443: TLS 1.0 offered; ..."), empty
when the endpoint complies. The facts come from an sslyze scan (see ``golive.probe.sslyze``).

Every criterion of Mozilla's server-side profiles is judged here from the scan's own facts:
protocol versions, cipher suites (up to TLS 1.2, and TLS 1.3's), key-exchange groups and the
DH and ECDH sizes actually negotiated, certificate type, curve, RSA size, signature and
lifespan, OCSP stapling (where the certificate names a responder) and the HSTS max-age.
Two of the profile's fields are not criteria an endpoint can fail from the outside and are not
judged: ``server_preferred_order`` (sslyze 6 does not measure the server's cipher preference)
and ``recommended_certificate_lifespan`` (a recommendation below the maximum).

A test that did not complete is never a pass: it is reported as "could not be tested: why".
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
from collections.abc import Callable
from dataclasses import dataclass

from golive.model.facts.tls import (
    CERTIFICATE,
    GROUPS,
    HTTP_HEADERS,
    VULNERABILITIES,
    CertFacts,
    KeyExchange,
    TlsFacts,
    hostname_matches,
)

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
# OpenSSL gives the size of X25519 and X448 keys as 253 and 448 bits; Mozilla's ECDH minimum
# (256) counts them, as sslyze's own Mozilla checker does, at their nominal group size.
_NOMINAL_ECDH_BITS = {"X25519": 256, "X448": 448}


@dataclass(frozen=True)
class Profile:
    """A Mozilla server-side TLS profile, in the terms golive checks."""

    name: str
    protocols: frozenset[str]  # golive labels, e.g. "TLS 1.2"
    ciphers: frozenset[str]  # IANA names allowed up to TLS 1.2
    tls13_ciphers: frozenset[str]
    key_types: frozenset[str]  # "ecdsa", "rsa"
    curves: frozenset[str]  # SECG names of the certificate key's curve
    rsa_min_bits: int
    signatures: frozenset[str]
    groups: frozenset[str] = frozenset()  # key-exchange curves (SECG names, X25519)
    dh_min_bits: int | None = None  # None: the profile has no finite-field DH at all
    ecdh_min_bits: int = 0
    max_lifespan_days: int = 0  # 0: unbounded
    hsts_min_age: int = 0
    ocsp_staple: bool = False


def _per_certificate(facts: TlsFacts, one: Callable[[TlsFacts], list[str]]) -> list[str]:
    """Judge every certificate the endpoint serves (nginx serves one per key type: a client
    that prefers RSA gets the RSA one); with more than one, each line names its key type."""
    certs = [facts.cert, *facts.other_certs] if facts.cert else []
    if len(certs) <= 1:
        return one(facts)
    out = []
    head = f"{facts.endpoint}: "
    for cert in certs:
        lines = one(dataclasses.replace(facts, cert=cert, other_certs=()))
        out += [f"{head}({cert.key_type} certificate) {line.removeprefix(head)}" for line in lines]
    return out


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
        groups=frozenset(_CURVE_ALIASES.get(c, c) for c in conf.tls_curves),
        dh_min_bits=conf.dh_param_size,
        ecdh_min_bits=conf.ecdh_param_size,
        max_lifespan_days=conf.maximum_certificate_lifespan,
        hsts_min_age=conf.hsts_min_age,
        ocsp_staple=conf.ocsp_staple,
    )


def _ordered(labels: frozenset[str] | set[str]) -> list[str]:
    order = list(PROTOCOLS.values())
    return sorted(labels, key=order.index)


def _date(when: dt.datetime) -> str:
    return when.date().isoformat()


def _untested(facts: TlsFacts, keys: list[str] | tuple[str, ...]) -> list[str]:
    return [
        f"{facts.endpoint}: {key} could not be tested: {facts.untested[key]}"
        for key in keys
        if key in facts.untested
    ]


def protocol_findings(facts: TlsFacts, profile: Profile) -> list[str]:
    """Claim: the endpoint offers only the profile's protocol versions, and at least one."""
    allowed = ", ".join(_ordered(profile.protocols))
    untested = _untested(facts, list(PROTOCOLS.values()))
    if not facts.ciphers:
        return [f"{facts.endpoint}: no TLS protocol version offered", *untested]
    return [
        f"{facts.endpoint}: {label} offered; {profile.name} profile allows {allowed}"
        for label in _ordered(set(facts.ciphers) - profile.protocols)
    ] + untested


def cipher_findings(facts: TlsFacts, profile: Profile) -> list[str]:
    """Claim: every cipher suite accepted, with every protocol, is one of the profile's."""
    out = []
    for label in _ordered(set(facts.ciphers)):
        allowed = profile.tls13_ciphers if label == "TLS 1.3" else profile.ciphers
        out += [
            f"{facts.endpoint}: cipher {suite} offered with {label}; "
            f"not in the {profile.name} profile"
            for suite in sorted(set(facts.ciphers[label]) - allowed)
        ]
    return out + _untested(facts, list(PROTOCOLS.values()))


def _ecdh_bits(kex: KeyExchange) -> int:
    return _NOMINAL_ECDH_BITS.get(kex.group or "", kex.bits)


def key_exchange_findings(facts: TlsFacts, profile: Profile) -> list[str]:
    """Claim: every key exchange the endpoint accepts uses a group of the profile, of at least
    the profile's size: finite-field DH groups (DHE suites, TLS 1.3 ffdhe) of ``dh_min_bits``,
    elliptic curves among ``groups`` of ``ecdh_min_bits``. Judged both from the ephemeral key
    each accepted suite negotiated and from the curves the server accepts when offered alone.
    """
    where, name = facts.endpoint, profile.name
    out: list[str] = []
    weak: dict[str, list[str]] = {}  # problem -> "suite (protocol)"
    for kex in facts.key_exchanges:
        label = f"{kex.suite} ({kex.protocol})"
        if kex.kind is None:
            problem = "negotiated an ephemeral key golive could not read"
        elif kex.kind == "DH" and profile.dh_min_bits is None:
            problem = f"uses finite-field DH ({kex.bits} bits); the {name} profile has none"
        elif kex.kind == "DH" and kex.bits < (profile.dh_min_bits or 0):
            problem = (
                f"uses a {kex.bits}-bit DH group; {name} profile requires at least "
                f"{profile.dh_min_bits} bits"
            )
        elif kex.kind == "ECDH" and kex.group not in profile.groups:
            problem = (
                f"negotiated curve {kex.group}; {name} profile allows "
                f"{', '.join(sorted(profile.groups))}"
            )
        elif kex.kind == "ECDH" and _ecdh_bits(kex) < profile.ecdh_min_bits:
            problem = (
                f"uses a {_ecdh_bits(kex)}-bit ECDH key; {name} profile requires at least "
                f"{profile.ecdh_min_bits} bits"
            )
        elif kex.kind not in ("DH", "ECDH"):
            problem = f"uses a {kex.kind} key exchange"
        else:
            continue
        weak.setdefault(problem, []).append(label)
    out += [f"{where}: {', '.join(suites)} {problem}" for problem, suites in weak.items()]
    extra = sorted(set(facts.groups or ()) - profile.groups)
    if extra:
        out.append(
            f"{where}: key-exchange curve(s) {', '.join(extra)} accepted; {name} profile "
            f"allows {', '.join(sorted(profile.groups))}"
        )
    return out + _untested(facts, [GROUPS])


def _no_cert(facts: TlsFacts) -> list[str]:
    why = facts.untested.get(CERTIFICATE)
    return [f"{facts.endpoint}: no certificate retrieved" + (f": {why}" if why else "")]


_VERIFIER_TEXTS = [
    (
        re.compile(r"invalid extension ([\d.]+)"),
        "a strict RFC 5280 verifier rejects its extension {0}{name}",
    ),
    (
        re.compile(r"chain construction exceeds max depth"),
        "no path to the CA bundle within the verifier's depth limit (the certificates sent "
        "are too many or form a loop)",
    ),
    (re.compile(r"signature does not match"), "a signature in the chain does not verify"),
    (re.compile(r"basicConstraints.*(?:not|invalid)|not a CA", re.I), "an issuer is not a CA"),
    (
        re.compile(r"extended key usage|EKU", re.I),
        "the leaf is not for server authentication (extendedKeyUsage)",
    ),
]
_EXTENSION_NAMES = {
    "2.5.29.14": "subjectKeyIdentifier",
    "2.5.29.15": "keyUsage",
    "2.5.29.17": "subjectAltName",
    "2.5.29.19": "basicConstraints",
    "2.5.29.30": "nameConstraints",
    "2.5.29.31": "cRLDistributionPoints",
    "2.5.29.32": "certificatePolicies",
    "2.5.29.35": "authorityKeyIdentifier",
    "2.5.29.37": "extendedKeyUsage",
    "1.3.6.1.5.5.7.1.1": "authorityInfoAccess",
}


def _verifier_reason(error: str) -> str:
    """The verifier's own text, said in the terms of the problem where golive knows them."""
    for pattern, text in _VERIFIER_TEXTS:
        if m := pattern.search(error):
            oid = m.group(1) if m.groups() else ""
            name = f" ({_EXTENSION_NAMES[oid]})" if oid in _EXTENSION_NAMES else ""
            return text.format(oid, name=name) + f" [verifier: {error}]"
    return f"the verifier rejected it: {error}"


def chain_reasons(cert: CertFacts, ca_bundle: str, now: dt.datetime) -> list[str]:
    """Why the chain does not validate, in the terms of the problem: self-signed, issuer not
    in the CA bundle, intermediate not sent, not yet valid, expired; else the verifier's text."""
    if cert.chain_error is None:
        return []
    out = []
    for c in cert.chain:
        if c.not_before > now:
            out.append(f"{c.subject} is not yet valid (valid from {_date(c.not_before)})")
        elif c.not_after <= now:
            out.append(f"{c.subject} expired on {_date(c.not_after)}")
    for i, c in enumerate(cert.chain):
        if c.issued_by_bundle:
            break
        after = cert.chain[i + 1] if i + 1 < len(cert.chain) else None
        if after is not None and c.issued_by_next:
            continue
        if c.self_signed:
            what = "the certificate is self-signed" if i == 0 else f"{c.subject} is self-signed"
            out.append(f"{what}, and not a CA of the environment's CA bundle {ca_bundle}")
        elif c.issuer_name_in_bundle:
            out.append(
                f"issuer not in the environment's CA bundle: {c.subject} is signed by a CA "
                f"named {c.issuer}, but not by the CA of that name in {ca_bundle} (another key)"
            )
        elif after is not None:
            out.append(
                f"intermediate not sent: {c.subject} is issued by {c.issuer}, but the next "
                f"certificate the server sends is {after.subject}"
            )
        elif c.ca_issuers:
            out.append(
                f"intermediate not sent: the server does not send {c.issuer}, the issuer of "
                f"{c.subject} (published at {', '.join(c.ca_issuers)})"
            )
        else:
            out.append(
                f"issuer not in the environment's CA bundle: {c.subject} is issued by "
                f"{c.issuer}, which {ca_bundle} does not hold (nor does the server send it)"
            )
        break
    return out or [_verifier_reason(cert.chain_error)]


def order_reason(cert: CertFacts) -> str | None:
    """Why the order the certificates were sent in is wrong (RFC 5246: each certificate is
    followed by the one that certifies it), naming the first one not followed by its issuer;
    None: in order."""
    if cert.chain_in_order:
        return None
    if cert.chain_in_order is None:
        return "was sent in an order golive could not read (a certificate could not be parsed)"
    for c, after in zip(cert.chain, cert.chain[1:], strict=False):
        if after.subject != c.issuer:
            return (
                f"is sent out of order: {c.subject} is followed by {after.subject}, not by "
                f"its issuer {c.issuer}"
            )
    return "is sent out of order: a certificate is not followed by its issuer"


def chain_findings(facts: TlsFacts, ca_bundle: str, now: dt.datetime | None = None) -> list[str]:
    """Claim: the certificates sent form a chain to a CA of the environment's bundle, each
    followed by its issuer."""
    return _per_certificate(facts, lambda f: _chain_findings(f, ca_bundle, now))


def _chain_findings(facts: TlsFacts, ca_bundle: str, now: dt.datetime | None = None) -> list[str]:
    if facts.cert is None:
        return _no_cert(facts)
    head = f"{facts.endpoint}: certificate chain of {facts.cert.subject}"
    out = []
    reasons = chain_reasons(facts.cert, ca_bundle, now or dt.datetime.now(dt.UTC))
    if reasons:
        out.append(f"{head} does not validate against {ca_bundle}: {'; '.join(reasons)}")
    if (order := order_reason(facts.cert)) is not None:
        out.append(f"{head} {order}")
    return out


def hostname_findings(facts: TlsFacts) -> list[str]:
    """Claim: the certificate's subjectAltName covers the name clients ask for."""
    return _per_certificate(facts, _hostname_findings)


def _hostname_findings(facts: TlsFacts) -> list[str]:
    if facts.cert is None:
        return _no_cert(facts)
    if hostname_matches(facts.cert.names, facts.server_name):
        return []
    names = ", ".join(facts.cert.names) or "(no subjectAltName)"
    return [f"{facts.endpoint}: certificate is for {names}, not {facts.server_name}"]


def expiry_findings(facts: TlsFacts, min_days: int, now: dt.datetime) -> list[str]:
    """Claim: the certificate is valid now (past its notBefore, before its notAfter) and stays
    valid for at least ``min_days`` more days."""
    return _per_certificate(facts, lambda f: _expiry_findings(f, min_days, now))


def _expiry_findings(facts: TlsFacts, min_days: int, now: dt.datetime) -> list[str]:
    if facts.cert is None:
        return _no_cert(facts)
    cert = facts.cert
    if cert.not_before is not None and cert.not_before > now:
        ahead = cert.not_before - now
        when = f"in {ahead.days} days" if ahead.days else "later today"
        return [
            f"{facts.endpoint}: certificate is not yet valid: valid from "
            f"{cert.not_before.isoformat(timespec='minutes')} ({when})"
        ]
    left = cert.not_after - now
    date = _date(cert.not_after)
    if left.total_seconds() <= 0:
        return [f"{facts.endpoint}: certificate expired on {date} ({-left.days} days ago)"]
    if left.days < min_days:
        return [
            f"{facts.endpoint}: certificate expires on {date}, in {left.days} days; "
            f"minimum is {min_days} days"
        ]
    return []


def lifespan_findings(facts: TlsFacts, profile: Profile) -> list[str]:
    """Claim: the certificate's validity period (notBefore to notAfter) is at most the
    profile's maximum lifespan."""
    return _per_certificate(facts, lambda f: _lifespan_findings(f, profile))


def _lifespan_findings(facts: TlsFacts, profile: Profile) -> list[str]:
    cert = facts.cert
    if cert is None:
        return _no_cert(facts)
    if cert.not_before is None:
        return [f"{facts.endpoint}: the certificate's notBefore was not read"]
    days = (cert.not_after - cert.not_before).days
    if profile.max_lifespan_days and days > profile.max_lifespan_days:
        return [
            f"{facts.endpoint}: certificate is valid for {days} days ({_date(cert.not_before)} "
            f"to {_date(cert.not_after)}); {profile.name} profile allows at most "
            f"{profile.max_lifespan_days}"
        ]
    return []


def key_findings(facts: TlsFacts, profile: Profile) -> list[str]:
    """Claim: the certificate's key type, curve or RSA size, and signature are the profile's."""
    return _per_certificate(facts, lambda f: _key_findings(f, profile))


def _key_findings(facts: TlsFacts, profile: Profile) -> list[str]:
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


def ocsp_findings(facts: TlsFacts, profile: Profile) -> list[str]:
    """Claim (profiles with ``ocsp_staple``): an endpoint whose certificate names an OCSP
    responder staples its OCSP response. A certificate naming no responder (a private CA
    without OCSP) cannot be stapled: nothing to judge then."""
    return _per_certificate(facts, lambda f: _ocsp_findings(f, profile))


def _ocsp_findings(facts: TlsFacts, profile: Profile) -> list[str]:
    cert = facts.cert
    if cert is None:
        return _no_cert(facts)
    if not profile.ocsp_staple or not cert.ocsp_responders or cert.ocsp_stapled:
        return []
    return [
        f"{facts.endpoint}: no OCSP response stapled, though the certificate names the "
        f"responder {', '.join(cert.ocsp_responders)}; {profile.name} profile requires stapling"
    ]


def hsts_findings(facts: TlsFacts, min_age: int) -> list[str]:
    """Claim: the HTTPS endpoint sends Strict-Transport-Security with at least ``min_age``."""
    if facts.hsts_max_age is None:
        if HTTP_HEADERS in facts.untested:
            return _untested(facts, [HTTP_HEADERS])
        return [f"{facts.endpoint}: no Strict-Transport-Security header"]
    if facts.hsts_max_age < min_age:
        return [
            f"{facts.endpoint}: HSTS max-age {facts.hsts_max_age} s is below the minimum "
            f"{min_age} s"
        ]
    return []


def vulnerability_findings(facts: TlsFacts) -> list[str]:
    """Claim: the endpoint has none of the known TLS vulnerabilities sslyze tests for; a test
    that did not complete is reported as such (never as a pass, never as a vulnerability)."""
    return [f"{facts.endpoint}: vulnerable to {v}" for v in facts.vulnerabilities] + _untested(
        facts, VULNERABILITIES
    )
