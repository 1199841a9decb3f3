"""``golive watch --for 30m --every 1m``: the first hour after go-live.

Runs the watch checks (suites/watch) through pytest, so the watch writes verdict.json and
Allure results like any run: every interval one line with each metric's measurement (the
SLOs from Prometheus, critical alerts, the smoke order), then the gate's verdict and the
watch's own closing line: GO, NO-GO with the rollback it recommends and the trigger, or
INCONCLUSIVE (which the gate counts as NO-GO: no data is never a pass). The series and a
plot per metric with its threshold land in ``reports/watch/``.
"""

from __future__ import annotations

import argparse
import json
import re
import subprocess
import sys
from pathlib import Path

from golive.model.errors import UsageError

REPO = Path(__file__).resolve().parents[2]
WATCH_SUITE = REPO / "pytest_golive" / "suites" / "watch"
_DURATION = re.compile(r"^(\d+(?:\.\d+)?)([smh]?)$")


def seconds(text: str) -> float:
    """``90``, ``90s``, ``30m`` or ``1h`` in seconds."""
    match = _DURATION.match(text.strip())
    if not match or float(match.group(1)) <= 0:
        raise UsageError(f"a duration like 20s, 30m or 1h was expected, not {text!r}")
    return float(match.group(1)) * {"": 1, "s": 1, "m": 60, "h": 3600}[match.group(2)]


def run(args: argparse.Namespace) -> int:
    duration, every = seconds(args.duration), seconds(args.every)
    if every > duration:
        raise UsageError(f"--every {args.every} is longer than --for {args.duration}")
    root = Path(args.reports).resolve()
    summary = root / "watch" / "watch.json"
    summary.unlink(missing_ok=True)
    cmd = [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-q", "-m", "watch",
           f"--golive-reports={root}", f"--golive-watch-for={duration:g}",
           f"--golive-watch-every={every:g}", *(["--env", args.env] if args.env else []),
           str(WATCH_SUITE)]  # fmt: skip
    print(f"golive watch: every {every:g} s for {duration:g} s")
    code = subprocess.run(cmd, cwd=REPO).returncode
    if summary.is_file():
        print(json.loads(summary.read_text(encoding="utf-8"))["summary"])
        print(f"watch series and plots: {summary.parent}")
    else:
        print("watch verdict: INCONCLUSIVE (the watch did not complete)")
    return code


def add_command(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    cmd = sub.add_parser("watch", help="after go-live: poll SLOs, alerts and smoke; verdict")
    cmd.add_argument("--for", dest="duration", default="30m", help="how long (default 30m)")
    cmd.add_argument("--every", default="1m", help="interval between measurements (default 1m)")
    cmd.add_argument("--env", help="environment (default: $GOLIVE_ENV or sandbox)")
    cmd.add_argument("--reports", default="reports", help="reports directory (default: reports)")
    cmd.set_defaults(func=run)
