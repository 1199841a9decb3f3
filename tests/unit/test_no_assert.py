"""No ``assert`` statement in golive's library code.

An ``assert`` there decides a check's outcome in the wrong layer and reads as
"AssertionError:" in a blocker (or vanishes under ``python -O``): library code raises a
finding (:class:`golive.model.errors.CheckFailed`), a configuration or usage error, or
handles the case.
"""

from __future__ import annotations

import ast
from pathlib import Path

import golive
from conftest import Golive

ROOT = Path(golive.__file__).parent


def test_no_assert_statement_under_golive() -> None:
    found = [
        f"{path.relative_to(ROOT.parent)}:{node.lineno}: {ast.unparse(node)}"
        for path in sorted(ROOT.rglob("*.py"))
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path)))
        if isinstance(node, ast.Assert)
    ]
    assert len(list(ROOT.rglob("*.py"))) > 50, "the walk reads golive's modules"
    assert not found, "assert statements in library code:\n" + "\n".join(found)


RAISES = """
import pytest
from golive.model.errors import CheckFailed

@pytest.mark.smoke
@pytest.mark.parametrize("host", ["app1", "app2"])
def test_config(host):
    if host == "app2":
        raise CheckFailed("app2: /etc/app.properties is not a valid properties file")
"""


def test_a_finding_raised_in_library_code_reads_as_a_sentence(golive: Golive) -> None:
    """CheckFailed is a failure (not an error) and its message carries no exception name."""
    r = golive.run(RAISES, "-m", "smoke")
    assert r.ret == 1
    (blocker,) = golive.verdict()["blockers"]
    assert blocker["message"] == "failed: app2: /etc/app.properties is not a valid properties file"
