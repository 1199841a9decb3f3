"""golive watch's analysis: Argo-Rollouts limits with the holes closed (no data, NaN and
errors are never a pass; too many inconclusive is NO-GO; nothing measured is INCONCLUSIVE)."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import ValidationError

from conftest import EXPECTATIONS, Golive
from golive.cli import main
from golive.judge import watch as w
from golive.model import promql
from golive.model.environment import inspect_environment
from golive.model.expectations.monitoring import Watch, WatchMetric, WatchSource


def metric(**kw: object) -> WatchMetric:
    base: dict[str, object] = {"query": "q", "max": 0.01, "trigger": "performance"}
    return WatchMetric.model_validate({**base, **kw})


def run(spec: WatchMetric, *values: float | str | None) -> w.MetricRun:
    r = w.MetricRun("error_rate", spec)
    for i, v in enumerate(values):
        if isinstance(v, str):
            r.measurements.append(w.at(w.judge(spec, None, v), i))
        else:
            r.measurements.append(w.at(w.judge(spec, v, "" if v is not None else "no data"), i))
    return r


def test_no_data_and_nan_are_inconclusive_never_success() -> None:
    spec = metric()
    assert w.judge(spec, None, "no data").outcome == "inconclusive"
    assert w.judge(spec, None, "error: refused").outcome == "error"
    assert run(spec, None, None).verdict == "INCONCLUSIVE"


def test_failure_over_limit_is_no_go_with_the_trigger() -> None:
    r = run(metric(failure_limit=1), 0.0, 0.5, 0.3)
    assert r.verdict == "NO-GO"
    assert "2 of 3 measurements failed (failure_limit 1)" in r.reason()
    result = w.WatchResult({"error_rate": r}, 2, 20, "t", previous_release="1.4.0")
    assert result.verdict == "NO-GO"
    assert "recommend rollback to 1.4.0" in result.summary()
    assert "Performance Issues: error_rate" in result.summary()


def test_too_many_inconclusive_is_no_go() -> None:
    r = run(metric(inconclusive_limit=2), 0.0, None, None, None)
    assert r.verdict == "NO-GO"
    assert "3 of 4 measurements inconclusive" in r.reason()


def test_errors_in_a_row() -> None:
    spec = metric(consecutive_error_limit=2, inconclusive_limit=10)
    assert run(spec, 0.0, "error: x", "error: x", 0.0, "error: x").verdict == "GO"
    assert run(spec, 0.0, "error: x", "error: x", "error: x").verdict == "NO-GO"


def test_within_limits_is_go() -> None:
    r = run(metric(), 0.0, 0.005, None)
    assert r.verdict == "GO"
    assert r.reason() == "2 of 3 measurements succeeded, 1 inconclusive (within the limit)"


def test_min_threshold_alerts_and_smoke() -> None:
    assert w.judge(metric(max=None, min=1.0), 0.5).outcome == "failure"
    alerts = WatchMetric(kind="alerts", trigger="critical")
    assert w.judge(alerts, 0.0).outcome == "success"
    assert w.judge(alerts, 1.0, "firing: InstanceDown").outcome == "failure"
    smoke = WatchMetric(kind="smoke", trigger="critical")
    assert w.judge(smoke, 0.0, "order failed").outcome == "failure"


def test_watch_section_validates_thresholds() -> None:
    import pytest
    from pydantic import ValidationError

    with pytest.raises(ValidationError):
        WatchMetric(query="q", trigger="performance")  # neither max nor min
    assert Watch(metrics={"m": metric()}).metrics["m"].failure_limit == 0


def test_a_range_window_shorter_than_the_interval_is_a_blind_spot() -> None:
    rate = metric(query='sum(rate(x{a=~"5.."}[20s])) / sum(rate(x[5m]))')
    assert promql.blind_spot(rate, 2) is None
    assert promql.blind_spot(rate, 20) is None
    assert promql.blind_spot(rate, 60) == (
        "its query's shortest range window (20 s) is shorter than the watch's interval "
        "(60 s): what happens between two measurements is never seen"
    )
    assert promql.blind_spot(metric(query="max_over_time(x[1m:10s])"), 60) is None
    assert promql.blind_spot(metric(query="up"), 3600) is None  # no window: not judged here
    assert "not a duration" in str(promql.blind_spot(metric(query="rate(x[5q])"), 1))
    alerts = WatchMetric.model_validate({"kind": "alerts", "trigger": "critical"})
    assert promql.blind_spot(alerts, 3600) is None


def test_smoke_requests_are_samples_of_an_error_rate() -> None:
    """Issue 23 item 14: with only the watch's own traffic, Prometheus's window may show no
    5xx while the smoke probe's own request got one: that request is a sample too."""
    spec = metric(smoke_samples=True)
    quiet = w.judge(spec, 0.0)  # Prometheus: no 5xx in its window
    seen = w.with_smoke_samples(spec, quiet, requests=3, errors=1)
    assert seen.outcome == "failure" and seen.value == 1 / 3
    assert "the smoke probe's own requests: 1 of 3 answered 5xx or not at all" in seen.detail
    assert w.with_smoke_samples(spec, quiet, requests=3, errors=0) == quiet
    assert w.with_smoke_samples(metric(), quiet, requests=3, errors=1) == quiet  # not asked
    line = w.traffic_line({"order_error_rate": spec, "smoke": metric(kind="smoke",
                          query=None, max=None)}, 2)  # fmt: skip
    assert "the environment's own traffic as Prometheus counts it" in line
    assert "one synthetic order per 2 s (smoke), counted as samples of order_error_rate" in line
    assert w.own_traffic_line(40, 0) == (
        "watch: its own traffic: 40 requests, 0 answered 5xx or not at all; with no other "
        "traffic, an error rate under 1/40 (2.5%) could go unseen"
    )


