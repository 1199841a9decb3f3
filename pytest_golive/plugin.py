"""golive's pytest plugin (the ``pytest11`` entry point): loads the plugins and fixtures and
registers golive's markers, so a project that installs golive needs no copied ``pytest.ini``.

What plugins/, fixtures/ and suites/ hold: docs/architecture.md#layers. ``MARKERS`` and the
suites' part of ``pytest_plugins`` are derived from the registry of suites, gate/suites.yml
(docs/architecture.md#registering-a-suite)."""

from __future__ import annotations

import atexit
import gc
import importlib
import sys
from pathlib import Path

import pytest

from pytest_golive import regex_cache

regex_cache.install()  # before the libraries below compile their patterns

from golive.model.errors import ConfigError  # noqa: E402
from golive.probe import loggers  # noqa: E402

# Python's cyclic garbage collector runs hundreds of times while golive's plugins, models and
# checks are imported and collected: allocations by the thousand, hardly any garbage (0.08 s
# of the CPU a smoke run spends before its first check, ~0.7 s). It is paused for that
# stretch: while this module is imported (resumed at its end, whoever imports it), then from
# its registration as pytest's plugin until the checks start (pytest_runtestloop), or until
# the run ends sooner (a clean-up: usage errors, --collect-only).
_paused = False


def _pause() -> None:
    global _paused
    if gc.isenabled():
        gc.disable()
        _paused = True


def _resume() -> None:
    global _paused
    if _paused:
        _paused = False
        gc.enable()


_pause()
try:  # the model, with the dependencies every golive plugin imports, and the registry of
    # suites (golive/gate/suites.yml), which the model reads as it is imported
    import golive.model.environment  # noqa: F401
    from golive.model.registry import load_registry
    from golive.model.resources import resource

    REGISTRY = load_registry()
except ImportError as exc:  # a Python that finds the checkout's golive but not its dependencies
    raise pytest.UsageError(
        f"golive's plugin cannot load in {sys.executable} ({exc}): run `. .venv/bin/activate` "
        "(or .venv/bin/pytest; `make setup` makes .venv)"
    ) from None
except ConfigError as exc:  # a typo in the registry: one line, exit 4
    raise pytest.UsageError(f"golive: {exc}") from None

SUITES = resource("pytest_golive.suites")
BARE = pytest.StashKey[bool]()
"""Whether the run is bare: no test paths, no pytest configuration file (pytest_configure)."""

PLUGINS = [
    "pytest_golive.plugins.environment",
    "pytest_golive.plugins.scope",  # -m: only the suites whose checks can match
    # before gate, which imports it (a plugin imported before its turn is not assert-rewritten)
    "pytest_golive.plugins.safety",
    "pytest_golive.plugins.gate",
    "pytest_golive.plugins.evidence",
    "pytest_golive.fixtures.hosts",
    "pytest_golive.fixtures.http",
    "pytest_golive.fixtures.db",
]
"""The plugins and the fixtures every suite shares; each suite's own fixtures are the
registry's (``fixtures:`` in gate/suites.yml)."""

pytest_plugins = [
    *PLUGINS,
    *(f"pytest_golive.fixtures.{name}" for name in REGISTRY.fixtures_modules()),
]


def pytest_plugin_registered(plugin: object, manager: pytest.PytestPluginManager) -> None:
    """Once this module is registered, and before pytest reads its ``pytest_plugins``: each
    module of the list registered here, in its order. pytest 9 looks every name of a
    ``pytest_plugins`` list up among the entry points of every installed distribution first
    (reading each one's entry_points.txt: about 3.5 ms a name, 20 names, a tenth of a smoke
    run before its first check); it then finds each name registered and looks nothing up."""
    if plugin is sys.modules[__name__]:
        _pause()  # until the checks start (see the top of this module)
        for name in pytest_plugins:
            _register(manager, name)
        regex_cache.freeze()  # before any hook reads the environment's secrets


def pytest_load_initial_conftests(early_config: pytest.Config) -> None:
    early_config.add_cleanup(_resume)  # a run that ends before its checks start


