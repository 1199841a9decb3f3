"""Destructive drills (``@pytest.mark.drill``): refused where the environment does not allow
them; elsewhere run in a final exclusive phase, after every other check, serially and under
pytest-xdist.

- **Refused.** Where the inventory does not set ``allow_destructive``, selected drills are
  deselected before anything runs, and recorded: terminal, ``verdict.json`` (``refused``) and
  the certificate. Under xdist each worker refuses the same drills and tells the controller.
- **Last.** Drills are ordered after every other selected check, the same way on every xdist
  worker, so the controller hands them out last.
- **Beside what it cannot disturb** (issue 24). A drill may declare, as data, the checks it
  cannot disturb, during its run or after it (it restores what it touches, and its restore is
  proven): ``@pytest.mark.drill(beside=["smoke", "tls"])``, markers of those checks (the DR
  restore drill touches only the drill host, the backup repository and its own marker rows).
  It is ordered just before the first such check (last, as any drill, when none is selected),
  and under xdist it runs beside them on another worker: it waits for the checks it could
  disturb ordered before it to finish (the load test, a check of the database's I/O or of the
  drill host), every such check holds a shared ``flock`` on the drill's own lock file from
  setup to teardown, and the drill holds it exclusively: it overlaps none of them, and the
  drills that run alone still wait for it (it holds the common lock shared, as a check does).
  Serially the order is the schedule: one check at a time, and what follows the drill finds
  restored what it touched.
- **Exclusive, final.** Under xdist (local worker processes) the workers share a directory the
  controller gives them. Every other check holds a shared ``flock`` on its lock file from setup
  to teardown, and then appends its id to its ``done`` file. A drill waits until every other
  selected check is done, then holds the lock exclusively from setup to teardown: it overlaps
  no check (nor another drill), and no check runs after it on a system it has just changed.
  A serial run gets the same guarantee from the order alone (and checks it).
- **Fail closed.** A drill that cannot have its phase does not run: it is skipped, which the
  gate counts as missing evidence. That happens when the run stops early (``-x``, a worker
  stopped), when no other check finishes for ``--golive-drill-wait`` seconds (a crashed worker's
  check never finishes), or when something reordered the checks after this plugin.
- **Nothing left broken.** SIGTERM is handled like SIGINT (``KeyboardInterrupt``), so a run
  that is terminated (CI's cancel, ``timeout``) ends as interrupted, with its verdict. A drill
  disrupts a node only inside ``drill.disrupting(node, restore)`` (the ``drill`` fixture): the
  restore runs in a ``finally``, also on interruption, shielded from a further SIGINT/SIGTERM
  until it is done; the gate reads what became of it (interrupted, node restored or not).
"""

from __future__ import annotations

import fcntl
import os
import shutil
import signal
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Generator, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from pathlib import Path
from types import FrameType
from typing import IO, Any

import pytest

from golive.gate.verdict import Refusal
from golive.probe.wait import WaitTimeout, wait_until
from pytest_golive.plugins.keys import ENVIRONMENT, check_id

pytest_plugins = ["pytest_golive.plugins.schedule"]
"""Which worker runs which checks under pytest-xdist (drills kept in their places)."""

REFUSED = pytest.StashKey[list[Refusal]]()
"""The drills this run refused (on the xdist controller: as a worker reported them)."""
PHASE = pytest.StashKey["Phase"]()
BLOCKED = pytest.StashKey[str]()
SHARED_DIR = pytest.StashKey[Path]()

WORKER_REFUSED = "golive_refused"
"""workeroutput key: the worker's refusals, [{check, reason}]."""
WORKER_DRILLS = "golive_drills"
"""workeroutput key: what became of the worker's drills, [DrillRecord as a dict]."""
WORKER_PHASE = "golive_phase"
"""workerinput key: the directory the controller shares with its workers."""
POLL_S = 0.1


def is_drill(item: pytest.Item) -> bool:
    return item.get_closest_marker("drill") is not None


