"""Judges of the integration suite: pure, facts in, finding lines out (empty: complies)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any


def stored_order_findings(
    where: str,
    base: str,
    sent: Mapping[str, Any],
    accepted: Mapping[int, str],
    stored: Mapping[int, Mapping[str, Any] | None],
    nodes: Iterable[str],
) -> list[str]:
    """Judge synthetic orders placed through the public endpoint ``base``.

    ``accepted`` maps each order id to the node that accepted it, ``stored`` each id to its
    row in the database ``where`` (None: absent), ``sent`` is what every order carried and
    ``nodes`` the app nodes that must each have accepted one (else the claim is untested
    for them).
    """
    out = []
    for order_id, node in sorted(accepted.items()):
        row = stored.get(order_id)
        if row is None:
            out.append(
                f"{where}: order {order_id} accepted by {node} through {base} is not in orders"
            )
            continue
        wrong = {k: (v, row.get(k)) for k, v in sent.items() if row.get(k) != v}
        if wrong:
            out.append(
                f"{where}: order {order_id} accepted by {node} is stored differently "
                f"(sent, stored): {wrong}"
            )
    untested = sorted(set(nodes) - set(accepted.values()))
    if untested:
        out.append(
            f"no order placed through {base} was accepted by {', '.join(untested)} "
            f"(only by {', '.join(sorted(set(accepted.values()))) or 'none'}): whether "
            f"{', '.join(untested)} stores orders could not be tested"
        )
    return out
