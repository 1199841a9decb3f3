"""The environment model: inventory, expectations and secrets of one environment."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from ipaddress import IPv4Address
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from pydantic import Field, field_validator, model_validator

from golive.model import ansible
from golive.model.config import DAY_S, Port, Seconds, Strict, first, problems, read_yaml
from golive.model.documents import document_problems, file_problems
from golive.model.errors import CheckFailed, ConfigError
from golive.model.expectations import SCHEMA, Expectations, K
from golive.model.expectations.roles import Roles
from golive.model.machines import address_problem, connection_host, machine_problems


def envdir() -> Path:
    """The directory of environments: ``$GOLIVE_ENVDIR``, else ``./environments`` (absolute)."""
    return Path(os.environ.get("GOLIVE_ENVDIR") or "environments").resolve()


class Release(Strict):
    """The release under certification and the one a rollback returns to."""

    version: str
    previous: str | None = None


class SandboxSpec(Strict):
    """Where the embedded sandbox keeps its data (its namespace and vantage are ``probe:``)."""

    dir: Path


class ProbeSpec(Strict):
    """Where golive's own network probes (HTTP, DNS, TLS handshakes, nmap) start from: any
    environment may pin a source address and a network namespace; the sandbox sets both."""

    source: IPv4Address | None = Field(
        None, description="source address of golive's own network probes (the QA vantage point)"
    )
    netns: str | None = Field(
        None, description="network namespace (ip netns) golive enters before probing"
    )
    timeout: Seconds = Field(
        5.0,
        description="seconds one of golive's own probe connections (a TLS handshake "
        "of the TLS scan) may wait for an answer",
    )
    scan_timeout: Seconds = Field(
        300.0,
        description="seconds a port scan (nmap) may take as a whole; also its "
        "--host-timeout unless the scan's timing sets one",
    )


class SshSpec(Strict):
    """How Testinfra reaches the hosts over SSH."""

    user: str | None = None
    identity_file: Path | None = None
    known_hosts: Path | None = None
    connect_timeout: Seconds = 5.0
    command_timeout: Seconds = Field(
        120.0,
        description="seconds one remote command may run before it is abandoned (a finding "
        "on its host) and ended on the host (SIGTERM, by coreutils timeout there)",
    )
    kill_after: Seconds = Field(
        1.0,
        description="seconds a remote command ended at command_timeout may take to exit "
        "before it is killed on the host (SIGKILL)",
    )
    check_after: Seconds = Field(
        1.0,
        description="seconds a remote command may run before golive checks, with a new "
        "connection (given connect_timeout), that its host still answers, and again as often "
        "while it runs; a host that does not is unreachable from then on",
    )
    control_persist: int = Field(60, ge=0, le=DAY_S)
    control_path: Path | None = Field(
        None,
        description="ssh ControlPath of the shared connections (ssh tokens such as %C "
        "allowed); unset, ssh's own configuration decides",
    )
    options: list[str] = Field(
        [],
        description="more ssh client options, each Key=Value (passed as -o, before golive's "
        "own, so they win), e.g. ProxyJump",
    )

    @field_validator("options")
    @classmethod
    def _key_value(cls, value: list[str]) -> list[str]:
        bad = [o for o in value if "=" not in o or o.startswith(("-", "="))]
        if bad:
            raise ValueError(f"ssh options as Key=Value, not {', '.join(bad)}")
        return value


class Host(Strict):
    """One host of the environment."""

    address: IPv4Address | str
    roles: list[str] = Field(min_length=1)
    connection: str = "ssh"
    vars: dict[str, str] = {}
    same_machine_as: str | None = Field(
        None,
        description="another host of the inventory this one is on purpose the same machine "
        "as (or shares its address with); without it, two hosts at one address are an error",
    )

    @field_validator("address")
    @classmethod
    def _address(cls, value: IPv4Address | str) -> IPv4Address | str:
        why = address_problem(value) if isinstance(value, str) else None
        if why:
            raise ValueError(why)
        return value

    @field_validator("connection")
    @classmethod
    def _known_backend(cls, value: str) -> str:
        scheme = value.split("://", 1)[0]
        if scheme not in {"ssh", "paramiko", "local", "ansible"}:
            raise ValueError("a Testinfra backend: ssh, paramiko, local or ansible")
        try:
            host, port = connection_host(value), urlsplit(value).port
        except ValueError:
            raise ValueError(f"{scheme}://[user@]host[:port] with a port number") from None
        why = address_problem(host) if host else None
        if why or port == 0:
            raise ValueError(f"{scheme}://[user@]host[:port] with {why or 'a port from 1'}")
        return value


class PublicEndpoint(Strict):
    """The service's public entry point, as its users reach it."""

    url: str
    ca_bundle: Path | None = None
    resolver: IPv4Address | None = None
    timeout: Seconds = Field(10.0, description="seconds an HTTP request or a DNS lookup may take")

    @field_validator("url")
    @classmethod
    def _https(cls, value: str) -> str:
        if urlsplit(value).scheme != "https" or not urlsplit(value).hostname:
            raise ValueError("an https:// URL with a host name")
        return value

    @property
    def hostname(self) -> str:
        return urlsplit(self.url).hostname or ""


