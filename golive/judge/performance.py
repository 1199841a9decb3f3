"""Judge a load run against the performance expectations: facts in, findings out.

Facts are what the load generator and the app nodes observed (:class:`RunFacts`,
:class:`Endpoint` histograms, node counters and samples); findings are one line each, saying
endpoint or host, metric, measured value, limit and sample count. Everything fails closed: an
endpoint without samples, a short run, fewer users or workers than planned, an abnormal exit,
a saturated generator are findings, never a pass.

The baseline comparison is a one-sided Mann-Whitney U test on the recorded response-time
histograms (pure Python, normal approximation with tie correction), as Kayenta's judge does,
plus a relative p95 tolerance and an absolute floor, so that noise is not a regression.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from golive.model.expectations.performance import Baseline, Generator, Headroom, Profile, Slo
from golive.model.facts.performance import (
    Endpoint,
    Histogram,
    NodeLoad,
    RunFacts,
    percentile,
    planned_steps,
)


def run_findings(run: RunFacts, profile: Profile, generator: Generator) -> list[str]:
    """Was the planned load applied? Abnormal exits, a run killed at the deadline, a short
    run, fewer users, lost workers and a task rate short of the plan."""
    found: list[str] = []
    last = run.log_tail.strip().splitlines()[-1:] or [""]
    for name, code in run.returncodes.items():
        if code not in (0, None) and not (name.startswith("worker") and code in (-15, -9)):
            found.append(f"load run: Locust {name} exited {code}: {last[0][:200]}".rstrip(": "))
    if run.timed_out:
        found.append(f"load run: killed at golive's deadline of {run.deadline_s:g} s")
    if not run.has_summary:
        found.append("load run: the generator wrote no summary (Locust did not quit normally)")
        return found
    steady = profile.duration_s - profile.ramp_s
    if run.measured_s < steady * 0.9 - 1:
        found.append(
            f"load run: requests spanned {run.measured_s:.1f} s of the planned "
            f"{steady:g} s of steady load (after {profile.ramp_s:g} s of ramp-up)"
        )
    if run.max_users < profile.users:
        found.append(f"load run: reached {run.max_users} of {profile.users} planned users")
    if run.expected_workers:
        if run.min_workers is None:
            found.append(
                f"inconclusive: {run.max_workers} of {run.expected_workers} Locust workers "
                "ever connected"
            )
        elif run.min_workers < run.expected_workers:
            found.append(
                f"inconclusive: a Locust worker was lost mid-run ({run.min_workers} of "
                f"{run.expected_workers} connected); Locust does not rebalance, the load "
                "was lower than planned"
            )
    return found + rate_findings(run, profile, generator)


def rate_findings(run: RunFacts, profile: Profile, generator: Generator) -> list[str]:
    """The journey's step rate short of the plan, with its cause (:func:`shortfall_cause`)."""
    planned = planned_steps(profile)
    if not run.has_summary or run.steps >= planned * generator.min_rate_ratio:
        return []
    return [
        f"load run: {run.steps} journey steps of {planned:.0f} planned "
        f"({100 * run.steps / planned:.0f}%, at least {100 * generator.min_rate_ratio:.0f}%"
        f" required): {shortfall_cause(run, profile, generator)}"
    ]


def server_limited(run: RunFacts, generator: Generator) -> bool:
    """The server held the load back: the generator within its limits and the users waiting
    for answers at least ``server_limit_wait_percent`` of their time. Its latencies are the
    system's, so they are judged against the SLOs (a finding, not an inconclusive run)."""
    waited = waiting_percent(run)
    return (
        not saturation_findings(run, generator)
        and waited is not None
        and waited >= generator.server_limit_wait_percent
    )


def waiting_percent(run: RunFacts) -> float | None:
    """The share of the simulated users' time spent waiting for an answer: every request's
    response time summed, over users x the steady load's seconds (None: nothing measured)."""
    busy = sum(ep.busy_s for ep in run.endpoints.values())
    if run.max_users <= 0 or run.measured_s <= 0 or not run.endpoints:
        return None
    return 100 * busy / (run.max_users * run.measured_s)


