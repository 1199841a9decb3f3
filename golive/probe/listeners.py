"""TCP listening sockets of a host, from ``ss -Htln`` run on it, as ports per address."""

from __future__ import annotations

WILDCARDS = {"0.0.0.0", "*", "::", "[::]"}


def _split(local: str) -> tuple[str, int]:
    addr, _, port = local.rpartition(":")
    addr = addr.strip("[]").removeprefix("::ffff:")
    return addr.split("%", 1)[0], int(port)


def listening_ports(ss_output: str, address: str) -> set[int]:
    """Ports listening on ``address`` or on every address, from ``ss -Htln`` lines."""
    ports = set()
    for line in ss_output.splitlines():
        fields = line.split()
        if len(fields) < 4:
            continue
        addr, port = _split(fields[3])
        if addr == address or addr in WILDCARDS or f"[{addr}]" in WILDCARDS:
            ports.add(port)
    return ports