class Account(Strict):
    """A test account of the application; password and TOTP seed name secrets."""

    username: str
    role: str
    password: str
    totp: str | None = None


class Database(Strict):
    """How the suite reaches the database, and the application's own role."""

    host: str
    port: Port = 5432
    dbname: str
    user: str
    password: str
    app_role: str
    sslmode: str = "verify-full"
    ca_bundle: Path | None = None
    connect_timeout: Seconds = Field(
        5.0, ge=2, description="seconds a connection may take (libpq: whole seconds, at least 2)"
    )
    statement_timeout: Seconds = Field(
        30.0,
        description="seconds one of golive's queries may run (the server's "
        "statement_timeout; golive cuts a connection that stays silent longer)",
    )


class Policy(Strict):
    """Gate policy of this environment."""

    conditional_exit_code: int = Field(0, ge=0, le=255)
    required_signoffs: list[str] = []


class Inventory(Strict):
    """``inventory.yml``: what the environment is made of."""

    name: str
    release: Release
    allow_destructive: bool = False
    sandbox: SandboxSpec | None = None
    probe: ProbeSpec = ProbeSpec()
    ssh: SshSpec = SshSpec()
    public: PublicEndpoint
    hosts: dict[str, Host] = Field(min_length=1)
    hosts_from: ansible.HostsFrom | None = Field(
        None, description="the hosts come from an Ansible inventory instead of `hosts:`"
    )
    accounts: dict[str, Account] = {}
    database: Database
    secrets_file: Path | None = None
    policy: Policy = Policy()

    @model_validator(mode="after")
    def _references(self) -> Inventory:
        if self.database.host not in self.hosts:
            raise ValueError(f"database.host {self.database.host!r} is not a host of the inventory")
        return self


class MissingExpectation(CheckFailed):
    """A check needs an expectations section the environment does not declare."""

    def __init__(self, file: Path, name: str) -> None:
        super().__init__(
            f"{file} has no `{name}:` section: the check has nothing to verify against"
        )


@dataclass(frozen=True)
class Environment:
    """A loaded, validated environment."""

    path: Path
    inventory: Inventory
    expectations: Expectations
    secrets: dict[str, str] = field(default_factory=dict, repr=False)

    @property
    def name(self) -> str:
        return self.inventory.name

    def hosts_with_role(self, *roles: str) -> list[str]:
        """Host names having any of ``roles`` (all hosts when none given), inventory order."""
        return [
            name
            for name, host in self.inventory.hosts.items()
            if not roles or set(roles) & set(host.roles)
        ]

    def expectation(self, section: type[K]) -> K:
        """A section of expectations.yml (e.g. ``TlsPolicy``); absent, the check that needs it
        fails naming the file and the section (never skips)."""
        value = self.expectations.get(section)
        if value is None:
            raise MissingExpectation(self.path / "expectations.yml", section.key)
        return value

    def secret(self, name: str) -> str:
        """The value of a named secret; a missing one is a configuration error."""
        try:
            return self.secrets[name]
        except KeyError:
            where = self.inventory.secrets_file or self.path / "inventory.yml"
            raise ConfigError(where, name, "a secret of that name") from None

    def secret_values(self) -> list[str]:
        """Every secret value, for redaction."""
        return [v for v in self.secrets.values() if v]


def _load_secrets(inventory: Inventory, source: Path) -> dict[str, str]:
    """The secrets of ``secrets_file``; a file that is not there (or not readable) is an
    error of the key of ``source`` (inventory.yml) that names it."""
    if inventory.secrets_file is None:
        return {}
    try:
        data: Any = read_yaml(inventory.secrets_file)
    except ConfigError as exc:
        if exc.key != "(file)":
            raise
        raise ConfigError(source, "secrets_file", f"{exc.file}: {exc.expected}") from None
    if not isinstance(data, dict) or not all(isinstance(v, str) for v in data.values()):
        raise ConfigError(inventory.secrets_file, "(root)", "a mapping of secret name to string")
    return {str(k): v for k, v in data.items()}


