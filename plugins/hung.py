"""A hung service is waited for once per run: once a blocking check found its own host's
service hung (a timeout), every later check of a host that needs it (golive/gate/causes.py)
fails at once, naming that cause and the check that found it."""

from __future__ import annotations

from collections.abc import Generator

import pytest

from golive.gate import causes
from golive.gate.causes import Needs
from golive.gate.severity import BLOCKING
from golive.model.cause import Cause
from golive.probe import failures
from golive.probe.failures import ConnectionFailure
from pytest_golive.plugins.keys import ENVIRONMENT, META, check_id
from pytest_golive.plugins.metadata import about

DOWN = pytest.StashKey["Down"]()


def pytest_configure(config: pytest.Config) -> None:
    config.stash[DOWN] = down = Down(config)
    config.pluginmanager.register(down, "golive-hung")


def found_down(item: pytest.Item, cause: Cause, host: object) -> None:
    """A blocking check found its own host's service hung: later checks of hosts that
    need it fail at once, with that cause (a hung service is waited for once per run)."""
    down = item.config.stash.get(DOWN, None)
    meta = item.stash.get(META, None)
    if down is None or meta is None:
        return
    if cause.kind == "timeout" and cause.host == host and meta.severity in BLOCKING:
        down.hosts.setdefault(cause.host, (check_id(item.nodeid), cause))


class Down:
    """The hosts found hung, and the hook that fails the checks of hosts needing them."""

    def __init__(self, config: pytest.Config) -> None:
        self.config = config
        self.hosts: dict[str, tuple[str, Cause]] = {}
        """Hosts whose service a blocking check found hung: (that check, the cause)."""
        self._needs: Needs | None = None

    @pytest.hookimpl(wrapper=True, tryfirst=True)
    def pytest_runtest_call(self, item: pytest.Item) -> Generator[None, None, None]:
        """A check of a host blocked by a hung service fails at once, naming it."""
        host = about(item) if self.hosts else None
        if host is not None and host not in self.hosts:
            if self._needs is None:
                self._needs = causes.of_environment(self.config.stash[ENVIRONMENT])
            blocker = causes.blocked_by(host, self.hosts, self._needs)
            if blocker is not None:
                check, cause = self.hosts[blocker]
                said = f"not asked: {host} needs {blocker}, found hung by {check.rsplit('::')[-1]}"
                raise ConnectionFailure(failures.note(cause), said)
        return (yield)
