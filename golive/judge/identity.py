"""Two inventory names must not be one machine: judge the hosts' identities (issue 19).

Pure: each host's identity facts (golive/probe/identity.py) in, findings out.

- **The identity is the SSH host key.** Two hosts showing one host key (any key they share)
  are one machine, or one sshd reached under two names: a blocker on the later host naming
  the earlier, "app2: same machine as app1 (ssh host key ED25519 SHA256:...)". Every check
  of the later host certified the earlier one.
- **An SSH host whose keys could not be read** is a blocker too ("identity unknown: ..."):
  whether it is another host's twin is unknown, and unknown is never a pass.
- **machine-id is evidence, and a weaker finding.** Hosts with different host keys but one
  ``/etc/machine-id`` are either cloned machines (a clone keeps the id unless it is reset:
  DHCP client ids, journald and systemd units key on it) or hosts sharing one root
  filesystem (the sandbox's hosts did until each got its own, issue 25). golive cannot tell
  these apart, so it is a note in the verdict, never the decision: a machine-id is not
  the identity.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from golive.model.facts.identity import IdentityFacts


@dataclass(frozen=True)
class IdentityFinding:
    host: str
    message: str


def same_machine(
    facts: Mapping[str, IdentityFacts], declared: Mapping[str, str] | None = None
) -> list[IdentityFinding]:
    """Blockers: a host sharing a host key with an earlier one (in inventory order), an SSH
    host whose keys are unknown. ``declared`` maps a host to the host the inventory says it
    is the same machine as (``same_machine_as``): that pair, either way round, is no finding;
    the same key shown by a third host still is."""
    declared = declared or {}
    findings: list[IdentityFinding] = []
    seen: dict[str, str] = {}  # key fingerprint -> the first host that showed it
    for name, f in facts.items():
        if f.error is not None:
            findings.append(IdentityFinding(name, f"{name}: identity unknown: {f.error}"))
            continue
        twin = next(((seen[k], k) for k in f.keys if k in seen), None)
        if twin is not None and not _declared(name, twin[0], declared):
            other, key = twin
            findings.append(
                IdentityFinding(name, f"{name}: same machine as {other} (ssh host key {key})")
            )
        for key in f.keys:
            seen.setdefault(key, name)
    return findings


def _declared(host: str, other: str, declared: Mapping[str, str]) -> bool:
    return declared.get(host) == other or declared.get(other) == host


def shared_machine_ids(facts: Mapping[str, IdentityFacts]) -> list[str]:
    """Notes: hosts that are not one machine by their host keys, yet share /etc/machine-id
    (hosts already found the same machine are not said twice)."""
    by_id: dict[str, list[str]] = {}
    for name, f in facts.items():
        if f.machine_id and f.error is None:
            by_id.setdefault(f.machine_id, []).append(name)
    notes = []
    for machine_id, names in by_id.items():
        keys = {k for n in names for k in facts[n].keys}
        distinct = {tuple(sorted(facts[n].keys)) for n in names}
        if len(names) > 1 and len(distinct) > 1 and keys:
            notes.append(
                f"{', '.join(names)} share /etc/machine-id {machine_id[:12]}... with different "
                "SSH host keys: cloned machines, or hosts sharing one filesystem"
            )
    return notes
