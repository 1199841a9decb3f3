"""The measuring side of ``golive watch``: every interval, each metric once (a PromQL query,
Prometheus's firing alerts, a smoke probe), judged by :mod:`golive.judge.watch`."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from types import TracebackType

from golive.judge import watch as judge
from golive.model.environment import Environment
from golive.model.expectations.monitoring import Monitoring, Watch, WatchMetric
from golive.probe.prometheus import Prometheus, PrometheusError

# The smoke probe: None when the application's key path works, else what failed.
Smoke = Callable[[], "str | None"]


@dataclass
class SmokeTally:
    """The smoke probe's own requests so far: how many, and how many were answered 5xx or
    not at all (samples of an error rate, ``smoke_samples``)."""

    requests: int = 0
    errors: int = 0


class Watcher:
    """Measures the environment's watched metrics until the time is up or a metric's limits
    are exceeded (then the watch stops early: its verdict cannot change any more)."""

    def __init__(
        self, env: Environment, spec: Watch, smoke: Smoke, tally: SmokeTally | None = None
    ) -> None:
        monitoring = env.expectation(Monitoring)
        self.env = env
        self.spec = spec
        self.smoke = smoke
        self.tally = tally or SmokeTally()
        self.api = Prometheus(monitoring.prometheus_url, monitoring.timeout_s)
        self.where = monitoring.host

    def __enter__(self) -> Watcher:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.api.close()

    def unseen(self, name: str, metric: WatchMetric) -> str:
        """What the metric cannot see now: "" nothing; "error: ..." Prometheus did not
        answer; else the host whose series are missing, or the severity no rule carries."""
        try:
            if metric.kind == "alerts":
                return judge.alerts_blind(self.api.rules(), metric.severity, self.where) or ""
            if metric.hosts is None:
                return ""
            source = metric.hosts
            values = self.api.label_values(source.series, source.label)
        except PrometheusError as exc:
            return f"error: {exc}"
        hosts = {
            h: str(self.env.inventory.hosts[h].address)
            for h in self.env.hosts_with_role(source.role)
        }
        return judge.unseen_hosts(name, source, hosts, values, self.where) or ""

    def measure(self, metric: WatchMetric) -> judge.Measurement:
        if metric.kind == "promql":
            if metric.query is None:  # the model requires one for promql
                return judge.judge(metric, None, "error: the metric declares no query")
            sample = self.api.scalar(metric.query)
            return judge.judge(metric, sample.value, sample.problem)
        if metric.kind == "alerts":
            try:
                alerts = self.api.alerts()
            except PrometheusError as exc:
                return judge.judge(metric, None, f"error: {exc}")
            firing = [
                a
                for a in alerts
                if a.get("state") == "firing"
                and (a.get("labels") or {}).get("severity") in metric.severity
            ]
            names = ", ".join(
                sorted({(a.get("labels") or {}).get("alertname", "?") for a in firing})
            )
            return judge.judge(metric, float(len(firing)), f"firing: {names}" if names else "")
        try:
            problem = self.smoke()
        except Exception as exc:  # the probe's own failure is an error, never a pass
            return judge.judge(metric, None, f"error: {type(exc).__name__}: {exc}"[:300])
        return judge.judge(metric, 0.0 if problem else 1.0, problem or "")

    def run(
        self,
        duration: float,
        every: float,
        say: Callable[[str], None],
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> judge.WatchResult:
        runs = {name: judge.MetricRun(name, m) for name, m in self.spec.metrics.items()}
        result = judge.WatchResult(
            runs,
            every,
            duration,
            datetime.now(UTC).isoformat(timespec="seconds"),
            previous_release=self.env.inventory.release.previous,
        )
        start = clock()
        n = 0
        # the smoke probe first in each interval: its requests are samples of the error rates
        order = sorted(self.spec.metrics.items(), key=lambda kv: kv[1].kind != "smoke")
        while True:
            elapsed = clock() - start
            before = (self.tally.requests, self.tally.errors)
            for name, metric in order:
                # what the metric cannot see is asked at the first poll (before any initial
                # delay: no rate is needed) and at each measurement: blind from the start is
                # NO-GO at once, blind later an inconclusive measurement (or an error)
                first, delayed = n == 0, elapsed < metric.initial_delay_s
                unseen = self.unseen(name, metric) if first or not delayed else ""
                if unseen and first and not unseen.startswith("error:"):
                    runs[name].blind = unseen
                elif delayed:
                    continue
                m = judge.judge(metric, None, unseen) if unseen else self.measure(metric)
                if metric.smoke_samples:
                    requests = self.tally.requests - before[0]
                    m = judge.with_smoke_samples(metric, m, requests, self.tally.errors - before[1])
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
