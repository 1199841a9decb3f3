"""Root causes first: a check that failed because it could not reach a service (its request
got no answer: TLS handshake failure, connection refused, timeout, DNS) is a consequence of
the cause another failing check reports about that host. Such checks are grouped under it:
one line, "N dependent checks could not run: <cause>".

Pure: check outcomes (each failure with its structured connection cause, if any) in, groups
out. The dependents stay failures; grouping changes how they are said, never the decision.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from golive.probe.failures import Cause


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
        return f"{n} {what} could not run: {self.said} (reported by {_short(self.root)})"


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


def group(results: Sequence[Outcome]) -> tuple[Group, ...]:
    """Group the failing checks whose failure is a connection cause (same host, endpoint and
    kind) under the failing check of that host that reports it: the one, among the checks
    that failed on their own, naming the endpoint and the cause most plainly (the first in
    order on a tie). With no such check, the first of the group's checks is its root and the
    others depend on it; a lone check without a root is no group."""
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
    return tuple(groups)
