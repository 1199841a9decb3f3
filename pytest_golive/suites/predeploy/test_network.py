"""Pre-deployment › Network Configuration: DNS answers and the load balancer's backends."""

from __future__ import annotations

import dns.exception
import dns.resolver
import pytest

from golive.model.environment import Environment
from golive.model.expectations.predeploy import Dns, LoadBalancer
from golive.model.expectations.smoke import App
from golive.probe.appconfig import read_text
from golive.probe.hosts import Target

pytestmark = pytest.mark.predeploy


def _resolver(environment: Environment) -> dns.resolver.Resolver:
    resolver_ip = environment.inventory.public.resolver
    resolver = dns.resolver.Resolver(configure=resolver_ip is None)
    if resolver_ip is not None:
        resolver.nameservers = [str(resolver_ip)]
    resolver.lifetime = environment.inventory.public.timeout
    return resolver


@pytest.mark.plan("pre.network.dns")
def test_dns_records_resolve(environment: Environment, evidence) -> None:
    records = environment.expectation(Dns).records
    resolver = _resolver(environment)
    vantage = environment.inventory.probe.source
    source = str(vantage) if vantage else None
    servers = ", ".join(str(n) for n in resolver.nameservers)
    via = servers if environment.inventory.public.resolver else "system"
    answers: dict[str, list[str]] = {}
    wrong = []
    for name, expected in records.items():
        try:
            answer = resolver.resolve(name, "A", source=source)
            answers[name] = sorted(r.address for r in answer)
        except dns.exception.DNSException as exc:
            answers[name] = [f"error: {exc.__class__.__name__}"]
        if answers[name] != sorted(expected):
            wrong.append(
                f"{name} resolves to {', '.join(answers[name])} through {via}, "
                f"expected {', '.join(sorted(expected))}"
            )
    evidence.json("dns answers", {"resolver": via, "answers": answers})
    assert not wrong, "; ".join(wrong)


@pytest.mark.plan("pre.network.lb")
@pytest.mark.roles("lb")
def test_load_balancer_names_every_app_host(target: Target, environment: Environment) -> None:
    spec = environment.expectation(LoadBalancer)
    path = target.var(spec.config_var)
    text = read_text(target, path, spec.config_reader)
    port = environment.expectation(App).port
    active = "\n".join(
        line.split("#", 1)[0] for line in text.splitlines() if not line.lstrip().startswith("#")
    )
    missing = []
    for name in environment.hosts_with_role(spec.backend_role):
        address = environment.inventory.hosts[name].address
        if not any(f"{who}:{port}" in active for who in (address, name)):
            missing.append(f"{name} ({address}:{port})")
    assert not missing, (
        f"{target.name}: {path} does not name {spec.backend_role} host {', '.join(missing)}"
    )
