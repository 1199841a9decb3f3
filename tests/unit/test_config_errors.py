"""Bad input is one clear line naming the file and the key, exit 4, never a traceback, and
nothing runs before the whole environment (waivers and sign-offs too) is validated."""

from __future__ import annotations

import copy
import itertools
from pathlib import Path

import pytest
import yaml

from conftest import EXPECTATIONS, INVENTORY, Golive
from golive.model.config import read_yaml
from golive.model.environment import load_environment
from golive.model.errors import ConfigError

RAN = """
import pathlib

def test_ran():
    pathlib.Path("ran").write_text("yes")
"""


def _read(tmp_path: Path, raw: bytes) -> ConfigError:
    path = tmp_path / "file.yml"
    path.write_bytes(raw)
    with pytest.raises(ConfigError) as info:
        read_yaml(path)
    return info.value


def test_duplicate_key_is_an_error_naming_both_lines(tmp_path: Path) -> None:
    err = _read(tmp_path, b"hosts:\n  app1: {a: 1}\n  app2: {a: 2}\n  app1: {a: 3}\n")
    assert err.key == "line 4"
    assert "'app1' is also on line 2" in err.expected


def test_non_utf8_byte_is_an_error_naming_its_line(tmp_path: Path) -> None:
    err = _read(tmp_path, b"name: ok\nowner: M\xfcller\n")
    assert err.key == "line 2" and "UTF-8" in err.expected


def test_alias_bomb_is_refused_before_it_is_built(tmp_path: Path) -> None:
    lines = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    names = "abcdefghij"
    for prev, cur in itertools.pairwise(names):
        lines.append(f"{cur}: &{cur} [{','.join(['*' + prev] * 9)}]")
    err = _read(tmp_path, ("\n".join(lines) + "\n").encode())
    assert err.key == "(document)" and "aliases" in err.expected


def test_a_few_aliases_are_fine(tmp_path: Path) -> None:
    path = tmp_path / "ok.yml"
    path.write_text("base: &b {port: 1}\none: *b\ntwo: *b\n")
    assert read_yaml(path) == {"base": {"port": 1}, "one": {"port": 1}, "two": {"port": 1}}


def test_oversized_file_is_refused_unread(tmp_path: Path) -> None:
    err = _read(tmp_path, b"#" * (2 << 20))
    assert err.key == "(file)" and "at most" in err.expected


def test_dates_are_validated_by_the_model_not_the_yaml_parser(tmp_path: Path) -> None:
    path = tmp_path / "d.yml"
    path.write_text("expires: 2025-13-45\n")
    assert read_yaml(path) == {"expires": "2025-13-45"}


def _env(tmp_path: Path, inventory: dict[str, object]) -> Path:
    root = tmp_path / "env"
    root.mkdir()
    (root / "inventory.yml").write_text(yaml.safe_dump(inventory))
    (root / "expectations.yml").write_text(yaml.safe_dump(EXPECTATIONS))
    return root


def test_misspelt_secret_name_is_a_config_error_at_load(tmp_path: Path) -> None:
    secrets = tmp_path / "secrets.yml"
    secrets.write_text(yaml.safe_dump({"db_password": "x", "trader_totp": "y"}))
    inventory = copy.deepcopy(INVENTORY)
    inventory["secrets_file"] = str(secrets)
    inventory["database"]["password"] = "db_pasword"  # type: ignore[index]
    with pytest.raises(ConfigError) as info:
        load_environment("env", root=_env(tmp_path, inventory))
    assert info.value.key == "database.password"
    assert "'db_pasword' is not one" in info.value.expected


@pytest.mark.parametrize("name", ["../environments/sandbox", "/etc", "..", ""])
def test_env_must_name_a_directory_of_the_envdir(name: str) -> None:
    with pytest.raises(ConfigError) as info:
        load_environment(name)
    assert "--envdir" in info.value.expected


def _no_traceback_exit_4(golive: Golive, result: pytest.RunResult) -> str:
    out = "\n".join(result.outlines + result.errlines)
    assert result.ret == 4, out
    assert "Traceback" not in out
    assert not (golive.pytester.path / "ran").exists(), "a check ran before validation"
    return out


