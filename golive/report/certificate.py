"""The one-page certificate (Markdown and HTML) rendered from ``verdict.json``: the verdict,
what was certified (application build, scope) and by which golive, blockers grouped by cause,
waivers, sign-offs and plan coverage as counts; the tables that run long (the dependent
checks, the plan items not covered, plan coverage item by item, the evidence sha256) follow in
an appendix, so that the blockers come first."""

from __future__ import annotations

import html
from collections import Counter
from typing import Any

from golive.gate import rollback
from golive.gate.plan import Plan
from golive.gate.verdict import subject

Table = tuple[str, list[str], list[list[str]]]
NONE = "not covered by this run"


def _coverage_rows(doc: dict[str, Any], plan: Plan) -> list[list[str]]:
    outcomes: dict[str, Counter[str]] = {pid: Counter() for pid in plan.items}
    for check in doc.get("checks", []):
        for pid in check.get("plan", []):
            outcomes.setdefault(pid, Counter())[check["outcome"]] += 1
    signoffs = {s["name"]: s["state"] for s in doc.get("signoffs", [])}
    rows = []
    for pid, item in plan.items.items():
        c = outcomes[pid]
        cell = ", ".join(f"{n} {o}" for o, n in sorted(c.items())) or NONE
        if item.signoff and cell == NONE and signoffs.get(item.signoff) == "valid":
            cell = f"covered by sign-off {item.signoff}: valid"
        elif item.signoff:
            cell += f"; sign-off {item.signoff}: {signoffs.get(item.signoff, 'not recorded')}"
        rows.append([pid, item.title, cell])
    return rows


def tables(doc: dict[str, Any], plan: Plan) -> list[Table]:
    """The certificate's tables: (title, header, rows)."""
    w = doc.get("waivers", {})
    waivers = [
        [
            x["state"],
            x["check"],
            x["ticket"],
            x["approver"],
            x["expires"],
            str(len(x["applied_to"])),
        ]
        for key in ("applied", "expired", "unused")
        for x in w.get(key, [])
    ]
    return [
        (
            "Blockers",
            ["subject", "check", "reason"],
            [_blocker(b) for b in doc.get("blockers", [])],
        ),
        (
            "Waived checks",
            ["subject", "check", "reason"],
            [
                [subject(b["check"], b["host"]), b["check"], b["message"]]
                for b in doc.get("waived", [])
            ],
        ),
        (
            "Refused drills (not run; the decision does not weigh them)",
            ["check", "reason"],
            [[r["check"], r["reason"]] for r in doc.get("refused", [])],
        ),
        ("Waivers", ["state", "pattern", "ticket", "approver", "expires", "applied to"], waivers),
        (
            "Sign-offs",
            ["name", "required", "state", "who", "when", "expires", "scope"],
            [
                [
                    s["name"],
                    "yes" if s["required"] else "no",
                    s["state"],
                    s.get("who", ""),
                    s.get("when", ""),
                    s.get("expires", ""),
                    s.get("scope", s.get("detail", "")),
                ]
                for s in doc.get("signoffs", [])
            ],
        ),
        (
            f"Rollback: {rollback.summary(doc)} (golive only recommends)",
            ["trigger", "host", "check", "finding"],
            rollback.rows(doc),
        ),
    ]


def appendix(doc: dict[str, Any], plan: Plan) -> list[Table]:
    """The appendix's tables: the long ones."""
    return [
        (
            "Dependent checks (grouped under their cause among the blockers)",
            ["check", "failed because", "reported by"],
            [
                [c["id"], (c.get("cause") or {}).get("kind", ""), c["caused_by"]]
                for c in doc.get("checks", [])
                if c.get("caused_by")
            ],
        ),
        ("Plan items not covered by this run", ["item", "title"], _uncovered(doc, plan)),
        ("Plan coverage, item by item", ["item", "title", "checks"], _coverage_rows(doc, plan)),
        (
            "Evidence (sha256)",
            ["check", "evidence", "sha256"],
            [[e["check"], e["name"], e["sha256"]] for e in doc.get("evidence", [])],
        ),
    ]


def _blocker(b: dict[str, Any]) -> list[str]:
    if b.get("dependents"):
        n = len(b["dependents"])
        return [b["host"], f"{n} dependent check{'s' * (n != 1)} (appendix)", b["message"]]
    return [subject(b["check"], b.get("host")), b["check"], b["message"]]


def _coverage(doc: dict[str, Any], plan: Plan) -> list[tuple[str, str]]:
    """Plan coverage as counts, and the items nothing in this run covers."""
    outcomes: dict[str, set[str]] = {pid: set() for pid in plan.items}
    for check in doc.get("checks", []):
        for pid in check.get("plan", []):
            outcomes.setdefault(pid, set()).add(check["outcome"])
    signed = {s["name"] for s in doc.get("signoffs", []) if s.get("state") == "valid"}
    passed = [p for p, o in outcomes.items() if o == {"passed"}]
    failing = [p for p, o in outcomes.items() if o and o != {"passed"}]
    by_signoff = [p for p, item in plan.items.items() if not outcomes[p] and item.signoff in signed]
    covered = {*passed, *failing, *by_signoff}
    total = len(plan.items)
    counts = (
        f"{len(covered)} of {total} plan items covered: {len(passed)} by checks that all "
        f"passed, {len(failing)} by checks with failures or skips, {len(by_signoff)} by a "
        f"valid sign-off; {total - len(covered)} not covered by this run (listed in the "
        "appendix)"
    )
    return [("Plan coverage", counts)]


