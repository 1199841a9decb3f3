"""The command line: usage errors are exit 4 with the usage, `--version`, and a closed pipe
ends quietly (no BrokenPipeError traceback)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from golive.cli import main

REPO = Path(__file__).resolve().parents[2]
GOLIVE = [sys.executable, "-m", "golive.cli"]


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*GOLIVE, *args], capture_output=True, text=True, cwd=REPO, timeout=60, check=False
    )


def test_no_arguments_prints_usage_and_exits_4() -> None:
    proc = run()
    assert proc.returncode == 4
    assert proc.stderr.startswith("usage: golive")
    assert "Traceback" not in proc.stderr


def test_unknown_subcommand_choice_exits_4() -> None:
    proc = run("sandbox", "nope")
    assert proc.returncode == 4 and "invalid choice" in proc.stderr


def test_version() -> None:
    proc = run("--version")
    assert proc.returncode == 0
    assert proc.stdout.startswith("golive ") and proc.stdout.split()[1][0].isdigit()


def test_closed_pipe_ends_without_traceback() -> None:
    # the reader is gone before golive writes its first line (`golive ... | head -0`)
    proc = subprocess.Popen(
        [*GOLIVE, "sandbox", "fault"], cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )
    assert proc.stdout is not None and proc.stderr is not None
    proc.stdout.close()
    stderr = proc.stderr.read().decode()
    assert proc.wait(timeout=60) == 141, stderr
    assert "Traceback" not in stderr and "BrokenPipeError" not in stderr


def test_envdir_is_not_left_in_the_callers_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """``--envdir`` reaches the command (and the runs it starts) through GOLIVE_ENVDIR, only
    for the command's duration: a test calling ``main`` in-process once made later tests of
    the same session look for their environments in its temporary directory."""
    monkeypatch.delenv("GOLIVE_ENVDIR", raising=False)
    assert main(["--envdir", str(tmp_path), "validate", "--env", "none"]) == 4
    assert str(tmp_path / "none") in capsys.readouterr().out
    assert "GOLIVE_ENVDIR" not in os.environ
    monkeypatch.setenv("GOLIVE_ENVDIR", "/elsewhere")
    main(["--envdir", str(tmp_path), "validate", "--env", "none"])
    assert os.environ["GOLIVE_ENVDIR"] == "/elsewhere"


def test_sandbox_status_of_a_sandbox_that_holds_no_namespaces(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """After a reboot no host holds namespaces: status says "none" per host (the
    services are listed apart), never a KeyError traceback."""
    from golive.cli import sandbox as cli_sandbox
    from golive.sandbox import hostns, lifecycle

    class Env:
        name = "sandbox"

    class Sbx:
        env = Env()

    monkeypatch.setattr(cli_sandbox.Sandbox, "load", staticmethod(lambda _env: Sbx()))
    monkeypatch.setattr(lifecycle, "status", lambda _sbx: [])
    held = [hostns.HostNamespaces("db1", None, {}), hostns.HostNamespaces("app1", 4242, {})]
    monkeypatch.setattr(hostns, "status", lambda _sbx: held)
    monkeypatch.setattr(cli_sandbox.faults, "active", lambda _sbx: [])
    assert main(["sandbox", "status"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out == [f"{'db1/namespaces':<24} none", f"{'app1/namespaces':<24} none"]
