"""The watch's own fixture (``golive watch``): the watch itself, run once per session. It
lives with the watch's checks, not in the fixtures: it judges each measurement as it goes
(the loop stops early when a metric's limits are exceeded), and fixtures only gather facts
(docs/architecture.md#layers). Its options and the refusal of a blind watch stay in
``fixtures/monitoring.py``, loaded at start-up."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import requests

from golive.judge import watch as watch_judge
from golive.model.environment import Environment
from golive.model.expectations.monitoring import Watch, WatchMetric
from golive.model.expectations.smoke import SmokeOrder
from golive.probe import observe
from golive.probe.watch import Smoke, SmokeTally, Watcher
from golive.report.files import WriteError, write_atomic, writing
from pytest_golive.fixtures.http import Api
from pytest_golive.live import Live
from pytest_golive.plugins.keys import PROBLEMS
from pytest_golive.plugins.runlock import reports_dir
from pytest_golive.suites.watch.watching import watch


def _smoke(environment: Environment, client: requests.Session, tally: SmokeTally) -> Smoke:
    """The smoke probe of each interval: the synthetic order placed through the public
    endpoint and read back (it also keeps the order metrics the watch judges fed). Each of its
    requests is counted in ``tally`` (answered 5xx or not at all: an error), a sample of the
    error rates that take them (``smoke_samples``)."""
    api = Api(environment, client)
    order = environment.expectation(SmokeOrder)

    def smoke() -> str | None:
        try:
            token, _, order_id = api.place_synthetic_order(order)
        except AssertionError as exc:
            return str(exc).splitlines()[0]
        except requests.RequestException as exc:
            tally.requests += 1
            tally.errors += 1
            return f"error: {api.base} did not answer ({type(exc).__name__})"
        read = api.request("GET", f"/api/orders/{order_id}", token)
        if read.status_code != 200:
            return f"reading order {order_id} back through {api.base} answered {read.status_code}"
        return None

    return smoke


def _counting(tally: SmokeTally) -> Callable[..., None]:
    """A requests response hook counting each answer in ``tally`` (5xx: an error)."""

    def count(response: requests.Response, *args: Any, **kwargs: Any) -> None:
        tally.requests += 1
        tally.errors += response.status_code >= 500

    return count


@pytest.fixture(scope="session")
def watch_run(
    request: pytest.FixtureRequest, environment: Environment, http_client: requests.Session
) -> watch_judge.WatchResult:
    """The watch itself: every metric measured every interval for the whole duration (or
    until a metric's limits are exceeded), one line per interval on the terminal; the
    series, the verdict and a plot per metric are written under the reports directory."""
    config = request.config
    duration = config.getoption("golive_watch_for")
    every = config.getoption("golive_watch_every")
    if duration is None:
        pytest.fail("the watch checks run through `golive watch` (--golive-watch-for)")
    spec = environment.expectation(Watch)
    out = reports_dir(config) / "watch"
    say = Live(config).line
    say(watch_judge.traffic_line(spec.metrics, every))
    tally = SmokeTally()
    count = _counting(tally)
    http_client.hooks["response"].append(count)
    smoke = _smoke(environment, http_client, tally)
    # hundreds of requests: the measurements are the evidence, not each exchange
    try:
        with observe.quiet(), Watcher(environment, smoke) as w:

            def unseen(name: str, metric: WatchMetric) -> str:
                return watch_judge.unseen(name, metric, w.sight(metric), w.where)

            def measure(metric: WatchMetric) -> watch_judge.Measurement:
                return watch_judge.judge(metric, *w.sample(metric))

            previous = environment.inventory.release.previous
            result = watch(spec, previous, unseen, measure, tally, duration, every, say)
    finally:
        http_client.hooks["response"].remove(count)
    say(watch_judge.own_traffic_line(tally.requests, tally.errors))
    try:  # what cannot be written is a problem of the run (NO-GO, exit 6), said in one line
        with writing(out):
            out.mkdir(parents=True, exist_ok=True)
        write_atomic(out / "watch.json", json.dumps(result.as_dict(), indent=2) + "\n")
        with writing(out):
            result.plots = {n: _plot(out / f"{n}.png", n, result) for n in result.metrics}
    except WriteError as exc:
        config.stash.setdefault(PROBLEMS, []).append(str(exc))
    return result


def _plot(path: Path, name: str, result: watch_judge.WatchResult) -> Path:
    """A time-series PNG of one metric, with its threshold."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    metric = result.metrics[name]
    fig, ax = plt.subplots(figsize=(7, 3))
    xs = [m.at for m in metric.measurements if m.value is not None]
    ys = [m.value for m in metric.measurements if m.value is not None]
    ax.plot(xs, ys, marker="o", label=name)
    bad = [m.at for m in metric.measurements if m.value is None]
    for x in bad:
        ax.axvline(x, color="grey", linestyle=":", linewidth=1)
    limit = metric.spec.max if metric.spec.max is not None else metric.spec.min
    if limit is not None:
        kind = "max" if metric.spec.max is not None else "min"
        ax.axhline(limit, color="red", linestyle="--", label=f"{kind} {limit:g}")
    ax.set_xlabel("seconds into the watch (dotted: inconclusive)")
    ax.set_ylabel(metric.spec.unit or name)
    ax.set_title(f"{name}: {metric.verdict}")
    ax.legend(loc="best")
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)
    return path
