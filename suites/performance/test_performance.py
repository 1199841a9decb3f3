"""Deployment Process › Validation and Testing › Performance: the trading journey under the
environment's load profile (Locust, run once per session by the ``load_run`` fixture), judged
against the per-endpoint SLOs, the stored baseline and the app nodes' headroom.

A run that did not apply the planned load, or whose generator was saturated, measured
something other than the system: the run checks fail saying so, and the checks that judge its
latencies are not judged (an error: missing evidence, NO-GO, and no performance finding for
the rollback plan's trigger) rather than pass or fail on them. A run the server held back
(the generator within its limits, the users waiting for answers) did measure the system:
the applied-load check fails naming the server, and its latencies are judged."""

from __future__ import annotations

import pytest

from golive.judge import performance as judge
from golive.model.environment import Environment
from golive.model.expectations.performance import Performance
from golive.model.facts import performance as perf_facts
from golive.probe import locust
from pytest_golive.fixtures.findings import judge as report
from pytest_golive.fixtures.performance import LoadResult, baseline_file

pytestmark = pytest.mark.performance


def test_load_run_applied_planned_load(applied_load: LoadResult) -> None:
    """Claim: the load generator applied the profile's planned load for its whole duration,
    and when it did not, the finding says what limited it, with the figures.

    Covers: every Locust process (local, or master and workers) exiting normally; golive's
    wall-clock deadline not reached; requests spanning the planned steady load (duration
    after ramp-up); every planned user started; every planned worker (golive's and remote
    ones) connected within the bounded wait and none lost mid-run (Locust carries on with
    less load and no rebalancing); the journey steps run against the planned rate (users x
    pace, ramp-up included; ``generator.min_rate_ratio``). A rate short of the plan names
    its cause: the generator (its CPU over ``generator``'s limits, its wait for a CPU or
    Locust's cpu_warning, with the figures), else the server (the users spent at least
    ``generator.server_limit_wait_percent`` of their time waiting for answers: latency and
    queueing, with the slowest endpoints' p95 and the generator's CPU beside it), else
    neither shown, with both sides' figures (fault ``slow_endpoint_limits_load``).

    Does not cover: whether the planned load itself is the right one (the profile is the
    plan's data); a user that stops its journey without a failed request (none of the
    journey's steps can: each runs again at its pace).

    Judged by the ``applied_load`` fixture: a run short of its plan is an error of this
    check (missing evidence, NO-GO), never a performance finding for the rollback trigger.
    """
    assert applied_load.facts.has_summary


def test_load_generator_not_saturated(unsaturated_load: LoadResult) -> None:
    """Claim: the load generator had CPU to spare, so latencies are the system's.

    Covers: Locust's own ``cpu_warning`` (its process over 90%) from the master or local
    runner and from every worker's heartbeat; the generator's CPU over the load as a share
    of what it may use (its control group's quota, else the machine's cores) against
    ``generator.max_cpu_percent``; the share of scheduler periods its group was throttled
    at its quota (``generator.max_throttled_percent``); the share of the load's time any
    Locust process waited for a CPU (``generator.max_cpu_wait_percent``).

    Does not cover: the generator's network (a saturated link shows as server latency; the
    QA vantage point's link is not measured); memory of the generator.

    Judged by the ``unsaturated_load`` fixture: a saturated generator is an error of this
    check ("inconclusive: load generator saturated (CPU N% ...)", NO-GO), never a
    performance finding for the rollback trigger.
    """
    assert unsaturated_load.facts.has_summary


def test_endpoints_meet_slos(conclusive_run: LoadResult, evidence) -> None:
    """Claim: every endpoint the journey requests met its SLO (p95, p99, error rate,
    minimum request rate) under the planned load, with correct answers.

    Covers: each endpoint and metric separately (one line each: endpoint, metric, value,
    SLO, samples); an endpoint without samples (Locust omits it and reports 0 ms) fails;
    latencies and rates describe the steady load (Locust's stats reset once every user
    runs). Every request of the journey checks its answer (load/golive_locust.py
    ``checked``): its status, a JSON content type, no error body, the fields the journey
    needs, the quote of the symbol asked for and the order placed and read back equal to
    the one sent; any other answer is a failure of its endpoint, and an error rate over the
    SLO says why (an error body with HTTP 200: fault ``errors_as_200``; HTTP 500:
    ``error_burst``). An endpoint the journey requests that has no SLO and is not waived
    (``performance.profiles.<profile>.waived``, with a reason) fails.

    Does not cover: answers correct in shape but wrong in value beyond what the journey
    sent (a quote's price: the integration suite's data checks); endpoints the journey
    never requests (the journey is the plan's). Not judged (an error, missing evidence)
    when the run was inconclusive.
    """
    load_run = conclusive_run
    slos = load_run.profile.slos
    evidence.json(
        "slo table",
        {
            name: {
                "slo": slo.model_dump(),
                "requests": ep.requests if ep else 0,
                "failures": ep.failures if ep else 0,
                "p95_ms": ep.p(0.95) if ep else None,
                "p99_ms": ep.p(0.99) if ep else None,
                "errors": list(load_run.facts.errors.get(name, ())),
            }
            for name, slo in slos.items()
            for ep in [load_run.facts.endpoints.get(name)]
        },
    )
    report(
        judge.slo_findings(
            load_run.facts.endpoints,
            slos,
            load_run.facts.measured_s,
            load_run.facts.errors,
            load_run.profile.waived,
        )
    )


