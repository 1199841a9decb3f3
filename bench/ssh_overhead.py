"""Per-check overhead over SSH, and how it grows with the number of hosts.

Measures, on the sandbox, the wall time of a trivial Testinfra command (`true`):
- with the persistent connection (ControlMaster) golive uses, median over many calls;
- without multiplexing (a new SSH handshake per command), for comparison;
- one command on each of N hosts in turn, N = 1..all, with multiplexing.

Run: .venv/bin/python bench/ssh_overhead.py [--env sandbox] [--calls 50]
"""

from __future__ import annotations

import argparse
import statistics
import time

import testinfra

from golive.model.environment import load_environment
from golive.probe import netns
from golive.probe.hosts import HostPool, _ssh_options


def per_call(run: object, calls: int) -> float:
    samples = []
    for _ in range(calls):
        started = time.perf_counter()
        run.run("true")  # type: ignore[attr-defined]
        samples.append(time.perf_counter() - started)
    return statistics.median(samples) * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--env", default="sandbox")
    parser.add_argument("--calls", type=int, default=50)
    args = parser.parse_args()
    env = load_environment(args.env)
    if env.inventory.probe.netns:
        netns.enter(env.inventory.probe.netns)
    pool = HostPool(env)
    names = list(env.inventory.hosts)
    first = pool.get(names[0])
    print(
        f"multiplexed: {per_call(first.remote, args.calls):.1f} ms per check "
        f"(median of {args.calls})"
    )
    options = {**_ssh_options(env), "controlpersist": 0}
    plain = testinfra.get_host(env.inventory.hosts[names[0]].connection, **options)
    print(f"new handshake: {per_call(plain, max(5, args.calls // 5)):.1f} ms per check")
    for count in range(1, len(names) + 1):
        targets = [pool.get(n) for n in names[:count]]
        started = time.perf_counter()
        for _ in range(10):
            for target in targets:
                target.run("true")
        elapsed = (time.perf_counter() - started) / 10 * 1000
        print(
            f"{count} host(s): {elapsed:.1f} ms for one check on each "
            f"({elapsed / count:.1f} ms/host)"
        )


if __name__ == "__main__":
    main()
