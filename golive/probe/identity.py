"""Which machine each inventory host is: its SSH host keys and its ``/etc/machine-id``.

Asked once per host per run (:class:`Identities`: in the background as soon as the run
connects the host, else at its end), judged by the gate (golive/judge/identity.py): two
inventory names that reach one machine (a leftover port forward or NAT rule, a DNS name
pointing at another host, a copied connection string) would otherwise certify one machine
twice and the other never.

- **The host key** is the one the run's own SSH connection to the host verified in its
  handshake (golive.probe.hosts.SshBackend.server_key; Testinfra's paramiko backend: its
  transport's): the very machine the checks ran on, asked with no connection of its own
  (issue 24: at 200 hosts, ``ssh-keyscan``'s five handshakes a host, with OpenSSH's
  post-quantum key exchange, which the inventory's ``KexAlgorithms`` does not reach, cost
  more than the checks and missed their bound under load). Two names reaching one machine
  show it the same key: one client configuration proposes the same host key algorithms to
  both, unless known_hosts already holds keys of different types for the two names (ssh
  then prefers each name's own type); that case is not seen.
- **Where the connection's key is not known** (a run whose shared connection another run
  started), ``ssh -G`` gives the address and port ssh connects to for the host (after the
  user's ssh configuration, aliases included), and ``ssh-keyscan`` asks that address and
  port for its host keys, within the inventory's ``ssh.connect_timeout``. Where ssh reaches
  the host through a ``ProxyCommand`` or ``ProxyJump`` (which ``ssh-keyscan`` cannot
  follow), the keys are those the known_hosts file holds for the host: with
  ``StrictHostKeyChecking=yes`` (golive's when the inventory names a known_hosts file) the
  connection was only made if the host showed one of them.
- **machine-id** is read over the host's own connection (``cat /etc/machine-id``, in the
  pool's first command to the host: golive.probe.hosts.FIRST_QUESTIONS), where readable.
  It is evidence, and a weaker signal (cloned machines share one; so do hosts that share one
  filesystem, as the sandbox's do): see the judge.

Hosts that golive does not reach over SSH itself (``local://``, ``docker://``, ``ansible://``
...) have no host key it saw: their identity is recorded as not applicable, never guessed.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import subprocess
import sys
import threading
from collections.abc import Iterable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import asdict, dataclass
from typing import Any

from golive.model.environment import Environment
from golive.model.errors import GoliveError
from golive.model.facts.identity import IdentityFacts
from golive.probe import observe
from golive.probe.hosts import HostPool, SshBackend, Target

MACHINE_ID = "/etc/machine-id"
CONCURRENCY = 16  # hosts asked at once


@dataclass(frozen=True)
class Identity(IdentityFacts):
    """What a host showed of itself: ``keys`` (``"ED25519 SHA256:..."``, sorted), where they
    were read (``source``), its machine-id, and why the keys are unknown (``error``) or not
    applicable (``ssh`` False)."""

    keys: tuple[str, ...] = ()
    source: str = ""

    def record(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_record(cls, record: dict[str, Any]) -> Identity:
        return cls(**{**record, "keys": tuple(record.get("keys", ()))})


def fingerprint(key_type: str, blob: str) -> str:
    """OpenSSH's SHA256 fingerprint of a public key (base64 blob), with its type:
    ``"ED25519 SHA256:..."`` as ``ssh-keygen -l`` prints it."""
    digest = hashlib.sha256(base64.b64decode(blob)).digest()
    return f"{key_kind(key_type)} SHA256:{base64.b64encode(digest).decode().rstrip('=')}"


def key_kind(key_type: str) -> str:
    """``ED25519``, ``RSA``, ``ECDSA``... for an SSH key type name (a certificate's is its
    key's: OpenSSH fingerprints the certified key)."""
    if key_type.startswith("ecdsa-"):
        return "ECDSA"
    return key_type.removeprefix("ssh-").split("@")[0].removesuffix("-cert-v01").upper()


def transport_key(backend: Any) -> str | None:
    """The host key the run's connection to the host verified (``"ED25519 SHA256:..."``), if
    known: golive's ssh backend saw or was told it; a paramiko backend's transport has it."""
    if isinstance(backend, SshBackend):
        seen = backend.server_key()
        return f"{key_kind(seen[0])} {seen[1]}" if seen is not None else None
    if _paramiko(backend):
        with contextlib.suppress(Exception):  # not connected: the scan is asked instead
            key = backend.client.get_transport().get_remote_server_key()
            return fingerprint(key.get_name(), base64.b64encode(key.asbytes()).decode())
    return None


def parse_keys(text: str) -> tuple[str, ...]:
    """Fingerprints of the keys in ``ssh-keyscan`` or known_hosts lines (comments and
    markers such as ``@revoked`` skipped)."""
    found = set()
    for line in text.splitlines():
        fields = line.split()
        if not fields or fields[0].startswith(("#", "@")) or len(fields) < 3:
            continue
        try:
            found.add(fingerprint(fields[1], fields[2]))
        except ValueError:  # not base64: not a key line
            continue
    return tuple(sorted(found))


def _run(argv: list[str], timeout: float) -> subprocess.CompletedProcess[str] | str:
    """A local command within ``timeout``; its result, or why there is none."""
    try:
        return subprocess.run(
            argv, stdin=subprocess.DEVNULL, capture_output=True, text=True,
            timeout=timeout, check=False,
        )  # fmt: skip
    except subprocess.TimeoutExpired:
        return f"`{argv[0]}` did not finish within {timeout:g} s"
    except OSError as exc:
        return f"`{argv[0]}` could not run: {exc.strerror or exc}"


def _ssh_config(backend: SshBackend) -> dict[str, str]:
    """ssh's resolved configuration for the host (``ssh -G``: the backend's, asked once)."""
    try:
        return backend.resolved_config()
    except RuntimeError as exc:  # `ssh -G` timed out
        raise GoliveError(str(exc)) from None


def where(backend: Any) -> str:
    """The host and port the backend's connections go to (``host`` or ``[host]:port``),
    as ssh resolves them where it can."""
    try:
        config = _ssh_config(backend) if isinstance(backend, SshBackend) else {}
    except GoliveError:
        config = {}
    address = config.get("hostname", backend.host.name)
    port = config.get("port", str(getattr(backend.host, "port", None) or 22))
    return address if port == "22" else f"[{address}]:{port}"


def host_keys(backend: Any, timeout: float) -> tuple[tuple[str, ...], str]:
    """The host keys ssh is shown for the backend's host, and where they were read (golive's
    ssh backend: as ``ssh -G`` resolves it; Testinfra's paramiko one: its host and port)."""
    if isinstance(backend, SshBackend):
        config = _ssh_config(backend)
    else:
        config = {"hostname": backend.host.name, "port": str(backend.host.port or 22)}
    address, port = config.get("hostname", backend.host.name), config.get("port", "22")
    where = address if port == "22" else f"[{address}]:{port}"
    proxied = [k for k in ("proxycommand", "proxyjump") if config.get(k, "none") != "none"]
    if proxied:
        files = config.get("userknownhostsfile", "~/.ssh/known_hosts").split()
        lines = []
        for known in files:
            done = _run(["ssh-keygen", "-F", where, "-f", known], timeout)
            if not isinstance(done, str) and done.returncode == 0:
                lines.append(done.stdout)
        return parse_keys("".join(lines)), f"known_hosts {where} ({proxied[0]})"
    seconds = max(1, round(timeout))
    done = _run(["ssh-keyscan", "-T", str(seconds), "-p", port, address], 2 * timeout + 1)
    if isinstance(done, str):
        raise GoliveError(done)
    keys = parse_keys(done.stdout)
    if not keys:
        said = [line for line in done.stderr.splitlines() if line and not line.startswith("#")]
        why = said[-1] if said else f"no host key within {seconds} s"
        raise GoliveError(f"ssh-keyscan {where}: {why}")
    return keys, f"ssh-keyscan {where}"


def _machine_id(target: Target) -> str | None:
    if target.first is not None:  # read by the pool's first command (hosts.FIRST_QUESTIONS)
        return target.first.machine_id
    try:
        out = target.run(f"cat {MACHINE_ID}")
    except Exception:  # unreadable: evidence missing, never a crash (keys are the identity)
        return None
    value = str(out.stdout).strip() if out.rc == 0 else ""
    return value or None


def _paramiko(backend: Any) -> bool:
    """Whether ``backend`` is Testinfra's paramiko backend, asked without importing paramiko
    (~0.3 s): a run that made one has imported its module already."""
    module = sys.modules.get("testinfra.backend.paramiko")
    return module is not None and isinstance(backend, module.ParamikoBackend)


def identify(pool: HostPool, name: str, timeout: float) -> Identity:
    """One host's identity (its connection from ``pool``); an unreachable host or a scan
    that fails is an identity with ``error`` saying why."""
    try:
        target = pool.get(name)
    except GoliveError as exc:
        return Identity(name, error=str(exc))
    backend = target.remote.backend
    machine_id = _machine_id(target)
    if not isinstance(backend, SshBackend) and not _paramiko(backend):
        source = f"{target.spec.connection}: not an SSH host"
        return Identity(name, source=source, machine_id=machine_id, ssh=False)
    if (key := transport_key(backend)) is not None:
        return Identity(name, keys=(key,), source=f"ssh handshake {where(backend)}",
                        machine_id=machine_id)  # fmt: skip
    try:
        keys, source = host_keys(backend, timeout)
    except GoliveError as exc:
        return Identity(name, machine_id=machine_id, error=str(exc))
    if not keys:
        error = f"{source}: no host key found"
        return Identity(name, source=source, machine_id=machine_id, error=error)
    return Identity(name, keys=keys, source=source, machine_id=machine_id)


class Identities:
    """Each host's identity, asked at most once per run, concurrently: in the background
    from the moment the run knows it will reach the host (:meth:`ask`, while its checks run:
    the keyscans are off the end of the run), and waited for when the gate judges them
    (:meth:`of`). Asked quietly: no check's evidence."""

    def __init__(self, env: Environment, pool: HostPool) -> None:
        self.env, self.pool = env, pool
        self._asked: dict[str, Future[Identity]] = {}
        self._lock = threading.Lock()
        self._workers: ThreadPoolExecutor | None = None

    def _identify(self, name: str) -> Identity:
        with observe.quiet():
            return identify(self.pool, name, self.env.inventory.ssh.connect_timeout)

    def ask(self, names: Iterable[str]) -> None:
        """Start asking each named host not asked yet; returns at once."""
        with self._lock:
            for name in dict.fromkeys(names):
                if name not in self._asked:
                    if self._workers is None:
                        self._workers = ThreadPoolExecutor(CONCURRENCY, "golive-identity")
                    self._asked[name] = self._workers.submit(self._identify, name)

    def answered(self) -> dict[str, Identity]:
        """The identities asked so far that have their answer (none is waited for)."""
        with self._lock:
            asked = list(self._asked.items())
        return {n: f.result() for n, f in asked if f.done()}

    def known(self, found: dict[str, Identity]) -> None:
        """Identities another process of the run asked (a pytest-xdist worker's): taken as
        answered here, where no host is asked twice; one with an error is asked again."""
        with self._lock:
            for name, identity in found.items():
                if identity.error is None and name not in self._asked:
                    done: Future[Identity] = Future()
                    done.set_result(identity)
                    self._asked[name] = done

    def of(self, names: list[str]) -> dict[str, Identity]:
        """The identity of each named host (asked now if it was not yet), once all answered."""
        self.ask(names)
        found = {n: self._asked[n].result() for n in names}
        with self._lock:
            if self._workers is not None and all(f.done() for f in self._asked.values()):
                self._workers.shutdown(wait=False)
                self._workers = None
        return found


def identities(env: Environment, names: list[str], pool: HostPool) -> dict[str, Identity]:
    """The identity of each named host, concurrently (one ask per host)."""
    return Identities(env, pool).of(names)
