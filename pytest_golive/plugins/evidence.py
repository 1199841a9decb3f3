"""Evidence and Allure: default output paths, plan/severity labels, the ``evidence`` fixture."""

from __future__ import annotations

import json
import os
from collections.abc import Generator
from pathlib import Path

import allure
import pytest

from golive.gate.plan import load_plan
from golive.report.allure_meta import CHECK_LABEL, git_commit, write_static
from golive.report.evidence import Evidence, EvidenceRecord
from golive.report.files import WriteError, shown
from golive.report.output import Layout
from golive.report.redact import Redactor
from pytest_golive.plugins.gate import LAYOUT, META, PROBLEMS, reports_dir
from pytest_golive.plugins.keys import ENVIRONMENT, check_id

REDACTOR = pytest.StashKey[Redactor]()


@pytest.hookimpl(tryfirst=True)
def pytest_configure(config: pytest.Config) -> None:
    """Default --alluredir to reports/allure-results (cleaned), --junitxml to reports/junit.xml."""
    if config.option.collectonly:
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
        "commit": git_commit(config.rootpath),
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
    redactor = item.config.stash.get(REDACTOR, None)
    if redactor is None:
        redactor = item.config.stash[REDACTOR] = Redactor(
            item.config.stash[ENVIRONMENT].secret_values()
        )
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


@pytest.fixture
def evidence(request: pytest.FixtureRequest, redactor: Redactor) -> Evidence:
    """Attach redacted evidence to the current check; each is recorded with its sha256."""
    node = request.node

    def record(rec: EvidenceRecord) -> None:
        node.user_properties.append(
            ("evidence", json.dumps({"name": rec.name, "mime": rec.mime, "sha256": rec.sha256}))
        )

    def attach(data: bytes, name: str, mime: str, extension: str) -> None:
        try:
            allure.attach(data, name=name, attachment_type=mime, extension=extension)
        except OSError as exc:  # not the check's failure: the gate finds the attachment missing
            _unwritten(request.config, exc)

    return Evidence(redactor, record, attach)
