"""The ``golive`` command line."""

from __future__ import annotations

import argparse
import sys
import time

from golive.errors import GoliveError
from golive.sandbox import faults, lifecycle
from golive.sandbox.context import Sandbox


def _sandbox(args: argparse.Namespace) -> int:
    sbx = Sandbox.load(args.env)
    started = time.monotonic()
    if args.action == "up":
        lifecycle.up(sbx)
        print(f"sandbox {sbx.env.name} is up ({time.monotonic() - started:.1f} s)")
    elif args.action == "down":
        lifecycle.down(sbx)
        print(f"sandbox {sbx.env.name} is down")
    elif args.action == "status":
        rows = lifecycle.status(sbx)
        for row in rows:
            print(f"{row.label:<24} {row.endpoint:<20} {'up' if row.up else 'DOWN'}")
        for name in faults.active(sbx):
            print(f"fault injected: {name}")
        return 0 if all(r.up for r in rows) else 1
    elif args.action in ("fault", "heal"):
        if not args.name:
            print("\n".join(f"{n:<28} {f.host:<6} {f.breaks}" for n, f in faults.catalog().items()))
            return 0
        if args.action == "fault":
            print(f"injected {args.name}: {faults.inject(sbx, args.name).breaks}")
        else:
            faults.heal(sbx, args.name)
            print(f"healed {args.name}")
    return 0


def add_report_commands(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Report, certificate, bundle and plan-coverage commands."""
    from golive.cli_report import add_commands

    add_commands(sub)


def add_parity_command(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """``golive parity``: drift between environments (issue 4)."""
    from golive.cli_parity import add_command

    add_command(sub)


def parser() -> argparse.ArgumentParser:
    top = argparse.ArgumentParser(prog="golive", description=__doc__)
    sub = top.add_subparsers(dest="command", required=True)
    sbx = sub.add_parser("sandbox", help="manage the embedded sandbox environment")
    sbx.add_argument("action", choices=["up", "down", "status", "fault", "heal"])
    sbx.add_argument("name", nargs="?", help="fault name (fault/heal; omit to list the catalog)")
    sbx.add_argument("--env", default="sandbox", help="sandbox environment (default: sandbox)")
    sbx.set_defaults(func=_sandbox)
    add_report_commands(sub)
    add_parity_command(sub)
    return top


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    try:
        code: int = args.func(args)
    except GoliveError as exc:
        print(f"golive: {exc}", file=sys.stderr)
        return exc.exit_code
    return code


if __name__ == "__main__":
    sys.exit(main())
