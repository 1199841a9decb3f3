"""The example environments are complete (issue 26): with their secrets stubbed, each passes
`golive validate` and every suite selects checks there, none of them for a missing section."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

REPO = Path(__file__).resolve().parents[2]
SUITES = sorted(p.name for p in (REPO / "suites").iterdir() if p.is_dir())
SUITES = [s for s in SUITES if not s.startswith("_")]
SECURITY = ["tls", "firewall", "auth", "hardening"]


def _stubbed(example: str, root: Path) -> Path:
    """A copy of the example whose secrets file names every secret it uses, with stub values."""
    env = root / example.removesuffix(".example")
    shutil.copytree(REPO / "environments" / example, env)
    inventory = yaml.safe_load((env / "inventory.yml").read_text())
    names = [inventory["database"]["password"]]
    for account in inventory["accounts"].values():
        names += [account[k] for k in ("password", "totp") if account.get(k)]
    secrets = root / "secrets.yml"
    secrets.write_text(yaml.safe_dump({n: "JBSWY3DPEHPK3PXP" for n in names}))
    secrets.chmod(0o600)
    inventory["secrets_file"] = str(secrets)
    (env / "inventory.yml").write_text(yaml.safe_dump(inventory, sort_keys=False))
    return env


@pytest.mark.parametrize("example", ["production.example", "staging.example"])
def test_example_validates_and_every_suite_selects_checks(example: str, tmp_path: Path) -> None:
    env = _stubbed(example, tmp_path)
    run_env = {k: v for k, v in os.environ.items() if not k.startswith("GOLIVE_")}
    run_env["GOLIVE_ENVDIR"] = str(tmp_path)
    bin_dir = Path(sys.executable).parent
    valid = subprocess.run(
        [str(bin_dir / "golive"), "validate", "--env", env.name],
        capture_output=True, text=True, timeout=120, env=run_env, cwd=REPO,
    )  # fmt: skip
    assert valid.returncode == 0, valid.stdout + valid.stderr
    assert f"environment {env.name}" in valid.stdout and ": valid" in valid.stdout
    collected = subprocess.run(
        [sys.executable, "-m", "pytest", "--collect-only", "-q", "--env", env.name,
         "--golive-watch-for", "60", f"--golive-reports={tmp_path / 'reports'}"],
        capture_output=True, text=True, timeout=300, env=run_env, cwd=REPO,
    )  # fmt: skip
    assert collected.returncode == 0, collected.stdout[-3000:] + collected.stderr[-3000:]
    ids = [line for line in collected.stdout.splitlines() if "::" in line]
    assert not [i for i in ids if "missing-section" in i], "a check lacks its section"
    per_suite: dict[str, int] = {}
    for node in ids:
        found = re.match(r"suites/(\w+)/(?:test_(\w+)\.py)?", node)
        assert found, node
        suite, module = found.groups()
        key = module if suite == "security" and module in SECURITY else suite
        per_suite[key] = per_suite.get(key, 0) + 1
    expected = [s for s in SUITES if s != "security"] + SECURITY
    assert {s: per_suite.get(s, 0) for s in expected if not per_suite.get(s)} == {}, per_suite
