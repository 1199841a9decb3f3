"""Port lists and passes of the exposure scan, port-set diff per protocol, listening-socket
parsing (TCP and UDP) and reachability verdicts (no network)."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from golive.judge import firewall
from golive.judge.predeploy import missing_listeners
from golive.model.expectations.security import PortScan
from golive.probe import listeners
from golive.probe import nmap as portscan
from golive.probe import reach as reachability

# What Testinfra's socket.get_listening_sockets() gives for a host sharing its network
# namespace with another (``ss``: ``[::ffff:a]:p`` and ``*:p`` already normalized).
SOCKETS = (
    "tcp://127.10.0.11:22",
    "tcp://::ffff:127.10.0.11:8080",
    "tcp://127.10.0.12:22",
    "tcp://0.0.0.0:6000",
    "tcp://:::7000",
    "tcp://127.10.0.11:8081",
    "tcp://127.0.0.53%lo:53",
    "udp://127.10.0.11:161",
    "udp://0.0.0.0:5353",
    "udp://127.10.0.12:123",
)


def test_port_list_names_both_protocols_and_the_policy_ports() -> None:
    assert portscan.port_list("1-65535", "53,123", {8443, 22}, {161}) == (
        "T:1-65535,22,8443,U:53,123,161"
    )
    assert portscan.port_list("", "", {22, 5432}, {53}) == "T:22,5432,U:53"
    assert portscan.port_list("1-1024", "") == "T:1-1024"


def test_scan_arguments_pin_the_source_and_bound_each_host() -> None:
    assert portscan.arguments("-sS -T5", "10.0.0.200", 29.5) == (
        "-n -Pn -S 10.0.0.200 -sS -T5 --host-timeout 30s"
    )
    assert portscan.arguments("-sT --host-timeout 5s", None, 300) == "-n -Pn -sT --host-timeout 5s"


def test_a_port_is_open_when_either_pass_saw_it_open() -> None:
    sweep = {"10.0.0.1": {(22, "tcp"): "open", (80, "tcp"): "filtered", (40404, "tcp"): "open"}}
    second = {
        "10.0.0.1": {(22, "tcp"): "filtered", (80, "tcp"): "open", (53, "udp"): "open|filtered"},
        "10.0.0.2": {(22, "tcp"): "open"},
    }
    assert portscan.merge(sweep, second) == {
        "10.0.0.1": {
            (22, "tcp"): "open",  # a lost answer in the second look does not hide it
            (80, "tcp"): "open",  # nor in the sweep
            (40404, "tcp"): "open",  # a port only the sweep looked at
            (53, "udp"): "open|filtered",
        },
        "10.0.0.2": {(22, "tcp"): "open"},
    }


def test_unexpected_open_and_expected_closed_ports() -> None:
    found = {
        (22, "tcp"): "open",
        (5432, "tcp"): "open",
        (80, "tcp"): "filtered",
        (9999, "tcp"): "closed",
    }
    assert firewall.port_findings("db1", {"tcp": {22, 80}}, found, "from 10.0.0.200") == [
        "db1:5432/tcp open from 10.0.0.200; policy allows only 22, 80",
        "db1:80/tcp not open (filtered) from 10.0.0.200; policy expects it open",
    ]


def test_expected_port_missing_from_scan() -> None:
    assert firewall.port_findings("lb1", {"tcp": {443}}, {}, "from x") == [
        "lb1:443/tcp not open from x; policy expects it open"
    ]


def test_udp_ports_are_judged_on_their_own() -> None:
    found = {
        (53, "tcp"): "open",
        (53, "udp"): "open",
        (161, "udp"): "open",
        (123, "udp"): "open|filtered",  # no answer: nmap cannot tell it from a dropped port
    }
    assert firewall.port_findings("ns1", {"tcp": {53}, "udp": {53}}, found, "from x") == [
        "ns1:161/udp open from x; policy allows only 53"
    ]
    assert firewall.port_findings("ns1", {"tcp": {53}}, found, "from x") == [
        "ns1:53/udp open from x; policy allows only none",
        "ns1:161/udp open from x; policy allows only none",
    ]


def test_listening_ports_of_one_address_plus_wildcards() -> None:
    app1 = listeners.Listening("app1", "127.10.0.11", SOCKETS)
    app2 = listeners.Listening("app2", "127.10.0.12", SOCKETS)
    assert app1.ports == {22, 8080, 6000, 7000, 8081}
    assert app2.ports == {22, 6000, 7000}
    assert app1.udp_ports == {161, 5353}
    assert app2.udp_ports == {123, 5353}


def test_a_required_port_nothing_listens_on() -> None:
    app2 = listeners.Listening("app2", "127.10.0.12", SOCKETS)
    assert missing_listeners("app2", "127.10.0.12", app2.ports, [22, 8080]) == [
        "app2: nothing listens on 127.10.0.12:8080"
    ]
    assert missing_listeners("app2", "127.10.0.12", app2.ports, [22, 6000]) == []


def test_reachability_verdicts() -> None:
    allow = reachability.Probe("app1", "db1", "10.0.0.21", 5432, allow=True)
    deny = reachability.Probe("lb1", "db1", "10.0.0.21", 5432, allow=False)
    assert reachability.finding(allow, "open") is None
    assert reachability.finding(deny, "timeout") is None
    assert reachability.finding(deny, "refused") is None
    assert reachability.finding(allow, "timeout") == (
        "app1 cannot reach db1 10.0.0.21:5432/tcp (timeout); policy allows it"
    )
    assert reachability.finding(deny, "open") == (
        "lb1 reaches db1 10.0.0.21:5432/tcp (open); policy denies it"
    )


def test_an_undeclared_path_that_opens_is_a_finding() -> None:
    assert firewall.undeclared_path_finding("db1", "app1", "10.0.0.11:9100", "timeout") is None
    assert firewall.undeclared_path_finding("db1", "app1", "10.0.0.11:9100", "refused") is None
    assert firewall.undeclared_path_finding("db1", "app1", "10.0.0.11:9100", "open") == (
        "db1 reaches app1 10.0.0.11:9100/tcp (open); no rule of the reachability matrix allows "
        "it and app1 does not expose it, so policy denies it"
    )


def test_scan_options_must_scan_both_protocols() -> None:
    with pytest.raises(ValidationError, match=r"-sU"):
        PortScan(udp_ports="53", sweep="-sS -T5", confirm="-sT -sU")
    with pytest.raises(ValidationError, match=r"TCP scan type"):
        PortScan(udp_ports="53", sweep="-sS -sU", confirm="-sU --max-retries 2")
    assert PortScan(udp_ports="53", sweep="-sS -sU -T5", confirm="-sT -sU").tcp_ports == "1-65535"
