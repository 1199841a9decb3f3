"""``golive validate --env NAME``: load and validate a whole environment without running a
check: inventory (and the Ansible inventory it names), expectations, roles, secrets,
waivers and sign-offs. Every problem is one line, all of them at once; exit 0 or 4."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from golive.gate.signoffs import read_signoffs
from golive.gate.waivers import read_waivers
from golive.model.environment import envdir, inspect_environment
from golive.model.errors import ConfigError
from golive.probe.ansible import list_inventory

INVALID = 4  # README's exit-code table: a configuration error


def _file(read: Callable[[Path], tuple[Any, list[ConfigError]]], path: Path) -> list[ConfigError]:
    try:
        return read(path)[1]
    except ConfigError as exc:  # the file as a whole: unreadable, not YAML, too large
        return [exc]


def problems(name: str) -> tuple[str, list[ConfigError]]:
    """What the environment is (a one-line summary) and every problem it has."""
    env, found = inspect_environment(name, ansible=list_inventory)
    path = env.path if env is not None else envdir() / name
    if env is not None or (name and "/" not in name and not name.startswith(".")):
        # the waivers and sign-offs also when the inventory itself is invalid
        found += _file(read_waivers, path / "waivers.yml")
        found += _file(read_signoffs, path / "signoffs.yml")
    if env is None:
        return name, found
    inv = env.inventory
    source = f", hosts from {inv.hosts_from.ansible}" if inv.hosts_from else ""
    summary = (
        f"{inv.name} (release {inv.release.version}): {len(inv.hosts)} hosts "
        f"({', '.join(inv.hosts)}){source}"
    )
    return summary, found


def run(args: argparse.Namespace) -> int:
    summary, found = problems(args.env)
    for problem in found:
        print(f"golive: {problem}")
    if found:
        print(f"environment {args.env}: {len(found)} problem(s)", file=sys.stderr)
        return INVALID
    print(f"environment {summary}: valid")
    return 0


def add_command(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    cmd = sub.add_parser(
        "validate",
        help="validate an environment's files without running a check (every problem, "
        "one line each; exit 0 or 4)",
    )
    cmd.add_argument(
        "--env",
        default=os.environ.get("GOLIVE_ENV", "sandbox"),
        help="environment to validate (default: $GOLIVE_ENV or sandbox)",
    )
    cmd.set_defaults(func=run)
