"""What the command line says is short and names its subject (issue 23): a missing secrets file
names the key of inventory.yml that names it; a mistyped fault name gets "did you mean", not
the whole catalog; help built from docstrings shows no RST markup."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from conftest import EXPECTATIONS, INVENTORY, REPO, SIGNOFF
from golive.cli import GROUPS, main, parser

GOLIVE = Path(sys.executable).parent / "golive"


def golive_cli(*argv: str, env: dict[str, str] | None = None) -> tuple[int, str, str]:
    proc = subprocess.run(
        [str(GOLIVE), *argv], cwd=REPO, capture_output=True, text=True, timeout=120,
        env={**os.environ, **(env or {})},
    )  # fmt: skip
    return proc.returncode, proc.stdout, proc.stderr


def test_a_missing_secrets_file_names_the_key(tmp_path: Path) -> None:
    env = tmp_path / "envs" / "staging"
    env.mkdir(parents=True)
    missing = tmp_path / "etc" / "staging-secrets.yml"
    files = {
        "inventory.yml": {**INVENTORY, "secrets_file": str(missing)},
        "expectations.yml": EXPECTATIONS,
        "signoffs.yml": {"change_board": SIGNOFF},
    }
    for name, data in files.items():
        (env / name).write_text(yaml.safe_dump(data, sort_keys=False))
    code, out, err = golive_cli("validate", "--envdir", str(env.parent), "--env", "staging")
    assert code == 4, (out, err)
    line = f"{env}/inventory.yml: secrets_file: {missing}: an existing file"
    assert line in out + err, (out, err)
    assert "Traceback" not in out + err


def test_a_mistyped_fault_name_gets_a_short_did_you_mean(tmp_path: Path) -> None:
    code, out, err = golive_cli(
        "sandbox", "fault", "app_node_dwn", env={"GOLIVE_SANDBOX_DIR": str(tmp_path)}
    )
    assert code == 4, (out, err)
    [line] = err.splitlines()
    assert "unknown fault 'app_node_dwn': did you mean app_node_down?" in line, line
    assert len(line) < 160 and "alert_rule_missing" not in line, line


def test_help_shows_no_rst_markup(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = golive_cli("--help")
    assert code == 0 and "The golive command line." in out, (out, err)
    helps = [out]
    commands = parser()._subparsers._group_actions[0].choices  # type: ignore[union-attr]
    for name in commands:
        with pytest.raises(SystemExit):
            main([name, "--help"])
        helps.append(capsys.readouterr().out)
    for text in helps:
        assert "``" not in text and ":func:`" not in text, text


def test_each_command_parses_with_its_group_alone() -> None:
    """`golive CMD` imports only CMD's group (golive.cli.GROUPS, the warm `sandbox up`'s
    import time, issue 25): the table names every command each group registers, and no other."""
    every = parser()._subparsers._group_actions[0].choices  # type: ignore[union-attr]
    assert list(every) == [name for names in GROUPS.values() for name in names]
    for names in GROUPS.values():
        for name in names:
            alone = parser(["--envdir", "x", name])._subparsers._group_actions[0]  # type: ignore[union-attr]
            assert set(alone.choices) == set(names), name
    # an unknown command or none: every group, so that argparse names the choices
    assert set(parser(["nosuch"])._subparsers._group_actions[0].choices) == set(every)  # type: ignore[union-attr]