def generator_cpu(run: RunFacts) -> str:
    """The generator's CPU in figures: its control group's share, its busiest process's
    peak, Locust's own warnings."""
    parts = []
    if run.cpu_percent is not None:
        parts.append(f"{run.cpu_percent:.0f}% of {run.cpu_detail or 'what it may use'}")
    if run.cpu_peak_percent is not None:
        parts.append(f"its busiest Locust process peaked at {run.cpu_peak_percent:.0f}%")
    if run.cpu_wait_percent is not None:
        parts.append(f"waited for a CPU {run.cpu_wait_percent:.0f}% of the time")
    if run.cpu_warnings:
        parts.append("Locust's cpu_warning " + ", ".join(run.cpu_warnings[:4]))
    return "; ".join(parts) or "not measured"


def shortfall_cause(run: RunFacts, profile: Profile, generator: Generator) -> str:
    """Why the planned load was not applied, with the figures: the generator (its CPU over
    ``generator``'s limits, or Locust's warning), else the server (the users spent at least
    ``server_limit_wait_percent`` of their time waiting for answers: latency and queueing),
    else not determined. Both sides' figures are given either way."""
    waited = waiting_percent(run)
    interval_ms = 1000 / profile.pace
    slowest = sorted(
        (ep for ep in run.endpoints.values() if ep.requests),
        key=lambda ep: ep.p(0.95),
        reverse=True,
    )[:2]
    latency = ", ".join(f"{ep.name} p95 {ep.p(0.95):.0f} ms" for ep in slowest)
    server = (
        f"the {run.max_users} users waited for answers {waited or 0:.0f}% of their time "
        f"(limit {generator.server_limit_wait_percent:g}%; {latency or 'no samples'}) against "
        f"a step planned every {interval_ms:.0f} ms"
    )
    cpu = (
        f"the generator's CPU: {generator_cpu(run)} (limits {generator.max_cpu_percent:g}% "
        f"CPU, {generator.max_cpu_wait_percent:g}% waiting for a CPU)"
    )
    if saturation_findings(run, generator):
        return f"the generator was the limit, not the server: {cpu}; {server}"
    if server_limited(run, generator):
        return f"the server was the limit, not the generator: {server}; {cpu}, within them"
    return f"neither the generator nor the server was shown to be the limit: {cpu}; {server}"


def saturation_findings(run: RunFacts, generator: Generator) -> list[str]:
    """A saturated generator measures itself: Locust's CPU warnings (its own and its workers'
    heartbeats) or the generator's CPU above the limit make the run inconclusive."""
    found: list[str] = []
    limit, throttled = generator.max_cpu_percent, generator.max_throttled_percent
    over_cpu = run.cpu_percent is not None and run.cpu_percent >= limit
    over_quota = run.throttled_percent is not None and run.throttled_percent > throttled
    if over_cpu or over_quota:
        found.append(
            f"inconclusive: load generator saturated (CPU {run.cpu_percent or 0:.0f}% of "
            f"{run.cpu_detail}; limits {limit:g}% CPU, {throttled:g}% throttled periods)"
        )
    waited = run.cpu_wait_percent
    if waited is not None and waited > generator.max_cpu_wait_percent:
        found.append(
            f"inconclusive: load generator saturated (CPU {run.cpu_percent or 0:.0f}%; it "
            f"waited for a CPU {waited:.0f}% of the time, limit "
            f"{generator.max_cpu_wait_percent:g}%: the machine is busy with other work)"
        )
    if run.cpu_warnings:
        found.append(
            "inconclusive: load generator saturated (CPU "
            + ", ".join(run.cpu_warnings[:4])
            + ": Locust's cpu_warning)"
        )
    return found


