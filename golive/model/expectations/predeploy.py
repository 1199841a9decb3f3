"""Expectation sections of the pre-deployment suite (environment, network, database, security
preparations and application deployment)."""

from __future__ import annotations

from typing import Annotated, ClassVar, Literal
from urllib.parse import urljoin

from pydantic import Field, field_validator

from golive.model.config import Count, Port, Strict
from golive.model.expectations.section import ByRole, Section
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


class Software(ByRole[RoleSoftware]):
    """Software per role."""

    key: ClassVar[str] = "software"


class RoleHardware(Strict):
    """Minimums of one role: CPU cores, memory, and free space per mount point (MiB)."""

    cores: Count
    memory_mib: int = Field(gt=0, le=1 << 40)
    free_disk_mib: dict[str, Annotated[int, Field(ge=0, le=1 << 40)]] = Field(min_length=1)


class Hardware(ByRole[RoleHardware]):
    """Hardware minimums per role."""

    key: ClassVar[str] = "hardware"


class Clock(Section):
    """Largest clock difference allowed between any host and the QA machine."""

    key: ClassVar[str] = "clock"

    max_skew_ms: int = Field(gt=0, le=3_600_000)


class Facts(Section):
    """What a facts snapshot holds per role beyond packages: config files (host vars naming
    them) to hash, and the TCP ports that must be listening; what each host must show of
    itself: its hostname, and which process holds each port it serves."""

    key: ClassVar[str] = "facts"

    config_files: dict[str, list[str]]
    listening: dict[str, list[Port]]
    hostname_is_inventory_name: bool = Field(
        False,
        description="every host's hostname (the kernel's, `uname -n`) is its inventory name",
    )
    listening_processes: dict[str, dict[Port, str]] = Field(
        default_factory=dict,
        description="per role, the process (its name as `ps -o comm` shows it) that must hold "
        "each TCP port the role serves: a port held by another process fails",
    )

    def roles_named(self) -> set[str]:
        return set(self.config_files) | set(self.listening) | set(self.listening_processes)


class Parity(Section):
    """The baseline this environment must mirror (an environment name or a snapshot file),
    and the differences that are expected (glob patterns over drift keys)."""

    key: ClassVar[str] = "parity"

    baseline: str
    allow: list[str]
    max_snapshot_bytes: int = Field(
        64 << 20,
        gt=0,
        le=1 << 30,
        description="bytes a saved snapshot (a baseline file) may have: a larger one is "
        "refused, never read",
    )


class Dns(Section):
    """Records that must resolve, through the environment's resolver, to exactly these
    addresses."""

    key: ClassVar[str] = "dns"

    records: dict[str, list[str]] = Field(min_length=1)


READER = (
    "a command that prints a file as another user (e.g. `sudo -n -u tomcat cat`); "
    "absent: golive reads the file itself"
)


class LoadBalancer(Section):
    """Where each load balancer's configuration lives (a host var) and the role it fronts."""

    key: ClassVar[str] = "load_balancer"

    config_var: str
    config_reader: str | None = Field(None, description=READER)
    backend_role: str

    def roles_named(self) -> set[str]:
        return {self.backend_role}


class Table(Strict):
    """A table's expected columns, constraints and indexes (names)."""

    columns: list[str] = Field(min_length=1)
    constraints: list[str]
    indexes: list[str]


class Migrations(Strict):
    """Where applied migrations are recorded, and the version each release requires."""

    table: str
    column: str
    by_release: dict[str, Annotated[int, Field(ge=0)]] = Field(min_length=1)


class BackupSchedule(Strict):
    """The schedule entry (cron file, named by a host var on db hosts) running the backup."""

    file_var: str
    command_contains: str


class AppRolePolicy(Strict):
    """What the application's database role may hold: the table privileges (on every
    relation of the database) and the roles it must not be a member of."""

    table_privileges: list[
        Literal["SELECT", "INSERT", "UPDATE", "DELETE", "TRUNCATE", "REFERENCES", "TRIGGER"]
    ]
    forbidden_memberships: list[str] = [
        "pg_execute_server_program",
        "pg_read_server_files",
        "pg_write_server_files",
        "pg_write_all_data",
    ]


class DatabasePrep(Section):
    """Database preparation: server version, schema, migrations, backup schedule, and the
    application role's privileges."""

    key: ClassVar[str] = "database_prep"

    server_version: Constraint
    tables: dict[str, Table] = Field(min_length=1)
    migrations: Migrations
    backup_schedule: BackupSchedule
    app_role: AppRolePolicy


class SecurityPrep(Section):
    """Security preparations: MFA switch, application roles. (Certificate validity and
    freshness are the TLS policy's: ``tls:``.)"""

    key: ClassVar[str] = "security_prep"

    mfa_key: str
    mfa_value: str
    roles_table: str
    roles_column: str
    roles: list[str] = Field(min_length=1)


class BuildStamp(Strict):
    """Where a release artifact records its build fingerprint: a properties file inside the
    archive and its key (the fingerprint the running application reports)."""

    entry: str
    key: str


class RunningConfig(Strict):
    """How the running application is told its configuration file: the command-line option
    naming it (e.g. ``-Dtrading.config=``), and what identifies the application's process
    among the host's on its command line (host vars in braces, e.g.
    ``-Dcatalina.base={catalina_base}``)."""

    option: str
    process_marker: str


class Deployment(Section):
    """Application deployment: artifact layout on app hosts, the registry, the config file."""

    key: ClassVar[str] = "deployment"

    releases_var: str
    artifact: str
    current: str = Field(
        description="the artifact the application server loads, relative to the releases "
        "directory (e.g. current/trading.war); it must resolve to ``artifact``"
    )
    registry_sums: str
    registry_entry: str
    max_artifact_bytes: int = Field(
        1 << 30,
        gt=0,
        le=1 << 34,
        description="bytes the registry's SHA256SUMS or an artifact may have: a larger one "
        "is refused, never read (default 1 GiB)",
    )
    build_stamp: BuildStamp
    config_var: str
    config_reader: str | None = Field(None, description=READER)
    running_config: RunningConfig
    db_url_key: str
    db_url_params: dict[str, str] = Field(
        description="connection parameters the database URL must carry, with their values "
        "(e.g. sslmode: verify-full: TLS with the server's certificate and name verified)"
    )
    forbidden_values: list[str]

    @field_validator("artifact", "registry_entry")
    @classmethod
    def _has_version(cls, value: str) -> str:
        if "{version}" not in value:
            raise ValueError("a name containing {version}")
        return value

    def registry_artifact(self, version: str) -> str:
        """Where the registry keeps the artifact of ``version``: beside its SHA256SUMS (a URL
        or a path)."""
        return urljoin(self.registry_sums, self.registry_entry.format(version=version))
