"""The performance judge: facts in, findings out (no load, no network)."""

from __future__ import annotations

import itertools
import json
import random
from pathlib import Path

import pytest

from golive.judge import performance as judge
from golive.model.expectations.performance import Baseline, Generator, Headroom, Profile, Slo
from golive.model.facts import performance as perf_facts
from golive.probe import locust
from pytest_golive.fixtures.performance import _parse_proc

SLO = Slo(p95_ms=100, p99_ms=200, max_error_rate=0.01, min_rps=1)
PROFILE = Profile(users=10, spawn_rate=10, duration_s=10, pace=2, slos={"GET /q": SLO})
GEN = Generator(max_cpu_percent=90, max_throttled_percent=20, min_rate_ratio=0.8)
BASE = Baseline(p95_tolerance=1.0, min_shift_ms=250, alpha=0.01, min_samples=20)
HEAD = Headroom(
    max_cpu_percent=80,
    min_memory_available_percent=5,
    request_metric="m",
    request_label="path_group",
    request_values=["quotes"],
    fair_share_tolerance=0.5,
)
DATA = Path(__file__).with_name("data") / "performance"


def facts(**kw: object) -> perf_facts.RunFacts:
    base: dict[str, object] = {
        "returncodes": {"local": 0},
        "timed_out": False,
        "deadline_s": 43,
        "has_summary": True,
        "measured_s": 9.8,
        "max_users": 10,
        "expected_workers": 0,
        "min_workers": None,
        "max_workers": 0,
        "steps": 190,
    }
    base.update(kw)
    return perf_facts.RunFacts(**base)  # type: ignore[arg-type]


def ep(name: str, times: dict[int, int], failures: int = 0) -> perf_facts.Endpoint:
    return perf_facts.Endpoint(name, sum(times.values()), failures, times)


def test_a_complete_run_has_no_finding() -> None:
    assert judge.run_findings(facts(), PROFILE, GEN) == []


@pytest.mark.parametrize(
    ("kw", "says"),
    [
        ({"returncodes": {"local": 2}}, "Locust local exited 2"),
        ({"timed_out": True}, "killed at golive's deadline of 43 s"),
        ({"has_summary": False}, "wrote no summary"),
        ({"measured_s": 4.0}, "requests spanned 4.0 s of the planned 9 s of steady load"),
        ({"max_users": 7}, "reached 7 of 10 planned users"),
        ({"steps": 100}, "100 journey steps of 190 planned"),
        (
            {"expected_workers": 2, "min_workers": 1, "max_workers": 2},
            "inconclusive: a Locust worker was lost mid-run (1 of 2 connected)",
        ),
        ({"expected_workers": 2, "min_workers": None, "max_workers": 1}, "1 of 2 Locust workers"),
    ],
)
def test_a_run_short_of_the_plan_fails_closed(kw: dict[str, object], says: str) -> None:
    found = judge.run_findings(facts(**kw), PROFILE, GEN)
    assert any(says in f for f in found), found


def test_saturation_from_cgroup_cpu_throttling_or_locust_warnings() -> None:
    assert judge.saturation_findings(facts(cpu_percent=30, throttled_percent=0), GEN) == []
    hot = judge.saturation_findings(facts(cpu_percent=97, cpu_detail="the 2 cores"), GEN)
    assert hot[0].startswith("inconclusive: load generator saturated (CPU 97% of the 2 cores")
    throttled = judge.saturation_findings(facts(cpu_percent=60, throttled_percent=64), GEN)
    assert "saturated (CPU 60%" in throttled[0]
    waited = judge.saturation_findings(facts(cpu_percent=20, cpu_wait_percent=60), GEN)
    assert "it waited for a CPU 60% of the time, limit 25%" in waited[0]
    warned = judge.saturation_findings(facts(cpu_warnings=("worker 2: 96%",)), GEN)
    assert warned == [
        "inconclusive: load generator saturated (CPU worker 2: 96%: Locust's cpu_warning)"
    ]