@pytest.hookimpl(tryfirst=True)
def pytest_runtestloop() -> None:
    _resume()  # the checks start: plugins, models and checks are collected (and frozen)


def _register(manager: pytest.PytestPluginManager, name: str) -> None:
    """``name`` as pytest registers a plugin module; the modules a plugin's own
    ``pytest_plugins`` lists (plugins/gate.py's) are registered before it only when it
    implements no hook itself (so the order in which hooks are called stays pytest's: the
    others' nested modules, plugins/safety.py's, are left to pytest, after their module)."""
    if manager.is_blocked(name) or manager.get_plugin(name) is not None:
        return
    manager.rewrite_hook.mark_rewrite(name)  # before it is imported, as pytest does
    module = importlib.import_module(name)
    if not any(n.startswith("pytest_") and callable(v) for n, v in vars(module).items()):
        nested = getattr(module, "pytest_plugins", [])
        for inner in [nested] if isinstance(nested, str) else nested:
            _register(manager, inner)
    manager.import_plugin(name)


PROPERTIES = {
    "drill": "destructive drill; only where the environment allows it, after every other check "
    "(or beside the checks whose markers it names: beside=[...])",
    "severity(level)": "blocker | critical | normal | minor; overrides the suite default",
    "plan(*items)": "the deployment-plan item(s) this check proves (golive/gate/plan.yml); "
    "overrides the suite default",
    "roles(*roles)": "run the check once per inventory host having any of these roles",
}
"""The markers that are properties of a check, not suites (golive/gate/metadata.py)."""

MARKERS = {**{name: s.marker for name, s in REGISTRY.suites.items()}, **PROPERTIES}
"""Every marker golive registers: each suite's (its text in the registry), then the
properties."""


# Python's finalization collects every object the process still holds (plugins, models,
# modules): 0.3 s of a 1.3 s smoke run, for memory the exit hands back anyway. Frozen at exit
# (atexit runs before that collection; registered at import, it runs after the handlers
# registered later), the collector leaves them to the operating system. Only at the
# interpreter's exit: an in-process run (pytester) goes on collecting (see below).
atexit.register(gc.freeze)


def pytest_configure(config: pytest.Config) -> None:
    # the probes' background threads make loggers while pytest's log capture walks them, at
    # each phase of each check (golive/probe/loggers.py)
    loggers.guard()
    for name, text in MARKERS.items():
        config.addinivalue_line("markers", f"{name}: {text}")
    # registered before pytest's own clean-ups, so it runs after them (see below)
    config.add_cleanup(gc.unfreeze)
    # run bare (no test paths, no pytest configuration file) from a directory of its own, a
    # project that installs golive certifies with golive's own suites, wherever installed; a
    # project with its own pytest configuration collects what that configuration says
    if config.args_source == pytest.Config.ArgsSource.INVOCATION_DIR and config.inipath is None:
        # collected from the suites' parent (the package installed, the checkout's root in an
        # editable install), the checks' ids read `suites/X/...` in both; pytest_ignore_collect
        # keeps the collection to suites/
        config.args = [str(SUITES.parent)]
        config.stash[BARE] = True


def pytest_ignore_collect(collection_path: Path, config: pytest.Config) -> bool | None:
    """A bare run (above) collects only suites/ of the suites' parent: not the package's
    plugin modules, nor a checkout's own tests (tests/, bench/)."""
    if config.stash.get(BARE, False) and collection_path.parent == SUITES.parent:
        return collection_path != SUITES or None
    return None


def pytest_collection_finish(session: pytest.Session) -> None:
    """What the run built before its first check (plugins, models, the environment, the
    collected checks) lives to its end: the garbage collector stops tracing it (gc.freeze),
    so neither its collections during the checks nor the two pytest forces at the end (~60 ms
    each) walk it again. Unfrozen once pytest's clean-ups have run, for a process that goes
    on (pytester's in-process runs)."""
    gc.freeze()


_resume()  # this module is imported (its registration pauses the collector again)
