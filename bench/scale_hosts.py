"""Cost of the host-level checks on 5, 50 and 200 hosts, serial and with ``-n 2``, in one run:
each size's ratio to the smallest, the cost per added host, and where the time goes.

Targets: 50 hosts cost at most 4x what 5 hosts cost, 200 hosts at most 12x.

The hosts are the sandbox's light app hosts (``golive sandbox up --extra-app-hosts N``: an
sshd and a tiny HTTP listener each, no Tomcat). The benchmark brings the sandbox to at least
the largest size of them (and back to the light hosts it had at its start, when it ends: 200
idle light hosts keep about half a core of this machine busy, and every later measurement
with them), writes one environment per size (the sandbox's plus the first N
light hosts), and times whole-process runs of ``pytest -m "predeploy or smoke"`` restricted
to the light hosts (``-k``) and to the host-level checks that can apply to a host without
the application installed; the others are listed in SKIPPED with the reason, and the checks
that ran are printed. Every run starts cold: a run opens its own shared SSH connections
(golive.probe.hosts.RUN_ID), so each pays its own handshakes. Where the time goes: pytest's
own durations of every check (setup, call, teardown, summed per check over the hosts; with
``-n 2`` summed over both workers), the rest of the wall time being the process's start,
collection and the gate and reports after the last check.

The environments take the sandbox inventory's ``ssh:`` section, key exchange included
(``--openssh-defaults`` drops its ``options`` to measure OpenSSH's own default instead).

Where each host's part goes is also read from the light hosts' own sshd logs: the SSH
connections (handshakes) and the sessions (remote commands) each host saw in the run.

Run: .venv/bin/python bench/scale_hosts.py [--runs 1] [--sizes 5 50 200] [--workers 0 2]
     [--openssh-defaults | --ssh-option KEY=VALUE ...] [--root DIR ...] [--quick] [-- PYTEST ARGS]
(by default 5, 50 and 200 hosts, serial and ``-n 2``; extra pytest arguments go to every
run). ``--quick``: 5 and 20 hosts, serial, one run. Every run must be GO, or the benchmark
fails. Each run's CPU time (the pytest process and the children it waited for: ssh clients,
not sshd nor the SSH masters left in the background) is printed beside its wall time: on a
shared, loaded machine it is the steadier measure of golive's own cost.
``--root DIR`` (repeatable) runs other checkouts (a ``git archive`` of an older commit) with
this venv, each size with each checkout in turn. Since suites/, fixtures/ and plugins/ live at
the root (c400b7c), setuptools' editable finder would import this checkout's: give the other
one links ``pytest_golive/suites -> ../suites`` (and fixtures, plugins) first.
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import subprocess
import sys
import tempfile
from collections import Counter
from pathlib import Path

from scope_run import PYTEST, REPO, expect, run_scope

from golive.model.environment import load_environment
from golive.probe import netns
from golive.sandbox.context import Sandbox
from golive.sandbox.services import light

MARKERS = "predeploy or smoke"
# Host-level checks of those suites that cannot apply to a light host, and why.
SKIPPED = {
    "test_runtimes_report_expected_versions": "starts the JVM twice (java, Tomcat's "
    "ServerInfo): a light host runs no Java, and fifty JVMs on the sandbox's two cores "
    "would measure the machine, not golive",
    "test_required_packages_installed": "reads the facts snapshot, which starts those JVMs",
    "test_facts_snapshot_and_listening_ports": "the same facts snapshot",
    "test_release_artifact_matches_registry": "needs a deployed release (no WAR on a light host)",
    "test_current_release_is_under_certification": "needs a deployed release",
    "test_config_points_at_environment_db": "needs the application's configuration file",
    "test_mfa_required_by_configuration": "needs the application's configuration file",
    "test_application_reads_declared_config": "needs the running application (its process "
    "and configuration file)",
}
SELECT = f"{light.PREFIX} and not ({' or '.join(SKIPPED)})"
DURATION = re.compile(r"^([\d.]+)s (setup|call|teardown)\s+\S+::(\w+)")


def where_it_goes(stdout: str, wall: float) -> str:
    """pytest's --durations summed per check (all phases, all hosts), the largest first, and
    what is left of the wall time (start, collection, gate, reports)."""
    per_check: dict[str, float] = {}
    for line in stdout.splitlines():
        if m := DURATION.match(line.strip()):
            per_check[m[3]] = per_check.get(m[3], 0.0) + float(m[1])
    checks = sum(per_check.values())
    largest = sorted(per_check.items(), key=lambda kv: kv[1], reverse=True)[:4]
    top = ", ".join(f"{name} {s:.1f} s" for name, s in largest)
    return f"checks {checks:.1f} s ({top}); outside the checks {wall - checks:.1f} s"


def sshd_offsets(sbx: Sandbox, names: list[str]) -> dict[str, int]:
    """Where each light host's sshd log ends now."""
    logs = {n: sbx.log(n, "sshd") for n in names}
    return {n: log.stat().st_size if log.exists() else 0 for n, log in logs.items()}


