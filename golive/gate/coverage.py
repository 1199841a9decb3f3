"""Plan coverage: which checks prove which plan item, and which items nothing proves."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from golive.gate.plan import Plan


def coverage(plan: Plan, checks: Iterable[tuple[str, Iterable[str]]]) -> dict[str, list[str]]:
    """Plan item id → ids of the checks naming it, for every item in plan order."""
    out: dict[str, list[str]] = {pid: [] for pid in plan.items}
    for check, items in checks:
        for pid in items:
            out.setdefault(pid, []).append(check)
    return out


def render(plan: Plan, cov: dict[str, list[str]], unmapped: Iterable[str] = ()) -> str:
    """Text listing: each item with its checks, then the uncovered items and unmapped checks."""
    lines: list[str] = []
    for pid, item in plan.items.items():
        via = f" (sign-off: {item.signoff})" if item.signoff else ""
        lines.append(f"{pid}  {item.title}{via}: {len(cov[pid])} check(s)")
        lines.extend(f"    {c}" for c in cov[pid])
    none = [pid for pid in plan.items if not cov[pid] and not plan[pid].signoff]
    lines.append(f"\nplan items with no check ({len(none)} of {len(plan.items)}):")
    lines.extend(f"    {pid}  {plan[pid].title}" for pid in none)
    unmapped = list(unmapped)
    if unmapped:
        lines.append(f"\nchecks naming no plan item ({len(unmapped)}):")
        lines.extend(f"    {c}" for c in unmapped)
    return "\n".join(lines) + "\n"


def _items(check: Mapping[str, Any]) -> set[str]:
    return {str(p) for p in check.get("plan") or []}


def unproven(
    plan: Plan, checks: Iterable[Mapping[str, Any]], signoffs: Iterable[Mapping[str, Any]]
) -> tuple[list[str], list[str]]:
    """Plan items a run gives no passing evidence for, as (required, open), one line each.

    An item is proven by a passing check naming it or, where the plan proves it by a human
    approval, by its valid sign-off. Unproven, it is required (NO-GO) when no check of the
    run names it at all, when a blocker or critical check names it, or when its sign-off is
    one policy requires; otherwise (only normal or minor checks name it, or an optional
    sign-off) it is open: listed, not blocking."""
    checks = list(checks)
    named = set().union(*(_items(c) for c in checks)) if checks else set()
    passed = (
        set().union(*(_items(c) for c in checks if c.get("outcome") == "passed"))
        if checks
        else set()
    )
    weighty = (
        set().union(*(_items(c) for c in checks if c.get("severity") in ("blocker", "critical")))
        if checks
        else set()
    )
    states = {str(s.get("name")): s for s in signoffs}
    required: list[str] = []
    opened: list[str] = []
    for pid, item in plan.items.items():
        if pid in passed:
            continue
        if item.signoff:
            s = states.get(item.signoff)
            if s is not None and s.get("state") == "valid":
                continue
            state = s.get("state") if s is not None else "not recorded"
            line = f"plan item {pid} ({item.title}): sign-off {item.signoff} is {state}"
            (required if s is not None and s.get("required") else opened).append(line)
        elif pid not in named:
            required.append(f"plan item {pid} ({item.title}): no check of this run names it")
        elif pid in weighty:
            required.append(f"plan item {pid} ({item.title}): no check naming it passed")
        else:
            opened.append(f"plan item {pid} ({item.title}): its normal/minor checks did not pass")
    return required, opened
