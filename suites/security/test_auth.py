"""Authentication and access control of the public API: 401 without credentials, MFA
enforced, lockout, RBAC, session lifetime, audit log. Asked as a user reaches the API, through
the load balancer, and where a node could differ from its peers, of every node directly
(``auth.node_roles``; an app port is not public, so from the node itself).
Plan: Security Preparations › User Authentication / Access Control.
"""

from __future__ import annotations

import dataclasses
import secrets
import time
from concurrent.futures import ThreadPoolExecutor

import pyotp
import pytest
import requests

from golive.judge import auth as auth_judge
from golive.model.environment import Environment
from golive.model.expectations.predeploy import Deployment
from golive.model.expectations.security import Auth
from golive.model.expectations.smoke import App
from golive.probe.appconfig import read_properties
from golive.probe.db import composed
from golive.probe.hosts import HostPool, Target
from golive.probe.nodes import NodeAnswer, fetch
from golive.report.evidence import Evidence
from pytest_golive.fixtures.findings import judge
from pytest_golive.fixtures.http import Api
from pytest_golive.fixtures.security import lines_with

pytestmark = [pytest.mark.security, pytest.mark.auth]

INVALID_TOKEN = "golive.invalid.token"  # well-formed as a bearer token, signed by no one


def _attempt(api: Api, account: str, **override: str) -> requests.Response:
    """A login of ``account`` with its real password and TOTP unless overridden (None drops)."""
    spec = api.env.inventory.accounts[account]
    body = {
        "username": spec.username,
        "password": api.env.secret(spec.password),
        "totp": api.totp(account),
    } | override
    path = api.env.expectation(Auth).login_path
    return api.request("POST", path, json={k: v for k, v in body.items() if v})


def _wrong_totp(api: Api, account: str) -> str:
    """A well-formed TOTP code that is not valid now (nor in the adjacent windows)."""
    seed = api.env.inventory.accounts[account].totp
    totp = pyotp.TOTP(api.env.secret(seed or ""))
    valid = {totp.at(time.time() + 30 * step) for step in (-1, 0, 1)}
    return next(c for c in (f"{n:06d}" for n in range(1, 10**6, 7919)) if c not in valid)


def _wrong_password() -> str:
    return "wrong-" + secrets.token_hex(4)


def _node_request(
    environment: Environment, target: Target, method: str, path: str, body: object = None
) -> NodeAnswer:
    """A request to the node's own application port, from the node (no credentials in it:
    a node's command line is visible to its other users)."""
    port = environment.expectation(App).port
    return fetch(
        target,
        f"http://{target.address}:{port}{path}",
        method=method,
        json_body=body,
        timeout=environment.inventory.public.timeout,
    )


def _node_settings(
    environment: Environment, host_pool: HostPool, key: str
) -> dict[str, tuple[str, str | None]]:
    """Per API node: where ``key`` is set (key in file) and its raw value (None: unset), from
    the application's configuration read on the node (``deployment.config_var``)."""
    deploy = environment.expectation(Deployment)
    out = {}
    for name in environment.hosts_with_role(*environment.expectation(Auth).node_roles):
        target = host_pool.get(name)
        path = target.var(deploy.config_var)
        props = read_properties(target, path, deploy.config_reader)
        out[name] = (f"{key} in {path}", props.get(key))
    return out


def test_api_refuses_unauthenticated_requests(
    api: Api, environment: Environment, host_pool: HostPool
) -> None:
    """Claim: no protected API path answers a request that lacks valid credentials.

    Covers: each protected path (``auth.protected_paths``) through the load balancer
    without credentials and with a bearer token signed by no one (both must get 401, so a
    balancer answering a path itself is found), and on every API node directly without
    credentials (so a node deployed with its authentication off is found, whichever node the
    balancer would pick).

    Does not cover: methods other than GET; expired or replayed tokens (the session check
    bounds their lifetime); paths not declared.
    """
    auth = environment.expectation(Auth)
    findings = []
    for path in auth.protected_paths:
        code = api.request("GET", path).status_code
        if code != 401:
            findings.append(f"{api.base}{path}: HTTP {code} without credentials; expected 401")
        code = api.request("GET", path, INVALID_TOKEN).status_code
        if code != 401:
            findings.append(
                f"{api.base}{path}: HTTP {code} with an invalid bearer token; expected 401"
            )
    for name in environment.hosts_with_role(*auth.node_roles):
        for path in auth.protected_paths:
            answer = _node_request(environment, host_pool.get(name), "GET", path)
            if answer.status != 401:
                what = f"HTTP {answer.status}" if answer.status else answer.describe()
                findings.append(f"{name}: {answer.url}: {what} without credentials; expected 401")
    judge(findings)


