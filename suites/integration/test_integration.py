"""Deployment Process › Validation and Testing › Integration: the load balancer, the app
nodes and the database working together. Writes are synthetic orders, flagged as such."""

from __future__ import annotations

from typing import Any

import pytest

from golive.judge.integration import stored_order_findings
from golive.model.environment import Environment
from golive.model.expectations.integration import Integration
from golive.model.expectations.smoke import App, SmokeOrder
from golive.probe.hosts import Target
from golive.probe.nodes import get_json
from golive.probe.wait import WaitTimeout, wait_until
from pytest_golive.fixtures.findings import judge

pytestmark = pytest.mark.integration


def test_order_through_load_balancer_is_in_database(
    api, db, host_pool, environment: Environment, evidence
) -> None:
    """Claim: every order the public endpoint accepts is stored in the environment's
    database as it was sent, whichever app node accepted it.

    Covers: synthetic orders placed through the load balancer with one session until every
    healthy app node has accepted one (each answer names its node; at most
    ``integration.order_tries`` per node), each looked up by id in the environment's
    database (``database:``, the session golive opens itself): an order missing there (a
    node writing to another database, schema or table, a write not committed), or stored
    with other values than sent, fails naming the node that accepted it; a healthy node the
    balancer never gave an order fails as untested.

    Does not cover: nodes the load balancer does not route to (the spread check); reading
    back through the other nodes (test_session_works_across_nodes).
    """
    spec = environment.expectation(SmokeOrder)
    nodes = [t.name for t in _healthy_app_nodes(environment, host_pool)]
    assert nodes, "no app node is healthy"
    token = api.token(spec.account)
    accepted: dict[int, str] = {}
    sent: dict[str, Any] = {}
    for _ in range(environment.expectation(Integration).order_tries * len(nodes)):
        sent, answer = api.submit_synthetic_order(token, spec)
        accepted[int(answer["id"])] = str(answer.get("node", "an unnamed node"))
        if set(nodes) <= set(accepted.values()):
            break
    fields = ("username", "symbol", "side", "quantity", "limit_price", "synthetic")
    rows = db.execute(
        f"SELECT id, {', '.join(fields)} FROM orders WHERE id = ANY(%s)", (list(accepted),)
    ).fetchall()
    stored: dict[int, dict[str, Any] | None] = {}
    for row in rows:
        values = dict(zip(fields, row[1:], strict=True))
        values["limit_price"] = float(str(values["limit_price"]))  # numeric -> Decimal
        stored[int(row[0])] = values
    account = environment.inventory.accounts[spec.account]
    where = f"{environment.inventory.database.host}/{environment.inventory.database.dbname}"
    evidence.json("orders placed and stored", {"accepted": accepted, "stored": stored})
    judge(
        stored_order_findings(
            where, api.base, {"username": account.username, **sent}, accepted, stored, nodes
        )
    )


def _healthy_app_nodes(environment: Environment, pool) -> list[Target]:
    app = environment.expectation(App)
    nodes = [pool.get(n) for n in environment.hosts_with_role("app")]
    timeout = environment.inventory.public.timeout
    return [
        t for t in nodes if get_json(t, app.port, app.health_path, timeout=timeout).status == 200
    ]


def _count(node: Target, port: int, path: str, metric: str, selector: str, timeout: float) -> float:
    """Sum of a node's own counter samples whose labels contain ``selector``."""
    answer = get_json(node, port, path, timeout=timeout)
    assert answer.status == 200, f"{node.name}: metrics: {answer.describe()}"
    return sum(
        float(line.rsplit(" ", 1)[1])
        for line in str(answer.body).splitlines()
        if line.startswith(metric + "{") and selector in line
    )


def test_load_balancer_spreads_requests(api, host_pool, environment: Environment) -> None:
    """Claim: the load balancer sends requests to every healthy app node.

    Covers: every app host that answers its health check, its own request counter
    (``integration.spread_metric`` with ``spread_selector``, read from the node's metrics path)
    before and after ``spread_requests`` requests through the public URL: a healthy node that got
    none of them (left out of the upstream, marked down or backup, weighted out) fails, naming it
    with each node's count; any of the requests failing fails.

    Does not cover: an even spread (one request per node suffices); unhealthy nodes (their own
    smoke check fails).
    """
    spec = environment.expectation(Integration)
    nodes = _healthy_app_nodes(environment, host_pool)
    assert nodes, "no app node is healthy"
    port = environment.expectation(App).port
    timeout = environment.inventory.public.timeout
    counters = (spec.metrics_path, spec.spread_metric, spec.spread_selector, timeout)
    before = {n.name: _count(n, port, *counters) for n in nodes}
    path = environment.expectation(App).version_path
    statuses = [api.request("GET", path).status_code for _ in range(spec.spread_requests)]
    assert all(s == 200 for s in statuses), f"{api.base}{path} answered {statuses}"
    served = {n.name: _count(n, port, *counters) - before[n.name] for n in nodes}
    idle = [name for name, count in served.items() if count < 1]
    assert not idle, (
        f"the load balancer sent none of {spec.spread_requests} requests to healthy "
        f"{', '.join(idle)} ({spec.spread_metric}{{{spec.spread_selector}}} per node: {served})"
    )


