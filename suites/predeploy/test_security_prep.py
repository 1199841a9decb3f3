"""Pre-deployment › Security Preparations: MFA required by the application's configuration,
application roles defined.

SSL/TLS Configuration (a valid certificate for the public name, not about to expire) is
proven once, by the TLS suite's sslyze scan judged by golive/judge/tls.py
(suites/security/test_tls.py), against the one expiry margin ``tls.min_days_to_expiry``.
"""

from __future__ import annotations

import pytest

from golive.model.environment import Environment
from golive.model.expectations.predeploy import Deployment, SecurityPrep
from golive.probe.appconfig import read_properties
from golive.probe.db import composed
from golive.probe.hosts import Target

pytestmark = pytest.mark.predeploy


@pytest.mark.plan("pre.security.auth")
@pytest.mark.roles("app")
def test_mfa_required_by_configuration(target: Target, environment: Environment) -> None:
    """Claim: every app host's configuration requires multi-factor login.

    Covers: each app host, its application configuration (``deployment.config_var``, read on the
    host): the MFA switch (``security_prep.mfa_key``) must have the required value (compared
    case-insensitively); switched off, mistyped or unset (the check does not trust an
    application default) fails, naming the host and the value found.

    Does not cover: whether the running application enforces it (the auth suite's
    ``test_login_without_totp_is_rejected``, through the load balancer).
    """
    spec = environment.expectation(SecurityPrep)
    deploy = environment.expectation(Deployment)
    props = read_properties(target, target.var(deploy.config_var), deploy.config_reader)
    value = props.get(spec.mfa_key, "(unset)")
    assert value.lower() == spec.mfa_value.lower(), (
        f"{target.name}: {spec.mfa_key} is {value}, MFA requires {spec.mfa_value}"
    )


@pytest.mark.plan("pre.security.access")
def test_application_roles_defined(db, environment: Environment) -> None:
    """Claim: the application's roles are defined: at least one account holds each required role.

    Covers: the accounts table and role column (``security_prep.roles_table`` and
    ``roles_column``) in the environment's database: each role of ``security_prep.roles`` must be
    held by an account, so a role no account holds (renamed, dropped with its accounts) fails,
    naming the roles that are defined.

    Does not cover: what each role may do (the auth suite's
    ``test_unprivileged_user_cannot_reach_admin_endpoints``); accounts' other attributes.
    """
    spec = environment.expectation(SecurityPrep)
    query = composed("SELECT DISTINCT {} FROM {}", spec.roles_column, spec.roles_table)
    defined = {str(r[0]) for r in db.execute(query).fetchall()}
    missing = sorted(set(spec.roles) - defined)
    assert not missing, (
        f"{environment.inventory.database.host}: no account holds role {', '.join(missing)} "
        f"({spec.roles_table}.{spec.roles_column} has {', '.join(sorted(defined)) or 'none'})"
    )
