"""Pre-deployment › Security Preparations: a valid certificate on the load balancer, MFA
required by the application's configuration, application roles defined.

The deep TLS policy (protocols, ciphers, profile) belongs to the security suite.
"""

from __future__ import annotations

import socket
import ssl
import time
from urllib.parse import urlsplit

import pytest
from psycopg import sql

from golive.model.environment import Environment
from golive.probe.appconfig import read_properties
from golive.probe.hosts import Target

pytestmark = pytest.mark.predeploy


@pytest.mark.plan("pre.security.tls")
@pytest.mark.roles("lb")
def test_tls_certificate_installed_and_valid(target: Target, environment: Environment) -> None:
    spec = environment.expectation("security_prep")
    public = environment.inventory.public
    port = urlsplit(public.url).port or 443
    context = ssl.create_default_context(cafile=str(public.ca_bundle) if public.ca_bundle else None)
    vantage = environment.inventory.probe.source
    source = (str(vantage), 0) if vantage else None
    try:
        with (
            socket.create_connection((target.address, port), public.timeout, source) as raw,
            context.wrap_socket(raw, server_hostname=public.hostname) as tls,
        ):
            cert = tls.getpeercert()
    except (OSError, ssl.SSLError) as exc:
        raise AssertionError(
            f"{target.name}: no valid certificate for {public.hostname} "
            f"on {target.address}:{port} ({exc})"
        ) from None
    assert cert, f"{target.name}: no certificate presented on {target.address}:{port}"
    days = (ssl.cert_time_to_seconds(str(cert["notAfter"])) - time.time()) / 86400
    assert days >= spec.min_cert_days, (
        f"{target.name}: certificate for {public.hostname} expires in {days:.0f} days "
        f"(minimum {spec.min_cert_days})"
    )


@pytest.mark.plan("pre.security.auth")
@pytest.mark.roles("app")
def test_mfa_required_by_configuration(target: Target, environment: Environment) -> None:
    spec = environment.expectation("security_prep")
    deploy = environment.expectation("deployment")
    props = read_properties(target, target.var(deploy.config_var), deploy.config_reader)
    value = props.get(spec.mfa_key, "(unset)")
    assert value.lower() == spec.mfa_value.lower(), (
        f"{target.name}: {spec.mfa_key} is {value}, MFA requires {spec.mfa_value}"
    )


@pytest.mark.plan("pre.security.access")
def test_application_roles_defined(db, environment: Environment) -> None:
    spec = environment.expectation("security_prep")
    query = sql.SQL("SELECT DISTINCT {} FROM {}").format(
        sql.Identifier(spec.roles_column), sql.Identifier(spec.roles_table)
    )
    defined = {str(r[0]) for r in db.execute(query).fetchall()}
    missing = sorted(set(spec.roles) - defined)
    assert not missing, (
        f"{environment.inventory.database.host}: no account holds role {', '.join(missing)} "
        f"({spec.roles_table}.{spec.roles_column} has {', '.join(sorted(defined)) or 'none'})"
    )
