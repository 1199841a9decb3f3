"""Configuration hardening: secrets and logs, Tomcat, response headers, PostgreSQL and sshd.
Plan: Deployment Process › Validation and Testing › Security Testing.

Where a claim concerns files, the files are those the services name in their own
configuration on each host (``hardening.services``), beside any the environment declares.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

import pytest

from golive.judge import auth as auth_judge
from golive.judge import hardening as judge_hardening
from golive.judge.hardening import ConfigPaths, Named
from golive.model.environment import Environment
from golive.model.expectations.security import (
    Hardening,
    NginxConfig,
    PostgresConfig,
    PropertiesConfig,
    ServiceConfig,
    TomcatConfig,
)
from golive.model.facts.hardening import FileFacts
from golive.probe import db as db_probe
from golive.probe import files, listeners, nodes, observe
from golive.probe.appconfig import read_properties, read_text
from golive.probe.hosts import HostPool, Target
from golive.probe.nodes import NodeAnswer
from golive.probe.sshauth import methods_within, offered_algorithms, offered_methods
from golive.report.evidence import Evidence
from pytest_golive.fixtures.findings import judge
from pytest_golive.fixtures.hosts import asked_ahead

pytestmark = [pytest.mark.security, pytest.mark.hardening]


@pytest.fixture(scope="module", autouse=True)
def _asked_ahead(probes_ahead: object) -> None:
    """The selected checks' declared probes (``@asked_ahead``: HTTP servers, sshd, Tomcat)
    start as the first hardening check runs: each mostly waits (a silent listener waits out
    ``probe_timeout``), and the waits overlap the checks before their own instead of adding
    up (fixtures/hosts.py). A pytest-xdist worker starts those of the checks sent to it
    (plugins/schedule.py), except in a run with a drill: there each check asks itself.

    A check about a host another parameter names (``scanned_host``) still gets its host from
    the pool itself: the hosts a check reaches are those its own thread asks for."""


def _commands(environment: Environment, count: int) -> float:
    """The bound of a probe asked ahead that runs up to ``count`` remote commands on its host:
    its connection, then each command's deadline (each keeps its own)."""
    ssh = environment.inventory.ssh
    return ssh.connect_timeout + count * ssh.command_timeout


# the listening ports of one host the bound of test_server_version_not_disclosed's probe
# counts (a host with more is still asked, each request within its own timeout)
PORTS_BOUND = 16

# what PostgreSQL reports about where its files are (pg_settings, read by the QA role)
PG_PATH_SETTINGS = ["data_directory", "ssl_key_file", "logging_collector", "log_directory"]


def _expand(template: str, target: Target) -> str:
    """A path template of the expectations: ``{host}`` and the host's inventory vars."""
    try:
        return template.format(host=target.name, **target.spec.vars)
    except KeyError as exc:
        pytest.fail(f"{target.name}: {template} names host var {exc}, which the inventory lacks")


def _nginx(target: Target, svc: NginxConfig) -> ConfigPaths:
    main = _expand(svc.path, target)
    conf_dir = main.rsplit("/", 1)[0] or "/"
    found, queue, seen = ConfigPaths(), [main], set()
    while queue:
        path = queue.pop(0)
        if path in seen:
            continue
        seen.add(path)
        part = judge_hardening.nginx_paths(read_text(target, path), path, conf_dir)
        found.extend(part)
        queue += [f for pattern in part.includes for f in files.expand(target, pattern)]
    return found


def _service_paths(
    target: Target,
    svc: ServiceConfig,
    environment: Environment,
    request: pytest.FixtureRequest | None,
) -> ConfigPaths:
    """The secrets and log directories one service's own configuration names on the host."""
    if isinstance(svc, NginxConfig):
        return _nginx(target, svc)
    if isinstance(svc, TomcatConfig):
        base = _expand(svc.base, target)
        server = read_text(target, f"{base}/conf/server.xml")
        logging = read_properties(target, f"{base}/conf/logging.properties")
        return judge_hardening.tomcat_paths(server, logging, base)
    if isinstance(svc, PropertiesConfig):
        path = _expand(svc.path, target)
        props = read_properties(target, path, svc.reader)
        return judge_hardening.properties_paths(props, svc.log_keys, path)
    database = environment.inventory.database.host
    if target.name != database:
        return ConfigPaths.unreadable(
            f"PostgreSQL's settings are read from the inventory's database ({database}); "
            f"{target.name}'s cannot be"
        )
    if request is None:  # asked ahead: never for the database's host (_configured_ahead)
        raise RuntimeError(f"{target.name}: PostgreSQL's paths need the run's database session")
    db = request.getfixturevalue("db")
    rows = db.execute(
        "SELECT name, setting FROM pg_settings WHERE name = ANY(%s)", (PG_PATH_SETTINGS,)
    ).fetchall()
    return judge_hardening.postgres_paths({str(n): str(v) for n, v in rows})


