"""``golive validate``: a whole environment checked without running a check, every problem
one line, all at once (issue 15); and an Ansible inventory as the host list, read through
the real ``ansible-inventory`` (Debian's ansible-core), its errors one line each."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest
import yaml

from conftest import EXPECTATIONS, INVENTORY, SIGNOFF
from golive.cli import main
from golive.model.environment import Host, load_environment
from golive.model.errors import CheckFailed, ConfigError
from golive.probe.ansible import list_inventory
from golive.probe.hosts import Target

needs_ansible = pytest.mark.skipif(
    shutil.which("ansible-inventory") is None, reason="ansible-core is part of `make setup`"
)


def _env(root: Path, **files: Any) -> Path:
    env = root / "envs" / "fake"
    env.mkdir(parents=True)
    secrets = root / "secrets.yml"
    secrets.write_text(yaml.safe_dump({"db_password": "x", "trader_totp": "y"}))
    defaults = {
        "inventory.yml": {**INVENTORY, "secrets_file": str(secrets)},
        "expectations.yml": EXPECTATIONS,
        "signoffs.yml": {"change_board": SIGNOFF},
    }
    for name, data in {**defaults, **files}.items():
        text = data if isinstance(data, str) else yaml.safe_dump(data, sort_keys=False)
        (env / name).write_text(text)
    return env


def _validate(env: Path, capsys: pytest.CaptureFixture[str]) -> tuple[int, list[str]]:
    code = main(["--envdir", str(env.parent), "validate", "--env", env.name])
    out = capsys.readouterr()
    return code, [line for line in (out.out + out.err).splitlines() if line]


def test_a_valid_environment_is_exit_0(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, lines = _validate(_env(tmp_path), capsys)
    assert code == 0, lines
    assert lines == ["environment fake (release 2.0.0): 3 hosts (app1, app2, db1): valid"]


def test_every_problem_of_every_file_in_one_run(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    hosts = dict(INVENTORY["hosts"])
    hosts["app2"] = {**hosts["app2"], "roles": ["ap"]}  # a role typo
    hosts["db1"] = {**hosts["db1"], "adress": "x"}  # an unknown key
    inventory = {
        **INVENTORY,
        "hosts": hosts,
        "database": {**INVENTORY["database"], "port": "fivefour"},  # a wrong type
    }
    env = _env(tmp_path)
    secrets = yaml.safe_load((env / "inventory.yml").read_text())["secrets_file"]
    inventory["secrets_file"] = secrets
    (env / "inventory.yml").write_text(yaml.safe_dump(inventory, sort_keys=False))
    (env / "waivers.yml").write_text(
        yaml.safe_dump(
            [
                {
                    "check": "x",
                    "justification": "j",
                    "approver": "a",
                    "ticket": "T-1",
                    "expires": "2025-13-45",
                }
            ]
        )
    )
    (env / "signoffs.yml").write_text(
        yaml.safe_dump({"change_board": {k: v for k, v in SIGNOFF.items() if k != "who"}})
    )
    (env / "expectations.yml").write_text(
        yaml.safe_dump({**EXPECTATIONS, "app": {"port": 8080, "health": "/h"}})  # a typo
    )
    code, lines = _validate(env, capsys)
    assert code == 4
    expected = [
        "inventory.yml: hosts.db1.adress: no such key",
        "inventory.yml: database.port: Input should be a valid integer",
        "waivers.yml: [0].expires: '2025-13-45' is not a date (YYYY-MM-DD)",
        "signoffs.yml: change_board.who: required key is missing",
        "expectations.yml: app.health: no such key",
    ]
    for fragment in expected:
        assert any(fragment in line for line in lines), (fragment, lines)
    assert lines[-1] == "environment fake: 5 problem(s)", lines
    assert all(line.startswith("golive: ") for line in lines[:-1]), lines
    # once the inventory is valid, what it says is checked too: roles and secrets
    inventory["database"] = {**INVENTORY["database"], "password": "db_pasword"}
    hosts["db1"] = INVENTORY["hosts"]["db1"]
    (env / "expectations.yml").write_text(yaml.safe_dump(EXPECTATIONS))
    (env / "inventory.yml").write_text(yaml.safe_dump(inventory, sort_keys=False))
    code, lines = _validate(env, capsys)
    assert code == 4
    for fragment in [
        "inventory.yml: hosts.app2.roles: roles declared in expectations.yml",
        "inventory.yml: database.password: the name of a secret",
        "waivers.yml: [0].expires",
        "signoffs.yml: change_board.who",
    ]:
        assert any(fragment in line for line in lines), (fragment, lines)


ANSIBLE_INI = """\
[app]
app1 ansible_host=127.0.2.11 ansible_user=deploy catalina_base=/opt/tomcat
app2 ansible_host=127.0.2.12 ansible_port=2222 ansible_ssh_private_key_file=/k/id

[db]
db1 ansible_host=127.0.2.21

