"""Every remote command is ended on its host at its deadline (golive.probe.hosts.on_host): the
command line sent over SSH wraps it in coreutils ``timeout``, run here by a local shell as
sshd runs it on the host (``$SHELL -c LINE``). The wrapped command gives what the command
gives (Testinfra's quoting of spaces and quotes, its ``sudo`` wrapping, the login shell's
syntax), and one that blocks is ended, pipeline and all, with nothing left behind."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import time
import uuid

import pytest

from golive.probe.hosts import ENDED_ON_HOST, SshBackend, on_host


def as_sshd(
    line: str, shell: str = "/bin/sh", timeout: float = 20
) -> subprocess.CompletedProcess[str]:
    """``line`` as sshd runs a session's command: the login shell, ``-c``, $SHELL set."""
    return subprocess.run(
        [shell, "-c", line], capture_output=True, text=True, timeout=timeout,
        env={**os.environ, "SHELL": shell},
    )  # fmt: skip


def running() -> str:
    return subprocess.run(["ps", "-eo", "args"], capture_output=True, text=True, timeout=10).stdout


def backend(sudo: bool = False, sudo_user: str | None = None) -> SshBackend:
    found = SshBackend(
        "golive@127.0.2.12", options=[], command_timeout=30, kill_after=1, label="app2",
        sudo=sudo, sudo_user=sudo_user,
    )  # fmt: skip
    return found


def same_as_unwrapped(command: str, shell: str = "/bin/sh") -> subprocess.CompletedProcess[str]:
    plain = as_sshd(command, shell)
    wrapped = as_sshd(on_host(command, 10, 1), shell)
    assert (wrapped.returncode, wrapped.stdout, wrapped.stderr) == (
        plain.returncode, plain.stdout, plain.stderr,
    ), on_host(command, 10, 1)  # fmt: skip
    return wrapped


@pytest.mark.parametrize(
    ("command", "args"),
    [
        ("printf '%%s|' %s %s; echo err >&2; exit 3", ("a b", "it's")),
        ("printf '%%s\\n' %s", ('say "hi" $HOME `id` \\ ; && |',)),
        ("echo %s | tr a-z A-Z", ("two  spaces\tand a tab",)),
        ("test -e %s", ("/no such 'file'",)),
        ("printf 'caf\\303\\251\\n'", ()),
    ],
)
def test_a_wrapped_command_gives_what_the_command_gives(
    command: str, args: tuple[str, ...]
) -> None:
    line = backend().get_command(command, *args)
    same_as_unwrapped(line)


@pytest.mark.skipif(os.geteuid() != 0 or not shutil.which("sudo"), reason="needs root's sudo")
@pytest.mark.parametrize("user", [None, "root"])
def test_testinfras_sudo_wrapping_stays_inside_the_deadline(user: str | None) -> None:
    line = backend(sudo=True, sudo_user=user).get_command("printf '%%s|' %s; id -u", "it's here")
    assert line.startswith("sudo ")
    assert on_host(line, 10, 1).startswith("exec timeout -k 1 10 ")  # timeout outside sudo
    assert same_as_unwrapped(line).stdout == "it's here|0\n"


@pytest.mark.skipif(not shutil.which("bash"), reason="needs bash")
def test_the_command_runs_in_the_login_shell_as_it_would_unwrapped() -> None:
    assert same_as_unwrapped("[[ a == a ]] && echo bash", "/bin/bash").stdout == "bash\n"


def test_a_blocking_command_is_ended_on_the_host_pipeline_and_all() -> None:
    marker = f"{30 + uuid.uuid4().int % 1000 / 1000:.3f}"  # a sleep no one else runs
    started = time.monotonic()
    done = as_sshd(on_host(f"sleep {marker} | cat; echo never", 0.5, 0.5))
    took = time.monotonic() - started
    assert done.returncode in ENDED_ON_HOST and "never" not in done.stdout
    assert (
        took < 10
    )  # ended at its deadline, not after the 30 s sleep (margin for a loaded machine)
    assert f"sleep {marker}" not in running()


def test_a_command_that_ignores_sigterm_is_killed_after_kill_after() -> None:
    marker = f"{30 + uuid.uuid4().int % 1000 / 1000:.3f}"
    done = as_sshd(on_host(f"trap '' TERM; sleep {marker}", 0.3, 0.3))
    assert done.returncode == -signal.SIGKILL  # timeout kills its whole group, itself too
    assert f"sleep {marker}" not in running()


def test_the_hosts_end_of_a_command_reads_as_golives_own_deadline() -> None:
    ssh = backend()
    ssh._ended("sleep 60", 0, time.monotonic() - 31)  # it ended on its own: its result
    ssh._ended("own-timeout", 124, time.monotonic())  # its own 124, well within the deadline
    ssh._ended("lost", None, time.monotonic())  # no status in time: for the caller to judge
    for status in (*ENDED_ON_HOST, None):
        with pytest.raises(TimeoutError, match=r"^app2: `sleep 60` timed out after 30 s$"):
            ssh._ended("sleep 60", status, time.monotonic() - 30)


def test_the_line_sent_is_the_command_with_the_inventorys_deadline() -> None:
    assert backend().remote("cat /etc/hostname") == (
        "exec timeout -k 1 30 \"${SHELL:-/bin/sh}\" -c 'cat /etc/hostname'"
    )
