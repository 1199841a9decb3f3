"""Smoke: right after a deploy, the service answers and its key functions work.

Plan: Deployment Process › Validation and Testing › Smoke Testing. Safe on production:
its only write is one synthetic order, flagged as such.

Asked ahead: each check's network probe is declared beside it (``@ahead``) and every selected
check's probe starts at once when the first smoke check runs (fixtures/hosts.py,
golive/probe/ahead.py); each check reads its own answer (``probed()``), so a hung service
costs about one probe budget beside the rest of the run, not one budget after another.

Dependencies first: the database is checked before the app nodes and the balancer that need
it, and a hung database's check fails first; the checks of the hosts that need it then fail at
once naming it (the gate's rule, golive/gate/causes.py) rather than each reporting its own
wait.
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import urlsplit

import pytest
import requests

from golive.judge.predeploy import missing_listeners, served_release_findings
from golive.model.environment import Environment
from golive.model.expectations.predeploy import Deployment
from golive.model.expectations.smoke import App, SmokeOrder
from golive.probe import db as database
from golive.probe import registry
from golive.probe.hosts import Target
from golive.probe.listeners import listening
from golive.probe.nodes import NodeAnswer, get_json
from pytest_golive.fixtures.findings import judge
from pytest_golive.fixtures.hosts import asked_ahead

pytestmark = pytest.mark.smoke


def _timeout(environment: Environment) -> float:
    """Seconds one request to a node may take: the environment's HTTP timeout."""
    return environment.inventory.public.timeout


def _on_host(environment: Environment) -> float:
    """Seconds a probe of one remote command may take: its host's connection (when not yet
    open) and the command's deadline."""
    ssh = environment.inventory.ssh
    return ssh.connect_timeout + ssh.command_timeout


def _database_answers(environment: Environment) -> str | None:
    return database.answers(environment)


def _database_within(environment: Environment) -> float:
    """A connection (connect timeout), then two statements, each cut at golive's deadline."""
    db = environment.inventory.database
    connect = database.connect_seconds(environment)
    return connect + 2 * (db.statement_timeout + connect)


@pytest.mark.plan("deploy.validation.smoke", "deploy.app.db")
@asked_ahead(_database_answers, _database_within, "the database's answer")
def test_database_answers(database_endpoint: str, environment: Environment, probed) -> None:
    """Claim: the environment's database accepts a new connection and answers a query.

    Covers: a new connection (as the application needs one, not the session's), over the
    environment's TLS mode and CA, within ``database.connect_timeout``, then ``SELECT 1``
    within ``statement_timeout``: a refused, silent, TLS-failing or authentication-failing
    database, or one that stops answering, fails naming the database host and cause.

    Does not cover: the application's own role and network path (the app nodes' view,
    test_database_is_up_as_seen_by_app).
    """
    problem = probed()
    judge([problem] if problem else [])


def _public_health(api, environment: Environment) -> requests.Response:
    app = environment.expectation(App)
    response: requests.Response = api.within(app.health_budget_s).request("GET", app.health_path)
    return response


def _public_health_within(environment: Environment) -> float:
    """The name's lookup, then connecting and reading, each within the health budget."""
    return environment.inventory.public.timeout + 2 * environment.expectation(App).health_budget_s


@asked_ahead(_public_health, _public_health_within, "the health answer through the balancer")
def test_service_answers_through_load_balancer_over_tls(
    api, environment: Environment, probed
) -> None:
    """Claim: the service answers healthy at its public URL, over verified TLS.

    Covers: the health path (``app.health_path``) at the public URL, reached as users reach it
    (the environment's DNS, from the QA vantage point), its certificate verified against the
    environment's CA bundle for the public name: a refused connection, no answer within the
    health budget (``app.health_budget_s``), a TLS or name error, an HTTP error status, a body
    that is not the health answer, or a health status other than UP fails.

    Does not cover: every node behind the balancer (one request reaches one node; each node's
    own health is test_app_node_is_healthy); the TLS profile (the TLS suite's).
    """
    path = environment.expectation(App).health_path
    response = probed()
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


def _listening(target: Target) -> set[int]:
    return set(listening(target).ports)


@pytest.mark.roles("lb", "app", "db")
@asked_ahead(_listening, _on_host, "the host's socket table")
def test_tier_service_listens(target: Target, environment: Environment, probed) -> None:
    """Claim: every host of each tier listens on its tier's port.

    Covers: every lb host on the public URL's port, every app host on the application's port
    (``app.port``), every db host on the database port, read from the host's own socket table:
    a service down, or bound only to another address than the host's, fails naming host and
    port.

    Does not cover: whether what listens answers (the health and database checks ask).
    """
    ports = probed()
    judge(missing_listeners(target.name, target.address, ports, [_tier_port(target, environment)]))


