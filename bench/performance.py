"""The performance suite's benchmarks (issue 12), against the sandbox the environment variables
name (GOLIVE_SANDBOX_DIR, GOLIVE_NETNS), which must be up; run as root (it enters the
namespace and uses the generator's control group).

1. Generator efficiency: requests per second per generator CPU core of golive's Locust setup
   (FastHttpUser, golive's plugin, TLS verified, no think time), once with the journey's own
   quote step (load/bench_journey.py: every answer checked) and once with the bare request
   (load/bench_quotes.py: what golive adds per request is the difference), against `wrk` on
   the same endpoint (GET /api/quotes/ACME through lb1, same token, same number of
   connections) in the same run, one after the other, as ratios. CPU is each tool's own:
   for Locust, its process's time on a CPU in the steady window (every user running, the
   statistics reset, before the stop: golive's plugin records the process's schedstat
   seconds in each progress sample), beside the window from test start to stop (the users'
   logins and TLS handshakes, Locust's stop) and the generator's cgroup accounting over the
   whole process (Python's start and Locust's imports: about a second of CPU); the child's
   rusage for wrk. ``--rounds`` repeats the three, in a rotating order, and gives medians:
   on a shared machine one round's ratio moves with the neighbours' load.
   What golive's journey adds per request (``catch_response`` and the answer's checks,
   ``golive_locust.checked``) is also measured alone, in a Locust process without network:
   the same recorded answer through Locust's request event bare and through the journey's
   path, CPU time per request (best of 7 rounds).
2. Overhead: `pytest -m performance --load-profile quick`, start to verdict, minus the
   profile's duration (target <= 10 s).
3. Scale: rps at 1, 2 and 4 Locust workers (and the local runner) with the saturation flags.

Run: .venv/bin/python bench/performance.py [--seconds 10] [--users 10] [--rounds 3]
[--skip overhead] [--quick] (``--quick``: the efficiency part only, one round of 5 s runs:
the performance scope judges its
generator, and on a busy machine a starved one is rightly NO-GO). The overhead part needs
smoke GO and the performance scope GO or CONDITIONAL; every Locust run requests with no
failure, wrk only 2xx answers; otherwise the benchmark fails.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import pyotp
import requests
from scope_run import expect, run_scope

from golive.judge import performance as judge
from golive.model.environment import Environment, load_environment
from golive.model.expectations.performance import Performance
from golive.model.facts import performance as perf_facts
from golive.probe import http, locust, netns


def _token(env: Environment, session: requests.Session) -> str:
    account = env.inventory.accounts["trader"]
    body = {
        "username": account.username,
        "password": env.secret(account.password),
        "totp": pyotp.TOTP(env.secret(account.totp)).now() if account.totp else "",
    }
    url = env.inventory.public.url.rstrip("/") + "/api/login"
    return str(session.post(url, json=body, timeout=10).json()["token"])


def bench_wrk(url: str, address: str, token: str, seconds: int, connections: int) -> dict[str, Any]:
    """wrk against the address (SNI/Host: the public name), CPU from the child's rusage."""
    host = url.split("//", 1)[1].split("/", 1)[0]
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.monotonic()
    out = subprocess.run(
        [
            "wrk",
            "-t1",
            f"-c{connections}",
            f"-d{seconds}s",
            "-H",
            f"Authorization: Bearer {token}",
            "-H",
            f"Host: {host}",
            f"https://{address}/api/quotes/ACME",
        ],
        capture_output=True,
        text=True,
        timeout=seconds + 30,
        check=True,
    ).stdout
    wall = time.monotonic() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    requests = int(next(line for line in out.splitlines() if "requests in" in line).split()[0])
    non2xx = next((line for line in out.splitlines() if "Non-2xx" in line), "")
    if not requests or non2xx:
        raise SystemExit(f"wrk: {requests} requests {non2xx.strip()}; expected only 2xx answers")
    return {
        "rps": requests / seconds,
        "cpu_cores": cpu / wall,
        "requests": requests,
        "non2xx": non2xx.strip(),
    }


