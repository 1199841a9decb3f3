"""Cost of the host-level checks on 5 and on 50 hosts, in one run: the ratio of the two.

Target: 50 hosts cost at most 4x what 5 hosts cost.

The hosts are the sandbox's light app hosts (``golive sandbox up --extra-app-hosts N``: an
sshd and a tiny HTTP listener each, no Tomcat). The benchmark brings the sandbox to at least
50 of them, writes two environments (the sandbox's plus the first 5, and plus the first 50
light hosts), and times whole-process runs of ``pytest -m "predeploy or smoke"`` restricted
to the light hosts (``-k``) and to the host-level checks that can apply to a host without
the application installed; the others are listed in SKIPPED with the reason, and the checks
that ran are printed. Every run starts cold: the hosts' shared SSH connections are closed
first, so each run pays its own handshakes.

The environments take the sandbox inventory's ``ssh:`` section, key exchange included
(``--openssh-defaults`` drops its ``options`` to measure OpenSSH's own default instead).

Run: .venv/bin/python bench/scale_hosts.py [--runs 3] [--small 5] [--large 50]
     [--openssh-defaults | --ssh-option KEY=VALUE ...] [-- PYTEST ARGS]
(extra pytest arguments, e.g. ``-n 2``, go to both runs). Quick: ``--runs 1``; on a busy
machine ``--large 20`` measures the same path with fewer light hosts.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

from scope_run import PYTEST, REPO, run_scope

from golive.model.environment import load_environment
from golive.probe import netns
from golive.probe.hosts import HostPool
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


def ensure_light_hosts(sbx: Sandbox, count: int) -> list[str]:
    if len(light.present(sbx)) < count:
        subprocess.run(
            [str(Path(sys.executable).with_name("golive")), "sandbox", "up",
             "--extra-app-hosts", str(count)],
            cwd=REPO, check=True, capture_output=True, text=True, timeout=600,
        )  # fmt: skip
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


def close_connections(envdir: Path, name: str) -> None:
    HostPool(load_environment(name, directory=envdir)).close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--small", type=int, default=5)
    parser.add_argument("--large", type=int, default=50)
    parser.add_argument(
        "--ssh-option",
        action="append",
        default=None,
        metavar="KEY=VALUE",
        help="an ssh.options entry for both environments, replacing the sandbox's",
    )
    parser.add_argument(
        "--openssh-defaults",
        action="store_true",
        help="no ssh.options at all (e.g. OpenSSH's own, post-quantum, key exchange)",
    )
    parser.add_argument("pytest_args", nargs="*", help="after --: extra pytest arguments")
    args = parser.parse_args()
    ssh_options = [] if args.openssh_defaults else args.ssh_option
    sbx = Sandbox.load()
    names = ensure_light_hosts(sbx, args.large)
    netns.enter(sbx.netns)
    with tempfile.TemporaryDirectory(prefix="golive-scale-") as tmp:
        envdir = Path(tmp)
        sizes = {n: f"{sbx.env.name}-{n}-hosts" for n in (args.small, args.large)}
        for count, env_name in sizes.items():
            light.write_environment(sbx, names[:count], envdir, env_name, ssh_options)
        for count, env_name in sizes.items():
            selected = checks_selected(envdir, env_name, args.pytest_args)
            print(f"{count} hosts: {sum(selected.values())} checks: " + ", ".join(
                f"{check} x{hosts}" for check, hosts in sorted(selected.items())
            ))  # fmt: skip
        env = load_environment(sizes[args.large], directory=envdir)
        print(f"ssh.options: {env.inventory.ssh.options}")
        print("not run on light hosts: " + "; ".join(f"{k} ({v})" for k, v in SKIPPED.items()))
        times: dict[int, list[float]] = {n: [] for n in sizes}
        for run in range(1, args.runs + 1):
            for count, env_name in sizes.items():
                close_connections(envdir, env_name)
                time.sleep(0.5)
                result = run_scope(
                    MARKERS, f"{tmp}/reports-{count}", "-k", SELECT, "--envdir", str(envdir),
                    "--env", env_name, *args.pytest_args,
                )  # fmt: skip
                if result.verdict != "GO":
                    print(result.stdout[-3000:])
                    raise SystemExit(f"{count} hosts: verdict {result.verdict}, expected GO")
                times[count].append(result.elapsed)
            small, large = times[args.small][-1], times[args.large][-1]
            print(
                f"run {run}: {args.small} hosts {small:.2f} s, {args.large} hosts {large:.2f} s, "
                f"ratio {large / small:.2f}"
            )
    small_med = statistics.median(times[args.small])
    large_med = statistics.median(times[args.large])
    ratios = [b / a for a, b in zip(times[args.small], times[args.large], strict=True)]
    print(
        f"median: {args.small} hosts {small_med:.2f} s, {args.large} hosts {large_med:.2f} s, "
        f"ratio of medians {large_med / small_med:.2f} (median run ratio "
        f"{statistics.median(ratios):.2f}; target <= 4)"
    )


if __name__ == "__main__":
    main()
