"""Connections belong to the run (issue 21): a run's shared SSH connection to a host is at a
ControlPath of its own (ssh's, tokens expanded, with the run's id appended), given to every
ssh the backend starts before any other option, so that a master opened before the run is
never used for a check. ``ssh -G`` only: nothing connects."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

from golive.model.environment import Host, SshSpec
from golive.probe.hosts import RUN_ID, SshBackend, remote_host
from pytest_golive.fixtures.hosts import WORKER_RUN_ID, pytest_configure_node, run_id


def _backend(tmp_path: Path, run_id: str | None, **ssh: object) -> SshBackend:
    spec = SshSpec(user="golive", control_path=tmp_path / "cm" / "%C", **ssh)
    host = Host(address="127.0.2.11", roles=["app"], connection="ssh://golive@127.0.2.11")
    args = (run_id,) if run_id else ()  # None: the process's own run
    backend = remote_host("app1", host, spec, *args).backend
    assert isinstance(backend, SshBackend)
    return backend


def test_the_runs_control_path_has_the_run_id(tmp_path: Path) -> None:
    earlier, now = _backend(tmp_path, "0badc0de"), _backend(tmp_path, "feedf00d")
    old, new = earlier.control_path(), now.control_path()
    assert old is not None and new is not None
    assert old.startswith(f"{tmp_path}/cm/") and old.endswith("-0badc0de")
    assert new == old.removesuffix("-0badc0de") + "-feedf00d"
    assert "%" not in new  # ssh expanded %C (the host, port and user hashed)


def test_every_ssh_is_given_the_runs_control_path_first(tmp_path: Path) -> None:
    backend = _backend(tmp_path, "feedf00d", options=["ControlPath=/elsewhere/%C"])
    control = backend.control_path()
    destination = backend._destination()
    assert destination[:2] == ["-o", f"ControlPath={control}"]  # ssh takes the first value
    assert "ControlPath=/elsewhere/%C" in destination  # the inventory's, overridden


def test_a_process_has_one_run_id_by_default(tmp_path: Path) -> None:
    backend = _backend(tmp_path, None)
    assert backend.run_id == RUN_ID
    control = backend.control_path()
    assert control is not None and control.endswith(f"-{RUN_ID}")


def test_xdist_workers_share_their_controllers_run() -> None:
    """The controller hands its run id to every worker (pytest_configure_node), whose
    sessions then use the controller's connections; a session of its own uses its own."""

    class Node:
        workerinput: dict[str, str] = {}

    node = Node()
    pytest_configure_node(node)
    worker = SimpleNamespace(workerinput=node.workerinput)
    assert run_id(worker) == RUN_ID  # type: ignore[arg-type]
    assert run_id(SimpleNamespace(workerinput={WORKER_RUN_ID: "feedf00d"})) == "feedf00d"  # type: ignore[arg-type]
    assert run_id(SimpleNamespace()) == RUN_ID  # type: ignore[arg-type]
