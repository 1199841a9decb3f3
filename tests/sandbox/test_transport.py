"""golive's SSH transport (golive.probe.hosts, golive.probe.sshmux) against the sandbox's real
sshd: what a command returns is what Testinfra's own ssh backend returns, every command has a
deadline, a lost master is replaced, and an unreachable host is reported, not waited for."""

from __future__ import annotations

import contextlib
import ctypes
import os
import shutil
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import testinfra

from golive.model.environment import Environment, Host
from golive.model.errors import HostUnreachable
from golive.probe import netns
from golive.probe.hosts import HostPool, SshBackend, Target, remote_host
from golive.sandbox import lifecycle
from golive.sandbox.context import Sandbox


@pytest.fixture
def env(sandbox: None) -> Iterator[Environment]:
    """The sandbox's environment, this process inside its namespace for the test (and back in
    the one it was in afterwards: conftest also returns every test to the machine's)."""
    before = os.open("/proc/self/ns/net", os.O_RDONLY)
    sbx = Sandbox.load()
    lifecycle.enter(sbx)
    try:
        yield sbx.env
    finally:
        ctypes.CDLL(None, use_errno=True).setns(before, netns.CLONE_NEWNET)
        os.close(before)


def with_ssh(env: Environment, **changes: object) -> Environment:
    ssh = env.inventory.ssh.model_copy(update=changes)
    return Environment(env.path, env.inventory.model_copy(update={"ssh": ssh}), env.expectations)


def stock(env: Environment, target: Target) -> testinfra.host.Host:
    """The same host through Testinfra's own ssh backend, as golive configured it before."""
    ssh = env.inventory.ssh
    return testinfra.get_host(
        target.spec.connection,
        ssh_identity_file=str(ssh.identity_file),
        ssh_extra_args=f"-o BatchMode=yes -o UserKnownHostsFile={ssh.known_hosts}",
        controlpath=str(ssh.control_path).replace("%", "%%"),
    )


def test_commands_return_what_testinfras_own_backend_returns(env: Environment) -> None:
    target = HostPool(env).get("app1")
    assert isinstance(target.remote.backend, SshBackend)
    other = stock(env, target)
    for command, args in [
        ("printf '%%s|' %s %s; echo err >&2; exit 3", ("a b", "it's")),
        ("head -c 300000 /dev/zero | tr '\\0' x", ()),  # more than a pipe holds
        ("printf 'caf\\303\\251\\n'", ()),
    ]:
        mine, theirs = target.run(command, *args), other.run(command, *args)
        assert (mine.rc, mine.stdout, mine.stderr) == (theirs.rc, theirs.stdout, theirs.stderr)
    known = str(env.inventory.ssh.known_hosts)
    assert target.remote.file(known).exists == other.file(known).exists
    assert target.remote.user().name == other.user().name


def test_a_command_past_its_deadline_fails_naming_host_and_command(env: Environment) -> None:
    target = HostPool(with_ssh(env, command_timeout=1.0)).get("app2")
    started = time.monotonic()
    with pytest.raises(TimeoutError, match=r"^app2: `sleep 5` timed out after 1 s$"):
        target.run("sleep 5")
    assert time.monotonic() - started < 3
    assert target.run("echo still here").stdout == "still here\n"


def test_a_lost_master_is_replaced(env: Environment) -> None:
    target = HostPool(env).get("db1")
    backend = target.remote.backend
    backend.close()  # ssh -O exit
    assert target.run("echo again").stdout == "again\n"  # an ssh client starts a new master
    control = backend.control_path()
    assert control is not None
    assert target.run("true").rc == 0


def test_an_unreachable_host_is_reported_within_the_connect_timeout(env: Environment) -> None:
    nowhere = Host(address="127.10.0.250", roles=["app"], connection="ssh://golive@127.10.0.250")
    hosts = {**env.inventory.hosts, "ghost": nowhere}
    inventory = env.inventory.model_copy(
        update={"hosts": hosts, "ssh": env.inventory.ssh.model_copy(update={"connect_timeout": 1})}
    )
    pool = HostPool(Environment(env.path, inventory, env.expectations))
    started = time.monotonic()
    pool.open(["ghost", "app1"])
    with pytest.raises(HostUnreachable, match="ghost"):
        pool.get("ghost")
    assert time.monotonic() - started < 5
    assert pool.get("app1").run("true").rc == 0
    assert set(pool.unreachable()) == {"ghost"}


