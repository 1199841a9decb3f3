"""One version question per app node per run (issue 24): the end of the run's provenance takes
the version answer a check already got from the node, asks again a node whose last answer
was no version, and never takes the answer of a host the run lost; under pytest-xdist the
answers a worker's checks got are handed to the controller, which then connects no node."""

from __future__ import annotations

from typing import Any

from test_nodes_probe import FakeRemote, Result

from golive.model.environment import Host
from golive.model.errors import HostUnreachable
from golive.model.expectations.smoke import App
from golive.probe import nodes, release
from golive.probe.hosts import Target

APP = App(port=8080)
VERSION = '{"version": "1.5.0", "build": "abc123"}'


def answer(status: int, body: str) -> Result:
    return Result(0, f"HTTP/1.1 {status} \r\nX-A: 1\r\n\r\n{body}\n{status}")


class Pool:
    def __init__(self, target: Target, lost: bool = False) -> None:
        self.target, self.lost = target, lost
        self.opened: list[str] = []  # hosts it was asked to connect

    def get(self, name: str) -> Target:
        self.opened.append(name)
        if self.lost:
            raise HostUnreachable(name, "ssh://127.0.2.31: no answer")
        return self.target

    def open(self, names: list[str], *, wait: bool = True) -> None:
        self.opened.extend(names)

    def unreachable(self) -> dict[str, str]:
        return {self.target.name: "ssh://127.0.2.31: no answer"} if self.lost else {}


def node(name: str, address: str, first: Result) -> tuple[Target, FakeRemote]:
    remote = FakeRemote({"curl": first})
    spec = Host(address=address, roles=["app"], connection="local://")
    return Target(name, spec, remote), remote


def test_a_version_the_run_got_is_not_asked_again() -> None:
    target, remote = node("appv1", "127.0.2.31", answer(200, VERSION))
    nodes.get_json(target, APP.port, APP.version_path, timeout=2)  # the smoke check's question
    pool: Any = Pool(target)
    got = release.builds(pool, {"appv1": "127.0.2.31"}, APP, 2)
    assert got == {"appv1": {"version": "1.5.0", "sha256": "abc123"}}
    assert len(remote.commands) == 1  # asked once in the run
    assert pool.opened == []  # and not even connected again


def test_a_node_that_gave_no_version_is_asked_again_and_a_lost_one_never() -> None:
    target, remote = node("appv2", "127.0.2.32", answer(503, "down"))
    nodes.get_json(target, APP.port, APP.version_path, timeout=2)
    remote.answers["curl"] = answer(200, VERSION)
    pool: Any = Pool(target)
    assert release.builds(pool, {"appv2": "127.0.2.32"}, APP, 2)["appv2"]["version"] == "1.5.0"
    assert len(remote.commands) == 2
    gone: Any = Pool(target, lost=True)
    lost = release.builds(gone, {"appv2": "127.0.2.32"}, APP, 2)["appv2"]
    assert lost["version"] is None and "unreachable" in lost["error"]
    assert len(remote.commands) == 2


def test_a_workers_answers_spare_the_controller_every_question() -> None:
    """pytest-xdist: a worker's last answers (nodes.last_answers) taken by the controller
    (nodes.remember) are the run's: the controller neither asks nor connects the node."""
    target, remote = node("appv3", "127.0.2.33", answer(200, VERSION))
    nodes.get_json(target, APP.port, APP.version_path, timeout=2)  # in the worker
    handed = [r for r in nodes.last_answers() if r["host"] == "appv3"]
    with nodes._LAST_LOCK:  # the controller: another process, which never asked
        del nodes._LAST[("appv3", "http://127.0.2.33:8080/version")]
    assert nodes.last_answer("appv3", "http://127.0.2.33:8080/version") is None
    nodes.remember(handed)
    pool: Any = Pool(target)
    got = release.builds(pool, {"appv3": "127.0.2.33"}, APP, 2)
    assert got == {"appv3": {"version": "1.5.0", "sha256": "abc123"}}
    assert len(remote.commands) == 1 and pool.opened == []
