"""An Ansible inventory as the host list (issue 15): environments/sandbox-ansible reads the
sandbox's hosts from hosts.yml through `ansible-inventory --list` and certifies the sandbox
with the same verdict, the same hosts and the same blockers as environments/sandbox, healthy
and with a node down. Compared with the plain sandbox's own inventory, so a host added there
and not to the Ansible inventory fails here."""

from __future__ import annotations

from conftest import Run, blockers, injected
from golive.model.environment import load_environment
from golive.probe.ansible import list_inventory
from golive.report.allure_meta import scope_key

ANSIBLE = "sandbox-ansible"


def test_the_ansible_inventory_is_the_sandboxs_hosts() -> None:
    plain = load_environment("sandbox").inventory.hosts
    ansible = load_environment(ANSIBLE, ansible=list_inventory).inventory.hosts
    assert list(ansible) == list(plain)
    for name, host in plain.items():
        theirs = ansible[name]
        assert (theirs.address, theirs.roles, theirs.vars) == (host.address, host.roles, host.vars)


def _same(plain: Run, ansible: Run) -> None:
    assert ansible.verdict, ansible.output
    assert ansible.verdict["verdict"] == plain.verdict["verdict"], ansible.output
    # each labelled with its own name: scope, header and trend (history key) (issue 23)
    assert (plain.verdict["scope"]["env"], ansible.verdict["scope"]["env"]) == ("sandbox", ANSIBLE)
    assert scope_key(ansible.verdict).startswith(f"{ANSIBLE}--")
    assert ansible.verdict["scope"]["hosts"] == plain.verdict["scope"]["hosts"]
    assert blockers(ansible) == blockers(plain)
    assert ansible.verdict["counts"] == plain.verdict["counts"]
    assert ansible.returncode == plain.returncode


def test_same_verdict_and_hosts_as_the_plain_sandbox(certify) -> None:
    healthy = certify("smoke")
    assert healthy.verdict.get("verdict") == "GO", healthy.output
    _same(healthy, certify("smoke", "--env", ANSIBLE))
    with injected("app_node_down"):
        down = certify("smoke")
        assert down.verdict.get("verdict") == "NO-GO", down.output
        _same(down, certify("smoke", "--env", ANSIBLE))
