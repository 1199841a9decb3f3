"""Port-set diff, listening-socket parsing and reachability verdicts (no network)."""

from __future__ import annotations

from golive.judge.predeploy import missing_listeners
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
)


def test_port_spec_adds_policy_ports() -> None:
    assert portscan.port_spec("1-1024", {8443, 22}) == "1-1024,22,8443"
    assert portscan.port_spec("1-1024", set()) == "1-1024"


def test_unexpected_open_and_expected_closed_ports() -> None:
    found = {22: "open", 5432: "open", 80: "filtered", 9999: "closed"}
    assert portscan.port_findings("db1", {22, 80}, found, "from 10.0.0.200") == [
        "db1:5432/tcp open from 10.0.0.200; policy allows only 22, 80",
        "db1:80/tcp filtered from 10.0.0.200; policy expects it open",
    ]


def test_expected_port_missing_from_scan() -> None:
    assert portscan.port_findings("lb1", {443}, {}, "from x") == [
        "lb1:443/tcp not open from x; policy expects it open"
    ]


def test_listening_ports_of_one_address_plus_wildcards() -> None:
    app1 = listeners.Listening("app1", "127.10.0.11", SOCKETS)
    app2 = listeners.Listening("app2", "127.10.0.12", SOCKETS)
    assert app1.ports == {22, 8080, 6000, 7000, 8081}
    assert app2.ports == {22, 6000, 7000}


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
