"""Judge authentication policy: PostgreSQL's host-based rules, sshd's configuration, and the
lockout of an account after repeated failed logins.

Pure functions: facts in (pg_hba rules, sshd configuration texts, what logins answered and
what the nodes are configured with), finding lines out, empty when the policy holds.
"""

from __future__ import annotations

import ipaddress
import posixpath
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

# --- PostgreSQL pg_hba -----------------------------------------------------------------------


@dataclass(frozen=True)
class HbaRule:
    """One line of pg_hba as ``pg_hba_file_rules`` shows it."""

    line: int
    type: str  # local, host, hostssl, hostnossl, hostgssenc, hostnogssenc
    databases: tuple[str, ...]
    users: tuple[str, ...]
    address: str | None  # an address, all, samehost, samenet or a host name; None for local
    netmask: str | None
    method: str
    error: str | None = None

    def describe(self) -> str:
        where = f" from {self.address}" if self.address else ""
        return f"{self.type} {','.join(self.databases)} {','.join(self.users)}{where}"


def _network(rule: HbaRule) -> ipaddress.IPv4Network | ipaddress.IPv6Network | None:
    try:
        if rule.netmask:
            prefix = bin(int(ipaddress.ip_address(rule.netmask))).count("1")
            return ipaddress.ip_network(f"{rule.address}/{prefix}", strict=False)
        return ipaddress.ip_network(rule.address or "", strict=False)
    except ValueError:
        return None  # all, samehost, samenet, a host name


def _within(network: ipaddress.IPv4Network | ipaddress.IPv6Network, allowed: Sequence[str]) -> bool:
    nets = [ipaddress.ip_network(a, strict=False) for a in allowed]
    return any(
        network.version == n.version and network.subnet_of(n)  # type: ignore[arg-type]
        for n in nets
    )


def hba_findings(
    host: str,
    rules: Sequence[HbaRule],
    methods: Sequence[str],
    local_methods: Sequence[str],
    require_tls: bool,
    sources: Sequence[str],
) -> list[str]:
    """Every pg_hba rule is valid; a local rule uses one of ``local_methods``; a network rule
    uses one of ``methods``, is ``hostssl`` when TLS is required, and admits only addresses
    within ``sources`` (networks, each host as a /32 or /128)."""
    found = []
    for rule in rules:
        line = f"{host}: pg_hba line {rule.line}"
        if rule.error:
            found.append(f"{line} is invalid: {rule.error}")
            continue
        if rule.type == "local":
            if rule.method not in local_methods:
                found.append(
                    f"{line} allows {rule.describe()} with {rule.method}; local connections "
                    f"may use {', '.join(local_methods)}"
                )
            continue
        if rule.method == "reject":
            continue  # refuses what it matches: no weakness
        if rule.method not in methods:
            found.append(
                f"{line} allows {rule.describe()} with {rule.method}; network connections "
                f"may use {', '.join(methods)}"
            )
        if require_tls and rule.type != "hostssl":
            found.append(
                f"{line} ({rule.describe()}) is {rule.type}, not hostssl: it admits "
                "connections without TLS"
            )
        network = _network(rule)
        if network is None:
            found.append(
                f"{line} ({rule.describe()}) admits {rule.address}: not an address range "
                f"that can be held to the environment's hosts ({', '.join(sources) or 'none'})"
            )
        elif not _within(network, sources):
            found.append(
                f"{line} ({rule.describe()}) admits {network}, beyond the hosts allowed "
                f"({', '.join(sources) or 'none'})"
            )
    return found


# --- sshd ------------------------------------------------------------------------------------

# OpenSSH's compiled-in defaults (sshd_config(5), OpenSSH 9) for what an absent keyword means
SSHD_DEFAULTS = {
    "passwordauthentication": "yes",
    "kbdinteractiveauthentication": "yes",
    "permitrootlogin": "prohibit-password",
    "permitemptypasswords": "no",
    "pubkeyauthentication": "yes",
    "hostbasedauthentication": "no",
    "authenticationmethods": "any",
    "usepam": "no",
}
SSHD_ALIASES = {"challengeresponseauthentication": "kbdinteractiveauthentication"}


@dataclass(frozen=True)
class SshdLine:
    """One keyword of an sshd configuration: where it is, and the Match block it is in."""

    file: str
    number: int
    keyword: str  # lower case, aliases resolved
    value: str
    match: str | None  # the Match criteria, None outside Match blocks


_SSHD_LINE = re.compile(r"^([A-Za-z]+)(?:\s*=\s*|\s+)(.*)$")


