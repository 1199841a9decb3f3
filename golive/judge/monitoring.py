"""Monitoring, alerting, logging and process evidence: facts in, findings out (pure).

Every finding is one line naming the host (or the document) and the cause.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from fnmatch import fnmatch
from typing import Any

from golive.model.expectations.monitoring import Detection, Job
from golive.model.facts.monitoring import LogState, prometheus_duration, target_name

# -- Prometheus --------------------------------------------------------------------------


def scrape_targets(where: str, jobs: Mapping[str, Job], targets: list[dict[str, Any]]) -> list[str]:
    """Every expected job has at least its minimum of targets, and every one of them is up:
    zero targets is a finding, never "all up"."""
    findings = []
    for job, spec in jobs.items():
        mine = [t for t in targets if (t.get("labels") or {}).get("job") == job]
        if not mine:
            findings.append(
                f"{where}: Prometheus scrapes no target of job {job} "
                f"(expected at least {spec.min_targets})"
            )
            continue
        if len(mine) < spec.min_targets:
            names = ", ".join(target_name(t) for t in mine)
            findings.append(
                f"{where}: job {job} has {len(mine)} target(s), expected at least "
                f"{spec.min_targets}; scraped: {names}"
            )
        for t in mine:
            if t.get("health") != "up":
                why = t.get("lastError") or "no scrape yet"
                findings.append(
                    f"{where}: job {job} target {target_name(t)} is {t.get('health')}: {why}"
                )
    return findings


def alert_rules(where: str, names: Iterable[str], rules: list[dict[str, Any]]) -> list[str]:
    """Every named alert rule is loaded (by name: Prometheus only warns about a missing rule
    file) and its last evaluation was healthy."""
    findings = []
    alerting = {r.get("name"): r for r in rules if r.get("type") == "alerting"}
    for name in names:
        rule = alerting.get(name)
        if rule is None:
            findings.append(f"{where}: alert rule {name} is not loaded by Prometheus")
        elif rule.get("health") != "ok":
            why = rule.get("lastError") or "no error given"
            findings.append(
                f"{where}: alert rule {name} ({rule.get('file')}) has health "
                f"{rule.get('health')}: {why}"
            )
    return findings


def alertmanager_connected(where: str, data: Mapping[str, Any], url: str) -> list[str]:
    """Prometheus sends alerts to the expected Alertmanager (an active one, not dropped)."""
    base = url.rstrip("/")
    active = [a.get("url", "") for a in data.get("activeAlertmanagers") or []]
    if any(a.startswith(base) for a in active):
        return []
    dropped = [a.get("url", "") for a in data.get("droppedAlertmanagers") or []]
    seen = f"active: {', '.join(active) or 'none'}; dropped: {', '.join(dropped) or 'none'}"
    return [f"{where}: Prometheus is not connected to Alertmanager {base} ({seen})"]


def config_reloaded(where: str, runtime: Mapping[str, Any]) -> list[str]:
    """The last configuration (re)load succeeded."""
    if runtime.get("reloadConfigSuccess") is True:
        return []
    when = runtime.get("lastConfigTime", "?")
    return [f"{where}: Prometheus's last configuration reload failed (last good load {when})"]


def firing(where: str, alerts: list[dict[str, Any]], severities: Iterable[str]) -> list[str]:
    """The firing alerts of the given severities, one line each with their labels."""
    wanted = set(severities)
    out = []
    for a in alerts:
        labels = a.get("labels") or {}
        if a.get("state") == "firing" and labels.get("severity") in wanted:
            rest = ", ".join(f"{k}={v}" for k, v in sorted(labels.items()) if k != "alertname")
            out.append(
                f"{where}: alert {labels.get('alertname', '?')} is firing since "
                f"{a.get('activeAt', '?')} ({rest})"
            )
    return out


def time_to_fire(
    where: str,
    names: Iterable[str],
    rules: list[dict[str, Any]],
    targets: list[dict[str, Any]],
    detection: Detection,
) -> list[str]:
    """Each named alert fires within its detection budget after its condition starts, at the
    latest: its ``for`` + the longest scrape interval of the jobs it reads (every job unless
    declared) + its group's evaluation interval. Anything unreadable is a finding."""
    alerting = {r.get("name"): r for r in rules if r.get("type") == "alerting"}
    intervals: dict[str, list[float | None]] = {}
    for t in targets:
        job = str((t.get("labels") or {}).get("job") or t.get("scrapePool"))
        intervals.setdefault(job, []).append(prometheus_duration(t.get("scrapeInterval")))
    findings = []
    for name in names:
        rule = alerting.get(name)
        if rule is None:
            findings.append(f"{where}: alert {name} is not loaded: its time to fire is unknown")
            continue
        spec = detection.alerts.get(name)
        jobs = (spec.jobs if spec and spec.jobs else None) or sorted(intervals)
        severity = str((rule.get("labels") or {}).get("severity", ""))
        budget = spec.budget_s if spec and spec.budget_s else detection.budget_s.get(severity)
        if budget is None:
            findings.append(
                f"{where}: alert {name} has severity {severity or '(none)'}, for which the "
                f"environment declares no detection budget"
            )
            continue
        if not jobs:
            findings.append(f"{where}: alert {name}: Prometheus scrapes no job it could read")
            continue
        scrape: tuple[float, str] | None = (0.0, "")
        for job in jobs:
            seen = intervals.get(job) or [None]
            if any(v is None for v in seen):
                findings.append(
                    f"{where}: alert {name}: the scrape interval of job {job} is unknown "
                    "(no target, or not a duration)"
                )
                scrape = None
                break
            longest = max(v for v in seen if v is not None)
            if scrape is not None and longest > scrape[0]:
                scrape = (longest, job)
        hold = rule.get("duration")
        evaluation = rule.get("interval")
        if not isinstance(hold, (int, float)) or not isinstance(evaluation, (int, float)):
            findings.append(
                f"{where}: alert {name}: Prometheus does not give its for ({hold!r}) or its "
                f"group's evaluation interval ({evaluation!r})"
            )
            continue
        if scrape is None:
            continue
        total = float(hold) + scrape[0] + float(evaluation)
        if total > budget:
            findings.append(
                f"{where}: alert {name} ({severity or 'no severity'}) fires at the latest "
                f"{total:g} s after its condition starts (for {float(hold):g} s + scrape "
                f"interval {scrape[0]:g} s of job {scrape[1]} + evaluation interval "
                f"{float(evaluation):g} s); the detection budget is {budget:g} s"
            )
    return findings


