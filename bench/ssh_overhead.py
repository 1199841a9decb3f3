"""Per-check overhead over SSH, against Testinfra's own ssh transport, and cost per host.

Measures, on a running environment (default: the sandbox), the wall time of a trivial
remote command (``true``) through a Testinfra ``Host``:

- golive's transport (golive.probe.hosts: the host's ControlMaster, driven over its control
  socket), median over many calls: the figure the target applies to (at most 5 ms);
- the yardstick: Testinfra's default ssh transport, ``testinfra.get_host("ssh://user@addr")``
  given only what it needs to log in (the identity file and known_hosts): ssh with no
  ControlPath, so a new handshake per command;
- for reference, Testinfra's ssh transport as golive configured it before (ControlMaster
  with a ControlPath: one ssh client per command, through a local shell);
- one command on each of N hosts, in turn and concurrently (one thread per host);
- Testinfra's ``ansible://`` backend on the same host, given an Ansible inventory of it (the
  transport an Ansible-inventory environment could use instead of golive's): as Testinfra
  runs it by default (it reads the inventory, then runs ssh itself), and with
  ``force_ansible`` (an ``ansible`` ad-hoc run per command).

Run: .venv/bin/python bench/ssh_overhead.py [--env NAME] [--envdir DIR] [--calls 200] [--quick]
(``--quick``: 20 calls, one ``force_ansible`` run. Every host must answer the command with
exit 0, or the benchmark fails.)
"""

from __future__ import annotations

import argparse
import functools
import shutil
import statistics
import tempfile
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import testinfra
import yaml

from golive.model.environment import load_environment
from golive.probe import hosts, netns
from golive.probe.ansible import list_inventory
from golive.probe.hosts import HostPool


def in_turn(targets: list[Any]) -> None:
    """One check (``true``) on each host, one after the other."""
    for target in targets:
        target.run("true")


def together_on(threads: ThreadPoolExecutor, targets: list[Any]) -> None:
    """One check (``true``) on each host, all at once."""
    list(threads.map(lambda target: target.run("true"), targets))


def median_ms(call: Callable[[], Any], calls: int) -> float:
    samples = []
    for _ in range(calls):
        started = time.perf_counter()
        call()
        samples.append(time.perf_counter() - started)
    return statistics.median(samples) * 1000


def deadline_part(run: Callable[[str], Any], calls: int) -> None:
    """What the host-side deadline costs a command (``timeout`` and the login shell it starts,
    golive.probe.hosts.on_host): the same command with and without it, interleaved so that
    both see the same load."""
    wrapped: list[float] = []
    bare: list[float] = []
    ended_on_host = hosts.on_host
    try:
        for _ in range(calls):
            for samples, wrap in ((wrapped, ended_on_host), (bare, _unwrapped)):
                hosts.on_host = wrap
                started = time.perf_counter()
                run("true")
                samples.append(time.perf_counter() - started)
    finally:
        hosts.on_host = ended_on_host
    with_ms, without_ms = (statistics.median(s) * 1000 for s in (wrapped, bare))
    print(
        f"host-side deadline (timeout -k): {with_ms:.2f} ms per check with it, "
        f"{without_ms:.2f} ms without (median of {calls} each, interleaved): "
        f"{with_ms - without_ms:+.2f} ms"
    )


