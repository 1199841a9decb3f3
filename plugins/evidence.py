"""Evidence and Allure: default output paths, plan/severity labels, the ``evidence`` fixture,
and what every check saw (golive/probe/observe.py) attached to it, passing or failing.

Each check's setup and call are watched: every remote command, HTTP exchange and SQL query the
probes make meanwhile is recorded, and attached at the check's end as one text attachment
("what golive saw"), redacted like all evidence. A fixture set up once for many checks (a
session's scans, a module's facts) keeps what it saw, and each later check that uses it gets
that too: it judged those facts.
"""

from __future__ import annotations

import json
import os
from collections.abc import Generator
from pathlib import Path

import allure
import pytest

from golive.gate.plan import load_plan
from golive.probe import observe
from golive.report.allure_meta import CHECK_LABEL, git_commit, write_static
from golive.report.evidence import Evidence, EvidenceRecord
from golive.report.files import WriteError, shown
from golive.report.hashing import sha256_file
from golive.report.output import Layout
from golive.report.redact import Redactor
from pytest_golive.plugins.keys import ENVIRONMENT, LAYOUT, META, PROBLEMS, check_id
from pytest_golive.plugins.runlock import NO_RUN, reports_dir

REDACTOR = pytest.StashKey[Redactor]()
SEEN = pytest.StashKey[observe.Frame]()
"""What a check saw during its setup."""
SHARED = pytest.StashKey[dict[tuple[int, object], tuple[str, observe.Frame]]]()
"""(fixture definition, cache key) -> (the check that set it up, what it saw): for the
fixtures set up once for several checks."""
SET_UP_HERE = pytest.StashKey[set[tuple[int, object]]]()
SEEN_NAME = "golive saw: commands, requests, queries"
"""The name of the attachment holding what a check saw."""
CURRENT = pytest.StashKey[pytest.Item]()
"""The check being set up (a shared fixture's records are kept as set up during it)."""


@pytest.hookimpl(tryfirst=True)
def pytest_configure(config: pytest.Config) -> None:
    """Default --alluredir to reports/allure-results (cleaned), --junitxml to reports/junit.xml.
    A run of no check (--help, --markers, --fixtures, --collect-only...) touches neither: it
    holds no lock on reports/, and cleaning would wipe another run's results."""
    if any(getattr(config.option, o, False) for o in NO_RUN):
        return
    # allure-pytest's fixture containers on a full disk: _unwritten says it once, in one line
    config.addinivalue_line(
        "filterwarnings",
        r"ignore:(?s)A plugin raised.*allure_listener.*OSError:pluggy.PluggyTeardownRaisedWarning",
    )
    root = reports_dir(config)
    worker = hasattr(config, "workerinput")
    if getattr(config.option, "allure_report_dir", "unset") is None:
        config.option.allure_report_dir = str(root / "allure-results")
        config.option.clean_alluredir = not worker
    junit_tmp = None
    if getattr(config.option, "xmlpath", "unset") is None and not worker:
        # golive's own JUnit XML: pytest writes it aside, the gate renames it once whole
        junit_tmp = root / f".junit.xml.{os.getpid()}.tmp"
        config.option.xmlpath = str(junit_tmp)
    allure = getattr(config.option, "allure_report_dir", None)
    junit = root / "junit.xml" if junit_tmp else getattr(config.option, "xmlpath", None)
    config.stash[LAYOUT] = Layout(
        root,
        Path(allure).resolve() if allure else root / "allure-results",
        Path(junit).resolve() if junit else None,
        junit_tmp,
    )
    root.mkdir(parents=True, exist_ok=True)
    observe.install()