[web:children]
app
"""


def _ansible_env(root: Path, roles: dict[str, str], ini: str = ANSIBLE_INI) -> Path:
    env = _env(root)
    inventory = yaml.safe_load((env / "inventory.yml").read_text())
    del inventory["hosts"]
    inventory["hosts_from"] = {"ansible": "hosts.ini", "roles": roles}
    (env / "inventory.yml").write_text(yaml.safe_dump(inventory, sort_keys=False))
    (env / "hosts.ini").write_text(ini)
    return env


@needs_ansible
def test_ansible_inventory_gives_the_hosts(tmp_path: Path) -> None:
    env = _ansible_env(tmp_path, {"web": "app", "db": "db"})
    hosts = load_environment("fake", directory=env.parent, ansible=list_inventory).inventory.hosts
    assert list(hosts) == ["app1", "app2", "db1"]
    assert hosts["app1"].connection == "ssh://deploy@127.0.2.11"
    assert hosts["app1"].vars == {"catalina_base": "/opt/tomcat"}
    assert hosts["app2"].connection == "ssh://127.0.2.12:2222?ssh_identity_file=/k/id"
    assert [h.roles for h in hosts.values()] == [["app"], ["app"], ["db"]]


def test_an_ansible_inventory_is_listed_by_the_probe_the_caller_hands_in(tmp_path: Path) -> None:
    """The model runs no command (docs/architecture.md#layers): a caller that hands it no
    lister (golive.probe.ansible.list_inventory) is refused in one line naming the key."""
    env = _ansible_env(tmp_path, {"web": "app", "db": "db"})
    with pytest.raises(ConfigError) as refused:
        load_environment("fake", directory=env.parent)
    assert str(refused.value) == (
        f"{env}/inventory.yml: hosts_from: hosts listed in inventory.yml: this "
        "command reads no Ansible inventory"
    )


@needs_ansible
@pytest.mark.parametrize(
    ("roles", "ini", "key", "expected"),
    [
        ({"web": "app", "dbs": "db"}, ANSIBLE_INI, "hosts_from.roles.dbs", "a group of"),
        ({"web": "app", "db": "db"}, ANSIBLE_INI.replace(" ansible_host=127.0.2.21", ""),
         "hosts_from: host db1", "an address (ansible_host)"),
        ({"web": "app"}, None, "hosts_from.ansible", "does not exist"),
        ({"web": "app"}, "[app\nbroken", "hosts_from.ansible", "an inventory ansible-inventory"),
    ],
)  # fmt: skip
def test_ansible_inventory_errors_are_one_line(
    tmp_path: Path, roles: dict[str, str], ini: str | None, key: str, expected: str
) -> None:
    env = _ansible_env(tmp_path, roles, ini or "")
    if ini is None:
        (env / "hosts.ini").unlink()
    with pytest.raises(ConfigError) as caught:
        load_environment("fake", directory=env.parent, ansible=list_inventory)
    assert caught.value.key == key and expected in caught.value.expected, caught.value
    assert "\n" not in str(caught.value)


def test_a_host_lacking_a_var_its_role_declares_is_named_before_any_check(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A check that reads a host var (``deployment.config_var``) on a host without it failed
    with ``KeyError: 'app_config'``: the role declares the vars its hosts set, and a host
    lacking one, or a ``*_var`` no role declares, is a configuration error (exit 4)."""
    hosts = dict(INVENTORY["hosts"])
    hosts["app1"] = {**hosts["app1"], "vars": {"app_config": "/etc/trading/app.properties"}}
    expectations = {
        **EXPECTATIONS,
        "roles": {"app": {"vars": ["app_config"]}, "db": {}},
        "load_balancer": {"config_var": "nginx_conf", "backend_role": "app"},
    }
    env = _env(tmp_path, **{"expectations.yml": expectations})
    inventory = yaml.safe_load((env / "inventory.yml").read_text())
    (env / "inventory.yml").write_text(yaml.safe_dump({**inventory, "hosts": hosts}))
    code, lines = _validate(env, capsys)
    assert code == 4
    assert (
        f"golive: {env}/inventory.yml: hosts.app2.vars.app_config: a value: every app host "
        "sets it (expectations.yml roles.app.vars; the checks of app hosts read it)" in lines
    )
    assert (
        f"golive: {env}/expectations.yml: load_balancer.config_var: a host var some role "
        "declares in `roles.<role>.vars` (app_config); 'nginx_conf' is declared by none" in lines
    )
    assert not any("app1" in line for line in lines)
    with pytest.raises(ConfigError, match=r"hosts\.app2\.vars\.app_config"):
        load_environment("fake", directory=env.parent, ansible=list_inventory)


def test_a_var_the_host_lacks_fails_the_check_with_a_sentence_not_a_key_error() -> None:
    spec = Host(address="127.0.2.11", roles=["app"], connection="local://", vars={"a": "/x"})
    target = Target("app1", spec, None)
    assert target.var("a") == "/x"
    with pytest.raises(CheckFailed) as caught:
        target.var("app_config")
    assert str(caught.value).startswith("app1: host var 'app_config' is not set in the inventory")
