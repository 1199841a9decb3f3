"""Select the environment under certification (``--env`` / ``GOLIVE_ENV``) and load it."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from golive.model.environment import Environment, load_environment
from golive.model.errors import GoliveError
from golive.probe import netns
from pytest_golive.plugins.keys import ENVIRONMENT


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("golive")
    group.addoption(
        "--env",
        dest="golive_env",
        default=os.environ.get("GOLIVE_ENV", "sandbox"),
        help="environment to certify, a directory of --envdir (default: $GOLIVE_ENV or sandbox)",
    )
    group.addoption(
        "--envdir",
        dest="golive_envdir",
        default=None,
        help="directory of environments (default: $GOLIVE_ENVDIR or ./environments)",
    )


@pytest.hookimpl(tryfirst=True)
def pytest_configure(config: pytest.Config) -> None:
    try:
        envdir = config.getoption("golive_envdir")
        directory = Path(envdir).resolve() if envdir else None
        env = load_environment(config.getoption("golive_env"), directory=directory)
        if env.inventory.probe.netns:
            netns.enter(env.inventory.probe.netns)
    except GoliveError as exc:
        raise pytest.UsageError(f"golive: {exc}") from None
    config.stash[ENVIRONMENT] = env


def pytest_report_header(config: pytest.Config) -> str:
    env = config.stash[ENVIRONMENT]
    inv = env.inventory
    return f"golive: env={inv.name} release={inv.release.version} hosts={','.join(inv.hosts)}"


@pytest.fixture(scope="session")
def environment(pytestconfig: pytest.Config) -> Environment:
    """The environment under certification."""
    return pytestconfig.stash[ENVIRONMENT]
