"""Pre-deployment fixtures: one facts snapshot per host, shared by the checks that use it,
taken for every host the selected checks judge at once when the first of them runs."""

from __future__ import annotations

import functools
from collections.abc import Iterator

import pytest

from golive.model.environment import Environment
from golive.model.expectations.predeploy import Software
from golive.model.facts import HostFacts
from golive.probe import observe
from golive.probe.ahead import Ahead
from golive.probe.facts import snapshot
from golive.probe.hosts import HostPool

SNAPSHOTS_AT_ONCE = 8
"""Hosts whose snapshots are taken at once (each mostly waits on its host's commands)."""


def snapshot_within(env: Environment, name: str) -> float:
    """Seconds one host's snapshot may take once started: its connection, then each of its
    remote commands (the packages, every runtime of its roles, the configuration hashes of
    each role, the listening sockets) cut at the command deadline."""
    ssh = env.inventory.ssh
    software = env.expectations.get(Software)
    roles = env.inventory.hosts[name].roles
    runtimes = sum(len(software[r].runtimes) for r in roles if software and r in software)
    commands = 2 + runtimes + len(roles)
    return ssh.connect_timeout + commands * (ssh.command_timeout + ssh.kill_after)


class FactsCache:
    """Facts snapshots of the environment's hosts, each taken once per run: those
    :meth:`ahead` names in the background, at once, each read by the first check that needs
    it (its commands that check's evidence, its exception raised there)."""

    def __init__(self, pool: HostPool, env: Environment) -> None:
        self.pool, self.env = pool, env
        # a check judging a snapshot taken earlier gets its commands as evidence too
        self._facts = observe.Once("facts snapshot of")
        self._ahead = Ahead(SNAPSHOTS_AT_ONCE, "golive-facts")

    def _take(self, name: str) -> HostFacts:
        return snapshot(self.pool.get(name), self.env)

    def ahead(self, names: list[str]) -> None:
        """Start the snapshots of ``names`` (hosts of the inventory) in the background."""
        for name in dict.fromkeys(names):
            self._ahead.start(
                name,
                functools.partial(self._take, name),
                what="the facts snapshot",
                host=name,
                within=snapshot_within(self.env, name),
            )

    def get(self, name: str) -> HostFacts:
        facts: HostFacts = self._facts.get(
            name, lambda: self._ahead.take(name, lambda: self._take(name))
        )
        return facts

    def all(self) -> dict[str, HostFacts]:
        return {name: self.get(name) for name in self.env.inventory.hosts}

    def close(self) -> None:
        self._ahead.close()


@pytest.fixture(scope="session")
def facts(
    host_pool: HostPool, environment: Environment, request: pytest.FixtureRequest
) -> Iterator[FactsCache]:
    """The hosts' facts snapshots; those of the hosts the selected checks judge are taken at
    once, when the first of them runs (not under a pytest-xdist worker, which runs only the
    checks it is sent: there each check takes its host's)."""
    cache = FactsCache(host_pool, environment)
    if not hasattr(request.config, "workerinput"):
        checks = [i for i in request.session.items if isinstance(i, pytest.Function)]
        cache.ahead(
            [
                str(check.callspec.params["target"])
                for check in checks
                if "facts" in check.fixturenames
                and hasattr(check, "callspec")
                and "target" in check.callspec.params
            ]
        )
    yield cache
    cache.close()
