"""The measuring side of ``golive watch``: each interval, what each metric can see and its
one measurement (a PromQL query, Prometheus's firing alerts, a smoke probe), as facts. The
watch's loop and its judging are the watch suite's (``suites/watch/watching.py``, with
:mod:`golive.judge.watch`): a probe returns facts, never a verdict (docs/architecture.md#layers)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from types import TracebackType

from golive.model.environment import Environment
from golive.model.expectations.monitoring import Monitoring, WatchMetric
from golive.model.facts.watch import Reading, Sight
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
    """Asks Prometheus (and the smoke probe) what the environment's watched metrics see and
    measure, one question per call, each within the monitoring timeout."""

    def __init__(self, env: Environment, smoke: Smoke) -> None:
        monitoring = env.expectation(Monitoring)
        self.env = env
        self.smoke = smoke
        self.api = Prometheus(monitoring.prometheus_url, monitoring.timeout_s)
        self.where = monitoring.host

    def __enter__(self) -> Watcher:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.api.close()

    def sight(self, metric: WatchMetric) -> Sight:
        """The alerting rules loaded (an alerts metric), or the host label's values of the
        metric's series with its role's hosts (``hosts:``); the error when Prometheus did not
        answer."""
        try:
            if metric.kind == "alerts":
                return Sight(rules=self.api.rules())
            if metric.hosts is None:
                return Sight()
            source = metric.hosts
            values = self.api.label_values(source.series, source.label)
        except PrometheusError as exc:
            return Sight(error=str(exc))
        hosts = {
            h: str(self.env.inventory.hosts[h].address)
            for h in self.env.hosts_with_role(source.role)
        }
        return Sight(values=values, hosts=hosts)

    def sample(self, metric: WatchMetric) -> Reading:
        """One measurement: the query's value, the number of firing alerts of the metric's
        severities (and their names), or the smoke order (1.0: it worked); None with
        "error: ..." when it could not be taken."""
        if metric.kind == "promql":
            if metric.query is None:  # the model requires one for promql
                return None, "error: the metric declares no query"
            answer = self.api.scalar(metric.query)
            return answer.value, answer.problem
        if metric.kind == "alerts":
            try:
                alerts = self.api.alerts()
            except PrometheusError as exc:
                return None, f"error: {exc}"
            firing = [
                a
                for a in alerts
                if a.get("state") == "firing"
                and (a.get("labels") or {}).get("severity") in metric.severity
            ]
            names = ", ".join(
                sorted({(a.get("labels") or {}).get("alertname", "?") for a in firing})
            )
            return float(len(firing)), f"firing: {names}" if names else ""
        try:
            problem = self.smoke()
        except Exception as exc:  # the probe's own failure is an error, never a pass
            return None, f"error: {type(exc).__name__}: {exc}"[:300]
        return 0.0 if problem else 1.0, problem or ""