def test_slo_findings_one_per_endpoint_and_metric_with_value_slo_and_samples() -> None:
    slow = ep("GET /q", {50: 80, 150: 15, 300: 5}, failures=3)
    found = judge.slo_findings({"GET /q": slow}, {"GET /q": SLO}, seconds=10)
    assert found == [
        "GET /q: p95 300 ms > SLO 100 ms (n=100)",  # as Locust: 5 of 100 at 300 ms
        "GET /q: p99 300 ms > SLO 200 ms (n=100)",
        "GET /q: error rate 3.00% (3 failed) > SLO 1% (n=100)",
    ]
    assert judge.slo_findings({"GET /q": slow}, {"GET /q": SLO}, seconds=200)[-1] == (
        "GET /q: 0.5 rps < SLO 1 rps (n=100)"
    )


def test_an_endpoint_without_samples_is_a_finding_never_a_pass() -> None:
    for endpoints in ({}, {"GET /q": ep("GET /q", {})}):
        found = judge.slo_findings(endpoints, {"GET /q": SLO}, seconds=10)
        assert found == ["GET /q: no samples (0 requests): the SLO cannot be judged"]


def test_a_short_run_names_the_server_when_the_users_waited_for_answers() -> None:
    """Issue 22: a slow endpoint was reported as "the generator did not apply the planned
    load" while the generator's CPU peaked at 24%."""
    slow = {
        "GET /q": ep("GET /q", {40: 500}),
        "POST /o": ep("POST /o", {2500: 150}),
    }
    run = facts(steps=60, endpoints=slow, cpu_percent=12, cpu_peak_percent=24, cpu_detail="2 cores")
    found = judge.run_findings(run, PROFILE, GEN)
    assert len(found) == 1, found
    assert found[0].startswith("load run: 60 journey steps of 190 planned (32%, at least 80%")
    assert (
        "the server was the limit, not the generator: the 10 users waited for answers "
        in (found[0])
    )
    assert "(limit 50%; POST /o p95 2500 ms, GET /q p95 40 ms)" in found[0]
    assert "its busiest Locust process peaked at 24%" in found[0]
    assert "a step planned every 500 ms" in found[0]
    assert judge.server_limited(run, GEN)  # its latencies are the system's: judged
    assert not judge.server_limited(facts(steps=60, endpoints=slow, cpu_percent=97), GEN)


def test_a_short_run_names_the_generator_when_its_cpu_was_over_its_limit() -> None:
    slow = {"GET /q": ep("GET /q", {900: 190})}
    run = facts(steps=60, endpoints=slow, cpu_percent=97, cpu_detail="the 2 cores")
    found = judge.run_findings(run, PROFILE, GEN)
    assert (
        "the generator was the limit, not the server: the generator's CPU: 97% of the 2"
        in (found[0])
    )
    assert "the 10 users waited for answers" in found[0]  # both sides' figures


def test_a_short_run_with_neither_limit_says_so_with_both_figures() -> None:
    quick = {"GET /q": ep("GET /q", {20: 60})}
    found = judge.run_findings(facts(steps=60, endpoints=quick, cpu_percent=5), PROFILE, GEN)
    assert "neither the generator nor the server was shown to be the limit" in found[0]
    assert "waited for answers 1% of their time" in found[0]
    nothing = judge.run_findings(facts(steps=60), PROFILE, GEN)[0]
    assert "generator's CPU: not measured" in nothing and "no samples" in nothing


def test_an_error_rate_says_why_the_requests_failed() -> None:
    bad = ep("GET /o", {30: 100}, failures=100)
    errors = {"GET /o": [("HTTP 200 with an error body: 'unavailable'", 100)]}
    found = judge.slo_findings({"GET /o": bad}, {"GET /o": SLO}, 10, errors)
    assert found == [
        "GET /o: error rate 100.00% (100 failed) > SLO 1% (n=100): "
        "HTTP 200 with an error body: 'unavailable' (100)"
    ]


