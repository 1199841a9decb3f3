"""Stash keys shared by golive's plugins."""

import pytest

from golive.model.environment import Environment
from golive.probe.hosts import HostPool
from golive.probe.identity import Identities

ENVIRONMENT = pytest.StashKey[Environment]()
POOL = pytest.StashKey[HostPool]()
"""The session's host pool (its connections), once a check needed one: the end of the run
asks its questions through it."""
IDENTITIES = pytest.StashKey[Identities]()
"""The hosts' identities, asked in the background as the session's pool connects them."""


def check_id(nodeid: str) -> str:
    """A check's id: its node id, with golive's own suites named ``suites/...`` wherever the
    package is installed (a checkout, or site-packages when run from a team's own repo)."""
    at = nodeid.find("pytest_golive/suites/")
    return nodeid[at + len("pytest_golive/") :] if at >= 0 else nodeid
