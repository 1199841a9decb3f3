"""Destructive drills never run in an environment that does not allow them."""

from __future__ import annotations

from conftest import Golive

DRILL = """
import pathlib, pytest

@pytest.mark.drill
@pytest.mark.smoke
def test_restore_drill():
    pathlib.Path("drill-ran").write_text("destroyed")

@pytest.mark.smoke
def test_harmless():
    pass
"""


def test_drill_is_refused_where_not_allowed(golive: Golive) -> None:
    result = golive.run(DRILL, "-m", "smoke")
    assert not (golive.pytester.path / "drill-ran").exists()
    result.stdout.fnmatch_lines(["*refused 1 destructive drill(s): environment fake*"])
    result.assert_outcomes(passed=1, deselected=1)


def test_drill_runs_where_allowed(golive: Golive) -> None:
    inventory = golive.read("inventory.yml")
    golive.write("inventory.yml", {**inventory, "allow_destructive": True})
    golive.run(DRILL, "-m", "smoke").assert_outcomes(passed=2)
    assert (golive.pytester.path / "drill-ran").read_text() == "destroyed"