def any_drill(items: Iterable[pytest.Item]) -> bool:
    return any(is_drill(item) for item in items)


def drills_selected(session: pytest.Session) -> bool:
    """The run has a drill: nothing may then be gathered in the background (scans, probes
    asked ahead), since a drill excludes each check it could disturb only from that check's
    setup to its teardown, and work started apart from a check runs outside that span."""
    return any_drill(session.items)


def beside(item: pytest.Item) -> frozenset[str]:
    """The markers of the checks a drill may run beside (``drill(beside=[...])``); empty: the
    drill runs alone, after every other check."""
    marker = item.get_closest_marker("drill")
    names = marker.kwargs.get("beside", ()) if marker is not None else ()
    if not isinstance(names, list | tuple) or not all(isinstance(n, str) for n in names):
        raise pytest.UsageError(
            f"{item.nodeid}: drill(beside=...) names markers, a list of strings, not {names!r}"
        )
    registered = {
        line.split(":", 1)[0].split("(", 1)[0].strip() for line in item.config.getini("markers")
    }
    unknown = sorted(set(names) - registered)
    if unknown:  # a typo would silently keep the drill from every check
        raise pytest.UsageError(
            f"{item.nodeid}: drill(beside=...) names {', '.join(unknown)}, not a registered "
            "marker (pytest --markers)"
        )
    return frozenset(names)


def runs_beside(item: pytest.Item, markers: frozenset[str]) -> bool:
    """A check (never a drill) that carries one of ``markers``: a drill declaring them may
    run beside it."""
    return not is_drill(item) and any(item.get_closest_marker(m) for m in markers)


def _place_beside(items: list[pytest.Item]) -> None:
    """Each drill declaring ``beside`` just before the first check it may run beside, else
    before the drills that run alone (``items`` already holds every drill last)."""
    for drill in [i for i in items if is_drill(i) and beside(i)]:
        items.remove(drill)
        markers = beside(drill)
        at = next((n for n, i in enumerate(items) if runs_beside(i, markers)), None)
        if at is None:
            at = next((n for n, i in enumerate(items) if is_drill(i) and not beside(i)), None)
        items.insert(len(items) if at is None else at, drill)


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.getgroup("golive").addoption(
        "--golive-drill-wait",
        dest="golive_drill_wait",
        type=float,
        default=600.0,
        metavar="SECONDS",
        help="under pytest-xdist, how long a drill waits for the other checks without any of "
        "them finishing before it gives up and does not run (default 600)",
    )


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """After selection (-m, -k): refuse destructive drills where the environment does not
    allow them (they never run), and order the others last."""
    env = config.stash[ENVIRONMENT]
    if not env.inventory.allow_destructive:
        refused = [item for item in items if is_drill(item)]
        if refused:
            items[:] = [item for item in items if not is_drill(item)]
            config.hook.pytest_deselected(items=refused)
            reason = f"environment {env.name} does not set allow_destructive"
            config.stash[REFUSED] = [Refusal(check_id(i.nodeid), reason) for i in refused]
            if hasattr(config, "workeroutput"):
                config.workeroutput[WORKER_REFUSED] = [asdict(r) for r in config.stash[REFUSED]]
    items.sort(key=is_drill)  # stable: every other check keeps its place
    _place_beside(items)


def pytest_terminal_summary(
    terminalreporter: pytest.TerminalReporter, config: pytest.Config
) -> None:
    refused = config.stash.get(REFUSED, [])
    if refused:
        terminalreporter.write_line(
            f"golive: refused {len(refused)} destructive drill(s): environment "
            f"{config.stash[ENVIRONMENT].name} does not set allow_destructive"
        )


# -- termination: SIGTERM like SIGINT; a drill's restore is shielded from both -------------