def _sshd_words(text: str) -> list[tuple[int, str, str]]:
    """(line number, keyword in lower case, value) of each setting ("Keyword value" or
    "Keyword=value"), comments and blank lines skipped."""
    out = []
    for number, raw in enumerate(text.splitlines(), 1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        parsed = _SSHD_LINE.match(line)
        keyword, value = parsed.groups() if parsed else (line, "")
        out.append((number, keyword.lower(), value.strip().strip('"')))
    return out


def sshd_includes(text: str, config: str) -> list[str]:
    """The patterns a configuration's Include lines name (relative to the main file's
    directory, which is sshd's own for /etc/ssh/sshd_config)."""
    base = posixpath.dirname(config)
    return [
        posixpath.join(base, pattern)
        for _, keyword, value in _sshd_words(text)
        if keyword == "include"
        for pattern in value.split()
    ]


def sshd_lines(
    config: str, texts: Mapping[str, str], globs: Mapping[str, Sequence[str]]
) -> list[SshdLine]:
    """Every keyword of ``config`` in the order sshd reads it, Include files spliced in
    where they are included (``globs``: each pattern's files; ``texts``: each file's text)."""
    base = posixpath.dirname(config)
    out: list[SshdLine] = []
    match: list[str | None] = [None]

    def read(path: str, depth: int) -> None:
        for number, keyword, value in _sshd_words(texts.get(path, "")):
            if keyword == "match":
                match[0] = value  # "Match all" too: what follows overrides the global value
            elif keyword == "include" and depth < 16:
                for pattern in value.split():
                    for included in globs.get(posixpath.join(base, pattern), ()):
                        read(included, depth + 1)
            else:
                keyword = SSHD_ALIASES.get(keyword, keyword)
                out.append(SshdLine(path, number, keyword, value, match[0]))

    read(config, 0)
    return out


def sshd_findings(
    host: str, config: str, lines: Sequence[SshdLine], allowed: Mapping[str, Sequence[str]]
) -> list[str]:
    """Each keyword of the policy has an allowed value: its first value outside Match blocks
    (OpenSSH's default when it is absent and golive knows it; otherwise sshd -T's view,
    another check, judges it), and every value a Match block gives it."""
    found = []
    for keyword, values in allowed.items():
        ok = {v.lower() for v in values}
        mine = [line for line in lines if line.keyword == keyword]
        first = next((line for line in mine if line.match is None), None)
        if first is None:
            # a default golive does not know is judged from sshd -T (effective configuration)
            default = SSHD_DEFAULTS.get(keyword)
            if default is not None and default not in ok:
                found.append(
                    f"{host}: sshd {keyword} is not set in {config}; OpenSSH's default "
                    f"({default or 'unknown'}) is not among {', '.join(values)}"
                )
        elif first.value.lower() not in ok:
            found.append(
                f"{host}: sshd {keyword} {first.value} ({first.file}:{first.number}); policy "
                f"allows {', '.join(values)}"
            )
        found += [
            f"{host}: sshd {keyword} {line.value} for Match {line.match} "
            f"({line.file}:{line.number}); policy allows {', '.join(values)}"
            for line in mine
            if line.match is not None and line.value.lower() not in ok
        ]
    return found


# --- lockout ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class LockoutFacts:
    """What locking an account out showed.

    ``codes``: what the wrong passwords answered, in order (the last is the lock status
    when the account got locked); ``fresh``: this run set the lock (it was not locked when
    the run began); ``correct``: what the right credentials answered through the load
    balancer once locked; ``nodes``: per node, what a login to the locked account answered
    there; ``durations``: per node, where its lock length is configured and the raw value
    (None: not set); ``store_seconds``: when ``fresh``, how long the lock the application
    recorded lasts at most, counted from the start of the failing attempt that set it.
    """

    user: str
    codes: tuple[int, ...]
    fresh: bool
    correct: int | None
    nodes: Mapping[str, str]  # node -> "HTTP 429" or what went wrong
    durations: Mapping[str, tuple[str, str | None]]  # node -> (where, raw value)
    store_seconds: float | None


def lockout_findings(
    facts: LockoutFacts, max_failures: int, status: int, min_seconds: int, store: str | None
) -> list[str]:
    """Locked after at most ``max_failures`` failures, with ``status``; the right credentials
    refused too; every node refuses; every node locks for ``min_seconds`` at least, by its
    configuration and, when this run set the lock, by the application's record (``store``)."""
    if not facts.codes or facts.codes[-1] != status:
        return [
            f"{facts.user}: {len(facts.codes)} wrong passwords in a row answered "
            f"{list(facts.codes)}; expected HTTP {status} after at most {max_failures} failures"
        ]
    found = []
    if facts.correct != status:
        found.append(
            f"{facts.user}: locked out, yet the correct password and TOTP answered "
            f"HTTP {facts.correct}"
        )
    found += [
        f"{node}: a login to the locked account {facts.user} answered {answer}; expected "
        f"HTTP {status} (the node does not hold the lock)"
        for node, answer in facts.nodes.items()
        if answer != f"HTTP {status}"
    ]
    for node, (where, raw) in facts.durations.items():
        if raw is None:
            found.append(f"{node}: {where} is not set; the lock's length cannot be verified")
            continue
        try:
            seconds = float(raw)
        except ValueError:
            found.append(f"{node}: {where} is {raw!r}, not a number of seconds")
            continue
        if seconds < min_seconds:
            found.append(
                f"{node}: {where} is {raw}: a lock lasts {seconds:g} s; policy requires at "
                f"least {min_seconds} s"
            )
    if facts.fresh and store and facts.store_seconds is not None:
        if facts.store_seconds < min_seconds:
            found.append(
                f"{facts.user}: the lock recorded in {store} lasts {facts.store_seconds:.0f} s "
                f"at most; policy requires at least {min_seconds} s"
            )
    elif facts.fresh and store:
        found.append(f"{facts.user}: locked, yet {store} records no lock")
    return found
