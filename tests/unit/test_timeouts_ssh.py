"""golive's SSH backend under hangs and lost connections, against a fake ``ssh`` client.

The fake (``ssh`` first on PATH) runs nothing remote: it plays a command that hangs, a
connection that breaks, and a host that answers, or not, a new connection. What is tested is
golive's own logic: a slow command on a live host is a finding naming host, command and
deadline; a host that stops answering is found once, by a new connection, and every later
command on it fails at once as unreachable; a broken connection never surfaces as Testinfra's
raw ``RuntimeError(CommandResult(...))``.
"""

from __future__ import annotations

import os
import stat
import sys
import time
from pathlib import Path

import pytest

from conftest import EXPECTATIONS
from golive.model.environment import Environment, Host, Inventory, SshSpec
from golive.model.errors import HostUnreachable
from golive.model.expectations import SCHEMA
from golive.probe.hosts import HostPool, Target, remote_host

FAKE_SSH = """#!{python}
import os, sys, time
args = sys.argv[1:]
with open(os.environ["FAKE_SSH_LOG"], "a") as log:
    log.write(" ".join(args) + "\\n")
probe = "ControlPath=none" in args and args[-1] == "true"
mode = os.environ["FAKE_SSH_PROBE" if probe else "FAKE_SSH_RUN"]
if mode == "ok":  # the command line as the host's login shell runs it
    import subprocess
    done = subprocess.run(["/bin/sh", "-c", args[-1]], capture_output=True, text=True)
    print("ran", done.stdout, end="")
    sys.exit(done.returncode)
if mode == "hang":
    time.sleep(60)
if mode == "lost":
    print("Connection to 127.0.2.12 closed by remote host.", file=sys.stderr)
    sys.exit(255)
if mode == "refused":
    print("ssh: connect to host 127.0.2.12 port 22: Connection refused", file=sys.stderr)
    sys.exit(255)
if mode == "fail":
    print("cat: /srv/app.conf: Permission denied", file=sys.stderr)
    sys.exit(1)
if mode == "no-timeout":  # a host without coreutils' timeout, which every command runs under
    print("sh: 1: exec: timeout: not found", file=sys.stderr)
    sys.exit(127)
if mode == "exit255":  # the command's own exit status
    print("partial")
    sys.exit(255)
sys.exit(99)
"""


