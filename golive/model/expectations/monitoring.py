"""Expectations of the monitoring suite (registered in expectations.SUITES): what Prometheus must
scrape and evaluate, how an alert reaches people, the logs each node writes, the recorded
evidence of the plan's process items, and what ``golive watch`` polls after go-live."""

from __future__ import annotations

import re
from typing import ClassVar, Literal
from urllib.parse import urlsplit

from pydantic import Field, field_validator, model_validator

from golive.model.config import DAY_S, YEAR_H, Count, Limit, Seconds, Strict
from golive.model.expectations.section import Section

WEB = ("http", "https")  # the schemes a process document may be fetched by


class Job(Strict):
    """A scrape job Prometheus must run: at least ``min_targets`` targets, every one up."""

    min_targets: Count = 1


class Route(Strict):
    """One route of Alertmanager's routing tree the plan relies on: a synthetic alert with
    ``labels`` must be delivered through ``receiver`` (by its name in the notification)."""

    receiver: str = Field(min_length=1, description="the receiver's name in alertmanager.yml")
    labels: dict[str, str] = Field(
        min_length=1, description="the labels that select the route (e.g. severity: critical)"
    )


class AlertmanagerSpec(Strict):
    """Alertmanager and the receiver its routes must reach, both asked from the monitoring host
    (neither is exposed to the QA vantage point)."""

    url: str = Field(description="Alertmanager's base URL as the monitoring host reaches it")
    receiver_url: str = Field(
        description="where the receiver lists what it got (JSON: [{notification: ...}])"
    )
    group_wait_s: Seconds = Field(description="the route's group_wait")
    margin_s: Seconds = Field(10.0, description="delivery allowance beyond group_wait")
    routes: list[Route] = Field(
        min_length=1,
        description="every route the plan names (one per receiver and severity): each gets a "
        "synthetic alert that must reach its receiver",
    )


class RuleTests(Strict):
    """``promtool test rules`` files shipped with the rules, run on the monitoring host."""

    files: list[str] = Field(min_length=1, description="paths on the monitoring host")
    promtool: str = "promtool"
    alerts: list[str] = Field(
        [],
        description="alerts each of which must have a test expecting it to fire, besides every "
        "alert of alert_rules (which always must)",
    )


class AlertDetection(Strict):
    """How one alert's time to fire is judged: the scrape jobs its expression reads (default:
    every job, the slowest counts) and, optionally, a budget of its own."""

    jobs: list[str] | None = Field(None, min_length=1)
    budget_s: Seconds | None = Field(None, description="instead of its severity's budget")


class Detection(Strict):
    """The detection budget: the longest an incident may take to fire its alert (its rule's
    ``for`` + the scrape interval of the jobs it reads + its group's evaluation interval)."""

    budget_s: dict[str, Seconds] = Field(
        min_length=1, description="per severity label of the alert rules"
    )
    alerts: dict[str, AlertDetection] = {}


class Monitoring(Section):
    """Prometheus, its rules and Alertmanager."""

    key: ClassVar[str] = "monitoring"

    host: str = Field(description="the inventory host running Prometheus and Alertmanager")
    prometheus_url: str
    timeout_s: Seconds = Field(5.0, description="per Prometheus API request")
    settle_timeout_s: Seconds = Field(
        60.0,
        description="how long a check waits after a Prometheus (re)load until every target "
        "was scraped and every rule evaluated since; longer is inconclusive (an error)",
    )
    jobs: dict[str, Job] = Field(min_length=1)
    alert_rules: list[str] = Field(min_length=1)
    alertmanager: AlertmanagerSpec
    rule_tests: RuleTests
    detection: Detection

    @model_validator(mode="after")
    def _detection_names_known(self) -> Monitoring:
        """A detection entry for an alert alert_rules does not name, or a job jobs does not
        name, is a typo that would leave an alert judged against the wrong jobs."""
        for name, spec in self.detection.alerts.items():
            if name not in self.alert_rules:
                raise ValueError(f"detection.alerts.{name}: not an alert of alert_rules")
            for job in spec.jobs or []:
                if job not in self.jobs:
                    raise ValueError(f"detection.alerts.{name}.jobs: {job} is not a job of jobs")
        return self


class LogFile(Strict):
    """One log every host of the roles writes; ``path`` may name host vars (``{audit_log}``)
    and end in a shell pattern (the newest match is the log)."""

    name: str
    path: str
    moves: bool = Field(
        description="True: golive's own request must make it grow during the run; "
        "False: it must have been written within max_idle_h"
    )
    max_idle_h: float = Field(24.0, gt=0, le=YEAR_H)
    rotation: Literal["logrotate", "tomcat"]
    retention_days: float = Field(
        gt=0,
        le=3660,
        description="how many days of this log the plan requires kept: rotations x period "
        "(logrotate) or maxDays (tomcat) must be at least this",
    )
    personal_data: bool = Field(
        False,
        description="the log holds personal data: neither it, its rotated files nor its "
        "directory may be readable (the directory: writable) by others",
    )
    owner: str | None = Field(
        None, description="the user that must own the log and its rotated files (personal data)"
    )


class Activity(Strict):
    """The request golive sends each node so that its moving logs have something to record."""

    method: Literal["GET", "POST"] = "POST"
    path: str
    body: dict[str, str] = {}