def test_smoke_samples_only_for_an_error_rate() -> None:
    import pytest
    from pydantic import ValidationError

    with pytest.raises(ValidationError, match="smoke_samples: only an error rate"):
        metric(smoke_samples=True, max=None, min=1.0)


def test_watcher_counts_the_smoke_probe_in_the_error_rate() -> None:
    """The watch itself (suites/watch/watching.py, the probe's Watcher measuring the smoke
    order): the smoke probe runs first in each interval, and the error rate of that interval
    takes its requests."""
    from golive.probe.watch import SmokeTally, Watcher
    from pytest_golive.suites.watch.watching import watch

    spec = Watch.model_validate(
        {
            "metrics": {
                "order_error_rate": {"query": "q", "max": 0.01, "trigger": "performance",
                                     "smoke_samples": True},
                "smoke": {"kind": "smoke", "trigger": "critical", "failure_limit": 1},
            }
        }
    )  # fmt: skip
    tally = SmokeTally()
    calls = iter([0, 1, 0])  # the second interval's order gets one 500 of 3 requests

    def smoke() -> str | None:
        errors = next(calls)
        tally.requests += 3
        tally.errors += errors
        return "placing the order answered 500" if errors else None

    watcher = Watcher.__new__(Watcher)
    watcher.smoke = smoke

    def measure(m: WatchMetric) -> w.Measurement:
        return w.judge(m, 0.0) if m.kind == "promql" else w.judge(m, *watcher.sample(m))

    clock = iter(range(100))
    result = watch(spec, "1", lambda name, m: "", measure, tally, 3, 1, lambda line: None,
                   lambda: float(next(clock)), lambda s: None)  # fmt: skip
    rate = result.metrics["order_error_rate"]
    assert rate.verdict == "NO-GO", rate.reason()
    assert "1 of 3 answered 5xx or not at all" in rate.reason()
    assert result.metrics["smoke"].verdict == "GO"  # one failed order is within its limit


