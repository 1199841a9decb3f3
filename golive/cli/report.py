"""``golive report | certificate | bundle | plan-coverage``: reading a run's results."""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from golive.gate.coverage import coverage, render
from golive.gate.plan import load_plan
from golive.model.environment import load_environment
from golive.model.errors import UsageError
from golive.model.resources import resource
from golive.probe.ansible import list_inventory
from golive.report import bundle
from golive.report.allure_meta import scope_key, write_verdict
from golive.report.files import WriteError, write_atomic, writing
from golive.report.hashing import sha256_file
from golive.report.output import (
    CERTIFICATES,
    SINGLE_FILE_REPORT,
    VERDICT,
    read_verdict,
    write_certificate,
)

REPO = Path(__file__).resolve().parents[2]
"""A checkout's root: where scripts/install-allure.sh installs the Allure CLI (a tool, not
golive's data)."""
ALLURE_TIMEOUT = 300.0
ALLURE_BINS = (REPO / "tools/allure/node_modules/.bin/allure", REPO / "node_modules/.bin/allure")
_TRACKING = re.compile(
    r"<script[^>]*googletagmanager[^>]*>\s*</script>|<script>[^<]*gtag\([^<]*</script>"
)


def _reports(args: argparse.Namespace) -> Path:
    return Path(args.reports).resolve()


def _allure() -> Path:
    for path in ALLURE_BINS:
        if path.is_file():
            return path
    if found := shutil.which("allure"):  # golive installed from its wheel: the CLI on PATH
        return Path(found)
    raise UsageError(
        "the Allure CLI is not installed: run scripts/install-allure.sh (make setup), "
        "or put `allure` on PATH"
    )


def _generate(allure: Path, results: Path, out: Path, *extra: str) -> None:
    env = {**os.environ, "ALLURE_NO_ANALYTICS": "1"}
    cmd = [str(allure), "generate", "--clean", *extra, "-o", str(out), str(results)]
    try:
        run = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=ALLURE_TIMEOUT)
    except subprocess.TimeoutExpired:
        raise UsageError(f"allure generate did not finish within {ALLURE_TIMEOUT:g} s") from None
    if run.returncode != 0:
        raise UsageError(f"allure generate failed: {(run.stderr or run.stdout).strip()[-500:]}")
    for page in out.glob("*.html"):
        text = page.read_text(encoding="utf-8")
        cleaned = _TRACKING.sub("", text)
        if cleaned != text:
            write_atomic(page, cleaned)


def _verdict(args: argparse.Namespace, what: str) -> dict[str, Any]:
    """verdict.json of a completed run, of the environment ``--env`` names when given (its
    inventory's name is the verdict's); refused in one line otherwise (exit 4)."""
    env = getattr(args, "env", None)
    name = None
    if env:
        name = load_environment(env, secrets=False, ansible=list_inventory).inventory.name
    return read_verdict(_reports(args), what, name)


def cmd_report(args: argparse.Namespace) -> int:
    """Allure HTML (folder and single file) that shows the verdict (its own result, whose
    steps are the blockers; the environment and executor widgets), its trend carried over
    per scope (environment and markers): reports/history/<scope>/."""
    root = _reports(args)
    results = root / "allure-results"
    if not any(results.glob("*-result.json")):
        raise UsageError(f"no Allure results in {results}: run the checks first")
    # a run that did not complete, or a file that is not a golive verdict, has nothing to
    # report: its results may be an earlier run's, and its point never joins the trend
    doc = _verdict(args, "report")
    allure = _allure()
    _verdict_into_allure(root, doc)
    history = root / "history" / scope_key(doc)
    if history.is_dir():
        with writing(results / "history"):
            shutil.rmtree(results / "history", ignore_errors=True)
            shutil.copytree(history, results / "history")
    html = root / "html"
    try:  # generated aside, in the reports directory, then given its name
        folder = Path(tempfile.mkdtemp(prefix=".html.", dir=root))
        folder.chmod(0o755)  # as the report's folder always was (mkdtemp's is 0700)
    except OSError as exc:
        raise WriteError.of(html, exc) from None
    try:
        with tempfile.TemporaryDirectory() as tmp, ThreadPoolExecutor(2) as pool:
            # the folder and the single file side by side: each a JVM mostly waiting on itself
            done = [
                pool.submit(_generate, allure, results, folder),
                pool.submit(_generate, allure, results, Path(tmp), "--single-file"),
            ]
            for future in done:
                future.result()
            write_atomic(root / SINGLE_FILE_REPORT, (Path(tmp) / "index.html").read_bytes())
        earlier = root / f".html.earlier.{os.getpid()}"
        try:  # the earlier report stays whole until the new one can take its name
            if html.exists():
                html.rename(earlier)
            folder.rename(html)
        except OSError as exc:
            raise WriteError.of(html, exc) from None
        finally:
            shutil.rmtree(earlier, ignore_errors=True)
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    if (html / "history").is_dir():
        with writing(history):
            shutil.rmtree(history, ignore_errors=True)
            shutil.copytree(html / "history", history)
    print(f"report of a {doc.get('verdict')} verdict (trend kept in {history})")
    # the single file first: it opens from disk; the folder needs a web server (`allure open`)
    print(f"report: {root / SINGLE_FILE_REPORT} (one file, opens from disk)")
    print(f"report folder: {root / 'html' / 'index.html'} (for a web server: allure open)")
    return 0


