"""docs/architecture.md is in the repository and is what code cites (issue 20): no citation of
the design card outside the repository (code, tests, environments, catalog), every cited
section exists, and the layers the page lists are the import-linter contract's, in order."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
DOC = REPO / "docs" / "architecture.md"
CODE = (
    "golive", "pytest_golive", "suites", "fixtures", "plugins",
    "tests", "environments", "examples", "load", "scripts", "bench",
)  # fmt: skip
TEXT = {".py", ".yml", ".yaml", ".ini", ".md", ".txt", ".toml", ".j2", ".sh", ".nft", ".conf"}
ROOT = ("README.md", "Makefile", "pyproject.toml", "conftest.py", "pytest.ini")
OUTSIDE = "DESIGN" + " §"  # the design card's section signs (not written here as one string)
CITATION = re.compile(r"docs/architecture\.md#([A-Za-z0-9_-]+)")
LAYER_ROW = re.compile(r"^\| `(golive\.[a-z_]+)` \|", re.MULTILINE)


def _slug(heading: str) -> str:
    """The anchor a Markdown heading gets (GitHub's rule: lower case, punctuation dropped,
    spaces to hyphens)."""
    return re.sub(r"[^\w\- ]", "", heading.strip().lower()).replace(" ", "-")


def anchors(markdown: str) -> set[str]:
    return {_slug(h) for h in re.findall(r"^#{1,6} (.+)$", markdown, re.MULTILINE)}


def section(markdown: str, heading: str) -> str:
    """The text of one ``## heading`` section, up to the next heading of its level."""
    match = re.search(rf"^## {re.escape(heading)}\n(.*?)(?=^## |\Z)", markdown, re.M | re.S)
    assert match, f"docs/architecture.md has no '## {heading}' section"
    return match.group(1)


def sources() -> list[Path]:
    files = [p for top in CODE for p in (REPO / top).rglob("*") if p.suffix in TEXT]
    files += [REPO / name for name in ROOT]
    return [p for p in files if p.is_file() and "__pycache__" not in p.parts]


def test_the_architecture_document_is_in_the_repository() -> None:
    assert DOC.is_file(), "docs/architecture.md is missing: code cites it"
    assert {"layers", "verdict", "registering-a-suite", "a-new-fault"} <= anchors(DOC.read_text())


def test_no_file_cites_the_design_card_outside_the_repository() -> None:
    citing = [
        str(p.relative_to(REPO)) for p in sources() if OUTSIDE in p.read_text(errors="replace")
    ]
    assert citing == [], f"{citing}: cite a section of docs/architecture.md instead"


def test_every_section_cited_exists() -> None:
    known = anchors(DOC.read_text())
    cited = {
        (str(p.relative_to(REPO)), anchor)
        for p in [*sources(), *sorted((REPO / "docs").glob("*.md"))]
        for anchor in CITATION.findall(p.read_text(errors="replace"))
    }
    cited |= {("docs/architecture.md", a) for a in re.findall(r"\]\(#([^)]+)\)", DOC.read_text())}
    assert cited, "nothing cites docs/architecture.md"
    missing = sorted((where, a) for where, a in cited if a not in known)
    assert missing == [], f"cited sections docs/architecture.md does not have: {missing}"


def test_the_layers_listed_are_the_import_linter_contracts() -> None:
    contracts = tomllib.loads((REPO / "pyproject.toml").read_text())["tool"]["importlinter"]
    (layers,) = [c["layers"] for c in contracts["contracts"] if c["type"] == "layers"]
    listed = LAYER_ROW.findall(section(DOC.read_text(), "Layers"))
    assert listed == layers, f"docs/architecture.md#layers lists {listed}; pyproject: {layers}"


def test_the_anchor_rule() -> None:
    assert _slug("Fail-closed and evidence rules") == "fail-closed-and-evidence-rules"
    assert _slug("Flow of one check") == "flow-of-one-check"
