"""Expectation sections of the security suites: TLS policy, firewall, auth and hardening.

Each section is optional in ``expectations.yml``; inside a section every key without a
default is required. A check whose section is absent fails, naming the missing section.
"""

from __future__ import annotations

from pathlib import Path
from typing import ClassVar, Literal

from pydantic import Field

from golive.model.config import Strict
from golive.model.expectations.section import Section

Port = int


class TlsEndpoint(Strict):
    """One TLS endpoint: a host of the inventory, its port and the name clients ask for."""

    host: str
    port: Port = Field(gt=0, lt=65536)
    server_name: str
    starttls: Literal["postgres"] | None = None
    http: bool = Field(description="an HTTPS endpoint, whose HSTS header is checked")


class TlsPolicy(Section):
    """TLS policy: Mozilla profile, certificate expiry margin, trust anchor and endpoints."""

    key: ClassVar[str] = "tls"

    profile: Literal["modern", "intermediate", "old"] = "intermediate"
    min_days_to_expiry: int = Field(ge=0)
    hsts_min_age: int = Field(ge=0, description="seconds")
    ca_bundle: Path
    endpoints: list[TlsEndpoint] = Field(min_length=1)


class PortScan(Strict):
    """How the exposure scan runs: which TCP ports, and nmap timing options."""

    ports: str
    timing: str


class Reachability(Strict):
    """One entry of the reachability matrix: source role to destination role:port."""

    source: str
    dest: str
    port: Port = Field(gt=0, lt=65536)
    allow: bool


class Ruleset(Strict):
    """Where the packet filter's ruleset can be read, and which hooks must drop by default."""

    roles: list[str] = Field(min_length=1)
    command: str = Field(description="prints the ruleset as nftables JSON (nft -j list ruleset)")
    default_deny_hooks: list[str] = Field(min_length=1)


class Firewall(Section):
    """Exposure from the QA vantage point, listening sockets per role, reachability, and
    (where declared) the ruleset itself."""

    key: ClassVar[str] = "firewall"

    scan: PortScan
    exposure: dict[str, list[Port]] = Field(
        description="role -> TCP ports open from the QA vantage point (inventory probe.source)"
    )
    listening: dict[str, list[Port]] = Field(description="role -> TCP ports a host listens on")
    reachability: list[Reachability] = Field(min_length=1)
    probe_timeout: float = Field(gt=0)
    ruleset: Ruleset | None = None

    def roles_named(self) -> set[str]:
        named = set(self.exposure) | set(self.listening)
        named |= {r.source for r in self.reachability} | {r.dest for r in self.reachability}
        return named | set(self.ruleset.roles if self.ruleset else [])


class Lockout(Strict):
    """Repeated failed logins lock the account (or rate-limit) with this status."""

    account: str
    max_failures: int = Field(gt=0)
    status: int


class Auth(Section):
    """Authentication and access control expectations of the public API."""

    key: ClassVar[str] = "auth"

    protected_paths: list[str] = Field(min_length=1)
    mfa_account: str
    unprivileged_account: str
    admin_paths: list[str] = Field(min_length=1)
    lockout: Lockout
    session_max_seconds: int = Field(gt=0)
    audit_roles: list[str] = Field(min_length=1)
    audit_log_var: str

    def roles_named(self) -> set[str]:
        return set(self.audit_roles)


class SecretFile(Strict):
    """A secret file: path (``{var}`` expands host vars), owner and the widest mode allowed."""

    path: str
    owner: str
    mode: str = Field(pattern=r"^0[0-7]{3}$")


class Tomcat(Strict):
    """Tomcat on the app hosts: apps that must not be deployed, where to look."""

    roles: list[str] = Field(min_length=1)
    port: Port = Field(gt=0, lt=65536)
    forbidden_apps: list[str] = Field(min_length=1)
    deploy_dirs: list[str] = Field(min_length=1, description="``{var}`` expands host vars")
    error_probe_path: str
    leak_patterns: list[str] = Field(min_length=1, description="regexes")


class Postgres(Strict):
    """Server settings and pg_hba rules the database must have."""

    settings: dict[str, str] = Field(min_length=1)
    forbidden_hba_methods: list[str] = Field(min_length=1)


class Sshd(Strict):
    """sshd on every host: authentication methods it may offer."""

    port: Port = Field(gt=0, lt=65536)
    users: list[str] = Field(min_length=1)
    allowed_methods: list[str] = Field(min_length=1)


class Hardening(Section):
    """Configuration hardening of the environment's hosts and services."""

    key: ClassVar[str] = "hardening"

    secret_files: dict[str, list[SecretFile]]
    tomcat: Tomcat
    required_headers: list[str] = Field(min_length=1)
    version_pattern: str = Field(description="regex: a version number in a Server header")
    postgres: Postgres
    sshd: Sshd

    def roles_named(self) -> set[str]:
        return set(self.secret_files) | set(self.tomcat.roles)
