"""The sandbox's network namespace: loopback host addresses and the nftables policy."""

from __future__ import annotations

from pathlib import Path

from golive.sandbox.context import Sandbox
from golive.sandbox.process import run

NETNS_RUN = Path("/run/netns")


def exists(sbx: Sandbox) -> bool:
    return (NETNS_RUN / sbx.netns).exists()


def create(sbx: Sandbox) -> None:
    """Create the namespace with every host address on its loopback and load the firewall."""
    if not exists(sbx):
        run(["ip", "netns", "add", sbx.netns])
    ns = ["ip", "-n", sbx.netns]
    run([*ns, "link", "set", "lo", "up"])
    have = run([*ns, "-4", "-o", "addr", "show", "dev", "lo"]).stdout
    vantage = sbx.env.inventory.probe.source
    addresses = [sbx.address(h) for h in sbx.env.inventory.hosts]
    addresses += [str(vantage)] if vantage else []
    for address in addresses:
        if f" {address}/32 " not in have:
            run([*ns, "addr", "add", f"{address}/32", "dev", "lo"])
    run(["ip", "netns", "exec", sbx.netns, "nft", "-f", str(sbx.stack / "firewall.nft")])


def pids(sbx: Sandbox) -> list[int]:
    """Every process still living in the namespace."""
    if not exists(sbx):
        return []
    out = run(["ip", "netns", "pids", sbx.netns], check=False).stdout
    return [int(p) for p in out.split()]


def delete(sbx: Sandbox) -> None:
    if exists(sbx):
        run(["ip", "netns", "del", sbx.netns])