def _unwrapped(command: str, seconds: float, kill_after: float) -> str:
    return command


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--env", default="sandbox")
    parser.add_argument("--envdir", type=Path, default=None)
    parser.add_argument("--calls", type=int, default=200)
    parser.add_argument("--hosts", type=int, default=0, help="per-host part: at most N hosts")
    parser.add_argument("--quick", action="store_true", help="20 calls")
    args = parser.parse_args()
    if args.quick:
        args.calls = 20
    env = load_environment(args.env, directory=args.envdir, ansible=list_inventory)
    if env.inventory.probe.netns:
        netns.enter(env.inventory.probe.netns)
    ssh = env.inventory.ssh
    pool = HostPool(env)
    names = list(env.inventory.hosts)[: args.hosts or None]
    pool.open(names)
    first = pool.get(names[0])
    connection = first.spec.connection
    failed = [f"{n} (exit {r.rc})" for n in names if (r := pool.get(n).run("true")).rc != 0]
    if failed:  # a benchmark of a command that fails measures nothing
        raise SystemExit(f"`true` failed on {', '.join(failed)}: expected exit 0 on every host")

    golive_ms = median_ms(lambda: first.run("true"), args.calls)
    print(f"golive: {golive_ms:.2f} ms per check (median of {args.calls}, {connection})")
    deadline_part(first.run, args.calls)

    login: dict[str, Any] = {}
    if ssh.identity_file:
        login["ssh_identity_file"] = str(ssh.identity_file)
    if ssh.known_hosts:
        login["ssh_extra_args"] = f"-o UserKnownHostsFile={ssh.known_hosts}"
    yard = testinfra.get_host(connection, **login)
    yard_calls = max(5, args.calls // 20)
    yard_ms = median_ms(lambda: yard.run("true"), yard_calls)
    print(
        f"yardstick, Testinfra's default ssh transport: {yard_ms:.2f} ms per check "
        f"(median of {yard_calls}); golive is {yard_ms / golive_ms:.0f}x faster"
    )

    if ssh.control_path:
        before = testinfra.get_host(
            connection,
            ssh_extra_args=" ".join(
                f"-o {opt}"
                for opt in (
                    "BatchMode=yes",
                    "ServerAliveInterval=5",
                    "ServerAliveCountMax=2",
                    f"ConnectTimeout={max(1, round(ssh.connect_timeout))}",
                    *([f"UserKnownHostsFile={ssh.known_hosts}"] if ssh.known_hosts else []),
                )
            ),
            controlpersist=ssh.control_persist,
            controlpath=str(ssh.control_path).replace("%", "%%"),
            **({"ssh_identity_file": str(ssh.identity_file)} if ssh.identity_file else {}),
        )
        before_ms = median_ms(lambda: before.run("true"), args.calls)
        print(
            f"Testinfra's ssh transport as golive configured it before (ControlPath, one ssh "
            f"client per command): {before_ms:.2f} ms per check; golive is "
            f"{before_ms / golive_ms:.1f}x faster"
        )

    if shutil.which("ansible-inventory"):
        ansible_part(env, names[0], golive_ms, yard_calls, 1 if args.quick else 3)

    targets = [pool.get(n) for n in names]
    rounds = 20
    for count in sorted({1, min(5, len(targets)), len(targets)}):
        chosen = targets[:count]
        serial = median_ms(functools.partial(in_turn, chosen), rounds)
        with ThreadPoolExecutor(count) as threads:
            together = median_ms(functools.partial(together_on, threads, chosen), rounds)
        print(
            f"{count} host(s), one check on each: {serial:.1f} ms in turn "
            f"({serial / count:.2f} ms/host), {together:.1f} ms concurrently"
        )


def ansible_part(env: Any, name: str, golive_ms: float, calls: int, forced: int) -> None:
    """Testinfra's ansible:// backend on host ``name``, from an Ansible inventory of it."""
    ssh, host = env.inventory.ssh, env.inventory.hosts[name]
    hostvars: dict[str, Any] = {"ansible_host": str(host.address)}
    if ssh.user:
        hostvars["ansible_user"] = ssh.user
    if ssh.identity_file:
        hostvars["ansible_ssh_private_key_file"] = str(ssh.identity_file)
    if ssh.known_hosts:
        hostvars["ansible_ssh_common_args"] = (
            f"-o UserKnownHostsFile={ssh.known_hosts} -o StrictHostKeyChecking=yes"
        )
    with tempfile.TemporaryDirectory() as tmp:
        inventory = Path(tmp) / "hosts.yml"
        inventory.write_text(yaml.safe_dump({"all": {"hosts": {name: hostvars}}}))
        for label, force, count in (("default", False, calls), ("force_ansible", True, forced)):
            target = testinfra.get_host(
                f"ansible://{name}", ansible_inventory=str(inventory), force_ansible=force
            )
            ms = median_ms(functools.partial(target.run, "true"), count)
            print(
                f"Testinfra's ansible:// backend ({label}): {ms:.2f} ms per check (median of "
                f"{count}); golive is {ms / golive_ms:.0f}x faster"
            )


if __name__ == "__main__":
    main()
