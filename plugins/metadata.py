"""Each check's metadata, read from its markers once, at collection, by the rule of
golive/gate/metadata.py; the selected checks and their metadata, also under pytest-xdist.

Under xdist the controller collects nothing: it learns the selected checks from the workers'
collections (``pytest_xdist_node_collection_finished``) and their metadata from one structured
record per check that each worker sends when it finishes (``workeroutput``)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from golive.gate.metadata import CheckMeta, resolve
from golive.model.errors import GoliveError
from golive.report.files import write_atomic
from pytest_golive.plugins.keys import ENVIRONMENT, META, check_id

WORKER_CHECKS = "golive_checks"
"""workeroutput key: {check id: CheckMeta.record()} of the worker's selected checks."""
SELECTION = pytest.StashKey["Selection"]()


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.getgroup("golive").addoption(
        "--golive-plan-coverage",
        dest="golive_plan_coverage",
        default=None,
        metavar="FILE",
        help="write {check: [plan items]} of the collected checks to FILE (JSON)",
    )


def pytest_configure(config: pytest.Config) -> None:
    config.stash[SELECTION] = selection = Selection(config)
    config.pluginmanager.register(selection, "golive-metadata")


def _closest(item: pytest.Item, name: str) -> list[pytest.Mark] | None:
    """The ``name`` marks of the closest node having any (function, class, module), or None.
    Two on one node is a usage error: one marker says it (``plan(a, b)``)."""
    found: list[pytest.Mark] = []
    owner = None
    for node, mark in item.iter_markers_with_node(name):
        if owner is not None and node is not owner:
            break
        owner = node
        found.append(mark)
    if len(found) > 1:
        where = owner.name if owner is not None else "?"
        raise pytest.UsageError(
            f"golive: {item.nodeid}: {len(found)} {name} markers on {where}; give one "
            f"({name}(a, b) for several plan items)"
        )
    return found or None


def _meta(item: pytest.Item) -> CheckMeta:
    """The check's metadata from its markers (golive/gate/metadata.py has the rule)."""
    severity = _closest(item, "severity")
    plan = _closest(item, "plan")
    level = None
    if severity is not None:
        mark = severity[0]
        level = mark.args[0] if mark.args else mark.kwargs.get("level")
    try:
        return resolve(
            item.nodeid,
            {m.name for m in item.iter_markers()},
            level,
            tuple(plan[0].args) if plan is not None else None,
            _host(item),
        )
    except GoliveError as exc:
        raise pytest.UsageError(f"golive: {exc}") from None


def _host(item: pytest.Item) -> str | None:
    """The inventory host a check is about: its ``target`` parameter, or a parameter naming
    an endpoint of one (``lb1:443``)."""
    callspec = getattr(item, "callspec", None)
    if callspec is None:
        return None
    hosts = item.config.stash[ENVIRONMENT].inventory.hosts
    values = [callspec.params.get("target"), *callspec.params.values()]
    for value in values:
        if isinstance(value, str) and value.split(":", 1)[0] in hosts:
            return value.split(":", 1)[0]
    return None


def about(item: pytest.Item) -> str | None:
    """The inventory host a check is about: its metadata's, or, for a check through the
    public URL (the ``api`` fixture), the host the URL leads to (the balancer)."""
    meta = item.stash.get(META, None)
    if meta is not None and meta.host:
        return meta.host
    host = getattr(getattr(item, "funcargs", {}).get("api"), "host", None)
    return host if isinstance(host, str) else None


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Resolve every collected check's metadata once; a marker the rule refuses is a usage
    error. Severity, plan items and host also go to JUnit XML as properties, for CI readers
    (the gate itself never reads them back)."""
    for item in items:
        meta = _meta(item)
        item.stash[META] = meta
        item.user_properties.append(("severity", meta.severity))
        item.user_properties.extend(("plan", pid) for pid in meta.plan)
        if meta.host:
            item.user_properties.append(("host", meta.host))


class Selection:
    """The selected checks, in collection order, and their metadata (also from xdist
    workers)."""

    def __init__(self, config: pytest.Config) -> None:
        self.config = config
        self.selected: list[str] = []
        self.meta: dict[str, CheckMeta] = {}
        self.coverage_written = False

    def pytest_collection_finish(self, session: pytest.Session) -> None:
        items = [i for i in session.items if META in i.stash]
        if hasattr(self.config, "workerinput"):
            # an xdist worker: its checks' metadata, as one record per check, for the controller
            self.config.workeroutput[WORKER_CHECKS] = {  # type: ignore[attr-defined]
                check_id(i.nodeid): i.stash[META].record() for i in items
            }
            return
        if items or not self.config.pluginmanager.has_plugin("dsession"):
            self.selected = [check_id(i.nodeid) for i in items]
            self.meta = {check_id(i.nodeid): i.stash[META] for i in items}
            self._write_coverage()

    @pytest.hookimpl(optionalhook=True)
    def pytest_xdist_node_collection_finished(self, node: object, ids: list[str]) -> None:
        """xdist controller: the selected checks (every worker collects the same)."""
        if not self.selected:
            self.selected = [check_id(nid) for nid in ids]

    @pytest.hookimpl(optionalhook=True)
    def pytest_testnodedown(self, node: object, error: object) -> None:
        """xdist controller: the metadata records of a worker that finished."""
        output = getattr(node, "workeroutput", None) or {}
        for nid, record in output.get(WORKER_CHECKS, {}).items():
            self.meta.setdefault(nid, CheckMeta.from_record(record))
        if self.meta:
            self._write_coverage()

    def _write_coverage(self) -> None:
        out = self.config.getoption("golive_plan_coverage")
        if out and not self.coverage_written:
            data = {nid: list(m.plan) for nid, m in self.meta.items()}
            write_atomic(Path(out), json.dumps(data, indent=2))
            self.coverage_written = True
