"""The expectations model: assembled from one module per suite, each section declaring its
own key; a typed accessor that fails naming the file and the missing section."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from conftest import EXPECTATIONS, INVENTORY
from golive.model import expectations
from golive.model.environment import MissingExpectation, load_environment
from golive.model.errors import ConfigError
from golive.model.expectations import SCHEMA, SECTIONS, SUITES, sections_of
from golive.model.expectations.predeploy import Hardware, RoleHardware
from golive.model.expectations.security import Firewall, TlsPolicy
from golive.model.expectations.smoke import App, SmokeOrder


def _env(tmp_path: Path, extra: dict[str, object]) -> Path:
    root = tmp_path / "env"
    root.mkdir()
    (root / "inventory.yml").write_text(yaml.safe_dump(INVENTORY))
    (root / "expectations.yml").write_text(yaml.safe_dump({**EXPECTATIONS, **extra}))
    return root


def test_every_suite_module_brings_its_sections_and_keys_are_unique() -> None:
    declared = [s for module in SUITES for s in sections_of(module)]
    assert len({s.key for s in declared}) == len(declared)
    assert set(SECTIONS) == {s.key for s in declared}
    assert set(SCHEMA.model_fields) == set(SECTIONS)
    assert SECTIONS["tls"] is TlsPolicy and SECTIONS["hardware"] is Hardware


def test_each_suite_module_owns_its_sections() -> None:
    assert {s.key for s in sections_of(expectations.smoke)} == {"app", "smoke_order"}
    assert {s.key for s in sections_of(expectations.integration)} == {"integration"}
    assert {s.key for s in sections_of(expectations.security)} == {
        "tls",
        "firewall",
        "auth",
        "hardening",
    }


def test_only_roles_app_and_smoke_order_are_required(tmp_path: Path) -> None:
    assert {k for k, s in SECTIONS.items() if s.required} == {"roles", App.key, SmokeOrder.key}
    (tmp_path / "e").mkdir()
    (tmp_path / "e" / "inventory.yml").write_text(yaml.safe_dump(INVENTORY))
    partial = {"roles": {"app": {}, "db": {}}, "app": {"port": 8080}}
    (tmp_path / "e" / "expectations.yml").write_text(yaml.safe_dump(partial))
    with pytest.raises(ConfigError) as info:
        load_environment("e", root=tmp_path / "e", secrets=False)
    assert (info.value.key, info.value.expected) == ("smoke_order", "required key is missing")


def test_typed_accessor_returns_the_section_or_fails_naming_it(tmp_path: Path) -> None:
    hardware = {"app": {"cores": 2, "memory_mib": 512, "free_disk_mib": {"/": 10}}}
    env = load_environment("env", root=_env(tmp_path, {"hardware": hardware}), secrets=False)
    got = env.expectation(Hardware)
    assert isinstance(got.get("app"), RoleHardware) and got["app"].cores == 2
    assert "db" not in got and got.get("db") is None
    with pytest.raises(MissingExpectation) as info:
        env.expectation(Firewall)
    assert str(info.value) == (
        f"{tmp_path / 'env' / 'expectations.yml'} has no `firewall:` section: "
        "the check has nothing to verify against"
    )


def test_a_per_role_section_names_the_wrong_key(tmp_path: Path) -> None:
    hardware = {"app": {"cores": 2, "memory_mib": 512, "free_disk_mib": {"/": 10}, "gpus": 1}}
    with pytest.raises(ConfigError) as info:
        load_environment("env", root=_env(tmp_path, {"hardware": hardware}), secrets=False)
    assert info.value.key == "hardware.app.gpus"


def test_an_unknown_section_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as info:
        load_environment("env", root=_env(tmp_path, {"tsl": {}}), secrets=False)
    assert info.value.key == "tsl"
    assert "no such key" in info.value.expected