@pytest.fixture
def fifo() -> Iterator[str]:
    """A FIFO no one writes to: reading it blocks (a path that names only this test, so a
    leftover reader is told apart from any other run's processes on the shared host)."""
    # under the sandbox's data directory, which db1 sees too (a host has a /tmp of its own)
    where = tempfile.mkdtemp(prefix="golive-blocks-", dir=Sandbox.load().dir)
    os.chmod(where, 0o755)
    path = os.path.join(where, "never-written")
    os.mkfifo(path, 0o644)
    try:
        yield path
    finally:  # a reader left behind (the test failed) is released, then the FIFO goes
        with contextlib.suppress(OSError):
            os.close(os.open(path, os.O_WRONLY | os.O_NONBLOCK))
        shutil.rmtree(where, ignore_errors=True)


def left_on_host(target: Target, needle: str, within: float) -> list[str]:
    """The host's processes whose command line holds ``needle``, once none is left or after
    ``within`` seconds (the host ends a command ``kill_after`` seconds after SIGTERM at most)."""
    deadline = time.monotonic() + within
    while True:
        ps = target.run("ps -eo user:16,pid,pgid,args").stdout.splitlines()
        found = [line for line in ps if needle in line and "ps -eo" not in line]
        if not found or time.monotonic() > deadline:
            return found
        time.sleep(0.2)


def test_a_command_past_its_deadline_is_ended_on_the_host(env: Environment, fifo: str) -> None:
    """What blocks past command_timeout, as the login user, through sudo as another user
    (sudoers: cat as postgres) or in a pipeline, through the host's master or an ssh client
    of its own, leaves nothing of golive's on the host."""
    for persist, command in (
        (60, "cat %s"),
        (60, "sudo -n -u postgres /usr/bin/cat %s"),
        (60, "sudo -n -u postgres /usr/bin/cat %s | wc -c; sleep 600"),
        (0, "sudo -n -u postgres /usr/bin/cat %s"),
    ):
        quick = with_ssh(env, command_timeout=1.0, kill_after=1.0, control_persist=persist)
        target = HostPool(quick).get("db1")
        with pytest.raises(TimeoutError, match=r"^db1: `.*` timed out after 1 s$"):
            target.run(command, fifo)
        assert left_on_host(target, fifo, within=5.0) == [], (persist, command)
        assert target.run("echo still here").stdout == "still here\n"


def test_a_master_opened_before_the_run_serves_none_of_its_checks(
    env: Environment, certify: Any, tmp_path: Path
) -> None:
    """Connections belong to the run (issue 21): a master to app1 opened before the run, at
    the ControlPath ssh's configuration gives (where every run found and reused one before:
    one opened, say, before the host's environment changed), serves none of a smoke run's
    commands; the run opens its own (the path with its run id) and leaves the old one be.
    The old master logs each command it is given (ssh -v: "Sending command")."""
    spec = env.inventory.hosts["app1"]
    earlier = remote_host("app1", spec, env.inventory.ssh, "").backend
    assert isinstance(earlier, SshBackend)
    path = earlier.control_path()
    assert path is not None
    earlier.close()  # a master of this test's own, nobody else's
    log = tmp_path / "master.log"
    subprocess.run(
        ["ssh", "-M", "-N", "-f", "-v", "-E", str(log), "-o", "ControlPersist=120",
         *earlier._destination()],
        stdin=subprocess.DEVNULL, check=True, timeout=30,
    )  # fmt: skip
    try:
        old_pid = _master_pid(earlier)
        assert old_pid is not None
        started = time.time()
        run = certify("smoke", "-k", "test_app_node_is_healthy and app1")
        assert run.verdict.get("verdict") == "GO", run.output
        assert "Sending command" not in log.read_text(), "the earlier master served the run"
        assert _master_pid(earlier) == old_pid  # left alone, not ended
        theirs = [
            p for p in Path(path).parent.glob(f"{Path(path).name}-*")
            if p.is_socket() and p.stat().st_mtime >= started - 1
        ]  # fmt: skip
        assert theirs, f"the run opened no master of its own beside {path}"
    finally:
        earlier.close()


def _master_pid(backend: SshBackend) -> int | None:
    """The pid of the master at the backend's ControlPath (``ssh -O check``), None if none."""
    done = backend._ssh("-O", "check", *backend._destination())
    said = done.stderr.decode(errors="replace")
    return int(said.split("pid=", 1)[1].split(")", 1)[0]) if "pid=" in said else None
