"""The run's question to its hosts: is each inventory name a machine of its own?

The gate judges it once per run, at the end, for the hosts the run reached over SSH and did
not lose (golive/probe/identity.py asks, in the background from the moment the run connects
a host, so that the end of the run need not wait for it; plugins/aggregate.py hands the
answers in, the gate never reaches the probes; golive/judge/identity.py judges):
two names showing one SSH host key are blockers naming both, NO-GO; every host's identity
is evidence in verdict.json (``identity``). Hosts the run never reached over SSH are not
asked (a TLS-only run needs no SSH access to the balancer)."""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import asdict
from typing import Any

from golive.gate.verdict import Finding, Verdict
from golive.judge.identity import same_machine, shared_machine_ids
from golive.model.environment import Environment
from golive.model.facts.identity import IdentityFacts

CHECK = "identity"
"""The check id of identity blockers in verdict.json."""


def to_ask(env: Environment, verdict: Verdict, reached: Collection[str]) -> list[str]:
    """The hosts whose identity the run asks: those it reached over SSH and did not lose,
    in the inventory's order. The gate names them; the plugin layer asks them (through the
    probes, docs/architecture.md#layers) and hands the answers to :func:`judged`."""
    lost = {c.host for c in verdict.checks if c.host and c.unreachable}
    return [n for n in env.inventory.hosts if n in reached and n not in lost]


def judged(
    env: Environment, verdict: Verdict, found: Mapping[str, IdentityFacts]
) -> tuple[Verdict, dict[str, Any]]:
    """The verdict with a blocker for each host that is another's machine (or whose identity
    is unknown), and verdict.json's ``identity`` (each host's identity, notes). ``found``:
    the identities of the hosts :func:`to_ask` named, as the probes read them."""
    facts = {n: i for n, i in found.items() if i.ssh}
    declared = {n: h.same_machine_as for n, h in env.inventory.hosts.items() if h.same_machine_as}
    blockers = [Finding(CHECK, f.host, f.message, "blocker") for f in same_machine(facts, declared)]
    notes = shared_machine_ids(facts)
    record = {"hosts": {n: asdict(i) for n, i in found.items()}, "notes": notes}
    return verdict.with_blockers(blockers), record