def available(directory: Path | None = None) -> list[str]:
    """Names of the environments (in ``directory``, default :func:`envdir`) with an inventory."""
    return sorted(p.parent.name for p in (directory or envdir()).glob("*/inventory.yml"))


def load_environment(
    name: str,
    root: Path | None = None,
    *,
    secrets: bool = True,
    directory: Path | None = None,
    ansible: ansible.Lister | None = None,
) -> Environment:
    """Load ``NAME`` from the environments directory (``directory``, default :func:`envdir`),
    or ``root`` itself when given; the first problem is a ConfigError. ``ansible``: how an
    Ansible inventory is listed (``golive.probe.ansible.list_inventory``); without it an
    environment whose hosts come from one (``hosts_from:``) is refused, never guessed."""
    env, found = inspect_environment(
        name, root, secrets=secrets, directory=directory, ansible=ansible
    )
    if env is None or found:
        raise first(found)
    return env


def inspect_environment(
    name: str,
    root: Path | None = None,
    *,
    secrets: bool = True,
    directory: Path | None = None,
    ansible: ansible.Lister | None = None,
) -> tuple[Environment | None, list[ConfigError]]:
    """Load and validate an environment's inventory (with its Ansible inventory), expectations,
    roles and secrets: the environment, or None, and every problem found (``golive
    validate`` lists them all; a run stops at the first)."""
    base = directory or envdir()
    if root is None and (not name or "/" in name or name.startswith(".")):
        return None, [ConfigError(
            "--env", name or "(empty)",
            f"the name of an environment directory under {base} (use --envdir for another "
            "directory of environments)",
        )]  # fmt: skip
    path = root if root is not None else base / name
    if not (path / "inventory.yml").is_file():
        known = ", ".join(available(base)) or "none"
        return None, [ConfigError(
            path, "--env", f"an environment with an inventory.yml under {base}; known: {known}"
        )]  # fmt: skip
    found: list[ConfigError] = []
    inventory = _inventory(path / "inventory.yml", found, ansible)
    expectations = _model(path / "expectations.yml", SCHEMA, found)
    if inventory is None or expectations is None:
        return None, found
    found += role_problems(path, inventory, expectations)
    found += host_var_problems(path, inventory, expectations)
    found += document_problems(path, inventory, expectations)
    found += file_problems(path, inventory, expectations)
    try:
        loaded = _load_secrets(inventory, path / "inventory.yml") if secrets else {}
    except ConfigError as exc:
        return None, [*found, exc]
    env = Environment(path, inventory, expectations, loaded)
    if secrets:
        found += secret_problems(env)
    return env, found


def _model(path: Path, model: type[Any], found: list[ConfigError]) -> Any:
    try:
        value, errors = problems(read_yaml(path), model, path)
    except ConfigError as exc:
        errors, value = [exc], None
    found += errors
    return value


def _inventory(
    path: Path, found: list[ConfigError], lister: ansible.Lister | None
) -> Inventory | None:
    """inventory.yml, its hosts read from an Ansible inventory when it names one; every host
    reached at an address of its own (:mod:`golive.model.machines`)."""
    source: Path | None = None
    try:
        data = read_yaml(path)
        if isinstance(data, dict) and "hosts_from" in data:
            if "hosts" in data:
                raise ConfigError(path, "hosts_from", "either `hosts:` or `hosts_from:`, not both")
            spec, errors = problems(data["hosts_from"], ansible.HostsFrom, path, "hosts_from")
            if spec is None:
                found += errors
                return None
            if lister is None:
                raise ConfigError(
                    path, "hosts_from",
                    "hosts listed in inventory.yml: this command reads no Ansible inventory",
                )  # fmt: skip
            source = ansible.inventory_path(spec, path.parent)
            hosts, errors = ansible.hosts(spec, path.parent, path, lister)
            found += errors
            data = {**data, "hosts": hosts}
    except ConfigError as exc:
        found.append(exc)
        return None
    inventory, errors = problems(data, Inventory, path)
    found += ansible.blame(errors, source) if source is not None else errors
    if inventory is not None:
        found += machine_problems(inventory.hosts, inventory.probe.timeout, path, source)
    return inventory


