"""Environment model: a bad inventory or expectations file gets one clear error naming the
file, the key and what was expected."""

from __future__ import annotations

import copy
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from conftest import EXPECTATIONS, INVENTORY
from golive.model.environment import load_environment
from golive.model.errors import ConfigError
from golive.model.expectations.security import TlsPolicy
from golive.model.expectations.smoke import App

REPO = Path(__file__).resolve().parents[2]


def make_env(root: Path, inventory: Any = None, expectations: Any = None) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    if isinstance(inventory, dict) and "secrets_file" not in inventory:
        secrets = root / "secrets.yml"  # every secret the inventory names resolves
        secrets.write_text(yaml.safe_dump({"db_password": "x", "trader_totp": "y"}))
        inventory = {**inventory, "secrets_file": str(secrets)}
    for name, data in (("inventory.yml", inventory), ("expectations.yml", expectations)):
        text = data if isinstance(data, str) else yaml.safe_dump(data)
        (root / name).write_text(text)
    return root


def load(
    tmp_path: Path, inventory: Any = INVENTORY, expectations: Any = EXPECTATIONS
) -> ConfigError:
    path = make_env(tmp_path / "env", inventory, expectations)
    with pytest.raises(ConfigError) as info:
        load_environment("env", root=path)
    return info.value


def changed(path: str, value: Any, base: dict[str, Any] = INVENTORY) -> dict[str, Any]:
    """A deep copy of ``base`` with the dotted key set to ``value`` (None removes it)."""
    data = copy.deepcopy(base)
    *parents, last = path.split(".")
    node = data
    for part in parents:
        node = node[part]
    if value is None:
        del node[last]
    else:
        node[last] = value
    return data


def test_valid_environment_loads(tmp_path: Path) -> None:
    env = load_environment("env", root=make_env(tmp_path / "env", INVENTORY, EXPECTATIONS))
    assert env.hosts_with_role("app") == ["app1", "app2"]
    assert env.inventory.public.hostname == "trading.fake.test"


def test_the_real_sandbox_environment_is_valid() -> None:
    env = load_environment("sandbox", secrets=False)
    assert env.inventory.sandbox is not None
    assert env.inventory.release.version == "1.5.0"


@pytest.mark.parametrize(
    ("data", "key", "expected"),
    [
        (changed("release", None), "release", "required key is missing"),
        (changed("hosts.app1.roles", []), "hosts.app1.roles", "at least 1 item"),
        (changed("hosts.app1.colour", "blue"), "hosts.app1.colour", "unknown key"),
        (
            changed("hosts.app1.connection", "telnet://x"),
            "hosts.app1.connection",
            "Testinfra backend",
        ),
        (changed("public.url", "http://plain.test"), "public.url", "https:// URL"),
        (changed("database.port", "five"), "database.port", "valid integer"),
        (changed("database.host", "nosuch"), "(root)", "not a host of the inventory"),
    ],
)
def test_inventory_errors_name_file_key_and_expectation(
    tmp_path: Path, data: dict[str, Any], key: str, expected: str
) -> None:
    err = load(tmp_path, inventory=data)
    assert err.file.endswith("inventory.yml")
    assert err.key == key
    assert expected in err.expected


def test_expectations_error_names_its_file(tmp_path: Path) -> None:
    err = load(tmp_path, expectations=changed("app.port", 70000, EXPECTATIONS))
    assert err.file.endswith("expectations.yml")
    assert err.key == "app.port"
    assert "less than 65536" in err.expected


def test_malformed_yaml_names_the_line(tmp_path: Path) -> None:
    err = load(tmp_path, inventory="name: x\nhosts: [unclosed\n")
    assert err.file.endswith("inventory.yml")
    assert err.key.startswith("line ")
    assert "valid YAML" in err.expected


def test_missing_expectations_file(tmp_path: Path) -> None:
    path = make_env(tmp_path / "env", INVENTORY, EXPECTATIONS)
    (path / "expectations.yml").unlink()
    with pytest.raises(ConfigError, match=r"expectations.yml: \(file\): an existing file"):
        load_environment("env", root=path)


def test_unset_variable_is_named(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("GOLIVE_NO_SUCH_VAR", raising=False)
    err = load(tmp_path, inventory=changed("secrets_file", "${GOLIVE_NO_SUCH_VAR}/s.yml"))
    assert err.key == "secrets_file"
    assert "GOLIVE_NO_SUCH_VAR is not set" in err.expected


def test_unknown_environment_lists_the_known_ones() -> None:
    with pytest.raises(ConfigError, match=r"known: .*sandbox"):
        load_environment("no-such-env")


def test_cli_reports_config_error_in_one_line_without_traceback() -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "golive.cli", "sandbox", "status", "--env", "no-such-env"],
        capture_output=True,
        text=True,
        cwd=REPO,
        check=False,
    )
    assert proc.returncode == 4
    assert "Traceback" not in proc.stderr
    assert proc.stderr.count("\n") == 1 and "--env" in proc.stderr


def test_pytest_with_unknown_env_is_a_usage_error_without_traceback() -> None:
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-m",
            "smoke",
            "--env",
            "no-such-env",
            "-p",
            "no:cacheprovider",
        ],
        capture_output=True,
        text=True,
        cwd=REPO,
        check=False,
    )
    assert proc.returncode == 4, proc.stdout + proc.stderr
    assert "Traceback" not in proc.stdout + proc.stderr
    assert "known: " in proc.stderr


def test_an_undeclared_expectation_section_fails_the_check_naming_it(tmp_path: Path) -> None:
    env = load_environment("env", root=make_env(tmp_path / "env", INVENTORY, EXPECTATIONS))
    assert env.expectation(App).port == 8080
    assert env.expectations.get(TlsPolicy) is None
    with pytest.raises(AssertionError, match=r"expectations.yml has no `tls:` section"):
        env.expectation(TlsPolicy)


def test_pytest_help_shows_golive_options_without_loading_the_environment() -> None:
    """`pytest --help` certifies nothing: it shows golive's options even where the
    environment cannot load (here its secrets file is missing), and exits 0."""
    root = Path(__file__).resolve().parents[2]
    env = {**os.environ, "GOLIVE_SANDBOX_DIR": "/nonexistent/golive-help-test"}
    out = subprocess.run(
        [sys.executable, "-m", "pytest", "--help"],
        cwd=root, env=env, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert out.returncode == 0, out.stderr
    assert "--env" in out.stdout and "--envdir" in out.stdout


@pytest.mark.parametrize("option", ["--help", "--markers", "--fixtures", "--collect-only"])
def test_a_run_of_no_check_leaves_the_reports_alone(option: str, tmp_path: Path) -> None:
    """pytest's informational options run no check and take no lock on reports/: they must
    not clean its Allure results either (another run may be writing them)."""
    reports = tmp_path / "reports"
    (reports / "allure-results").mkdir(parents=True)
    kept = reports / "allure-results" / "another-runs-result.json"
    kept.write_text("{}")
    root = Path(__file__).resolve().parents[2]
    out = subprocess.run(
        [sys.executable, "-m", "pytest", option, "-q", f"--golive-reports={reports}"],
        cwd=root, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    # 4 where the environment cannot load (in CI its secrets file exists once the sandbox is
    # up): whichever way it ends, the other run's results stay
    assert out.returncode in (0, 4, 5), out.stdout + out.stderr
    assert kept.is_file()
    verdict = reports / "verdict.json"  # --fixtures runs a session: a verdict of no check
    assert not verdict.exists() or '"verdict": "GO"' not in verdict.read_text()
