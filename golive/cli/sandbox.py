"""``golive sandbox up|down|status|fault|heal``: the embedded sandbox."""

from __future__ import annotations

import argparse
import time

from golive.model.errors import SandboxError
from golive.sandbox import clock, faults, hostns, lifecycle
from golive.sandbox.context import Sandbox
from golive.sandbox.services import light


def _label(sbx: Sandbox) -> str:
    """``sandbox``, or ``sandbox NAME`` for a sandbox environment of another name."""
    return "sandbox" if sbx.env.name == "sandbox" else f"sandbox {sbx.env.name}"


def run(args: argparse.Namespace) -> int:
    if args.extra_app_hosts is not None and args.action != "up":
        raise SandboxError("--extra-app-hosts goes with `golive sandbox up`")
    if args.reprovision and args.action != "up":
        raise SandboxError("--reprovision goes with `golive sandbox up`")
    sbx = Sandbox.load(args.env)
    started = time.monotonic()
    if args.action == "up":
        lifecycle.up(sbx, args.extra_app_hosts, args.reprovision)
        print(f"{_label(sbx)} up ({time.monotonic() - started:.1f} s)")
        if names := light.present(sbx):
            print(
                f"{len(names)} light app hosts; their environment: "
                f"--envdir {light.envdir(sbx)} --env {light.env_name(sbx)}"
            )
    elif args.action == "down":
        lifecycle.down(sbx)
        print(f"{_label(sbx)} down")
    elif args.action == "status":
        rows = lifecycle.status(sbx)
        for row in rows:
            print(f"{row.label:<24} {row.endpoint:<20} {'up' if row.up else 'DOWN'}")
        for held in hostns.status(sbx):
            # the host's clock beside its namespaces: libfaketime's offset (a clock_skew
            # fault shows as +90 s), "+0 s" when the host's clock is the machine's
            # (a host that holds no namespaces, as after a reboot, has no ids: "none")
            label = f"{held.host}/namespaces"
            if not held.ids:
                print(f"{label:<24} none")
                continue
            holder = f"holder {held.holder}"
            ids = " ".join(held.ids.get(ns, "?") for ns in hostns.NAMESPACES)
            print(f"{label:<24} {holder:<20} {ids} clock {clock.offset(sbx, held.host)} s")
        for name in faults.active(sbx):
            print(f"fault injected: {name}")
        return 0 if all(r.up for r in rows) else 1
    elif args.action in ("fault", "heal"):
        if not args.name:
            print("\n".join(faults.listing()))
            return 0
        if args.action == "fault":
            print(f"injected {args.name}: {faults.inject(sbx, args.name).breaks}")
        else:
            faults.heal(sbx, args.name)
            print(f"healed {args.name}")
    return 0


def add_command(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    sbx = sub.add_parser("sandbox", help="manage the embedded sandbox environment")
    sbx.add_argument("action", choices=["up", "down", "status", "fault", "heal"])
    sbx.add_argument("name", nargs="?", help="fault name (fault/heal; omit to list the catalog)")
    sbx.add_argument("--env", default="sandbox", help="sandbox environment (default: sandbox)")
    sbx.add_argument(
        "--extra-app-hosts",
        type=int,
        metavar="N",
        help="up: run N light app hosts (sshd and an HTTP listener each) beside the sandbox's "
        "and write their environment (0 removes them; default: keep those there are)",
    )
    sbx.add_argument(
        "--reprovision",
        action="store_true",
        help="up: rewrite every configuration file of the services it starts from its "
        "template, also one changed since golive wrote it (an injected fault); without it, "
        "such a file is kept, as a package upgrade keeps an edited configuration file",
    )
    sbx.set_defaults(func=run)
