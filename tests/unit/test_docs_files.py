"""The README and docs/ name only files that are there, and keep no screenshot (issue 23: a
screenshot of the Allure overview went stale; none is kept without a test regenerating it)."""

from __future__ import annotations

import re
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
DOCS = [REPO / "README.md", *sorted((REPO / "docs").glob("*.md"))]
IMAGES = {".png", ".jpg", ".jpeg", ".gif", ".svg", ".webp"}


def test_every_local_link_and_image_names_a_file_that_is_there() -> None:
    for doc in DOCS:
        for target in re.findall(r"\]\(([^)\s]+)\)", doc.read_text()):
            path = target.split("#", 1)[0]
            if not path or re.match(r"[a-z]+:", path):
                continue  # an anchor in the page, or a URL
            assert (doc.parent / path).exists(), f"{doc.relative_to(REPO)}: {target} is not there"


def test_no_screenshot_is_kept_in_docs() -> None:
    kept = [p.name for p in (REPO / "docs").iterdir() if p.suffix.lower() in IMAGES]
    assert kept == [], f"docs/: {kept}: a screenshot goes stale unless a test regenerates it"