@pytest.fixture
def fake_ssh(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Put the fake ``ssh`` first on PATH; returns its log of invocations."""
    bindir = tmp_path / "bin"
    bindir.mkdir()
    ssh = bindir / "ssh"
    ssh.write_text(FAKE_SSH.format(python=sys.executable))
    ssh.chmod(ssh.stat().st_mode | stat.S_IXUSR)
    log = tmp_path / "ssh.log"
    log.touch()
    monkeypatch.setenv("PATH", f"{bindir}:{os.environ['PATH']}")
    monkeypatch.setenv("FAKE_SSH_LOG", str(log))
    monkeypatch.setenv("FAKE_SSH_RUN", "ok")
    monkeypatch.setenv("FAKE_SSH_PROBE", "ok")
    return log


SSH = SshSpec(
    user="golive", connect_timeout=0.4, check_after=0.4, command_timeout=1.5, control_persist=0
)
APP2 = Host(address="127.0.2.12", roles=["app"], connection="ssh://golive@127.0.2.12")


def app2(ssh: SshSpec = SSH) -> Target:
    return Target("app2", APP2, remote_host("app2", APP2, ssh))


def invocations(log: Path) -> int:
    return len(log.read_text().splitlines())


def test_a_slow_command_on_a_live_host_is_a_timeout_naming_host_command_and_deadline(
    fake_ssh: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = app2()
    monkeypatch.setenv("FAKE_SSH_RUN", "hang")
    started = time.monotonic()
    with pytest.raises(TimeoutError) as caught:
        target.run("cat %s", "/srv/app/application.properties")
    took = time.monotonic() - started
    assert str(caught.value) == (
        "app2: `cat /srv/app/application.properties` timed out after 1.5 s"
    )
    assert 1.4 < took < 6.0  # the deadline, not a hang (margin for a loaded machine)
    assert target.remote.backend.lost is None  # the host answered: only the command was slow
    monkeypatch.setenv("FAKE_SSH_RUN", "ok")
    assert target.run("echo %s", "next").stdout == "ran next\n"


def test_a_hung_host_is_found_once_then_every_command_fails_at_once(
    fake_ssh: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = app2(SSH.model_copy(update={"command_timeout": 60.0}))
    monkeypatch.setenv("FAKE_SSH_RUN", "hang")
    monkeypatch.setenv("FAKE_SSH_PROBE", "hang")
    started = time.monotonic()
    with pytest.raises(HostUnreachable) as caught:
        target.run("uname -a")
    # one connect timeout of patience, then a new connection given twice that: not 60 s
    assert time.monotonic() - started < 0.4 + 0.8 + 1.0
    assert str(caught.value) == (
        "host app2 unreachable: ssh://golive@127.0.2.12: no answer to a new SSH connection "
        "within 0.8 s"
    )
    before = invocations(fake_ssh)
    started = time.monotonic()
    for command in ("uname -a", "cat /etc/os-release", "true"):
        with pytest.raises(HostUnreachable, match="app2 unreachable"):
            target.run(command)
    assert time.monotonic() - started < 0.1
    assert invocations(fake_ssh) == before  # no ssh started for a host known to be lost


def test_a_lost_connection_reads_host_unreachable_with_ssh_reason(
    fake_ssh: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = app2()
    monkeypatch.setenv("FAKE_SSH_RUN", "lost")
    monkeypatch.setenv("FAKE_SSH_PROBE", "refused")
    with pytest.raises(HostUnreachable) as caught:
        target.run("dpkg-query -W")
    message = str(caught.value)
    assert message == (
        "host app2 unreachable: ssh://golive@127.0.2.12: "
        "Connection to 127.0.2.12 closed by remote host."
    )
    assert "CommandResult" not in message and "0x" not in message


def test_exit_status_255_of_a_command_on_a_live_host_is_its_result(
    fake_ssh: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = app2()
    monkeypatch.setenv("FAKE_SSH_RUN", "exit255")
    out = target.run("some-tool")
    assert (out.rc, out.stdout) == (255, "partial\n")
    assert target.remote.backend.lost is None


def test_testinfras_own_errors_show_a_readable_result(
    fake_ssh: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = app2()
    monkeypatch.setenv("FAKE_SSH_RUN", "fail")
    with pytest.raises(AssertionError) as caught:
        target.remote.check_output("cat %s", "/srv/app.conf")  # what Testinfra's modules use
    assert str(caught.value).splitlines()[0] == (  # then pytest's own assertion detail
        "Unexpected exit code 1 for app2: `cat /srv/app.conf` exited 1: "
        "cat: /srv/app.conf: Permission denied"
    )


def _environment(tmp_path: Path) -> Environment:
    inventory = Inventory.model_validate(
        {
            "name": "fake",
            "release": {"version": "1.0.0"},
            "public": {"url": "https://trading.fake.test"},
            "ssh": SSH.model_dump(),
            "hosts": {
                "app1": {"address": "127.0.2.11", "roles": ["app"],
                         "connection": "ssh://golive@127.0.2.11"},
                "app2": APP2.model_dump(),
            },
            "database": {"host": "app1", "dbname": "d", "user": "u", "password": "p",
                         "app_role": "a"},
        }
    )  # fmt: skip
    return Environment(tmp_path, inventory, SCHEMA.model_validate(EXPECTATIONS))


def test_the_pool_reports_a_host_lost_mid_run_as_unreachable(
    fake_ssh: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    pool = HostPool(_environment(tmp_path))
    target = pool.get("app2")  # reachable at the start
    assert pool.unreachable() == {}
    monkeypatch.setenv("FAKE_SSH_RUN", "hang")
    monkeypatch.setenv("FAKE_SSH_PROBE", "refused")
    with pytest.raises(HostUnreachable):
        target.run("sha256sum /etc/app.conf")
    with pytest.raises(HostUnreachable, match=r"^host app2 unreachable: .*Connection refused$"):
        pool.get("app2")  # later checks: at once, as for a host down at the start
    assert pool.unreachable() == {
        "app2": "ssh://golive@127.0.2.12: ssh: connect to host 127.0.2.12 port 22: "
        "Connection refused"
    }
    monkeypatch.setenv("FAKE_SSH_RUN", "ok")
    assert pool.get("app1").run("true").rc == 0  # the other hosts go on


def test_a_host_the_run_already_lost_is_not_asked_again(fake_ssh: Path, tmp_path: Path) -> None:
    """The gate asks the app nodes for their build at the session's end with a pool that knows
    the hosts the run lost: a hung host costs one detection, not two."""
    pool = HostPool(_environment(tmp_path))
    pool.known_lost({"app2": "ssh://golive@127.0.2.12: Connection timed out"})
    with pytest.raises(HostUnreachable, match=r"^host app2 unreachable: .*timed out$"):
        pool.get("app2")
    assert invocations(fake_ssh) == 0  # no ssh started for it
    assert pool.get("app1").run("true").rc == 0


def test_a_host_lost_after_the_pool_connected_it_is_not_asked_again(
    fake_ssh: Path, tmp_path: Path
) -> None:
    """The end of the run asks through the session's pool: a host its checks lost is not
    asked again there, though the pool had connected it."""
    pool = HostPool(_environment(tmp_path))
    pool.get("app2")
    before = invocations(fake_ssh)
    pool.known_lost({"app2": "ssh://golive@127.0.2.12: Connection timed out"})
    with pytest.raises(HostUnreachable, match=r"^host app2 unreachable: .*timed out$"):
        pool.get("app2")
    assert invocations(fake_ssh) == before


def test_a_host_without_coreutils_timeout_is_unreachable_saying_so(
    fake_ssh: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("FAKE_SSH_RUN", "no-timeout")
    with pytest.raises(HostUnreachable) as caught:
        HostPool(_environment(tmp_path)).get("app2")
    assert str(caught.value).endswith(
        "ssh://golive@127.0.2.12: probe command exited 127: sh: 1: exec: timeout: not found"
    )
