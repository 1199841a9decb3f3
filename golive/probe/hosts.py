"""Reach the environment's hosts through Testinfra, probing each host once per run.

Over SSH, golive gives Testinfra a backend of its own (:class:`SshBackend`, a subclass of
Testinfra's): the same remote command and quoting, but

- ``ssh`` is started from an argument list, with no local shell in between, and with a
  deadline (the inventory's ``ssh.command_timeout``) besides ssh's own connect timeout and
  keep-alives;
- once the host's shared connection (ControlMaster) is up, a command is handed to it
  directly over its control socket (:mod:`golive.probe.sshmux`) instead of starting one
  more ssh client only to do the same: most of a remote check's cost was that client;
- the environment passed to ``ssh`` holds no locale variables, so no command runs under
  the caller's locale on some hosts (``SendEnv LANG LC_*``) and the server's on others;
- every command is ended on the host too (:func:`on_host`): coreutils ``timeout`` there
  ends it (SIGTERM, then SIGKILL ``ssh.kill_after`` seconds later) at ``ssh.command_timeout``,
  when golive stops waiting for it, so a command that blocks (a ``sudo cat`` of a FIFO)
  leaves nothing behind on the host. It is outside any ``sudo`` in the command: sudo relays
  the signal to the process it runs as another user, which the login user could not signal.

Testinfra's modules (``host.file``, ``host.socket``, ...) work unchanged on top of it.
:meth:`HostPool.open` connects many hosts at once, in the background if asked: a run over
fifty hosts does its handshakes side by side, while the first checks already run, rather than
one after another as each host is first reached.

A command that has not finished after ``ssh.check_after`` seconds makes golive ask
whether its host still answers a new SSH connection (within ``ssh.connect_timeout``), and
again as often while it runs:

- the host answers: the command is slow; past ``ssh.command_timeout`` it is abandoned with
  a ``TimeoutError`` naming the host and the command (a finding of the check that ran it);
- it does not: the host is lost. The command ends with :class:`HostUnreachable` naming the
  host and ssh's reason, and so does every later command on that host, at once: the pool
  reports it unreachable, as a host that is down at the start, and its remaining checks
  are skipped as missing evidence instead of each waiting for its own deadline.

A connection that breaks under a command (ssh's exit status 255, a session ended without
an exit status) is put to the same question, so a lost host never surfaces as Testinfra's
raw ``RuntimeError(CommandResult(...))``.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import re
import secrets
import shlex
import subprocess
import threading
import time
from collections.abc import Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

import testinfra
import testinfra.backend
from testinfra.backend import base
from testinfra.backend import ssh as testinfra_ssh
from testinfra.host import Host as TestinfraHost

from golive.model.environment import Environment, Host, SshSpec
from golive.model.errors import CheckFailed, HostUnreachable
from golive.probe import children, observe, sshmux
from golive.probe.wait import WaitTimeout, wait_until

OPEN_CONCURRENCY = 16  # SSH handshakes in flight at once when opening many hosts


FIRST_QUESTIONS = (
    'echo "system $(uname -s)"; echo "arch $(uname -m)"; '
    'command -v command >/dev/null 2>&1 && echo "command_v yes"; '
    'echo "ss $(command -v ss 2>/dev/null)"; '
    'echo "machine_id $(cat /etc/machine-id 2>/dev/null)"; '
    "if [ -r /etc/os-release ]; then echo os_release; cat /etc/os-release; fi; true"
)
"""The one command the pool sends a host it connects, in place of Testinfra's first questions
(``uname -s``, ``/etc/os-release``, ``uname -m``, ``command -v command``, asked one command each
by its modules), ``command -v ss`` (its socket module's) and the identity's ``/etc/machine-id``:
one round trip per host instead of six. Its exit status is the reachability probe's: 0 when
the host runs commands at all (``timeout`` there, the login shell)."""

_OS_RELEASE = (
    ("ID=", "distribution"),
    ("VERSION_ID=", "release"),
    ("VERSION_CODENAME=", "codename"),
)


@dataclass(frozen=True)
class FirstAnswers:
    """What :data:`FIRST_QUESTIONS` learnt of a host. ``sysinfo`` is Testinfra's
    ``system_info`` answer, None where the host is not a Linux host with an os-release file
    (Testinfra then asks its own questions, as it would have); ``commands`` the paths found."""

    sysinfo: dict[str, str | None] | None
    command_v: bool
    commands: dict[str, str]
    machine_id: str | None

    @classmethod
    def parse(cls, stdout: str) -> FirstAnswers:
        said: dict[str, str] = {}
        lines = stdout.splitlines()
        release: list[str] | None = None
        for i, line in enumerate(lines):
            if line == "os_release":
                release = lines[i + 1 :]
                break
            key, _, value = line.partition(" ")
            said.setdefault(key, value.strip())
        sysinfo: dict[str, str | None] | None = None
        if said.get("system", "").lower() == "linux" and release is not None and said.get("arch"):
            # as Testinfra's SystemInfo reads it (testinfra/modules/systeminfo.py)
            sysinfo = {"type": "linux", "distribution": None, "codename": None,
                       "release": None, "arch": said["arch"]}  # fmt: skip
            for entry in release:
                for key, name in _OS_RELEASE:
                    if entry.startswith(key):
                        sysinfo[name] = entry[len(key) :].replace('"', "").replace("'", "").strip()
            if sysinfo["distribution"] == "arch":
                sysinfo["release"] = "rolling"
        commands = {"ss": said["ss"]} if said.get("ss", "").startswith("/") else {}
        return cls(
            sysinfo, said.get("command_v") == "yes", commands, said.get("machine_id") or None
        )

    def teach(self, remote: Any) -> None:
        """Give Testinfra's handle these answers, so that its modules do not ask them again."""
        if isinstance(remote, KnownHost):
            remote.known_commands.update(self.commands)
        remote.__dict__["has_command_v"] = self.command_v  # Host.has_command_v's cache
        if self.sysinfo is not None:
            remote.system_info.__dict__["sysinfo"] = dict(self.sysinfo)  # SystemInfo's cache


class KnownHost(TestinfraHost):  # type: ignore[misc]
    """Testinfra's host, which finds a command the pool's first command found already
    (:data:`FIRST_QUESTIONS`) without asking the host again."""

    def __init__(self, backend: Any) -> None:
        super().__init__(backend)
        self.known_commands: dict[str, str] = {}

    def find_command(self, command: str, extrapaths: Iterable[str] = ("/sbin", "/usr/sbin")) -> str:
        known = self.known_commands.get(command)
        return known if known is not None else str(super().find_command(command, extrapaths))


@dataclass(frozen=True)
class Target:
    """One host of the environment and its Testinfra handle."""

    name: str
    spec: Host
    remote: Any  # testinfra.host.Host
    first: FirstAnswers | None = None  # what the pool's first command learnt of the host

    @property
    def address(self) -> str:
        return str(self.spec.address)

    def var(self, key: str) -> str:
        """A host variable from the inventory (paths that differ per host). A role declares
        the vars its hosts set (``roles.<role>.vars``), checked when the environment loads;
        a var no role declares and the host lacks fails the check with a sentence."""
        if key not in self.spec.vars:
            raise CheckFailed(
                f"{self.name}: host var {key!r} is not set in the inventory (declare it in "
                f"roles.<role>.vars of expectations.yml, and set it on the host)"
            )
        return self.spec.vars[key]

    def run(self, command: str, *args: str) -> Any:
        return self.remote.run(command, *args)


def ssh_options(ssh: SshSpec) -> list[str]:
    """The ssh client options golive uses for every host (argument list form); the
    inventory's own ``ssh.options`` come first, and ssh takes the first value it is given."""
    options = [
        "-o", "BatchMode=yes",
        "-o", "ServerAliveInterval=5",
        "-o", "ServerAliveCountMax=2",
        "-o", f"ConnectTimeout={max(1, round(ssh.connect_timeout))}",
    ]  # fmt: skip
    if ssh.known_hosts:
        options += ["-o", f"UserKnownHostsFile={ssh.known_hosts}"]
        options += ["-o", "StrictHostKeyChecking=yes"]
    if ssh.identity_file:
        options += ["-i", str(ssh.identity_file)]
    if ssh.control_persist:
        options += ["-o", "ControlMaster=auto", "-o", f"ControlPersist={ssh.control_persist}s"]
    if ssh.control_path:
        options += ["-o", f"ControlPath={ssh.control_path}"]
    return [*(arg for option in ssh.options for arg in ("-o", option)), *options]


SERVER_KEY = re.compile(
    r"^debug1: Server host (?:key|certificate): (?P<type>\S+) (?P<fingerprint>SHA256:[^\s,]+)"
)
"""The line of ssh's debug log naming the host key the handshake verified (OpenSSH's
sshconnect.c ``verify_host_key``, the same line since OpenSSH 6.8)."""
DEBUG_LOG = ("debug1: ", "Authenticated to ")
"""What ``LogLevel=DEBUG1`` adds to a client's stderr (debug lines, and its one
verbose line before a command runs), taken out again."""
KEY_FILE = "{base}.hostkey"
"""Beside a host's control socket (and its lock): the run id and the host key of the run's
shared connection (:meth:`SshBackend.server_key`), one file per host, rewritten by each run."""

ENDED_ON_HOST = (124, 137, 255)
"""What a command ended on the host at its deadline returns: ``timeout``'s status after
SIGTERM, the command's after SIGKILL, and ssh's (255) when ``timeout`` killed itself with
its group (a session ended by a signal; through a master: no exit status at all)."""


def on_host(command: str, seconds: float, kill_after: float) -> str:
    """``command`` (a shell command line, as Testinfra quotes it, ``sudo`` included) ended on
    the host after ``seconds``, and killed ``kill_after`` seconds later if it is still there.
    It runs in the login shell (``$SHELL``) as it would unwrapped, in a process group of
    ``timeout``'s own, which the signals reach whole (a pipeline, a child it started)."""
    return (
        f"exec timeout -k {kill_after:g} {seconds:g} "
        f'"${{SHELL:-/bin/sh}}" -c {shlex.quote(command)}'
    )


def _client_environment() -> dict[str, str]:
    """The caller's environment without locale variables (see the module's docstring)."""
    return {
        k: v
        for k, v in os.environ.items()
        if not (k.startswith("LC_") or k in ("LANG", "LANGUAGE"))
    }


def _again(exc: HostUnreachable) -> HostUnreachable:
    """The same finding as a fresh exception (raising one object again and again would
    chain every traceback it was raised through)."""
    return HostUnreachable(exc.host, exc.reason)


def _last_line(stderr: bytes | str) -> str:
    text = stderr.decode(errors="replace") if isinstance(stderr, bytes) else stderr
    lines = [line.strip() for line in text.strip().splitlines() if line.strip()]
    return lines[-1] if lines else ""


@contextlib.contextmanager
def _exclusive(path: str, timeout: float, label: str) -> Iterator[None]:
    """Hold an exclusive lock on ``path`` (created if need be), waiting at most ``timeout``;
    where no lock file can be made, go on unlocked (ssh then reports what is wrong)."""
    try:
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    except OSError:
        yield
        return
    try:

        def locked() -> bool:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                return False
            return True

        try:
            wait_until(locked, timeout, 0.01, what=f"{label}: the lock {path}")
        except WaitTimeout:
            raise RuntimeError(f"{label}: another process held {path} for {timeout:g} s") from None
        yield
    finally:
        os.close(fd)


class Result(base.CommandResult):  # type: ignore[misc]
    """Testinfra's command result, shown as a line a reader can use. Testinfra puts a
    result into its own errors (``Unexpected exit code 1 for <result>``), and a dataclass's
    repr would show the backend object and raw bytes there."""

    def __repr__(self) -> str:
        name = getattr(self.backend, "name", "")
        command = (
            self.command.decode(errors="replace")
            if isinstance(self.command, bytes)
            else self.command
        )
        said = _last_line(self._stderr) or _last_line(self._stdout)
        return f"{name + ': ' if name else ''}`{command}` exited {self.exit_status}" + (
            f": {said}" if said else ""
        )

    __str__ = __repr__


class SshBackend(testinfra_ssh.SshBackend):  # type: ignore[misc]
    """Testinfra's ssh backend, run without a local shell, with a deadline, through the
    host's ControlMaster once there is one, and watching that the host still answers."""

    def __init__(
        self,
        hostspec: str,
        *,
        options: list[str],
        command_timeout: float,
        connect_timeout: float = 5.0,
        check_after: float = 1.0,
        kill_after: float = 1.0,
        label: str = "",
        run_id: str | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(hostspec, **kwargs)
        self.name = label or self.host.name
        self.label = f"{label} ({self.host.name})" if label else self.host.name
        self.options = options
        self.command_timeout = command_timeout
        self.connect_timeout = connect_timeout
        self.check_after = check_after
        self.kill_after = kill_after
        self.lost: HostUnreachable | None = None
        self.run_id = run_id
        self._control: str | None = None
        self._control_base: str | None = None
        self._control_known = False
        self._config: dict[str, str] | None = None
        self.seen_key: tuple[str, str] | None = None  # (type, SHA256 fingerprint): server_key

    def _destination(self) -> list[str]:
        user = ["-o", f"User={self.host.user}"] if self.host.user else []
        port = ["-o", f"Port={self.host.port}"] if self.host.port else []
        # the host's own key (``?ssh_identity_file=`` of its connection: an Ansible inventory's
        # ansible_ssh_private_key_file), tried before the inventory's
        key = ["-i", str(self.ssh_identity_file)] if self.ssh_identity_file else []
        # this run's own shared connection, before every other option (ssh takes the first)
        mine = ["-o", f"ControlPath={self._control.replace('%', '%%')}"] if self._control else []
        return [*mine, *key, *self.options, *user, *port, self.host.name]

    def _ssh(self, *argv: str) -> subprocess.CompletedProcess[bytes]:
        """A local ssh operation (``-G``, ``-O exit``): no command runs on the host."""
        try:
            return subprocess.run(
                ["ssh", *argv],
                stdin=subprocess.DEVNULL,
                capture_output=True,
                env=_client_environment(),
                timeout=self.command_timeout,
                check=False,
            )
        except subprocess.TimeoutExpired:
            raise RuntimeError(
                f"{self.label}: `ssh {argv[0]}` timed out after {self.command_timeout:g} s"
            ) from None

    def resolved_config(self) -> dict[str, str]:
        """ssh's resolved configuration for the host (``ssh -G``, the first value of each
        key), asked once per backend: the control path and the identity's host keys read it."""
        if self._config is None:
            out = self._ssh("-G", *self._destination())
            config: dict[str, str] = {}
            for line in out.stdout.decode(errors="replace").splitlines():
                key, _, value = line.partition(" ")
                config.setdefault(key.lower(), value)
            self._config = config
        return self._config

    def control_path(self) -> str | None:
        """The ControlPath of this run's shared connection to the host: the one ssh's
        configuration gives (``ssh -G``, tokens expanded) with the run's id appended, so that
        no master opened before the run (by an earlier run, or before the host changed) is
        ever used for a check; every ssh of this backend is then given it."""
        if not self._control_known:
            path = self.resolved_config().get("controlpath")
            found = path if path and path != "none" else None
            self._control_base = found
            self._control = f"{found}-{self.run_id}" if found and self.run_id else found
            self._control_known = True
        return self._control

    def _saw(self, stderr: bytes) -> bytes:
        """Take the host key from a client's debug log (``Server host key: TYPE SHA256:...``,
        or ``Server host certificate:`` for a certified one: the certified key's fingerprint)
        and return the stderr the command would have had without that log. A client that
        started this run's shared connection leaves the key beside its control socket
        (:data:`KEY_FILE`) for the run's other processes (pytest-xdist's workers and
        controller), which reach the host through that connection and never see a handshake."""
        kept = []
        for line in stderr.decode(errors="replace").splitlines(keepends=True):
            said = SERVER_KEY.match(line)
            if said is not None:
                self.seen_key = (said["type"], said["fingerprint"])
            if not line.startswith(DEBUG_LOG):
                kept.append(line)
        control = self._control
        if self.seen_key is not None and control and self.run_id and os.path.exists(control):
            with contextlib.suppress(OSError):  # a key not shared is asked as before
                path = KEY_FILE.format(base=self._control_base or control)
                write = f"{path}.{os.getpid()}.{threading.get_ident()}"
                with open(write, "w", encoding="utf-8") as out:
                    out.write(f"{self.run_id} {self.seen_key[0]} {self.seen_key[1]}\n")
                os.replace(write, path)
        return "".join(kept).encode()

    def server_key(self) -> tuple[str, str] | None:
        """The host key (type, SHA256 fingerprint) this run's connection to the host verified
        in its handshake: seen by this backend's first client, else left by the process of
        this run that started the shared connection (read under the lock that process held
        while it started it, so never half-written); None when neither is known."""
        if self.seen_key is not None or not self.run_id:
            return self.seen_key
        control = self.control_path()
        if not control or not os.path.exists(control):
            return None
        base_path = self._control_base or control
        said: list[str] = []
        with (
            contextlib.suppress(OSError, RuntimeError),
            _exclusive(f"{base_path}.lock", self.command_timeout, self.label),
            open(KEY_FILE.format(base=base_path), encoding="utf-8") as found,
        ):
            said = found.read().split()
        if len(said) == 3 and said[0] == self.run_id and said[2].startswith("SHA256:"):
            self.seen_key = (said[1], said[2])
        return self.seen_key

    def close(self) -> None:
        """End the host's shared connection, if one is up (``ssh -O exit``)."""
        control = self.control_path()
        if control and os.path.exists(control):
            self._ssh("-O", "exit", "-o", f"ControlPath={control}", *self._destination())

    def answers(self) -> str | None:
        """None when the host answers a new SSH connection (not the shared one, which may
        be the very thing that hangs) within the connect timeout; else ssh's reason."""
        try:
            proc = subprocess.run(
                ["ssh", "-o", "ControlMaster=no", "-o", "ControlPath=none",
                 *self._destination(), "true"],
                stdin=subprocess.DEVNULL,
                capture_output=True,
                env=_client_environment(),
                # ConnectTimeout bounds the TCP connect and ssh's banner; this, the rest
                timeout=2 * self.connect_timeout,
                check=False,
            )  # fmt: skip
        except subprocess.TimeoutExpired:
            return f"no answer to a new SSH connection within {2 * self.connect_timeout:g} s"
        if proc.returncode == 0:
            return None
        return _last_line(proc.stderr) or f"a new SSH connection exited {proc.returncode}"

    def result(
        self, rc: int, cmd: bytes, stdout: str | bytes, stderr: str | bytes
    ) -> base.CommandResult:
        return Result(backend=self, exit_status=rc, command=cmd, _stdout=stdout, _stderr=stderr)

    def _lose(self, reason: str) -> HostUnreachable:
        """Mark the host lost: this and every later command raise HostUnreachable."""
        if self.lost is None:
            self.lost = HostUnreachable(self.name, f"{self._spec()}: {reason}")
        return self.lost

    def _spec(self) -> str:
        return f"ssh://{self.host.user + '@' if self.host.user else ''}{self.host.name}"

    def _watch(self) -> None:
        """Called while a command is slow to answer: raise if the host stopped answering."""
        if self.lost is not None:
            raise _again(self.lost)
        if (reason := self.answers()) is not None:
            raise self._lose(reason)

    def _timed_out(self, cmd: str) -> TimeoutError:
        return TimeoutError(f"{self.name}: `{cmd}` timed out after {self.command_timeout:g} s")

    def remote(self, cmd: str) -> str:
        """What is sent to the host for ``cmd``: ``cmd`` ended there at its deadline."""
        return on_host(cmd, self.command_timeout, self.kill_after)

    def _ended(self, cmd: str, rc: int | None, started: float) -> None:
        """Raise as golive's own deadline does when the host's ``timeout`` ended ``cmd`` (its
        status, past the deadline: golive's clock started first, so it is past ours too)."""
        if (rc is None or rc in ENDED_ON_HOST) and time.monotonic() - started >= (
            self.command_timeout
        ):
            raise self._timed_out(cmd)

    def _broken(self, cmd: str, what: str) -> Exception:
        """The connection broke under ``cmd``: the host is lost unless it still answers."""
        reason = self.answers()
        if reason is not None:
            return self._lose(f"{what}; {reason}" if what else reason)
        return RuntimeError(f"{self.name}: `{cmd}`: the SSH session broke off ({what})")

    def _through_master(self, control: str, cmd: str) -> base.CommandResult | None:
        """Run ``cmd`` over the master at ``control``; None when there is no master."""
        started = time.monotonic()
        try:
            done = sshmux.run(
                control,
                self.encode(self.remote(cmd)),
                self.command_timeout,
                self._watch,
                self.check_after,
            )
        except sshmux.NoMaster:
            return None
        except TimeoutError:
            raise self._timed_out(cmd) from None
        except sshmux.MuxError as exc:
            raise self._broken(cmd, str(exc)) from None
        self._ended(cmd, done.exit_status, started)
        if done.exit_status is None:  # the session ended without an exit status
            raise self._broken(cmd, _last_line(done.stderr) or "the connection was lost")
        return self.result(done.exit_status, self.encode(cmd), done.stdout, done.stderr)

    def run(self, command: str, *args: str, **kwargs: Any) -> base.CommandResult:
        if self.lost is not None:
            raise _again(self.lost)
        cmd = self.get_command(command, *args)
        control = self.control_path() if self.controlpersist else None
        if not control:
            return self._client(cmd)
        if (done := self._through_master(control, cmd)) is not None:
            return done
        # No master yet: the ssh client starts one (ControlMaster=auto). One process at a
        # time per host (pytest-xdist workers, parallel runs): the others then use it
        # rather than each paying a handshake of their own.
        # (the lock is the host's, whichever run: no lock file is left per run)
        with _exclusive(f"{self._control_base or control}.lock", self.command_timeout, self.label):
            if self.lost is not None:  # found while this thread waited for the lock
                raise _again(self.lost)
            if (done := self._through_master(control, cmd)) is not None:
                return done
            return self._client(cmd)

    def _client(self, cmd: str) -> base.CommandResult:
        """Run ``cmd`` with an ssh client of its own, watching like the master's sessions.
        The backend's first client also tells the host key its handshake verified
        (:meth:`server_key`): ssh's debug log says it, and that log is taken out of the
        command's stderr again."""
        seeing = self.seen_key is None
        shown = ["-o", "LogLevel=DEBUG1", "-o", "FingerprintHash=sha256"] if seeing else []
        proc = children.start(  # it dies with golive (the command's host-side end: its timeout)
            ["ssh", *shown, *self._destination(), self.remote(cmd)],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env=_client_environment(),
        )
        started = time.monotonic()
        deadline = started + self.command_timeout
        try:
            while True:
                left = deadline - time.monotonic()
                if left <= 0:
                    raise self._timed_out(cmd)
                try:
                    stdout, stderr = proc.communicate(timeout=min(left, self.check_after))
                    break
                except subprocess.TimeoutExpired:
                    if time.monotonic() < deadline:
                        self._watch()
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.communicate()
            children.ended(proc)
        if seeing:
            stderr = self._saw(stderr)
        self._ended(cmd, proc.returncode, started)
        if proc.returncode == 255:  # ssh's own failure, or the command's own status
            lost = self.answers()
            if lost is not None:
                raise self._lose(_last_line(stderr) or lost)
        return self.result(proc.returncode, self.encode(cmd), stdout, stderr)


RUN_ID = secrets.token_hex(4)
"""The run this process belongs to, unless told another (pytest-xdist's workers share their
run's): the shared SSH connections it opens are its own (:meth:`SshBackend.control_path`)."""


def remote_host(name: str, spec: Host, ssh: SshSpec, run_id: str = RUN_ID) -> Any:
    """A Testinfra Host for inventory host ``name`` (golive's SSH backend for ``ssh://``),
    its shared connection that of the run ``run_id``."""
    connection = spec.connection
    if connection == "ssh":  # the inventory's default: the host's address, the ssh user
        connection = f"ssh://{ssh.user + '@' if ssh.user else ''}{spec.address}"
    if not connection.startswith("ssh://"):
        options: dict[str, Any] = {}
        if connection.startswith("paramiko"):
            options = {"timeout": max(1, round(ssh.connect_timeout))}
            if ssh.identity_file:
                options["ssh_identity_file"] = str(ssh.identity_file)
        # a handle of its own (testinfra.get_host caches one per spec: two inventory hosts
        # on local:// would share it), recording each command as the check's evidence
        other_backend = testinfra.backend.get_backend(connection, **options)
        other = TestinfraHost(other_backend)
        other_backend.set_host(other)
        observe.observed_backend(other_backend, name)
        return other
    hostspec, kwargs = testinfra.backend.parse_hostspec(connection)
    kwargs.pop("connection", None)
    backend = SshBackend(
        hostspec,
        options=ssh_options(ssh),
        command_timeout=ssh.command_timeout,
        connect_timeout=ssh.connect_timeout,
        check_after=ssh.check_after,
        kill_after=ssh.kill_after,
        label=name,
        run_id=run_id,
        controlpersist=ssh.control_persist,
        **kwargs,
    )
    host = KnownHost(backend)
    backend.set_host(host)
    observe.observed_backend(backend, name)  # each command is the check's evidence
    return host


_reach = threading.local()


@contextlib.contextmanager
def reaching(into: set[str]) -> Iterator[set[str]]:
    """The inventory hosts this thread asks any pool for (:meth:`HostPool.get`) while the block
    runs go to ``into``: the hosts a check reaches, for the verdict's scope (a check about the
    service may still touch hosts; plugins/records.py keeps them per check). A
    thread of the check's own, or one asking ahead for another check, records nothing."""
    previous = getattr(_reach, "into", None)
    _reach.into = into
    try:
        yield into
    finally:
        _reach.into = previous


class HostPool:
    """Testinfra handles for the environment's hosts; one reachability probe per host."""

    def __init__(self, env: Environment, run_id: str = RUN_ID) -> None:
        self.env = env
        self.run_id = run_id
        self._targets: dict[str, Target | HostUnreachable] = {}
        self._lock = threading.Lock()
        self._opening: dict[str, threading.Event] = {}
        self._opener: ThreadPoolExecutor | None = None

    def _connect(self, name: str) -> Target | HostUnreachable:
        with observe.quiet():  # the pool's own probes are no check's evidence
            return self._connect_quietly(name)

    def _connect_quietly(self, name: str) -> Target | HostUnreachable:
        spec = self.env.inventory.hosts[name]
        remote = remote_host(name, spec, self.env.inventory.ssh, self.run_id)
        try:
            probe = remote.run(FIRST_QUESTIONS)
        except HostUnreachable as exc:
            return exc
        except (RuntimeError, OSError) as exc:  # other backends; a first command timed out
            out = getattr(exc.args[0], "stderr", "") if exc.args else ""
            reason = _last_line(out or str(exc)) or "ssh failed"
            return HostUnreachable(name, f"{spec.connection}: {reason}")
        if probe.rc != 0:
            # e.g. 127, "timeout: not found": the host lacks what every command runs under
            said = _last_line(probe.stderr)
            reason = f"probe command exited {probe.rc}" + (f": {said}" if said else "")
            return HostUnreachable(name, f"{spec.connection}: {reason}")
        first = FirstAnswers.parse(str(probe.stdout))
        first.teach(remote)
        self._warm(remote)
        return Target(name, spec, remote, first)

    @staticmethod
    def _warm(remote: Any) -> None:
        """Learn what Testinfra's modules ask every host first (its system: ``uname``,
        os-release), here, where hosts connect concurrently, rather than in the first check,
        where the first command did not tell it already (not a Linux host); a failure is
        left for that check to report."""
        with contextlib.suppress(Exception):
            _ = remote.system_info.type, remote.has_command_v

    def _resolve(self, name: str) -> Target | HostUnreachable:
        """Connect ``name`` once, whichever thread asks first; the others wait for it."""
        with self._lock:
            if name in self._targets:
                return self._targets[name]
            opening = self._opening.get(name)
            if opening is None:
                event = self._opening[name] = threading.Event()
        if opening is not None:
            opening.wait()
            return self._targets.get(name) or self._resolve(name)  # the opener failed: retry
        try:
            found = self._connect(name)
            with self._lock:
                self._targets[name] = found
            return found
        finally:
            with self._lock:
                del self._opening[name]
            event.set()

    def open(self, names: Iterable[str], *, wait: bool = True) -> None:
        """Connect the named hosts concurrently (each opens its shared SSH connection);
        unreachable ones are remembered, and raised by :meth:`get` as usual.

        With ``wait=False`` the connections open in the background, in the order given, and
        :meth:`get` waits for its host only: checks start while later hosts still connect.
        """
        wanted = [n for n in dict.fromkeys(names) if n not in self._targets]
        if not wanted:
            return
        with self._lock:
            if self._opener is None:
                self._opener = ThreadPoolExecutor(OPEN_CONCURRENCY, "golive-ssh-open")
            opener = self._opener
        futures = [opener.submit(self._resolve, name) for name in wanted]
        if wait:
            for future in futures:
                future.result()

    def close(self) -> None:
        """End this run's shared SSH connections to every host of the inventory."""
        backends = [
            remote_host(name, spec, self.env.inventory.ssh, self.run_id).backend
            for name, spec in self.env.inventory.hosts.items()
        ]
        mine = [b for b in backends if isinstance(b, SshBackend)]
        if mine:
            with ThreadPoolExecutor(min(OPEN_CONCURRENCY, len(mine))) as pool:
                list(pool.map(SshBackend.close, mine))
        with self._lock:
            self._targets.clear()

    def get(self, name: str) -> Target:
        """The host's Target, or HostUnreachable raised with the cached reason (also when the
        host stopped answering since it was reached). Asked in a block :func:`reaching`, the
        host is recorded as reached."""
        into: set[str] | None = getattr(_reach, "into", None)
        if into is not None:
            into.add(name)
        found = self._resolve(name)
        if isinstance(found, Target) and (lost := _lost(found)) is not None:
            with self._lock:
                self._targets[name] = found = lost
        if isinstance(found, HostUnreachable):
            raise _again(found)
        return found

    def known_lost(self, lost: dict[str, str]) -> None:
        """Hosts already found unreachable (host: reason) by this run: not asked again, also
        where this pool connected them before the run lost them (the session's pool, reused
        at the end of the run); one already unreachable here keeps its own reason."""
        with self._lock:
            for name, reason in lost.items():
                if not isinstance(self._targets.get(name), HostUnreachable):
                    self._targets[name] = HostUnreachable(name, reason)

    def unreachable(self) -> dict[str, str]:
        """Hosts found unreachable so far (at the start or since), with the reason."""
        with self._lock:
            found = list(self._targets.items())
        return {
            n: lost.reason
            for n, t in found
            if (lost := t if isinstance(t, HostUnreachable) else _lost(t)) is not None
        }


def _lost(target: Target) -> HostUnreachable | None:
    """Why the target's host stopped answering, if it did (golive's SSH backend knows)."""
    lost = getattr(target.remote.backend, "lost", None)
    return lost if isinstance(lost, HostUnreachable) else None