class Termination:
    """SIGINT and SIGTERM raise KeyboardInterrupt in the main thread (pytest then ends the run
    as interrupted, and the gate writes its verdict), except inside :meth:`shielded`, where the
    signal is held until the block is done."""

    SIGNALS = (signal.SIGINT, signal.SIGTERM)

    def __init__(self) -> None:
        self.received: str | None = None
        self._first = 0.0
        self._depth = 0
        self._pending: str | None = None
        self._previous: dict[int, Any] = {}

    def install(self) -> None:
        if threading.current_thread() is not threading.main_thread():
            return
        for sig in self.SIGNALS:
            self._previous[sig] = signal.signal(sig, self._handle)

    def uninstall(self) -> None:
        for sig, previous in self._previous.items():
            signal.signal(sig, previous)
        self._previous.clear()

    def _handle(self, signum: int, frame: FrameType | None) -> None:
        name = signal.Signals(signum).name
        again = self.received is not None and time.monotonic() - self._first < REPEAT_S
        if self.received is None:
            self.received, self._first = name, time.monotonic()
        if again:
            # the same stop said twice at once (GNU timeout signals the process, then its
            # group): the run is already ending as interrupted; a second KeyboardInterrupt
            # raised inside pytest's own handling of the first would escape it before the
            # run is marked interrupted
            return
        if self._depth:
            self._pending = name
            sys.stderr.write(f"\ngolive: {name}: stopping once the drill's node is restored\n")
            return
        raise KeyboardInterrupt(name)

    @contextmanager
    def shielded(self) -> Iterator[None]:
        """Hold SIGINT/SIGTERM while the block runs; raise KeyboardInterrupt after it if one
        arrived (the block ran to its end either way)."""
        self._depth += 1
        try:
            yield
        finally:
            self._depth -= 1
            pending, self._pending = self._pending, None
            if pending and not self._depth and sys.exc_info()[0] is None:
                raise KeyboardInterrupt(pending)


REPEAT_S = 1.0
"""A signal this soon after the first is the same stop said again, not a second request."""
TERMINATION = pytest.StashKey[Termination]()
DRILLS = pytest.StashKey[dict[str, "DrillRecord"]]()


def pytest_configure(config: pytest.Config) -> None:
    if config.option.collectonly:
        return
    termination = Termination()
    termination.install()
    config.stash[TERMINATION] = termination
    config.stash[DRILLS] = {}


def terminated_by(config: pytest.Config) -> str | None:
    """The signal that interrupted this run (SIGINT, SIGTERM), if one did."""
    termination = config.stash.get(TERMINATION, None)
    return termination.received if termination is not None else None


@dataclass(frozen=True)
class NotRestored:
    """What a drill's ``restore()`` returns when the node is not back, naming the host it
    found wrong (the drill may have disrupted several): the verdict's blocker is about it."""

    host: str
    problem: str


@dataclass
class DrillRecord:
    """What became of a drill's disruption of a node (``host``: the one found not restored,
    where the restore named it)."""

    check: str
    node: str
    interrupted: str | None = None
    restored: bool | None = None
    problem: str = ""
    host: str = ""

    def message(self) -> str:
        """One line for the verdict; empty when the drill ran and restored its node."""
        if self.restored:
            state = f"{self.node} restored"
        elif self.restored is None:
            state = f"{self.node} restore not attempted"
        else:
            state = f"{self.node} NOT restored: {self.problem}"
        if self.interrupted:
            return f"drill interrupted ({self.interrupted}); {state}"
        return "" if self.restored else f"after the drill, {state}"


def drill_records(config: pytest.Config) -> dict[str, DrillRecord]:
    """What became of this run's drills, by check id (under xdist, as the workers sent it)."""
    return config.stash.get(DRILLS, {})


