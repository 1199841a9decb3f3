"""The run's hold on its reports directory: one run at a time, from its first moment.

Before any conftest, configuration or environment is loaded, the run takes the reports
directory's lock and replaces its verdict.json by a NO-GO one saying that this run has not
completed, so that a run stopped by anything (a configuration error, a crash, SIGTERM,
SIGKILL, a full disk) never leaves an earlier GO. The lock is released at unconfigure."""

from __future__ import annotations

import os
import time
from collections.abc import Generator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pytest

from golive.model.errors import GoliveError
from golive.report.files import WriteError
from golive.report.output import invalidate, stopped
from golive.report.runlock import RunLock
from pytest_golive.plugins.environment import setup_knowing_options

ROOTPATH = pytest.StashKey[Path]()
RUN = pytest.StashKey["Run"]()

# options with which pytest runs no check, so the run neither locks nor invalidates reports/
NO_RUN = ("help", "version", "collectonly", "markers", "showfixtures", "show_fixtures_per_test")
_HELD: dict[Path, RunLock] = {}
"""The reports directories this process has locked (an in-process run, e.g. pytester's,
that stopped before unconfigure leaves its lock here for the next one to take over)."""


@dataclass
class Run:
    """This run's hold on its reports directory, from its first moment."""

    root: Path
    lock: RunLock
    started: float
    failure: WriteError | None = None


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("golive")
    group.addoption(
        "--golive-reports",
        dest="golive_reports",
        default=os.environ.get("GOLIVE_REPORTS"),
        metavar="DIR",
        help="directory for verdict.json, certificate, allure-results, junit.xml "
        "(default: $GOLIVE_REPORTS or reports/ under the rootdir; write --golive-reports=DIR)",
    )


def reports_dir(config: pytest.Config) -> Path:
    """The reports directory of this run."""
    opt = config.getoption("golive_reports")
    return Path(opt).resolve() if opt else rootpath(config) / "reports"


def rootpath(config: pytest.Config) -> Path:
    """pytest's rootdir as pytest finds it knowing golive's options. pytest finds it before it
    loads any plugin, so the value of an option of golive given as an argument of its own
    (``--env /abs/path``) counts there as a path to test, and moves the rootdir (to the common
    ancestor of the working directory and that path, or the path itself), and reports/ with
    it: found again here from the arguments that are paths to test."""
    found = config.stash.get(ROOTPATH, None)
    if found is None:
        try:
            found = setup_knowing_options(config)[0]
        except Exception:  # pytest found its rootdir from these arguments once already
            found = config.rootpath
        config.stash[ROOTPATH] = found
    return found


class _Stopped:
    """Registered once the run's "not complete" verdict.json is written: a run stopped by a
    usage or configuration error (exit 4) has it say so, with the error, for the commands
    that refuse it (golive report, certificate, bundle)."""

    def __init__(self, root: Path) -> None:
        self.root = root

    @pytest.hookimpl(wrapper=True)
    def pytest_cmdline_main(self) -> Generator[None, int | None, int | None]:
        try:
            return (yield)
        except pytest.UsageError as exc:
            stopped(self.root, os.getpid(), int(pytest.ExitCode.USAGE_ERROR), str(exc))
            raise


@pytest.hookimpl(tryfirst=True)
def pytest_load_initial_conftests(early_config: pytest.Config) -> None:
    """The run's first moment: take the reports directory (one run at a time), and replace
    its verdict.json by a NO-GO one saying that this run has not completed."""
    ns = early_config.known_args_namespace
    if os.environ.get("PYTEST_XDIST_WORKER") or any(getattr(ns, o, False) for o in NO_RUN):
        return
    opt = getattr(ns, "golive_reports", None)
    root = Path(opt).resolve() if opt else rootpath(early_config) / "reports"
    held = _HELD.pop(root, None)
    if held is not None:
        held.release()
    lock = RunLock(root)
    run = Run(root, lock, time.time())
    early_config.stash[RUN] = run
    try:
        lock.acquire()
    except WriteError as exc:
        run.failure = exc
    except GoliveError as exc:
        raise pytest.UsageError(f"golive: {exc}") from None
    _HELD[root] = lock
    owned_junit = [root / "junit.xml"] if getattr(ns, "xmlpath", None) is None else []
    info = {
        "pid": os.getpid(),
        "started": datetime.fromtimestamp(run.started, UTC).isoformat(timespec="seconds"),
        "argv": list(early_config.invocation_params.args),
    }
    # the scope the run knows before anything is loaded: a report of it is refused, but says
    # which environment and selection did not complete
    scope = {"env": getattr(ns, "golive_env", None), "markers": getattr(ns, "markexpr", "") or ""}
    try:
        invalidate(root, info, owned_junit, scope)
    except WriteError as exc:
        run.failure = exc  # about verdict.json: before the lock's own
    else:
        early_config.pluginmanager.register(_Stopped(root), "golive-stopped")


def pytest_unconfigure(config: pytest.Config) -> None:
    run = config.stash.get(RUN, None)
    if run is not None:
        run.lock.release()
        if _HELD.get(run.root) is run.lock:
            del _HELD[run.root]
