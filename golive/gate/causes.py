"""Root causes first: a check that failed because it could not reach a service (its request
got no answer: TLS handshake failure, connection refused, timeout, DNS) is a consequence of
the cause another failing check reports about that host. Such checks are grouped under it:
one line, "N dependent checks failed: <cause>" (they ran, and failed for that cause; never
"could not run").

A service that does not answer is also the cause of the failures of the hosts that need it
(``needs``: from the environment's reachability matrix, every allowed path source role ->
destination role; a host needs one host of each destination role it may reach). When db1's
PostgreSQL hangs, the app nodes' health, the balancer's and a login through it fail too:
those are grouped under db1's own check, named first. A host needs a role's hosts together:
lb1 is blocked by app2's hang only when app1 is blocked too.

Pure: check outcomes (each failure with its structured connection cause, if any) in, groups
out. The dependents stay failures; grouping changes how they are said, never the decision.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Protocol

from golive.model.cause import Cause
from golive.model.environment import Environment
from golive.model.expectations.security import Firewall


class Outcome(Protocol):
    """What grouping reads of a check result (golive.gate.verdict.CheckResult)."""

    @property
    def id(self) -> str: ...
    @property
    def outcome(self) -> str: ...
    @property
    def host(self) -> str | None: ...
    @property
    def message(self) -> str: ...
    @property
    def unreachable(self) -> str | None: ...
    @property
    def cause(self) -> Cause | None: ...


@dataclass(frozen=True)
class Group:
    """Checks that could not run for one cause; ``root`` is the check that reports it (its
    own failure is a blocker line of its own), ``said`` what it said (its first line)."""

    cause: Cause
    root: str
    said: str
    dependents: tuple[str, ...]

    @property
    def host(self) -> str:
        return self.cause.host

    def line(self, n: int | None = None) -> str:
        """The group's line, for ``n`` of its checks (all by default)."""
        n = len(self.dependents) if n is None else n
        what = "dependent check" if n == 1 else "dependent checks"
        return f"{n} {what} failed: {self.said} (reported by {_short(self.root)})"


Needs = Mapping[str, Sequence[tuple[str, ...]]]
"""host -> the groups of hosts it needs (one host of each group answering is enough)."""
DOWN = ("timeout", "refused", "closed")
"""Causes that say a service is down or hung (not a TLS or name problem of one request)."""


def needs(paths: Iterable[tuple[str, str]], roles: Mapping[str, Collection[str]]) -> Needs:
    """Who needs whom: for each allowed path (source role, destination role), every host of
    the source role needs one of the destination role's hosts (``roles``: host -> roles)."""
    out: dict[str, list[tuple[str, ...]]] = {}
    pairs = list(dict.fromkeys(paths))
    for host, have in roles.items():
        groups = out.setdefault(host, [])
        for source, dest in pairs:
            members = tuple(h for h, r in roles.items() if dest in r and h != host)
            if source in have and members and members not in groups:
                groups.append(members)
    return {h: tuple(g) for h, g in out.items()}


def of_environment(env: Environment) -> Needs:
    """Who needs whom in ``env``: its reachability matrix's allowed paths (none declared:
    nobody is known to need anybody)."""
    firewall = env.expectations.get(Firewall)
    paths = [(r.source, r.dest) for r in firewall.reachability if r.allow] if firewall else []
    return needs(paths, {n: h.roles for n, h in env.inventory.hosts.items()})


def blocked_by(
    host: str, down: Collection[str], needs: Needs, _seen: frozenset[str] = frozenset()
) -> str | None:
    """The down host that keeps ``host`` from working: one it needs, every host of one of
    its groups being down or blocked (the first such; None when none is)."""
    if host in _seen:
        return None
    seen = _seen | {host}
    for members in needs.get(host, ()):
        found = [m if m in down else blocked_by(m, down, needs, seen) for m in members]
        if found and all(found):
            return found[0]
    return None


def _short(check: str) -> str:
    return check.rsplit("::", 1)[-1]


def _stems(cause: Cause) -> set[str]:
    """The words of a cause that a check reporting it would use (stems: 'expired' and
    'expiry' share 'expir')."""
    words = re.findall(r"[a-z]{4,}", f"{cause.kind} {cause.detail}".lower())
    return {w[:5] for w in words} - {"withi", "conne", "answe"}