def test_no_latency_regression_against_baseline(conclusive_run: LoadResult, evidence) -> None:
    """Claim: no endpoint is slower than in the last GO run of this environment and profile.

    Covers: every endpoint of the SLO table, its response-time distribution against the
    baseline's (one-sided Mann-Whitney U at ``baseline.alpha``) and each of
    ``baseline.quantiles`` beyond ``baseline.p95_tolerance`` and ``baseline.min_shift_ms``,
    so a slowdown that still fits the SLO is caught and noise is not (fault ``slow_release``:
    one node of two slower, seen at p75 even when the baseline's p95 is a cold JIT's). Not
    judged (an error, missing evidence) when the run was inconclusive.

    Does not cover: a profile without a baseline yet (nothing to compare: it passes here,
    and ``test_latency_baseline_exists`` says so, CONDITIONAL); an endpoint with fewer than
    ``baseline.min_samples`` on either side (its row says "not compared"); a slowdown
    recorded into the baseline by an earlier GO run (the baseline is the last GO run's).
    """
    load_run = conclusive_run
    stored = locust.load_baseline(load_run.baseline_file, load_run.spec.baseline.max_file_bytes)
    if stored is None:
        evidence.text(
            "baseline",
            f"no baseline yet at {load_run.baseline_file}: regression not judged "
            "(test_latency_baseline_exists)",
        )
        return
    rows = judge.compare(
        load_run.facts.endpoints, stored["endpoints"], load_run.profile.slos, load_run.spec.baseline
    )
    header = (
        f"baseline {load_run.baseline_file} (release {stored.get('release')}, "
        f"recorded {stored.get('recorded')})\n"
    )
    evidence.text("baseline comparison", header + judge.table(rows))
    report(judge.regression_findings(rows, load_run.spec.baseline))


@pytest.mark.severity("minor")
def test_latency_baseline_exists(
    environment: Environment, pytestconfig: pytest.Config, evidence
) -> None:
    """Claim: this environment and profile have a baseline, so a latency regression is
    judged.

    Covers: no baseline stored yet (the first run of a profile, or a new baseline
    directory), a minor finding: "no baseline yet, regression not judged" (CONDITIONAL),
    never a silent pass and never NO-GO by itself; a baseline too large or unreadable is
    the regression check's error, not this one's. A GO run of the other checks stores it.

    Does not cover: whether the stored baseline is a good one (the last GO run's, whatever
    its release). Needs no load run: it reads the stored file only.
    """
    spec = environment.expectation(Performance)
    path = baseline_file(environment, pytestconfig)
    evidence.text("baseline", f"{path}: {'present' if path.exists() else 'absent'}")
    if not path.exists():
        pytest.fail(
            f"no baseline yet for {environment.inventory.name} / "
            f"{pytestconfig.getoption('load_profile') or spec.profile} ({path}): latency "
            "regression not judged; a GO run of the performance checks stores one",
            pytrace=False,
        )


# also Post-Deployment Monitoring › Performance Tuning: the node exporter's data under load
# is what tuning is decided on, and no node may need it before go-live
@pytest.mark.plan("deploy.validation.performance", "post.monitoring.tuning")
@pytest.mark.roles("app")
def test_app_node_keeps_headroom_under_load(load_run: LoadResult, target, evidence) -> None:
    """Claim: the app node kept CPU and memory headroom while the load ran.

    Covers: the node's busy CPU (from /proc/stat, averaged over the load) against
    ``headroom.max_cpu_percent`` and its lowest available memory (/proc/meminfo, sampled
    every 2 s) against ``headroom.min_memory_available_percent``; a node that could not be
    sampled fails.

    Does not cover: headroom at loads beyond the profile's (the peak profile's run); disk,
    network and connection-pool saturation (they show as latency in the SLO check).
    """
    node = load_run.nodes.get(target.name)
    load = node or perf_facts.NodeLoad(None, None, 0, "not sampled")
    evidence.json(f"{target.name} load", vars(load))
    report(judge.headroom_findings({target.name: load}, load_run.spec.headroom))


def test_app_nodes_take_fair_share(load_run: LoadResult, evidence) -> None:
    """Claim: the load balancer spread the load's requests fairly over every app node.

    Covers: each node's request counter (``headroom.request_metric`` on the node's own
    metrics, the load's routes only) before and after the run; each node's share against
    1/N within ``headroom.fair_share_tolerance``; a node whose counter cannot be read fails
    (fault ``lb_single_node``).

    Does not cover: requests answered by the load balancer itself (a stub or cache in front:
    their answers are judged by the journey's checks, ``errors_as_200``).
    """
    evidence.json("requests served per node", load_run.served)
    if load_run.served_error:
        pytest.fail(f"request counters not read: {load_run.served_error}", pytrace=False)
    report(judge.fair_share_findings(load_run.served, load_run.spec.headroom))


@pytest.mark.plan("rollback.triggers.performance")
def test_rollback_trigger_slo_is_defined_and_measurable(load_run: LoadResult, evidence) -> None:
    """Claim: the SLO whose breach triggers the rollback plan's performance trigger is
    defined and measurable.

    Covers: ``performance.rollback_trigger`` naming a profile with an SLO table (the model
    refuses anything else), and every endpoint of that table measured (samples) by the load
    journey of this run; an endpoint the journey never requests could not trigger anything.

    Does not cover: whether ``golive watch`` reads the same SLOs in production (the watch
    suite's claim).
    """
    spec = load_run.spec
    slos = spec.slos(spec.rollback_trigger)
    evidence.json(
        "rollback trigger",
        {"profile": spec.rollback_trigger, "slos": {k: v.model_dump() for k, v in slos.items()}},
    )
    report(judge.trigger_findings(spec.rollback_trigger, slos, load_run.facts.endpoints))