def role_problems(
    path: Path, inventory: Inventory, expectations: Expectations
) -> list[ConfigError]:
    """Hosts and expectations agree on roles: a host's role is declared in ``roles:``, every
    role an expectations section names is declared, and every declared role that is not
    optional has a host. Otherwise a typo silently drops a host from every check."""
    found: list[ConfigError] = []
    declared = expectations.get(Roles)
    known = set(declared.root) if declared else set()
    listing = ", ".join(sorted(known)) or "none"
    for name, host in inventory.hosts.items():
        for role in host.roles:
            if role not in known:
                found.append(ConfigError(
                    path / "inventory.yml", f"hosts.{name}.roles",
                    f"roles declared in expectations.yml `roles:` ({listing}); {role!r} is not",
                ))  # fmt: skip
    for key in type(expectations).model_fields:
        section = getattr(expectations, key)
        for role in sorted(section.roles_named() if section is not None else ()):
            if role not in known:
                found.append(ConfigError(
                    path / "expectations.yml", key,
                    f"roles declared in `roles:` ({listing}); {role!r} is not",
                ))  # fmt: skip
    hosted = {role for host in inventory.hosts.values() for role in host.roles}
    for role, spec in declared.root.items() if declared else ():
        if role not in hosted and not spec.optional:
            found.append(ConfigError(
                path / "expectations.yml", f"roles.{role}",
                "a role some host of inventory.yml has, or `optional: true` "
                f"(no host has role {role!r})",
            ))  # fmt: skip
    return found


def _named_vars(value: Any, key: str = "") -> list[tuple[str, str]]:
    """(key path, host var) for every ``*_var`` setting of the expectations: each names the
    host var a check reads on the hosts it covers."""
    if isinstance(value, dict):
        return [
            found
            for k, v in value.items()
            for found in (
                [(f"{key}.{k}".lstrip("."), v)]
                if str(k).endswith("_var") and isinstance(v, str)
                else _named_vars(v, f"{key}.{k}".lstrip("."))
            )
        ]
    if isinstance(value, list):
        return [found for i, v in enumerate(value) for found in _named_vars(v, f"{key}[{i}]")]
    return []


def host_var_problems(
    path: Path, inventory: Inventory, expectations: Expectations
) -> list[ConfigError]:
    """Every host sets the host vars its roles declare (``roles.<role>.vars``), and every host
    var the expectations name (a ``*_var`` setting, a ``facts.config_files`` entry) is one a
    role declares: so a host lacking a variable a check reads is a configuration error naming
    host and variable, before any check runs."""
    declared = expectations.get(Roles)
    roles = declared.root if declared else {}
    found: list[ConfigError] = []
    for name, host in inventory.hosts.items():
        for role in host.roles:
            spec = roles.get(role)
            for var in spec.vars if spec else ():
                if var not in host.vars:
                    found.append(ConfigError(
                        path / "inventory.yml", f"hosts.{name}.vars.{var}",
                        f"a value: every {role} host sets it (expectations.yml "
                        f"roles.{role}.vars; the checks of {role} hosts read it)",
                    ))  # fmt: skip
    every = {var for spec in roles.values() for var in spec.vars}
    named = _named_vars(expectations.model_dump(exclude_none=True))
    facts = expectations.model_dump(exclude_none=True).get("facts") or {}
    for role, entries in (facts.get("config_files") or {}).items():
        spec = roles.get(role)
        for i, entry in enumerate(entries):
            var = entry.partition(":")[0]
            if spec is not None and var not in spec.vars:
                found.append(ConfigError(
                    path / "expectations.yml", f"facts.config_files.{role}[{i}]",
                    f"a host var roles.{role}.vars declares; {var!r} is not one",
                ))  # fmt: skip
    for key, var in named:
        if var not in every:
            found.append(ConfigError(
                path / "expectations.yml", key,
                f"a host var some role declares in `roles.<role>.vars` "
                f"({', '.join(sorted(every)) or 'none'}); {var!r} is declared by none",
            ))  # fmt: skip
    return found


def secret_problems(env: Environment) -> list[ConfigError]:
    """Every secret the inventory names resolves now, before any check runs: a misspelt name
    is a configuration error whatever scope is selected."""
    inv = env.inventory
    named = {"database.password": inv.database.password}
    for key, account in inv.accounts.items():
        named[f"accounts.{key}.password"] = account.password
        if account.totp:
            named[f"accounts.{key}.totp"] = account.totp
    where = inv.secrets_file or env.path / "inventory.yml"
    return [
        ConfigError(
            env.path / "inventory.yml",
            key,
            f"the name of a secret in {where} ({name!r} is not one)",
        )
        for key, name in named.items()
        if name not in env.secrets
    ]
