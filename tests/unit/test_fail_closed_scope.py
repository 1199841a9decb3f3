"""The verdict's scope lists only the hosts a check of the run was about or reached, and names
the inventory's hosts no check touched: terminal, verdict.json, certificate (issue 9); the
same under pytest-xdist, where the hosts come from the workers' reports."""

from __future__ import annotations

from typing import Any

import pytest

from conftest import Golive

# app1 and app2 by parameter; db1 only reached through the host pool (local:// in the fake
# environment: the pool's probe is a local `true`)
CHECKS = """
import pytest

@pytest.mark.smoke
@pytest.mark.parametrize("host", ["app1", "app2"])
def test_health(host):
    pass

@pytest.mark.smoke
def test_database_through_the_pool(host_pool):
    assert host_pool.get("db1").name == "db1"
"""
APP1_ONLY = """
import pytest

@pytest.mark.smoke
@pytest.mark.parametrize("host", ["app1"])
def test_health(host):
    pass
"""


@pytest.fixture(autouse=True)
def own_run(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("PYTEST_XDIST_WORKER", raising=False)


def scope(golive: Golive) -> dict[str, Any]:
    verdict = golive.verdict()
    assert verdict["complete"] is True
    data: dict[str, Any] = verdict["scope"]
    return data


def test_scope_names_only_checked_hosts_and_reports_the_others(golive: Golive) -> None:
    result = golive.run(APP1_ONLY)
    assert result.ret == 0
    assert scope(golive)["hosts"] == ["app1"]
    assert scope(golive)["unchecked"] == ["app2", "db1"]
    result.stdout.fnmatch_lines(
        [
            "golive: not checked by this run (no selected check is about them): app2, db1",
            "scope: env fake, release 2.0.0, markers: (all), hosts: app1",
        ]
    )
    certificate = (golive.reports / "certificate.md").read_text()
    assert "- **Scope:** markers: (all); hosts: app1" in certificate
    assert "- **Hosts not checked:** app2, db1 (in the inventory;" in certificate


def test_a_host_reached_through_the_pool_is_checked(golive: Golive) -> None:
    assert golive.run(CHECKS).ret == 0
    assert scope(golive)["hosts"] == ["app1", "app2", "db1"]
    assert scope(golive)["unchecked"] == []
    assert "not checked by this run" not in (golive.reports / "certificate.md").read_text()


def test_xdist_scope_comes_from_the_workers_reports(golive: Golive) -> None:
    checks = golive.pytester.makepyfile(test_checks=CHECKS)
    result = golive.pytester.runpytest_subprocess(
        str(checks), "--env", "fake", f"--golive-reports={golive.reports}", "-n", "2",
        "-k", "test_health or pool", timeout=120,
    )  # fmt: skip
    assert result.ret == 0, result.stdout.str()
    assert scope(golive)["hosts"] == ["app1", "app2", "db1"]
    golive.pytester.makepyfile(test_checks=APP1_ONLY)
    result = golive.pytester.runpytest_subprocess(
        str(checks), "--env", "fake", f"--golive-reports={golive.reports}", "-n", "2",
        timeout=120,
    )  # fmt: skip
    assert result.ret == 0, result.stdout.str()
    assert scope(golive)["hosts"] == ["app1"] and scope(golive)["unchecked"] == ["app2", "db1"]