def slo_findings(
    endpoints: Mapping[str, Endpoint],
    slos: Mapping[str, Slo],
    seconds: float,
    errors: Mapping[str, Sequence[tuple[str, int]]] | None = None,
    waived: Mapping[str, str] | None = None,
) -> list[str]:
    """One finding per endpoint and metric of the SLO table that the run breaks; an endpoint
    without samples is a finding (Locust drops it from its stats, and reports 0 ms). An
    error rate over its SLO says why the requests failed (``errors``: the journey's own
    checks of each answer, an error body with HTTP 200 included). Every endpoint the journey
    requested has an SLO or is in ``waived``; one that has neither is a finding."""
    errors = errors or {}
    found: list[str] = [
        f"{name}: requested {ep.requests} times by the journey, but it has no SLO and is not "
        "waived (performance.profiles: slos or waived)"
        for name, ep in sorted(endpoints.items())
        if ep.requests and name not in slos and name not in (waived or {})
    ]
    for name, slo in slos.items():
        ep = endpoints.get(name)
        if ep is None or ep.requests == 0:
            found.append(f"{name}: no samples (0 requests): the SLO cannot be judged")
            continue
        n = f"n={ep.requests}"
        for q, limit in ((0.95, slo.p95_ms), (0.99, slo.p99_ms)):
            value = ep.p(q)
            if value > limit:
                found.append(f"{name}: p{round(q * 100)} {value:.0f} ms > SLO {limit:g} ms ({n})")
        rate = ep.failures / ep.requests
        if rate > slo.max_error_rate:
            why = "; ".join(f"{reason} ({count})" for reason, count in errors.get(name, ())[:3])
            found.append(
                f"{name}: error rate {100 * rate:.2f}% ({ep.failures} failed) > SLO "
                f"{100 * slo.max_error_rate:g}% ({n})" + (f": {why}" if why else "")
            )
        rps = ep.requests / seconds if seconds > 0 else 0.0
        if rps < slo.min_rps:
            found.append(f"{name}: {rps:.1f} rps < SLO {slo.min_rps:g} rps ({n})")
    return found


def mann_whitney_greater(current: Histogram, baseline: Histogram) -> float:
    """One-sided p-value that ``current`` is stochastically greater than ``baseline``
    (normal approximation, tie-corrected, with continuity correction)."""
    n1, n2 = sum(current.values()), sum(baseline.values())
    if n1 == 0 or n2 == 0:
        return 1.0
    rank = 0
    r1 = 0.0
    ties = 0.0
    for value in sorted(set(current) | set(baseline)):
        a, b = current.get(value, 0), baseline.get(value, 0)
        t = a + b
        r1 += a * (rank + (t + 1) / 2)
        ties += t**3 - t
        rank += t
    u1 = r1 - n1 * (n1 + 1) / 2
    n = n1 + n2
    var = n1 * n2 / 12 * ((n + 1) - ties / (n * (n - 1))) if n > 1 else 0.0
    if var <= 0:
        return 1.0
    z = (u1 - n1 * n2 / 2 - 0.5) / math.sqrt(var)
    return 0.5 * math.erfc(z / math.sqrt(2))


@dataclass(frozen=True)
class Comparison:
    """One row of the baseline comparison table: its p95s, and each compared quantile that
    rose past the tolerance and the floor (quantile, current ms, baseline ms)."""

    endpoint: str
    n_current: int
    n_baseline: int
    p95_current: float
    p95_baseline: float
    p_value: float | None
    verdict: str  # "ok", "regression", "not compared: why"
    shifts: tuple[tuple[float, float, float], ...] = ()


def compare(
    current: Mapping[str, Endpoint],
    baseline: Mapping[str, Histogram],
    slos: Mapping[str, Slo],
    spec: Baseline,
) -> list[Comparison]:
    """Compare every endpoint of the SLO table with its baseline distribution: a regression
    is a significant Mann-Whitney shift with at least one of ``spec.quantiles`` risen past
    the tolerance and the floor."""
    rows: list[Comparison] = []
    for name in slos:
        cur = current.get(name)
        hist = cur.histogram if cur else {}
        base = baseline.get(name, {})
        n1, n2 = sum(hist.values()), sum(base.values())
        p1, p2 = percentile(hist, 0.95), percentile(base, 0.95)
        if n1 < spec.min_samples or n2 < spec.min_samples:
            why = f"not compared: fewer than {spec.min_samples} samples"
            rows.append(Comparison(name, n1, n2, p1, p2, None, why))
            continue
        p = mann_whitney_greater(hist, base)
        shifts = tuple(
            (q, now, then)
            for q in sorted(set(spec.quantiles))
            for now, then in [(percentile(hist, q), percentile(base, q))]
            if now > then * (1 + spec.p95_tolerance) and now - then > spec.min_shift_ms
        )
        verdict = "regression" if shifts and p < spec.alpha else "ok"
        rows.append(Comparison(name, n1, n2, p1, p2, p, verdict, shifts))
    return rows


