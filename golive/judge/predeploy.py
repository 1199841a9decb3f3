"""Judges of host facts shared by the pre-deployment and smoke suites: pure, facts in,
finding lines out (empty when the host complies)."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass


def missing_listeners(
    host: str, address: str, listening: set[int], required: Iterable[int]
) -> list[str]:
    """One line per required TCP port nothing listens on (on the host's address or on all)."""
    return [
        f"{host}: nothing listens on {address}:{port}" for port in sorted(set(required) - listening)
    ]


def hostname_findings(host: str, hostname: str) -> list[str]:
    """The host's hostname (``uname -n``) is its inventory name, exactly."""
    name = hostname.strip()
    if name == host:
        return []
    if not name:
        return [f"{host}: reports no hostname"]
    return [f"{host}: hostname is {name}, not its inventory name {host}"]


ANY_ADDRESS = {"0.0.0.0", "::", "*"}


@dataclass(frozen=True)
class PortHolder:
    """A listening TCP socket and the processes holding it, as ``ss -Htlnp`` shows them to
    root on the host: (name, pid) pairs, none when no process the host sees holds it."""

    address: str
    port: int
    processes: tuple[tuple[str, int], ...]


_PROCESS = re.compile(r'\("((?:[^"\\]|\\.)*)",pid=(\d+)')


def port_holders(ss_output: str) -> list[PortHolder]:
    """Parse ``ss -Htlnp`` (state, queues, local address:port, peer, ``users:((...))``)."""
    out = []
    for line in ss_output.splitlines():
        fields = line.split(None, 5)
        if len(fields) < 5 or fields[0] != "LISTEN":
            continue
        address, _, port = fields[3].rpartition(":")
        if not port.isdigit():
            continue
        address = address.strip("[]").split("%", 1)[0].removeprefix("::ffff:")
        users = fields[5] if len(fields) > 5 else ""
        found = tuple((name, int(pid)) for name, pid in _PROCESS.findall(users))
        out.append(PortHolder(address, int(port), found))
    return out


def port_holder_findings(
    host: str, address: str, holders: Iterable[PortHolder], expected: Mapping[int, str]
) -> list[str]:
    """One line per expected port held by none of its expected process: a port answered by
    another process (a leftover listener, a relay), or by no process of the host. A port
    nothing listens on (on the host's address or on all) is not judged here (see
    :func:`missing_listeners`)."""
    out = []
    holders = list(holders)
    for port, want in sorted(expected.items()):
        mine = [h for h in holders if h.port == port and h.address in ANY_ADDRESS | {address}]
        if not mine:
            continue
        names = sorted({p for h in mine for p in h.processes})
        if any(name == want for name, _ in names):
            continue
        if not names:
            out.append(f"{host}: {address}:{port} is held by no process of this host, not {want}")
        else:
            held = ", ".join(f"{name} (pid {pid})" for name, pid in names)
            out.append(f"{host}: {address}:{port} is held by {held}, not {want}")
    return out


def artifact_findings(
    host: str,
    current: str,
    resolved: str | None,
    release_artifact: str,
    node_sha256: str | None,
    registry_sha256: str,
    entry: str,
) -> list[str]:
    """Judge the artifact a node's application server loads against the registry.

    ``current`` is the path the server loads, ``resolved`` its full resolution on the node
    (every link followed; None when it resolves to nothing), ``release_artifact`` the fully
    resolved path of the release's artifact in the release directory, ``node_sha256`` the
    sha256 of the resolved file (None when it is no regular file) and ``registry_sha256`` the
    registry's for ``entry``.
    """
    if resolved is None:
        return [f"{host}: {current} resolves to nothing (missing or a dangling link)"]
    out = []
    if resolved != release_artifact:
        out.append(
            f"{host}: {current} resolves to {resolved}, not to the release's artifact "
            f"{release_artifact}"
        )
    if node_sha256 is None:
        out.append(f"{host}: {current} resolves to {resolved}, which is not a regular file")
    elif node_sha256.lower() != registry_sha256.lower():
        out.append(
            f"{host}: {resolved} (loaded through {current}) sha256 {node_sha256[:12]}… differs "
            f"from registry {registry_sha256[:12]}… ({entry})"
        )
    return out


def served_release_findings(
    host: str,
    answer: dict[str, object],
    fields: tuple[str, str],
    version: str,
    build: str,
    entry: str,
) -> list[str]:
    """Judge a node's version answer: ``fields`` names its version and build-fingerprint
    fields; both must be the release's (``version``) and the registry artifact's (``build``,
    stamped in ``entry``)."""
    version_field, build_field = fields
    served, served_build = answer.get(version_field), answer.get(build_field)
    if served != version:
        return [f"{host} serves {served}, the release under certification is {version}"]
    if served_build != build:
        shown = f"build {str(served_build)[:12]}…" if served_build else "no build fingerprint"
        return [
            f"{host} serves {version} {shown}, not the registry's build "
            f"{build[:12]}… of {entry}: a rebuilt or foreign artifact"
        ]
    return []


ROLE_ATTRIBUTES = {
    "rolsuper": "is a superuser",
    "rolcreaterole": "may create roles",
    "rolcreatedb": "may create databases",
    "rolreplication": "may start replication",
    "rolbypassrls": "bypasses row-level security",
}


def app_role_findings(
    where: str,
    role: str,
    attributes: dict[str, dict[str, bool]],
    create_in: list[str],
    owned: list[str],
    privileges: dict[str, set[str]],
    allowed: set[str] | None,
    forbidden_roles: set[str],
) -> list[str]:
    """Judge the application role's privileges in its database ``where``.

    ``attributes`` holds, for the role and every role it is a member of (directly or
    through others), its ``pg_roles`` flags; ``create_in`` the database (``database``) and
    the schemas it may create objects in; ``owned`` the relations it owns (an owner may
    alter, drop and grant them); ``privileges`` its effective privileges per relation;
    ``allowed`` the table privileges it may hold (None: not judged); ``forbidden_roles``
    the roles it must not be a member of (predefined roles reaching the server's files).
    """
    out = []
    for name, flags in sorted(attributes.items()):
        via = "" if name == role else f" through its membership in {name}"
        out += [
            f"{role} {label}{via}" for attr, label in ROLE_ATTRIBUTES.items() if flags.get(attr)
        ]
    out += [f"{role} is a member of {name}" for name in sorted(set(attributes) & forbidden_roles)]
    out += [
        f"{role} may create objects in {'the database' if s == 'database' else f'schema {s}'}"
        for s in create_in
    ]
    if owned:
        out.append(f"{role} owns {', '.join(sorted(owned))} (an owner may alter and drop them)")
    if allowed is not None:
        excess = {
            rel: sorted(privs - allowed)
            for rel, privs in sorted(privileges.items())
            if privs - allowed
        }
        out += [f"{role} holds {', '.join(p)} on {rel}" for rel, p in excess.items()]
    return [f"{where}: {line}" for line in out]


# words that, on a load balancer's server line, keep the server out of normal rotation
# (nginx: down, backup; HAProxy: disabled, backup)
OUT_OF_ROTATION = ("down", "backup", "disabled")


def active_config(text: str) -> list[str]:
    """The lines of a configuration file without comments (``#`` to the end of the line)."""
    lines = (line.split("#", 1)[0].strip() for line in text.splitlines())
    return [line for line in lines if line]


def backend_findings(
    lb: str, path: str, lines: list[str], backends: dict[str, list[str]], port: int, role: str
) -> list[str]:
    """Judge a load balancer's active configuration ``lines`` against the backends it must
    send traffic to: each backend (by name) reached as any of ``backends[name]`` (its address,
    its name) on ``port`` must be on a line that does not take it out of rotation."""
    out = []
    for name, aliases in backends.items():
        endpoints = [f"{who}:{port}" for who in aliases]
        named = [
            line
            for line in lines
            if any(tok.rstrip(";") in endpoints for tok in line.replace("=", " ").split())
        ]
        if not named:
            out.append(f"{lb}: {path} does not name {role} host {name} ({endpoints[0]})")
            continue
        live = [ln for ln in named if not set(ln.rstrip(";").split()) & set(OUT_OF_ROTATION)]
        if not live:
            words = sorted(
                {w for ln in named for w in ln.rstrip(";").split()} & set(OUT_OF_ROTATION)
            )
            out.append(
                f"{lb}: {path} names {role} host {name} ({endpoints[0]}) only as "
                f"{'/'.join(words)}: "
                f"it gets no traffic"
            )
    return out


def config_source_findings(
    host: str, declared: str, marker: str, option: str, processes: dict[int, list[str]]
) -> list[str]:
    """Judge which configuration file the running application reads.

    ``processes`` maps the pid of each of the host's processes whose command line contains
    ``marker`` (the application's, e.g. its Tomcat's catalina.base) to the value(s) of
    ``option`` on it (e.g. ``-Dtrading.config=``; the last one wins, as in the JVM), with
    links resolved; ``declared`` is the file the environment declares, resolved too.
    """
    if not processes:
        return [
            f"{host}: no running process has {marker} on its command line: which configuration "
            f"the application reads cannot be told"
        ]
    out = []
    for pid, values in sorted(processes.items()):
        if not values:
            out.append(f"{host}: the application (pid {pid}) is given no {option}")
        elif values[-1] != declared:
            out.append(
                f"{host}: the application (pid {pid}) reads {values[-1]} ({option}), not the "
                f"declared {declared}"
            )
    return out


def url_param_findings(
    host: str, key: str, params: dict[str, str], required: dict[str, str]
) -> list[str]:
    """Each connection parameter the environment requires (e.g. ``sslmode: verify-full``)
    must be in the URL of setting ``key`` with that value (compared case-insensitively)."""
    return [
        f"{host}: {key} has {name}={params[name]}, the environment requires {name}={want}"
        if name in params
        else f"{host}: {key} does not set {name} (the environment requires {name}={want})"
        for name, want in required.items()
        if params.get(name, "").lower() != want.lower()
    ]
