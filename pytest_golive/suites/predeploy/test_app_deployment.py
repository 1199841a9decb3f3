"""Deployment Process › Application Deployment: the artifact matches the release registry and
the configuration points at this environment's database.

That each node serves the release under certification (Deploy to Application Server) and
reaches its database (Database Connections) is proven once, by the smoke suite's checks of
what the running node answers (suites/smoke/test_smoke.py)."""

from __future__ import annotations

import pytest
import requests

from golive.model.environment import Environment
from golive.model.expectations.predeploy import Deployment
from golive.probe.appconfig import jdbc_target, read_properties
from golive.probe.hosts import Target

pytestmark = [pytest.mark.predeploy, pytest.mark.roles("app")]


def _registry_sums(spec: Deployment, environment: Environment) -> dict[str, str]:
    local = spec.registry_path()
    if local is not None:
        text = local.read_text(encoding="utf-8")
    else:
        ca = environment.inventory.public.ca_bundle
        response = requests.get(spec.registry_sums, timeout=30, verify=str(ca) if ca else True)
        response.raise_for_status()
        text = response.text
    return {
        parts[1].lstrip("*"): parts[0]
        for parts in (line.split() for line in text.splitlines())
        if len(parts) == 2
    }


@pytest.mark.plan("deploy.app.package")
def test_release_artifact_matches_registry(
    target: Target, environment: Environment, evidence
) -> None:
    spec = environment.expectation(Deployment)
    version = environment.inventory.release.version
    entry = spec.registry_entry.format(version=version)
    expected = _registry_sums(spec, environment).get(entry)
    assert expected, f"the release registry {spec.registry_sums} lists no {entry}"
    path = f"{target.var(spec.releases_var).rstrip('/')}/{spec.artifact.format(version=version)}"
    artifact = target.remote.file(path)
    actual = artifact.sha256sum if artifact.is_file else None
    evidence.json(
        f"artifact checksums {target.name}",
        {"artifact": path, "node": actual, "registry": {entry: expected}},
    )
    assert actual is not None, f"{target.name}: artifact {path} is missing"
    assert actual == expected, (
        f"{target.name}: artifact {path} sha256 {actual[:12]}… differs from registry "
        f"{expected[:12]}… ({entry})"
    )


@pytest.mark.plan("deploy.app.config")
def test_config_points_at_environment_db(target: Target, environment: Environment) -> None:
    spec = environment.expectation(Deployment)
    props = read_properties(target, target.var(spec.config_var), spec.config_reader)
    url = props.get(spec.db_url_key)
    assert url, f"{target.name}: {spec.db_url_key} is not set in {target.var(spec.config_var)}"
    db = environment.inventory.database
    db_host = environment.inventory.hosts[db.host]
    got = jdbc_target(url)
    assert got.host in (str(db_host.address), db.host) and (got.port, got.dbname) == (
        db.port,
        db.dbname,
    ), (
        f"{target.name}: {spec.db_url_key} points at {got}, the environment's database is "
        f"{db.host} ({db_host.address}:{db.port}/{db.dbname})"
    )
    dev = sorted(
        f"{k} contains {bad!r}"
        for k, v in props.items()
        for bad in spec.forbidden_values
        if bad in v
    )
    assert not dev, f"{target.name}: non-production values in {target.var(spec.config_var)}: " + (
        "; ".join(dev)
    )
