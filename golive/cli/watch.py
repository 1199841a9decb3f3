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
import math
import os
import re
import sys
import time
from pathlib import Path

from golive.model.environment import envdir, load_environment
from golive.model.errors import UsageError
from golive.model.resources import resource
from golive.probe import children
from golive.probe.ansible import list_inventory
from golive.report.files import discard

WATCH_SUITE = resource("pytest_golive.suites", "watch")
"""The watch checks, wherever golive is installed (package data of pytest_golive)."""
_DURATION = re.compile(r"^(\d+(?:\.\d+)?)([smh]?)$")
# The bounds of the watch (README, `golive watch --help`): an interval shorter than a second
# floods Prometheus and the app with measurements; one longer than an hour is not a watch;
# a watch longer than a week is a monitoring system's job.
EVERY_MIN_S, EVERY_MAX_S = 1.0, 3600.0
FOR_MAX_S = 7 * 86_400.0


def seconds(text: str) -> float:
    """``90``, ``90s``, ``30m`` or ``1h`` in seconds."""
    match = _DURATION.match(text.strip())
    if not match or float(match.group(1)) <= 0:
        raise UsageError(f"a duration like 20s, 30m or 1h was expected, not {text!r}")
    return float(match.group(1)) * {"": 1, "s": 1, "m": 60, "h": 3600}[match.group(2)]


def bounded(duration_text: str, every_text: str) -> tuple[float, float]:
    """``--for`` and ``--every`` in seconds, within the watch's bounds: ``--every`` from 1 s
    to 1 h, ``--for`` from ``--every`` to 7 days; anything else is a UsageError (exit 4)."""
    try:
        every = seconds(every_text)
    except UsageError as exc:
        raise UsageError(f"--every: {exc}") from None
    try:
        duration = seconds(duration_text)
    except UsageError as exc:
        raise UsageError(f"--for: {exc}") from None
    if not (math.isfinite(every) and EVERY_MIN_S <= every <= EVERY_MAX_S):
        raise UsageError(
            f"--every: an interval from {EVERY_MIN_S:g} s to {EVERY_MAX_S / 3600:g} h, "
            f"not {every_text!r}"
        )
    if not (math.isfinite(duration) and every <= duration <= FOR_MAX_S):
        raise UsageError(
            f"--for: a duration from --every ({every:g} s) to {FOR_MAX_S / 86_400:g} days, "
            f"not {duration_text!r}"
        )
    return duration, every


def run(args: argparse.Namespace) -> int:
    duration, every = bounded(args.duration, args.every)
    # the environment (its watch thresholds, limits and the rest) is valid before the watch
    # starts: a configuration error is one line and exit 4, never a watch that cannot judge
    # (where the watch's pytest, run where golive is, looks for it)
    name = args.env or os.environ.get("GOLIVE_ENV") or "sandbox"
    env = load_environment(name, directory=envdir(), ansible=list_inventory)
    # a metric that cannot see a whole interval is refused before the watch polls
    from golive.model.expectations.monitoring import Watch
    from golive.model.promql import interval_blind_spots

    spec = env.expectations.get(Watch)
    found = interval_blind_spots(spec, every, env.path / "expectations.yml") if spec else []
    if found:
        raise found[0]
    root = Path(args.reports).resolve()
    summary = root / "watch" / "watch.json"
    started = time.time()
    discard(summary)  # where it cannot go, it is not read back as this watch's (below)
    cmd = [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-q", "-m", "watch",
           f"--golive-reports={root}", f"--golive-watch-for={duration:g}",
           f"--golive-watch-every={every:g}", *(["--env", args.env] if args.env else []),
           str(WATCH_SUITE)]  # fmt: skip
    print(f"golive watch: every {every:g} s for {duration:g} s")
    code = children.foreground(cmd)  # Ctrl-C: passed on, the run ends interrupted
    said = _summary(summary, started)
    if said is not None:
        print(said)
        print(f"watch series and plots: {summary.parent}")
    else:
        print("watch verdict: INCONCLUSIVE (the watch did not complete)")
    return code


def _summary(path: Path, since: float) -> str | None:
    """The watch's closing line from its summary, if this watch wrote one (an earlier watch's
    that could not be removed is not this one's)."""
    try:
        if path.stat().st_mtime < since:
            return None
        said = json.loads(path.read_text(encoding="utf-8"))["summary"]
    except (OSError, ValueError, KeyError, TypeError):
        return None
    return str(said)


def add_command(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    cmd = sub.add_parser("watch", help="after go-live: poll SLOs, alerts and smoke; verdict")
    cmd.add_argument(
        "--for",
        dest="duration",
        default="30m",
        help="how long, from --every to 7 days, e.g. 90s, 30m, 2h (default 30m)",
    )
    cmd.add_argument(
        "--every",
        default="1m",
        help="interval between measurements, from 1s to 1h (default 1m)",
    )
    cmd.add_argument("--env", help="environment (default: $GOLIVE_ENV or sandbox)")
    cmd.add_argument("--reports", default="reports", help="reports directory (default: reports)")
    cmd.set_defaults(func=run)
