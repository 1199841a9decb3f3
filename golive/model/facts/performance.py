"""What a load run measured (docs/architecture.md#layers): Locust's histograms and
percentiles as Locust computes them, each endpoint's requests, the run's own facts, the app
nodes' load, and the journey steps a profile plans. Filled by :mod:`golive.probe.locust` and
the performance fixtures, judged by :mod:`golive.judge.performance`."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from golive.model.expectations.performance import Profile

Histogram = Mapping[int, int]  # response time in ms (Locust's rounding) -> requests


def bucket_ms(response_time: float) -> int:
    """A response time as Locust files it in its histogram (``locust.stats``'s
    ``bucket_response_time``): about two significant digits, with Python's round-half-even,
    so 147 is 150, 3432 is 3400 and 58760 is 59000."""
    if response_time < 100:
        return round(response_time)
    digits = 1 if response_time < 1000 else 2 if response_time < 10000 else 3
    return int(round(response_time, -digits))


def percentile(histogram: Histogram, q: float) -> float:
    """The q-quantile (0..1) of a histogram exactly as Locust computes it (``locust.stats``'s
    ``calculate_response_time_percentile``, on its bucketed response times); 0 without
    samples.

    Locust keeps ``int(n * q)`` requests below the answer and walks from the slowest bucket
    down: the answer is the first bucket at which the requests not yet passed are at most
    that many. From the 100 samples 1..100 ms, p95 is 96 ms and p99 is 100 ms.
    """
    buckets: dict[int, int] = {}
    for ms, count in histogram.items():
        key = bucket_ms(ms)
        buckets[key] = buckets.get(key, 0) + count
    total = sum(buckets.values())
    below = int(total * q)
    passed = 0
    for ms in sorted(buckets, reverse=True):
        passed += buckets[ms]
        if total - passed <= below:
            return float(ms)
    return 0.0


@dataclass(frozen=True)
class Endpoint:
    """One endpoint's requests during the run."""

    name: str
    requests: int
    failures: int
    histogram: Histogram

    def p(self, q: float) -> float:
        return percentile(self.histogram, q)

    @property
    def busy_s(self) -> float:
        """Seconds its requests were in flight, summed (from the histogram)."""
        return sum(ms * n for ms, n in self.histogram.items()) / 1000

    @property
    def mean_ms(self) -> float:
        return 1000 * self.busy_s / self.requests if self.requests else 0.0


@dataclass(frozen=True)
class RunFacts:
    """What the load generator reported about the run itself."""

    returncodes: Mapping[str, int | None]
    timed_out: bool
    deadline_s: float
    has_summary: bool
    measured_s: float  # from the first request to the last
    max_users: int
    expected_workers: int
    min_workers: int | None  # fewest workers connected once all had been; None: never all
    max_workers: int
    steps: int  # journey steps every process ran
    cpu_warnings: Sequence[str] = ()  # Locust's own flags: "worker 3: 97%"
    cpu_percent: float | None = None  # of what the generator was allowed (its cgroup)
    throttled_percent: float | None = None  # of scheduler periods stopped at its quota
    cpu_wait_percent: float | None = None  # of the load's time waiting for a CPU
    cpu_detail: str = ""
    cpu_peak_percent: float | None = None  # the busiest Locust process's highest sample
    log_tail: str = ""
    endpoints: Mapping[str, Endpoint] = field(default_factory=dict)
    # endpoint -> why its requests failed, most frequent first: (reason, count)
    errors: Mapping[str, Sequence[tuple[str, int]]] = field(default_factory=dict)


def planned_steps(profile: Profile) -> float:
    """Journey steps the profile plans: every user at ``pace``, ramping up linearly."""
    ramp = profile.ramp_s
    return profile.pace * profile.users * (profile.duration_s - ramp / 2)


@dataclass(frozen=True)
class NodeLoad:
    """A node's CPU and memory during the load (from /proc on the node)."""

    cpu_busy_percent: float | None  # average over the load; None: not measured
    memory_available_percent: float | None  # the lowest seen
    samples: int
    error: str = ""
