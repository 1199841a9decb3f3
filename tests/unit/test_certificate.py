"""The certificate fits on one page: counts up front, then the blockers grouped by cause, both
versions; the long tables (the plan items not covered among them) in an appendix (rendered from
a verdict document)."""

from __future__ import annotations

from typing import Any

from golive.gate.plan import load_plan
from golive.report.certificate import html_page, markdown

PLAN = load_plan()
ITEMS = list(PLAN.items)
ROOT = "suites/security/test_tls.py::test_certificate_expiry[lb1:443]"
DEPS = [f"suites/security/test_auth.py::test_{n}" for n in ("a", "b")]


def _doc() -> dict[str, Any]:
    cause = {"host": "lb1", "endpoint": "trading.test:443", "kind": "tls", "detail": "expired"}
    checks = [
        {"id": ROOT, "outcome": "failed", "plan": [ITEMS[0]], "caused_by": None, "cause": None},
        *(
            {"id": d, "outcome": "failed", "plan": [ITEMS[1]], "caused_by": ROOT, "cause": cause}
            for d in DEPS
        ),
        {"id": "t::ok", "outcome": "passed", "plan": [ITEMS[2]], "caused_by": None},
    ]
    group = "2 dependent checks failed: lb1:443: certificate expired on 2025-11-22"
    return {
        "verdict": "NO-GO",
        "scope": {"env": "sandbox", "release": "1.5.0", "markers": "security", "hosts": ["lb1"]},
        "counts": {"failed": 3, "passed": 1},
        "blockers": [
            {"check": ROOT, "host": "lb1", "message": "lb1:443: certificate expired"},
            {"check": "dependent", "host": "lb1", "message": group, "dependents": DEPS},
        ],
        "checks": checks,
        "signoffs": [],
        "evidence": [{"check": ROOT, "name": "sslyze.json", "sha256": "ab" * 32}],
        "golive": {"version": "0.1.0", "commit": "c0ffee"},
        "application": {
            "expected": "1.5.0",
            "line": "1.5.0 (build bedd5a5e2015) on app1, app2",
            "nodes": {},
        },
    }


def test_first_page_has_counts_versions_and_grouped_blockers():
    md = markdown(_doc(), PLAN)
    page, appendix = md.split("# Appendix")
    total = len(ITEMS)
    assert (
        f"- **Plan coverage:** 3 of {total} plan items covered: 1 by checks that all passed, "
        "2 by checks with failures or skips, 0 by a valid sign-off" in page
    )
    assert f"{total - 3} not covered by this run (listed in the appendix)" in page
    # the blockers come first: no item-by-item list of what is not covered above them
    assert ITEMS[-1] not in page and page.index("## Blockers") < page.index("## Waived")
    uncovered = appendix.split("## Plan items not covered by this run")[1].split("## ")[0]
    assert uncovered.count(f"| {ITEMS[-1]} |") == 1 and f"| {ITEMS[0]} |" not in uncovered
    assert uncovered.count("\n| ") == total - 3 + 1  # the header, then every item but three
    assert "- **Application build served:** 1.5.0 (build bedd5a5e2015) on app1, app2" in page
    assert "(expected release 1.5.0)" in page
    assert "- **Certified by:** golive 0.1.0, commit c0ffee" in page
    assert "| lb1 | 2 dependent checks (appendix) | 2 dependent checks failed" in page
    # the long tables are in the appendix only
    assert "sha256" not in page.split("## ")[-1] and ("ab" * 32) not in page
    assert "Plan coverage, item by item" in appendix and ("ab" * 32) in appendix
    for d in DEPS:
        assert f"| {d} | tls | {ROOT} |" in appendix
    assert len(page.splitlines()) < 60


def test_html_appendix_starts_a_new_page():
    page = html_page(_doc(), PLAN)
    assert "<h1 class='appendix'>Appendix</h1>" in page
    assert "page-break-before:always" in page
    assert page.index("Blockers") < page.index("Appendix") < page.index("Evidence (sha256)")