def _uncovered(doc: dict[str, Any], plan: Plan) -> list[list[str]]:
    """The plan items nothing in this run covers (no check, no valid sign-off): [item, title]."""
    return [[row[0], row[1]] for row in _coverage_rows(doc, plan) if row[2].startswith(NONE)]


def _versions(doc: dict[str, Any]) -> list[tuple[str, str]]:
    app, own = doc.get("application"), doc.get("golive")
    out = []
    if isinstance(app, dict):
        line = str(app.get("line", "not known"))
        out.append(("Application build served", f"{line} (expected release {app.get('expected')})"))
    if isinstance(own, dict):
        out.append(("Certified by", f"golive {own.get('version')}, commit {own.get('commit')}"))
    return out


def _head(doc: dict[str, Any]) -> list[tuple[str, str]]:
    s, c = doc["scope"], doc.get("counts", {})
    hosts = ", ".join(s["hosts"]) or "(none)"
    unchecked = ", ".join(s.get("unchecked", []))
    if unchecked:
        unchecked += " (in the inventory; no check of this run was about them)"
    return [
        ("Verdict", doc["verdict"]),
        ("Rollback", rollback.summary(doc)),
        ("Environment", s["env"]),
        ("Release", s["release"]),
        *_versions(doc),
        ("Scope", f"markers: {s['markers'] or '(all)'}; hosts: {hosts}"),
        ("Hosts not checked", unchecked or "none"),
        ("Checks", ", ".join(f"{k} {v}" for k, v in c.items())),
        (
            "Run",
            f"{doc.get('timings', {}).get('started', '?')} "
            f"({doc.get('timings', {}).get('duration_s', '?')} s)",
        ),
    ]


APPENDIX = "Appendix"


def _sections(doc: dict[str, Any], plan: Plan) -> list[Table]:
    """The first page's tables, then (after a heading-only APPENDIX entry) the appendix's."""
    return [*tables(doc, plan), (APPENDIX, [], []), *appendix(doc, plan)]


def markdown(doc: dict[str, Any], plan: Plan) -> str:
    def cell(v: str) -> str:
        return str(v).replace("|", "\\|").replace("\n", " ")

    out = [f"# Go-live certificate: {doc['verdict']}", ""]
    out += [f"- **{k}:** {cell(v)}" for k, v in [*_head(doc), *_coverage(doc, plan)]]
    for title, header, rows in _sections(doc, plan):
        if title == APPENDIX:
            out += ["", "---", "", f"# {APPENDIX}"]
            continue
        out += ["", f"## {title}", ""]
        if not rows:
            out.append("none")
            continue
        out += ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
        out += ["| " + " | ".join(cell(v) for v in r) + " |" for r in rows]
    return "\n".join(out) + "\n"


_CSS = (
    "body{font:12px sans-serif;margin:1.5em}table{border-collapse:collapse;margin-bottom:1em}"
    "td,th{border:1px solid #bbb;padding:2px 6px;text-align:left;vertical-align:top}"
    ".GO{color:#186a1c}.CONDITIONAL{color:#a06000}.NO-GO{color:#b00020}"
    "td.sha{font-family:monospace;font-size:10px}"
    "h1.appendix{page-break-before:always;break-before:page}"
)


def html_page(doc: dict[str, Any], plan: Plan) -> str:
    e = html.escape
    v = doc["verdict"]
    out = [
        f"<!doctype html><html><head><meta charset='utf-8'><title>golive certificate {e(v)}"
        f"</title><style>{_CSS}</style></head><body>",
        f"<h1>Go-live certificate: <span class='{e(v)}'>{e(v)}</span></h1><table>",
    ]
    head = [*_head(doc), *_coverage(doc, plan)]
    out += [f"<tr><th>{e(k)}</th><td>{e(str(val))}</td></tr>" for k, val in head]
    out.append("</table>")
    for title, header, rows in _sections(doc, plan):
        if title == APPENDIX:
            out.append(f"<h1 class='appendix'>{e(APPENDIX)}</h1>")
            continue
        out.append(f"<h2>{e(title)}</h2>")
        if not rows:
            out.append("<p>none</p>")
            continue
        out.append("<table><tr>" + "".join(f"<th>{e(h)}</th>" for h in header) + "</tr>")
        sha = header[-1] == "sha256"
        for r in rows:
            tds = [f"<td>{e(str(x))}</td>" for x in r]
            if sha:
                tds[-1] = f"<td class='sha'>{e(str(r[-1]))}</td>"
            out.append("<tr>" + "".join(tds) + "</tr>")
        out.append("</table>")
    out.append("</body></html>")
    return "\n".join(out) + "\n"