def ssh_per_host(sbx: Sandbox, since: dict[str, int]) -> str:
    """What the hosts' own sshd logged since ``since``, per host: TCP connections (each a
    handshake: the run's shared connection, ssh-keyscan's, a reachability question's) and
    sessions (each a remote command)."""
    connections = sessions = 0
    for name, offset in since.items():
        with sbx.log(name, "sshd").open("rb") as log:
            log.seek(offset)
            text = log.read().decode(errors="replace")
        connections += text.count("Connection from ")
        sessions += text.count("Starting session: ")
    hosts = max(1, len(since))
    return (
        f"per host (its sshd's log): {connections / hosts:.1f} SSH connections, "
        f"{sessions / hosts:.1f} commands"
    )


def light_hosts(count: int, home: int | None = None) -> None:
    """``golive sandbox up --extra-app-hosts count``, run from the network namespace open at
    ``home`` (where the sandbox was started) when this process has left it."""
    subprocess.run(
        [str(Path(sys.executable).with_name("golive")), "sandbox", "up",
         "--extra-app-hosts", str(count)],
        cwd=REPO, check=True, capture_output=True, text=True, timeout=600,
        preexec_fn=None if home is None else lambda: netns.enter_fd(home, "the bench's own"),
    )  # fmt: skip


def ensure_light_hosts(sbx: Sandbox, count: int) -> list[str]:
    if len(light.present(sbx)) < count:
        light_hosts(count)
    return light.present(sbx)[:count]


def checks_selected(envdir: Path, name: str, extra: list[str]) -> Counter[str]:
    """Check function -> number of hosts it runs on, from pytest's own collection."""
    out = subprocess.run(
        [PYTEST, "-m", MARKERS, "-k", SELECT, "--envdir", str(envdir), "--env", name,
         "--collect-only", "-q", "-p", "no:randomly", *extra],
        cwd=REPO, capture_output=True, text=True, check=False, timeout=300,
    ).stdout  # fmt: skip
    return Counter(
        line.split("::", 1)[1].split("[", 1)[0] for line in out.splitlines() if "::" in line
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=1)
    parser.add_argument("--sizes", type=int, nargs="+", default=[5, 50, 200], metavar="N")
    parser.add_argument(
        "--workers", type=int, nargs="+", default=[0, 2], metavar="N", help="pytest -n (0: serial)"
    )
    parser.add_argument(
        "--ssh-option",
        action="append",
        default=None,
        metavar="KEY=VALUE",
        help="an ssh.options entry for every environment, replacing the sandbox's",
    )
    parser.add_argument(
        "--openssh-defaults",
        action="store_true",
        help="no ssh.options at all (e.g. OpenSSH's own, post-quantum, key exchange)",
    )
    parser.add_argument("--quick", action="store_true", help="5 and 20 hosts, serial, one run")
    parser.add_argument(
        "--root",
        type=Path,
        action="append",
        help="a checkout to measure (repeatable: each size runs each checkout in turn)",
    )
    parser.add_argument("pytest_args", nargs="*", help="after --: extra pytest arguments")
    args = parser.parse_args()
    if args.quick:
        args.sizes, args.workers, args.runs = [5, 20], [0], 1
    sizes = sorted(set(args.sizes))
    roots = [r.resolve() for r in args.root or [REPO]]
    ssh_options = [] if args.openssh_defaults else args.ssh_option
    sbx = Sandbox.load()
    had = len(light.present(sbx))
    names = ensure_light_hosts(sbx, sizes[-1])
    home = os.open("/proc/self/ns/net", os.O_RDONLY)
    netns.enter(sbx.netns)
    try:
        measure(args, sbx, sizes, names, roots, ssh_options)
    finally:
        try:
            if len(names) > had:
                light_hosts(had, home)  # the light hosts it had at its start
                print(f"light hosts: back to {had}")
        finally:
            os.close(home)


