"""``golive certify``: the whole plan in its order, one verdict, report, certificate, bundle.

The suites run in one pytest session, in the plan's order (predeploy, smoke, integration,
performance, security, monitoring, backup, rollback; destructive drills last, as the safety
plugin orders them). Then every plan item must have passing evidence: an item that a
blocker or critical check names, or that no check names, or whose sign-off policy requires,
and that this run did not prove, makes the verdict NO-GO (each named as a blocker); the
other unproven items are listed as open. The report, certificate and bundle follow.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from golive.cli import report
from golive.gate.coverage import unproven
from golive.gate.plan import load_plan
from golive.gate.severity import load_suite_defaults
from golive.gate.verdict import FINAL_LABEL, WRITE_FAILED
from golive.model.errors import GoliveError
from golive.model.resources import resource
from golive.probe import children
from golive.report.files import write_atomic
from golive.report.output import read_verdict

SUITES = resource("pytest_golive.suites")
"""golive's suites, wherever golive is installed (package data of pytest_golive)."""
ORDER = load_suite_defaults().certify_order()
"""The suites certify runs, in their order: each suite's ``certify`` place in gate/suites.yml."""
NO_GO_EXIT = 1
NOT_RUN = "not run: golive certify --no-load leaves the load checks out"
COLLECT_TIMEOUT_S = 300
NO_CHECK_SELECTED = 5  # pytest's exit status when no test is collected
"""How long listing the load checks --no-load leaves out may take (a collection, no check)."""
SUITES_LABEL = "suites verdict"
"""The suites' own verdict line (not the final one: the plan and the reports may change it)."""


def suite_paths() -> list[str]:
    """The suites' directories in the plan's order (those present)."""
    return [str(SUITES / name) for name in ORDER if (SUITES / name).is_dir()]


def left_out(env: str | None, pytest_args: Sequence[str] = ()) -> tuple[list[str], str]:
    """The load checks ``--no-load`` leaves out of the run (``pytest_args``: the run's own, a
    ``-k`` narrows both), as verdict.json names checks (collected, not run), and what went
    wrong listing them ("" when nothing did)."""
    cmd = [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-q", "--collect-only",
           "-m", "performance", *(["--env", env] if env else []), *pytest_args,
           *suite_paths()]  # fmt: skip
    try:
        out = subprocess.run(cmd, capture_output=True, text=True, timeout=COLLECT_TIMEOUT_S)
    except (OSError, subprocess.TimeoutExpired) as exc:
        return [], f"not listed: {exc}"
    ids = [line.strip() for line in out.stdout.splitlines() if "::" in line]
    if out.returncode == NO_CHECK_SELECTED:
        return [], ""
    if out.returncode != 0 or not ids:
        return [], f"not listed: collecting them exited {out.returncode}"
    # named as verdict.json names golive's checks: suites/..., wherever the package is
    return [i.split("pytest_golive/", 1)[-1] for i in ids], ""


def prove_plan(root: Path, not_run: Sequence[str] = ()) -> tuple[list[str], list[str]]:
    """Amend the run's verdict.json with the plan items it leaves unproven: required ones
    become blockers (NO-GO), the others ``plan_open``; the checks certify left out of the run
    (``not_run``: ``--no-load``'s load checks) are missing evidence. Returns (required, open)."""
    doc: dict[str, Any] = read_verdict(root)
    required, opened = unproven(load_plan(), doc.get("checks") or [], doc.get("signoffs") or [])
    doc["plan_open"] = opened
    if not_run:
        doc["missing"] = [
            *(doc.get("missing") or []),
            *({"check": check, "host": None, "message": NOT_RUN, "severity": None,
               "waiver": None} for check in not_run),
        ]  # fmt: skip
        doc["counts"] = {**(doc.get("counts") or {}), "missing": len(doc["missing"])}
    if required:
        doc["verdict"] = "NO-GO"
        doc["exit_code"] = NO_GO_EXIT
        doc["blockers"] = [
            *(doc.get("blockers") or []),
            *({"check": "plan", "host": None, "message": line, "severity": "critical",
               "waiver": None} for line in required),
        ]  # fmt: skip
        doc["counts"] = {**(doc.get("counts") or {}), "blockers": len(doc["blockers"])}
    write_atomic(root / "verdict.json", json.dumps(doc, indent=2) + "\n")
    return required, opened


