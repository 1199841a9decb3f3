"""The ``golive`` command line."""

from __future__ import annotations

import argparse
import importlib
import os
import re
import signal
import sys
from importlib import metadata
from pathlib import Path
from typing import NoReturn

from golive.model.errors import GoliveError

USAGE_EXIT = 4  # README's exit-code table: a usage or configuration error
WRITES_REPORTS = ("certify", "watch", "report", "certificate", "bundle")
"""The commands that write the reports directory: one that cannot is NO-GO, exit 6."""
SIGPIPE_EXIT = 128 + signal.SIGPIPE
_RST = re.compile(r"``(?P<literal>[^`]+)``|:[a-z]+:`~?(?P<role>[^`]+)`")
ENVDIR_HELP = "directory of environments (default: $GOLIVE_ENVDIR or ./environments)"


class _Parser(argparse.ArgumentParser):
    """argparse with golive's exit status for usage errors (4, not argparse's 2)."""

    def error(self, message: str) -> NoReturn:
        self.print_usage(sys.stderr)
        self.exit(USAGE_EXIT, f"{self.prog}: error: {message}\n")

    def format_help(self) -> str:
        """The help as a reader sees it: descriptions come from docstrings, whose RST markup
        (``literal``, :role:`name`) is shown as plain text."""
        return _RST.sub(lambda m: m["literal"] or m["role"], super().format_help())


def version() -> str:
    """golive's own version (of the installed distribution)."""
    try:
        return metadata.version("golive")
    except metadata.PackageNotFoundError:
        return "unknown"


GROUPS: dict[str, tuple[str, ...]] = {
    "sandbox": ("sandbox",),
    "report": ("report", "certificate", "bundle", "plan-coverage"),
    "parity": ("parity",),
    "certify": ("certify",),
    "watch": ("watch",),
    "validate": ("validate",),
}
"""Each command group's module under golive.cli and the commands it registers, in ``--help``'s
order (tests/unit/test_cli_messages.py checks that they agree)."""


def _command(argv: list[str]) -> str | None:
    """The command ``argv`` names (its first word that is no option nor ``--envdir``'s value)."""
    words = iter(argv)
    for word in words:
        if word == "--envdir":
            next(words, None)
        elif not word.startswith("-"):
            return word
    return None


def parser(argv: list[str] | None = None) -> argparse.ArgumentParser:
    """golive's parser; given the ``argv`` to parse, with only the group of the command it
    names (a known one): each group's module imports what its commands need (certify and
    report the gate and Allure's metadata, half a second), which `golive sandbox up` when
    everything runs, wanted in 2 s (issue 25), would otherwise pay too."""
    top = _Parser(prog="golive", description=__doc__)
    top.add_argument("--version", action="version", version=f"golive {version()}")
    top.add_argument("--envdir", help=ENVDIR_HELP)
    sub: argparse._SubParsersAction[argparse.ArgumentParser] = top.add_subparsers(
        dest="command", required=True, parser_class=_Parser
    )
    wanted = _command(argv) if argv is not None else None
    groups = [g for g, names in GROUPS.items() if wanted in names] or list(GROUPS)
    for group in groups:
        # each command group registers itself; imported here so `golive --help` stays cheap
        module = importlib.import_module(f"golive.cli.{group}")
        register = module.add_commands if group == "report" else module.add_command
        register(sub)
    for command in sub.choices.values():
        # `golive <cmd> --envdir DIR` as well as `golive --envdir DIR <cmd>`: SUPPRESS keeps a
        # command that is not given it from overwriting the one given before the command
        command.add_argument("--envdir", default=argparse.SUPPRESS, help=ENVDIR_HELP)
    return top


def main(argv: list[str] | None = None) -> int:
    try:  # the commands' modules read golive's registry of suites as they are imported
        args = parser(sys.argv[1:] if argv is None else argv).parse_args(argv)
    except GoliveError as exc:
        print(f"golive: {exc}", file=sys.stderr)
        return exc.exit_code
    if not args.envdir:
        return _run(args)
    # the command and the pytest runs it starts find the environments through GOLIVE_ENVDIR;
    # set only for the command's duration, so that a caller in the same process (a test) is
    # left with the environment it had
    before = os.environ.get("GOLIVE_ENVDIR")
    os.environ["GOLIVE_ENVDIR"] = str(Path(args.envdir).resolve())
    try:
        return _run(args)
    finally:
        if before is None:
            os.environ.pop("GOLIVE_ENVDIR", None)
        else:
            os.environ["GOLIVE_ENVDIR"] = before


def _run(args: argparse.Namespace) -> int:
    # imported here, as the commands are (parser()): what it imports reads golive's registry
    # of suites, whose typo main() says in one line
    from golive.report.files import WriteError

    try:
        code: int = args.func(args)
        sys.stdout.flush()
    except GoliveError as exc:
        print(f"golive: {exc}", file=sys.stderr)
        if isinstance(exc, WriteError) and args.command in WRITES_REPORTS:
            # what it could not write makes the run's evidence incomplete: never a GO
            print("golive verdict: NO-GO", file=sys.stderr)
        return exc.exit_code
    except BrokenPipeError:
        # the reader went away (`golive plan-coverage | head`): stop quietly, as a shell
        # command killed by SIGPIPE would; stdout is pointed at /dev/null so that the
        # interpreter's own final flush does not fail again
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return SIGPIPE_EXIT
    return code


if __name__ == "__main__":
    sys.exit(main())
