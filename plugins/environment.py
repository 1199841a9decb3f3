"""Select the environment under certification (``--env`` / ``GOLIVE_ENV``) and load it."""

from __future__ import annotations

import inspect
import os
from collections.abc import Generator
from pathlib import Path
from typing import Any

import pytest
from _pytest.config.findpaths import determine_setup

from golive.gate.signoffs import load_signoffs
from golive.gate.waivers import load_waivers
from golive.model.environment import Environment, load_environment
from golive.model.errors import GoliveError
from golive.probe import netns
from golive.probe.ansible import list_inventory
from pytest_golive.plugins.keys import ENVIRONMENT

# Testinfra's own pytest options choose hosts and transports; golive takes both from the
# environment's inventory, so giving one of them is refused rather than silently ignored.
TESTINFRA_OPTIONS = {
    "connection": "--connection",
    "hosts": "--hosts",
    "ssh_config": "--ssh-config",
    "ssh_extra_args": "--ssh-extra-args",
    "ssh_identity_file": "--ssh-identity-file",
    "sudo": "--sudo",
    "sudo_user": "--sudo-user",
    "ansible_inventory": "--ansible-inventory",
    "force_ansible": "--force-ansible",
}


def _refuse_testinfra_options(config: pytest.Config) -> None:
    given = [flag for dest, flag in TESTINFRA_OPTIONS.items() if config.getoption(dest, None)]
    if given:
        raise pytest.UsageError(
            f"golive: {', '.join(given)}: Testinfra's host options are not used by golive; "
            "hosts, users and transports come from the environment's inventory.yml (--env)"
        )


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


def setup_knowing_options(config: pytest.Config) -> tuple[Path, Path | None, Any]:
    """pytest's rootdir, ini file and ini values as pytest finds them knowing golive's options.
    pytest finds them before it loads any plugin, so the value of an option of golive given
    as an argument of its own (``--envdir DIR``, ``--env /abs/path``) counts there as a path
    to test: the rootdir moves (to the common ancestor of the working directory and that
    path), an ini file above DIR is taken for the run's, and reports/ moves with them."""
    ns = config.known_args_namespace
    given: dict[str, Any] = {
        "inifile": ns.inifilename,
        "args": [str(a) for a in ns.file_or_dir],
        "rootdir_cmd_arg": ns.rootdir or None,
        "invocation_dir": config.invocation_params.dir,
    }
    if "override_ini" in inspect.signature(determine_setup).parameters:  # pytest 9
        given["override_ini"] = ns.override_ini
    rootpath, inipath, inicfg, *_ = determine_setup(**given)
    return Path(rootpath), inipath, inicfg


@pytest.hookimpl(wrapper=True)
def pytest_load_initial_conftests(early_config: pytest.Config) -> Generator[None, None, None]:
    """Before anything reads them (the reports directory, the initial conftests, the test
    paths): the rootdir and ini file pytest would have found had it known golive's options,
    so that ``--envdir DIR`` (with a space, as README writes it) runs the same checks and
    writes the same reports/ as ``--envdir=DIR``, from the checkout or from anywhere."""
    config = early_config
    try:
        rootpath, inipath, inicfg = setup_knowing_options(config)
    except pytest.UsageError:
        rootpath, inipath = config.rootpath, config.inipath  # pytest reports it itself
    if (rootpath, inipath) != (config.rootpath, config.inipath):
        ns = config.known_args_namespace
        if ns.confcutdir == str(config.inipath.parent if config.inipath else config.rootpath):
            ns.confcutdir = str(inipath.parent if inipath else rootpath)  # pytest's default
        # pytest keeps these in private attributes, set once in Config.parse
        config._rootpath, config._inipath, config._inicfg = rootpath, inipath, inicfg
        config._inicache.clear()
        config._parser.extra_info.update(rootdir=str(rootpath), inifile=str(inipath))
    return (yield)


@pytest.hookimpl(tryfirst=True)
def pytest_configure(config: pytest.Config) -> None:
    _refuse_testinfra_options(config)
    if config.getoption("help", False) or config.getoption("version", 0):
        return  # `pytest --help` shows golive's options wherever it runs; it certifies nothing
    try:
        envdir = config.getoption("golive_envdir")
        directory = Path(envdir).resolve() if envdir else None
        env = load_environment(
            config.getoption("golive_env"), directory=directory, ansible=list_inventory
        )
        # the whole environment is read and validated before the first check runs
        load_waivers(env.path / "waivers.yml")
        load_signoffs(env.path / "signoffs.yml")
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