def test_every_endpoint_requested_has_an_slo_or_is_waived() -> None:
    q, h = ep("GET /q", {30: 100}), ep("GET /health", {5: 10})
    found = judge.slo_findings({"GET /q": q, "GET /health": h}, {"GET /q": SLO}, 10)
    assert found == [
        "GET /health: requested 10 times by the journey, but it has no SLO and is not waived "
        "(performance.profiles: slos or waived)"
    ]
    waived = {"GET /health": "a probe of the load balancer, not the user's"}
    assert (
        judge.slo_findings({"GET /q": q, "GET /health": h}, {"GET /q": SLO}, 10, {}, waived) == []
    )


@pytest.mark.parametrize(
    ("waived", "says"),
    [
        ({"GET /q": "duplicate"}, "waived endpoints also have an SLO: GET /q"),
        ({"GET /h": " "}, "waived endpoints need a reason: GET /h"),
    ],
)
def test_a_waiver_is_for_an_endpoint_without_slo_and_gives_a_reason(
    waived: dict[str, str], says: str
) -> None:
    with pytest.raises(ValueError, match=says):
        Profile(users=10, spawn_rate=10, duration_s=10, slos={"GET /q": SLO}, waived=waived)


def test_mann_whitney_separates_a_shift_from_noise() -> None:
    rng = random.Random(7)
    a = _hist(rng.gauss(50, 10) for _ in range(300))
    b = _hist(rng.gauss(50, 10) for _ in range(300))
    slow = _hist(rng.gauss(450, 10) for _ in range(300))
    assert judge.mann_whitney_greater(b, a) > 0.01
    assert judge.mann_whitney_greater(slow, a) < 1e-10
    assert judge.mann_whitney_greater(a, slow) > 0.99
    assert judge.mann_whitney_greater({}, a) == 1.0


def test_a_regression_needs_tolerance_shift_and_significance() -> None:
    base = {"GET /q": {40: 50, 60: 50}}
    slow = {"GET /q": ep("GET /q", {40: 25, 60: 25, 460: 50})}
    rows = judge.compare(slow, base, {"GET /q": SLO}, BASE)
    assert rows[0].verdict == "regression"
    finding = judge.regression_findings(rows, BASE)[0]
    assert finding.startswith("GET /q: p95 460 ms vs baseline 60 ms (+667%) (tolerance 100%)")
    same = {"GET /q": ep("GET /q", {40: 48, 60: 52})}
    assert judge.compare(same, base, {"GET /q": SLO}, BASE)[0].verdict == "ok"
    few = {"GET /q": ep("GET /q", {460: 5})}
    assert judge.compare(few, base, {"GET /q": SLO}, BASE)[0].verdict.startswith("not compared")
    assert "verdict" in judge.table(rows).splitlines()[0]


def _recorded_orders(index: int) -> dict[int, int]:
    run = json.loads(sorted(DATA.glob("aa-*.json"))[index].read_text())
    return {int(k): v for k, v in run["endpoints"]["POST /api/orders"].items()}


def _expand(histogram: dict[int, int]) -> list[int]:
    return [ms for ms, n in histogram.items() for _ in range(n)]