def _node_health(target: Target, environment: Environment) -> NodeAnswer:
    app = environment.expectation(App)
    return get_json(target, app.port, app.health_path, timeout=app.health_budget_s)


@pytest.mark.roles("app")
@asked_ahead(_node_health, _on_host, "the node's health answer")
def test_app_node_is_healthy(target: Target, environment: Environment, probed) -> None:
    """Claim: every app node reports itself healthy.

    Covers: each app host's own health answer (``app.health_path`` on ``app.port``, asked from
    the node, so a node the balancer hides is still asked): no answer within the health
    budget (``app.health_budget_s``: a hung node costs that, not the environment's whole
    HTTP timeout), an HTTP error, or a status other than UP fails, naming the node.

    Does not cover: what the health answer does not test (the release it serves, the
    database's state as the app sees it: their own checks).
    """
    answer = probed()
    assert answer.status == 200, f"{target.name}: {answer.describe()}"
    body = answer.body if isinstance(answer.body, dict) else {}
    assert body.get("status") == "UP", f"{target.name}: health is {answer.body}"


def _served_release(target: Target, environment: Environment) -> tuple[NodeAnswer, str]:
    """The node's version answer, and the build the registry's artifact stamps."""
    app, wanted = environment.expectation(App), environment.inventory.release.version
    build = registry.build(environment, wanted)
    return get_json(target, app.port, app.version_path, timeout=_timeout(environment)), build


def _served_release_within(environment: Environment) -> float:
    """The registry's artifact and sums (each within twice the HTTP timeout), then the node."""
    return 4 * _timeout(environment) + _on_host(environment)


@pytest.mark.plan("deploy.validation.smoke", "deploy.app.deploy")
@pytest.mark.roles("app")
@asked_ahead(_served_release, _served_release_within, "the node's version answer")
def test_app_node_serves_release_under_certification(
    target: Target, environment: Environment, evidence, probed
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
    answer, build = probed()
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
@asked_ahead(_node_health, _on_host, "the node's health answer")
def test_database_is_up_as_seen_by_app(target: Target, environment: Environment, probed) -> None:
    """Claim: every app node reaches the database with its own role and path, at the schema
    its release needs.

    Covers: each app host's health answer, asked from the node within the health budget
    (``app.health_budget_s``): its database state must be UP; unreachable, authentication
    failed, missing database, a schema behind the release's requirement or unreadable
    migrations fail, with the app's reason.

    Does not cover: a connection the app has not opened yet (the app judges one from its pool,
    and only retries with a new one when the pooled one fails).
    """
    answer = probed()
    assert answer.status in (200, 503), f"{target.name}: {answer.describe()}"
    body = answer.body if isinstance(answer.body, dict) else {}
    db = body.get("db")
    assert db == "UP", (
        f"{target.name}: the app sees the database as {db} ({body.get('reason', '')})"
    )


def _order_read_back(
    api, environment: Environment
) -> tuple[dict[str, Any], int, requests.Response]:
    """Log in, place the synthetic order and read it back: (body sent, its id, the read)."""
    journey = api.within(environment.expectation(SmokeOrder).request_budget_s)
    token, body, order_id = journey.place_synthetic_order(environment.expectation(SmokeOrder))
    return body, order_id, journey.request("GET", f"/api/orders/{order_id}", token)


def _order_within(environment: Environment) -> float:
    """The name's lookup, then three requests (login, order, read), each connecting and
    reading within the request budget."""
    budget = environment.expectation(SmokeOrder).request_budget_s
    return environment.inventory.public.timeout + 3 * 2 * budget


@asked_ahead(_order_read_back, _order_within, "the synthetic order's journey")
def test_login_place_order_and_read_it_back(api, environment: Environment, probed) -> None:
    """Claim: a user can log in, place an order and read it back through the public URL.

    Covers: the smoke account's login with password and TOTP, one synthetic order
    (``smoke_order``) and reading it back with the same session, all through the load
    balancer, each request within ``smoke_order.request_budget_s``: a refused or unanswered
    login, an order not accepted (HTTP other than 201), an order that cannot be read back, or
    one read back with other values than sent fails.

    Does not cover: every node (the integration suite places orders until each node has
    accepted one, and reads them back through every node); the order in the database itself.
    """
    body, order_id, read = probed()
    assert read.status_code == 200, (
        f"reading order {order_id} back answered HTTP {read.status_code}"
    )
    got = read.json()
    mismatched = {k: (v, got.get(k)) for k, v in body.items() if got.get(k) != v}
    assert not mismatched, f"order {order_id} read back differs (sent, got): {mismatched}"
