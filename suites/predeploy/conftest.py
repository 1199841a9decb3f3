"""Pre-deployment fixtures: one facts snapshot per host, shared by the checks that use it."""

from __future__ import annotations

import pytest

from golive.model.environment import Environment
from golive.model.facts import HostFacts
from golive.probe import observe
from golive.probe.facts import snapshot
from golive.probe.hosts import HostPool


class FactsCache:
    """Facts snapshots of the environment's hosts, each taken once per run."""

    def __init__(self, pool: HostPool, env: Environment) -> None:
        self.pool, self.env = pool, env
        # a check judging a snapshot taken earlier gets its commands as evidence too
        self._facts = observe.Once("facts snapshot of")

    def get(self, name: str) -> HostFacts:
        facts: HostFacts = self._facts.get(name, lambda: snapshot(self.pool.get(name), self.env))
        return facts

    def all(self) -> dict[str, HostFacts]:
        return {name: self.get(name) for name in self.env.inventory.hosts}


@pytest.fixture(scope="session")
def facts(host_pool: HostPool, environment: Environment) -> FactsCache:
    return FactsCache(host_pool, environment)
