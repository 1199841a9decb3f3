"""Smoke: right after a deploy, the service answers and its key functions work.

Plan: Deployment Process › Validation and Testing › Smoke Testing. Safe on production:
its only write is one synthetic order, flagged as such.

Dependencies first: the database is asked before the app nodes and the balancer that need it,
so a hung database is waited for once, and the checks of the hosts that need it fail at once
naming it (the gate's rule, golive/gate/causes.py), rather than each waiting for it.
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import urlsplit

import pytest

from golive.judge.predeploy import missing_listeners, served_release_findings
from golive.model.environment import Environment
from golive.model.expectations.predeploy import Deployment
from golive.model.expectations.smoke import App, SmokeOrder
from golive.probe import db as database
from golive.probe import registry
from golive.probe.hosts import Target
from golive.probe.listeners import listening
from golive.probe.nodes import get_json
from pytest_golive.fixtures.findings import judge

pytestmark = pytest.mark.smoke


def _timeout(environment: Environment) -> float:
    """Seconds one request to a node may take: the environment's HTTP timeout."""
    return environment.inventory.public.timeout


@pytest.mark.plan("deploy.validation.smoke", "deploy.app.db")
def test_database_answers(database_endpoint: str, environment: Environment) -> None:
    """Claim: the environment's database accepts a new connection and answers a query.

    Covers: a new connection (as the application needs one, not the session's), over the
    environment's TLS mode and CA, within ``database.connect_timeout``, then ``SELECT 1``
    within ``statement_timeout``: a refused, silent, TLS-failing or authentication-failing
    database, or one that stops answering, fails naming the database host and cause.

    Does not cover: the application's own role and network path (the app nodes' view,
    test_database_is_up_as_seen_by_app).
    """
    problem = database.answers(environment)
    judge([problem] if problem else [])


def test_service_answers_through_load_balancer_over_tls(api, environment: Environment) -> None:
    """Claim: the service answers healthy at its public URL, over verified TLS.

    Covers: the health path (``app.health_path``) at the public URL, reached as users reach it
    (the environment's DNS, from the QA vantage point), its certificate verified against the
    environment's CA bundle for the public name: a refused connection, no answer within the
    health budget (``app.health_budget_s``), a TLS or name error, an HTTP error status, a body
    that is not the health answer, or a health status other than UP fails.

    Does not cover: every node behind the balancer (one request reaches one node; each node's
    own health is test_app_node_is_healthy); the TLS profile (the TLS suite's).
    """
    app = environment.expectation(App)
    path = app.health_path
    response = api.within(app.health_budget_s).request("GET", path)
    assert response.status_code == 200, (
        f"{path} through {api.through()} answered {api.answered(response)}"
    )
    body = _json(response.text)
    assert body.get("status") == "UP", (
        f"{path} through {api.through()} reports {body or api.answered(response)}"
    )


def _json(text: str) -> dict[str, Any]:
    """A JSON object answer, or {} when the answer is none."""
    try:
        value = json.loads(text)
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}


def _tier_port(target: Target, environment: Environment) -> int:
    """The port the host's tier serves: HTTPS on the balancer, the app port, PostgreSQL."""
    roles = target.spec.roles
    if "lb" in roles:
        return urlsplit(environment.inventory.public.url).port or 443
    if "app" in roles:
        return environment.expectation(App).port
    return environment.inventory.database.port


@pytest.mark.roles("lb", "app", "db")
def test_tier_service_listens(target: Target, environment: Environment) -> None:
    """Claim: every host of each tier listens on its tier's port.

    Covers: every lb host on the public URL's port, every app host on the application's port
    (``app.port``), every db host on the database port, read from the host's own socket table:
    a service down, or bound only to another address than the host's, fails naming host and
    port.

    Does not cover: whether what listens answers (the health and database checks ask).
    """
    found = listening(target)
    judge(
        missing_listeners(
            target.name, target.address, found.ports, [_tier_port(target, environment)]
        )
    )