def pytest_sessionstart(session: pytest.Session) -> None:
    """environment.properties, executor.json and categories.json into the Allure results."""
    config = session.config
    if hasattr(config, "workerinput") or LAYOUT not in config.stash:
        return
    if not getattr(config.option, "allure_report_dir", None):
        return
    env = config.stash[ENVIRONMENT]
    inv = env.inventory
    props = {
        "env": inv.name,
        "release": inv.release.version,
        "previous": inv.release.previous or "",
        # golive's own checkout, not the application's build (the verdict adds that one)
        "golive_commit": git_commit(config.rootpath),
        "hosts": ", ".join(f"{n} ({h.address}: {'/'.join(h.roles)})" for n, h in inv.hosts.items()),
        "markers": config.getoption("markexpr") or "(all)",
    }
    try:
        write_static(config.stash[LAYOUT].allure, props, os.environ)
    except WriteError as exc:
        config.stash.setdefault(PROBLEMS, []).append(str(exc))


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Allure labels: severity, epic/feature/story from the plan item, and the check id."""
    if not config.pluginmanager.has_plugin("allure_pytest"):
        return
    plan = load_plan()
    label = pytest.mark.allure_label
    for item in items:
        meta = item.stash.get(META, None)
        if meta is None:
            continue
        item.add_marker(label(meta.severity, label_type="severity"))
        item.add_marker(label(check_id(item.nodeid), label_type=CHECK_LABEL))
        for pid in meta.plan:
            p = plan[pid]
            item.add_marker(label(p.part, label_type="epic"))
            item.add_marker(label(p.section, label_type="feature"))
            item.add_marker(label(f"{pid}: {p.title}", label_type="story"))


@pytest.fixture(scope="session")
def redactor(pytestconfig: pytest.Config) -> Redactor:
    """Masks the environment's secret values and known secret patterns."""
    return Redactor(pytestconfig.stash[ENVIRONMENT].secret_values())


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    """Mask secrets in what pytest itself prints and writes (failure text, captured output),
    so they reach neither the terminal, CI logs nor JUnit XML."""
    report = yield
    redactor = _redactor(item.config)
    if isinstance(report.longrepr, tuple):
        path, line, reason = report.longrepr
        report.longrepr = (path, line, redactor.text(reason))
    elif report.longrepr is not None:
        text = str(report.longrepr)
        if redactor.text(text) != text:
            report.longrepr = redactor.text(text)
    report.sections = [(title, redactor.text(body)) for title, body in report.sections]
    return report


def _unwritten(config: pytest.Config, exc: OSError) -> None:
    """An Allure file could not be written (a full disk): the run goes on, and says so once.
    The gate finds every missing result and attachment itself, under xdist too."""
    problems = config.stash.setdefault(PROBLEMS, [])
    if not any(p.startswith("cannot write Allure") for p in problems):
        where = shown(config.stash[LAYOUT].allure)
        problems.append(f"cannot write Allure evidence in {where}/: {exc.strerror or exc}")


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_protocol(
    item: pytest.Item, nextitem: pytest.Item | None
) -> Generator[None, object, object]:
    """allure-pytest writes a check's result at its end (``pytest_runtest_logfinish``): a write
    that fails is no crash."""
    try:
        return (yield)
    except OSError as exc:
        _unwritten(item.config, exc)
        return True


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_fixture_post_finalizer(
    fixturedef: pytest.FixtureDef[object], request: pytest.FixtureRequest
) -> Generator[None, None, None]:
    """allure-pytest writes a fixture's container here: a write that fails is no crash."""
    try:
        yield
    except OSError as exc:
        _unwritten(request.config, exc)


def _redactor(config: pytest.Config) -> Redactor:
    redactor = config.stash.get(REDACTOR, None)
    if redactor is None:
        redactor = config.stash[REDACTOR] = Redactor(config.stash[ENVIRONMENT].secret_values())
    return redactor


def _evidence(node: pytest.Item, redactor: Redactor) -> Evidence:
    """An evidence attacher for check ``node``."""

    def record(rec: EvidenceRecord) -> None:
        node.user_properties.append(
            ("evidence", json.dumps({"name": rec.name, "mime": rec.mime, "sha256": rec.sha256}))
        )

    def attach(data: bytes, name: str, mime: str, extension: str) -> None:
        try:
            allure.attach(data, name=name, attachment_type=mime, extension=extension)
        except OSError as exc:  # not the check's failure: the gate finds the attachment missing
            _unwritten(node.config, exc)

    return Evidence(redactor, record, attach)


@pytest.fixture
def evidence(request: pytest.FixtureRequest, redactor: Redactor) -> Evidence:
    """Attach redacted evidence to the current check; each is recorded with its sha256."""
    return _evidence(request.node, redactor)


def _watching(config: pytest.Config) -> bool:
    return ENVIRONMENT in config.stash and not config.option.collectonly