class Drill:
    """The ``drill`` fixture: disrupt a node so that it is restored whatever happens."""

    def __init__(self, item: pytest.Item) -> None:
        self.item = item

    @contextmanager
    def disrupting(
        self, node: str, restore: Callable[[], str | NotRestored | None]
    ) -> Iterator[None]:
        """The block disrupts ``node``; ``restore()`` brings it back and returns None, or why
        it could not (a :class:`NotRestored` names the host). It runs when the block ends,
        however it ends (a failure, SIGINT, SIGTERM), shielded from a further SIGINT/SIGTERM.
        A failed restore fails the drill."""
        config = self.item.config
        record = DrillRecord(check_id(self.item.nodeid), node)
        config.stash.setdefault(DRILLS, {})[record.check] = record
        termination = config.stash.get(TERMINATION, None)
        shield = termination.shielded if termination is not None else _unshielded
        try:
            yield
        except KeyboardInterrupt as exc:
            record.interrupted = str(exc) or "SIGINT"
            raise
        finally:
            try:
                with shield():
                    try:
                        problem = restore()
                    except Exception as exc:  # the restore's own failure is its finding
                        problem = f"{type(exc).__name__}: {exc}"
                    if isinstance(problem, NotRestored):
                        record.host, problem = problem.host, problem.problem
                    record.restored, record.problem = problem is None, problem or ""
            except KeyboardInterrupt as exc:  # held during the restore, raised after it
                record.interrupted = record.interrupted or str(exc)
                raise
            finally:
                _share(config)
        assert record.restored, f"{node}: not restored after the drill: {record.problem}"


def _share(config: pytest.Config) -> None:
    """An xdist worker sends its drills' records to the controller when it finishes."""
    if hasattr(config, "workeroutput"):
        config.workeroutput[WORKER_DRILLS] = [asdict(r) for r in config.stash[DRILLS].values()]


@contextmanager
def _unshielded() -> Iterator[None]:
    yield


@pytest.fixture
def drill(request: pytest.FixtureRequest) -> Drill:
    """Disrupt a node only inside ``drill.disrupting(node, restore)``: restored in a finally,
    also on SIGINT/SIGTERM, and on record for the verdict."""
    return Drill(request.node)


# -- pytest-xdist: the controller's side ------------------------------------------------------


@pytest.hookimpl(optionalhook=True)
def pytest_configure_node(node: object) -> None:
    """Give every worker (also a replacement for a crashed one) the same shared directory."""
    config: pytest.Config = node.config  # type: ignore[attr-defined]
    if SHARED_DIR not in config.stash:
        config.stash[SHARED_DIR] = Path(tempfile.mkdtemp(prefix="golive-drills-"))
    node.workerinput[WORKER_PHASE] = str(config.stash[SHARED_DIR])  # type: ignore[attr-defined]


@pytest.hookimpl(optionalhook=True)
def pytest_testnodedown(node: object, error: object) -> None:
    """Take the refusals from the first worker that reports them (all refuse the same)."""
    config: pytest.Config = node.config  # type: ignore[attr-defined]
    output = getattr(node, "workeroutput", None) or {}
    if REFUSED not in config.stash and output.get(WORKER_REFUSED):
        config.stash[REFUSED] = [Refusal(**r) for r in output[WORKER_REFUSED]]
    for record in output.get(WORKER_DRILLS, []):
        config.stash.setdefault(DRILLS, {})[record["check"]] = DrillRecord(**record)


def pytest_unconfigure(config: pytest.Config) -> None:
    shared = config.stash.get(SHARED_DIR, None)
    if shared is not None:
        shutil.rmtree(shared, ignore_errors=True)
    termination = config.stash.get(TERMINATION, None)
    if termination is not None:
        termination.uninstall()


# -- the exclusive phase: where checks run (serial, or an xdist worker) ----------------------