@pytest.fixture(scope="session")
def configured_once() -> observe.Once:
    """The paths each host's services name in their own configuration, read once per run:
    the secret files' and the log directories' checks both judge them (the second gets the
    commands of the first as evidence)."""
    return observe.Once("the services' configuration on")


def _services(target: Target, environment: Environment) -> list[ServiceConfig]:
    hardening = environment.expectation(Hardening)
    return [s for role in target.spec.roles for s in hardening.services.get(role, [])]


def _configured(
    target: Target,
    environment: Environment,
    request: pytest.FixtureRequest,
    once: observe.Once,
) -> list[tuple[ServiceConfig, ConfigPaths]]:
    services = _services(target, environment)
    found: list[tuple[ServiceConfig, ConfigPaths]] = once.get(
        target.name,
        lambda: [(svc, _service_paths(target, svc, environment, request)) for svc in services],
    )
    return found


def _configured_ahead(
    target: Target, environment: Environment
) -> list[tuple[ServiceConfig, ConfigPaths]] | None:
    """What :func:`_configured` reads, for a probe asked ahead; None on the database's host
    when one of its services is PostgreSQL (the run's database session reports its paths:
    the check asks there itself)."""
    services = _services(target, environment)
    database = environment.inventory.database.host
    if target.name == database and any(isinstance(s, PostgresConfig) for s in services):
        return None
    return [(svc, _service_paths(target, svc, environment, None)) for svc in services]


# a bound for a probe of a host's secret files or log directories: its services' configuration
# files (and nginx's includes), the stat of every path, a listing of each log directory, up to
# this many remote commands (each within its own deadline)
CONFIG_COMMANDS = 24

Wanted = tuple[str, str, int, list[str]]
"""A secret: what it is, its path, its widest mode, who may own it."""


def _secrets(
    target: Target, environment: Environment, configured: list[tuple[ServiceConfig, ConfigPaths]]
) -> tuple[list[str], list[Wanted], dict[str, FileFacts | None]]:
    """The secrets that cannot be checked, the secrets to check, and what the host says of
    each one's path and the directories above it."""
    hardening = environment.expectation(Hardening)
    declared = [s for role in target.spec.roles for s in hardening.secret_files.get(role, [])]
    wanted: list[Wanted] = [
        (
            path + (f" ({spec.control})" if spec.control else ""),
            path,
            int(spec.mode, 8),
            [spec.owner],
        )
        for spec in declared
        for path in [_expand(spec.path, target)]
    ]
    unchecked = []
    for svc, paths in configured:
        unchecked += [f"{target.name}: {p}" for p in paths.unchecked_secrets]
        owners = svc.key_owners if not isinstance(svc, PropertiesConfig) else []
        wanted += [(str(n), n.path, int(hardening.key_mode, 8), owners) for n in paths.secrets]
    above = [d for _, path, _, _ in wanted for d in judge_hardening.ancestors(path)]
    return unchecked, wanted, files.stat(target, [path for _, path, _, _ in wanted] + above)


def _secrets_ahead(
    target: Target, environment: Environment
) -> tuple[list[str], list[Wanted], dict[str, FileFacts | None]] | None:
    configured = _configured_ahead(target, environment)
    return None if configured is None else _secrets(target, environment, configured)


@asked_ahead(
    _secrets_ahead,
    lambda environment: _commands(environment, CONFIG_COMMANDS),
    "the host's secret files",
)
def test_secret_files_owner_and_mode(
    config_host: str,
    environment: Environment,
    host_pool: HostPool,
    request: pytest.FixtureRequest,
    evidence: Evidence,
    configured_once: observe.Once,
    probed,
) -> None:
    """Claim: on every host, each secret (a file holding a credential or a private key) is
    owned by whom the policy names and readable by no one else.

    Covers: the secret files the environment declares per role (``hardening.secret_files``)
    and every secret the host's services name in their own configuration, read on the host
    (``hardening.services``): nginx's ``ssl_certificate_key``, ``ssl_password_file``,
    ``auth_basic_user_file`` (and their proxy/grpc/uwsgi forms) in its main file and every
    file it includes; Tomcat's key and keystore files and its user database
    (``conf/server.xml``); PostgreSQL's ``ssl_key_file`` as the running server reports it.
    A secret's mode may have no bit beyond its widest mode (``key_mode`` for keys), and no
    directory above it may be world-writable without the sticky bit (anyone could swap it).
    A key inlined in the configuration (``data:``) or named through a variable fails: it
    cannot be checked. Symbolic links are followed.

    Does not cover: secrets no configuration names and the environment does not declare;
    ACLs (only the mode bits); keys held by an HSM (``engine:``); PostgreSQL hosts other
    than the inventory's database (reported as not checkable, which fails).
    """
    target = host_pool.get(config_host)
    gathered = probed()
    if gathered is None:  # the database's paths: asked here, in the run's database session
        configured = _configured(target, environment, request, configured_once)
        gathered = _secrets(target, environment, configured)
    findings, wanted, facts = gathered
    evidence.text(
        f"{config_host} secrets",
        "\n".join(
            f"{what}: "
            + (f"{f.mode & 0o7777:04o} {f.user}:{f.group}" if (f := facts[path]) else "absent")
            for what, path, _, _ in wanted
        ),
    )
    for what, path, widest, owners in wanted:
        findings += judge_hardening.mode_findings(config_host, what, facts[path], widest, owners)
        findings += judge_hardening.ancestor_findings(config_host, what, path, facts)
    judge(list(dict.fromkeys(findings)))


