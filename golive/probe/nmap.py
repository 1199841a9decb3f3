"""Exposure scan with nmap from a vantage address, and the port-set diff against policy."""

from __future__ import annotations

import socket
from collections.abc import Iterable
from dataclasses import dataclass

import nmap

from golive.model.errors import ConfigError


@dataclass(frozen=True)
class PortScanResult:
    """TCP port states per scanned address (absent address: no answer at all), and nmap XML."""

    states: dict[str, dict[int, str]]
    xml: str
    source: str  # the address the scan was sent from ("this machine" when not pinned)


def port_spec(ports: str, required: Iterable[int]) -> str:
    """The scan's port list: the configured spec plus every port the policy names."""
    extra = ",".join(str(p) for p in sorted(set(required)))
    return f"{ports},{extra}" if extra else ports


def _check_source(source: str) -> None:
    """nmap silently ignores a connect-scan source that is not ours; refuse to scan then."""
    with socket.socket() as s:
        try:
            s.bind((source, 0))
        except OSError as exc:
            raise ConfigError(
                "inventory.yml", "probe.source", f"an address of this machine ({exc})"
            ) from None


def scan(addresses: list[str], ports: str, timing: str, source: str | None) -> PortScanResult:
    """TCP connect scan of ``addresses`` from ``source`` (when given): no ping, no DNS."""
    if source:
        _check_source(source)
    scanner = nmap.PortScanner()
    bind = f"-S {source} " if source else ""
    scanner.scan(hosts=" ".join(addresses), ports=ports, arguments=f"-n -Pn -sT {bind}{timing}")
    states = {
        addr: {int(p): info["state"] for p, info in scanner[addr].get("tcp", {}).items()}
        for addr in scanner.all_hosts()
    }
    xml = scanner.get_nmap_last_output()
    return PortScanResult(
        states, xml.decode() if isinstance(xml, bytes) else xml, source or "this machine"
    )


def port_findings(
    where: str, expected: set[int], found: dict[int, str], seen_from: str
) -> list[str]:
    """Compare the open ports found on ``where`` with the expected set, one line per port."""
    allowed = ", ".join(str(p) for p in sorted(expected)) or "none"
    opened = {p for p, state in found.items() if state == "open"}
    out = [
        f"{where}:{p}/tcp open {seen_from}; policy allows only {allowed}"
        for p in sorted(opened - expected)
    ]
    out += [
        f"{where}:{p}/tcp {found.get(p, 'not open')} {seen_from}; policy expects it open"
        for p in sorted(expected - opened)
    ]
    return out
