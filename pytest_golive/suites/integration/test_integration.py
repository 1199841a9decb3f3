"""Deployment Process › Validation and Testing › Integration: the load balancer, the app
nodes and the database working together. Writes are synthetic orders, flagged as such."""

from __future__ import annotations

import time

import pytest

from golive.model.environment import Environment
from golive.model.expectations.integration import Integration
from golive.model.expectations.smoke import App, SmokeOrder
from golive.probe.hosts import Target
from golive.probe.nodes import get_json

pytestmark = pytest.mark.integration


def test_order_through_load_balancer_is_in_database(api, db, environment: Environment) -> None:
    _, body, order_id = api.place_synthetic_order(environment.expectation(SmokeOrder))
    fields = ("username", "symbol", "side", "quantity", "limit_price", "synthetic")
    row = db.execute(
        f"SELECT {', '.join(fields)} FROM orders WHERE id = %s", (order_id,)
    ).fetchone()
    where = f"{environment.inventory.database.host}/{environment.inventory.database.dbname}"
    assert row is not None, f"{where}: order {order_id} placed through {api.base} is not in orders"
    account = environment.inventory.accounts[environment.expectation(SmokeOrder).account]
    sent = {"username": account.username, **body}
    stored = dict(zip(fields, row, strict=True))
    stored["limit_price"] = float(str(stored["limit_price"]))  # numeric column -> Decimal
    wrong = {k: (v, stored[k]) for k, v in sent.items() if stored[k] != v}
    assert not wrong, f"{where}: order {order_id} stored differs (sent, stored): {wrong}"


def _healthy_app_nodes(environment: Environment, pool) -> list[Target]:
    app = environment.expectation(App)
    nodes = [pool.get(n) for n in environment.hosts_with_role("app")]
    return [t for t in nodes if get_json(t, app.port, app.health_path).status == 200]


def _count(node: Target, port: int, path: str, metric: str, selector: str) -> float:
    """Sum of a node's own counter samples whose labels contain ``selector``."""
    answer = get_json(node, port, path)
    assert answer.status == 200, f"{node.name}: metrics: {answer.describe()}"
    return sum(
        float(line.rsplit(" ", 1)[1])
        for line in str(answer.body).splitlines()
        if line.startswith(metric + "{") and selector in line
    )


def test_load_balancer_spreads_requests(api, host_pool, environment: Environment) -> None:
    spec = environment.expectation(Integration)
    nodes = _healthy_app_nodes(environment, host_pool)
    assert nodes, "no app node is healthy"
    port = environment.expectation(App).port
    counters = (spec.metrics_path, spec.spread_metric, spec.spread_selector)
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
    token, _, order_id = api.place_synthetic_order(environment.expectation(SmokeOrder))
    app = environment.expectation(App)
    refused = []
    for node in (host_pool.get(n) for n in environment.hosts_with_role("app")):
        answer = get_json(
            node, app.port, f"/api/orders/{order_id}", headers={"Authorization": f"Bearer {token}"}
        )
        if answer.status != 200:
            refused.append(f"{node.name}: {answer.describe()}")
    assert not refused, "a session made through the load balancer is refused on " + "; ".join(
        refused
    )


def _back_in_rotation(api, node: Target, environment: Environment, timeout: float) -> str | None:
    """Wait (at most ``timeout`` s) until ``node`` is healthy and the load balancer sends it
    traffic again (it keeps a failed node out for a while, e.g. nginx's ``fail_timeout``); None
    then, else why not."""
    app = environment.expectation(App)
    spec = environment.expectation(Integration)
    counters = (spec.metrics_path, spec.spread_metric, spec.spread_selector)
    pool = len(environment.hosts_with_role("app"))  # round robin: one pass over the pool
    deadline = time.monotonic() + timeout
    healthy = False
    while time.monotonic() < deadline:
        healthy = healthy or get_json(node, app.port, app.health_path).status == 200
        if healthy:
            before = _count(node, app.port, *counters)
            for _ in range(pool):
                api.request("GET", app.version_path)
            if _count(node, app.port, *counters) > before:
                return None
        time.sleep(0.5)
    if not healthy:
        return f"not healthy within {timeout:g} s"
    return f"healthy, but the load balancer sent it no request within {timeout:g} s"


@pytest.mark.drill
def test_load_balancer_survives_node_loss(api, host_pool, environment: Environment, drill) -> None:
    spec = environment.expectation(Integration).drill
    node = host_pool.get(spec.node)
    health = environment.expectation(App).health_path

    def restore() -> str | None:
        started = node.run(node.var(spec.start_var))
        if started.rc != 0:
            return f"starting it failed: {started.stderr.strip()[:200]}"
        return _back_in_rotation(api, node, environment, spec.restore_timeout_s)

    with drill.disrupting(node.name, restore):
        stopped = node.run(node.var(spec.stop_var))
        assert stopped.rc == 0, f"{node.name}: stopping failed: {stopped.stderr.strip()[:200]}"
        statuses = [api.request("GET", health).status_code for _ in range(spec.requests)]
        assert all(s == 200 for s in statuses), (
            f"with {node.name} stopped, {api.base}{health} answered {statuses}"
        )