LogFacts = tuple[
    list[str], dict[str, Named], dict[str, FileFacts | None], dict[str, list[FileFacts]]
]
"""The log paths that cannot be checked, the log directories by path, what the host says of
each one and the directories above it, and each directory's entries wider than the policy."""


def _logs(
    target: Target, environment: Environment, configured: list[tuple[ServiceConfig, ConfigPaths]]
) -> LogFacts:
    policy = environment.expectation(Hardening).logs
    dir_mode, file_mode = int(policy.dir_mode, 8), int(policy.file_mode, 8)
    unchecked: list[str] = []
    log_dirs: dict[str, Named] = {}
    for _, paths in configured:
        unchecked += [f"{target.name}: {p}" for p in paths.unchecked_logs]
        for named in paths.log_dirs:
            log_dirs.setdefault(named.path, named)
    above = [d for path in log_dirs for d in judge_hardening.ancestors(path)]
    facts = files.stat(target, [*log_dirs, *above])
    wider = {
        path: files.wider_entries(target, path, dir_mode, file_mode)
        for path in log_dirs
        if (found := facts[path]) is not None and found.is_dir
    }
    return unchecked, log_dirs, facts, wider


def _logs_ahead(target: Target, environment: Environment) -> LogFacts | None:
    configured = _configured_ahead(target, environment)
    return None if configured is None else _logs(target, environment, configured)


# also the logging plan item's claim that logs are stored securely (the monitoring suite
# does not repeat it)
@pytest.mark.plan("deploy.validation.security", "deploy.monitoring.logging")
@asked_ahead(
    _logs_ahead,
    lambda environment: _commands(environment, CONFIG_COMMANDS),
    "the host's log directories",
)
def test_log_directories_not_writable_by_others(
    config_host: str,
    environment: Environment,
    host_pool: HostPool,
    request: pytest.FixtureRequest,
    evidence: Evidence,
    configured_once: observe.Once,
    probed,
) -> None:
    """Claim: on every host, no one but a service can alter or remove what it logs, its audit
    log included.

    Covers: every log directory the host's services name in their own configuration, read
    on the host: nginx's ``access_log`` and ``error_log`` (main file and includes), Tomcat's
    access log valves (``conf/server.xml``) and its handlers' directories
    (``conf/logging.properties``), the application's log keys (``audit.log``), PostgreSQL's
    ``log_directory`` when its logging collector is on. Each directory may have no mode bit
    beyond ``logs.dir_mode``, nor any file or subdirectory in it beyond ``logs.file_mode`` /
    ``logs.dir_mode``, and no directory above it may be world-writable without the sticky
    bit. A log path built from a variable or nginx's prefix fails: it cannot be checked.

    Does not cover: logs sent elsewhere (syslog, journald, stderr captured by the service
    manager, nginx's ``-e`` command-line error log); who owns the files; entries deeper than
    the directory's own (rotated archives in subdirectories are judged as directories only).
    """
    policy = environment.expectation(Hardening).logs
    dir_mode, file_mode = int(policy.dir_mode, 8), int(policy.file_mode, 8)
    target = host_pool.get(config_host)
    gathered = probed()
    if gathered is None:  # the database's paths: asked here, in the run's database session
        gathered = _logs(
            target, environment, _configured(target, environment, request, configured_once)
        )
    findings, log_dirs, facts, wider_by_path = gathered
    lines = []
    for path, named in log_dirs.items():
        found = facts[path]
        wider = wider_by_path.get(path, [])
        lines.append(f"{named}: " + (f"{found.mode & 0o7777:04o} {found.user}" if found else "-"))
        lines += [f"  {e.path}: {e.mode & 0o7777:04o} {e.user}" for e in wider]
        findings += judge_hardening.log_dir_findings(
            config_host, named, found, wider, dir_mode, file_mode
        )
        findings += judge_hardening.ancestor_findings(
            config_host, f"log directory {named}", path, facts
        )
    evidence.text(f"{config_host} log directories", "\n".join(lines) or "(none named)")
    judge(list(dict.fromkeys(findings)))


def _tomcat_apps(
    target: Target, environment: Environment
) -> tuple[list[tuple[str, list[str]]], list[NodeAnswer]]:
    """Each declared deployment directory's entries (none when it is no directory), and
    Tomcat's answer for each forbidden app's context path, asked from the node."""
    tomcat = environment.expectation(Hardening).tomcat
    listings = []
    for template in tomcat.deploy_dirs:
        folder = target.remote.file(_expand(template, target))
        listings.append((folder.path, folder.listdir() if folder.is_directory else []))
    timeout = environment.inventory.public.timeout
    answers = [
        nodes.get_json(target, tomcat.port, f"/{app}/", timeout=timeout)
        for app in tomcat.forbidden_apps
    ]
    return listings, answers