def _verdict_into_allure(root: Path, doc: dict[str, Any]) -> None:
    """The verdict as it now stands (``golive certify`` amends it with the plan) into the
    run's Allure results: its result, attaching verdict.json and the certificate, and the
    plan items' results (:func:`golive.report.allure_meta.write_verdict`)."""
    results = root / "allure-results"
    if any(results.glob("*-result.json")):
        write_verdict(results, doc, [root / name for name in (VERDICT, *CERTIFICATES)])


def cmd_certificate(args: argparse.Namespace) -> int:
    doc = _verdict(args, "certify")
    md, page = write_certificate(_reports(args), doc)
    _verdict_into_allure(_reports(args), doc)
    print(f"certificate: {md}\ncertificate: {page}")
    return 0


def bundle_name(doc: dict[str, Any], root: Path) -> str:
    """``golive-bundle-<env>-<release>-<UTC start of the run>-<verdict>.tar.gz``: each run's
    bundle its own (a NO-GO never overwrites the GO), the same run's bundled again the same.
    A verdict without its start (written by hand) is named by verdict.json's time."""
    scope = doc["scope"]
    timings = doc.get("timings")
    started = timings.get("started") if isinstance(timings, dict) else None
    try:
        when = datetime.fromisoformat(str(started)).astimezone(UTC)
    except ValueError:
        when = datetime.fromtimestamp((root / VERDICT).stat().st_mtime, UTC)
    stamp = when.strftime("%Y%m%dT%H%M%SZ")
    return f"golive-bundle-{scope['env']}-{scope['release']}-{stamp}-{doc['verdict']}.tar.gz"


def cmd_bundle(args: argparse.Namespace) -> int:
    """Write the bundle, or with --verify check one: every problem on stderr, then one line,
    TAMPERED with the first reason (exit 1), or intact with the verdict parsed from the bytes
    that were verified."""
    if args.verify:
        if args.sign:
            raise UsageError("--sign KEY writes a bundle; --verify FILE checks one: not both")
        allowed = Path(args.allowed_signers) if args.allowed_signers else None
        found = bundle.verify(Path(args.verify), allowed)
        for p in found.problems:
            print(p, file=sys.stderr)
        print(found.summary(Path(args.verify)))
        return 0 if found.ok else 1
    if args.allowed_signers:
        raise UsageError("--allowed-signers goes with --verify FILE")
    root = _reports(args)
    doc = _verdict(args, "bundle")
    out = root / bundle_name(doc, root)
    key = Path(args.sign) if args.sign else None
    path, count = bundle.create(root, out, key)
    signed = f"signed with {key} (namespace {bundle.NAMESPACE})" if key else "unsigned"
    print(f"bundle: {path} ({count} files, {signed})\nsha256: {sha256_file(path)}")
    if not (root / SINGLE_FILE_REPORT).is_file():
        print(f"bundle: it holds no {SINGLE_FILE_REPORT} of this run: run golive report first")
    return 0


def cmd_plan_coverage(args: argparse.Namespace) -> int:
    """Collect every check (no check runs) and list each plan item with its checks."""
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "coverage.json"
        cmd = [sys.executable, "-m", "pytest", "--collect-only", "-q", "-p", "no:cacheprovider",
               "--golive-plan-coverage", str(out), *(["--env", args.env] if args.env else []),
               *args.paths]  # fmt: skip
        run = subprocess.run(cmd, capture_output=True, text=True)
        if not out.is_file():
            raise UsageError(f"collection failed: {(run.stderr or run.stdout).strip()[-800:]}")
        checks: dict[str, list[str]] = json.loads(out.read_text(encoding="utf-8"))
    plan = load_plan()
    print(render(plan, coverage(plan, checks.items()), [c for c, p in checks.items() if not p]))
    return 0


def add_commands(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Register the report commands on the ``golive`` parser."""
    reports = argparse.ArgumentParser(add_help=False)
    reports.add_argument(
        "--reports", default="reports", help="reports directory (default: reports)"
    )
    reports.add_argument(
        "--env",
        help="environment the run must be of: a verdict of another one is refused "
        "(default: the run's, as verdict.json says)",
    )
    p = sub.add_parser("report", parents=[reports], help="generate the Allure HTML report")
    p.set_defaults(func=cmd_report)
    p = sub.add_parser("certificate", parents=[reports], help="write the certificate (md, html)")
    p.set_defaults(func=cmd_certificate)
    p = sub.add_parser("bundle", parents=[reports], help="bundle results, verdict, certificate")
    p.add_argument("--sign", metavar="KEY", help="sign the manifest with this SSH key")
    p.add_argument(
        "--verify", metavar="FILE", help="check a bundle: its signature, then its manifest"
    )
    p.add_argument(
        "--allowed-signers",
        metavar="FILE",
        help="with --verify: ssh-keygen allowed-signers file the signer must be in",
    )
    p.set_defaults(func=cmd_bundle)
    p = sub.add_parser("plan-coverage", help="list plan items with the checks covering them")
    p.add_argument("--env", help="environment to collect against (default: $GOLIVE_ENV or sandbox)")
    p.add_argument(
        "paths",
        nargs="*",
        default=[str(resource("pytest_golive.suites"))],
        help="paths to collect (default: every suite, suites)",
    )
    p.set_defaults(func=cmd_plan_coverage)