def regression_findings(rows: Sequence[Comparison], spec: Baseline) -> list[str]:
    """One finding per endpoint whose latency regressed against the baseline, naming each
    quantile that rose."""
    return [
        f"{r.endpoint}: "
        + ", ".join(
            f"{_quantile(q)} {now:.0f} ms vs baseline {then:.0f} ms (+{_pct(now, then)})"
            for q, now, then in r.shifts
        )
        + f" (tolerance {100 * spec.p95_tolerance:g}%), "
        f"Mann-Whitney p={r.p_value:.2g} < {spec.alpha:g} (n={r.n_current} vs {r.n_baseline})"
        for r in rows
        if r.verdict == "regression"
    ]


def _quantile(q: float) -> str:
    return f"p{100 * q:g}"


def _pct(a: float, b: float) -> str:
    return f"{100 * (a - b) / b:.0f}%" if b > 0 else f"{a - b:.0f} ms"


def table(rows: Sequence[Comparison]) -> str:
    """The comparison as a plain-text table (evidence)."""
    head = ("endpoint", "n", "n base", "p95 ms", "base p95 ms", "p (MWU)", "verdict")
    lines = [
        (
            r.endpoint,
            str(r.n_current),
            str(r.n_baseline),
            f"{r.p95_current:.0f}",
            f"{r.p95_baseline:.0f}",
            "-" if r.p_value is None else f"{r.p_value:.2g}",
            r.verdict
            + (f" ({', '.join(_quantile(q) for q, _, _ in r.shifts)})" if r.shifts else ""),
        )
        for r in rows
    ]
    widths = [max(len(row[i]) for row in [head, *lines]) for i in range(len(head))]
    return "\n".join(
        "  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip()
        for row in [head, *lines]
    )


def fair_share_findings(served: Mapping[str, float], spec: Headroom) -> list[str]:
    """Each node's share of the requests the load sent must be 1/N within the tolerance."""
    total = sum(served.values())
    if not served:
        return ["no app node to share the load"]
    if total <= 0:
        return [f"no app node counted a request of the load ({', '.join(served)})"]
    fair = 1 / len(served)
    low, high = fair * (1 - spec.fair_share_tolerance), fair * (1 + spec.fair_share_tolerance)
    return [
        f"{node}: served {100 * count / total:.0f}% of {total:.0f} requests of the load, "
        f"fair share {100 * fair:.0f}% (allowed {100 * low:.0f}-{100 * high:.0f}%)"
        for node, count in sorted(served.items(), key=lambda item: (item[1], item[0]))
        if not low <= count / total <= high
    ]


def headroom_findings(nodes: Mapping[str, NodeLoad], spec: Headroom) -> list[str]:
    found: list[str] = []
    for node, load in sorted(nodes.items()):
        if load.error or load.cpu_busy_percent is None or load.memory_available_percent is None:
            found.append(f"{node}: CPU and memory not measured during the load: {load.error}")
            continue
        if load.cpu_busy_percent > spec.max_cpu_percent:
            found.append(
                f"{node}: CPU {load.cpu_busy_percent:.0f}% busy during the load > "
                f"{spec.max_cpu_percent:g}% ({load.samples} samples)"
            )
        if load.memory_available_percent < spec.min_memory_available_percent:
            found.append(
                f"{node}: memory available fell to {load.memory_available_percent:.0f}% < "
                f"{spec.min_memory_available_percent:g}% ({load.samples} samples)"
            )
    return found


def trigger_findings(
    profile: str | None, slos: Mapping[str, Slo], measured: Mapping[str, Endpoint]
) -> list[str]:
    """The rollback trigger's SLO is defined (a profile with a table) and measurable: every
    endpoint of it has samples in a run of the journey."""
    if profile is None:
        return ["no profile is named as the rollback trigger"]
    return [
        f"rollback trigger {profile}: {name} has no samples in the load run: its SLO is "
        "not measurable"
        for name in slos
        if measured.get(name) is None or measured[name].requests == 0
    ]
