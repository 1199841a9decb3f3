"""Every check's docstring is its claim sheet, in one format across all suites (issue 21).

The format, read with ``ast`` (no suite is imported, so no fixture or plugin runs):

- the docstring's paragraphs are separated by blank lines;
- the first paragraph starts ``Claim:`` (or ``Claim (<scope>):``): what a pass means;
- then at least one paragraph starts ``Covers:`` (or ``Covers (<case>):``): the cases the
  check really judges, each of which fails it;
- then exactly one paragraph starts ``Does not cover:``: what a pass does not mean, and
  which other check (if any) holds it;
- a paragraph without a label continues the part above it; a label is never written
  inside a paragraph (``... Covers: ...`` mid-text reads as one part to a reviewer).

A check is every ``test_*`` function in ``suites/**/test_*.py``.
"""

from __future__ import annotations

import ast
import re

import pytest

from golive.model.resources import resource

SUITES = resource("pytest_golive.suites")

CLAIM = re.compile(r"Claim( \([^)]+\))?: \S")
COVERS = re.compile(r"Covers( \([^)]+\))?: \S")
NOT_COVERED = re.compile(r"Does not cover: \S")
# A label anywhere but at the start of a paragraph.
INLINE = re.compile(r"(?<=\S)\s+(Claim( \([^)]+\))?|Covers( \([^)]+\))?|Does not cover):\s")


def _label(paragraph: str) -> str | None:
    """Which part a paragraph starts ("claim", "covers", "not"); None: it continues one."""
    for name, label in (("claim", CLAIM), ("covers", COVERS), ("not", NOT_COVERED)):
        if label.match(paragraph):
            return name
    return None


def sheet_problems(doc: str | None) -> list[str]:
    """What is wrong with one check's docstring as a claim sheet; [] when it is one."""
    if not doc or not doc.strip():
        return ["no docstring (needs Claim:, Covers: and Does not cover: paragraphs)"]
    paragraphs = [p.strip() for p in re.split(r"\n[ \t]*\n", doc.strip()) if p.strip()]
    parts = [_label(p) for p in paragraphs]
    problems = []
    if parts[0] != "claim":
        problems.append("the first paragraph does not start 'Claim: '")
    if parts.count("claim") > 1:
        problems.append("more than one 'Claim:' paragraph")
    if "covers" not in parts:
        problems.append("no paragraph starts 'Covers: '")
    if parts.count("not") != 1:
        problems.append(f"{parts.count('not')} paragraphs start 'Does not cover: ', not 1")
    elif "covers" in parts and parts.index("not") < len(parts) - parts[::-1].index("covers"):
        problems.append("'Does not cover:' comes before a 'Covers:' paragraph")
    for p in paragraphs:
        inline = INLINE.search(p)
        if inline:
            problems.append(f"'{inline.group(1)}:' inside a paragraph (start a paragraph)")
    return problems


def checks() -> list[tuple[str, str | None]]:
    out = []
    for path in sorted(SUITES.rglob("test_*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
        for node in ast.walk(tree):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and node.name.startswith(
                "test_"
            ):
                where = f"{path.relative_to(SUITES.parent)}:{node.lineno} {node.name}"
                out.append((where, ast.get_docstring(node)))
    return out


def test_every_check_has_a_claim_sheet() -> None:
    found = checks()
    assert len(found) > 90, f"the walk reads every suite's checks (found {len(found)})"
    bad = [f"{where}: {'; '.join(p)}" for where, doc in found if (p := sheet_problems(doc))]
    assert not bad, "checks without a claim sheet in the one format:\n" + "\n".join(bad)


GOOD = """Claim: the host listens on its declared ports.

Covers: every TCP port; a declared port not listening.

Covers (UDP): bound UDP sockets.

Does not cover: loopback sockets (test_loopback's claim).

A continuation of the part above."""


@pytest.mark.parametrize(
    ("doc", "problem"),
    [
        (None, "no docstring"),
        ("The host listens.\n\nCovers: x.\n\nDoes not cover: y.", "does not start 'Claim: '"),
        ("Claim: x.\n\nDoes not cover: y.", "no paragraph starts 'Covers: '"),
        ("Claim: x.\n\nCovers: y.", "0 paragraphs start 'Does not cover: '"),
        ("Claim: x.\n\nDoes not cover: z.\n\nCovers: y.", "comes before a 'Covers:'"),
        ("Claim: x.\n\nCovers: y.\n\nDoes not cover: z.\n\nDoes not cover: w.", "2 paragraphs"),
        ("Claim: x. Covers: y.\n\nDoes not cover: z.", "no paragraph starts 'Covers: '"),
        ("Claim: x.\n\nCovers: y.\nDoes not cover: z.", "'Does not cover:' inside a paragraph"),
        ("Claim: x.\n\nCovers: y. Does not cover: z.", "0 paragraphs start 'Does not cover: '"),
        ("Claim: x.\n\nFalse when: y.\n\nDoes not cover: z.", "no paragraph starts 'Covers: '"),
        ("Claim:\n\nCovers: y.\n\nDoes not cover: z.", "does not start 'Claim: '"),
    ],
)
def test_a_sheet_missing_a_part_is_named(doc: str | None, problem: str) -> None:
    assert any(problem in p for p in sheet_problems(doc)), sheet_problems(doc)


def test_the_format_passes() -> None:
    assert sheet_problems(GOOD) == []
