"""docs/architecture.md is in the repository and is what code cites (issue 20): no citation of
the design card outside the repository (code, tests, environments, catalog), every cited
section exists, and the layers the page lists are the import-linter contract's, in order."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path
from typing import Any

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
NAMES = re.compile(r"`([A-Za-z_][\w.]*)`")


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


def contracts() -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = tomllib.loads((REPO / "pyproject.toml").read_text())["tool"][
        "importlinter"
    ]["contracts"]
    return found


def tables(markdown: str) -> dict[str, list[list[list[str]]]]:
    """Each Markdown table of ``markdown`` by its first header cell ("layer", "who"): its
    rows as cells (several tables with one header: their rows in order, each a list)."""
    out: dict[str, list[list[list[str]]]] = {}
    for block in re.findall(r"((?:^\|.*\|\n)+)", markdown, re.MULTILINE):
        lines = block.strip().splitlines()
        head = lines[0].strip("|").split("|")[0].strip()
        rows = [[c.strip() for c in line.strip().strip("|").split("|")] for line in lines[2:]]
        out.setdefault(head, []).append(rows)
    return out


def layer_tables(markdown: str) -> list[list[str]]:
    """Each layer table as the contract writes its layers: a row's modules, siblings joined
    by `` | `` (``golive.probe | golive.judge``)."""
    return [
        [" | ".join(NAMES.findall(row[0])) for row in rows]
        for rows in tables(markdown).get("layer", [])
    ]


def test_the_layers_listed_are_the_import_linter_contracts() -> None:
    """Every layers contract (golive's, pytest_golive's) is a table of docs/architecture.md
    #layers, row for row, siblings in one row; and every table is a contract."""
    layers = [c["layers"] for c in contracts() if c["type"] == "layers"]
    listed = layer_tables(section(DOC.read_text(), "Layers"))
    assert sorted(listed) == sorted(layers), (
        f"docs/architecture.md#layers lists {listed}; pyproject: {layers}"
    )


def test_the_forbidden_imports_listed_are_the_import_linter_contracts() -> None:
    """The forbidden edges (gate -> probe, fixtures -> judge, ...) are the page's "who / must
    not import" table, and an independence contract is said in the page too."""
    forbidden = {
        (tuple(c["source_modules"]), tuple(sorted(c["forbidden_modules"])))
        for c in contracts()
        if c["type"] == "forbidden"
    }
    doc = section(DOC.read_text(), "Layers")
    (rows,) = tables(doc)["who"]
    listed = {
        (tuple(NAMES.findall(row[0])), tuple(sorted(NAMES.findall(row[1]))))
        for row in rows
    }
    assert listed == forbidden, (
        f"docs/architecture.md#layers forbids {sorted(listed)}; pyproject: {sorted(forbidden)}"
    )
    for c in contracts():
        if c["type"] == "independence":
            assert "independence" in doc and all(m.rstrip(".*") in doc for m in c["modules"])
        assert c["type"] in {"layers", "forbidden", "independence"}, c["name"]


def test_the_table_reader() -> None:
    page = (
        "| layer | holds | may import |\n|---|---|---|\n| `a.x` | x | all |\n"
        "| `a.y`, `a.z` | y | `a.w` |\n\ntext\n\n| who | must not import | why |\n"
        "|---|---|---|\n| `a.x` | `b`, `c` | because |\n"
    )
    assert layer_tables(page) == [["a.x", "a.y | a.z"]]
    assert tables(page)["who"] == [[["`a.x`", "`b`, `c`", "because"]]]


def test_the_anchor_rule() -> None:
    assert _slug("Fail-closed and evidence rules") == "fail-closed-and-evidence-rules"
    assert _slug("Flow of one check") == "flow-of-one-check"