def bench_locust(
    env: Environment,
    spec: Performance,
    workers: int,
    seconds: int,
    users: int,
    work: Path,
    locustfile: str = "bench_quotes.py",
) -> dict[str, Any]:
    profile = spec.selected().model_copy(
        update={
            "users": users,
            "spawn_rate": users * 2,
            "duration_s": seconds,
            "workers": workers,
            "expect_workers_timeout_s": 60.0,
        }
    )
    gen = spec.generator.model_copy(update={"locustfile": locustfile})
    inv = env.inventory
    account = inv.accounts["trader"]
    host = inv.public.url.split("//", 1)[1].split("/", 1)[0]
    resolver = http.Resolver(str(inv.public.resolver), inv.public.timeout)
    load_spec = locust.LoadSpec(
        profile_name="bench",
        profile=profile,
        generator=gen,
        url=inv.public.url.rstrip("/"),
        resolve={host: resolver.addresses(host)[0]},
        source=str(inv.probe.source) if inv.probe.source else None,
        ca_bundle=str(inv.public.ca_bundle),
        account={
            "username": account.username,
            "password": env.secret(account.password),
            "totp": env.secret(account.totp) if account.totp else "",
        },
        order={},
        symbols=["ACME"],
        timeout=inv.public.timeout,
        workdir=work / f"locust-{workers}-{locustfile.removesuffix('.py')}",
        workers=workers,
    )
    run = locust.run(load_spec)
    summary = run.summary or {}
    quotes = summary.get("endpoints", {}).get("GET /api/quotes/[symbol]", {})
    measured = (summary.get("last_request") or 0) - (summary.get("start") or 0)
    warnings = [f"{w['source']}:{w['cpu']}" for w in summary.get("cpu_warnings", [])]
    cpu = run.cgroup
    facts = perf_facts.RunFacts(
        returncodes=run.returncodes,
        timed_out=run.timed_out,
        deadline_s=0,
        has_summary=bool(summary),
        measured_s=measured,
        max_users=int(summary.get("max_users", 0)),
        expected_workers=workers,
        min_workers=summary.get("min_workers"),
        max_workers=int(summary.get("max_workers", 0)),
        steps=0,
        cpu_warnings=tuple(warnings),
        cpu_percent=cpu.percent if cpu else None,
        throttled_percent=100 * cpu.throttled / cpu.periods if cpu and cpu.periods else 0.0,
        cpu_detail="",
    )
    if run.timed_out or not quotes.get("requests") or quotes.get("failures"):
        raise SystemExit(
            f"locust ({locustfile}, {workers} workers): {quotes.get('requests', 0)} requests, "
            f"{quotes.get('failures', 0)} failed, timed out {run.timed_out}, exit "
            f"{run.returncodes}; expected requests and no failure:\n{run.stderr[-2000:]}"
        )
    load_cpu = sum(p["run_s"] for p in run.sched)
    steady = steady_window(run.samples, users)
    if workers == 0 and steady is None:
        raise SystemExit(
            f"locust ({locustfile}): no steady window in its {len(run.samples)} progress "
            "samples (two samples with every user running, after the statistics reset); "
            "expected one: a longer --seconds"
        )
    return {
        "rps": quotes.get("requests", 0) / measured if measured > 0 else 0.0,
        "per_core": quotes["requests"] / load_cpu if load_cpu > 0 else float("nan"),
        "steady": steady["per_core"] if steady else float("nan"),
        "steady_window": steady,
        "failures": quotes.get("failures", 0),
        "cpu_cores": cpu.used_s / cpu.wall_s if cpu and cpu.wall_s else float("nan"),
        "saturation": judge.saturation_findings(facts, spec.generator) or ["none"],
        "workers": f"{summary.get('min_workers')}-{summary.get('max_workers')} of {workers}",
        "exit": run.returncodes,
        "cpu_warnings": warnings,
    }


def steady_window(samples: list[dict[str, Any]], users: int) -> dict[str, float] | None:
    """Requests per CPU second of the local runner while every user runs: from the first
    progress sample after the statistics reset (``--reset-stats``, once the last user has
    started: the counters restart there) to the last sample before the stop. The ramp-up's
    logins and TLS handshakes and Locust's stop are outside it; they are paid once per run,
    not per request. None without two such samples."""
    window = [s for s in samples if s.get("users", 0) >= users and "cpu_s" in s]
    for i in range(len(window) - 1, 0, -1):
        if window[i]["requests"] < window[i - 1]["requests"]:  # the reset
            window = window[i:]
            break
    if len(window) < 3:
        return None
    window = window[1:]  # the first full sample may hold the reset's second
    first, last = window[0], window[-1]
    requests = last["requests"] - first["requests"]
    cpu = last["cpu_s"] - first["cpu_s"]
    if requests <= 0 or cpu <= 0:
        return None
    return {
        "per_core": requests / cpu,
        "requests": requests,
        "cpu_s": cpu,
        "seconds": last["t"] - first["t"],
    }


