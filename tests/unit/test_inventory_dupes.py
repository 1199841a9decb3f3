"""Two inventory names must not be one machine (issue 19): hosts reached at one address (after
resolution), a host in Ansible groups of different roles, and addresses that are neither an IP
address nor a host name are configuration errors (validate and every run: exit 4, one line
naming file and key), unless the inventory declares them (``same_machine_as``,
``golive_same_machine_as``, ``golive_multi_role``)."""

from __future__ import annotations

import shutil
import socket
import threading
import time
from pathlib import Path
from typing import Any

import pytest
import yaml

from conftest import EXPECTATIONS, INVENTORY, SIGNOFF, Golive
from golive.cli import main
from golive.model import machines
from golive.model.environment import load_environment
from golive.model.errors import ConfigError
from golive.probe.ansible import list_inventory

needs_ansible = pytest.mark.skipif(
    shutil.which("ansible-inventory") is None, reason="ansible-core is part of `make setup`"
)


def _env(root: Path, hosts: dict[str, Any] | None = None, **extra: Any) -> Path:
    env = root / "envs" / "fake"
    env.mkdir(parents=True)
    secrets = root / "secrets.yml"
    secrets.write_text(yaml.safe_dump({"db_password": "x"}))
    inventory = {**INVENTORY, "secrets_file": str(secrets), **extra}
    if hosts is not None:
        inventory["hosts"] = hosts
    for name, data in {
        "inventory.yml": inventory,
        "expectations.yml": EXPECTATIONS,
        "signoffs.yml": {"change_board": SIGNOFF},
    }.items():
        (env / name).write_text(yaml.safe_dump(data, sort_keys=False))
    return env


def _hosts(**changes: dict[str, Any]) -> dict[str, Any]:
    hosts = {name: dict(spec) for name, spec in INVENTORY["hosts"].items()}
    for name, change in changes.items():
        hosts[name] = {**hosts[name], **change}
    return hosts


@pytest.fixture(autouse=True)
def _envdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The fake environments' directory, restored afterwards (``--envdir`` sets it for good)."""
    monkeypatch.setenv("GOLIVE_ENVDIR", str(tmp_path / "envs"))


def _validate(env: Path, capsys: pytest.CaptureFixture[str]) -> tuple[int, list[str]]:
    code = main(["validate", "--env", env.name])
    out = capsys.readouterr()
    return code, [line for line in (out.out + out.err).splitlines() if line]


