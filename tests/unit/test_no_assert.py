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