# -- promtool rule unit tests -------------------------------------------------------------


def promtool_result(where: str, file: str, rc: int, output: str) -> list[str]:
    """promtool's own verdict, from its output: SUCCESS and no FAILED, and exit status 0."""
    failed = "FAILED" in output
    if rc == 0 and "SUCCESS" in output and not failed:
        return []
    lines = [ln.strip() for ln in output.splitlines() if ln.strip()]
    detail = "; ".join(
        ln for ln in lines if ln.startswith(("name:", "alertname:", "FAILED", "error", "Error"))
    )
    what = "failed" if failed else f"did not report SUCCESS (exit {rc})"
    return [f"{where}: promtool test rules {file} {what}: {detail or ' '.join(lines)[:300]}"]


def rule_tests_cover(
    where: str, file: str, doc: Any, alerts: Iterable[str], defined: set[str]
) -> list[str]:
    """Each named alert has a test expecting it to fire (a test with ``exp_alerts: []`` passes
    for a misspelt name), and every alert the tests name is one the rules define."""
    if not isinstance(doc, dict) or not isinstance(doc.get("tests"), list):
        return [f"{where}: {file} is not a promtool rule test file (no tests: list)"]
    firing: set[str] = set()
    named: set[str] = set()
    for test in doc["tests"]:
        for case in (test or {}).get("alert_rule_test") or []:
            name = str((case or {}).get("alertname", ""))
            named.add(name)
            if (case or {}).get("exp_alerts"):
                firing.add(name)
    findings = [
        f"{where}: {file} has no test expecting alert {name} to fire "
        "(a test with exp_alerts: [] passes even for a misspelt alert name)"
        for name in alerts
        if name not in firing
    ]
    findings += [
        f"{where}: {file} tests alert {name}, which no loaded rule defines (misspelt?)"
        for name in sorted(named - defined)
    ]
    return findings


# -- Alertmanager delivery ----------------------------------------------------------------


def notified(received: list[dict[str, Any]], label: str, value: str) -> bool:
    """Whether a notification the receiver got carries an alert with ``label=value``."""
    return receiver_of(received, label, value) is not None


def receiver_of(received: list[dict[str, Any]], label: str, value: str) -> str | None:
    """The receiver (its name in Alertmanager's notification) through which the alert with
    ``label=value`` arrived; None when it did not arrive."""
    for entry in received:
        note = entry.get("notification") or {}
        for alert in note.get("alerts") or []:
            if (alert.get("labels") or {}).get(label) == value:
                return str(note.get("receiver", ""))
    return None