class Logging(Section):
    """The application's logs on its nodes: written, rotated, free of secrets."""

    key: ClassVar[str] = "logging"

    roles: list[str] = Field(min_length=1)
    logs: list[LogFile] = Field(min_length=1)
    activity: Activity
    logrotate_config: str = Field(description="path template of the node's logrotate rules")
    logrotate_command: str = "/usr/sbin/logrotate -d -s /dev/null"
    tomcat_logging: str = Field(description="path template of Tomcat's logging.properties")
    secret_scan_bytes: int = Field(
        8 << 20, gt=0, le=1 << 30, description="tail of each log searched"
    )
    timeout_s: Seconds = 10.0

    def roles_named(self) -> set[str]:
        return set(self.roles)


class ProcessItem(Strict):
    """The recorded evidence of one process item of the plan: a document, a sign-off, or
    both. ``required`` items missing evidence are NO-GO; the others are reported open."""

    document: str | None = Field(
        None,
        description="an http(s) URL, or a file path (relative to the environment directory) "
        "inside the environment directory or the section's evidence_roots",
    )
    signoff: str | None = Field(None, description="a sign-off of signoffs.yml")
    required: bool = True
    names_release: bool = Field(True, description="the document must name the release")

    @field_validator("document")
    @classmethod
    def _path_or_web(cls, value: str | None) -> str | None:
        if value is not None and (
            not value.strip()
            or "\x00" in value
            or ("://" in value and urlsplit(value).scheme not in WEB)
        ):
            raise ValueError("a file path or an http(s) URL")
        return value

    @model_validator(mode="after")
    def _some_evidence(self) -> ProcessItem:
        if self.document is None and self.signoff is None:
            raise ValueError("names neither a document nor a signoff")
        return self


class ProcessEvidence(Section):
    """Evidence of the plan's process items (UAT issues, training, handover, ...), by plan id."""

    key: ClassVar[str] = "process_evidence"

    max_age_days: float = Field(180.0, gt=0, le=3660, description="a document older is stale")
    timeout_s: Seconds = Field(10.0, description="per document fetched by URL")
    evidence_roots: list[str] = Field(
        [],
        description="directories (relative to the environment directory) documents may lie "
        "in besides the environment directory, after symbolic links are resolved",
    )
    max_document_bytes: int = Field(
        8 << 20, gt=0, le=64 << 20, description="a larger document is refused, never read"
    )
    items: dict[str, ProcessItem] = Field(min_length=1)

    @field_validator("evidence_roots")
    @classmethod
    def _directories(cls, value: list[str]) -> list[str]:
        if any(not root.strip() or "\x00" in root for root in value):
            raise ValueError("directory paths (not empty, no NUL)")
        return value


class WatchSource(Strict):
    """Where a watched metric's series come from: every host of ``role`` exports ``series``,
    or the metric's number is the other hosts' alone (one node not scraped, or no longer
    exporting it, is a blind spot: never a pass)."""

    role: str = Field(min_length=1, description="the role whose every host the metric covers")
    series: str = Field(
        min_length=1,
        pattern=r"^[^\n]+$",
        description="a PromQL series selector each of those hosts exports (one line)",
    )
    label: str = Field(
        "instance",
        pattern=r"^[a-zA-Z_][a-zA-Z0-9_]*$",
        description="the label naming the host: its name or address, with or without :port",
    )


class WatchMetric(Strict):
    """One measurement of ``golive watch``, Argo-Rollouts style: each interval is a success,
    a failure, inconclusive (no data, NaN) or an error (the query failed, also inconclusive)."""

    kind: Literal["promql", "alerts", "smoke"] = "promql"
    query: str | None = Field(None, description="PromQL returning one number (kind promql)")
    max: float | None = Field(None, description="a measurement above fails (a finite number)")
    min: float | None = Field(None, description="a measurement below fails (a finite number)")
    severity: list[str] = Field(["critical"], description="alerts that fail (kind alerts)")
    failure_limit: Limit = 0
    inconclusive_limit: Limit = 2
    consecutive_error_limit: Limit = 4
    initial_delay_s: float = Field(
        0.0,
        ge=0,
        le=DAY_S,
        description="no measurement before (Argo's initialDelay): a rate needs samples",
    )
    trigger: Literal["critical", "performance"] = Field(
        description="the rollback plan's trigger a failure of this metric is"
    )
    unit: str = ""
    smoke_samples: bool = Field(
        False,
        description="an error rate (promql, max): the smoke probe's own requests of each "
        "interval count as samples of it too (their share answered 5xx or not at all)",
    )
    hosts: WatchSource | None = Field(
        None, description="promql: the hosts whose series the query must cover, each poll"
    )

    @model_validator(mode="after")
    def _judgeable(self) -> WatchMetric:
        if self.kind == "promql" and (
            self.query is None or (self.max is None) == (self.min is None)
        ):
            raise ValueError("a promql metric needs a query and exactly one of max, min")
        if self.smoke_samples and (self.kind != "promql" or self.max is None):
            raise ValueError("smoke_samples: only an error rate (a promql metric with max)")
        if self.hosts is not None and self.kind != "promql":
            raise ValueError("hosts: only a promql metric reads series from hosts")
        if self.hosts is not None and self.query is not None:
            # the hosts are asked for the series the query reads, not for another one
            name = self.hosts.series.split("{", 1)[0].strip()
            if name and not re.search(rf"(?<![\w:]){re.escape(name)}(?![\w:])", self.query):
                raise ValueError(f"hosts.series: a series the query reads; {name} is not in it")
        return self


class Watch(Section):
    """What ``golive watch`` polls after go-live (thresholds follow the performance SLOs)."""

    key: ClassVar[str] = "watch"

    metrics: dict[str, WatchMetric] = Field(min_length=1)

    def roles_named(self) -> set[str]:
        return {m.hosts.role for m in self.metrics.values() if m.hosts is not None}
