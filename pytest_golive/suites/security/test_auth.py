"""Authentication and access control of the public API, as a user reaches it through the load
balancer: 401 without credentials, MFA enforced, lockout, RBAC, session lifetime, audit log.
Plan: Security Preparations › User Authentication / Access Control.
"""

from __future__ import annotations

import secrets
import time

import pyotp
import pytest
import requests

from golive.model.environment import Environment
from golive.model.expectations.security import Auth
from golive.probe.hosts import HostPool
from golive.report.evidence import Evidence
from pytest_golive.fixtures.findings import judge
from pytest_golive.fixtures.http import Api

pytestmark = [pytest.mark.security, pytest.mark.auth]


def _attempt(api: Api, account: str, **override: str) -> requests.Response:
    """A login of ``account`` with its real password and TOTP unless overridden (None drops)."""
    spec = api.env.inventory.accounts[account]
    body = {
        "username": spec.username,
        "password": api.env.secret(spec.password),
        "totp": api.totp(account),
    } | override
    return api.request("POST", "/api/login", json={k: v for k, v in body.items() if v})


def _wrong_totp(api: Api, account: str) -> str:
    """A well-formed TOTP code that is not valid now (nor in the adjacent windows)."""
    seed = api.env.inventory.accounts[account].totp
    totp = pyotp.TOTP(api.env.secret(seed or ""))
    valid = {totp.at(time.time() + 30 * step) for step in (-1, 0, 1)}
    return next(c for c in (f"{n:06d}" for n in range(1, 10**6, 7919)) if c not in valid)


def test_api_refuses_unauthenticated_requests(api: Api, environment: Environment) -> None:
    auth = environment.expectation(Auth)
    answers = {path: api.request("GET", path).status_code for path in auth.protected_paths}
    judge(
        [
            f"{api.base}{path}: HTTP {code} without credentials; expected 401"
            for path, code in answers.items()
            if code != 401
        ]
    )


def test_login_without_totp_is_rejected(api: Api, environment: Environment) -> None:
    auth = environment.expectation(Auth)
    response = _attempt(api, auth.mfa_account, totp="")
    user = environment.inventory.accounts[auth.mfa_account].username
    judge(
        [f"{user}: login with password only (no TOTP) answered HTTP 200; MFA is not enforced"]
        if response.status_code == 200
        else []
    )


def test_login_with_wrong_totp_is_rejected(api: Api, environment: Environment) -> None:
    auth = environment.expectation(Auth)
    response = _attempt(api, auth.mfa_account, totp=_wrong_totp(api, auth.mfa_account))
    user = environment.inventory.accounts[auth.mfa_account].username
    judge(
        [f"{user}: login with a wrong TOTP code answered HTTP 200; MFA is not enforced"]
        if response.status_code == 200
        else []
    )


def test_repeated_failures_lock_the_account(api: Api, environment: Environment) -> None:
    lockout = environment.expectation(Auth).lockout
    user = environment.inventory.accounts[lockout.account].username
    codes = []
    for _ in range(lockout.max_failures + 1):
        codes.append(
            _attempt(api, lockout.account, password="wrong-" + secrets.token_hex(4)).status_code
        )
        if codes[-1] == lockout.status:
            break
    if codes[-1] != lockout.status:
        pytest.fail(
            f"{user}: {len(codes)} wrong passwords in a row answered {codes}; expected "
            f"HTTP {lockout.status} after at most {lockout.max_failures} failures",
            pytrace=False,
        )
    correct = _attempt(api, lockout.account).status_code
    judge(
        [f"{user}: locked out, yet the correct password and TOTP answered HTTP {correct}"]
        if correct != lockout.status
        else []
    )


@pytest.mark.plan("pre.security.access")
def test_unprivileged_user_cannot_reach_admin_endpoints(api: Api, environment: Environment) -> None:
    auth = environment.expectation(Auth)
    token = api.token(auth.unprivileged_account)
    user = environment.inventory.accounts[auth.unprivileged_account].username
    answers = {p: api.request("GET", p, token).status_code for p in auth.admin_paths}
    judge(
        [
            f"{user} ({environment.inventory.accounts[auth.unprivileged_account].role}): "
            f"{api.base}{path} answered HTTP {code}; expected 403"
            for path, code in answers.items()
            if code != 403
        ]
    )


def test_sessions_expire(api: Api, environment: Environment) -> None:
    auth = environment.expectation(Auth)
    response = api.login(auth.unprivileged_account)
    assert response.status_code == 200, f"login answered HTTP {response.status_code}"
    lifetime = response.json().get("expires_in")
    user = environment.inventory.accounts[auth.unprivileged_account].username
    judge(
        [
            f"{user}: session token lives {lifetime} s; policy allows at most "
            f"{auth.session_max_seconds} s"
        ]
        if not isinstance(lifetime, int) or lifetime > auth.session_max_seconds
        else []
    )


def test_failed_logins_are_audit_logged(
    api: Api, environment: Environment, host_pool: HostPool, evidence: Evidence
) -> None:
    auth = environment.expectation(Auth)
    nodes = environment.hosts_with_role(*auth.audit_roles)
    markers = [f"golive-audit-{secrets.token_hex(6)}" for _ in nodes]
    for marker in markers:
        api.request("POST", "/api/login", json={"username": marker, "password": "x"})
    time.sleep(0.5)
    lines = []
    for name in nodes:
        target = host_pool.get(name)
        pattern = " ".join(f"-e {m}" for m in markers)
        lines += target.run(
            f"grep -hF {pattern} %s", target.var(auth.audit_log_var)
        ).stdout.splitlines()
    evidence.text("audit lines of the probe logins", "\n".join(lines))
    logs = ", ".join(f"{n}:{host_pool.get(n).var(auth.audit_log_var)}" for n in nodes)
    judge(
        [
            f"failed login of {m} is not in the audit log ({logs})"
            for m in markers
            if not any(m in line and '"failure"' in line for line in lines)
        ]
    )