def route_delivered(
    where: str,
    probe: str,
    labels: Mapping[str, str],
    expected: str,
    arrived_after_s: float | None,
    receiver: str | None,
    allowed_s: float,
) -> list[str]:
    """The synthetic alert with the route's labels arrived through the route's receiver
    within group_wait plus the margin."""
    route = ", ".join(f"{k}={v}" for k, v in sorted(labels.items()))
    if arrived_after_s is None or receiver is None:
        return [
            f"{where}: synthetic alert {probe} ({route}) for receiver {expected} did not reach "
            f"the receiver within {allowed_s:g} s (group_wait + margin)"
        ]
    findings = []
    if receiver != expected:
        findings.append(
            f"{where}: synthetic alert {probe} ({route}) arrived through receiver "
            f"{receiver or '(unnamed)'}, not {expected}: the route for {route} is not the plan's"
        )
    if arrived_after_s > allowed_s:
        findings.append(
            f"{where}: synthetic alert {probe} ({route}) reached the receiver after "
            f"{arrived_after_s:.1f} s, more than {allowed_s:g} s (group_wait + margin)"
        )
    return findings


def notifications_failed(where: str, before: float | None, after: float | None) -> list[str]:
    """No notification of Alertmanager's failed while golive's alerts were delivered."""
    if before is None or after is None:
        return [f"{where}: Alertmanager exports no alertmanager_notifications_failed_total"]
    if after > before:
        return [
            f"{where}: alertmanager_notifications_failed_total grew from {before:g} to "
            f"{after:g} during the check"
        ]
    return []


def failed_notifications(metrics_text: str) -> float | None:
    """The sum of ``alertmanager_notifications_failed_total`` over integrations (None when
    Alertmanager does not export it: then nothing can be said)."""
    total, seen = 0.0, False
    for line in metrics_text.splitlines():
        if line.startswith("alertmanager_notifications_failed_total"):
            seen = True
            total += float(line.rsplit(" ", 1)[-1])
    return total if seen else None


# -- logs ---------------------------------------------------------------------------------


def log_moved(host: str, name: str, before: LogState | None, after: LogState | None) -> list[str]:
    """The log exists and grew after golive's request (a rotation in between counts as moved
    when the file is newer)."""
    if after is None:
        return [f"{host}: the {name} log does not exist"]
    if before is None or after.size > before.size or after.mtime > before.mtime:
        return []
    return [
        f"{host}: the {name} log {after.path} did not move during this run "
        f"(still {after.size} bytes, last written {_ago(after.mtime, None)})"
    ]


def _ago(mtime: float, now: float | None) -> str:
    stamp = datetime.fromtimestamp(mtime).astimezone()
    text = stamp.isoformat(timespec="seconds")
    if now is None:
        return text
    return f"{text}, {timedelta(seconds=int(now - mtime))} ago"


def log_recent(
    host: str, name: str, state: LogState | None, now: float, max_idle_h: float
) -> list[str]:
    """The log exists and was written within ``max_idle_h`` hours."""
    if state is None:
        return [f"{host}: the {name} log does not exist"]
    if now - state.mtime > max_idle_h * 3600:
        return [
            f"{host}: the {name} log {state.path} was last written {_ago(state.mtime, now)}; "
            f"at most {max_idle_h:g} h allowed"
        ]
    return []


def logrotate_covers(host: str, config: str, output: str, paths: Iterable[str]) -> list[str]:
    """``logrotate -d`` read the rules without error and considers every log (judged from its
    output: logrotate exits 0 for a config that names none of them)."""
    findings = [
        f"{host}: logrotate {config}: {line.strip()}"
        for line in output.splitlines()
        if line.strip().startswith("error:")
    ]
    considered = set(re.findall(r"considering log (\S+)", output))
    considered |= {p for p in re.findall(r"rotating pattern: (.+?) (?:after|forced|\d)", output)}
    patterns = " ".join(considered)
    for path in paths:
        if path not in considered and path not in patterns.split():
            findings.append(f"{host}: no logrotate rule of {config} rotates {path}")
    return findings


_PATTERN = re.compile(
    r"rotating pattern: (?P<paths>.*?)\s+(?:after (?P<days>\d+) days|(?P<word>hourly|daily|weekly|"
    r"monthly|yearly)|(?P<bytes>\d+) bytes|forced from command line)\s*"
    r"\((?:(?P<count>\d+) rotations|(?P<none>no old logs will be kept))\)"
)
# the shortest time each period can be (a month of February): what is kept at the least
_PERIOD_DAYS = {"hourly": 1 / 24, "daily": 1.0, "weekly": 7.0, "monthly": 28.0, "yearly": 365.0}


