"""Every remote command has a deadline (issue 9): a command that never returns is a finding on
its host, naming the command and the deadline, and the run goes on to its verdict.

Reproduction of the issue: app2's ``application.properties`` replaced by a FIFO, which
blocks every reader (the check's ``cat``, and the application's own reload of it) until a
writer comes."""

from __future__ import annotations

import contextlib
import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from hung import blocker_lines, certify_timed, environment_copy

from conftest import golive
from golive.sandbox.context import Sandbox

COMMAND_TIMEOUT = 3  # the inventory's ssh.command_timeout for this run


@pytest.fixture
def config_fifo(sandbox: None) -> Iterator[Path]:
    """app2's application.properties as a FIFO (same owner and mode); restored afterwards, and
    the app brought back if its own read of the FIFO left it unable to answer."""
    path = Sandbox.load().var("app2", "app_config")
    saved, info = path.read_bytes(), path.stat()
    path.unlink()
    os.mkfifo(path, 0o600)
    os.chown(path, info.st_uid, info.st_gid)
    try:
        yield path
    finally:
        # a writer that closes at once: every blocked reader gets end-of-file (none: ENXIO)
        with contextlib.suppress(OSError):
            os.close(os.open(path, os.O_WRONLY | os.O_NONBLOCK))
        path.unlink()
        path.write_bytes(saved)
        os.chmod(path, info.st_mode & 0o7777)
        shutil.chown(path, info.st_uid, info.st_gid)
        golive("sandbox", "up")  # restarts app2's Tomcat if it does not answer


def test_a_command_that_never_returns_is_a_timeout_finding_on_its_host(
    config_fifo: Path, tmp_path: Path
) -> None:
    env = environment_copy(tmp_path / "envs", ssh={"command_timeout": COMMAND_TIMEOUT})
    run = certify_timed("predeploy", tmp_path / "reports", env=env)
    lines = blocker_lines(run)
    assert run.verdict.get("verdict") == "NO-GO", run.output
    assert run.verdict["complete"] is True, run.output
    timed_out = [
        b for b in run.verdict["blockers"]
        if f"timed out after {COMMAND_TIMEOUT} s" in b["message"]
    ]  # fmt: skip
    assert timed_out, lines
    for b in timed_out:
        assert b["host"] == "app2", lines
        assert b["message"].startswith("failed: TimeoutError: app2: `"), lines
        # the file as app2 sees it (its own /etc/trading: issue 25), not the controller's path
        assert str(Sandbox.load().host_var("app2", "app_config")) in b["message"], lines
    assert not [b for b in run.verdict["blockers"] if b["check"] == "connection"], (
        f"app2 still answers: only its command was slow, the host is not unreachable: {lines}"
    )
    # the run went on: every other check ran to its own outcome
    assert run.verdict["counts"]["passed"] > 0 and run.verdict["counts"]["skipped"] == 0, lines
