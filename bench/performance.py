"""The performance suite's benchmarks (issue 12), against the sandbox the environment variables
name (GOLIVE_SANDBOX_DIR, GOLIVE_NETNS), which must be up; run as root (it enters the
namespace and uses the generator's control group).

1. Generator efficiency: requests per second per generator CPU core of golive's Locust setup
   (FastHttpUser, golive's plugin, TLS verified, no think time), once with the journey's own
   quote step (load/bench_journey.py: every answer checked) and once with the bare request
   (load/bench_quotes.py: what golive adds per request is the difference), against `wrk` on
   the same endpoint (GET /api/quotes/ACME through lb1, same token, same number of
   connections) in the same run, one after the other, as ratios. CPU is each tool's own:
   for Locust, its processes' time on a CPU while the load ran (golive's plugin reads
   /proc/self/task/*/schedstat at test start and stop), beside the generator's cgroup
   accounting over the whole process (Python's start and Locust's imports included, about a
   second of CPU: a share of a short run, not a cost per request); the child's rusage for wrk.
2. Overhead: `pytest -m performance --load-profile quick`, start to verdict, minus the
   profile's duration (target <= 10 s).
3. Scale: rps at 1, 2 and 4 Locust workers (and the local runner) with the saturation flags.

Run: .venv/bin/python bench/performance.py [--seconds 10] [--users 10] [--skip overhead]
[--quick] (``--quick``: the efficiency part only, 5 s runs: the performance scope judges its
generator, and on a busy machine a starved one is rightly NO-GO). The overhead part needs
smoke GO and the performance scope GO or CONDITIONAL; every Locust run requests with no
failure, wrk only 2xx answers; otherwise the benchmark fails.
"""

from __future__ import annotations

import argparse
import os
import resource
import subprocess
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
    return {
        "rps": quotes.get("requests", 0) / measured if measured > 0 else 0.0,
        "per_core": quotes["requests"] / load_cpu if load_cpu > 0 else float("nan"),
        "failures": quotes.get("failures", 0),
        "cpu_cores": cpu.used_s / cpu.wall_s if cpu and cpu.wall_s else float("nan"),
        "saturation": judge.saturation_findings(facts, spec.generator) or ["none"],
        "workers": f"{summary.get('min_workers')}-{summary.get('max_workers')} of {workers}",
        "exit": run.returncodes,
        "cpu_warnings": warnings,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--users", type=int, default=10)
    parser.add_argument("--skip", action="append", default=[], choices=["overhead", "scale"])
    parser.add_argument("--quick", action="store_true", help="the efficiency part, 5 s runs")
    args = parser.parse_args()
    if args.quick:
        args.seconds = 5
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
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        journey = bench_locust(env, spec, 0, args.seconds, args.users, work, "bench_journey.py")
        loc = bench_locust(env, spec, 0, args.seconds, args.users, work)
        wrk = bench_wrk(env.inventory.public.url, str(lb), token, args.seconds, args.users)
        per_core = {"journey": journey["per_core"], "bare": loc["per_core"]}
        per_core["wrk"] = wrk["rps"] / wrk["cpu_cores"]
        print(
            f"efficiency, GET /api/quotes/ACME, {args.users} connections, {args.seconds} s:\n"
            + "".join(
                f"  locust, {label} (1 process): {r['rps']:.0f} rps, "
                f"{per_core[name]:.0f} requests per CPU second under load "
                f"({r['rps'] / r['cpu_cores']:.0f} with the process's start, "
                f"{r['cpu_cores']:.2f} cores), failures {r['failures']}, "
                f"saturation: {'; '.join(r['saturation'])}\n"
                for name, label, r in (
                    ("journey", "the journey's quote step, answers checked", journey),
                    ("bare", "the bare request", loc),
                )
            )
            + f"  wrk (1 thread): {wrk['rps']:.0f} rps, {wrk['cpu_cores']:.2f} cores, "
            f"{per_core['wrk']:.0f} requests per CPU second {wrk['non2xx']}\n"
            f"  requests per CPU second, ratio to wrk: journey "
            f"{per_core['journey'] / per_core['wrk']:.3f}, "
            f"bare {per_core['bare'] / per_core['wrk']:.3f}; the journey's checks cost "
            f"{1e6 / per_core['journey'] - 1e6 / per_core['bare']:.0f} us of CPU per request"
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
