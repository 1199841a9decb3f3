"""Plan coverage: which checks prove which plan item, and which items nothing proves."""

from __future__ import annotations

from collections.abc import Iterable

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
