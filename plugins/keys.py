"""Stash keys shared by golive's plugins."""

import pytest

from golive.gate.metadata import CheckMeta
from golive.model.environment import Environment
from golive.probe.hosts import HostPool
from golive.probe.identity import Identities
from golive.report.output import Layout

ENVIRONMENT = pytest.StashKey[Environment]()
POOL = pytest.StashKey[HostPool]()
"""The session's host pool (its connections), once a check needed one: the end of the run
asks its questions through it."""
IDENTITIES = pytest.StashKey[Identities]()
"""The hosts' identities, asked in the background as the session's pool connects them."""
META = pytest.StashKey[CheckMeta]()
"""A check's metadata (item stash), resolved once at collection (plugins/metadata.py)."""
LAYOUT = pytest.StashKey[Layout]()
"""Where the run's files go (plugins/evidence.py sets it)."""
PROBLEMS = pytest.StashKey[list[str]]()
"""Files of the run that could not be written before its end (one line each): NO-GO."""


def check_id(nodeid: str) -> str:
    """A check's id: its node id, with golive's own suites named ``suites/...`` wherever the
    package is installed (a checkout, or site-packages when run from a team's own repo)."""
    at = nodeid.find("pytest_golive/suites/")
    return nodeid[at + len("pytest_golive/") :] if at >= 0 else nodeid
