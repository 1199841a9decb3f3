"""Default-deny judgement of an nftables JSON ruleset (the shapes ``nft -j list ruleset`` gives)."""

from __future__ import annotations

import json
from typing import Any

from golive.judge.firewall import accepts_everything, default_deny_findings


def ruleset(*items: dict[str, Any]) -> str:
    out: list[dict[str, Any]] = [{"metainfo": {}}]
    for item in items:
        out.append({"rule": item} if "expr" in item else {"chain": item})
    return json.dumps({"nftables": out})


INPUT_DROP = {
    "family": "inet",
    "table": "golive",
    "name": "input",
    "type": "filter",
    "hook": "input",
    "policy": "drop",
}


def rule(*exprs: dict[str, Any], chain: dict[str, Any] = INPUT_DROP, handle: int = 7) -> dict:
    where = {k: chain[k] for k in ("family", "table")} | {"chain": chain["name"]}
    return {**where, "handle": handle, "expr": list(exprs)}


ACCEPT = {"accept": None}
SSH = {
    "match": {
        "op": "==",
        "left": {"payload": {"protocol": "tcp", "field": "dport"}},
        "right": 22,
    }
}


def test_input_chain_dropping_by_default_passes() -> None:
    assert default_deny_findings("db1", ruleset(INPUT_DROP, rule(SSH, ACCEPT)), ["input"]) == []


def test_input_chain_accepting_by_default_is_a_finding() -> None:
    accepting = {**INPUT_DROP, "policy": "accept"}
    assert default_deny_findings("db1", ruleset(accepting), ["input"]) == [
        "db1: the input hook is not default-deny: chain(s) inet/golive/input have policy accept"
    ]


def test_missing_hook_and_nat_chains_do_not_count() -> None:
    nat = {
        "family": "ip",
        "table": "nat",
        "name": "post",
        "type": "nat",
        "hook": "postrouting",
        "policy": "accept",
    }
    assert default_deny_findings("lb1", ruleset(nat), ["input", "forward"]) == [
        "lb1: no nftables filter chain on the input hook",
        "lb1: no nftables filter chain on the forward hook",
    ]


def test_one_dropping_chain_suffices_where_several_share_the_hook() -> None:
    other = {**INPUT_DROP, "table": "docker", "policy": "accept"}
    assert default_deny_findings("app1", ruleset(other, INPUT_DROP), ["input"]) == []


def test_an_ipv4_only_table_leaves_ipv6_open() -> None:
    ip_only = {**INPUT_DROP, "family": "ip", "table": "filter"}
    assert default_deny_findings("app1", ruleset(ip_only), ["input"]) == [
        "app1: the input hook is not default-deny for IPv6: only ip/filter/input (ip) drop by "
        "default"
    ]
    ip6 = {**INPUT_DROP, "family": "ip6", "table": "filter6"}
    assert default_deny_findings("app1", ruleset(ip_only, ip6), ["input"]) == []
    assert default_deny_findings("app1", ruleset(ip_only), ["input"], ["ip"]) == []


def test_a_rule_accepting_everything_voids_the_drop_policy() -> None:
    opened = rule({"counter": {"packets": 0, "bytes": 0}}, ACCEPT, handle=42)
    opened["comment"] = "temporary"
    assert default_deny_findings("db1", ruleset(INPUT_DROP, opened), ["input"]) == [
        "db1: the input hook is not default-deny: chain inet/golive/input accepts every packet "
        'at rule handle 42 "temporary", before its drop policy'
    ]


def test_what_counts_as_accepting_everything() -> None:
    anywhere = {
        "match": {
            "op": "==",
            "left": {"payload": {"protocol": "ip", "field": "saddr"}},
            "right": {"prefix": {"addr": "0.0.0.0", "len": 0}},
        }
    }
    all_ports = {
        "match": {
            "op": "==",
            "left": {"payload": {"protocol": "tcp", "field": "dport"}},
            "right": {"range": [0, 65535]},
        }
    }
    some_ports = {
        "match": {**all_ports["match"], "right": {"range": [8000, 9000]}},
    }
    assert accepts_everything(rule(ACCEPT))
    assert accepts_everything(rule(anywhere, ACCEPT))
    assert accepts_everything(rule(all_ports, ACCEPT))
    assert not accepts_everything(rule(some_ports, ACCEPT))
    assert not accepts_everything(rule(SSH, ACCEPT))
    assert not accepts_everything(rule({"drop": None}))
