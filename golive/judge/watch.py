"""``golive watch``'s analysis (pure): each interval a measurement per metric, each judged a
success, a failure, inconclusive or an error, and a verdict per metric and overall.

The semantics are Argo Rollouts' analysis runs (``failureLimit``, ``inconclusiveLimit``,
``consecutiveErrorLimit``) with their known holes closed: a query returning no data or NaN is
inconclusive, never a success (Argo Rollouts issue 4479, Flagger issue 1098); an error is
inconclusive too, and counts towards the consecutive-error limit; more inconclusive
measurements than the limit is NO-GO, not a pass; and a metric with no successful measurement
at all is INCONCLUSIVE, never GO.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from golive.model.expectations.monitoring import WatchMetric, WatchSource
from golive.model.facts.watch import Sight

Outcome = Literal["success", "failure", "inconclusive", "error"]
Decision = Literal["GO", "NO-GO", "INCONCLUSIVE"]
TRIGGERS = {"critical": "Critical Failures", "performance": "Performance Issues"}


@dataclass(frozen=True)
class Measurement:
    at: float  # seconds into the watch
    value: float | None
    outcome: Outcome
    detail: str = ""

    def short(self) -> str:
        if self.value is None:
            return f"? ({self.detail})"
        mark = {"success": "ok", "failure": "FAIL"}.get(self.outcome, self.outcome)
        return f"{self.value:.4g} {mark}"


def judge(spec: WatchMetric, value: float | None, problem: str = "") -> Measurement:
    """One measurement: ``problem`` starting ``error:`` is an error, any other problem (or no
    value) inconclusive; else the value against the metric's threshold. ``at`` is set by the
    caller (:func:`at`)."""
    if problem.startswith("error:"):
        return Measurement(0.0, None, "error", problem.removeprefix("error:").strip())
    if value is None or math.isnan(value):
        return Measurement(0.0, None, "inconclusive", problem or f"no value ({value})")
    limits = [x for x in (spec.max, spec.min) if x is not None]
    if spec.kind == "promql" and (len(limits) != 1 or not math.isfinite(limits[0])):
        # the model refuses these; a threshold that is not one finite number judges nothing
        return Measurement(
            0.0, value, "inconclusive", f"no finite threshold (max {spec.max}, min {spec.min})"
        )
    # each test says what success is, so that no comparison that cannot hold passes
    if spec.kind == "alerts":
        ok = value == 0
        detail = problem or f"{value:g} {'/'.join(spec.severity)} alert(s) firing"
    elif spec.kind == "smoke":
        ok = value >= 1
        detail = problem or ("smoke passed" if ok else "smoke failed")
    elif spec.max is not None:
        ok = value <= spec.max
        detail = (
            f"{value:.4g} {'<=' if ok else '>'} max {spec.max:g}{spec.unit and ' ' + spec.unit}"
        )
    elif spec.min is not None:
        ok = value >= spec.min
        detail = (
            f"{value:.4g} {'>=' if ok else '<'} min {spec.min:g}{spec.unit and ' ' + spec.unit}"
        )
    else:  # the model requires max or min; without either nothing can succeed
        return Measurement(0.0, value, "inconclusive", "no threshold (neither max nor min)")
    return Measurement(0.0, value, "success" if ok else "failure", detail)


def with_smoke_samples(
    spec: WatchMetric, m: Measurement, requests: int, errors: int
) -> Measurement:
    """An error-rate measurement (``smoke_samples``) with the smoke probe's own requests of
    the interval as samples too: their share answered 5xx or not at all, against the same
    max. A failure of either is the measurement's failure: with little other traffic, the
    Prometheus window may hold too few requests, or not the ones that failed."""
    if not spec.smoke_samples or requests <= 0:
        return m
    share = errors / requests
    own = judge(spec, share)
    if own.outcome != "failure" or m.outcome == "failure":
        return m
    return Measurement(
        m.at,
        share,
        "failure",
        f"the smoke probe's own requests: {errors} of {requests} answered 5xx or not at all "
        f"({own.detail})",
    )


def traffic_line(metrics: dict[str, WatchMetric], every_s: float) -> str:
    """What traffic the watch's judgement rests on, said before its first interval."""
    promql = [n for n, m in metrics.items() if m.kind == "promql"]
    counted = [n for n, m in metrics.items() if m.smoke_samples]
    smoke = [n for n, m in metrics.items() if m.kind == "smoke"]
    parts = [
        f"watch: {', '.join(promql) or 'no metric'} judge{'s' if len(promql) == 1 else ''} "
        "the environment's own traffic as Prometheus counts it (real users, or a load you run "
        "during the watch)"
    ]
    if smoke:
        parts.append(
            f"its own traffic is one synthetic order per {every_s:g} s ({', '.join(smoke)})"
            + (f", counted as samples of {', '.join(counted)}" if counted else "")
        )
    parts.append(
        "with no other traffic, an error rate below one failed request per interval's "
        "requests may go unseen"
    )
    return "; ".join(parts)