def logrotate_keeps(host: str, config: str, output: str, wanted: Mapping[str, float]) -> list[str]:
    """Each log (path -> days the plan requires kept) is rotated by a time period and keeps
    at least that many days of it: rotations x period, read from ``logrotate -d``'s output. A
    rule rotating by size only keeps no guaranteed time. A log no rule names is
    :func:`logrotate_covers`' finding."""
    rules = []
    for m in _PATTERN.finditer(output):
        period = float(m["days"]) if m["days"] else _PERIOD_DAYS.get(m["word"] or "")
        kept = 0 if m["none"] else int(m["count"])
        rules.append((m["paths"].split(), period, kept))
    findings = []
    for path, days in wanted.items():
        rule = next((r for r in rules if any(fnmatch(path, p) for p in r[0])), None)
        if rule is None:
            continue
        _, period, kept = rule
        if period is None:
            findings.append(
                f"{host}: {config} rotates {path} by size only: how many days it keeps is not "
                f"bounded (the plan requires {days:g})"
            )
        elif kept * period < days:
            findings.append(
                f"{host}: {config} keeps {kept} rotation(s) of {path} at {period:g} day(s) "
                f"each, {kept * period:g} days; the plan requires {days:g}"
            )
    return findings


def juli_rotates(
    host: str,
    file: str,
    props: Mapping[str, str],
    log_path: str,
    retention_days: float | None = None,
) -> list[str]:
    """Tomcat's juli handler writing ``log_path`` rotates it (daily, dated names) and bounds
    how many days it keeps (``maxDays`` > 0), keeping at least ``retention_days``."""
    stem = log_path.rsplit("/", 1)[-1].split("*", 1)[0]
    for key, prefix in props.items():
        if not key.endswith(".prefix") or prefix != stem:
            continue
        handler = key.removesuffix(".prefix")
        if props.get(f"{handler}.rotatable", "true").strip().lower() == "false":
            return [f"{host}: {file}: {handler} writes {log_path} with rotatable=false"]
        days = props.get(f"{handler}.maxDays", "-1").strip()
        if not days.lstrip("-").isdigit() or int(days) <= 0:
            return [f"{host}: {file}: {handler} keeps {log_path} forever (maxDays={days})"]
        if retention_days is not None and int(days) < retention_days:
            return [
                f"{host}: {file}: {handler} keeps {log_path} {days} days (maxDays); the plan "
                f"requires {retention_days:g}"
            ]
        return []
    return [f"{host}: {file}: no juli handler writes {log_path} (prefix {stem!r})"]


@dataclass(frozen=True)
class FileMode:
    """A file or directory as ``stat`` saw it: permission bits and owner."""

    path: str
    mode: int
    owner: str
    directory: bool = False


def private_log(host: str, name: str, seen: list[FileMode], owner: str | None) -> list[str]:
    """A log holding personal data, its rotated files and its directory keep it from others:
    no file readable by others, the directory not writable by others (they could swap a
    rotated file for a link), every file owned by ``owner`` when declared."""
    findings = []
    for f in seen:
        if f.directory:
            if f.mode & 0o002 and not f.mode & 0o1000:
                findings.append(
                    f"{host}: the directory {f.path} of the {name} log (personal data) is "
                    f"writable by others (mode {f.mode & 0o7777:04o})"
                )
            continue
        if f.mode & 0o004:
            findings.append(
                f"{host}: {f.path} ({name} log, personal data) is readable by others "
                f"(mode {f.mode & 0o7777:04o})"
            )
        if owner is not None and f.owner != owner:
            findings.append(
                f"{host}: {f.path} ({name} log, personal data) is owned by {f.owner}, not {owner}"
            )
    return findings


def secrets_in(host: str, path: str, text: str, secrets: Mapping[str, str]) -> list[str]:
    """Secret values found in a log, each named by the secret's name, never its value."""
    return [
        f"{host}: {path} contains the value of secret {name}"
        for name, value in secrets.items()
        if len(value) >= 6 and value in text
    ]


# -- process evidence ---------------------------------------------------------------------


def document(
    item: str,
    where: str,
    text: str | None,
    problem: str,
    age_days: float | None,
    max_age_days: float,
    release: str | None,
) -> list[str]:
    """A process item's document exists, is fresh, and names the release under certification
    (``release`` None: it need not)."""
    if text is None:
        return [f"{item}: evidence document {where} {problem or 'is missing'}"]
    findings = []
    if age_days is not None and age_days > max_age_days:
        findings.append(
            f"{item}: evidence document {where} is {age_days:.0f} days old; at most "
            f"{max_age_days:g} allowed"
        )
    if release is not None and not re.search(rf"(?<![\w.]){re.escape(release)}(?![\w]|\.\d)", text):
        findings.append(f"{item}: evidence document {where} does not name release {release}")
    return findings