# Run in a child Python beside golive's Locust plugin (Locust patches the standard library
# for gevent, so it never runs in the benchmark's process): one recorded answer of GET
# /api/quotes/ACME (the sandbox's headers and body) through Locust's request event bare, and
# through the journey's path (catch_response, golive_locust.checked). No network: the
# difference is what golive adds to each request, whatever the server does.
ADDED_CODE = r"""
import json, random, time
from golive_locust import checked
from locust.env import Environment
from locust.contrib.fasthttp import FastResponse, ResponseContextManager
from geventhttpclient.header import Headers

HEADERS = [
    ("Server", "nginx"), ("Date", "Mon, 07 Dec 2026 02:41:12 GMT"),
    ("Content-Type", "application/json;charset=utf-8"), ("Content-Length", "40"),
    ("Connection", "keep-alive"), ("Keep-Alive", "timeout=5"), ("Cache-Control", "no-store"),
    ("Strict-Transport-Security", "max-age=63072000"), ("X-Content-Type-Options", "nosniff"),
    ("X-Frame-Options", "DENY"), ("Content-Security-Policy", "default-src 'none'"),
    ("Referrer-Policy", "no-referrer"),
]
BODY = b'{"symbol":"ACME","bid":10.25,"ask":10.3}'

class Recorded:  # what FastResponse reads of geventhttpclient's response
    def __init__(self):
        self._headers_index = Headers()
        for name, value in HEADERS:
            self._headers_index.add(name, value)
    def get_code(self): return 200
    def read(self): return BODY
    def release(self): pass

env = Environment(user_classes=[])
env.create_local_runner()
event = env.events.request

def meta(resp):
    return {"request_type": "GET", "name": "/api/quotes/[symbol]", "context": {},
            "response": resp, "exception": None, "start_time": time.time(),
            "url": "https://trading/api/quotes/ACME", "response_length": len(resp.content),
            "response_time": 1.0}

def bare():  # FastHttpSession.request without catch_response
    resp = FastResponse(Recorded(), request=None)
    resp.raise_for_status()
    event.fire(**meta(resp))

def journey():  # trading.Trader.quotes' own path
    resp = FastResponse(Recorded(), request=None)
    m = meta(resp)
    resp.raise_for_status()
    symbol = random.choice(["ACME"])
    with ResponseContextManager(resp, event, m, True) as answer:
        checked(answer, 200, ("bid", "ask"), {"symbol": symbol})

def best(step, n):
    times = []
    for _ in range(7):
        start = time.process_time()
        for _ in range(n):
            step()
        times.append((time.process_time() - start) / n * 1e6)
    return min(times)

n = int(__import__("sys").argv[1])
out = {"bare_us": best(bare, n), "journey_us": best(journey, n)}
total = env.stats.total
print(json.dumps({**out, "requests": total.num_requests, "failures": total.num_failures}))
"""


def added_per_request(n: int) -> dict[str, float]:
    """CPU microseconds per request of Locust's request event alone and of the journey's
    path on the same recorded answer (``ADDED_CODE``); every request must be a success."""
    with tempfile.TemporaryDirectory() as tmp:
        config = Path(tmp) / "config.json"
        config.write_text(json.dumps({"resolve": {}, "progress": "", "summary": ""}))
        run = subprocess.run(
            [sys.executable, "-c", ADDED_CODE, str(n)],
            cwd=locust.LOAD_DIR,
            env={
                **os.environ,
                "GOLIVE_LOAD_CONFIG": str(config),
                "PYTHONPATH": str(locust.LOAD_DIR),
            },
            capture_output=True,
            text=True,
            timeout=300,
        )
    if run.returncode:
        raise SystemExit(f"golive's per-request cost: exit {run.returncode}: {run.stderr[-500:]}")
    out: dict[str, float] = json.loads(run.stdout.strip().splitlines()[-1])
    if out["failures"] or out["requests"] != 2 * 7 * n:
        raise SystemExit(f"golive's per-request cost: {out}; expected every request a success")
    return out