def own_traffic_line(requests: int, errors: int) -> str:
    """What the watch's own traffic could show, said after its last interval: with no other
    traffic, an error rate below one in its requests was never sampled."""
    if requests <= 0:
        return "watch: its own traffic: no request made (the smoke probe never ran)"
    return (
        f"watch: its own traffic: {requests} requests, {errors} answered 5xx or not at all; "
        f"with no other traffic, an error rate under 1/{requests} ({1 / requests:.1%}) could "
        "go unseen"
    )


def _host_part(value: str) -> str:
    """``10.0.0.5:8080`` -> ``10.0.0.5``, ``[::1]:9100`` -> ``::1``; a bare name as it is."""
    if value.startswith("["):
        return value[1:].split("]", 1)[0]
    name, colon, port = value.rpartition(":")
    return name if colon and port.isdigit() and ":" not in name else value


def unseen_hosts(
    name: str, source: WatchSource, hosts: dict[str, str], values: list[str], where: str
) -> str | None:
    """Which hosts of the metric's role (name -> address) no series of ``source.series``
    comes from (``values``: the host label's values Prometheus holds now), or None: the
    metric's number is then the other hosts' alone. No host at all is blind too."""
    if not hosts:
        return f"{where}: no host has role {source.role}: {name} covers nobody"
    seen = set(values) | {_host_part(v) for v in values}
    missing = [h for h, address in hosts.items() if h not in seen and address not in seen]
    if not missing:
        return None
    return "; ".join(
        f"{h}: Prometheus ({where}) holds no {source.series} series from it (no "
        f"{source.label} label names {h} or {hosts[h]}): what {h} serves is not in {name}"
        for h in missing
    )


def alerts_blind(rules: list[dict[str, Any]], severity: list[str], where: str) -> str | None:
    """Why an alerts metric can never see an alert of its severities fire (no loaded alerting
    rule carries one: none firing then proves nothing), or None."""
    alerting = [r for r in rules if r.get("type") == "alerting"]
    if any((r.get("labels") or {}).get("severity") in severity for r in alerting):
        return None
    return (
        f"{where}: Prometheus has no alerting rule of severity {'/'.join(severity)} loaded "
        f"({len(alerting)} alerting rule(s) in all): none can fire, so none firing proves nothing"
    )


def unseen(name: str, spec: WatchMetric, sight: Sight, where: str) -> str:
    """What the metric cannot see now: "" nothing; "error: ..." Prometheus did not answer;
    else the host whose series are missing, or the severity no rule carries."""
    if sight.error is not None:
        return f"error: {sight.error}"
    if spec.kind == "alerts":
        return alerts_blind(sight.rules or [], spec.severity, where) or ""
    if spec.hosts is None or sight.values is None:
        return ""
    return unseen_hosts(name, spec.hosts, sight.hosts, sight.values, where) or ""


def at(m: Measurement, seconds: float) -> Measurement:
    return Measurement(round(seconds, 3), m.value, m.outcome, m.detail)


