"""Exposure scan with nmap from a vantage address: a sweep of every port, then a second look.

The sweep covers every TCP port (and the UDP ports that matter) of every host, fast and
without retries; the second look scans the ports the policy names again, with retries. A port
is open when either pass saw it open; otherwise the second look's state stands where it looked.
"""

from __future__ import annotations

import math
import socket
import time
from collections.abc import Iterable
from dataclasses import dataclass

from golive.model.errors import ConfigError

Key = tuple[int, str]  # (port, "tcp" | "udp")
PROTOCOLS = ("tcp", "udp")


@dataclass(frozen=True)
class PortScanResult:
    """Port states per scanned address (absent address: no answer at all), keyed by
    (port, protocol); each pass's nmap XML by pass name."""

    states: dict[str, dict[Key, str]]
    xml: dict[str, str]
    source: str  # the address the scan was sent from ("this machine" when not pinned)


def port_list(
    tcp: str, udp: str, extra_tcp: Iterable[int] = (), extra_udp: Iterable[int] = ()
) -> str:
    """An nmap port list (``T:...,U:...``): the configured specs plus the ports named."""
    parts = []
    for proto, spec, extra in (("T", tcp, extra_tcp), ("U", udp, extra_udp)):
        ports = [spec] if spec else []
        ports += [str(p) for p in sorted(set(extra))]
        if ports:
            parts.append(f"{proto}:{','.join(ports)}")
    return ",".join(parts)


def _check_source(source: str) -> None:
    """nmap silently ignores a scan source that is not ours; refuse to scan then."""
    with socket.socket() as s:
        try:
            s.bind((source, 0))
        except OSError as exc:
            raise ConfigError(
                "inventory.yml", "probe.source", f"an address of this machine ({exc})"
            ) from None


def arguments(options: str, source: str | None, timeout: float) -> str:
    """nmap's arguments: no ping, no DNS, from ``source`` (when given), the scan types and
    timing of ``options``, and a per-host timeout unless ``options`` set their own."""
    bind = f"-S {source} " if source else ""
    limit = "" if "--host-timeout" in options.split() else f" --host-timeout {math.ceil(timeout)}s"
    return f"-n -Pn {bind}{options}{limit}"


def _run(
    addresses: list[str], ports: str, options: str, source: str | None, timeout: float
) -> tuple[dict[str, dict[Key, str]], str]:
    import nmap  # imported when a scan runs: a run without one does not pay for it

    scanner = nmap.PortScanner()
    try:
        scanner.scan(
            hosts=" ".join(addresses),
            ports=ports,
            arguments=arguments(options, source, timeout),
            timeout=math.ceil(timeout),
        )
    except nmap.PortScannerTimeout:
        raise TimeoutError(
            f"the port scan of {', '.join(addresses)} from {source or 'this machine'} "
            f"timed out after {math.ceil(timeout)} s"
        ) from None
    states = {
        addr: {
            (int(p), proto): info["state"]
            for proto in PROTOCOLS
            for p, info in scanner[addr].get(proto, {}).items()
        }
        for addr in scanner.all_hosts()
    }
    xml = scanner.get_nmap_last_output()
    return states, xml.decode() if isinstance(xml, bytes) else xml


def merge(
    sweep: dict[str, dict[Key, str]], second: dict[str, dict[Key, str]]
) -> dict[str, dict[Key, str]]:
    """Open if either pass saw it open; else the second look's state where it looked."""
    out: dict[str, dict[Key, str]] = {}
    for addr in set(sweep) | set(second):
        a, b = sweep.get(addr, {}), second.get(addr, {})
        out[addr] = {
            k: "open" if "open" in (a.get(k), b.get(k)) else b.get(k, a.get(k, "unknown"))
            for k in set(a) | set(b)
        }
    return out


def scan(
    addresses: list[str],
    sweep: tuple[str, str],
    second: tuple[str, str],
    source: str | None,
    timeout: float,
) -> PortScanResult:
    """Scan ``addresses`` from ``source`` (when given): the sweep, then the second look, each a
    (port list, nmap options) pair; both within ``timeout`` seconds (``TimeoutError`` else)."""
    if source:
        _check_source(source)
    deadline = time.monotonic() + timeout
    swept, sweep_xml = _run(addresses, *sweep, source, timeout)
    xml = {"sweep": sweep_xml}
    looked: dict[str, dict[Key, str]] = {}
    if second[0]:  # the policy names ports to look at again
        left = max(1.0, deadline - time.monotonic())
        looked, xml["second look"] = _run(addresses, *second, source, left)
    return PortScanResult(merge(swept, looked), xml, source or "this machine")
