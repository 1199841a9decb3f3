"""Expectations of the performance suite (registered in expectations.SUITES).

``performance:`` in expectations.yml: named load profiles (users, spawn rate, duration, pace,
workers) each with its per-endpoint SLO table (p95 and p99 in ms, error rate, minimum rps),
how the load generator is watched for saturation, what the app nodes must keep in headroom
and fair share while the load runs, and how a run is compared with the stored baseline.

The SLO table is also what the rollback plan's performance trigger and ``golive watch``
read: :meth:`Performance.slos` gives the table of the profile that gates the release.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, ClassVar

from pydantic import Field, model_validator

from golive.model.config import DAY_S, Count, Seconds, Strict
from golive.model.expectations.section import Section

MAX_MS = 3_600_000.0  # an hour: no response time an SLO names is longer


class Slo(Strict):
    """The service level of one endpoint (a Locust request name, e.g. ``POST /api/orders``)."""

    p95_ms: float = Field(
        gt=0, le=MAX_MS, description="95th percentile response time, milliseconds"
    )
    p99_ms: float = Field(
        gt=0, le=MAX_MS, description="99th percentile response time, milliseconds"
    )
    max_error_rate: float = Field(
        ge=0, le=1, description="failed requests / requests, a fraction (0.01 = 1 %)"
    )
    min_rps: float = Field(
        ge=0, le=10_000_000, description="requests per second this endpoint must sustain"
    )

    @model_validator(mode="after")
    def _ordered(self) -> Slo:
        if self.p99_ms < self.p95_ms:
            raise ValueError("p99_ms must be at least p95_ms")
        return self


class Profile(Strict):
    """One load profile: how much load, for how long, and the SLOs it must meet.

    Each simulated user runs one journey step per ``1 / pace`` seconds (Locust's
    ``constant_throughput``), so the planned task rate is ``users * pace``; think time is
    what remains of that interval after the response.
    """

    users: int = Field(gt=0, le=100_000, description="concurrent simulated users")
    spawn_rate: float = Field(gt=0, le=100_000, description="users started per second")
    duration_s: float = Field(gt=0, le=86_400, description="seconds of load, ramp-up included")
    pace: float = Field(1.0, gt=0, le=1000, description="journey steps per second per user")
    workers: int = Field(
        0,
        ge=0,
        le=64,
        description="Locust worker processes on this machine; 0 runs one local process",
    )
    remote_workers: int = Field(
        0,
        ge=0,
        le=1024,
        description="workers started on other machines (`locust --worker --master-host`) "
        "that golive waits for besides its own",
    )
    expect_workers_timeout_s: Seconds = Field(
        20.0, description="seconds the master waits for its workers to connect"
    )
    slos: dict[str, Slo] = Field(min_length=1, description="endpoint name -> its SLO")
    waived: dict[str, str] = Field(
        default_factory=dict,
        description="endpoint name -> why the journey requests it without an SLO (every "
        "endpoint the journey requests has an SLO or is waived here)",
    )

    @property
    def ramp_s(self) -> float:
        """Seconds until every user runs."""
        return self.users / self.spawn_rate

    @model_validator(mode="after")
    def _waivers(self) -> Profile:
        both = sorted(set(self.waived) & set(self.slos))
        if both:
            raise ValueError(f"waived endpoints also have an SLO: {', '.join(both)}")
        unexplained = sorted(name for name, why in self.waived.items() if not why.strip())
        if unexplained:
            raise ValueError(f"waived endpoints need a reason: {', '.join(unexplained)}")
        return self

    @model_validator(mode="after")
    def _ramp_fits(self) -> Profile:
        if self.ramp_s >= self.duration_s:
            raise ValueError(
                f"users / spawn_rate = {self.ramp_s:g} s of ramp-up leaves no steady load "
                f"in duration_s = {self.duration_s:g}"
            )
        return self


class Generator(Strict):
    """The load generator and when it is too busy to measure the system.

    ``cgroup`` names the control group golive runs Locust's processes in (cgroup v2
    ``cpu.max``, or v1 ``cpu.cfs_quota_us``); its CPU accounting and quota say how much of
    the CPU it was allowed the generator used. Without it, Locust's own CPU readings decide.
    """

    locustfile: str = Field("trading.py", description="file under load/")
    cgroup: str | None = Field(None, description="control group name of the generator")
    max_cpu_percent: float = Field(
        90.0,
        gt=0,
        le=100,
        description="generator CPU (of what it may use) above which the run is inconclusive",
    )
    max_throttled_percent: float = Field(
        20.0,
        ge=0,
        le=100,
        description="share of scheduler periods in which the generator's control group was "
        "stopped at its CPU quota, above which the run is inconclusive",
    )
    max_cpu_wait_percent: float = Field(
        25.0,
        ge=0,
        le=100,
        description="share of the load's time a Locust process spent runnable but waiting for "
        "a CPU (the machine busy with other work), above which the run is inconclusive",
    )
    min_rate_ratio: float = Field(
        0.9, gt=0, le=1, description="achieved / planned task rate below which load fell short"
    )
    server_limit_wait_percent: float = Field(
        50.0,
        gt=0,
        le=100,
        description="share of the simulated users' time spent waiting for answers at or "
        "above which a run short of its plan is put down to the server (latency and "
        "queueing), when the generator's CPU was within its limits",
    )
    stop_timeout_s: float = Field(5.0, ge=0, le=DAY_S, description="Locust --stop-timeout")
    master_bind: str = Field(
        "127.0.0.1", description="address the Locust master listens on for its workers"
    )
    master_port: int = Field(
        0, ge=0, lt=65536, description="its port; 0 picks a free one (local workers only)"
    )
    grace_s: Seconds = Field(
        30.0,
        description="seconds past the profile's duration before golive kills the run",
    )


class Headroom(Strict):
    """What each app node must keep free while the load runs, and the fair share it takes."""

    node_exporter_port: int = Field(9100, gt=0, lt=65536)
    max_cpu_percent: float = Field(gt=0, le=100, description="busy CPU of the node")
    process_var: str | None = Field(
        None,
        description="a host var whose value appears in the command line of the node's own "
        "processes: the node's CPU is theirs (hosts sharing one machine, as the sandbox's); "
        "absent, the node's CPU is the whole host's (/proc/stat)",
    )
    min_memory_available_percent: float = Field(ge=0, le=100)
    metrics_path: str = "/metrics"
    request_metric: str = Field(description="the app's request counter (per node)")
    request_label: str = Field(
        description="the counter's label that says which route a request took"
    )
    request_values: list[str] = Field(
        min_length=1, description="values of that label the load's requests carry"
    )
    fair_share_tolerance: float = Field(
        gt=0,
        lt=1,
        description="a node's share of requests may differ from 1/N by this fraction of 1/N",
    )


class Baseline(Strict):
    """How a run compares with the last GO run of the same environment and profile."""

    directory: Path = Field(
        Path("reports/baselines"),
        description="where baselines are stored (one file per environment and profile)",
    )
    quantiles: list[Annotated[float, Field(gt=0, lt=1)]] = Field(
        default_factory=lambda: [0.95],
        min_length=1,
        description=(
            "the response-time quantiles compared with the baseline's: a rise past "
            "p95_tolerance and min_shift_ms at any of them (with Mann-Whitney significance) is "
            "a regression; a lower one (0.75) still sees a slowdown of one node of two when "
            "the baseline's tail is noisy"
        ),
    )
    p95_tolerance: float = Field(
        ge=0,
        le=100,
        description=(
            "a quantile (p95 by default) more than this fraction above the baseline's is a "
            "regression"
        ),
    )
    min_shift_ms: float = Field(
        0.0,
        ge=0,
        le=MAX_MS,
        description="a quantile's shift smaller than this many ms is never a regression",
    )
    alpha: float = Field(
        0.01, gt=0, lt=0.5, description="Mann-Whitney U significance level (one-sided)"
    )
    min_samples: Count = Field(20, description="fewer samples per side: not compared")
    max_file_bytes: int = Field(
        64 << 20,
        gt=0,
        le=1 << 30,
        description="bytes a stored baseline may have: a larger one is refused, never read",
    )


class Journey(Strict):
    """The data of the simulated trader's journey: whose account it logs in with (an account
    of the inventory), the symbols it reads quotes of, and the role of the nodes serving it.
    The orders it places are the smoke suite's synthetic order."""

    account: str
    symbols: list[str] = Field(min_length=1)
    app_role: str = "app"


class Performance(Section):
    """The performance suite: load profiles with their SLO tables, and how a run is judged."""

    key: ClassVar[str] = "performance"

    profile: str = Field(description="the profile that gates the release (and the watch)")
    profiles: dict[str, Profile] = Field(min_length=1)
    journey: Journey
    generator: Generator = Generator()
    headroom: Headroom
    baseline: Baseline
    rollback_trigger: str = Field(
        description="the profile whose SLO breach triggers the rollback plan's performance "
        "trigger (normally the gating profile)"
    )

    @model_validator(mode="after")
    def _profiles_named(self) -> Performance:
        for field in ("profile", "rollback_trigger"):
            name = getattr(self, field)
            if name not in self.profiles:
                raise ValueError(
                    f"{field} {name!r} is not one of profiles: {', '.join(self.profiles)}"
                )
        return self

    def roles_named(self) -> set[str]:
        return {self.journey.app_role}

    def selected(self, name: str | None = None) -> Profile:
        """The named profile (``--load-profile``), else the gating one."""
        return self.profiles[name or self.profile]

    def slos(self, profile: str | None = None) -> dict[str, Slo]:
        """The per-endpoint SLO table of a profile (default: the gating one)."""
        return self.selected(profile).slos