def test_session_works_across_nodes(api, host_pool, environment: Environment) -> None:
    """Claim: a session made through the public URL is honoured by every app node.

    Covers: a login and a synthetic order through the load balancer, then the order read with
    that session's token from each app host directly (asked from the node): a node that refuses
    the token (another session secret, clock or TTL) or cannot find the order (another database
    or schema) fails, naming the node and its answer.

    Does not cover: sessions made on one node and read through the balancer (the same token
    checked on every node covers it); session expiry (the auth suite's).
    """
    token, _, order_id = api.place_synthetic_order(environment.expectation(SmokeOrder))
    app = environment.expectation(App)
    refused = []
    for node in (host_pool.get(n) for n in environment.hosts_with_role("app")):
        answer = get_json(
            node,
            app.port,
            f"/api/orders/{order_id}",
            timeout=environment.inventory.public.timeout,
            headers={"Authorization": f"Bearer {token}"},
        )
        if answer.status != 200:
            refused.append(f"{node.name}: {answer.describe()}")
    assert not refused, "a session made through the load balancer is refused on " + "; ".join(
        refused
    )


def _back_in_rotation(api, node: Target, environment: Environment, timeout: float) -> str | None:
    """Wait (at most ``timeout`` s) until ``node`` is healthy and the load balancer sends it
    traffic again (it keeps a failed node out for a while, e.g. nginx's ``fail_timeout``); None
    then, else why not. Each request is bounded by the public timeout."""
    app = environment.expectation(App)
    spec = environment.expectation(Integration)
    each = environment.inventory.public.timeout
    counters = (spec.metrics_path, spec.spread_metric, spec.spread_selector, each)
    pool = len(environment.hosts_with_role("app"))  # round robin: one pass over the pool
    healthy = False

    def served() -> bool:
        nonlocal healthy
        healthy = healthy or get_json(node, app.port, app.health_path, timeout=each).status == 200
        if not healthy:
            return False
        before = _count(node, app.port, *counters)
        for _ in range(pool):
            api.request("GET", app.version_path)
        return _count(node, app.port, *counters) > before

    try:
        wait_until(served, timeout, 0.5, what=f"{node.name} back in the load balancer's rotation")
    except WaitTimeout:
        if not healthy:
            return f"not healthy within {timeout:g} s"
        return f"healthy, but the load balancer sent it no request within {timeout:g} s"
    return None


@pytest.mark.drill
def test_load_balancer_survives_node_loss(api, host_pool, environment: Environment, drill) -> None:
    """Claim: with one app node stopped, the public URL keeps answering, and the node comes back
    into rotation.

    Covers: a destructive drill (only where ``allow_destructive``; never alongside another
    check). First the steady state it disturbs, as Chaos Toolkit checks its hypothesis before
    it acts: every app node healthy and sent requests by the balancer within
    ``steady_timeout_s``, else the drill fails and stops nothing (a node out of rotation would
    make the stop an outage, or leave the drill waiting for a return that cannot come). Then
    the drill node (``integration.drill``) is stopped with its host's stop command, then
    ``drill.requests`` health requests through the balancer must all answer 200; the node is
    started again and must be healthy and given traffic by the balancer within
    ``restore_timeout_s`` (restored also on failure or interruption, and a failed restore is
    named).

    Does not cover: the loss of the other nodes one by one, or of the balancer or the database.
    """
    spec = environment.expectation(Integration).drill
    node = host_pool.get(spec.node)
    health = environment.expectation(App).health_path

    def restore() -> str | None:
        started = node.run(node.var(spec.start_var))
        if started.rc != 0:
            return f"starting it failed: {started.stderr.strip()[:200]}"
        return _back_in_rotation(api, node, environment, spec.restore_timeout_s)

    for name in environment.hosts_with_role("app"):
        why = _back_in_rotation(api, host_pool.get(name), environment, spec.steady_timeout_s)
        assert why is None, f"{name}: before the drill, {why}: {node.name} was not stopped"

    with drill.disrupting(node.name, restore):
        stopped = node.run(node.var(spec.stop_var))
        assert stopped.rc == 0, f"{node.name}: stopping failed: {stopped.stderr.strip()[:200]}"
        statuses = [api.request("GET", health).status_code for _ in range(spec.requests)]
        assert all(s == 200 for s in statuses), (
            f"with {node.name} stopped, {api.base}{health} answered {statuses}"
        )
