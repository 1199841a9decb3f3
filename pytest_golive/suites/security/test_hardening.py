"""Configuration hardening: secret files, Tomcat, nginx, PostgreSQL and sshd.
Plan: Deployment Process › Validation and Testing › Security Testing.
"""

from __future__ import annotations

import re

import pytest

from golive.model.environment import Environment
from golive.model.expectations.security import Hardening
from golive.model.expectations.smoke import App
from golive.probe.hosts import HostPool, Target
from golive.probe.nodes import get_json
from golive.probe.sshauth import offered_methods
from golive.report.evidence import Evidence
from pytest_golive.fixtures.findings import judge
from pytest_golive.fixtures.http import Api

pytestmark = [pytest.mark.security, pytest.mark.hardening]


def _expand(template: str, target: Target) -> str:
    return template.format(**target.spec.vars)


def test_secret_files_owner_and_mode(
    secret_host: str, environment: Environment, host_pool: HostPool
) -> None:
    hardening = environment.expectation(Hardening)
    target = host_pool.get(secret_host)
    roles = environment.inventory.hosts[secret_host].roles
    findings = []
    for spec in (s for r in roles for s in hardening.secret_files.get(r, [])):
        path, widest = _expand(spec.path, target), int(spec.mode, 8)
        f = target.remote.file(path)
        if not f.exists:
            findings.append(f"{secret_host}: {path} does not exist (or is not visible)")
            continue
        mode, owner = f.mode, f.user
        if mode & ~widest:
            extra = " (world-readable)" if mode & 0o004 else ""
            findings.append(
                f"{secret_host}: {path} has mode {mode:04o}{extra}; at most {spec.mode} allowed"
            )
        if owner != spec.owner:
            findings.append(f"{secret_host}: {path} is owned by {owner}; expected {spec.owner}")
    judge(findings)


def test_tomcat_admin_apps_not_deployed(
    tomcat_host: str, environment: Environment, host_pool: HostPool
) -> None:
    tomcat = environment.expectation(Hardening).tomcat
    target = host_pool.get(tomcat_host)
    findings = []
    for template in tomcat.deploy_dirs:
        folder = target.remote.file(_expand(template, target))
        listing = folder.listdir() if folder.is_directory else []
        deployed = {n.removesuffix(".war").removesuffix(".xml") for n in listing}
        findings += [
            f"{tomcat_host}: {app} is deployed ({folder.path})"
            for app in tomcat.forbidden_apps
            if app in deployed
        ]
    for app in tomcat.forbidden_apps:
        answer = get_json(target, tomcat.port, f"/{app}/")
        if answer.status not in (0, 404):
            findings.append(
                f"{tomcat_host}: {answer.url} answered HTTP {answer.status}; "
                f"the {app} app must not be reachable"
            )
    judge(findings)


def test_error_pages_leak_nothing(
    tomcat_host: str, environment: Environment, host_pool: HostPool, evidence: Evidence
) -> None:
    tomcat = environment.expectation(Hardening).tomcat
    answer = get_json(host_pool.get(tomcat_host), tomcat.port, tomcat.error_probe_path)
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


def test_server_version_not_disclosed(api: Api, environment: Environment) -> None:
    hardening = environment.expectation(Hardening)
    findings = []
    for path in (environment.expectation(App).health_path, "/golive-no-such-page"):
        response = api.request("GET", path)
        for header in ("Server", "X-Powered-By"):
            value = response.headers.get(header, "")
            if re.search(hardening.version_pattern, value):
                findings.append(f"{api.base}{path}: {header} header {value!r} discloses a version")
    judge(findings)


def test_security_headers_present(api: Api, environment: Environment) -> None:
    hardening = environment.expectation(Hardening)
    response = api.request("GET", environment.expectation(App).health_path)
    judge(
        [
            f"{api.base}: response lacks the {h} header"
            for h in hardening.required_headers
            if h not in response.headers
        ]
    )


def test_postgres_settings(db, environment: Environment) -> None:
    postgres = environment.expectation(Hardening).postgres
    where = environment.inventory.database.host
    findings = []
    for key, wanted in postgres.settings.items():
        value = db.execute("SELECT current_setting(%s)", (key,)).fetchone()[0]
        if value != wanted:
            findings.append(f"{where}: setting {key} is {value}, expected {wanted}")
    judge(findings)


def test_pg_hba_has_no_weak_methods(db, environment: Environment, evidence: Evidence) -> None:
    postgres = environment.expectation(Hardening).postgres
    rows = db.execute(
        "SELECT line_number, type, database, user_name, address, auth_method, error "
        "FROM pg_hba_file_rules ORDER BY line_number"
    ).fetchall()
    evidence.text("pg_hba_file_rules", "\n".join(" ".join(map(str, r)) for r in rows))
    where = environment.inventory.database.host
    judge(
        [
            f"{where}: pg_hba line {line} allows {kind} {','.join(dbs)} {','.join(users)} "
            f"from {addr} with {method}"
            for line, kind, dbs, users, addr, method, _ in rows
            if kind != "local" and method in postgres.forbidden_hba_methods
        ]
        + [f"{where}: pg_hba line {r[0]} is invalid: {r[6]}" for r in rows if r[6]]
    )


def test_sshd_offers_key_authentication_only(scanned_host: str, environment: Environment) -> None:
    sshd = environment.expectation(Hardening).sshd
    address = str(environment.inventory.hosts[scanned_host].address)
    source = environment.inventory.probe.source
    timeout = environment.inventory.ssh.connect_timeout
    findings = []
    for user in sshd.users:
        methods = offered_methods(
            address, sshd.port, user, str(source) if source else None, timeout
        )
        extra = sorted(set(methods) - set(sshd.allowed_methods))
        if extra:
            findings.append(
                f"{scanned_host}: sshd offers {', '.join(extra)} authentication to "
                f"{user}; policy allows {', '.join(sshd.allowed_methods)}"
            )
    judge(findings)