def run(args: argparse.Namespace) -> int:
    """The suites (their verdict labelled ``suites verdict``), the plan, the certificate,
    report and bundle; then the one final ``golive verdict:`` line, last, from verdict.json as
    the plan left it (NO-GO where a step after it failed)."""
    started = time.monotonic()
    root = Path(args.reports).resolve()
    cmd = [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-q",
           f"--golive-reports={root}", f"--golive-verdict-label={SUITES_LABEL}",
           *(["--env", args.env] if args.env else []),
           *(["-m", "not performance"] if args.no_load else []), *args.pytest_args,
           *suite_paths()]  # fmt: skip
    print(
        f"golive certify: {' '.join(ORDER)} (drills last){' without load' if args.no_load else ''}"
    )
    # run where golive is run (./environments is the caller's); pytest finds its rootdir and
    # ini file from the suites' paths: the checkout's pytest.ini, or none in site-packages
    code = children.foreground(cmd)  # Ctrl-C: passed on, the run ends interrupted
    if not (root / "verdict.json").is_file() or code in (2, 3, 4, WRITE_FAILED):
        # interrupted, crashed, misconfigured, or its files could not be written: the run's
        # own verdict stands (what is on disk may not even be this run's); always a NO-GO
        return _final("NO-GO", code, started)
    not_run, unlisted = left_out(args.env, args.pytest_args) if args.no_load else ([], "")
    if unlisted:
        print(f"golive certify: the load checks --no-load left out are {unlisted}")
    required, opened = prove_plan(root, not_run)
    if not_run:
        print(f"golive certify: missing evidence: {len(not_run)} load checks --no-load left out")
    verdict = read_verdict(root)["verdict"]
    for line in required:
        print(f"golive certify: NO-GO: {line}")
    for line in opened:
        print(f"golive certify: open: {line}")
    failed: dict[str, int] = {}
    for command in ("certificate", *(() if args.no_report else ("report",)), "bundle"):
        if (step := _step(_report_args(command, root))) != 0:
            failed[command] = step
    if failed:  # a certification without its certificate, report or bundle is not one
        verdict = "NO-GO"
        print(f"golive certify: NO-GO: golive {', '.join(failed)} failed (see above)")
    if code == 0 and failed:
        code = next(iter(failed.values()))
    elif required and code == 0:
        code = NO_GO_EXIT
    return _final(verdict, code, started)


def _report_args(command: str, root: Path) -> argparse.Namespace:
    """A report command's arguments, as ``golive COMMAND --reports ROOT`` parses them."""
    top = argparse.ArgumentParser(prog="golive")
    report.add_commands(top.add_subparsers(dest="command", required=True))
    return top.parse_args([command, "--reports", str(root)])


def _step(args: argparse.Namespace) -> int:
    """One of the report commands as a step of certify: its error in one line, and no verdict
    line of its own (certify's final line says NO-GO)."""
    try:
        code: int = args.func(args)
    except GoliveError as exc:
        print(f"golive: {exc}", file=sys.stderr)
        return exc.exit_code
    return code


def _final(verdict: str, code: int, started: float) -> int:
    """The final verdict line, after everything else (stderr's lines too); returns ``code``."""
    print(f"golive certify: done in {time.monotonic() - started:.1f} s, exit status {code}")
    sys.stderr.flush()
    print(f"{FINAL_LABEL}: {verdict}", flush=True)
    return code


def add_command(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    cmd = sub.add_parser(
        "certify", help="run the whole plan in order: one verdict, report, certificate, bundle"
    )
    cmd.add_argument("--env", help="environment (default: $GOLIVE_ENV or sandbox)")
    cmd.add_argument("--reports", default="reports", help="reports directory (default: reports)")
    cmd.add_argument(
        "--no-load", action="store_true", help="leave the performance (load) suite out"
    )
    cmd.add_argument(
        "--no-report", action="store_true", help="skip the Allure HTML report (certificate "
        "and bundle are still written)",
    )  # fmt: skip
    cmd.add_argument("pytest_args", nargs="*", help="extra pytest options after --, e.g. -- -n 2")
    cmd.set_defaults(func=run)