@pytest.mark.parametrize(
    ("entry", "line"),
    [
        ({"when": "2025-13-45"}, "change_board.when: '2025-13-45' is not a date (YYYY-MM-DD)"),
        ({"who": None}, "change_board.who: required key is missing"),
        ({"scope": 7}, "change_board.scope: Input should be a valid string"),
    ],
)
def test_malformed_signoff_is_a_config_error(
    golive: Golive, entry: dict[str, object], line: str
) -> None:
    signoff = {"who": "CB", "when": "2025-01-01", "scope": "release 2.0.0", "expires": "2099-12-31"}
    signoff = {k: v for k, v in {**signoff, **entry}.items() if v is not None}
    golive.write("signoffs.yml", {"change_board": signoff})
    out = _no_traceback_exit_4(golive, golive.run(RAN))
    assert f"signoffs.yml: {line}" in out


@pytest.mark.parametrize(
    ("file", "raw", "where"),
    [
        ("waivers.yml", b"- check: x\n  expires: \xff\n", "waivers.yml: line 2: UTF-8"),
        ("signoffs.yml", b"a: 1\na: 2\n", "signoffs.yml: line 2: each key once"),
        ("waivers.yml", b"check: not a list\n", "waivers.yml: (root): a list of waivers"),
    ],
)
def test_waivers_and_signoffs_are_validated_before_any_check(
    golive: Golive, file: str, raw: bytes, where: str
) -> None:
    (golive.env / file).write_bytes(raw)
    out = _no_traceback_exit_4(golive, golive.run(RAN))
    assert where in out


def _roles_env(
    tmp_path: Path,
    hosts_roles: dict[str, list[str]],
    roles: dict[str, object],
    extra: dict[str, object] | None = None,
) -> ConfigError:
    inventory = copy.deepcopy(INVENTORY)
    for name, host_roles in hosts_roles.items():
        inventory["hosts"][name]["roles"] = host_roles  # type: ignore[index]
    expectations = {**EXPECTATIONS, "roles": roles, **(extra or {})}
    root = tmp_path / "env"
    root.mkdir()
    (root / "inventory.yml").write_text(yaml.safe_dump(inventory))
    (root / "expectations.yml").write_text(yaml.safe_dump(expectations))
    with pytest.raises(ConfigError) as info:
        load_environment("env", root=root, secrets=False)
    return info.value


def test_a_role_typo_on_a_host_is_a_config_error(tmp_path: Path) -> None:
    err = _roles_env(tmp_path, {"app2": ["ap"]}, {"app": {}, "db": {}})
    assert err.key == "hosts.app2.roles" and "'ap' is not" in err.expected


def test_a_declared_role_without_a_host_is_an_error_unless_optional(tmp_path: Path) -> None:
    err = _roles_env(tmp_path, {}, {"app": {}, "db": {}, "mq": {}})
    assert err.key == "roles.mq" and "optional" in err.expected
    ok = tmp_path / "ok"
    ok.mkdir()
    (ok / "inventory.yml").write_text(yaml.safe_dump(INVENTORY))
    roles = {"app": {}, "db": {}, "mq": {"optional": True}}
    (ok / "expectations.yml").write_text(yaml.safe_dump({**EXPECTATIONS, "roles": roles}))
    assert load_environment("ok", root=ok, secrets=False).hosts_with_role("mq") == []


def test_expectations_for_an_undeclared_role_are_an_error(tmp_path: Path) -> None:
    hardware = {"hardware": {"appp": {"cores": 2, "memory_mib": 1024, "free_disk_mib": {"/": 1}}}}
    err = _roles_env(tmp_path, {}, {"app": {}, "db": {}}, hardware)
    assert err.key == "hardware" and "'appp' is not" in err.expected


def test_a_check_for_an_undeclared_role_is_a_usage_error(golive: Golive) -> None:
    r = golive.run(
        "import pytest\n\n@pytest.mark.smoke\n@pytest.mark.roles('ap')\n"
        "def test_x(target):\n    pass\n"
    )
    out = "\n".join(r.outlines + r.errlines)
    assert r.ret in (2, 4, 1) and "roles('ap')" in out