def efficiency_round(
    env: Environment,
    spec: Performance,
    args: argparse.Namespace,
    work: Path,
    lb: str,
    token: str,
    index: int,
) -> dict[str, float]:
    """The journey's quote step, the bare request and wrk, one after the other (the order
    rotates with the round: whichever runs first meets a different machine); each one's
    requests per CPU second (Locust: the steady window; also from test start to stop)."""
    runs: dict[str, dict[str, Any]] = {}
    order = ["journey", "bare", "wrk"]
    for name in order[index % 3 :] + order[: index % 3]:
        if name == "wrk":
            runs[name] = bench_wrk(env.inventory.public.url, lb, token, args.seconds, args.users)
        else:
            locustfile = "bench_journey.py" if name == "journey" else "bench_quotes.py"
            runs[name] = bench_locust(
                env, spec, 0, args.seconds, args.users, work / f"r{index}", locustfile
            )
    wrk = runs["wrk"]
    wrk_per_core = wrk["rps"] / wrk["cpu_cores"]
    print(
        f"round {index + 1} (load average {os.getloadavg()[0]:.1f}):\n"
        + "".join(
            f"  locust, {label} (1 process): {r['rps']:.0f} rps, {r['steady']:.0f} requests "
            f"per CPU second in the steady window ({r['steady_window']['requests']} requests, "
            f"{r['steady_window']['cpu_s']:.2f} s of CPU over {r['steady_window']['seconds']:.0f}"
            f" s), {r['per_core']:.0f} from test start to stop, "
            f"{r['rps'] / r['cpu_cores']:.0f} with the process's start ({r['cpu_cores']:.2f} "
            f"cores), failures {r['failures']}, saturation: {'; '.join(r['saturation'])}\n"
            for label, r in (
                ("the journey's quote step, answers checked", runs["journey"]),
                ("the bare request", runs["bare"]),
            )
        )
        + f"  wrk (1 thread): {wrk['rps']:.0f} rps, {wrk['cpu_cores']:.2f} cores, "
        f"{wrk_per_core:.0f} requests per CPU second {wrk['non2xx']}"
    )
    return {
        "journey": runs["journey"]["steady"],
        "bare": runs["bare"]["steady"],
        "wrk": wrk_per_core,
        "journey_start": runs["journey"]["per_core"],
        "bare_start": runs["bare"]["per_core"],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--users", type=int, default=10)
    parser.add_argument("--skip", action="append", default=[], choices=["overhead", "scale"])
    parser.add_argument("--rounds", type=int, default=3, help="efficiency rounds (medians)")
    parser.add_argument(
        "--quick", action="store_true", help="the efficiency part, one round of 5 s runs"
    )
    args = parser.parse_args()
    if args.quick:
        args.seconds, args.rounds = 5, 1
        args.skip += ["overhead", "scale"]
    env = load_environment(os.environ.get("GOLIVE_ENV", "sandbox"))
    spec = env.expectation(Performance)
    print(f"machine: {os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f} at start")
    if "overhead" not in args.skip:
        quick = spec.profiles["quick"]
        with tempfile.TemporaryDirectory() as reports:
            smoke = run_scope("smoke", reports)
        with tempfile.TemporaryDirectory() as reports:
            run = run_scope("performance", reports, "--load-profile", "quick")
        overhead = run.elapsed - quick.duration_s
        print(
            f"overhead: pytest -m performance --load-profile quick: {run.elapsed:.1f} s to "
            f"verdict ({run.verdict}), profile {quick.duration_s:g} s, overhead "
            f"{overhead:.1f} s; yardstick in the same run: pytest -m smoke {smoke.elapsed:.1f} s "
            f"to verdict ({smoke.verdict}), so {overhead - smoke.elapsed:.1f} s beyond what "
            "every scope pays"
        )
        expect("pytest -m smoke on the healthy sandbox", smoke.verdict, "GO")
        expect("pytest -m performance on the healthy sandbox", run.verdict, "GO", "CONDITIONAL")
    assert env.inventory.probe.netns
    netns.enter(env.inventory.probe.netns)
    session = http.session(env)
    token = _token(env, session)
    lb = env.inventory.hosts["lb1"].address
    added = added_per_request(2000 if args.quick else 20000)
    print(
        "golive's journey per request, no network (CPU, best of 7): Locust's request event "
        f"{added['bare_us']:.1f} us, with catch_response and the answer's checks "
        f"{added['journey_us']:.1f} us: golive adds {added['journey_us'] - added['bare_us']:.1f} "
        "us per request"
    )
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        rounds = [
            efficiency_round(env, spec, args, work, str(lb), token, i) for i in range(args.rounds)
        ]
        print(
            f"efficiency, GET /api/quotes/ACME, {args.users} connections, {args.seconds} s, "
            f"{args.rounds} round(s), medians: requests per CPU second in the steady window: "
            + ", ".join(
                f"{name} {statistics.median(r[name] for r in rounds):.0f}"
                for name in ("journey", "bare", "wrk")
            )
            + "; ratio to wrk: "
            + ", ".join(
                f"{name} {statistics.median(r[name] / r['wrk'] for r in rounds):.3f}"
                for name in ("journey", "bare")
            )
            + f" (from test start to stop: journey "
            f"{statistics.median(r['journey_start'] / r['wrk'] for r in rounds):.3f}, bare "
            f"{statistics.median(r['bare_start'] / r['wrk'] for r in rounds):.3f})"
        )
        if "scale" not in args.skip:
            for workers in (1, 2, 4):
                r = bench_locust(env, spec, workers, args.seconds, args.users * workers, work)
                print(
                    f"scale: {workers} worker(s), {args.users * workers} users: "
                    f"{r['rps']:.0f} rps, generator {r['cpu_cores']:.2f} cores, "
                    f"failures {r['failures']}, workers connected {r['workers']}, "
                    f"exit {r['exit']}, saturation: {'; '.join(r['saturation'])}"
                )
    print(f"load average at end: {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
