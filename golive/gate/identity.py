"""The run's question to its hosts: is each inventory name a machine of its own?

The gate judges it once per run, at the end, for the hosts the run reached over SSH and did
not lose (golive/probe/identity.py asks, in the background from the moment the run connects
a host, so that the end of the run need not wait for it; golive/judge/identity.py judges):
two names showing one SSH host key are blockers naming both, NO-GO; every host's identity
is evidence in verdict.json (``identity``). Hosts the run never reached over SSH are not
asked (a TLS-only run needs no SSH access to the balancer)."""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

from golive.gate.verdict import Finding, Verdict
from golive.judge.identity import same_machine, shared_machine_ids
from golive.model.environment import Environment
from golive.probe.hosts import HostPool
from golive.probe.identity import Identities

CHECK = "identity"
"""The check id of identity blockers in verdict.json."""


def judged(
    env: Environment,
    verdict: Verdict,
    reached: Collection[str],
    pool: HostPool,
    asked: Identities | None = None,
) -> tuple[Verdict, dict[str, Any]]:
    """The verdict with a blocker for each host that is another's machine (or whose identity
    is unknown), and verdict.json's ``identity`` (each host's identity, notes). ``asked``:
    the run's identities asked ahead (in the background while its checks ran), if any; a
    host reached but not asked ahead is asked now."""
    lost = {c.host for c in verdict.checks if c.host and c.unreachable}
    names = [n for n in env.inventory.hosts if n in reached and n not in lost]
    found = (asked or Identities(env, pool)).of(names)
    facts = {n: i for n, i in found.items() if i.ssh}
    declared = {n: h.same_machine_as for n, h in env.inventory.hosts.items() if h.same_machine_as}
    blockers = [Finding(CHECK, f.host, f.message, "blocker") for f in same_machine(facts, declared)]
    notes = shared_machine_ids(facts)
    record = {"hosts": {n: i.record() for n, i in found.items()}, "notes": notes}
    return verdict.with_blockers(blockers), record