@dataclass
class MetricRun:
    """One metric's measurements and what they add up to."""

    name: str
    spec: WatchMetric
    measurements: list[Measurement] = field(default_factory=list)
    # what the metric could not see at its first poll (a host, a rule): NO-GO at once
    blind: str = ""

    def count(self, *outcomes: Outcome) -> int:
        return sum(m.outcome in outcomes for m in self.measurements)

    def errors_in_a_row(self) -> int:
        longest = run = 0
        for m in self.measurements:
            run = run + 1 if m.outcome == "error" else 0
            longest = max(longest, run)
        return longest

    @property
    def exceeded(self) -> str | None:
        """Why the metric is NO-GO already (a limit exceeded), or None."""
        if self.blind:
            return f"blind from the first poll: {self.blind}"
        s, n = self.spec, len(self.measurements)
        failures = [m for m in self.measurements if m.outcome == "failure"]
        if len(failures) > s.failure_limit:
            return (
                f"{len(failures)} of {n} measurements failed (failure_limit {s.failure_limit}); "
                f"last: {failures[-1].detail}"
            )
        if self.errors_in_a_row() > s.consecutive_error_limit:
            last = next(m for m in reversed(self.measurements) if m.outcome == "error")
            return (
                f"{self.errors_in_a_row()} errors in a row (consecutive_error_limit "
                f"{s.consecutive_error_limit}); last: {last.detail}"
            )
        unsure = [m for m in self.measurements if m.outcome in ("inconclusive", "error")]
        if len(unsure) > s.inconclusive_limit:
            return (
                f"{len(unsure)} of {n} measurements inconclusive (inconclusive_limit "
                f"{s.inconclusive_limit}): too many to judge; last: {unsure[-1].detail}"
            )
        return None

    @property
    def verdict(self) -> Decision:
        if self.exceeded:
            return "NO-GO"
        return "GO" if self.count("success") else "INCONCLUSIVE"

    def reason(self) -> str:
        if self.exceeded:
            return self.exceeded
        n, ok = len(self.measurements), self.count("success")
        if not ok:
            last = self.measurements[-1].detail if self.measurements else "nothing measured"
            return f"no successful measurement of {n}; last: {last}"
        unsure = self.count("inconclusive", "error")
        extra = f", {unsure} inconclusive (within the limit)" if unsure else ""
        return f"{ok} of {n} measurements succeeded{extra}"


@dataclass
class WatchResult:
    """The whole watch: per metric runs, its timing, and the overall decision."""

    metrics: dict[str, MetricRun]
    every_s: float
    for_s: float
    started: str
    elapsed_s: float = 0.0
    stopped_early: str = ""
    previous_release: str | None = None
    plots: dict[str, Path] = field(default_factory=dict)

    @property
    def verdict(self) -> Decision:
        verdicts = {m.verdict for m in self.metrics.values()}
        if "NO-GO" in verdicts:
            return "NO-GO"
        return "INCONCLUSIVE" if "INCONCLUSIVE" in verdicts else "GO"

    def triggers(self) -> list[str]:
        """The rollback plan's triggers the NO-GO metrics are, each with its cause."""
        return [
            f"{TRIGGERS[m.spec.trigger]}: {m.name}: {m.reason()}"
            for m in self.metrics.values()
            if m.verdict == "NO-GO"
        ]

    def summary(self) -> str:
        """The watch's closing line: the decision, and for NO-GO the rollback it recommends."""
        if self.verdict == "GO":
            return (
                f"watch verdict: GO ({len(self.metrics)} metrics held for {self.elapsed_s:.0f} s)"
            )
        if self.verdict == "INCONCLUSIVE":
            unsure = [f"{m.name}: {m.reason()}" for m in self.metrics.values() if m.verdict != "GO"]
            return "watch verdict: INCONCLUSIVE (not a pass): " + "; ".join(unsure)
        target = self.previous_release or "the previous release"
        return f"watch verdict: NO-GO, recommend rollback to {target}; trigger " + "; ".join(
            self.triggers()
        )

    def as_dict(self) -> dict[str, Any]:
        return {
            "verdict": self.verdict,
            "summary": self.summary(),
            "triggers": self.triggers(),
            "started": self.started,
            "for_s": self.for_s,
            "every_s": self.every_s,
            "elapsed_s": round(self.elapsed_s, 3),
            "stopped_early": self.stopped_early,
            "metrics": {
                name: {
                    "verdict": m.verdict,
                    "reason": m.reason(),
                    "trigger": TRIGGERS[m.spec.trigger],
                    "limits": {
                        "failure_limit": m.spec.failure_limit,
                        "inconclusive_limit": m.spec.inconclusive_limit,
                        "consecutive_error_limit": m.spec.consecutive_error_limit,
                    },
                    "threshold": {"max": m.spec.max, "min": m.spec.min},
                    "measurements": [
                        {"at": x.at, "value": x.value, "outcome": x.outcome, "detail": x.detail}
                        for x in m.measurements
                    ],
                }
                for name, m in self.metrics.items()
            },
        }


def line(elapsed: float, runs: dict[str, MetricRun]) -> str:
    """One terminal line per interval: each metric's latest measurement."""
    parts = [
        f"{name}={run.measurements[-1].short() if run.measurements else '(initial delay)'}"
        for name, run in runs.items()
    ]
    return f"[{elapsed:6.1f}s] " + " | ".join(parts)
