"""Stash keys shared by golive's plugins."""

import pytest

from golive.environment import Environment

ENVIRONMENT = pytest.StashKey[Environment]()