def _score(check: Outcome, cause: Cause) -> int:
    """How plainly a failing check reports ``cause``: it names the endpoint's port, and the
    cause's words in its name (weighs double) and in its message."""
    stems = _stems(cause)
    port = cause.endpoint.rsplit(":", 1)[-1]
    name, text = check.id.lower(), check.message.lower()
    score = 4 if re.search(rf":{port}\b", f"{name} {text}") else 0
    score += 2 * sum(s in name for s in stems) + sum(s in text for s in stems)
    return score


def _first_line(message: str) -> str:
    line = message.strip().splitlines()[0] if message.strip() else ""
    for prefix in ("failed: ", "error: ", "Failed: ", "AssertionError: "):
        line = line.removeprefix(prefix)
    return line


def group(results: Sequence[Outcome], needs: Needs | None = None) -> tuple[Group, ...]:
    """Group the failing checks whose failure is a connection cause (same host, endpoint and
    kind) under the failing check of that host that reports it: the one, among the checks
    that failed on their own, naming the endpoint and the cause most plainly (the first in
    order on a tie). With no such check, the first of the group's checks is its root and the
    others depend on it; a lone check without a root is no group. Then, with ``needs``, the
    failing checks of hosts a down service blocks (:func:`blocked_by`) join its group."""
    failing = [r for r in results if r.outcome in ("failed", "error") and r.unreachable is None]
    own = [r for r in failing if r.cause is None]
    buckets: dict[tuple[str, str, str], tuple[Cause, list[Outcome]]] = {}
    for r in failing:
        if r.cause is not None:
            c = r.cause
            buckets.setdefault((c.host, c.endpoint, c.kind), (c, []))[1].append(r)
    groups: list[Group] = []
    for cause, members in buckets.values():
        candidates = [r for r in own if r.host == cause.host]
        if candidates:
            best = max(candidates, key=lambda r: _score(r, cause))  # first on a tie
            root, said, dependents = best.id, _first_line(best.message), members
        elif len(members) > 1:
            root, said, dependents = members[0].id, cause.sentence(), members[1:]
        else:
            continue
        groups.append(Group(cause, root, said, tuple(r.id for r in dependents)))
    return tuple(_downstream(failing, groups, needs)) if needs else tuple(groups)


def _downstream(failing: list[Outcome], groups: list[Group], needs: Needs) -> list[Group]:
    """``groups`` with the failing checks of hosts blocked by a down service added to the
    group of the check that found it down (a new group when it has none)."""
    grouped = {d for g in groups for d in g.dependents}
    roots = {g.root for g in groups}
    down: dict[str, Outcome] = {}
    by_id = {r.id: r for r in failing}
    for r in failing:
        c = r.cause
        if c is not None and c.kind in DOWN and c.host == r.host and r.id not in grouped:
            down.setdefault(c.host, r)
        # the check reporting a down service's cause (nothing listens on app2:8080)
        g = next((g for g in groups if g.root == r.id), None)
        if g is not None and g.cause.kind in DOWN and g.cause.host == r.host:
            down.setdefault(g.cause.host, by_id[g.root])
    # a service down because one it needs is (the balancer timing out on a hung database)
    # is a dependent of that one, unless they block each other
    behind = {h: blocked_by(h, set(down) - {h}, needs) for h in down}
    down = {h: r for h, r in down.items() if (b := behind[h]) is None or behind[b] is not None}
    joining: dict[str, list[str]] = {}
    for r in failing:
        if r.id in grouped or r.host is None or r.host in down:
            continue
        if r.id in roots and (r.cause is None or r.cause.host != r.host):
            continue  # the root of a group of its own (a cause reported by this check)
        if (d := blocked_by(r.host, down, needs)) is not None:
            joining.setdefault(d, []).append(r.id)
    out = list(groups)
    for host, ids in joining.items():
        root = down[host]
        at = next((i for i, g in enumerate(out) if g.root == root.id), None)
        if at is None and root.cause is not None:  # a root without a group has a cause
            out.append(Group(root.cause, root.id, _first_line(root.message), tuple(ids)))
        elif at is not None:
            out[at] = replace(out[at], dependents=(*out[at].dependents, *ids))
    return out
