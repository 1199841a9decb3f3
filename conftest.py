"""Nothing but what a checkout needs: golive's plugin loads through its pytest11 entry point.
A pytest without it (outside the venv) would fail to collect every suite, one traceback each:
it stops here in one line instead."""

from __future__ import annotations

import pytest

PLUGIN = "pytest_golive.plugin"
NO_PLUGIN_EXIT = 4  # README's exit-code table: a usage or configuration error


def pytest_configure(config: pytest.Config) -> None:
    if config.getoption("help", False) or config.getoption("version", 0):
        return  # `pytest --help` and `--version` say what this pytest is, golive or not
    plugins = config.pluginmanager.get_plugins()
    if not any(getattr(p, "__name__", None) == PLUGIN for p in plugins):
        pytest.exit(
            "this pytest does not have golive's plugin: run `. .venv/bin/activate` "
            "(or .venv/bin/pytest)",
            returncode=NO_PLUGIN_EXIT,
        )
