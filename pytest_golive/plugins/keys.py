"""Stash keys shared by golive's plugins."""

import pytest

from golive.model.environment import Environment

ENVIRONMENT = pytest.StashKey[Environment]()


def check_id(nodeid: str) -> str:
    """A check's id: its node id, with golive's own suites named ``suites/...`` wherever the
    package is installed (a checkout, or site-packages when run from a team's own repo)."""
    at = nodeid.find("pytest_golive/suites/")
    return nodeid[at + len("pytest_golive/") :] if at >= 0 else nodeid
