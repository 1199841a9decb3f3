"""Select the environment under certification (``--env`` / ``GOLIVE_ENV``) and load it."""

from __future__ import annotations

import os

import pytest

from golive import netns
from golive.environment import Environment, load_environment
from golive.errors import GoliveError
from plugins.keys import ENVIRONMENT


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("golive")
    group.addoption(
        "--env",
        dest="golive_env",
        default=os.environ.get("GOLIVE_ENV", "sandbox"),
        help="environment under environments/ to certify (default: $GOLIVE_ENV or sandbox)",
    )


@pytest.hookimpl(tryfirst=True)
def pytest_configure(config: pytest.Config) -> None:
    try:
        env = load_environment(config.getoption("golive_env"))
        if env.inventory.sandbox is not None:
            netns.enter(env.inventory.sandbox.netns)
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


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Drills run only where the environment allows destructive tests."""
    env = config.stash[ENVIRONMENT]
    if env.inventory.allow_destructive:
        return
    refuse = pytest.mark.skip(reason=f"{env.name} does not allow destructive drills")
    for item in items:
        if item.get_closest_marker("drill"):
            item.add_marker(refuse)
