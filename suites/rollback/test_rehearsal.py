"""Rollback Plan › Rollback Steps, rehearsed: the environment's runbook run for real, back to
the previous release and forward again, each phase timed and validated with the smoke
suite's probes. A destructive drill: only where the environment allows drills, after every
other check, never beside one; the candidate is restored in a finally (also on SIGINT and
SIGTERM) by the drill machinery (plugins/safety.py).

An interrupted rehearsal says only the truth: its cleanup first waits for the runbook run it
started to end on its host (each run records its pid there; a signal ends golive's side of the
session, not the runbook, which would go on switching nodes after the cleanup looked), rolls
forward, then reads every app node's version and health and the database's schema again. It
says "restored" only when they are the candidate's; otherwise "NOT restored: app1 serves
1.4.0", a blocker about that host.

What a SIGKILL (or a lost controller) leaves, since no cleanup runs after it: the nodes and
the database on whichever release the runbook had reached (the next run's smoke and
rollback checks say so: "app1 serves 1.4.0"), a runbook run still under way on its host
(it ends by its own ``rollback.runbook.timeout_s``), the rehearsal's synthetic orders
(flagged synthetic), and, when the kill came during the readiness check's scratch copy of
the schema, that scratch database and its dumps on the database host: the first run of that
check once they are older than a run keeps one (its steps times ``scratch_timeout_s``; a
younger one may be a concurrent run's) removes them before its own, by golive's scratch name
only, and its evidence says so (fixtures/rollback.py, ``remove_leftovers``).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import pytest

from golive.judge import rollback as judge_rollback
from golive.model.environment import Environment
from golive.model.expectations.predeploy import DatabasePrep, Deployment
from golive.model.expectations.rollback import KeptData, Rollback
from golive.model.expectations.smoke import App, SmokeOrder
from golive.probe import db as database
from golive.probe.hosts import HostPool, Target
from golive.probe.nodes import get_json
from golive.probe.tracked import Tracked, command_timeout
from golive.probe.wait import WaitTimeout, wait_until
from pytest_golive.fixtures.findings import judge
from pytest_golive.fixtures.rollback import kept_config_path, read_config
from pytest_golive.plugins.safety import NotRestored

pytestmark = [pytest.mark.rollback, pytest.mark.drill]

BACK, VALIDATE_BACK, FORWARD, VALIDATE_FORWARD = (
    "rollback",
    "validation on the previous release",
    "roll forward",
    "validation on the candidate",
)
TIMED = (BACK, VALIDATE_BACK)
"""The phases the rollback SLO bounds: back on the previous release, and validated."""


class Rehearsal:
    """The rehearsal's steps against the environment's nodes, with a log for the evidence."""

    def __init__(
        self,
        api: Any,
        environment: Environment,
        spec: Rollback,
        pool: HostPool,
        host: Target,
        db: Any,
    ) -> None:
        self.api, self.env, self.spec, self.host, self.db = api, environment, spec, host, db
        self.app = environment.expectation(App)
        self.deployment = environment.expectation(Deployment)
        self.nodes = [pool.get(n) for n in environment.hosts_with_role("app")]
        self.timeout = environment.inventory.public.timeout
        self.log: list[str] = []
        self.runs = Tracked(host)  # an interrupted runbook run is found again on its host
        database = environment.inventory.database
        self.where = f"{database.host}/{database.dbname}"
        self.cutoff = self._cutoff()
        self.rows = {d.table: self._rows(d) for d in spec.data}

    def _cutoff(self) -> Any:
        """Rows written before this moment must survive the rollback: now, or, where the
        runbook restores the pre-deploy dump, when the release's first migration ran."""
        if self.spec.database.method != "restore_point":
            return self.db.execute("SELECT now()").fetchone()[0]
        table = self.env.expectation(DatabasePrep).migrations
        release = self.env.inventory.release
        numbers = judge_rollback.release_migrations(
            table.by_release, release.previous or "", release.version
        )
        point = self.spec.database.restore_point
        column = point.applied_at_column if point else "applied_at"
        query = database.composed(
            "SELECT min({}) FROM {} WHERE {} = ANY(%s)", column, table.table, table.column
        )
        return self.db.execute(query, (numbers,)).fetchone()[0]

    def _rows(self, data: KeptData) -> tuple[int, int] | None:
        """(count, key sum) of the table's rows written before the cutoff; None: unreadable."""
        import psycopg  # imported by the drill that uses it, not by every collection

        query = database.composed(
            "SELECT count(*), coalesce(sum({}), 0) FROM {} WHERE {} < %s",
            data.key_column,
            data.table,
            data.created_column,
        )
        try:
            count, total = self.db.execute(query, (self.cutoff,)).fetchone()
        except (psycopg.Error, ConnectionError, TimeoutError) as exc:
            self.log.append(f"{self.where}: {data.table}: {exc}")
            return None
        return int(count), int(total)

    def runbook(self, command: str) -> list[str]:
        """Run the runbook (``back`` or ``forward`` command); why it failed, if it did. The run
        is recorded on its host until it ends, so an interrupted rehearsal waits for it
        (:meth:`settle`)."""
        spec = self.spec.runbook
        with command_timeout(self.host, spec.timeout_s):
            out = self.runs.run(command.replace("{path}", "%s"), spec.path)
        self.log += [f"$ {command.format(path=spec.path)}  (exit {out.rc})", out.stdout, out.stderr]
        if out.rc == 0:
            return []
        said = (out.stderr.strip() or out.stdout.strip()).splitlines()[-1:] or ["no output"]
        return [f"{self.host.name}: the runbook `{command}` exited {out.rc}: {said[0][:200]}"]

    def settle(self) -> list[str]:
        """Wait (at most the runbook's timeout) for an interrupted runbook run to end on its
        host (never ended halfway: it would leave nodes between releases); why not, if it
        did not end."""
        if self.runs.pidfile is None:  # every runbook run came back
            return []
        started = time.monotonic()
        problem = self.runs.settle(self.spec.runbook.timeout_s)
        self.log.append(
            f"waited {time.monotonic() - started:.1f} s for an interrupted runbook run on "
            f"{self.host.name}: {problem or 'none runs now'}"
        )
        return [problem] if problem else []

    def restored(self) -> list[tuple[str, str]]:
        """Read again what the rehearsal changed: every app node's version and health, and
        the database's schema; ``(host, why)`` for what is not the candidate's."""
        release = self.env.inventory.release
        served = self.served()
        unhealthy = {}
        for node in self.nodes:
            health = self._answer(node, self.app.health_path)
            if served.get(node.name) is not None and (
                health.status != 200 or health.body.get("status") != "UP"
            ):
                unhealthy[node.name] = health.describe()
        migrations = self.env.expectation(DatabasePrep).migrations
        import psycopg  # imported by the drill that uses it, not by every collection

        query = database.composed("SELECT max({}) FROM {}", migrations.column, migrations.table)
        read: int | str | None
        try:  # a connection of its own: the rehearsal's may have been interrupted mid-query
            with database.connect(self.env) as conn:
                read = conn.execute(query).fetchone()[0]
        except (psycopg.Error, ConnectionError, TimeoutError) as exc:
            read = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        wanted = migrations.by_release[release.version]
        found = judge_rollback.candidate_restored(
            served, unhealthy, release.version, (self.spec.database.host, read, wanted)
        )
        self.log.append(
            "after the rehearsal: "
            + ", ".join(f"{n} serves {v}" for n, v in served.items())
            + f"; {self.spec.database.host} schema {read}"
        )
        return found

    def _answer(self, node: Target, path: str, **kw: Any) -> Any:
        return get_json(node, self.app.port, path, timeout=self.timeout, **kw)

    def served(self) -> dict[str, str | None]:
        """What each node's version endpoint says, once every node answers it (at most
        ``settle_s``; a node that never does is None)."""

        def answers_now() -> dict[str, Any]:
            return {n.name: self._answer(n, self.app.version_path) for n in self.nodes}

        try:
            answers = wait_until(
                answers_now, self.spec.settle_s, 0.5,
                until=lambda got: all(a.status == 200 for a in got.values()),
                what="every node answering its version endpoint",
            )  # fmt: skip
        except WaitTimeout as exc:
            answers = exc.last
        return {
            name: (a.body.get("version") if a.status == 200 and isinstance(a.body, dict) else None)
            for name, a in answers.items()
        }

    def validate(
        self, version: str, when: str, order: tuple[str, int, dict[str, Any]]
    ) -> list[str]:
        """The smoke checks' claims on ``version``: every node serves it and is healthy, runs
        with the configuration kept beside it, an order can be placed and read back, and the
        order written before the rollback is there."""
        problems = judge_rollback.versions_served(self.served(), version, when)
        for node in self.nodes:
            health = self._answer(node, self.app.health_path)
            if health.status != 200 or health.body.get("status") != "UP":
                problems.append(f"{node.name}: not healthy {when}: {health.describe()}")
            running_path = node.var(self.deployment.config_var)
            reader = self.deployment.config_reader
            kept = read_config(
                node, kept_config_path(node, self.spec, self.deployment, version), reader
            )
            problems += judge_rollback.configs_reverted(
                node.name,
                running_path,
                read_config(node, running_path, reader),
                kept or {},
                version,
            )
        problems += _collect(lambda: self._order_round_trip(), when)
        token, order_id, body = order
        problems += _collect(
            lambda: self._read_back(token, order_id, body, "written before the rollback"), when
        )
        for data in self.spec.data:
            before = self.rows[data.table]
            if before is None:
                problems.append(f"{self.where}: {data.table} could not be read before the rollback")
                continue
            after = self._rows(data)
            problems += judge_rollback.data_kept(self.where, data.table, before, after, when)
        return problems

    def _order_round_trip(self) -> None:
        token, body, order_id = self.api.place_synthetic_order(self.env.expectation(SmokeOrder))
        self._read_back(token, order_id, body, "just placed")

    def _read_back(self, token: str, order_id: int, body: dict[str, Any], what: str) -> None:
        read = self.api.request("GET", f"/api/orders/{order_id}", token)
        assert read.status_code == 200, (
            f"order {order_id} ({what}) read back through {self.api.base}: HTTP {read.status_code}"
        )
        got = read.json()
        wrong = {k: (v, got.get(k)) for k, v in body.items() if got.get(k) != v}
        assert not wrong, f"order {order_id} ({what}) read back differs (sent, got): {wrong}"