# --- issue 22: blind spots. Known from the configuration: refused before the watch polls;
# known only from the live estate (a host unseen, no rule to fire): NO-GO at the first poll.

BLIND_WATCH: dict[str, dict[str, dict[str, Any]]] = {
    "metrics": {
        "order_error_rate": {"query": "sum(rate(x[20s]))", "max": 0.01, "trigger": "performance"},
        "alerts": {"kind": "alerts", "trigger": "critical"},
    }
}


def test_a_window_shorter_than_every_stops_golive_watch_before_it_polls(
    golive: Golive, capsys: pytest.CaptureFixture[str]
) -> None:
    golive.write("expectations.yml", {**EXPECTATIONS, "watch": BLIND_WATCH})
    code = main(["watch", "--env", "fake", "--for", "2m", "--every", "60s", "--reports",
                 str(golive.reports)])  # fmt: skip
    out = capsys.readouterr()
    assert code == 4
    assert out.out == ""  # nothing ran: not even the watch's first line
    assert out.err.splitlines() == [
        f"golive: {golive.env}/expectations.yml: watch.metrics.order_error_rate.query: its "
        "query's shortest range window (20 s) is shorter than the watch's interval (60 s): "
        "what happens between two measurements is never seen (--every 60 s); use a shorter "
        "--every or a longer window"
    ]
    assert not (golive.reports / "verdict.json").exists()
    # an interval the window covers is no blind spot (the watch would start)
    spec = Watch.model_validate(BLIND_WATCH)
    assert promql.interval_blind_spots(spec, 20, golive.env / "expectations.yml") == []


def test_pytest_refuses_the_same_blind_watch_at_configure(golive: Golive) -> None:
    """The watch's own pytest (run by golive watch, or by hand): exit 4, one line, no check."""
    golive.write("expectations.yml", {**EXPECTATIONS, "watch": BLIND_WATCH})
    result = golive.run("def test_x():\n    pass\n", "--golive-watch-for=120",
                        "--golive-watch-every=60")  # fmt: skip
    assert result.ret == 4
    errors = [line for line in result.errlines if line.strip()]
    assert errors == [
        f"ERROR: golive: {golive.env}/expectations.yml: watch.metrics.order_error_rate.query: "
        "its query's shortest range window (20 s) is shorter than the watch's interval (60 s): "
        "what happens between two measurements is never seen (--every 60 s); use a shorter "
        "--every or a longer window"
    ]
    assert "passed" not in result.stdout.str()


def test_a_host_whose_series_prometheus_lacks_is_named() -> None:
    source = WatchSource(role="app", series="requests_total")
    hosts = {"app1": "10.0.0.11", "app2": "10.0.0.12"}
    both = ["10.0.0.11:8080", "10.0.0.12:8080"]
    assert w.unseen_hosts("rate", source, hosts, both, "mon1") is None
    assert w.unseen_hosts("rate", source, hosts, ["app1", "app2:9100"], "mon1") is None
    assert w.unseen_hosts("rate", source, hosts, ["[::1]:80", "10.0.0.11", "app2"], "m") is None
    said = w.unseen_hosts("rate", source, hosts, ["10.0.0.11:8080", "10.0.0.120:8080"], "mon1")
    assert said == (
        "app2: Prometheus (mon1) holds no requests_total series from it (no instance label "
        "names app2 or 10.0.0.12): what app2 serves is not in rate"
    )
    assert "app1:" in str(w.unseen_hosts("rate", source, hosts, [], "mon1"))
    assert "no host has role app" in str(w.unseen_hosts("rate", source, {}, both, "mon1"))