def _tomcat_apps_within(environment: Environment) -> float:
    tomcat = environment.expectation(Hardening).tomcat
    return _commands(environment, 2 * len(tomcat.deploy_dirs) + len(tomcat.forbidden_apps))


@asked_ahead(_tomcat_apps, _tomcat_apps_within, "the Tomcat deployments and context paths")
def test_tomcat_admin_apps_not_deployed(
    tomcat_host: str, environment: Environment, host_pool: HostPool, probed
) -> None:
    """Claim: no Tomcat administration or sample app is deployed on an app host.

    Covers: the deployment directories declared (``hardening.tomcat.deploy_dirs``: WARs,
    exploded directories and context files) and, from the node itself, an HTTP request for
    each app's context path on Tomcat's port (a 404 or no answer passes).

    Does not cover: the apps under another context path or on another connector.
    """
    tomcat = environment.expectation(Hardening).tomcat
    host_pool.get(tomcat_host)  # reached by this check (see _asked_ahead)
    listings, answers = probed()
    findings = []
    for path, listing in listings:
        deployed = {n.removesuffix(".war").removesuffix(".xml") for n in listing}
        findings += [
            f"{tomcat_host}: {app} is deployed ({path})"
            for app in tomcat.forbidden_apps
            if app in deployed
        ]
    for app, answer in zip(tomcat.forbidden_apps, answers, strict=True):
        if answer.status not in (0, 404):
            findings.append(
                f"{tomcat_host}: {answer.url} answered HTTP {answer.status}; "
                f"the {app} app must not be reachable"
            )
    judge(findings)


def _error_page(target: Target, environment: Environment) -> NodeAnswer:
    tomcat = environment.expectation(Hardening).tomcat
    timeout = environment.inventory.public.timeout
    return nodes.get_json(target, tomcat.port, tomcat.error_probe_path, timeout=timeout)


@asked_ahead(_error_page, lambda environment: _commands(environment, 1), "Tomcat's error page")
def test_error_pages_leak_nothing(
    tomcat_host: str, environment: Environment, host_pool: HostPool, evidence: Evidence, probed
) -> None:
    """Claim: Tomcat's error pages disclose neither its version nor a stack trace.

    Covers: the error page of a malformed request (``hardening.tomcat.error_probe_path``)
    asked from the node itself, matched against the declared leak patterns.

    Does not cover: the application's own error answers (its JSON errors are judged by the
    patterns only where this path reaches them).
    """
    tomcat = environment.expectation(Hardening).tomcat
    host_pool.get(tomcat_host)  # reached by this check (see _asked_ahead)
    answer = probed()
    body = answer.body if isinstance(answer.body, str) else str(answer.body or "")
    evidence.text(f"{tomcat_host} error page", f"{answer.describe()}\n\n{body}")
    judge(
        [
            f"{tomcat_host}: error page of {answer.url} (HTTP {answer.status}) discloses "
            f"{m.group(0)!r}"
            for pattern in tomcat.leak_patterns
            if (m := re.search(pattern, body))
        ]
    )


def _public_name(environment: Environment, target: Target) -> str | None:
    """The public URL's host name, for hosts that serve it (they may select on it)."""
    if set(target.spec.roles) & set(environment.expectation(Hardening).headers.public_roles):
        return urlsplit(environment.inventory.public.url).hostname
    return None


def _http_servers(target: Target, environment: Environment) -> list[tuple[int, list[NodeAnswer]]]:
    """Each TCP port the host listens on, with the answers of the HTTP server there for each
    declared path (none: the listener is not an HTTP server), asked from the host itself."""
    headers = environment.expectation(Hardening).headers
    return nodes.http_servers(
        target,
        listeners.listening(target).ports,
        headers.paths,
        headers.probe_timeout,
        _public_name(environment, target),
    )


