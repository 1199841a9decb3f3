"""Default-deny judgement of an nftables JSON ruleset."""

from __future__ import annotations

import json

from golive.judge.firewall import default_deny_findings


def ruleset(*chains: dict[str, str]) -> str:
    return json.dumps({"nftables": [{"metainfo": {}}, *({"chain": c} for c in chains)]})


INPUT_DROP = {
    "table": "golive",
    "name": "input",
    "type": "filter",
    "hook": "input",
    "policy": "drop",
}


def test_input_chain_dropping_by_default_passes() -> None:
    assert default_deny_findings("db1", ruleset(INPUT_DROP), ["input"]) == []


def test_input_chain_accepting_by_default_is_a_finding() -> None:
    accepting = {**INPUT_DROP, "policy": "accept"}
    assert default_deny_findings("db1", ruleset(accepting), ["input"]) == [
        "db1: the input hook is not default-deny: chain(s) golive/input have policy accept"
    ]


def test_missing_hook_and_nat_chains_do_not_count() -> None:
    nat = {"table": "nat", "name": "post", "type": "nat", "hook": "postrouting", "policy": "accept"}
    assert default_deny_findings("lb1", ruleset(nat), ["input", "forward"]) == [
        "lb1: no nftables filter chain on the input hook",
        "lb1: no nftables filter chain on the forward hook",
    ]