def test_a_slowdown_of_one_node_is_seen_past_a_noisy_baseline_tail() -> None:
    """slow_release as CI saw it: app2 400 ms slower on half of the orders, against a
    baseline whose p95 a cold JIT had lifted to 300 ms. p95 alone misses it (the p95
    rose by less than the 100% tolerance); p75 sees all of it."""
    rng = random.Random(3)
    base: dict[int, int] = {}
    for rank, ms in enumerate(sorted(_expand(_recorded_orders(0)))):
        key = 300 if rank >= 0.92 * sum(_recorded_orders(0).values()) else ms
        base[key] = base.get(key, 0) + 1  # its slowest 8% at 300 ms: p95 300, p75 ~23
    slow: dict[int, int] = {}
    for ms, n in _recorded_orders(1).items():
        for _ in range(n):
            key = perf_facts.bucket_ms(ms + 400) if rng.random() < 0.5 else ms
            slow[key] = slow.get(key, 0) + 1
    current = {"POST /api/orders": ep("POST /api/orders", slow)}
    slos = {"POST /api/orders": SLO}
    p95_only = judge.compare(current, {"POST /api/orders": base}, slos, BASE)
    assert p95_only[0].verdict == "ok", judge.table(p95_only)
    both = Baseline(**{**BASE.model_dump(), "quantiles": [0.75, 0.95]})
    rows = judge.compare(current, {"POST /api/orders": base}, slos, both)
    assert rows[0].verdict == "regression", judge.table(rows)
    assert judge.regression_findings(rows, both)[0].startswith("POST /api/orders: p75 ")
    assert "regression (p75)" in judge.table(rows)


def test_quantiles_are_fractions() -> None:
    for bad in ([], [0.0], [1.0], [float("nan")], [95]):
        with pytest.raises(ValueError):
            Baseline(**{**BASE.model_dump(), "quantiles": bad})


def test_recorded_healthy_runs_pass_the_a_a_test_ten_times_out_of_ten() -> None:
    """Eleven consecutive healthy `quick` runs of the sandbox, recorded (their per-endpoint
    histograms, tests/unit/data/performance/aa-*.json): each compared with the one before
    it, as a run compares with its stored baseline, finds no regression, 10 out of 10, with
    the comparison recorded and with the sandbox's own (p75 and p95)."""
    runs = [json.loads(p.read_text()) for p in sorted(DATA.glob("aa-*.json"))]
    assert len(runs) >= 11, "the recorded A/A runs are missing"
    recorded = Baseline(**runs[0]["baseline"])
    for spec in (recorded, Baseline(**{**recorded.model_dump(), "quantiles": [0.75, 0.95]})):
        _a_a(runs, spec)


def _a_a(runs: list[dict], spec: Baseline) -> None:
    slos = {name: SLO for name in runs[0]["endpoints"]}
    for before, after in itertools.pairwise(runs):
        current = {
            n: ep(n, {int(k): v for k, v in h.items()}) for n, h in after["endpoints"].items()
        }
        base = {n: {int(k): v for k, v in h.items()} for n, h in before["endpoints"].items()}
        rows = judge.compare(current, base, slos, spec)
        assert judge.regression_findings(rows, spec) == [], judge.table(rows)


def test_fair_share_and_headroom() -> None:
    assert judge.fair_share_findings({"app1": 100, "app2": 90}, HEAD) == []
    assert judge.fair_share_findings({"app1": 190, "app2": 0}, HEAD) == [
        "app2: served 0% of 190 requests of the load, fair share 50% (allowed 25-75%)",
        "app1: served 100% of 190 requests of the load, fair share 50% (allowed 25-75%)",
    ]
    assert judge.fair_share_findings({"app1": 0, "app2": 0}, HEAD) == [
        "no app node counted a request of the load (app1, app2)"
    ]
    nodes = {
        "app1": perf_facts.NodeLoad(85, 50, 6),
        "app2": perf_facts.NodeLoad(None, None, 0, "ssh: timeout"),
    }
    assert judge.headroom_findings(nodes, HEAD) == [
        "app1: CPU 85% busy during the load > 80% (6 samples)",
        "app2: CPU and memory not measured during the load: ssh: timeout",
    ]


def test_rollback_trigger_needs_samples_of_every_endpoint() -> None:
    measured = {"GET /q": ep("GET /q", {10: 5})}
    assert judge.trigger_findings("sandbox", {"GET /q": SLO}, measured) == []
    assert judge.trigger_findings("sandbox", {"GET /x": SLO}, measured) == [
        "rollback trigger sandbox: GET /x has no samples in the load run: its SLO is not measurable"
    ]


