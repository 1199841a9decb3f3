"""Fault actions of the security suites: certificates and the packet filter (see
:mod:`.base` for the contract)."""

from __future__ import annotations

import hashlib
import re
from pathlib import Path
from typing import Literal

from cryptography.hazmat.primitives.asymmetric import ec

from golive.sandbox import pki
from golive.sandbox.context import Sandbox
from golive.sandbox.faults.base import FaultAction, edit_in_place, signal_service
from golive.sandbox.process import run

CURVES: dict[str, type[ec.EllipticCurve]] = {
    "secp256r1": ec.SECP256R1,
    "secp384r1": ec.SECP384R1,
    "secp521r1": ec.SECP521R1,
}
CHAIN = ["inet", "golive", "input"]  # the sandbox firewall's input chain


class ServeCertificate(FaultAction):
    """nginx on the host serves a certificate issued for the fault (names default: public),
    followed in its ``ssl_certificate`` file by the sandbox certificates ``append`` names
    (stems under the sandbox's pki directory, e.g. ``db1`` then ``ca``), in that order."""

    kind: Literal["serve_certificate"]
    names: list[str] | None = None
    valid_from_days: int = -1
    valid_days: int = 365
    curve: Literal["secp256r1", "secp384r1", "secp521r1"] = "secp256r1"
    issuer: Literal["sandbox", "rogue"] = "sandbox"
    append: list[str] = []

    def apply(self, sbx: Sandbox, host: str, inject: bool) -> None:
        healthy = (sbx.path("pki", "public.crt"), sbx.path("pki", "public.key"))
        if inject:
            ca_dir = sbx.path("pki") if self.issuer == "sandbox" else sbx.path("pki", "rogue")
            pki.ensure_ca(ca_dir)
            served = pki.issue(
                ca_dir,
                f"fault-{host}",
                self.names or [sbx.env.inventory.public.hostname],
                valid_from_days=self.valid_from_days,
                valid_days=self.valid_days,
                curve=CURVES[self.curve],
            )
            if self.append:
                chain = sbx.path("pki", f"fault-{host}-chain.crt")
                pems = [served[0], *(sbx.path("pki", f"{stem}.crt") for stem in self.append)]
                chain.write_bytes(b"".join(p.read_bytes() for p in pems))
                served = (chain, served[1])

        def swap(text: str) -> str:
            if inject:
                pairs = list(zip(healthy, served, strict=True))
            else:
                found = re.findall(r"ssl_certificate(?:_key)? (\S+);", text)
                pairs = [(Path(p), h) for p, h in zip(found, healthy, strict=True)]
            for old, new in pairs:
                text = text.replace(f" {old};", f" {new};")
            return text

        edit_in_place(sbx.var(host, "nginx_conf"), swap)
        signal_service(sbx, host, "nginx")


class NftRule(FaultAction):
    """Insert a rule at the top of the sandbox firewall's input chain; healing deletes it."""

    kind: Literal["nft_rule"]
    rule: str

    def apply(self, sbx: Sandbox, host: str, inject: bool) -> None:
        tag = "golive-fault-" + hashlib.sha256(self.rule.encode()).hexdigest()[:8]
        if inject:
            run(["nft", "insert", "rule", *CHAIN, *self.rule.split(), "comment", f'"{tag}"'])
            return
        listing = run(["nft", "-a", "list", "chain", *CHAIN]).stdout
        for handle in re.findall(rf'comment "{tag}" # handle (\d+)', listing):
            run(["nft", "delete", "rule", *CHAIN, "handle", handle])


class ChainPolicy(FaultAction):
    """Set the default policy of the sandbox firewall's input chain; healing restores drop."""

    kind: Literal["chain_policy"]
    policy: Literal["accept"]

    def apply(self, sbx: Sandbox, host: str, inject: bool) -> None:
        policy = self.policy if inject else "drop"
        run(["nft", "chain", *CHAIN, "{", f"policy {policy};", "}"])
