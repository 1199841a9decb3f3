"""Two runs on one reports directory (issue 9): the second is refused at once, naming the
first one's pid, and touches nothing of the first; runs with their own directories go on
together. Real concurrent processes."""

from __future__ import annotations

import pytest
from subruns import WAITING, finish, start, wait_for

from conftest import Golive

PASS = """
import pytest

@pytest.mark.security
def test_tls():
    pass
"""


@pytest.fixture(autouse=True)
def own_run(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("PYTEST_XDIST_WORKER", raising=False)


def snapshot(golive: Golive) -> dict[str, bytes]:
    return {
        p.relative_to(golive.reports).as_posix(): p.read_bytes()
        for p in golive.reports.rglob("*")
        if p.is_file()
    }


def test_second_run_on_the_same_reports_is_refused_and_the_first_unharmed(golive: Golive):
    first = start(golive, WAITING, "-m", "smoke")
    wait_for((golive.pytester.path / "started").exists, first)
    before = snapshot(golive)
    assert any(name.startswith("allure-results/") for name in before)

    second = start(golive, PASS, "-m", "security", name="test_security")
    out = finish(second)
    assert second.returncode == 4, out
    reports = golive.reports.relative_to(golive.pytester.path)
    assert f"golive: another golive run is using {reports}/ (pid {first.pid})" in out
    assert "golive verdict: GO" not in out
    assert snapshot(golive) == before, "the refused run changed the first run's files"

    (golive.pytester.path / "release").touch()
    out = finish(first)
    assert first.returncode == 0, out
    verdict = golive.verdict()
    assert verdict["verdict"] == "GO" and verdict["complete"] is True
    assert verdict["scope"]["markers"] == "smoke" and verdict["counts"]["total"] == 3


def test_runs_with_their_own_reports_go_on_together(golive: Golive):
    first = start(golive, WAITING, "-m", "smoke")
    wait_for((golive.pytester.path / "started").exists, first)
    other = golive.pytester.path / "reports-security"
    second = start(golive, PASS, "-m", "security", reports=other, name="test_security")
    out = finish(second)
    assert second.returncode == 0, out
    assert (other / "verdict.json").is_file()
    (golive.pytester.path / "release").touch()
    out = finish(first)
    assert first.returncode == 0, out
    assert golive.verdict()["scope"]["markers"] == "smoke"
