"""Expectation sections of the security suites: TLS policy, firewall, auth and hardening.

Each section is optional in ``expectations.yml``; inside a section every key without a
default is required. A check whose section is absent fails, naming the missing section.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, ClassVar, Literal

from pydantic import Field, field_validator

from golive.model.config import Count, Port, Seconds, Strict
from golive.model.expectations.section import Section

YEAR_S = 366 * 86_400


class TlsEndpoint(Strict):
    """One TLS endpoint: a host of the inventory, its port and the name clients ask for."""

    host: str
    port: Port
    server_name: str
    starttls: Literal["postgres"] | None = None
    http: bool = Field(description="an HTTPS endpoint, whose HSTS header is checked")


class TlsPolicy(Section):
    """TLS policy: Mozilla profile, certificate expiry margin, trust anchor and endpoints."""

    key: ClassVar[str] = "tls"

    profile: Literal["modern", "intermediate", "old"] = "intermediate"
    min_days_to_expiry: int = Field(ge=0, le=3660)
    hsts_min_age: int | None = Field(
        None,
        ge=0,
        le=10 * YEAR_S,
        description="seconds; at least the profile's own minimum (2 years), which applies "
        "when this is absent: a larger value tightens it, a smaller one cannot loosen it",
    )
    ca_bundle: Path
    endpoints: list[TlsEndpoint] = Field(min_length=1)


class PortScan(Strict):
    """How the exposure scan runs (nmap, from the inventory's ``probe.source``).

    Two passes. The sweep looks at every TCP port and the UDP ports that matter on every
    host, fast and without retries. The second look scans the ports the policy names (exposed
    or listening, TCP and UDP) again with retries, so a packet lost in the sweep neither hides
    an exposed service port nor fails a port the policy expects open.
    """

    tcp_ports: str = Field("1-65535", description="nmap port list of the TCP sweep")
    udp_ports: str = Field(
        description="nmap port list of the UDP ports that matter (well-known UDP services); "
        "the ports the policy names are always scanned too"
    )
    sweep: str = Field(
        description="nmap options of the sweep: scan types (-sS needs root or CAP_NET_RAW; "
        "-sU for UDP) and timing"
    )
    confirm: str = Field(description="nmap options of the second look (scan types, retries)")

    @field_validator("sweep", "confirm")
    @classmethod
    def _scans_both_protocols(cls, options: str) -> str:
        """Options without a TCP scan type or without -sU would leave a protocol unscanned
        and its ports silently unjudged."""
        words = options.split()
        if not {"-sS", "-sT"} & set(words) or "-sU" not in words:
            raise ValueError("must name a TCP scan type (-sS or -sT) and the UDP scan (-sU)")
        return options


class Ports(Strict):
    """Ports by transport protocol."""

    tcp: list[Port] = []
    udp: list[Port] = []

    def of(self, protocol: str) -> list[Port]:
        return self.tcp if protocol == "tcp" else self.udp


class Reachability(Strict):
    """One entry of the reachability matrix: source role to destination role:port."""

    source: str
    dest: str
    port: Port
    allow: bool


class Ruleset(Strict):
    """Where the packet filter's ruleset can be read, and which hooks must drop by default
    for which address families."""

    roles: list[str] = Field(min_length=1)
    command: str = Field(description="prints the ruleset as nftables JSON (nft -j list ruleset)")
    default_deny_hooks: list[str] = Field(min_length=1)
    families: list[Literal["ip", "ip6"]] = Field(
        ["ip", "ip6"], min_length=1, description="address families each hook must drop"
    )


class Firewall(Section):
    """Exposure from the QA vantage point and listening sockets per role (TCP and UDP), the
    reachability matrix between hosts (every other path denied), and (where declared) the
    ruleset itself."""

    key: ClassVar[str] = "firewall"

    scan: PortScan
    exposure: dict[str, Ports] = Field(
        description="role -> ports open from the QA vantage point (inventory probe.source), "
        "per protocol: {tcp: [...], udp: [...]}"
    )
    listening: dict[str, Ports] = Field(
        description="role -> ports a host listens on, per protocol: {tcp: [...], udp: [...]}"
    )
    reachability: list[Reachability] = Field(
        min_length=1,
        description="source role -> destination role:port, allowed or denied; every other "
        "path between hosts to a port the destination listens on must be denied, unless the "
        "destination exposes the port (exposure)",
    )
    probe_timeout: Seconds
    ruleset: Ruleset | None = None

    def roles_named(self) -> set[str]:
        named = set(self.exposure) | set(self.listening)
        named |= {r.source for r in self.reachability} | {r.dest for r in self.reachability}
        return named | set(self.ruleset.roles if self.ruleset else [])


class LockStore(Strict):
    """Where the application records a lock's end (read with the QA database role)."""

    table: str
    user_column: str
    until_column: str


class Lockout(Strict):
    """Repeated failed logins lock the account with this status, for at least
    ``min_seconds``. The lock's length is read from each node's application configuration
    (``duration_key`` in ``deployment.config_var``) and, when the check itself set the lock,
    from where the application records its end (``store``)."""

    account: str
    max_failures: Count
    status: int = Field(ge=100, le=599, description="the HTTP status of a locked login")
    min_seconds: int = Field(
        gt=0, le=YEAR_S, description="the shortest lock the policy allows, seconds"
    )
    duration_key: str = Field(description="application config key: the lock's length in s")
    store: LockStore | None = None


class Auth(Section):
    """Authentication and access control expectations of the public API."""

    key: ClassVar[str] = "auth"

    login_path: str
    node_roles: list[str] = Field(
        min_length=1, description="roles of the nodes serving the API, each asked directly"
    )
    protected_paths: list[str] = Field(min_length=1)
    mfa_account: str
    unprivileged_account: str
    admin_paths: list[str] = Field(min_length=1)
    lockout: Lockout
    session_max_seconds: int = Field(gt=0, le=YEAR_S)
    session_ttl_key: str | None = Field(
        None, description="application config key: a session's lifetime in seconds"
    )
    audit_log_var: str
    audit_within: Seconds = Field(
        2.0,
        description="seconds a node may take to write a failed login's audit entry "
        "(searched for again until then)",
    )

    def roles_named(self) -> set[str]:
        return set(self.node_roles)


CONTROLS = (
    "what a finding is about (a keyword, setting or directive) -> the baseline control it "
    "answers, named in the finding: 'DevSec sshd-39'"
)


Mode = Annotated[
    str, Field(pattern=r"^0[0-7]{3}$", description="the widest octal mode allowed, e.g. 0600")
]


class SecretFile(Strict):
    """A secret file: path (``{var}`` expands host vars), owner and the widest mode allowed."""

    path: str
    owner: str
    mode: Mode
    control: str | None = Field(
        None, description="the baseline control it answers, named in findings (DevSec nginx-02)"
    )


class NginxConfig(Strict):
    """nginx: its main configuration file (``include`` directives are followed)."""

    kind: Literal["nginx"]
    path: str = Field(description="``{var}`` expands host vars")
    key_owners: list[str] = Field(min_length=1, description="who may own its private keys")


class TomcatConfig(Strict):
    """Tomcat: its CATALINA_BASE (``conf/server.xml`` and ``conf/logging.properties``)."""

    kind: Literal["tomcat"]
    base: str = Field(description="``{var}`` expands host vars")
    key_owners: list[str] = Field(min_length=1)


class PropertiesConfig(Strict):
    """An application's properties file and the keys in it that name log files."""

    kind: Literal["properties"]
    path: str = Field(description="``{var}`` expands host vars")
    reader: str | None = Field(None, description="command that prints a file only its owner reads")
    log_keys: list[str] = Field(min_length=1)


class PostgresConfig(Strict):
    """PostgreSQL: its settings as the running server reports them (the inventory database)."""

    kind: Literal["postgres"]
    key_owners: list[str] = Field(min_length=1)


ServiceConfig = Annotated[
    NginxConfig | TomcatConfig | PropertiesConfig | PostgresConfig, Field(discriminator="kind")
]


class LogPolicy(Strict):
    """Log and audit paths the services name: the widest modes of their directories and of
    the files in them (no one but the owner may write)."""

    dir_mode: Mode
    file_mode: Mode


class Tomcat(Strict):
    """Tomcat on the app hosts: apps that must not be deployed, where to look."""

    roles: list[str] = Field(min_length=1)
    port: Port
    forbidden_apps: list[str] = Field(min_length=1)
    deploy_dirs: list[str] = Field(min_length=1, description="``{var}`` expands host vars")
    error_probe_path: str
    leak_patterns: list[str] = Field(min_length=1, description="regexes")


class Headers(Strict):
    """HTTP response headers: those every public response carries, those that must not
    disclose a version on any HTTP server of any host."""

    public_roles: list[str] = Field(min_length=1, description="hosts serving the public URL")
    paths: list[str] = Field(min_length=1, description="asked on every server")
    required: list[str] = Field(min_length=1, description="on every public response")
    disclosing: list[str] = Field(min_length=1, description="headers that name software")
    version_pattern: str = Field(description="regex: a version number in such a header")
    probe_timeout: Seconds = Field(description="seconds for one request to a listener")
    controls: dict[str, str] = Field({}, description=CONTROLS)


class Hba(Strict):
    """pg_hba rules: methods allowed, TLS required on network lines, who may connect."""

    methods: list[str] = Field(min_length=1, description="allowed on host* lines")
    local_methods: list[str] = Field(min_length=1, description="allowed on local lines")
    require_tls: bool = Field(description="network lines must be hostssl")
    source_roles: list[str] = Field(description="network lines admit only these hosts")
    source_addresses: list[str] = Field([], description="and these networks (CIDR)")


class Catalog(Strict):
    """What the database's catalog may hold, as golive's QA role reads it: languages, roles
    with administrative attributes, SECURITY DEFINER functions the application's role may
    execute, privileges on pg_authid, grants to PUBLIC and grant options."""

    languages: list[str] = Field(min_length=1, description="procedural languages allowed")
    untrusted_languages: list[str] = Field(description="untrusted languages allowed (c, internal)")
    admin_roles: list[str] = Field(
        min_length=1, description="roles that may be superuser, create roles or create databases"
    )
    definer_functions: list[str] = Field(
        [], description="SECURITY DEFINER functions the app role may execute (schema.name)"
    )
    versions: list[int] = Field(
        [], description="supported major releases the server may run (no beta, rc, devel)"
    )
    grantors: list[str] = Field(
        [],
        description="roles besides a table's owner that may hold a privilege on it WITH "
        "GRANT OPTION",
    )


class Postgres(Strict):
    """Server settings and pg_hba rules the database must have."""

    settings: dict[str, str] = Field(min_length=1)
    hba: Hba
    catalog: Catalog | None = None
    controls: dict[str, str] = Field({}, description=CONTROLS)


class Sshd(Strict):
    """sshd on every host: the authentication methods it may offer from the QA vantage
    point, and the settings its configuration must have, wherever it is matched."""

    port: Port
    users: list[str] = Field(min_length=1)
    allowed_methods: list[str] = Field(min_length=1)
    config: str = Field(description="sshd_config path; ``{host}`` and ``{var}`` expand")
    settings: dict[str, list[str]] = Field(
        min_length=1, description="keyword (lower case) -> values allowed"
    )
    min_moduli_bits: int | None = Field(
        None, ge=1024, le=16384, description="the smallest DH group sshd's ModuliFile may hold"
    )
    banner_forbidden: str | None = Field(
        None,
        description="regex the version string sshd sends must not match (the OS release, "
        "which DebianBanner no removes)",
    )
    effective_command: str | None = Field(
        None,
        description="prints sshd's effective configuration on the host (``sshd -T``; "
        "``{config}`` expands, ``-C`` is added per user); None: only the file is read",
    )
    controls: dict[str, str] = Field({}, description=CONTROLS)


class Nginx(Strict):
    """nginx's effective configuration (``nginx -T``, every file it includes): directives
    that must have an allowed value wherever they appear."""

    roles: list[str] = Field(min_length=1)
    command: str = Field(description="prints the configuration: nginx -T; ``{var}`` expands")
    directives: dict[str, list[str]] = Field(
        min_length=1, description="directive -> values allowed (its arguments, space-separated)"
    )
    forbidden_files: list[str] = Field(
        [], description="shell patterns of files nginx must not load (packaged defaults)"
    )
    controls: dict[str, str] = Field({}, description=CONTROLS)


class Hardening(Section):
    """Configuration hardening of the environment's hosts and services."""

    key: ClassVar[str] = "hardening"

    secret_files: dict[str, list[SecretFile]]
    services: dict[str, list[ServiceConfig]] = Field(
        description="role -> the configuration its services keep (read for keys and logs)"
    )
    key_mode: Mode
    logs: LogPolicy
    tomcat: Tomcat
    headers: Headers
    postgres: Postgres
    sshd: Sshd
    nginx: Nginx | None = None

    def roles_named(self) -> set[str]:
        named = set(self.secret_files) | set(self.services) | set(self.tomcat.roles)
        named |= set(self.nginx.roles if self.nginx else [])
        return named | set(self.headers.public_roles) | set(self.postgres.hba.source_roles)
