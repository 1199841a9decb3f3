"""Judge the firewall's facts: open ports against the policy (per protocol), an nftables
ruleset (``nft -j list ruleset``) for default-deny, and paths between hosts the reachability
matrix does not declare. Pure: facts in, finding lines out.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from typing import Any

Key = tuple[int, str]  # (port, "tcp" | "udp")
FAMILIES = {"ip": "IPv4", "ip6": "IPv6"}


def port_findings(
    where: str,
    expected: Mapping[str, Iterable[int]],
    found: Mapping[Key, str],
    seen_from: str,
) -> list[str]:
    """Compare the ports found open on ``where`` with the expected ones (protocol -> ports):
    one line per port open but not allowed, and per expected port not open."""
    out = []
    for proto in ("tcp", "udp"):
        allow = set(expected.get(proto, ()))
        allowed = ", ".join(str(p) for p in sorted(allow)) or "none"
        opened = {p for (p, pr), state in found.items() if pr == proto and state == "open"}
        out += [
            f"{where}:{p}/{proto} open {seen_from}; policy allows only {allowed}"
            for p in sorted(opened - allow)
        ]
        for p in sorted(allow - opened):
            state = found.get((p, proto))
            how = f"not open ({state})" if state else "not open"
            out.append(f"{where}:{p}/{proto} {how} {seen_from}; policy expects it open")
    return out


def base_chains(ruleset_json: str) -> list[dict[str, Any]]:
    """The base chains (those attached to a hook) of a JSON ruleset."""
    items = json.loads(ruleset_json).get("nftables", [])
    return [item["chain"] for item in items if "chain" in item and "hook" in item["chain"]]


def _rules(ruleset_json: str, chain: dict[str, Any]) -> list[dict[str, Any]]:
    items = json.loads(ruleset_json).get("nftables", [])
    key = (chain.get("family"), chain.get("table"), chain.get("name"))
    return [
        item["rule"]
        for item in items
        if "rule" in item
        and (item["rule"].get("family"), item["rule"].get("table"), item["rule"].get("chain"))
        == key
    ]


_PORT_FIELDS = {"dport", "sport"}
_NEUTRAL = {"counter", "log", "limit", "comment", "quota"}


def _matches_everything(match: dict[str, Any]) -> bool:
    """A match any packet of its protocol passes: an address /0, or a port range 0-65535."""
    right, left = match.get("right"), match.get("left", {})
    if match.get("op") not in ("==", "in"):
        return False
    if isinstance(right, dict) and "prefix" in right:
        return int(right["prefix"].get("len", 1)) == 0
    field = left.get("payload", {}).get("field") if isinstance(left, dict) else None
    if field in _PORT_FIELDS and isinstance(right, dict) and "range" in right:
        low, high = right["range"]
        return int(low) <= 1 and int(high) >= 65535
    return False


def accepts_everything(rule: dict[str, Any]) -> bool:
    """A rule that accepts every packet reaching it: no match but ones anything passes, and
    the accept verdict."""
    exprs = rule.get("expr", [])
    if not any("accept" in e for e in exprs):
        return False
    for e in exprs:
        if "accept" in e or set(e) <= _NEUTRAL:
            continue
        if "match" in e and _matches_everything(e["match"]):
            continue
        return False
    return True


def _name(chain: dict[str, Any]) -> str:
    return f"{chain.get('family')}/{chain.get('table')}/{chain.get('name')}"


def _rule_text(rule: dict[str, Any]) -> str:
    comment = f' "{rule["comment"]}"' if rule.get("comment") else ""
    return f"rule handle {rule.get('handle')}{comment}"


def default_deny_findings(
    host: str, ruleset_json: str, hooks: list[str], families: Iterable[str] = ("ip", "ip6")
) -> list[str]:
    """Claim: on each declared hook, every declared address family meets a filter chain that
    drops by default, and that no rule of it voids by accepting every packet first.

    nftables evaluates every base chain on a hook: one chain dropping by default is enough
    (an accept in another chain only passes the packet on), so the hook is default-deny for
    a family when at least one ``inet`` or same-family chain on it is."""
    chains = base_chains(ruleset_json)
    findings = []
    for hook in hooks:
        on_hook = [c for c in chains if c.get("hook") == hook and c.get("type") == "filter"]
        if not on_hook:
            findings.append(f"{host}: no nftables filter chain on the {hook} hook")
            continue
        voided: dict[str, dict[str, Any]] = {}
        denying = []
        for c in on_hook:
            if c.get("policy") != "drop":
                continue
            open_rule = next((r for r in _rules(ruleset_json, c) if accepts_everything(r)), None)
            if open_rule is None:
                denying.append(c)
            else:
                voided[_name(c)] = open_rule
        if not denying and not voided:
            names = ", ".join(_name(c) for c in on_hook)
            findings.append(
                f"{host}: the {hook} hook is not default-deny: chain(s) {names} have policy accept"
            )
            continue
        if not denying:
            findings += [
                f"{host}: the {hook} hook is not default-deny: chain {name} accepts every "
                f"packet at {_rule_text(rule)}, before its drop policy"
                for name, rule in voided.items()
            ]
            continue
        for family in families:
            if not any(c.get("family") in ("inet", family) for c in denying):
                names = ", ".join(f"{_name(c)} ({c.get('family')})" for c in denying)
                findings.append(
                    f"{host}: the {hook} hook is not default-deny for {FAMILIES[family]}: only "
                    f"{names} drop by default"
                )
    return findings


def undeclared_path_finding(source: str, dest: str, endpoint: str, state: str) -> str | None:
    """A path the matrix does not declare, to a port the destination does not expose, must
    be denied: a line when ``source`` reached it."""
    if state != "open":
        return None
    return (
        f"{source} reaches {dest} {endpoint}/tcp ({state}); no rule of the reachability matrix "
        f"allows it and {dest} does not expose it, so policy denies it"
    )
