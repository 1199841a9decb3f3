"""The ``golive`` command line."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from golive.model.errors import GoliveError


def parser() -> argparse.ArgumentParser:
    top = argparse.ArgumentParser(prog="golive", description=__doc__)
    top.add_argument(
        "--envdir", help="directory of environments (default: $GOLIVE_ENVDIR or ./environments)"
    )
    sub = top.add_subparsers(dest="command", required=True)
    # each command group registers itself; imported here so `golive --help` stays cheap
    from golive.cli import parity, report, sandbox

    sandbox.add_command(sub)
    report.add_commands(sub)
    parity.add_command(sub)
    return top


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    if args.envdir:
        os.environ["GOLIVE_ENVDIR"] = str(Path(args.envdir).resolve())
    try:
        code: int = args.func(args)
    except GoliveError as exc:
        print(f"golive: {exc}", file=sys.stderr)
        return exc.exit_code
    return code


if __name__ == "__main__":
    sys.exit(main())
