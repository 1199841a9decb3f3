"""Expectation sections of the pre-deployment, smoke and integration suites (expectations.yml).

Every section is optional in ``Expectations``; inside a section every key is required, so a
half-written section is a configuration error rather than a silently weaker check.
"""

from __future__ import annotations

from pathlib import Path

from pydantic import Field, field_validator

from golive.model.config import Strict
from golive.model.versions import Constraint


class RuntimeProbe(Strict):
    """Ask a runtime its version: run ``command`` on the host, take ``pattern``'s first group."""

    command: str
    pattern: str
    version: Constraint


class RoleSoftware(Strict):
    """What one role must run: runtimes read from themselves, Debian packages with versions."""

    runtimes: dict[str, RuntimeProbe]
    packages: dict[str, Constraint]


class Hardware(Strict):
    """Minimums of one role: CPU cores, memory, and free space per mount point (MiB)."""

    cores: int = Field(gt=0)
    memory_mib: int = Field(gt=0)
    free_disk_mib: dict[str, int] = Field(min_length=1)


class Clock(Strict):
    """Largest clock difference allowed between any host and the QA machine."""

    max_skew_ms: int = Field(gt=0)


class Facts(Strict):
    """What a facts snapshot holds per role beyond packages: config files (host vars naming
    them) to hash, and the TCP ports that must be listening."""

    config_files: dict[str, list[str]]
    listening: dict[str, list[int]]


class Parity(Strict):
    """The baseline this environment must mirror (an environment name or a snapshot file),
    and the differences that are expected (glob patterns over drift keys)."""

    baseline: str
    allow: list[str]


class Dns(Strict):
    """Records that must resolve, through the environment's resolver, to exactly these
    addresses."""

    records: dict[str, list[str]] = Field(min_length=1)


class LoadBalancer(Strict):
    """Where each load balancer's configuration lives (a host var) and the role it fronts."""

    config_var: str
    config_reader: str
    backend_role: str


class Table(Strict):
    """A table's expected columns, constraints and indexes (names)."""

    columns: list[str] = Field(min_length=1)
    constraints: list[str]
    indexes: list[str]


class Migrations(Strict):
    """Where applied migrations are recorded, and the version each release requires."""

    table: str
    column: str
    by_release: dict[str, int] = Field(min_length=1)


class BackupSchedule(Strict):
    """The schedule entry (cron file, named by a host var on db hosts) running the backup."""

    file_var: str
    command_contains: str


class DatabasePrep(Strict):
    """Database preparation: server version, schema, migrations, backup schedule."""

    server_version: Constraint
    tables: dict[str, Table] = Field(min_length=1)
    migrations: Migrations
    backup_schedule: BackupSchedule


class SecurityPrep(Strict):
    """Security preparations: certificate freshness, MFA switch, application roles."""

    min_cert_days: int = Field(ge=0)
    mfa_key: str
    mfa_value: str
    roles_table: str
    roles_column: str
    roles: list[str] = Field(min_length=1)


class Deployment(Strict):
    """Application deployment: artifact layout on app hosts, the registry, the config file."""

    releases_var: str
    artifact: str
    current_link: str
    registry_sums: str
    registry_entry: str
    config_var: str
    config_reader: str
    db_url_key: str
    forbidden_values: list[str]

    @field_validator("artifact", "registry_entry")
    @classmethod
    def _has_version(cls, value: str) -> str:
        if "{version}" not in value:
            raise ValueError("a name containing {version}")
        return value

    def registry_path(self) -> Path | None:
        """The registry's SHA256SUMS as a local file, or None when it is a URL."""
        return None if "://" in self.registry_sums else Path(self.registry_sums)


class Drill(Strict):
    """The destructive drill: which app host to stop, through which host vars' commands,
    and how many requests the load balancer must still serve meanwhile."""

    node: str
    stop_var: str
    start_var: str
    requests: int = Field(gt=0)


class Integration(Strict):
    """Integration checks: the node metric counting the probe requests (its name and a label
    selector, on each node's own metrics path), how many to send, and the drill."""

    metrics_path: str
    spread_metric: str
    spread_selector: str
    spread_requests: int = Field(gt=0)
    drill: Drill
