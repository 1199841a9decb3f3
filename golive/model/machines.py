"""Two inventory names must not be one machine (issue 19).

An inventory whose app2 connection points at app1's address certifies app1 twice and app2
never. So every host's address must be an IP address or a valid host name (RFC 1123), and no
two hosts may be reached at one address, unless the inventory says so: ``same_machine_as:
app1`` on app2 (Ansible: the host var ``golive_same_machine_as``) declares that the two names
are one machine (or share one address, behind NAT) on purpose.

The addresses a host is reached at are its ``address`` and the host of its ``ssh://`` or
``paramiko://`` connection, host names resolved on the controller (``getaddrinfo``, all at
once, for at most the inventory's ``probe.timeout``). A host name that does not resolve here
is not an error: ssh may resolve it itself (its configuration, a jump host), and a host golive
then cannot reach is unreachable at run time, a NO-GO naming it. Such a name is compared as
written (two hosts naming one unresolved host name still collide). ``local://`` and
``ansible://`` connections name no address.
"""

from __future__ import annotations

import re
import socket
import threading
import time
from collections.abc import Iterable, Mapping
from ipaddress import ip_address
from pathlib import Path
from typing import Protocol
from urllib.parse import urlsplit

from golive.model.errors import ConfigError

_LABEL = r"(?!-)[A-Za-z0-9-]{1,63}(?<!-)"
_HOSTNAME = re.compile(rf"^(?=.{{1,253}}\.?$){_LABEL}(?:\.{_LABEL})*\.?$")
NETWORK_SCHEMES = ("ssh", "paramiko")
ADDRESS = "an IP address or a host name (letters, digits and hyphens in dot-separated labels)"


def address_problem(value: str) -> str | None:
    """Why ``value`` is neither an IP address nor a valid host name, or None. A dotted name
    whose last label is all digits (``999.1.1.1``) is a mistyped IP address, not a name."""
    try:
        ip_address(value)
        return None
    except ValueError:
        pass
    if not _HOSTNAME.match(value) or value.rstrip(".").rsplit(".", 1)[-1].isdigit():
        return f"{ADDRESS}, not {value!r}"
    return None


def connection_host(connection: str) -> str | None:
    """The host an ``ssh://`` or ``paramiko://`` connection names (None for the others)."""
    scheme, _, rest = connection.partition("://")
    if scheme not in NETWORK_SCHEMES or not rest:
        return None
    return urlsplit(connection).hostname or None


class _Host(Protocol):
    @property
    def address(self) -> object: ...
    @property
    def connection(self) -> str: ...
    @property
    def same_machine_as(self) -> str | None: ...


def resolve(names: Iterable[str], timeout: float) -> dict[str, set[str]]:
    """Each name's addresses: an IP address is itself; a host name resolves through
    ``getaddrinfo``, all in parallel and for at most ``timeout`` seconds together; a name that
    does not resolve in time (or at all) has none."""
    out: dict[str, set[str]] = {}
    pending: list[tuple[str, threading.Thread]] = []
    for name in dict.fromkeys(names):
        try:
            out[name] = {str(ip_address(name))}
            continue
        except ValueError:
            out[name] = set()

        def one(name: str = name) -> None:
            try:
                infos = socket.getaddrinfo(name, None, proto=socket.IPPROTO_TCP)
            except (OSError, UnicodeError):
                return
            out[name] = {str(info[4][0]) for info in infos}

        # a daemon thread: a lookup the resolver never answers cannot hold golive up
        thread = threading.Thread(target=one, name=f"resolve {name}", daemon=True)
        thread.start()
        pending.append((name, thread))
    deadline = time.monotonic() + timeout
    for _, thread in pending:
        thread.join(max(0.0, deadline - time.monotonic()))
    return {name: set(addresses) for name, addresses in out.items()}


def _spelled(name: str) -> str:
    return name.lower().rstrip(".")


def machine_problems(
    hosts: Mapping[str, _Host], timeout: float, file: Path, ansible: Path | None = None
) -> list[ConfigError]:
    """Every pair of hosts reached at one address that the inventory does not declare one
    machine, and every ``same_machine_as`` naming no other host. ``ansible``: the hosts come
    from that Ansible inventory (errors name it and its host vars)."""
    where = ansible or file
    found: list[ConfigError] = []

    def key(host: str, field: str) -> str:
        if ansible is None:
            return f"hosts.{host}.{field}"
        return f"{host}.{'ansible_host' if field != 'same_machine_as' else 'golive_' + field}"

    declare = "golive_same_machine_as" if ansible else "same_machine_as"
    group = {name: name for name in hosts}

    def root(name: str) -> str:
        while group[name] != name:
            name = group[name]
        return name

    for name, host in hosts.items():
        other = host.same_machine_as
        if other is None:
            continue
        if other == name or other not in hosts:
            found.append(ConfigError(where, key(name, "same_machine_as"),
                f"another host of the inventory ({', '.join(n for n in hosts if n != name)}); "
                f"{other!r} is not one"))  # fmt: skip
            continue
        group[root(name)] = root(other)
    targets = {
        name: {"address": str(host.address), "connection": connection_host(host.connection)}
        for name, host in hosts.items()
    }
    names = [t for spec in targets.values() for t in spec.values() if t]
    addresses = resolve(names, timeout)
    seen: dict[str, tuple[str, str]] = {}  # address -> (first host reached at it, how)
    reported: set[tuple[str, str]] = set()
    for name, spec in targets.items():
        for field, target in spec.items():
            if not target:
                continue
            for address in sorted(addresses.get(target) or {_spelled(target)}):
                first, how = seen.setdefault(address, (name, field))
                if first == name or root(first) == root(name) or (first, name) in reported:
                    continue
                reported.add((first, name))
                via = f" ({target})" if target != address else ""
                found.append(ConfigError(where, key(name, field),
                    f"a machine of its own: {name}'s {field} and {first}'s {how} are both "
                    f"{address}{via}; if they are one machine, declare it on {name}: "
                    f"`{declare}: {first}`"))  # fmt: skip
    return found
