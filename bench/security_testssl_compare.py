"""Side by side, for each TLS fault of the catalog: what testssl.sh rates as a problem on the
broken endpoint (the TLS endpoint of the fault's host: HTTPS on lb1, PostgreSQL's STARTTLS on
db1), and what golive's tls checks report. Writes docs/tls-comparison.md.

Runs against the sandbox the environment variables name (GOLIVE_SANDBOX_DIR, GOLIVE_NETNS),
which must be up; testssl.sh runs inside that namespace, against sandbox addresses only.

Run: .venv/bin/python bench/security_testssl_compare.py [--quick]
(``--quick``: the healthy sandbox only, lb1's endpoint only, printed, docs left alone: testssl.sh
must report on it and golive's tls checks must be GO, or the benchmark fails.)
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

from scope_run import expect, run_scope

from golive.model.environment import Environment, load_environment
from golive.model.expectations.security import TlsPolicy
from golive.sandbox import faults

REPO = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
PROBLEMS = ("LOW", "MEDIUM", "HIGH", "CRITICAL")
OUT = REPO / "docs" / "tls-comparison.md"
SUMMARY = """## Reading it

Every problem testssl.sh raises for a fault has a golive finding that names the same cause:
protocols (TLS1, TLS1_1) → `test_protocol_versions`, one line per version; CBC suites
(BEAST, LUCKY13) → `test_cipher_suites`, one line per suite and version; chain of trust →
`test_certificate_chain`, which says why (expired, not yet valid, an issuer the CA bundle does
not hold); expiry → `test_certificate_expiry`; the validity period (`cert_validityPeriod`, on
PostgreSQL's STARTTLS endpoint) → `test_certificate_lifespan`; RFC 2409's 1024-bit DH group
(LOGJAM) → `test_key_exchange`, from the group each DHE suite really negotiated; name mismatch
→ `test_certificate_hostname`, and only it (the chain check does not judge the name). golive
goes further where testssl.sh raises nothing: a secp521r1 certificate key and the X448 and
secp521r1 key-exchange curves (none in Mozilla's intermediate profile); and its expiry margin
is the environment's policy (testssl.sh has fixed thresholds). One testssl.sh finding stands
on the healthy sandbox too and golive does not judge it: `cert_revocation` (no CRL or OCSP
URI), expected of the sandbox's private CA; golive requires OCSP stapling where a certificate
names a responder.
"""


def testssl(address: str, port: int, name: str, ca: Path, starttls: str | None) -> list[str]:
    """testssl.sh's findings rated LOW or worse, as "id (SEVERITY): finding"."""
    extra = ["--starttls", starttls] if starttls else ["-h"]
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp, "testssl.json")
        subprocess.run(
            [
                "ip",
                "netns",
                "exec",
                os.environ.get("GOLIVE_NETNS", "golive-sbx"),
                "testssl",
                "--quiet",
                "--color",
                "0",
                "--warnings",
                "off",
                "--nodns",
                "none",
                "--ip",
                address,
                "--add-ca",
                str(ca),
                "-p",
                "-e",
                "-S",
                *extra,
                "-U",
                "--jsonfile",
                str(out),
                f"{name}:{port}",
            ],
            capture_output=True,
            text=True,
            check=False,
            timeout=600,
        )
        if not out.exists():  # testssl.sh fails open: no report is no finding, not none
            raise SystemExit(f"testssl.sh wrote no report on {name}:{port} ({address})")
        rows = json.loads(out.read_text())
    return sorted(
        f"{r['id']} ({r['severity']}): {r['finding']}" for r in rows if r["severity"] in PROBLEMS
    )


def golive_findings(marker: str, healthy: bool = False) -> list[str]:
    """Failure lines of golive's checks, from the verdict of a `pytest -m MARKER` run (GO
    when ``healthy``, or the benchmark fails)."""
    with tempfile.TemporaryDirectory() as reports:
        run = run_scope(marker, reports)
        if healthy:
            expect(f"pytest -m {marker} on the healthy sandbox", run.verdict, "GO")
        verdict = json.loads(Path(reports, "verdict.json").read_text())
    return sorted(
        f"{c['id'].split('::')[-1]}: {line}"
        for c in verdict.get("checks", [])
        if c.get("outcome") in ("failed", "error")
        for line in c.get("message", "").removeprefix("Failed: ").splitlines()
    )


def golive(*args: str) -> None:
    subprocess.run([str(BIN / "golive"), *args], check=True, capture_output=True, timeout=300)


def quick(tls: TlsPolicy, env: Environment) -> None:
    """The healthy sandbox, lb1's HTTPS endpoint: both tools report, golive's verdict GO."""
    lb = next(e for e in tls.endpoints if e.http)
    address = str(env.inventory.hosts[lb.host].address)
    theirs = testssl(address, lb.port, lb.server_name, tls.ca_bundle, lb.starttls)
    ours = golive_findings("tls", healthy=True)
    print(f"healthy {lb.host}:{lb.port}: testssl.sh {theirs or ['(none)']}; golive {ours}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="healthy lb1 only, printed")
    args = parser.parse_args()
    env = load_environment("sandbox", secrets=False)
    tls = env.expectation(TlsPolicy)
    if args.quick:
        quick(tls, env)
        return
    lb = next(e for e in tls.endpoints if e.http)
    sections = [
        "# TLS faults: testssl.sh vs golive\n",
        "Generated by `bench/security_testssl_compare.py` against each fault's TLS endpoint in "
        "the sandbox (the healthy run: every endpoint). testssl.sh column: every finding it "
        f"rates {', '.join(PROBLEMS)}; golive column: every failure line of `pytest -m tls`.\n",
        SUMMARY,
    ]
    catalog = faults.catalog()
    names = ["(healthy)", *sorted(n for n, f in catalog.items() if f.caught_by == ["tls"])]
    for name in names:
        host = catalog[name].host if name in catalog else None
        endpoints = [e for e in tls.endpoints if e.host == host] or (
            list(tls.endpoints) if host is None else [lb]
        )
        if name != "(healthy)":
            golive("sandbox", "fault", name)
        try:
            theirs = [
                f"{e.host}:{e.port} {t}" if len(endpoints) > 1 else t
                for e in endpoints
                for t in testssl(
                    str(env.inventory.hosts[e.host].address),
                    e.port,
                    e.server_name,
                    tls.ca_bundle,
                    e.starttls,
                )
            ]
            ours = golive_findings("tls", healthy=name == "(healthy)")
        finally:
            if name != "(healthy)":
                golive("sandbox", "heal", name)
        where = ", ".join(f"{e.host}:{e.port}" for e in endpoints)
        sections.append(f"## {name} ({where})\n")
        sections.append("testssl.sh:\n\n" + "".join(f"- {t}\n" for t in theirs or ["(none)"]))
        sections.append("golive:\n\n" + "".join(f"- {o}\n" for o in ours or ["(none)"]))
        print(name, len(theirs), len(ours), flush=True)
    OUT.parent.mkdir(exist_ok=True)
    OUT.write_text("\n".join(sections))


if __name__ == "__main__":
    main()
