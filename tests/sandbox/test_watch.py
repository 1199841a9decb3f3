"""golive watch against the sandbox with faults during the watch: an error burst started
mid-watch is NO-GO with the rollback plan's performance trigger; Prometheus stopped mid-watch
makes the measurements inconclusive, then NO-GO. Short intervals (every 2 s); the watch stops
by itself once a metric's limits are exceeded."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from conftest import BIN, REPO, golive
from golive.model.expectations.monitoring import Monitoring, Watch
from golive.probe.prometheus import Prometheus
from golive.probe.wait import wait_until
from golive.sandbox import lifecycle
from golive.sandbox.context import Sandbox
from golive.sandbox.faults.monitoring import settled

# a load test or a watch: alone on the machine (conftest.ALONE)
pytestmark = pytest.mark.serial

# Orders through the public endpoint beside the watch's own one per interval, so an error
# rate of a few percent on one node shows within the rate's window. Bounded: 400 requests,
# DURATION seconds, 10 a second at most, all to the sandbox's load balancer.
TRAFFIC = """
import sys, time
from golive.model.environment import load_environment
from golive.model.expectations.smoke import SmokeOrder
from golive.probe import http, netns
from pytest_golive.fixtures.http import Api
env = load_environment("sandbox")
netns.enter(env.inventory.probe.netns)
api = Api(env, http.session(env))
order = env.expectation(SmokeOrder)
token = api.token(order.account)
body = {"symbol": order.symbol, "side": order.side, "quantity": order.quantity,
        "limit_price": order.limit_price, "synthetic": True}
start = time.monotonic()
deadline = start + float(sys.argv[1])
with open(sys.argv[2], "w", buffering=1) as log:  # what each order got: the failure's evidence
    for _ in range(400):
        if time.monotonic() > deadline:
            break
        try:
            said = str(api.request("POST", "/api/orders", token, json=body).status_code)
        except Exception as exc:
            said = type(exc).__name__
        log.write(f"{time.monotonic() - start:.1f} {said}\\n")
        time.sleep(0.1)
