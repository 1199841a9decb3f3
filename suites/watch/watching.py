"""The watch's loop (docs/architecture.md#flow-of-one-check): every interval, each metric's
sight and measurement (facts from :class:`golive.probe.watch.Watcher`), judged at once by
:mod:`golive.judge.watch`, until the time is up or a metric's limits are exceeded (then the
watch stops early: its verdict cannot change any more). It lives with the watch's checks: the
suite judges, the probe only measures."""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import UTC, datetime

from golive.judge import watch as judge
from golive.model.expectations.monitoring import Watch, WatchMetric
from golive.probe.watch import SmokeTally

# What a metric cannot see now ("" nothing, "error: ..." or what: judge.unseen), and one
# measurement of it, judged (judge.judge over the probe's reading).
Unseen = Callable[[str, WatchMetric], str]
Measure = Callable[[WatchMetric], judge.Measurement]


def watch(
    spec: Watch,
    previous_release: str | None,
    unseen: Unseen,
    measure: Measure,
    tally: SmokeTally,
    duration: float,
    every: float,
    say: Callable[[str], None],
    clock: Callable[[], float] = time.monotonic,
    sleep: Callable[[float], None] = time.sleep,
) -> judge.WatchResult:
    runs = {name: judge.MetricRun(name, m) for name, m in spec.metrics.items()}
    result = judge.WatchResult(
        runs,
        every,
        duration,
        datetime.now(UTC).isoformat(timespec="seconds"),
        previous_release=previous_release,
    )
    start = clock()
    n = 0
    # the smoke probe first in each interval: its requests are samples of the error rates
    order = sorted(spec.metrics.items(), key=lambda kv: kv[1].kind != "smoke")
    while True:
        elapsed = clock() - start
        before = (tally.requests, tally.errors)
        for name, metric in order:
            # what the metric cannot see is asked at the first poll (before any initial
            # delay: no rate is needed) and at each measurement: blind from the start is
            # NO-GO at once, blind later an inconclusive measurement (or an error)
            first, delayed = n == 0, elapsed < metric.initial_delay_s
            blind = unseen(name, metric) if first or not delayed else ""
            if blind and first and not blind.startswith("error:"):
                runs[name].blind = blind
            elif delayed:
                continue
            m = judge.judge(metric, None, blind) if blind else measure(metric)
            if metric.smoke_samples:
                requests = tally.requests - before[0]
                m = judge.with_smoke_samples(metric, m, requests, tally.errors - before[1])
            runs[name].measurements.append(judge.at(m, elapsed))
        say(judge.line(elapsed, runs))
        result.elapsed_s = clock() - start
        done = [r.name for r in runs.values() if r.exceeded]
        if done:
            result.stopped_early = f"limits exceeded by {', '.join(done)}"
            break
        n += 1
        if n * every > duration:
            break
        sleep(max(0.0, start + n * every - clock()))
    return result