def _collect(step: Callable[[], None], when: str) -> list[str]:
    """A validation step's failure as a finding (the rehearsal goes on to roll forward)."""
    try:
        step()
    except AssertionError as exc:
        return [f"{str(exc).splitlines()[0]} ({when})"]
    return []


def _timed(phases: list[judge_rollback.Phase], name: str, step: Callable[[], list[str]]) -> None:
    started = time.monotonic()
    problems = step()
    phases.append(judge_rollback.Phase(name, time.monotonic() - started, tuple(problems)))


@pytest.mark.plan(
    "rollback.steps.previous",
    "rollback.steps.database",
    "rollback.steps.config",
    "rollback.steps.validation",
)
def test_rollback_rehearsal(
    api,
    host_pool: HostPool,
    runbook_host: Target,
    environment: Environment,
    rollback_spec: Rollback,
    db,
    drill,
    evidence,
) -> None:
    """Claim: the environment's rollback runbook takes every app node back to the previous
    release with its configuration and the database to the previous schema, the previous
    release then passes the smoke suite's claims, rolling forward restores the candidate,
    and being back and validated takes no longer than the rollback SLO.

    Covers: the runbook failing (its exit status and last line); after it, any node serving
    another version than the previous release or not answering, unhealthy (e.g. its schema not
    what its release needs), running with a configuration other than the one kept beside the
    release; an order that cannot be placed or read back; an order written before the rollback
    missing or changed afterwards; fewer or other rows, written before the rollback (before
    the deploy's migration where the runbook restores the pre-deploy dump), in each table of
    ``rollback.data``; the same after rolling forward, on the candidate; the time of
    the rollback and its validation against ``rollback.slo_s``. Every phase is timed and the
    log attached. Whatever happens, the candidate is restored (rolled forward) before the
    check ends.

    Does not cover: what clients see while the runbook switches nodes (no load runs beside a
    drill; the smoke probes run once it has finished); tables not named in ``rollback.data``;
    hosts other than the app nodes and the database host (e.g. the load balancer's
    configuration); the time to decide on a rollback, only the time to carry it out; the
    runbook on another environment than this one.
    """
    spec = rollback_spec
    release = environment.inventory.release
    assert release.previous, "inventory.yml names no previous release to roll back to"
    token, body, order_id = api.place_synthetic_order(environment.expectation(SmokeOrder))
    rehearsal = Rehearsal(api, environment, spec, host_pool, runbook_host, db)
    order = (token, order_id, body)
    phases: list[judge_rollback.Phase] = []

    def restore() -> NotRestored | None:
        """Wait for an interrupted runbook run, read what every node and the database hold,
        and where that is not the candidate's, roll forward and read it all again (issue 24:
        one read when the rehearsal ended on the candidate, not a pre-check and a proof)."""
        problems = rehearsal.settle()
        if problems:
            return NotRestored(runbook_host.name, "; ".join(problems))
        wrong = rehearsal.restored()
        if wrong:
            problems = rehearsal.runbook(spec.runbook.forward)
            wrong = rehearsal.restored()
        if wrong:
            return NotRestored(wrong[0][0], "; ".join([*problems, *(why for _, why in wrong)]))
        return None

    try:
        touched = [*(n.name for n in rehearsal.nodes), spec.database.host]
        with drill.disrupting(", ".join(touched), restore):
            _timed(phases, BACK, lambda: rehearsal.runbook(spec.runbook.back))
            _timed(
                phases,
                VALIDATE_BACK,
                lambda: rehearsal.validate(release.previous or "", "after the rollback", order),
            )
            _timed(phases, FORWARD, lambda: rehearsal.runbook(spec.runbook.forward))
            _timed(
                phases,
                VALIDATE_FORWARD,
                lambda: rehearsal.validate(release.version, "after rolling forward", order),
            )
    finally:
        evidence.json(
            "rollback rehearsal phases",
            {
                "phases": [
                    {"name": p.name, "seconds": round(p.seconds, 2), "problems": list(p.problems)}
                    for p in phases
                ],
                "slo_s": spec.slo_s,
                "timed": list(TIMED),
            },
        )
        evidence.text("rollback rehearsal log", "\n".join(rehearsal.log))
    judge(judge_rollback.rehearsal(phases, spec.slo_s, TIMED))