def test_login_without_totp_is_rejected(api: Api, environment: Environment) -> None:
    """Claim: a password alone never logs in: the second factor (TOTP) is required.

    Covers: the MFA account's real password with no TOTP, through the load balancer.

    Does not cover: the nodes one by one (a node configured apart is found by predeploy's
    ``test_mfa_required_by_configuration``, which reads every node's configuration: asking a
    node directly would put the password on its command line); other accounts.
    """
    auth = environment.expectation(Auth)
    response = _attempt(api, auth.mfa_account, totp="")
    user = environment.inventory.accounts[auth.mfa_account].username
    judge(
        [f"{user}: login with password only (no TOTP) answered HTTP 200; MFA is not enforced"]
        if response.status_code == 200
        else []
    )


def test_login_with_wrong_totp_is_rejected(api: Api, environment: Environment) -> None:
    """Claim: the second factor is verified: a wrong TOTP code does not log in.

    Covers: the MFA account's real password with a well-formed code valid in none of the
    current and adjacent time steps, through the load balancer.

    Does not cover: replay of a code already used; the nodes one by one (see
    ``test_login_without_totp_is_rejected``).
    """
    auth = environment.expectation(Auth)
    response = _attempt(api, auth.mfa_account, totp=_wrong_totp(api, auth.mfa_account))
    user = environment.inventory.accounts[auth.mfa_account].username
    judge(
        [f"{user}: login with a wrong TOTP code answered HTTP 200; MFA is not enforced"]
        if response.status_code == 200
        else []
    )


def _lock_facts(
    api: Api, environment: Environment, host_pool: HostPool, request: pytest.FixtureRequest
) -> auth_judge.LockoutFacts:
    """Fail logins until the account locks; then what the nodes and their configuration say."""
    auth = environment.expectation(Auth)
    lockout = auth.lockout
    user = environment.inventory.accounts[lockout.account].username
    codes: list[int] = []
    setting = time.monotonic()  # when the failing attempt that set the lock began
    for _ in range(lockout.max_failures + 1):
        began = time.monotonic()
        codes.append(_attempt(api, lockout.account, password=_wrong_password()).status_code)
        if codes[-1] == lockout.status:
            break
        setting = began
    if codes[-1] != lockout.status:
        return auth_judge.LockoutFacts(user, tuple(codes), False, None, {}, {}, None)
    fresh = len(codes) > 1
    correct = _attempt(api, lockout.account).status_code
    store_seconds = None
    if fresh and lockout.store:
        store = lockout.store
        query = composed(
            "SELECT extract(epoch FROM {} - now()) FROM {} WHERE {} = %s",
            store.until_column,
            store.table,
            store.user_column,
        )
        row = request.getfixturevalue("db").execute(query, (user,)).fetchone()
        elapsed = time.monotonic() - setting
        store_seconds = float(row[0]) + elapsed if row and row[0] is not None else None
    targets = {name: host_pool.get(name) for name in environment.hosts_with_role(*auth.node_roles)}

    def node_answer(name: str) -> str:
        """What the node itself answers a login to the locked account (every node at once)."""
        body = {"username": user, "password": _wrong_password()}
        answer = _node_request(environment, targets[name], "POST", auth.login_path, body)
        return f"HTTP {answer.status}" if answer.status else answer.describe()

    with ThreadPoolExecutor(len(targets) + 1) as pool:
        settings = pool.submit(_node_settings, environment, host_pool, lockout.duration_key)
        nodes = dict(zip(targets, pool.map(node_answer, targets), strict=True))
        durations = settings.result()
    return auth_judge.LockoutFacts(
        user, tuple(codes), fresh, correct, nodes, durations, store_seconds
    )


def test_repeated_failures_lock_the_account(
    api: Api,
    environment: Environment,
    host_pool: HostPool,
    request: pytest.FixtureRequest,
    evidence: Evidence,
) -> None:
    """Claim: after at most ``max_failures`` failed logins in a row an account is locked for
    at least ``min_seconds``, on every API node, even against the right credentials.

    Covers: the lock through the load balancer (wrong passwords until the lock status, then
    the right password and TOTP, which must be refused too); every API node asked directly
    (a login to the locked account must get the lock status there, so a node that does not
    hold the lock is found, whichever node the balancer picked); the lock's length as each
    node is configured (``duration_key`` in the application's configuration, read on the
    node: unset, not a number or shorter than the minimum fails, so a node configured apart
    from the others is found); and, when this run set the lock, its end as the application
    recorded it (``lockout.store``) counted from the start of the attempt that set it, so a
    lock shorter than its configuration is found too.

    Does not cover: a lock already in place when the run starts (left by an earlier run) is
    judged by the nodes' configuration only, its start being unknown; waiting the lock out
    (the minimum is minutes in production); locks of unknown user names; per-address limits.
    """
    lockout = environment.expectation(Auth).lockout
    facts = _lock_facts(api, environment, host_pool, request)
    evidence.json("lockout", dataclasses.asdict(facts))
    store = lockout.store
    judge(
        auth_judge.lockout_findings(
            facts,
            lockout.max_failures,
            lockout.status,
            lockout.min_seconds,
            f"{store.table}.{store.until_column}" if store else None,
        )
    )