@pytest.mark.roles("app")
def test_app_node_is_healthy(target: Target, environment: Environment) -> None:
    """Claim: every app node reports itself healthy.

    Covers: each app host's own health answer (``app.health_path`` on ``app.port``, asked from
    the node, so a node the balancer hides is still asked): no answer within the health
    budget (``app.health_budget_s``: a hung node costs that, not the environment's whole
    HTTP timeout), an HTTP error, or a status other than UP fails, naming the node.

    Does not cover: what the health answer does not test (the release it serves, the
    database's state as the app sees it: their own checks).
    """
    app = environment.expectation(App)
    answer = get_json(target, app.port, app.health_path, timeout=app.health_budget_s)
    assert answer.status == 200, f"{target.name}: {answer.describe()}"
    body = answer.body if isinstance(answer.body, dict) else {}
    assert body.get("status") == "UP", f"{target.name}: health is {answer.body}"


@pytest.mark.plan("deploy.validation.smoke", "deploy.app.deploy")
@pytest.mark.roles("app")
def test_app_node_serves_release_under_certification(
    target: Target, environment: Environment, evidence
) -> None:
    """Claim: every app node serves the release under certification, built as the release
    registry's artifact of that version.

    Covers: on every app host, the node's own version answer (``app.version_path``, asked
    from the node, not through the load balancer, which would show one node at a time):
    its version string, and its build fingerprint against the one the registry's artifact
    for the version stamps (``deployment.build_stamp``, read from that artifact after
    checking it against the registry's SHA256SUMS), so a node serving the previous release,
    a rebuilt artifact or one from elsewhere with the same version string fails, as does a
    node that answers without a fingerprint, or not at all.

    Does not cover: the bytes on the node's disk (the predeploy artifact check,
    test_release_artifact_matches_registry).
    """
    app, wanted = environment.expectation(App), environment.inventory.release.version
    spec = environment.expectation(Deployment)
    build = registry.build(environment, wanted)
    answer = get_json(target, app.port, app.version_path, timeout=_timeout(environment))
    evidence.json(
        f"version {target.name}",
        {"answer": answer.body, "registry": {"version": wanted, "build": build}},
    )
    assert answer.status == 200, f"{target.name}: {answer.describe()}"
    body = answer.body if isinstance(answer.body, dict) else {}
    judge(
        served_release_findings(
            target.name,
            body,
            (app.version_field, app.build_field),
            wanted,
            build,
            spec.registry_entry.format(version=wanted),
        )
    )


@pytest.mark.plan("deploy.validation.smoke", "deploy.app.db")
@pytest.mark.roles("app")
def test_database_is_up_as_seen_by_app(target: Target, environment: Environment) -> None:
    """Claim: every app node reaches the database with its own role and path, at the schema
    its release needs.

    Covers: each app host's health answer, asked from the node within the health budget
    (``app.health_budget_s``): its database state must be UP; unreachable, authentication
    failed, missing database, a schema behind the release's requirement or unreadable
    migrations fail, with the app's reason.

    Does not cover: a connection the app has not opened yet (the app judges one from its pool,
    and only retries with a new one when the pooled one fails).
    """
    app = environment.expectation(App)
    answer = get_json(target, app.port, app.health_path, timeout=app.health_budget_s)
    assert answer.status in (200, 503), f"{target.name}: {answer.describe()}"
    body = answer.body if isinstance(answer.body, dict) else {}
    db = body.get("db")
    assert db == "UP", (
        f"{target.name}: the app sees the database as {db} ({body.get('reason', '')})"
    )


def test_login_place_order_and_read_it_back(api, environment: Environment) -> None:
    """Claim: a user can log in, place an order and read it back through the public URL.

    Covers: the smoke account's login with password and TOTP, one synthetic order
    (``smoke_order``) and reading it back with the same session, all through the load
    balancer, each request within ``smoke_order.request_budget_s``: a refused or unanswered
    login, an order not accepted (HTTP other than 201), an order that cannot be read back, or
    one read back with other values than sent fails.

    Does not cover: every node (the integration suite places orders until each node has
    accepted one, and reads them back through every node); the order in the database itself.
    """
    order = environment.expectation(SmokeOrder)
    journey = api.within(order.request_budget_s)
    token, body, order_id = journey.place_synthetic_order(order)
    read = journey.request("GET", f"/api/orders/{order_id}", token)
    assert read.status_code == 200, (
        f"reading order {order_id} back answered HTTP {read.status_code}"
    )
    got = read.json()
    mismatched = {k: (v, got.get(k)) for k, v in body.items() if got.get(k) != v}
    assert not mismatched, f"order {order_id} read back differs (sent, got): {mismatched}"