"""


def watch(reports: Path, duration: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [str(BIN / "golive"), "watch", "--for", duration, "--every", "2s", "--reports",
         str(reports)],
        cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )  # fmt: skip


@contextmanager
def traffic(seconds: float, log: Path) -> Iterator[None]:
    proc = subprocess.Popen([sys.executable, "-c", TRAFFIC, str(seconds), str(log)], cwd=REPO)
    try:
        yield
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def answers(log: Path) -> str:
    """The traffic's answers, counted per 5 s of its run, and app1's configuration reloads:
    what a failure says about the orders the watch was given (a flake's first clue)."""
    counts: dict[tuple[int, str], int] = {}
    for line in log.read_text().splitlines() if log.exists() else []:
        at, said = line.split(" ", 1)
        key = (int(float(at)) // 5 * 5, said)
        counts[key] = counts.get(key, 0) + 1
    spans = sorted({at for at, _ in counts})
    lines = [
        f"  {at:>3}-{at + 5} s: "
        + ", ".join(f"{said} x{n}" for (t, said), n in sorted(counts.items()) if t == at)
        for at in spans
    ]
    logs = sorted((Path(golive_dir()) / "app1" / "tomcat" / "logs").glob("catalina.*.log"))
    reloads = [
        line
        for line in (logs[-1].read_text(errors="replace").splitlines() if logs else [])
        if "loaded configuration" in line
    ]
    return "\n".join(
        ["traffic's orders by 5 s of its run:", *lines, "app1's last reloads:", *reloads[-3:]]
    )


def quiet_before_watch() -> None:
    """Wait until what an earlier test did is out of the watch's view: every target scraped,
    no critical alert firing or pending (HighOrderErrorRate waits a minute), and the watch's
    own error-rate query reading no errors (its 20 s window). Each test's watch then judges
    its own test's fault alone, whatever ran before it (this file run twice in a row too)."""
    sbx = Sandbox.load()
    lifecycle.enter(sbx)
    settled(sbx)
    api = Prometheus(sbx.env.expectation(Monitoring).prometheus_url, 5.0)
    query = sbx.env.expectation(Watch).metrics["order_error_rate"].query
    assert query is not None

    def clean() -> bool:
        alerts = [
            a
            for a in api.alerts()
            if a.get("state") in ("pending", "firing")
            and (a.get("labels") or {}).get("severity") == "critical"
        ]
        rate = api.scalar(query)
        if rate.problem.startswith("error"):  # Prometheus did not answer: not known clean
            return False
        return not alerts and not rate.value  # no errors, or no orders at all (NaN)

    try:
        wait_until(clean, 150, 1.0, what="no order errors nor critical alert before the watch")
    finally:
        api.close()


def finish(proc: subprocess.Popen[str]) -> tuple[int, str]:
    out, _ = proc.communicate(timeout=120)
    return proc.returncode, out


# Prometheus first: the error burst's 500s stay in the error-rate window (20 s) after it is
# healed, and would fail the next watch's first rate measurement (each test also waits for a
# clean window first: quiet_before_watch).
def test_prometheus_stopped_mid_watch_is_inconclusive_then_no_go(
    sandbox: None, tmp_path: Path
) -> None:
    service = [str(Path(golive_dir()) / "bin" / "service")]
    quiet_before_watch()
    proc = watch(tmp_path, "60s")
    assert proc.stdout is not None
    seen: list[str] = []
    for line in proc.stdout:  # until the rates measure a success: then Prometheus goes
        seen.append(line)
        if "order_error_rate=0 ok" in line or line.startswith("golive verdict"):
            break
    subprocess.run([*service, "stop", "mon1", "prometheus"], check=True, timeout=60)
    try:
        code, rest = finish(proc)
    finally:
        subprocess.run([*service, "start", "mon1", "prometheus"], check=True, timeout=120)
        sbx = Sandbox.load()
        lifecycle.enter(sbx)
        settled(sbx)  # every target scraped again before the next test asks
    out = "".join(seen) + rest
    result = json.loads((tmp_path / "watch" / "watch.json").read_text())
    assert code != 0, out
    metric = result["metrics"]["order_error_rate"]
    outcomes = [m["outcome"] for m in metric["measurements"]]
    assert "success" in outcomes, out
    assert outcomes[-1] == "error", out  # inconclusive: Prometheus did not answer
    assert any(line.startswith("[") and "order_error_rate=?" in line for line in out.splitlines())
    assert result["verdict"] == "NO-GO", out
    assert "inconclusive" in metric["reason"] or "errors in a row" in metric["reason"], out
    assert result["stopped_early"], out  # limits exceeded: the watch ended before 60 s


def test_error_burst_mid_watch_is_no_go_with_performance_trigger(
    sandbox: None, tmp_path: Path
) -> None:
    log = tmp_path / "traffic.log"
    quiet_before_watch()
    with traffic(45, log):
        proc = watch(tmp_path, "40s")
        time.sleep(4)
        golive("sandbox", "fault", "error_burst")
        try:
            code, out = finish(proc)
        finally:
            golive("sandbox", "heal", "error_burst")
    out += "\n" + answers(log)
    result = json.loads((tmp_path / "watch" / "watch.json").read_text())
    assert code != 0, out
    assert result["verdict"] == "NO-GO", out
    assert any(t.startswith("Performance Issues: order_error_rate") for t in result["triggers"]), (
        out
    )
    assert "recommend rollback to 1.4.0; trigger Performance Issues" in out, out
    failed = [m for m in result["metrics"]["order_error_rate"]["measurements"]
              if m["outcome"] == "failure"]  # fmt: skip
    assert failed and failed[0]["value"] > 0.01, out
    assert (tmp_path / "watch" / "order_error_rate.png").stat().st_size > 0
    # what traffic the watch relies on, said first, and how much of its own it made, said last
    assert "judge the environment's own traffic as Prometheus counts it" in out, out
    assert "counted as samples of order_error_rate" in out, out
    assert "watch: its own traffic: " in out, out


def golive_dir() -> str:
    import os

    return os.environ.get("GOLIVE_SANDBOX_DIR", "/var/lib/golive/sandbox")
