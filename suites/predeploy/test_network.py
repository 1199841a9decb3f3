"""Pre-deployment › Network Configuration: DNS answers and the load balancer's backends."""

from __future__ import annotations

import dns.exception
import dns.resolver
import pytest

from golive.judge.predeploy import active_config, backend_findings
from golive.model.environment import Environment
from golive.model.expectations.predeploy import Dns, LoadBalancer
from golive.model.expectations.smoke import App
from golive.probe.appconfig import read_text
from golive.probe.hosts import Target
from pytest_golive.fixtures.findings import judge

pytestmark = pytest.mark.predeploy


def _resolver(environment: Environment) -> dns.resolver.Resolver:
    resolver_ip = environment.inventory.public.resolver
    resolver = dns.resolver.Resolver(configure=resolver_ip is None)
    if resolver_ip is not None:
        resolver.nameservers = [str(resolver_ip)]
    resolver.lifetime = environment.inventory.public.timeout
    return resolver


def _lookup_error(exc: dns.exception.DNSException, timeout: float) -> str:
    """What a failed lookup means, in words."""
    if isinstance(exc, dns.resolver.NXDOMAIN):
        return "does not exist (NXDOMAIN)"
    if isinstance(exc, dns.resolver.NoAnswer):
        return "has no A record"
    if isinstance(exc, dns.exception.Timeout):
        return f"got no answer within {timeout:g} s"
    if isinstance(exc, dns.resolver.NoNameservers):
        return "could not be resolved (the server failed or refused: SERVFAIL/REFUSED)"
    return f"could not be resolved ({exc.__class__.__name__})"


@pytest.mark.plan("pre.network.dns")
def test_dns_records_resolve(environment: Environment, evidence) -> None:
    """Claim: every declared DNS name resolves, through the environment's resolver as the
    QA vantage point asks it, to exactly its declared addresses.

    Covers: each name of ``dns.records`` (the public name and the internal ones), asked for
    its A records from ``probe.source``: a name that resolves to another address, to an
    extra or a missing address, that does not exist (NXDOMAIN), has no A record, or gets no
    answer within ``public.timeout`` (a silent or failing server) fails, naming the name,
    the resolver and what it answered.

    Does not cover: AAAA or other record types; resolvers other than the declared one (what
    the hosts themselves resolve with their own resolv.conf).
    """
    records = environment.expectation(Dns).records
    resolver = _resolver(environment)
    vantage = environment.inventory.probe.source
    source = str(vantage) if vantage else None
    servers = ", ".join(str(n) for n in resolver.nameservers)
    via = servers if environment.inventory.public.resolver else "system"
    answers: dict[str, list[str]] = {}
    wrong = []
    for name, expected in records.items():
        want = ", ".join(sorted(expected))
        try:
            answer = resolver.resolve(name, "A", source=source)
        except dns.exception.DNSException as exc:
            why = _lookup_error(exc, resolver.lifetime)
            answers[name] = [f"error: {why}"]
            wrong.append(f"{name} {why} through {via}, expected {want}")
            continue
        answers[name] = sorted(r.address for r in answer)
        if answers[name] != sorted(expected):
            wrong.append(
                f"{name} resolves to {', '.join(answers[name])} through {via}, expected {want}"
            )
    evidence.json("dns answers", {"resolver": via, "answers": answers})
    judge(wrong)


@pytest.mark.plan("pre.network.lb")
@pytest.mark.roles("lb")
def test_load_balancer_names_every_app_host(target: Target, environment: Environment) -> None:
    """Claim: every load balancer sends traffic to every host of its backend role.

    Covers: each host of the lb role, its configuration file (``load_balancer.config_var``,
    read on the host), active lines only (commented-out servers do not count): every host of
    ``load_balancer.backend_role`` must be named by address or name on the application's
    port, on a line that keeps it in rotation (nginx ``down`` or ``backup``, HAProxy
    ``disabled`` or ``backup`` take it out), so a missing, commented-out, disabled or
    backup-only node, or one named on another port, fails.

    Does not cover: files the configuration includes; whether the balancer really routes to
    each node (the integration spread check); names it resolves to other addresses.
    """
    spec = environment.expectation(LoadBalancer)
    path = target.var(spec.config_var)
    lines = active_config(read_text(target, path, spec.config_reader))
    port = environment.expectation(App).port
    backends = {
        name: [str(environment.inventory.hosts[name].address), name]
        for name in environment.hosts_with_role(spec.backend_role)
    }
    judge(backend_findings(target.name, path, lines, backends, port, spec.backend_role))