@pytest.hookimpl(wrapper=True)
def pytest_fixture_setup(
    fixturedef: pytest.FixtureDef[object], request: pytest.FixtureRequest
) -> Generator[None, object, object]:
    """What a fixture shared by several checks saw while it was set up, kept for each of them."""
    if fixturedef.scope == "function" or not _watching(request.config):
        return (yield)
    with observe.watching() as frame:
        try:
            return (yield)
        finally:
            cached = fixturedef.cached_result
            if frame and cached is not None:
                key = (id(fixturedef), cached[1])
                item = request.config.stash.get(CURRENT, None)
                shared = request.config.stash.setdefault(SHARED, {})
                shared[key] = (item.nodeid if item else request.node.nodeid, frame)
                if item is not None:
                    item.stash.setdefault(SET_UP_HERE, set()).add(key)


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_setup(item: pytest.Item) -> Generator[None, None, None]:
    """Watch the check's setup (its fixtures' commands, requests and queries)."""
    if not _watching(item.config):
        return (yield)
    item.config.stash[CURRENT] = item
    with observe.watching() as frame:
        try:
            return (yield)
        except BaseException:
            _attach_seen(item, frame, None)  # the call never runs: what setup saw is all
            raise
        finally:
            item.stash[SEEN] = frame


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_call(item: pytest.Item) -> Generator[None, None, None]:
    """Watch the check itself, and attach everything it saw at its end, pass or fail."""
    if not _watching(item.config):
        return (yield)
    with observe.watching() as frame:
        try:
            return (yield)
        finally:
            _attach_seen(item, item.stash.get(SEEN, None), frame)


def _shared(item: pytest.Item) -> list[tuple[str, str, observe.Frame]]:
    """(fixture, the check that set it up, what it saw) of the shared fixtures ``item`` uses
    that were set up before it."""
    shared = item.config.stash.get(SHARED, {})
    here = item.stash.get(SET_UP_HERE, set())
    info = getattr(item, "_fixtureinfo", None)
    out = []
    for name in getattr(item, "fixturenames", ()):
        defs = info.name2fixturedefs.get(name) if info is not None else None
        if not defs:
            continue
        cached = defs[-1].cached_result
        key = (id(defs[-1]), cached[1]) if cached is not None else None
        if key is not None and key in shared and key not in here:
            where, frame = shared[key]
            out.append((name, check_id(where), frame))
    return out


def _attach_configuration(item: pytest.Item) -> None:
    """A check that reached no host, service or database judged the environment's files
    only: which ones (with their sha256) and its parameters are its evidence."""
    env = item.config.stash[ENVIRONMENT]
    files = [env.path / name for name in ("inventory.yml", "expectations.yml")]
    if env.inventory.secrets_file is not None:
        files.append(env.inventory.secrets_file)  # its digest only: never its content
    lines = [
        "This check ran no remote command, HTTP request or SQL query: it judged the "
        "environment's configuration, as read from these files:",
        *(f"  {sha256_file(f)}  {f}" for f in files if f.is_file()),
    ]
    params = getattr(getattr(item, "callspec", None), "params", {})
    lines += [f"parameter {k} = {v}" for k, v in params.items()]
    _evidence(item, _redactor(item.config)).text("golive saw: configuration only", "\n".join(lines))


def _attach_seen(
    item: pytest.Item, setup: observe.Frame | None, call: observe.Frame | None
) -> None:
    """One attachment: what the check saw, its setup's, its own, and its shared fixtures'."""
    parts: list[tuple[str, observe.Frame]] = []
    for name, where, frame in _shared(item):
        parts.append((f"fixture `{name}` (set up once, during {where})", frame))
    if setup:
        parts.append(("setup", setup))
    if call:
        parts.append(("the check", call))
    if not parts:
        if not any(key == "evidence" for key, _ in item.user_properties):
            _attach_configuration(item)
        return
    total = observe.Frame()
    for _, frame in parts:
        for kind, n in frame.counts.items():
            total.counts[kind] = total.counts.get(kind, 0) + n
    body = f"golive saw: {total.summary()}\n\n" + "\n\n".join(
        f"===== seen by {title}: {frame.summary()} =====\n\n{frame.text()}"
        for title, frame in parts
    )
    # one name whatever the counts (Testinfra asks a host `command -v` once per process: a
    # run under xdist counts differently), so a check's evidence is named alike in every run
    _evidence(item, _redactor(item.config)).text(SEEN_NAME, body)