@pytest.mark.plan("pre.security.access")
def test_unprivileged_user_cannot_reach_admin_endpoints(api: Api, environment: Environment) -> None:
    """Claim: an account without the admin role is refused every admin endpoint.

    Covers: each declared admin path (``auth.admin_paths``) with a fresh token of the
    unprivileged account, through the load balancer: anything but 403 fails.

    Does not cover: the nodes one by one (the token would be on a node's command line; the
    role comes from the shared database and every node runs the artifact predeploy checks);
    methods other than GET; admin paths not declared.
    """
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


def test_sessions_expire(api: Api, environment: Environment, host_pool: HostPool) -> None:
    """Claim: a session lives at most ``session_max_seconds``, whichever node issues it.

    Covers: the lifetime a login through the load balancer announces (``expires_in``), and
    the lifetime every API node is configured with (``auth.session_ttl_key`` in the
    application's configuration, read on the node, when declared): unset, not a number or
    longer than the maximum fails.

    Does not cover: whether a token is refused once expired (that would take the lifetime
    to wait); idle timeouts.
    """
    auth = environment.expectation(Auth)
    response = api.login(auth.unprivileged_account)
    assert response.status_code == 200, f"login answered HTTP {response.status_code}"
    lifetime = response.json().get("expires_in")
    user = environment.inventory.accounts[auth.unprivileged_account].username
    findings = (
        [
            f"{user}: session token lives {lifetime} s; policy allows at most "
            f"{auth.session_max_seconds} s"
        ]
        if not isinstance(lifetime, int) or lifetime > auth.session_max_seconds
        else []
    )
    if auth.session_ttl_key:
        for node, (where, raw) in _node_settings(
            environment, host_pool, auth.session_ttl_key
        ).items():
            if raw is None or not raw.isdigit():
                findings.append(f"{node}: {where} is {raw or 'unset'}, not a number of seconds")
            elif int(raw) > auth.session_max_seconds:
                findings.append(
                    f"{node}: {where} is {raw}: sessions live {raw} s; policy allows at most "
                    f"{auth.session_max_seconds} s"
                )
    judge(findings)


def test_failed_logins_are_audit_logged(
    environment: Environment, host_pool: HostPool, evidence: Evidence
) -> None:
    """Claim: every node records each failed login in its audit log.

    Covers: on every API node, a failed login with a unique user name sent to the node
    directly (so every node is tried, not the one the balancer picks), then looked for,
    marked as a failure, in that node's audit log (``auth.audit_log_var``), for up to
    ``auth.audit_within`` seconds after its login (every node at once).

    Does not cover: what else an entry records (source address, time); successful logins
    and lockouts; where the log is shipped.
    """
    auth = environment.expectation(Auth)
    markers = {
        name: f"golive-audit-{secrets.token_hex(6)}"
        for name in environment.hosts_with_role(*auth.node_roles)
    }
    targets = {name: host_pool.get(name) for name in markers}

    def logged(name: str) -> list[str]:
        """The node's audit lines of a failed login sent to it now (each node at once)."""
        target, marker = targets[name], markers[name]
        body = {"username": marker, "password": "x"}
        _node_request(environment, target, "POST", auth.login_path, body)
        return lines_with(target, marker, target.var(auth.audit_log_var), auth.audit_within)

    with ThreadPoolExecutor(len(markers)) as pool:
        found = dict(zip(markers, pool.map(logged, markers), strict=True))
    evidence.text(
        "audit lines of the probe logins",
        "\n".join(f"{n}: {line}" for n, lines in found.items() for line in lines),
    )
    judge(
        [
            f"{name}: failed login of {marker} is not in the audit log "
            f"({host_pool.get(name).var(auth.audit_log_var)})"
            for name, marker in markers.items()
            if not any('"failure"' in line for line in found[name])
        ]
    )