class Phase:
    """The other checks of this run, which a drill must see finished. ``shared`` is None for a
    serial run (one process: the order is the schedule)."""

    def __init__(
        self,
        others: set[str],
        shared: Path | None,
        wait: float,
        besides: dict[str, frozenset[str]] | None = None,
        before: dict[str, set[str]] | None = None,
    ) -> None:
        self.others = others
        self.shared = shared
        self.wait = wait
        self.besides = besides or {}
        """The drills that may run beside some checks: their markers, by node id."""
        self.before = before or {}
        """The checks each of them could disturb that are ordered before it: it waits for
        them to finish (a worker blocked on its lock would sit idle beside it)."""
        self.finished: set[str] = set()
        self._lock: IO[str] | None = None
        self._beside: dict[str, IO[str]] = {}
        """Each such drill's own lock file (the same name on every worker)."""
        self._held: list[IO[str]] = []
        if shared is not None:
            self._lock = (shared / "lock").open("a")
            for n, drill in enumerate(sorted(self.besides)):
                self._beside[drill] = (shared / f"beside-{n}").open("a")

    def _done_file(self) -> Path:
        assert self.shared is not None
        return self.shared / "done"

    def pending(self, awaited: set[str] | None = None) -> set[str]:
        """Which of ``awaited`` (every other check by default) have not finished."""
        if self.shared is not None:
            done = self._done_file()
            if done.exists():
                self.finished = set(done.read_text(encoding="utf-8").splitlines())
        return (self.others if awaited is None else awaited) - self.finished

    def stopped(self) -> bool:
        return self.shared is not None and (self.shared / "stopped").exists()

    def share(self, item: pytest.Item | None = None) -> None:
        """A check (not a drill) starts: the common lock shared, and the lock of each drill
        that may not run beside it (every one, when ``item`` is None)."""
        if self._lock is not None:
            fcntl.flock(self._lock, fcntl.LOCK_SH)
        for drill, lock in self._beside.items():
            if item is None or not runs_beside(item, self.besides[drill]):
                fcntl.flock(lock, fcntl.LOCK_SH)
                self._held.append(lock)

    def _unshare(self) -> None:
        for lock in self._held:
            fcntl.flock(lock, fcntl.LOCK_UN)
        self._held.clear()

    def beside(self, session: pytest.Session, nodeid: str) -> str | None:
        """A drill that may run beside some checks starts once the checks it could disturb
        ordered before it have finished: the common lock shared (the drills that run alone
        wait for it), its own exclusively (no check it could disturb runs); the reason why
        not if it must not run."""
        reason = self._await(session, self.before.get(nodeid, set()), "it could disturb")
        if reason is not None:
            return reason
        if self._lock is not None:
            fcntl.flock(self._lock, fcntl.LOCK_SH)
        lock = self._beside.get(nodeid)
        if lock is not None:
            # blocks while a check it could disturb runs (every check ends: timeouts)
            fcntl.flock(lock, fcntl.LOCK_EX)
            self._held.append(lock)
        return None

    def beside_done(self) -> None:
        self._unshare()
        if self._lock is not None:
            fcntl.flock(self._lock, fcntl.LOCK_UN)

    def done(self, nodeid: str) -> None:
        """A check other than a drill finished (teardown included); it releases its share."""
        self.finished.add(nodeid)
        if self.shared is not None and self._lock is not None:
            fd = os.open(self._done_file(), os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
            try:
                os.write(fd, f"{nodeid}\n".encode())
            finally:
                os.close(fd)
            self._unshare()
            fcntl.flock(self._lock, fcntl.LOCK_UN)

    def stop(self) -> None:
        """This worker stopped early: drills elsewhere must not wait for its checks."""
        if self.shared is not None:
            (self.shared / "stopped").touch()

    def exclusive(self, session: pytest.Session) -> str | None:
        """Wait for every other check to finish, then hold the lock exclusively; the reason
        why not if the drill must not run."""
        reason = self._await(session, self.others, "")
        if reason is None and self._lock is not None:
            # blocks while another drill holds it (every drill ends: its commands have timeouts)
            fcntl.flock(self._lock, fcntl.LOCK_EX)
        return reason

    def _await(self, session: pytest.Session, awaited: set[str], which: str) -> str | None:
        """Wait for ``awaited`` to finish; the reason why the drill must not run if they do
        not (``which``: how the message names them, empty for every other check)."""
        named = f"{which} " if which else ""

        def still_pending() -> int | None:
            """How many of them have not finished (None: the run stopped)."""
            if session.shouldstop or session.shouldfail or self.stopped():
                return None
            return len(self.pending(awaited))

        left = still_pending()
        while left:  # each check that finishes gives the rest another ``wait`` seconds
            if self.shared is not None:
                try:
                    left = wait_until(
                        still_pending, self.wait, POLL_S,
                        until=lambda now: now is None or now < left,  # noqa: B023
                        what="another check finishing",
                    )  # fmt: skip
                    continue
                except WaitTimeout:
                    pass
            example = sorted(self.pending(awaited))[0]
            rule = (
                f"and it runs only after the checks {which} ordered before it"
                if which
                else "and a drill runs only after every other check"
            )
            return (
                f"drill not run: {left} other check(s) {named}have not finished (e.g. "
                f"{check_id(example)}), {rule}"
                + (f"; none finished for {self.wait:g} s" if self.shared else "")
            )
        if left is None:
            return f"drill not run: the run stopped before every other check {named}finished"
        return None

    def release(self) -> None:
        if self._lock is not None:
            fcntl.flock(self._lock, fcntl.LOCK_UN)

    def close(self) -> None:
        for lock in self._beside.values():
            lock.close()
        self._beside.clear()
        if self._lock is not None:
            self._lock.close()
            self._lock = None


def pytest_collection_finish(session: pytest.Session) -> None:
    """Where checks run: the other checks a drill waits for, and the shared directory."""
    config = session.config
    if not session.items or config.option.collectonly:
        return
    shared: Path | None = None
    worker = getattr(config, "workerinput", None)
    if worker is not None:
        if WORKER_PHASE not in worker:
            for item in session.items:
                if is_drill(item):
                    item.stash[BLOCKED] = "drill not run: no exclusive phase from the controller"
            return
        shared = Path(worker[WORKER_PHASE])
    others = {item.nodeid for item in session.items if not is_drill(item)}
    besides = {i.nodeid: beside(i) for i in session.items if is_drill(i) and beside(i)}
    before: dict[str, set[str]] = {}
    for n, item in enumerate(session.items):
        if item.nodeid in besides:
            markers = besides[item.nodeid]
            before[item.nodeid] = {
                i.nodeid
                for i in session.items[:n]
                if not is_drill(i) and not runs_beside(i, markers)
            }
    wait = config.getoption("golive_drill_wait")
    config.stash[PHASE] = Phase(others, shared, wait, besides, before)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_protocol(
    item: pytest.Item, nextitem: pytest.Item | None
) -> Generator[None, object, object]:
    phase = item.config.stash.get(PHASE, None)
    if phase is None:
        return (yield)
    # each kind of check takes its hold, and gives it back however the check ends: a drill
    # beside the checks it cannot disturb, a drill alone, or any other check (shared)
    release: Callable[[], None]
    if item.nodeid in phase.besides:
        reason, release = phase.beside(item.session, item.nodeid), phase.beside_done
    elif is_drill(item):
        reason, release = phase.exclusive(item.session), phase.release
    else:
        phase.share(item)
        reason, release = None, lambda: phase.done(item.nodeid)
    if reason is not None:  # no hold taken: the drill is refused, and says why
        item.stash[BLOCKED] = reason
        return (yield)
    try:
        return (yield)
    finally:
        release()


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item: pytest.Item) -> None:
    """A drill that did not get its phase is skipped before its fixtures run."""
    reason = item.stash.get(BLOCKED, None)
    if reason is not None:
        pytest.skip(reason)


def pytest_sessionfinish(session: pytest.Session) -> None:
    phase = session.config.stash.get(PHASE, None)
    if phase is not None:
        if session.shouldstop or session.shouldfail:
            phase.stop()
        phase.close()
