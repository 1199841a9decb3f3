"""A host's identity is the key its run's own SSH connection verified (issue 24): the first
client of a backend reads it from ssh's debug log, which never reaches the command's stderr;
the process that started the run's shared connection leaves it beside the control socket for
the run's other processes (xdist's workers and controller), and no other run's key is taken.
No network: ssh's output is given, ``ssh -G`` only resolves the control path."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

from golive.model.environment import Host, SshSpec
from golive.model.errors import HostUnreachable
from golive.probe.hosts import KEY_FILE, SshBackend, Target, remote_host
from golive.probe.identity import Identities, Identity, identify, key_kind

FP = "SHA256:23umNbA1wQ3jfx7TgPa2qoLCcIv4kURt6KrZlwwO2Ak"
LOG = (
    "debug1: Reading configuration data /etc/ssh/ssh_config\n"
    "debug1: Connecting to 127.0.2.11 [127.0.2.11] port 22.\n"
    f"debug1: Server host key: ssh-ed25519 {FP}\n"
    "debug1: Host '127.0.2.11' is known and matches the ED25519 host key.\n"
    'Authenticated to 127.0.2.11 ([127.0.2.11]:22) using "publickey".\n'
    "the command's own line\n"
    "debug1: mux_client_request_session: master session id: 2\n"
)


def _backend(tmp_path: Path, run_id: str) -> SshBackend:
    spec = SshSpec(user="golive", control_path=tmp_path / "cm" / "%C")
    host = Host(address="127.0.2.11", roles=["app"], connection="ssh://golive@127.0.2.11")
    backend = remote_host("app1", host, spec, run_id).backend
    assert isinstance(backend, SshBackend)
    return backend


def _master_up(backend: SshBackend) -> None:
    control = backend.control_path()
    assert control is not None
    Path(control).parent.mkdir(parents=True, exist_ok=True)
    Path(control).touch()  # where the run's master listens (only its existence is read)


def test_the_first_clients_debug_log_gives_the_key_and_leaves_the_commands_stderr(
    tmp_path: Path,
) -> None:
    backend = _backend(tmp_path, "feedf00d")
    assert backend.server_key() is None  # no connection yet: nothing known, nothing guessed
    stderr = backend._saw(LOG.encode())
    assert stderr == b"the command's own line\n"
    assert backend.server_key() == ("ssh-ed25519", FP)


def test_a_certified_host_key_is_its_keys_fingerprint() -> None:
    assert key_kind("ssh-ed25519-cert-v01@openssh.com") == "ED25519"
    assert key_kind("ecdsa-sha2-nistp256") == "ECDSA"
    assert key_kind("ssh-rsa") == "RSA"


def test_the_runs_other_processes_read_the_key_its_master_verified(tmp_path: Path) -> None:
    starter = _backend(tmp_path, "feedf00d")
    _master_up(starter)
    starter._saw(LOG.encode())
    control = starter.control_path()
    assert control is not None
    written = Path(KEY_FILE.format(base=control.removesuffix("-feedf00d")))
    assert written.read_text() == f"feedf00d ssh-ed25519 {FP}\n"
    worker = _backend(tmp_path, "feedf00d")  # another process of the run: no handshake seen
    assert worker.server_key() == ("ssh-ed25519", FP)


def test_another_runs_key_is_never_taken(tmp_path: Path) -> None:
    earlier = _backend(tmp_path, "0badc0de")
    _master_up(earlier)
    earlier._saw(LOG.encode())
    now = _backend(tmp_path, "feedf00d")
    assert now.server_key() is None  # its own master is not up: nothing to read
    _master_up(now)
    assert now.server_key() is None  # the file is the earlier run's


def test_identity_is_the_transport_key_with_no_scan(tmp_path: Path, monkeypatch) -> None:
    spec = SshSpec(user="golive", control_path=tmp_path / "cm" / "%C")
    host = Host(address="127.0.2.11", roles=["app"], connection="ssh://golive@127.0.2.11")
    remote = remote_host("app1", host, spec, "feedf00d")
    remote.backend._saw(LOG.encode())
    monkeypatch.setattr(
        "golive.probe.identity.host_keys",
        lambda *a: (_ for _ in ()).throw(AssertionError("scanned")),
    )

    class Pool:
        def get(self, name: str) -> Target:
            return Target(name, host, remote)

    found = identify(Pool(), "app1", 3)  # type: ignore[arg-type]
    assert found.keys == (f"ED25519 {FP}",) and found.error is None
    assert found.source == "ssh handshake 127.0.2.11"


def test_a_workers_identities_are_the_controllers_and_an_unknown_one_is_asked_again() -> None:
    """pytest-xdist: the identities a worker's pool asked (answered by the end of its run)
    are handed to the controller, which asks none of those hosts again; one whose identity
    a worker could not read is asked again, never taken."""
    asked: list[str] = []

    class Pool:
        def get(self, name: str) -> Target:
            asked.append(name)
            raise HostUnreachable(name, "ssh://127.0.2.12: no answer")

    worker = Identity("app1", keys=(f"ED25519 {FP}",), source="ssh handshake 127.0.2.11")
    failed = Identity("app2", error="ssh-keyscan 127.0.2.12: no host key within 3 s")
    env = SimpleNamespace(inventory=SimpleNamespace(ssh=SshSpec()))
    controller = Identities(env, Pool())  # type: ignore[arg-type]
    controller.known(
        {i.host: Identity.from_record(i.record()) for i in (worker, failed)}  # as sent
    )
    found = controller.of(["app1", "app2"])
    assert found["app1"] == worker and asked == ["app2"]
    assert found["app2"].error is not None and "unreachable" in found["app2"].error
