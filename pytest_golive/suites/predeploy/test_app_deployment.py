"""Deployment Process › Application Deployment: the artifact matches the release registry,
`current` is the release under certification, the configuration points at this
environment's database, and the application reaches it."""

from __future__ import annotations

import pytest
import requests

from golive.model.environment import Environment
from golive.model.expectations.predeploy import Deployment
from golive.probe.appconfig import jdbc_target, read_properties
from golive.probe.hosts import Target
from golive.probe.nodes import get_json

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
    spec = environment.expectation("deployment")
    version = environment.inventory.release.version
    entry = spec.registry_entry.format(version=version)
    expected = _registry_sums(spec, environment).get(entry)
    assert expected, f"the release registry {spec.registry_sums} lists no {entry}"
    path = f"{target.var(spec.releases_var).rstrip('/')}/{spec.artifact.format(version=version)}"
    out = target.run("sha256sum %s", path)
    evidence.json(
        f"artifact checksums {target.name}",
        {"artifact": path, "node": out.stdout.split()[:1], "registry": {entry: expected}},
    )
    assert out.rc == 0, f"{target.name}: artifact {path} is missing ({out.stderr.strip()[:120]})"
    actual = out.stdout.split()[0]
    assert actual == expected, (
        f"{target.name}: artifact {path} sha256 {actual[:12]}… differs from registry "
        f"{expected[:12]}… ({entry})"
    )


@pytest.mark.plan("deploy.app.deploy")
def test_current_release_is_under_certification(target: Target, environment: Environment) -> None:
    spec = environment.expectation("deployment")
    link = f"{target.var(spec.releases_var).rstrip('/')}/{spec.current_link}"
    out = target.run("readlink %s", link)
    assert out.rc == 0, f"{target.name}: {link} is not a link to a release"
    current = out.stdout.strip().rstrip("/").rsplit("/", 1)[-1]
    wanted = environment.inventory.release.version
    assert current == wanted, (
        f"{target.name}: {spec.current_link} -> {current}, "
        f"the release under certification is {wanted}"
    )


@pytest.mark.plan("deploy.app.config")
def test_config_points_at_environment_db(target: Target, environment: Environment) -> None:
    spec = environment.expectation("deployment")
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


@pytest.mark.plan("deploy.app.db")
def test_app_connects_to_database(target: Target, environment: Environment) -> None:
    app = environment.expectations.app
    answer = get_json(target, app.port, app.health_path)
    assert answer.status in (200, 503), f"{target.name}: {answer.describe()}"
    assert answer.body.get("db") == "UP", (
        f"{target.name}: the application reports its database {answer.body.get('db')} "
        f"({answer.body.get('reason', '')})"
    )
