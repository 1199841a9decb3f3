"""``golive parity A B``: the drift between two environments or snapshots."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from golive.judge import parity
from golive.model.expectations.predeploy import Parity
from golive.probe import facts


def run(args: argparse.Namespace) -> int:
    a, env_a = facts.resolve(args.a)
    if args.save:
        Path(args.save).write_text(json.dumps(a, indent=2, sort_keys=True) + "\n")
        print(f"snapshot of {a['env']} written to {args.save}")
        if args.b is None:
            return 0
    if args.b is None:
        print("golive parity: give a second environment or snapshot (or --save FILE)")
        return 2
    b, _ = facts.resolve(args.b)
    allow = list(args.allow)
    spec = env_a.expectations.get(Parity) if env_a is not None else None
    if spec is not None:
        allow += spec.allow
    drift = parity.diff(a, b, allow)
    for item in drift:
        print(item.line(args.a, args.b))
    print(f"parity {args.a} vs {args.b}: {len(drift) or 'no'} drift")
    return 1 if drift else 0


def add_command(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    cmd = sub.add_parser("parity", help="drift between two environments or snapshot files")
    cmd.add_argument("a", help="environment name, environment directory or snapshot .json")
    cmd.add_argument("b", nargs="?", help="the environment or snapshot to compare with")
    cmd.add_argument("--allow", action="append", default=[], help="glob of an expected drift key")
    cmd.add_argument("--save", metavar="FILE", help="write A's snapshot to FILE")
    cmd.set_defaults(func=run)
