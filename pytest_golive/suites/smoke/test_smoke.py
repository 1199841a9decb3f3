"""Smoke: right after a deploy, the service answers and its key functions work.

Plan: Deployment Process › Validation and Testing › Smoke Testing. Safe on production:
its only write is one synthetic order, flagged as such.
"""

from __future__ import annotations

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


def test_service_answers_through_load_balancer_over_tls(api, environment: Environment) -> None:
    path = environment.expectation(App).health_path
    response = api.request("GET", path)
    assert response.status_code == 200, (
        f"{api.base}{path} through the load balancer answered HTTP {response.status_code}"
    )
    assert response.json().get("status") == "UP", f"{api.base}{path} reports {response.json()}"


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
    found = listening(target)
    judge(
        missing_listeners(
            target.name, target.address, found.ports, [_tier_port(target, environment)]
        )
    )


@pytest.mark.roles("app")
def test_app_node_is_healthy(target: Target, environment: Environment) -> None:
    app = environment.expectation(App)
    answer = get_json(target, app.port, app.health_path, timeout=_timeout(environment))
    assert answer.status == 200, f"{target.name}: {answer.describe()}"
    assert answer.body.get("status") == "UP", f"{target.name}: health is {answer.body}"


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
def test_database_answers(database_endpoint: str, environment: Environment) -> None:
    # a new connection, as the application needs one, not the session's: a database that
    # stopped answering is named here, not only through what the app nodes make of it
    problem = database.answers(environment)
    judge([problem] if problem else [])


@pytest.mark.plan("deploy.validation.smoke", "deploy.app.db")
@pytest.mark.roles("app")
def test_database_is_up_as_seen_by_app(target: Target, environment: Environment) -> None:
    app = environment.expectation(App)
    answer = get_json(target, app.port, app.health_path, timeout=_timeout(environment))
    assert answer.status in (200, 503), f"{target.name}: {answer.describe()}"
    db = answer.body.get("db")
    assert db == "UP", (
        f"{target.name}: the app sees the database as {db} ({answer.body.get('reason', '')})"
    )


def test_login_place_order_and_read_it_back(api, environment: Environment) -> None:
    token, body, order_id = api.place_synthetic_order(environment.expectation(SmokeOrder))
    read = api.request("GET", f"/api/orders/{order_id}", token)
    assert read.status_code == 200, (
        f"reading order {order_id} back answered HTTP {read.status_code}"
    )
    got = read.json()
    mismatched = {k: (v, got.get(k)) for k, v in body.items() if got.get(k) != v}
    assert not mismatched, f"order {order_id} read back differs (sent, got): {mismatched}"