def measure(
    args: argparse.Namespace,
    sbx: Sandbox,
    sizes: list[int],
    names: list[str],
    roots: list[Path],
    ssh_options: list[str],
) -> None:
    """Every run of every size and the ratios (see the module)."""

    def run_env(root: Path) -> dict[str, str] | None:
        return None if root == REPO else {**os.environ, "PYTHONPATH": str(root)}

    def root_label(i: int) -> str:
        return f" [{i}]" if len(roots) > 1 else ""

    small = sizes[0]
    print(f"machine: load average {os.getloadavg()[0]:.1f} at start")
    with tempfile.TemporaryDirectory(prefix="golive-scale-") as tmp:
        envdir = Path(tmp)
        env_names = {n: f"{sbx.env.name}-{n}-hosts" for n in sizes}
        for count, env_name in env_names.items():
            light.write_environment(sbx, names[:count], envdir, env_name, ssh_options)
        for count, env_name in env_names.items():
            selected = checks_selected(envdir, env_name, args.pytest_args)
            print(f"{count} hosts: {sum(selected.values())} checks: " + ", ".join(
                f"{check} x{hosts}" for check, hosts in sorted(selected.items())
            ))  # fmt: skip
        env = load_environment(env_names[sizes[-1]], directory=envdir)
        print(f"ssh.options: {env.inventory.ssh.options}")
        print("not run on light hosts: " + "; ".join(f"{k} ({v})" for k, v in SKIPPED.items()))
        times: dict[tuple[int, int, int], list[float]] = {}
        cpu: dict[tuple[int, int, int], list[float]] = {}
        for run in range(1, args.runs + 1):
            for workers in args.workers:
                xdist = ["-n", str(workers)] if workers else []
                label = f"-n {workers}" if workers else "serial"
                for count, env_name in env_names.items():
                    for i, root in enumerate(roots):
                        logged = sshd_offsets(sbx, names[:count])
                        before = os.times()
                        result = run_scope(
                            MARKERS, f"{tmp}/reports-{count}", "-k", SELECT, "--envdir",
                            str(envdir), "--env", env_name, "--durations=0", "--durations-min=0",
                            *xdist, *args.pytest_args, root=root, env=run_env(root),
                        )  # fmt: skip
                        after = os.times()
                        used = sum(after[2:4]) - sum(before[2:4])  # the run and its children
                        if result.verdict != "GO":
                            print(result.stdout[-3000:])
                        expect(f"{count} hosts, {label}", result.verdict, "GO")
                        times.setdefault((i, workers, count), []).append(result.elapsed)
                        cpu.setdefault((i, workers, count), []).append(used)
                        print(
                            f"run {run}, {label}, {count} hosts{root_label(i)}: "
                            f"{result.elapsed:.2f} s, CPU {used:.2f} s; "
                            f"{where_it_goes(result.stdout, result.elapsed)}; "
                            f"{ssh_per_host(sbx, logged)}"
                        )
        print(f"load average at end: {os.getloadavg()[0]:.1f}")
    for i, root in enumerate(roots):
        if len(roots) > 1:
            print(f"{i}: {root}")
        for workers in args.workers:
            label = f"-n {workers}" if workers else "serial"
            base = statistics.median(times[(i, workers, small)])
            base_cpu = statistics.median(cpu[(i, workers, small)])
            for count in sizes[1:]:
                med = statistics.median(times[(i, workers, count)])
                med_cpu = statistics.median(cpu[(i, workers, count)])
                target = (
                    " (target <= 4)" if count == 50 else " (target <= 12)" if count == 200 else ""
                )
                print(
                    f"{label}{root_label(i)}: {small} hosts {base:.2f} s, {count} hosts "
                    f"{med:.2f} s, ratio {med / base:.2f}{target}; "
                    f"{1000 * (med - base) / (count - small):.0f} ms per added host; CPU "
                    f"{base_cpu:.2f} s / {med_cpu:.2f} s, "
                    f"{1000 * (med_cpu - base_cpu) / (count - small):.0f} ms per added host "
                    f"(medians of {args.runs})"
                )


if __name__ == "__main__":
    main()