def test_two_hosts_at_one_address_is_exit_4(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    env = _env(tmp_path, _hosts(app2={"address": "127.0.2.11"}))
    code, lines = _validate(env, capsys)
    assert code == 4
    assert lines == [
        f"golive: {env}/inventory.yml: hosts.app2.address: a machine of its own: app2's "
        "address and app1's address are both 127.0.2.11; if they are one machine, declare it "
        "on app2: `same_machine_as: app1`",
        "environment fake: 1 problem(s)",
    ]


def test_a_connection_to_another_hosts_address_is_exit_4(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The issue's case: app2's connection points at app1's address (its own address is
    right): golive would have certified app1 twice."""
    hosts = _hosts(
        app1={"connection": "ssh://golive@127.0.2.11"},
        app2={"connection": "ssh://golive@127.0.2.11:22"},
    )
    code, lines = _validate(_env(tmp_path, hosts), capsys)
    assert code == 4
    assert (
        "hosts.app2.connection: a machine of its own: app2's connection and app1's address"
        in (lines[0])
    )


def test_a_hostname_is_compared_after_resolution(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    env = _env(tmp_path, _hosts(app1={"address": "localhost"}, app2={"address": "127.0.0.1"}))
    code, lines = _validate(env, capsys)
    assert code == 4
    assert "hosts.app2.address: a machine of its own: app2's address and app1's address are " \
        "both 127.0.0.1 (127.0.0.1)" not in lines[0]  # fmt: skip
    assert "hosts.app2.address: a machine of its own: app2's address and app1's address " \
        "are both 127.0.0.1;" in lines[0]  # fmt: skip


def test_declared_same_machine_is_valid(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    hosts = _hosts(
        app2={"address": "127.0.2.11", "same_machine_as": "app1"},
        db1={"address": "127.0.2.11", "same_machine_as": "app2"},  # one group of three
    )
    code, lines = _validate(_env(tmp_path, hosts), capsys)
    assert code == 0, lines


def test_same_machine_as_must_name_another_host(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    hosts = _hosts(app2={"same_machine_as": "app3"}, db1={"same_machine_as": "db1"})
    code, lines = _validate(_env(tmp_path, hosts), capsys)
    assert code == 4
    assert lines[:2] == [
        f"golive: {tmp_path}/envs/fake/inventory.yml: hosts.app2.same_machine_as: another "
        "host of the inventory (app1, db1); 'app3' is not one",
        f"golive: {tmp_path}/envs/fake/inventory.yml: hosts.db1.same_machine_as: another "
        "host of the inventory (app1, app2); 'db1' is not one",
    ]


@pytest.mark.parametrize(
    ("change", "key"),
    [
        ({"address": "not an address!"}, "hosts.app1.address"),
        ({"address": "999.1.1.1"}, "hosts.app1.address"),
        ({"address": "-app1.example"}, "hosts.app1.address"),
        ({"address": "app1..example"}, "hosts.app1.address"),
        ({"address": "app_1.example"}, "hosts.app1.address"),
        ({"address": ""}, "hosts.app1.address"),
        ({"address": "a" * 64 + ".example"}, "hosts.app1.address"),
        ({"connection": "ssh://golive@bad host"}, "hosts.app1.connection"),
        ({"connection": "ssh://golive@127.0.2.11:99999"}, "hosts.app1.connection"),
        ({"connection": "paramiko://golive@127.0.2.11:0"}, "hosts.app1.connection"),
    ],
)
def test_a_garbage_address_is_exit_4(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], change: dict[str, str], key: str
) -> None:
    code, lines = _validate(_env(tmp_path, _hosts(app1=change)), capsys)
    assert code == 4
    assert len(lines) == 2, lines
    assert lines[0].startswith(f"golive: {tmp_path}/envs/fake/inventory.yml: {key}: "), lines
    assert "an IP address or a host name" in lines[0] or "port" in lines[0], lines


@pytest.mark.parametrize(
    "address", ["127.0.2.11", "::1", "app1", "app1.example.com", "app-1.example.com."]
)
def test_valid_addresses(address: str) -> None:
    assert machines.address_problem(address) is None


def test_a_run_stops_at_startup_too(golive: Golive) -> None:
    hosts = _hosts(app2={"address": "127.0.2.11"})
    golive.write("inventory.yml", {**golive.read("inventory.yml"), "hosts": hosts})
    result = golive.run("def test_x():\n    open('ran', 'w').close()\n")
    out = [line for line in result.outlines + result.errlines if line.strip()]
    assert result.ret == 4, out
    assert out == [
        f"ERROR: golive: {golive.env}/inventory.yml: hosts.app2.address: a machine of its own: "
        "app2's address and app1's address are both 127.0.2.11; if they are one machine, "
        "declare it on app2: `same_machine_as: app1`"
    ]
    assert not (golive.pytester.path / "ran").exists()


def test_an_unresolvable_name_is_compared_as_written(monkeypatch: pytest.MonkeyPatch) -> None:
    """A host name the controller cannot resolve is no error (ssh may resolve it), but two
    hosts naming it are still one machine."""

    def no(*args: Any, **kwargs: Any) -> Any:
        raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")

    monkeypatch.setattr(socket, "getaddrinfo", no)
    spec = _hosts(app1={"address": "app1.corp"}, app2={"address": "APP1.corp."})
    from golive.model.environment import Host

    hosts = {name: Host.model_validate(h) for name, h in spec.items()}
    found = machines.machine_problems(hosts, 1.0, Path("inventory.yml"))
    assert [str(e) for e in found] == [
        "inventory.yml: hosts.app2.address: a machine of its own: app2's address and app1's "
        "address are both app1.corp (APP1.corp.); if they are one machine, declare it on "
        "app2: `same_machine_as: app1`"
    ]
    del hosts["app2"]
    assert machines.machine_problems(hosts, 1.0, Path("inventory.yml")) == []


def test_a_resolver_that_never_answers_costs_the_timeout(monkeypatch: pytest.MonkeyPatch) -> None:
    release = threading.Event()

    def hang(*args: Any, **kwargs: Any) -> Any:
        release.wait(30)
        raise socket.gaierror(socket.EAI_AGAIN, "Temporary failure in name resolution")

    monkeypatch.setattr(socket, "getaddrinfo", hang)
    started = time.monotonic()
    try:
        assert machines.resolve(["a.corp", "b.corp", "127.0.0.1"], 0.3) == {
            "a.corp": set(),
            "b.corp": set(),
            "127.0.0.1": {"127.0.0.1"},
        }
        assert time.monotonic() - started < 5
    finally:
        release.set()


ANSIBLE_INI = """\
[app]
app1 ansible_host=127.0.2.11
app2 ansible_host=127.0.2.12

[db]
db1 ansible_host=127.0.2.21
"""


def _ansible_env(root: Path, ini: str) -> Path:
    env = _env(root)
    inventory = yaml.safe_load((env / "inventory.yml").read_text())
    del inventory["hosts"]
    inventory["hosts_from"] = {"ansible": "hosts.ini", "roles": {"app": "app", "db": "db"}}
    (env / "inventory.yml").write_text(yaml.safe_dump(inventory, sort_keys=False))
    (env / "hosts.ini").write_text(ini)
    return env


@needs_ansible
def test_two_ansible_hosts_at_one_address_is_exit_4(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    env = _ansible_env(tmp_path, ANSIBLE_INI.replace("127.0.2.12", "127.0.2.11"))
    code, lines = _validate(env, capsys)
    assert code == 4
    assert lines[0] == (
        f"golive: {env}/hosts.ini: app2.ansible_host: a machine of its own: app2's address "
        "and app1's address are both 127.0.2.11; if they are one machine, declare it on app2: "
        "`golive_same_machine_as: app1`"
    )
    declared = ANSIBLE_INI.replace(
        "app2 ansible_host=127.0.2.12", "app2 ansible_host=127.0.2.11 golive_same_machine_as=app1"
    )
    (env / "hosts.ini").write_text(declared)
    loaded = load_environment("fake", directory=env.parent, ansible=list_inventory)
    assert loaded.inventory.hosts["app2"].same_machine_as == "app1"
    assert "golive_same_machine_as" not in loaded.inventory.hosts["app2"].vars


@needs_ansible
def test_an_ansible_host_in_groups_of_two_roles_is_exit_4(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """app1 copied into [db] by mistake: Ansible merges it into one host with both roles (and
    the last ansible_host): golive refuses it unless the host says it has both."""
    env = _ansible_env(tmp_path, ANSIBLE_INI + "app1 ansible_host=127.0.2.21\n")
    code, lines = _validate(env, capsys)
    assert code == 4
    assert lines[0] == (
        f"golive: {env}/hosts.ini: app1: one host in groups of one role, or "
        "`golive_multi_role: true` if it is meant to have several (it is in app, db: roles "
        "app, db)"
    )
    (env / "hosts.ini").write_text(
        ANSIBLE_INI.replace("app2 ansible_host=127.0.2.12", "app2 ansible_host=127.0.2.12 "
                            "golive_multi_role=true") + "app2\n"
    )  # fmt: skip
    loaded = load_environment("fake", directory=env.parent, ansible=list_inventory)
    assert loaded.inventory.hosts["app2"].roles == ["app", "db"]
    assert "golive_multi_role" not in loaded.inventory.hosts["app2"].vars


@needs_ansible
def test_a_garbage_ansible_host_names_the_ansible_inventory(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    env = _ansible_env(tmp_path, ANSIBLE_INI.replace("127.0.2.12", "999.0.2.12"))
    code, lines = _validate(env, capsys)
    assert code == 4
    assert lines[0].startswith(f"golive: {env}/hosts.ini: app2.ansible_host: an IP address ")
    with pytest.raises(ConfigError) as caught:
        load_environment("fake", directory=env.parent, ansible=list_inventory)
    assert caught.value.key == "app2.ansible_host"


def test_a_host_name_given_twice_is_exit_4(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """In inventory.yml a host is a key of ``hosts:``: given twice, the second would silently
    replace the first; the YAML reader refuses it, naming both lines."""
    env = _env(tmp_path)
    text = (env / "inventory.yml").read_text()
    again = "  app1:\n    address: 127.0.2.13\n    roles:\n    - app\n"
    (env / "inventory.yml").write_text(text.replace("  db1:\n", again + "  db1:\n", 1))
    code, lines = _validate(env, capsys)
    assert code == 4
    assert lines[0].startswith(f"golive: {env}/inventory.yml: line ")
    assert "each key once ('app1' is also on line" in lines[0]