def _http_servers_within(environment: Environment) -> float:
    """The socket table, then up to ``PORTS_BOUND`` ports, ``nodes.PORTS_AT_ONCE`` at a time,
    each asked over TLS, in the clear and for every other path, each request within
    ``probe_timeout`` and a connection's time."""
    headers = environment.expectation(Hardening).headers
    request = headers.probe_timeout + environment.inventory.ssh.connect_timeout
    rounds = -(-PORTS_BOUND // nodes.PORTS_AT_ONCE)
    return _commands(environment, 1) + rounds * (1 + len(headers.paths)) * request


@asked_ahead(_http_servers, _http_servers_within, "the host's HTTP servers")
def test_server_version_not_disclosed(
    target: Target, environment: Environment, evidence: Evidence, probed
) -> None:
    """Claim: no HTTP server on any host tells a client which software version it runs.

    Covers: every TCP port the host listens on (its own address or all addresses, read
    with Testinfra's socket module, so a server nobody declared is found too), asked from
    the host itself over TLS and, failing that, in the clear, for each declared path (a
    page, the health check, an API path, a missing page: error pages count); the public
    name is sent as SNI and Host to the hosts serving the public URL. Each header of
    ``hardening.headers.disclosing`` (Server, X-Powered-By, ...) is matched against
    ``version_pattern``. An app node's own Server header counts, though the load balancer
    replaces it.

    Does not cover: versions in bodies (the error-page check covers Tomcat's); listeners
    that answer neither TLS nor HTTP within ``probe_timeout``, or only to a client
    certificate (they are not HTTP servers for this check); listeners bound to another
    address than the host's (loopback-only admin ports); UDP.
    """
    headers = environment.expectation(Hardening).headers
    findings, seen = [], []
    for port, answers in probed():
        if not answers:
            seen.append(f"{port}: not HTTP")
        for answer in answers:
            seen.append(f"{answer.describe()}: {dict(answer.headers)}")
            findings += judge_hardening.disclosure_findings(
                f"{target.name}: {answer.url}",
                answer.headers,
                headers.disclosing,
                headers.version_pattern,
            )
    evidence.text(f"{target.name} HTTP servers", "\n".join(seen))
    judge(findings)


def _public_responses(target: Target, environment: Environment) -> list[NodeAnswer]:
    """The host's answers for each declared path of the public URL, asked by name (SNI and
    Host) from the host itself."""
    headers = environment.expectation(Hardening).headers
    url = urlsplit(environment.inventory.public.url)
    port = url.port or (443 if url.scheme == "https" else 80)
    return [
        nodes.fetch(
            target,
            f"{url.scheme}://{url.hostname}:{port}{path}",
            timeout=environment.inventory.public.timeout,
            resolve=f"{url.hostname}:{port}:{target.address}",
            insecure=True,
        )
        for path in headers.paths
    ]


def _public_responses_within(environment: Environment) -> float:
    return _commands(environment, len(environment.expectation(Hardening).headers.paths))


@asked_ahead(_public_responses, _public_responses_within, "the public URL's answers")
def test_security_headers_present(
    public_host: str, environment: Environment, host_pool: HostPool, evidence: Evidence, probed
) -> None:
    """Claim: every response of the public endpoint carries the required security headers,
    whichever load balancer serves it.

    Covers: each host serving the public URL (``headers.public_roles``), asked for it by
    name (SNI and Host) from the host itself, for each declared path: a page, the health
    check, an API path that answers 401, a missing page (nginx drops inherited headers in
    a location with its own ``add_header``, and without ``always`` on error answers).

    Does not cover: the certificate (the TLS suite's); hosts other than the public ones
    (internal servers need not send these headers); the plain-HTTP redirect.
    """
    headers = environment.expectation(Hardening).headers
    host_pool.get(public_host)  # reached by this check (see _asked_ahead)
    findings, seen = [], []
    for answer in probed():
        seen.append(f"{answer.describe()}: {dict(answer.headers)}")
        if answer.status == 0:
            findings.append(f"{public_host}: {answer.describe()}")
            continue
        findings += judge_hardening.missing_header_findings(
            f"{public_host}: {answer.url} (HTTP {answer.status})",
            answer.headers,
            headers.required,
            headers.controls,
        )
    evidence.text(f"{public_host} public responses", "\n".join(seen))
    judge(findings)


def test_postgres_settings(db, environment: Environment, evidence: Evidence) -> None:
    """Claim: the database server runs with the declared security settings, as the
    application's role sees them in its database.

    Covers: each setting of ``hardening.postgres.settings`` (``ssl``, ``password_encryption``)
    as the application's sessions start with it: the running server's value (whatever file
    set it), overridden by ``ALTER DATABASE ... SET``, ``ALTER ROLE ... SET`` and ``ALTER ROLE
    ... IN DATABASE ... SET`` for ``database.app_role`` and ``database.dbname``
    (``pg_db_role_setting``), in PostgreSQL's precedence.

    Does not cover: servers other than the inventory's database; options the application's
    own connection string passes or a ``SET`` its code runs.
    """
    postgres = environment.expectation(Hardening).postgres
    database = environment.inventory.database
    seen = db_probe.settings_for_app(
        db, list(postgres.settings), database.app_role, database.dbname
    )
    lines = []
    for name in postgres.settings:
        found = seen.effective(name)
        lines.append(f"{name}: " + (f"{found[0]} ({found[1]})" if found else "not known"))
    evidence.text(f"settings for role {seen.role} in database {seen.database}", "\n".join(lines))
    judge(
        judge_hardening.pg_setting_findings(
            database.host, seen, postgres.settings, postgres.controls
        )
    )


def test_pg_hba_has_no_weak_methods(db, environment: Environment, evidence: Evidence) -> None:
    """Claim: PostgreSQL admits a network connection only over TLS, with a strong method,
    from the environment's own hosts; a local one only with a declared method.

    Covers: every rule of pg_hba as the server reads the file (``pg_hba_file_rules``):
    invalid lines; local rules' methods (``hba.local_methods``); network rules' methods
    (``hba.methods``, an allow-list: trust, password, md5, ident all fail), their type
    (``host``, ``hostnossl`` or ``hostgssenc`` where ``hostssl`` is required) and their
    address range, which must lie within the addresses of ``hba.source_roles``' hosts
    and ``hba.source_addresses`` (``all``, ``samenet``, ``samehost`` and host names fail).

    Does not cover: which databases and users a rule names; a file edited but not yet
    reloaded differs from what the server enforces (the view shows the file).
    """
    hba = environment.expectation(Hardening).postgres.hba
    rows = db.execute(
        "SELECT line_number, type, database, user_name, address, netmask, auth_method, error "
        "FROM pg_hba_file_rules ORDER BY line_number"
    ).fetchall()
    evidence.text("pg_hba_file_rules", "\n".join(" ".join(map(str, r)) for r in rows))
    rules = [
        auth_judge.HbaRule(
            line, kind, tuple(dbs or ()), tuple(users or ()), addr, mask, method, error
        )
        for line, kind, dbs, users, addr, mask, method, error in rows
    ]
    hosts = environment.inventory.hosts
    sources = [str(hosts[h].address) for h in environment.hosts_with_role(*hba.source_roles)]
    ref = judge_hardening.control(environment.expectation(Hardening).postgres.controls, "pg_hba")
    found = auth_judge.hba_findings(
        environment.inventory.database.host,
        rules,
        hba.methods,
        hba.local_methods,
        hba.require_tls,
        sources + hba.source_addresses,
    )
    judge([f + ref for f in found])


# a bound for a probe reading sshd's configuration: its main file and the files its Include
# lines name, up to this many remote commands (each within its own deadline)
SSHD_CONFIG_COMMANDS = 8


def _sshd_auth(
    target: Target, environment: Environment
) -> tuple[dict[str, list[str]], dict[str, str], dict[str, list[str]]]:
    """What sshd offers each declared user from the QA vantage point (its methods after a
    ``none`` attempt), and its configuration read on the host: the texts by path, Include
    files spliced in where they are included, and the paths each Include pattern names."""
    sshd = environment.expectation(Hardening).sshd
    source = environment.inventory.probe.source
    timeout = environment.inventory.ssh.connect_timeout
    methods = {
        user: offered_methods(
            target.address, sshd.port, user, str(source) if source else None, timeout
        )
        for user in sshd.users
    }
    config = _expand(sshd.config, target)
    texts, globs, queue = {config: read_text(target, config)}, {}, [config]
    while queue:
        for pattern in auth_judge.sshd_includes(texts[queue.pop(0)], config):
            if pattern not in globs:
                globs[pattern] = files.expand(target, pattern)
                for path in globs[pattern]:
                    if path not in texts:
                        texts[path] = read_text(target, path)
                        queue.append(path)
    return methods, texts, globs


def _sshd_auth_within(environment: Environment) -> float:
    """Each user's SSH connection, handshake and answer to ``none``, then the configuration's
    commands."""
    users = len(environment.expectation(Hardening).sshd.users)
    handshake = methods_within(environment.inventory.ssh.connect_timeout)
    return users * handshake + _commands(environment, SSHD_CONFIG_COMMANDS)


@asked_ahead(_sshd_auth, _sshd_auth_within, "sshd's offer and configuration")
def test_sshd_offers_key_authentication_only(
    scanned_host: str, environment: Environment, host_pool: HostPool, evidence: Evidence, probed
) -> None:
    """Claim: sshd on every host admits keys only, and never root.

    Covers: what sshd offers each declared user from the QA vantage point (the methods of
    its "none" answer: password or keyboard-interactive fail), and its configuration read
    on the host (``sshd.config``, Include files spliced in where they are included): each
    authentication keyword of ``sshd.settings`` (PasswordAuthentication,
    KbdInteractiveAuthentication and its old name ChallengeResponseAuthentication,
    PermitRootLogin, PermitEmptyPasswords)
    must have an allowed value, globally (first value wins, OpenSSH's default when absent)
    and in every Match block, whatever it matches.

    Does not cover: a configuration given on sshd's command line (``-o``); a running sshd
    not yet reloaded after an edit (the file is judged); AuthenticationMethods chains.
    """
    sshd = environment.expectation(Hardening).sshd
    target = host_pool.get(scanned_host)  # reached by this check (see _asked_ahead)
    offered, texts, globs = probed()
    findings = []
    for user, methods in offered.items():
        extra = sorted(set(methods) - set(sshd.allowed_methods))
        if extra:
            findings.append(
                f"{scanned_host}: sshd offers {', '.join(extra)} authentication to "
                f"{user}; policy allows {', '.join(sshd.allowed_methods)}"
            )
    config = _expand(sshd.config, target)
    evidence.text(f"{scanned_host} sshd configuration", "\n\n".join(texts.values()))
    lines = auth_judge.sshd_lines(config, texts, globs)
    # the authentication keywords (their defaults are known); sshd -T judges every keyword
    auth = {k: v for k, v in sshd.settings.items() if k in auth_judge.SSHD_DEFAULTS}
    findings += auth_judge.sshd_findings(scanned_host, config, lines, auth)
    judge(findings)


def _host_command(target: Target, template: str, **extra: str) -> str:
    """An environment's command template for one host: ``{host}``, its vars and ``extra``."""
    try:
        return template.format(host=target.name, **target.spec.vars, **extra)
    except KeyError as exc:
        pytest.fail(f"{target.name}: {template} names {exc}, which the inventory lacks")


def _printed(target: Target, command: str) -> str:
    out = target.run(command)
    if out.rc != 0:
        pytest.fail(
            f"{target.name}: `{command}` failed (exit {out.rc}): "
            f"{(out.stderr or out.stdout).strip()[-300:]}"
        )
    return str(out.stdout)


def _effective_command(host: str, environment: Environment) -> str:
    command = environment.expectation(Hardening).sshd.effective_command
    if command is None:
        pytest.fail(
            f"{host}: hardening.sshd.effective_command is not declared: sshd's "
            "effective configuration cannot be read"
        )
    return command


def _sshd_effective(
    target: Target, environment: Environment
) -> tuple[list[tuple[str, str, str]], tuple[str, str] | None]:
    """sshd's own view of its configuration (``sshd -T``), globally and for each declared
    user from the QA vantage point: (context, command, what it printed); with
    ``min_moduli_bits``, the ModuliFile the global view names and its groups' sizes."""
    sshd = environment.expectation(Hardening).sshd
    template = _effective_command(target.name, environment)
    base = _host_command(target, template, config=_expand(sshd.config, target))
    source = environment.inventory.probe.source or target.address
    contexts = [("global", base)] + [
        (
            f"for user {user} from {source}",
            f"{base} -C user={user},host={source},addr={source},"
            f"laddr={target.address},lport={sshd.port}",
        )
        for user in sshd.users
    ]
    printed = [(context, command, _printed(target, command)) for context, command in contexts]
    moduli = judge_hardening.sshd_effective(printed[0][2]).get("modulifile", [""])[0]
    if not (sshd.min_moduli_bits and moduli):
        return printed, None
    return printed, (moduli, _printed(target, f"awk '$5 ~ /^[0-9]+$/ {{print $5 + 1}}' {moduli}"))


def _sshd_effective_within(environment: Environment) -> float:
    """``sshd -T`` globally and for each user, then the ModuliFile's sizes."""
    return _commands(environment, len(environment.expectation(Hardening).sshd.users) + 2)


@asked_ahead(_sshd_effective, _sshd_effective_within, "sshd's effective configuration")
def test_sshd_effective_configuration(
    scanned_host: str, environment: Environment, host_pool: HostPool, evidence: Evidence, probed
) -> None:
    """Claim: sshd on every host runs with the declared settings, as it applies them to a
    connection, Match blocks included.

    Covers: sshd's own view of its configuration (``sshd.effective_command``, ``sshd -T``:
    every file it includes, OpenSSH's defaults for what no file sets), globally and, through
    ``-C``, for each declared user connecting from the QA vantage point (``probe.source``)
    to the host's address and sshd's port, so a Match block for them counts. Each keyword of
    ``sshd.settings`` must have an allowed value in each; a finding names the baseline
    control the environment ties the keyword to (``sshd.controls``). With
    ``sshd.min_moduli_bits``, the Diffie-Hellman groups of the ModuliFile sshd -T names (what
    diffie-hellman-group-exchange draws from) are at least that large.

    Does not cover: Match blocks for other users or addresses (the file check,
    test_sshd_offers_key_authentication_only, judges every Match block of the file);
    options on sshd's command line (``-o``) of the running process; a configuration edited
    but not yet reloaded (the file on disk is what ``sshd -T`` reads).
    """
    sshd = environment.expectation(Hardening).sshd
    _effective_command(scanned_host, environment)
    target = host_pool.get(scanned_host)
    printed, moduli = probed()
    seen, shown = {}, []
    for context, command, text in printed:
        shown.append(f"$ {command}\n{text}")
        seen[context] = judge_hardening.sshd_effective(text)
    evidence.text(f"{scanned_host} sshd -T", "\n".join(shown))
    # an allowed value may name the host's own address: ListenAddress {address}:22
    allowed = {
        k: [v.replace("{address}", target.address) for v in values]
        for k, values in sshd.settings.items()
    }
    findings = judge_hardening.sshd_effective_findings(scanned_host, seen, allowed, sshd.controls)
    if moduli is not None and sshd.min_moduli_bits:
        path, sizes = moduli
        evidence.text(f"{scanned_host} DH group sizes in {path}", sizes)
        findings += judge_hardening.moduli_findings(
            scanned_host, path, sizes, sshd.min_moduli_bits, sshd.controls
        )
    judge(findings)


def test_sshd_offered_algorithms(
    scanned_host: str, environment: Environment, evidence: Evidence
) -> None:
    """Claim: sshd on every host offers a client only the allowed key exchanges, host key
    algorithms, ciphers and MACs, and its version string does not name the OS release.

    Covers: sshd's own key exchange offer (SSH_MSG_KEXINIT) and version string, read from
    the QA vantage point (``probe.source``) before any key is exchanged, so whatever set them
    counts (sshd_config, Include files, options on sshd's command line); each algorithm, in
    both directions, must be in ``sshd.settings``' list for it; the version string must not
    match ``sshd.banner_forbidden``. A finding names the control (``sshd.controls``).

    Does not cover: what sshd offers another source address or after a Match block for a
    user (algorithms are chosen before the user is known); what a client then agrees to.
    """
    sshd = environment.expectation(Hardening).sshd
    address = str(environment.inventory.hosts[scanned_host].address)
    source = environment.inventory.probe.source
    banner, offer = offered_algorithms(
        address,
        sshd.port,
        str(source) if source else None,
        environment.inventory.ssh.connect_timeout,
    )
    evidence.text(
        f"{scanned_host} sshd key exchange offer",
        "\n".join([banner, *(f"{k}: {','.join(v)}" for k, v in offer.items())]),
    )
    judge(
        judge_hardening.ssh_offer_findings(
            scanned_host, banner, offer, sshd.settings, sshd.banner_forbidden, sshd.controls
        )
    )


def _nginx_dump(target: Target, environment: Environment) -> str:
    nginx = environment.expectation(Hardening).nginx
    if nginx is None:
        pytest.fail(f"{target.name}: hardening.nginx is not declared")
    return _printed(target, _host_command(target, nginx.command))


@asked_ahead(_nginx_dump, lambda environment: _commands(environment, 1), "nginx -T")
def test_nginx_effective_configuration(
    nginx_host: str, environment: Environment, host_pool: HostPool, evidence: Evidence, probed
) -> None:
    """Claim: nginx runs with the declared directives: its worker user, version disclosure,
    buffer sizes, timeouts and connection limits.

    Covers: nginx's own dump of the configuration it would load (``nginx.command``,
    ``nginx -T``: the main file and every file it includes). Each directive of
    ``nginx.directives`` must be set and have an allowed value wherever it appears (the
    http block, every server and location); a finding names the baseline control the
    environment ties the directive to (``nginx.controls``).

    Does not cover: a configuration edited but not yet reloaded (``nginx -T`` reads the
    files); response headers (test_security_headers_present asks the responses themselves);
    TLS (the TLS suite's handshakes).
    """
    nginx = environment.expectation(Hardening).nginx
    if nginx is None:
        pytest.fail(f"{nginx_host}: hardening.nginx is not declared")
    host_pool.get(nginx_host)  # reached by this check (see _asked_ahead)
    text = probed()
    evidence.text(f"{nginx_host} nginx -T", text)
    judge(
        judge_hardening.nginx_directive_findings(
            nginx_host, text, nginx.directives, nginx.controls, nginx.forbidden_files
        )
    )


def test_postgres_catalog(db, environment: Environment, evidence: Evidence) -> None:
    """Claim: the database's catalog gives no one more than the policy allows: no untrusted
    or undeclared procedural language, no administrative role beyond the declared ones, no
    SECURITY DEFINER function the application's role may execute, no one else reading
    pg_authid, no table privilege granted to PUBLIC or passed on WITH GRANT OPTION.

    Covers: ``pg_language``; ``pg_roles`` (SUPERUSER, CREATEROLE, CREATEDB); ``pg_proc``'s
    ``prosecdef`` functions ``database.app_role`` may execute (``has_function_privilege``,
    PUBLIC's EXECUTE included); who may SELECT ``pg_authid``; the ACLs of every table, view
    and sequence outside the system schemas (grants to PUBLIC, grant options held by
    anyone but the owner), in the inventory's database, as golive's QA role reads them;
    a finding names the baseline control the environment ties it to (``postgres.controls``).

    Does not cover: other databases of the server (each has its own catalog, except roles);
    column privileges; privileges on functions other than SECURITY DEFINER ones.
    """
    postgres = environment.expectation(Hardening).postgres
    database = environment.inventory.database
    if postgres.catalog is None:
        pytest.fail(f"{database.host}: hardening.postgres.catalog is not declared")
    policy = postgres.catalog
    facts = db_probe.catalog(db, database.app_role)
    evidence.text(f"{database.host} catalog", repr(facts))
    judge(
        judge_hardening.pg_catalog_findings(
            database.host,
            facts,
            policy.languages,
            policy.untrusted_languages,
            policy.admin_roles,
            policy.definer_functions,
            policy.grantors,
            database.app_role,
            postgres.controls,
            policy.versions,
        )
    )