def _hist(values: object) -> dict[int, int]:
    out: dict[int, int] = {}
    for v in values:  # type: ignore[attr-defined]
        out[max(1, round(v))] = out.get(max(1, round(v)), 0) + 1
    return out


def _spec(tmp_path: Path, workers: int = 0, remote: int = 0) -> locust.LoadSpec:
    return locust.LoadSpec(
        profile_name="quick",
        profile=PROFILE.model_copy(update={"remote_workers": remote}),
        generator=GEN,
        url="https://trading.sandbox.test",
        resolve={"trading.sandbox.test": "127.10.0.1"},
        source="127.10.0.200",
        ca_bundle="/ca.crt",
        account={"username": "u", "password": "p", "totp": ""},
        order={},
        symbols=["ACME"],
        timeout=10,
        workdir=tmp_path,
        workers=workers,
    )


def test_every_locust_run_is_bounded_in_users_time_and_workers(tmp_path: Path) -> None:
    local = locust.commands(_spec(tmp_path))["local"]
    for flag, value in (("-u", "10"), ("--run-time", "10s"), ("--stop-timeout", "5")):
        assert local[local.index(flag) + 1] == value
    assert "--headless" in local and "--reset-stats" in local
    assert local[local.index("--host") + 1] == "https://trading.sandbox.test"
    master = locust.commands(_spec(tmp_path, workers=2, remote=1))["master"]
    assert master[master.index("--expect-workers") + 1] == "3"
    assert master[master.index("--expect-workers-max-wait") + 1] == "20"
    assert master[master.index("--master-bind-host") + 1] == "127.0.0.1"
    # golive's own deadline: the profile, the wait for workers, the stop timeout and grace
    assert locust.deadline_s(_spec(tmp_path, workers=2)) == 10 + 20 + 5 + 30


@pytest.mark.parametrize("v2", [True, False])
def test_generator_cgroup_quota_usage_and_throttling(tmp_path: Path, v2: bool) -> None:
    if v2:
        (tmp_path / "cgroup.controllers").write_text("cpuset cpu io memory\n")
        group = tmp_path / "gen"
        group.mkdir()
        (group / "cpu.max").write_text("20000 100000\n")
        (group / "cpu.stat").write_text("usage_usec 1500000\nnr_periods 10\nnr_throttled 7\n")
    else:
        group = tmp_path / "cpu" / "gen"
        group.mkdir(parents=True)
        (tmp_path / "cpuacct" / "gen").mkdir(parents=True)
        (group / "cpu.cfs_quota_us").write_text("20000\n")
        (group / "cpu.cfs_period_us").write_text("100000\n")
        (group / "cpu.stat").write_text("nr_periods 10\nnr_throttled 7\n")
        (tmp_path / "cpuacct" / "gen" / "cpuacct.usage").write_text("1500000000\n")
    cg = locust.Cgroup("gen", root=tmp_path)
    assert cg.v2 is v2
    assert cg.quota_cores() == pytest.approx(0.2)
    assert cg.usage_s() == pytest.approx(1.5)
    assert cg.throttled() == (10, 7)
    cpu = locust.GeneratorCpu(1.5, 10.0, 0.2, 2, 10, 7)
    assert cpu.percent == pytest.approx(75.0)


def test_node_cpu_from_proc_of_the_host_or_of_its_processes() -> None:
    text = (
        "cpu  100 0 50 800 50 0 0 0 0 0\n"
        "MemTotal: 1000 kB\nMemAvailable: 250 kB\n"
        "pid 42 (java) S 1 2 3 4 5 6 7 8 9 10 30 20 0 0\n"
    )
    assert _parse_proc(text, processes=False) == (150.0, 1000.0, 25.0)
    assert _parse_proc(text, processes=True) == (50.0, 1000.0, 25.0)
    with pytest.raises(RuntimeError, match="none of the node's processes"):
        _parse_proc(text.split("pid")[0], processes=True)