def test_an_alerts_metric_no_loaded_rule_can_fire_is_blind() -> None:
    rules = [
        {"type": "alerting", "name": "DiskSpaceLow", "labels": {"severity": "warning"}},
        {"type": "recording", "name": "job:rate", "labels": {"severity": "critical"}},
    ]
    said = w.alerts_blind(rules, ["critical"], "mon1")
    assert said == (
        "mon1: Prometheus has no alerting rule of severity critical loaded (1 alerting rule(s) "
        "in all): none can fire, so none firing proves nothing"
    )
    assert w.alerts_blind(rules, ["critical", "warning"], "mon1") is None
    assert "(0 alerting rule(s)" in str(w.alerts_blind([], ["critical"], "mon1"))


def test_hosts_only_for_promql_and_the_role_must_be_declared(golive: Golive) -> None:
    with pytest.raises(ValidationError, match="hosts: only a promql metric"):
        WatchMetric.model_validate(
            {"kind": "alerts", "trigger": "critical", "hosts": {"role": "app", "series": "x"}}
        )
    with pytest.raises(ValidationError, match=r"hosts\.series: a series the query reads; x_total"):
        metric(query="sum(rate(x_total_2[1m]))", hosts={"role": "app", "series": "x_total"})
    assert metric(query="sum(rate(x_total{a='b'}[1m]))", hosts={"role": "a", "series": "x_total"})
    watch = {"metrics": {"m": {**BLIND_WATCH["metrics"]["order_error_rate"],
                               "hosts": {"role": "ap", "series": "x"}}}}  # fmt: skip
    golive.write("expectations.yml", {**EXPECTATIONS, "watch": watch})
    _, found = inspect_environment("fake", directory=golive.env.parent, secrets=False)
    assert [str(e) for e in found] == [
        f"{golive.env}/expectations.yml: watch: roles declared in `roles:` (app, db); 'ap' is not"
    ]


def _watcher(spec: Watch, unseen: list[str]) -> Any:
    """The watch (suites/watch/watching.py) whose metrics see ``unseen`` in turn (what the
    metric cannot see at each poll) and measure 0.0 at every query: ``.run(duration, every,
    say, clock, sleep)``."""
    from types import SimpleNamespace

    from golive.probe.watch import SmokeTally
    from pytest_golive.suites.watch.watching import watch

    answers = iter(unseen)

    def run(*args: Any) -> w.WatchResult:
        return watch(spec, "1", lambda name, metric: next(answers),
                     lambda metric: w.judge(metric, 0.0), SmokeTally(), *args)  # fmt: skip

    return SimpleNamespace(run=run)


def test_blind_at_the_first_poll_is_no_go_at_once_even_before_the_initial_delay() -> None:
    spec = Watch.model_validate(
        {"metrics": {"rate": {"query": "q", "max": 0.01, "trigger": "performance",
                              "initial_delay_s": 30}}}
    )  # fmt: skip
    clock = iter(range(100))
    result = _watcher(spec, ["app2: no series"] * 5).run(
        60, 1, lambda line: None, lambda: float(next(clock)), lambda s: None
    )
    rate = result.metrics["rate"]
    assert rate.verdict == "NO-GO"
    assert rate.reason() == "blind from the first poll: app2: no series"
    assert len(rate.measurements) == 1 and result.stopped_early  # stopped at the first poll
    assert "Performance Issues: rate: blind from the first poll: app2" in result.summary()


def test_unseen_later_is_inconclusive_and_an_error_is_an_error() -> None:
    spec = Watch.model_validate(
        {"metrics": {"rate": {"query": "q", "max": 0.01, "trigger": "performance"}}}
    )
    clock = iter(range(100))
    result = _watcher(spec, ["", "app2: no series", "error: refused", ""]).run(
        3, 1, lambda line: None, lambda: float(next(clock)), lambda s: None
    )
    rate = result.metrics["rate"]
    assert [m.outcome for m in rate.measurements] == [
        "success", "inconclusive", "error", "success"
    ]  # fmt: skip
    assert rate.measurements[1].detail == "app2: no series"
    assert rate.verdict == "GO"  # within its inconclusive_limit (2)
