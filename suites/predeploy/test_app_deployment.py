"""Deployment Process › Application Deployment: the artifact the server loads is the release
registry's, the running application reads the declared configuration, and that configuration
points at this environment's database.

That each node serves the release under certification (Deploy to Application Server) and
reaches its database (Database Connections) is proven once, by the smoke suite's checks of
what the running node answers (suites/smoke/test_smoke.py)."""

from __future__ import annotations

import pytest

from golive.judge.predeploy import (
    artifact_findings,
    config_source_findings,
    url_param_findings,
)
from golive.model.environment import Environment
from golive.model.expectations.predeploy import Deployment
from golive.probe import registry
from golive.probe.appconfig import jdbc_params, jdbc_target, read_properties
from golive.probe.hosts import Target
from pytest_golive.fixtures.findings import judge

pytestmark = [pytest.mark.predeploy, pytest.mark.roles("app")]


def _resolved(target: Target, path: str) -> str:
    """``path`` with every link resolved on the host (as it is when it does not exist)."""
    file = target.remote.file(path)
    return str(file.linked_to) if file.exists else path


@pytest.mark.plan("deploy.app.package")
def test_release_artifact_matches_registry(
    target: Target, environment: Environment, evidence
) -> None:
    """Claim: the artifact the node's application server loads is the release registry's
    artifact of the release under certification, deployed in that release's directory.

    Covers: on every app host, the path the server loads (``deployment.current``, e.g. the
    ``current`` link) resolved fully on the node (every link along it, not only its last
    component), so a link to a copy outside the release directory, to another version's
    directory, a dangling link or a missing file fails; the resolved file's sha256 against
    the registry's SHA256SUMS entry for the version (a rebuilt or patched artifact with the
    same version string fails); a registry that does not list the version.

    Does not cover: what the running JVM loaded before the link changed (the smoke check of
    the build fingerprint the node serves, test_app_node_serves_release_under_certification).
    """
    spec = environment.expectation(Deployment)
    version = environment.inventory.release.version
    entry = spec.registry_entry.format(version=version)
    expected = registry.checksum(environment, version)
    releases = target.var(spec.releases_var).rstrip("/")
    current = f"{releases}/{spec.current}"
    release_artifact = _resolved(target, f"{releases}/{spec.artifact.format(version=version)}")
    served = target.remote.file(current)
    resolved = str(served.linked_to) if served.exists else None
    actual = target.remote.file(resolved).sha256sum if resolved and served.is_file else None
    evidence.json(
        f"artifact checksums {target.name}",
        {
            "loaded": current,
            "resolves_to": resolved,
            "release_artifact": release_artifact,
            "node": actual,
            "registry": {entry: expected},
        },
    )
    judge(
        artifact_findings(target.name, current, resolved, release_artifact, actual, expected, entry)
    )


@pytest.mark.plan("deploy.app.config")
@pytest.mark.roles("app")
def test_application_reads_declared_config(
    target: Target, environment: Environment, evidence
) -> None:
    """Claim: the running application reads the configuration file golive judges.

    Covers: on every app host, the application's running processes (identified by
    ``deployment.running_config.process_marker`` on their command line, from the host's
    process table), the file named by ``running_config.option`` (the last one given wins),
    links resolved on the host, against the declared file (``deployment.config_var``): an
    application started with another file (an override in its start script or service
    unit), given none, or not running fails; so the configuration, MFA and secret checks
    that read the declared file judge what the application really uses.

    Does not cover: settings the application takes from elsewhere than its file (it reads
    none in the sandbox's app).
    """
    spec = environment.expectation(Deployment).running_config
    declared = target.var(environment.expectation(Deployment).config_var)
    marker = spec.process_marker.format(**target.spec.vars)
    found: dict[int, list[str]] = {}
    for proc in target.remote.process.filter():
        args = str(proc.args).split()
        if marker in args:
            found[int(proc.pid)] = [
                _resolved(target, a.removeprefix(spec.option))
                for a in args
                if a.startswith(spec.option)
            ]
    evidence.json(
        f"configuration read by {target.name}",
        {"declared": declared, "marker": marker, "processes": found},
    )
    judge(
        config_source_findings(target.name, _resolved(target, declared), marker, spec.option, found)
    )


@pytest.mark.plan("deploy.app.config")
def test_config_points_at_environment_db(target: Target, environment: Environment) -> None:
    """Claim: every app host's configuration points the application at this environment's database,
    over the connection the environment requires, with no development or test values.

    Covers: each app host, its application configuration (``deployment.config_var``, read on the
    host as the application's user where ``config_reader`` says so): the JDBC URL
    (``deployment.db_url_key``) must name the environment's database host (by address or
    inventory name), port and database name, so another host, port or database fails, as does an
    unset key; its connection parameters must carry ``deployment.db_url_params`` (e.g.
    ``sslmode=verify-full``: a URL that does not verify the server's certificate, or sets no
    mode and so takes the driver's default, fails); every key's value is searched for the
    forbidden values (``deployment.forbidden_values``: localhost, loopback, _dev, _test), so a
    dev value in any setting fails, naming the key.

    Does not cover: a configuration file other than the declared one given to the JVM
    (test_application_reads_declared_config); parameters not declared, such as a schema search
    path (the integration suite finds orders that do not reach the database).
    """
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
    judge(url_param_findings(target.name, spec.db_url_key, jdbc_params(url), spec.db_url_params))
    dev = sorted(
        f"{k} contains {bad!r}"
        for k, v in props.items()
        for bad in spec.forbidden_values
        if bad in v
    )
    assert not dev, f"{target.name}: non-production values in {target.var(spec.config_var)}: " + (
        "; ".join(dev)
    )
