"""Probes asked ahead: a scope's independent network probes start together, in a small
bounded pool of background threads, and each check reads its own probe's answer when it runs.

A hung service then costs about one probe budget beside the rest of the run, not one budget
after another. What a check sees stays its own:

- **its answer or its exception**: what the probe returned, or raised (a connection failure,
  a finding), is returned or raised again in the check, as if the check had asked itself;
- **its evidence**: the probe's commands, requests and queries are recorded apart from the
  check running meanwhile (:func:`golive.probe.observe.apart`) and replayed into the check
  that reads the answer;
- **its causes**: the connection failures the probe met are noted apart too
  (:func:`golive.probe.failures.apart`) and noted again for the check that reads it, so the
  gate attributes them to that check (and, where it is a blocking check's own host, finds
  the service down for the checks after it).

Every probe has a bound (``within`` seconds, from its own declared timeouts): a check waits
for a started probe at most that long past the probe's start, then fails naming the host.
Checks that ask the same question (the same probe of the same host: two checks judging one
node's health answer) may share it (``share``): it is asked once, and each check reads the
answer, its evidence and its causes as its own, and judges it by its own claim.

A probe its check asks for before a thread took it up is not waited for: the check asks
itself, at once (so no check waits in the queue behind others); nor is one whose host a failed
check found hung meanwhile (:func:`golive.probe.failures.hung_on`): the check asks itself and
meets that at once, as it would have had nothing been asked ahead. A probe no check reads (a
check stopped before it asked: a host found down) is abandoned: its threads are daemons and
its own timeouts end it; the process never waits for it.
"""

from __future__ import annotations

import queue
import threading
import time
from collections.abc import Callable, Hashable
from dataclasses import dataclass, field
from types import TracebackType
from typing import Any

from golive.model.cause import Cause
from golive.probe import failures, observe

GRACE = 2.0
"""Seconds a check waits past a started probe's bound (thread scheduling on a loaded machine)."""
POLL_S = 0.05
"""How often a waiting check looks whether its probe's host was found hung meanwhile."""


@dataclass
class _Job:
    what: str
    host: str | None
    ask: Callable[[], Any]
    within: float
    state: str = "queued"  # queued -> running -> done; queued -> taken (the check asks itself)
    started: float = 0.0
    value: Any = None
    error: BaseException | None = None
    trace: TracebackType | None = None
    frame: observe.Frame = field(default_factory=observe.Frame)
    causes: list[Cause] = field(default_factory=list)
    done: threading.Event = field(default_factory=threading.Event)


class Ahead:
    """Probes started ahead of the checks that read them, by key (one per check)."""

    def __init__(self, workers: int, name: str = "golive-ahead") -> None:
        self.workers = max(1, workers)
        self.name = name
        self._jobs: dict[str, _Job] = {}
        self._shared: dict[Hashable, _Job] = {}
        self._queue: queue.SimpleQueue[_Job | None] = queue.SimpleQueue()
        self._lock = threading.Lock()
        self._threads: list[threading.Thread] = []

    def start(
        self,
        key: str,
        ask: Callable[[], Any],
        *,
        what: str,
        host: str | None,
        within: float,
        share: Hashable | None = None,
    ) -> None:
        """Queue ``ask`` (a probe, every call in it with a timeout) for the check ``key``;
        ``within``: the seconds it may take once started; ``what`` and ``host`` name it when
        it does not answer in that time. A check whose ``share`` is that of a probe started
        already reads that probe's answer: the same question is not asked twice."""
        job = _Job(what, host, ask, within)
        with self._lock:
            if key in self._jobs:
                raise ValueError(f"a probe is already started for {key}")
            if share is not None and share in self._shared:
                self._jobs[key] = self._shared[share]
                return
            if share is not None:
                self._shared[share] = job
            self._jobs[key] = job
            if len(self._threads) < self.workers:
                thread = threading.Thread(target=self._work, name=self.name, daemon=True)
                self._threads.append(thread)
                thread.start()
        self._queue.put(job)

    def __contains__(self, key: str) -> bool:
        return key in self._jobs

    def _work(self) -> None:
        while (job := self._queue.get()) is not None:
            with self._lock:
                if job.state != "queued":
                    continue  # its check asked itself
                job.state, job.started = "running", time.monotonic()
            with observe.apart() as frame, failures.apart() as causes:
                try:
                    job.value = job.ask()
                except BaseException as exc:  # the check raises it again
                    job.error, job.trace = exc, exc.__traceback__
            job.frame, job.causes = frame, causes
            job.state = "done"
            job.done.set()

    def take(self, key: str, ask: Callable[[], Any]) -> Any:
        """The answer of the probe started for ``key`` (its exception raised again, its
        evidence and causes the current check's); ``ask`` itself, now, when none was
        started for it or none has started it yet."""
        with self._lock:
            job = self._jobs.pop(key, None)
            if job is not None and job.state in ("queued", "taken"):
                job.state = "taken"  # a check sharing it, not yet read, asks itself too
                job = None
        if job is None:
            return ask()
        deadline = job.started + job.within + GRACE
        while not job.done.wait(max(0.0, min(POLL_S, deadline - time.monotonic()))):
            if job.host is not None and failures.hung_on(job.host) is not None:
                # its host was found hung while it waited (a check failed on a timeout
                # there): asked now, it meets that at once (failures.hung), as it would have
                # had it not been asked ahead
                return ask()
            if time.monotonic() >= deadline:
                where = f"{job.host}: " if job.host else ""
                raise TimeoutError(
                    f"{where}{job.what} gave no answer within {job.within:g} s (asked ahead)"
                )
        observe.replay(job.frame, f"{job.what}, asked ahead")
        for cause in job.causes:
            failures.note(cause)
        if job.error is not None:
            # from where the probe raised it, in each check that reads it (a shared answer's
            # second reader does not show the first's frames)
            raise job.error.with_traceback(job.trace)
        return job.value

    def close(self) -> None:
        """Start nothing more: queued probes are dropped, running ones abandoned (their own
        timeouts end them)."""
        with self._lock:
            for job in self._jobs.values():
                if job.state == "queued":
                    job.state = "taken"
            self._jobs.clear()
            self._shared.clear()
            for _ in self._threads:
                self._queue.put(None)
