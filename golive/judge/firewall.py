"""Judge an nftables ruleset (``nft -j list ruleset``): default-deny on the declared hooks."""

from __future__ import annotations

import json
from typing import Any


def base_chains(ruleset_json: str) -> list[dict[str, Any]]:
    """The base chains (those attached to a hook) of a JSON ruleset."""
    items = json.loads(ruleset_json).get("nftables", [])
    return [item["chain"] for item in items if "chain" in item and "hook" in item["chain"]]


def default_deny_findings(host: str, ruleset_json: str, hooks: list[str]) -> list[str]:
    """One finding per declared hook that lacks a filter chain dropping by default."""
    chains = base_chains(ruleset_json)
    findings = []
    for hook in hooks:
        on_hook = [c for c in chains if c.get("hook") == hook and c.get("type") == "filter"]
        if not on_hook:
            findings.append(f"{host}: no nftables filter chain on the {hook} hook")
        elif not any(c.get("policy") == "drop" for c in on_hook):
            names = ", ".join(f"{c.get('table')}/{c.get('name')}" for c in on_hook)
            findings.append(
                f"{host}: the {hook} hook is not default-deny: chain(s) {names} have policy accept"
            )
    return findings
