"""What a host shows of itself (issue 25): its hostname against its inventory name, and the
process holding each port it serves (``ss -Htlnp`` as root sees it). Pure judges, no network."""

from __future__ import annotations

from golive.judge.predeploy import (
    PortHolder,
    hostname_findings,
    port_holder_findings,
    port_holders,
)

SS = """\
LISTEN 0      100    127.10.0.12:8080      0.0.0.0:*    users:(("java",pid=3,fd=41))
LISTEN 0      128    127.10.0.12:22        0.0.0.0:*    users:(("sshd",pid=24,fd=3))
LISTEN 0 511 *:80 *:* users:(("nginx",pid=9,fd=6),("nginx",pid=8,fd=6))
LISTEN 0      5      127.10.0.12:9999      0.0.0.0:*
LISTEN 0      64     [::ffff:127.10.0.12]:7000 [::]:*   users:(("a \\"b\\"",pid=7,fd=3))
LISTEN 0      64     127.10.0.11:8080      0.0.0.0:*    users:(("python3",pid=70,fd=3))
"""


def test_hostname_is_the_inventory_name_exactly() -> None:
    assert hostname_findings("app2", "app2\n") == []
    assert hostname_findings("app2", "node-7f3a\n") == [
        "app2: hostname is node-7f3a, not its inventory name app2"
    ]
    assert hostname_findings("app2", "app2.sandbox.test") == [
        "app2: hostname is app2.sandbox.test, not its inventory name app2"
    ]
    assert hostname_findings("app2", "  \n") == ["app2: reports no hostname"]


def test_ss_output_is_parsed_into_sockets_and_their_processes() -> None:
    holders = port_holders(SS + "State Recv-Q\nnot a line\n")
    assert holders[0] == PortHolder("127.10.0.12", 8080, (("java", 3),))
    assert holders[2] == PortHolder("*", 80, (("nginx", 9), ("nginx", 8)))
    assert holders[3] == PortHolder("127.10.0.12", 9999, ())
    assert holders[4] == PortHolder("127.10.0.12", 7000, (('a \\"b\\"', 7),))
    assert len(holders) == 6


def test_a_port_held_by_its_service_passes() -> None:
    holders = port_holders(SS)
    assert port_holder_findings("app2", "127.10.0.12", holders, {8080: "java"}) == []
    # a wildcard socket counts for the host's address; one of several holders suffices
    assert port_holder_findings("app2", "127.10.0.12", holders, {80: "nginx"}) == []


def test_a_port_held_by_another_process_fails_naming_it() -> None:
    holders = port_holders(SS)
    assert port_holder_findings("app2", "127.10.0.12", holders, {8080: "postgres"}) == [
        "app2: 127.10.0.12:8080 is held by java (pid 3), not postgres"
    ]
    # another host's socket on the same port is not this host's
    assert port_holder_findings("app1", "127.10.0.11", holders, {8080: "java"}) == [
        "app1: 127.10.0.11:8080 is held by python3 (pid 70), not java"
    ]


def test_a_port_no_process_of_the_host_holds_fails() -> None:
    assert port_holder_findings("app2", "127.10.0.12", port_holders(SS), {9999: "java"}) == [
        "app2: 127.10.0.12:9999 is held by no process of this host, not java"
    ]


def test_a_port_nothing_listens_on_is_left_to_the_listening_check() -> None:
    assert port_holder_findings("app2", "127.10.0.12", port_holders(SS), {5432: "x"}) == []
    assert port_holder_findings("db1", "127.10.0.21", port_holders(SS), {8080: "java"}) == []
