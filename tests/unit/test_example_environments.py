"""The example environments validate, and a missing required key inside a section is an error
naming the file and the key."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml

from golive.model.environment import load_environment
from golive.model.errors import ConfigError
from golive.model.expectations.predeploy import Deployment

ENVS = Path(__file__).resolve().parents[2] / "environments"


@pytest.mark.parametrize("name", ["production.example", "staging.example"])
def test_example_environment_loads(name: str) -> None:
    env = load_environment(name, root=ENVS / name, secrets=False)
    assert env.expectations.get(Deployment) is not None
    assert env.inventory.hosts["app1"].vars["service_stop"].startswith("sudo -n systemctl")


@pytest.mark.parametrize(
    ("section", "key"),
    [("deployment", "registry_sums"), ("database_prep", "migrations"), ("dns", "records")],
)
def test_missing_required_key_is_rejected(tmp_path: Path, section: str, key: str) -> None:
    root = tmp_path / "production"
    shutil.copytree(ENVS / "production.example", root)
    data = yaml.safe_load((root / "expectations.yml").read_text())
    del data[section][key]
    (root / "expectations.yml").write_text(yaml.safe_dump(data))
    with pytest.raises(ConfigError) as info:
        load_environment("production", root=root, secrets=False)
    assert info.value.key == f"{section}.{key}"
    assert "required key is missing" in info.value.expected
    assert info.value.file.endswith("expectations.yml")
