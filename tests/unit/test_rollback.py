"""The rollback suite's pure parts: the recommendation's mapping of findings to the plan's
triggers, and the readiness and rehearsal judges."""

from __future__ import annotations

import datetime as dt
from datetime import date
from pathlib import Path

import pytest
import yaml

from conftest import REPO
from golive.gate import rollback
from golive.gate.verdict import CheckResult, Scope, decide
from golive.gate.waivers import Waiver, WaiverFile
from golive.judge import rollback as judge
from golive.model.config import problems
from golive.model.expectations import SCHEMA
from golive.model.facts import scratch

TODAY = date(2026, 11, 27)
SCOPE = Scope("fake", "1.5.0", "", ("app1", "app2"))
SUITES = {
    "suites/smoke/t.py::health[app2]": "smoke",
    "suites/security/test_tls.py::tls[lb1]": "tls",
    "suites/security/test_hardening.py::headers[lb1]": "hardening",
    "suites/performance/t.py::slo[orders]": "performance",
    "suites/predeploy/t.py::packages[app1]": "predeploy",
    "suites/rollback/t.py::previous[app1]": "rollback",
    "suites/integration/t.py::spread": "integration",
}


def verdict(*results: CheckResult, waivers: WaiverFile | None = None):
    return decide(list(results), waivers or WaiverFile(), [], TODAY, SCOPE)


def result(check: str, outcome: str = "failed", severity: str = "critical", **kw) -> CheckResult:
    return CheckResult(check, outcome, severity, kw.pop("host", None), kw.pop("message", "x"), **kw)  # type: ignore[arg-type]


def recommend(*results: CheckResult, **kw) -> rollback.Recommendation:
    return rollback.recommend(verdict(*results, **kw), SUITES)


def test_healthy_run_is_not_recommended():
    rec = recommend(*(result(c, "passed") for c in SUITES))
    assert not rec.recommended and rec.state == "not recommended"
    assert rec.evaluated == 5  # predeploy and rollback checks are not weighed
    assert rec.lines() == [
        "rollback: not recommended (no trigger fired in 5 check(s) after the deploy)"
    ]
    assert rec.to_dict() == {"recommendation": "not recommended", "evaluated": 5, "triggers": []}


def test_failing_smoke_check_is_critical_trigger_naming_host_and_finding():
    smoke = result(
        "suites/smoke/t.py::health[app2]", "failed", "blocker", host="app2", message="app2: not UP"
    )
    rec = recommend(smoke)
    assert rec.recommended
    [trigger] = rec.triggers
    assert trigger.id == "rollback.triggers.critical" and trigger.title == "Critical Failures"
    assert rec.lines()[0].startswith("rollback: recommended (rollback.triggers.critical)")
    # named, not said again: the reason is the line among the blockers (issue 23)
    assert rec.lines()[2] == "  app2: suites/smoke/t.py::health[app2]"
    assert rec.to_dict()["triggers"][0]["findings"][0]["host"] == "app2"


@pytest.mark.parametrize("outcome", ["failed", "error"])
def test_failing_blocker_after_deploy_is_critical_trigger(outcome):
    rec = recommend(result("suites/security/test_tls.py::tls[lb1]", outcome, "blocker"))
    assert [t.id for t in rec.triggers] == ["rollback.triggers.critical"]


def test_critical_but_not_blocker_outside_smoke_is_no_trigger():
    rec = recommend(result("suites/security/test_hardening.py::headers[lb1]", "failed", "critical"))
    assert not rec.recommended


def test_smoke_check_of_any_severity_is_critical_functionality():
    rec = recommend(result("suites/smoke/t.py::health[app2]", "failed", "normal"))
    assert [t.id for t in rec.triggers] == ["rollback.triggers.critical"]


def test_unreachable_host_is_critical_functionality_down():
    lost = result(
        "suites/integration/t.py::spread", "error", host="app2", unreachable="ssh refused"
    )
    rec = recommend(lost)
    assert rec.triggers[0].findings[0].message == "host unreachable: ssh refused"


def test_performance_failure_is_performance_trigger_only():
    rec = recommend(
        result(
            "suites/performance/t.py::slo[orders]",
            "failed",
            "critical",
            message="p95 900 ms > 500 ms",
        )
    )
    assert [t.id for t in rec.triggers] == ["rollback.triggers.performance"]
    assert "p95 900 ms > 500 ms" in rec.triggers[0].findings[0].message


@pytest.mark.parametrize("outcome", ["error", "skipped"])
def test_performance_without_a_measurement_is_no_trigger(outcome):
    # no samples: NO-GO (fail closed) but no evidence of an SLO breach
    rec = recommend(result("suites/performance/t.py::slo[orders]", outcome, "critical"))
    assert not rec.recommended


def test_both_triggers_are_named_in_plan_order():
    rec = recommend(
        result("suites/performance/t.py::slo[orders]"),
        result("suites/smoke/t.py::health[app2]", severity="blocker"),
    )
    assert [t.id for t in rec.triggers] == [
        "rollback.triggers.critical",
        "rollback.triggers.performance",
    ]


@pytest.mark.parametrize(
    "check", ["suites/predeploy/t.py::packages[app1]", "suites/rollback/t.py::previous[app1]"]
)
def test_predeploy_and_rollback_checks_never_trigger(check):
    assert not recommend(result(check, "failed", "blocker")).recommended


def test_waived_failure_is_no_trigger():
    w = Waiver(
        check="suites/smoke/*",
        justification="known",
        approver="cto",
        ticket="CHG-1",
        expires=date(2027, 1, 1),
    )
    rec = recommend(
        result("suites/smoke/t.py::health[app2]", severity="blocker"), waivers=WaiverFile(((0, w),))
    )
    assert not rec.recommended


def test_skipped_smoke_check_is_no_trigger_and_nothing_ran_is_said():
    rec = recommend(result("suites/smoke/t.py::health[app2]", "skipped", "blocker"))
    assert rec.lines() == ["rollback: not recommended (no check after the deploy ran)"]


def test_many_findings_are_cut_in_lines_not_in_dict():
    many = [result(f"suites/smoke/t.py::health[app{i}]", severity="blocker") for i in range(8)]
    rec = rollback.recommend(verdict(*many), {r.id: "smoke" for r in many})
    assert rec.lines()[-1] == "  ... and 3 more (verdict.json)"
    assert len(rec.to_dict()["triggers"][0]["findings"]) == 8


# -- readiness judges ----------------------------------------------------------------------


def test_previous_artifact():
    assert (
        judge.previous_artifact(
            "app1", "1.4.0", "/r/1.4.0/t.war", "AB" * 32, "ab" * 32, "t-1.4.0.war"
        )
        == []
    )
    [missing] = judge.previous_artifact("app1", "1.4.0", "/r/1.4.0/t.war", None, "ab" * 32, "e")
    assert missing == "app1: previous release 1.4.0 artifact /r/1.4.0/t.war is missing"
    [wrong] = judge.previous_artifact("app1", "1.4.0", "/r/1.4.0/t.war", "cd" * 32, "ab" * 32, "e")
    assert "differs from the registry's abababababab" in wrong


def test_kept_config_allows_declared_keys_only_and_never_shows_values():
    current = {"db.url": "jdbc:x", "db.password": "s3cret", "orders.events.enabled": "true"}
    kept = {"db.url": "jdbc:x", "db.password": "s3cret"}
    assert judge.kept_config("app1", "/k", kept, current, [], ["orders.events.enabled"]) == []
    [finding] = judge.kept_config(
        "app1",
        "/k",
        {**kept, "db.password": "old", "x": "1"},
        current,
        [],
        ["orders.events.enabled"],
    )
    assert "db.password (value differs)" in finding and "x (only in the kept one)" in finding
    assert "s3cret" not in finding and "old" not in finding
    assert judge.kept_config("app1", "/k", None, current, []) == [
        "app1: the previous release's configuration /k is missing"
    ]


def test_kept_config_is_complete_but_for_the_keys_declared_new():
    current = {"db.url": "jdbc:x", "login.lockout.seconds": "60", "orders.events.enabled": "true"}
    kept = {"db.url": "jdbc:x"}
    # declared changed is not declared new: the previous release would start without it
    assert judge.kept_config(
        "app1", "/k", kept, current, ["login.lockout.seconds"], ["orders.events.enabled"]
    ) == [
        "app1: the previous release's configuration /k is incomplete: it lacks "
        "login.lockout.seconds of the running one, which the release notes do not declare new"
    ]
    [lacks] = judge.kept_config("app1", "/k", kept, current, [], [])
    assert "it lacks login.lockout.seconds, orders.events.enabled of the running one" in lacks
    many = {f"k{i}": "v" for i in range(7)}
    [lacks] = judge.kept_config("app1", "/k", {}, many, [], [])
    assert "k0, k1, k2, k3, k4 and 2 more" in lacks
    # a value that differs from the running one and is declared changed is fine
    assert judge.kept_config("app1", "/k", {"a": "1"}, {"a": "2"}, ["a"], []) == []


def test_shebang_and_syntax_command():
    assert judge.shebang("#!/bin/sh") == ["/bin/sh"]
    assert judge.shebang("#! /usr/bin/env bash") == ["/usr/bin/env", "bash"]
    assert judge.shebang("set -e") is None and judge.shebang("#!") is None
    assert judge.syntax_command(["/bin/bash"], None) == "/bin/bash -n {path}"
    assert judge.syntax_command(["/usr/bin/perl"], None) == "/usr/bin/perl -c {path}"
    assert judge.syntax_command(["/usr/bin/python3"], None).startswith("/usr/bin/python3 -c ")
    assert judge.syntax_command(["/usr/bin/ruby"], None) is None
    declared = "{interpreter} -wc {path}"
    assert judge.syntax_command(["/usr/bin/ruby"], declared) == "/usr/bin/ruby -wc {path}"


def _runs(facts, search="/usr/bin:/bin"):
    return judge.runbook_runs("app1", "/bin/rb", "golive", facts, search, 30)


def test_runbook_runs():
    ok = judge.RunbookFacts(first_line="#!/bin/sh", interpreter="/bin/sh",
                            syntax=("/bin/sh -n /bin/rb", 0, ""))  # fmt: skip
    assert _runs(ok) == []
    assert _runs(judge.RunbookFacts(read_error="Permission denied")) == [
        "app1: rollback runbook /bin/rb cannot be read by golive: Permission denied"
    ]
    [none] = _runs(judge.RunbookFacts(first_line="set -e"))
    assert (
        none
        == "app1: rollback runbook /bin/rb cannot execute: it has no #! line naming its interpreter"
    )
    [relative] = _runs(judge.RunbookFacts(first_line="#!sh"))
    assert "its #! interpreter sh is not a full path" in relative
    [gone] = _runs(judge.RunbookFacts(first_line="#!/bin/nosuch-sh"))
    assert gone == (
        "app1: rollback runbook /bin/rb cannot execute: its #! interpreter /bin/nosuch-sh does "
        "not exist or is not executable for golive"
    )
    [env] = _runs(judge.RunbookFacts(first_line="#!/usr/bin/env python9"))
    assert "its #! interpreter python9 does not exist" in env
    [unknown] = _runs(judge.RunbookFacts(first_line="#!/usr/bin/ruby", interpreter="/usr/bin/ruby"))
    assert "no syntax check is known for its interpreter /usr/bin/ruby" in unknown
    said = "/bin/rb: 12: Syntax error: end of file unexpected\n"
    bad = judge.RunbookFacts(first_line="#!/bin/sh", interpreter="/bin/sh",
                             syntax=("/bin/sh -n /bin/rb", 2, said))  # fmt: skip
    [syntax] = _runs(bad)
    assert syntax == (
        "app1: rollback runbook /bin/rb fails its syntax check `/bin/sh -n /bin/rb`: "
        "/bin/rb: 12: Syntax error: end of file unexpected"
    )
    slow = judge.RunbookFacts(first_line="#!/bin/sh", interpreter="/bin/sh",
                              syntax=("/bin/sh -n /bin/rb", 124, ""))  # fmt: skip
    assert "did not finish within 30 s" in _runs(slow)[0]
    missing = judge.RunbookFacts(first_line="#!/bin/sh", interpreter="/bin/sh",
                                 syntax=("c", 0, ""), missing=("runuser", "psql"))  # fmt: skip
    assert _runs(missing) == [
        "app1: rollback runbook /bin/rb calls commands not found on app1 with "
        "PATH=/usr/bin:/bin: runuser, psql"
    ]


PREFIX = "golive_restore_check"
NOW = 1_765_051_200  # the clock of the run that looks for leftovers


def test_a_scratch_copy_is_named_by_the_prefix_its_time_pid_and_a_random_part() -> None:
    name = scratch.scratch_name(PREFIX, NOW + 0.9, 4242, "1a2b3c4d")
    assert name == f"{PREFIX}_rollback_{NOW}_4242_1a2b3c4d"
    assert len(scratch.scratch_name("golive_" + "x" * 19, NOW, 4_194_304, "f" * 8)) == 63


def test_only_golives_own_scratch_copies_older_than_a_run_keeps_one_are_leftovers() -> None:
    old = scratch.scratch_name(PREFIX, NOW - 3600, 17, "00ff00ff")
    live = scratch.scratch_name(PREFIX, NOW - 30, 18, "abcdef01")
    ahead = scratch.scratch_name(PREFIX, NOW + 5, 19, "abcdef02")  # another controller's clock
    databases = [
        "trading", "postgres", old, live, ahead,
        f"{PREFIX}_4242",  # the backup suite's restore check: not the rollback's
        f"{PREFIX}_rollback_1_2",  # the name golive used before it dated them: not ever
        f"golive_other_rollback_{NOW - 3600}_17_00ff00ff",  # another environment's prefix
        f"{old}x", f"x{old}", old.upper(), f"{PREFIX}_rollback_{NOW - 3600}_17_00FF00FF",
    ]  # fmt: skip
    files = [
        f"{old}.schema.sql", f"{old}.versions.sql", f"{old}.schema.sql.bak", f"{old}.sql",
        f"{live}.schema.sql", "golive_restore_check_notes.schema.sql", "pg_dump.sql",
    ]  # fmt: skip
    found = scratch.scratch_leftovers(PREFIX, databases, files, NOW, lifetime_s=600)
    assert found.databases == (old,)
    assert found.files == (f"{old}.schema.sql", f"{old}.versions.sql")
    assert found.young == (live, ahead)  # by name: oldest first
    assert found.said("db1") == [
        f"db1: dropped {old}, a scratch database left by an interrupted run",
        f"db1: removed {old}.schema.sql, a schema dump left by an interrupted run",
        f"db1: removed {old}.versions.sql, a schema dump left by an interrupted run",
        f"db1: left {live} alone: it may be a run still under way",
        f"db1: left {ahead} alone: it may be a run still under way",
    ]


def test_the_backup_restores_scratch_databases_are_told_apart_by_their_tag() -> None:
    old = scratch.scratch_name(PREFIX, NOW - 3600, 17, "00ff00ff", "restore")
    live = scratch.scratch_name(PREFIX, NOW - 30, 18, "abcdef01", "restore")
    rollbacks = scratch.scratch_name(PREFIX, NOW - 3600, 17, "00ff00ff")
    assert old == f"{PREFIX}_restore_{NOW - 3600}_17_00ff00ff"
    databases = [old, live, rollbacks, f"{PREFIX}_4242", f"{PREFIX}_restore_1_2"]
    found = scratch.scratch_leftovers(PREFIX, databases, [], NOW, 600, tag="restore")
    assert (found.databases, found.young) == ((old,), (live,))
    assert scratch.scratch_leftovers(PREFIX, databases, [], NOW, 600).databases == (rollbacks,)


def test_a_scratch_copy_exactly_as_old_as_a_run_keeps_one_is_left_alone() -> None:
    at = scratch.scratch_name(PREFIX, NOW - 600, 1, "0" * 8)
    assert scratch.scratch_leftovers(PREFIX, [at], [], NOW, 600).young == (at,)
    assert scratch.scratch_leftovers(PREFIX, [at], [], NOW + 1, 600).databases == (at,)


def test_nothing_on_the_host_is_nothing_to_remove() -> None:
    found = scratch.scratch_leftovers(PREFIX, [], [], NOW, 600)
    assert found == scratch.Leftovers() and found.said("db1") == []


def test_scratch_steps_and_the_version_a_down_migration_leaves():
    assert judge.scratch_step("db1", "down-migration d.sql", 0, "", 60) is None
    err = 'psql:/m/down/V2.sql:7: ERROR:  column "x" of relation "orders" does not exist\n'
    assert judge.scratch_step("db1", "down-migration d.sql", 3, err, 60) == (
        'db1: down-migration d.sql failed: psql:/m/down/V2.sql:7: ERROR:  column "x" of '
        'relation "orders" does not exist'
    )
    # psql without ON_ERROR_STOP would exit 0: an error line is a failure all the same
    assert judge.scratch_step("db1", "s", 0, "ERROR:  boom", 60) == "db1: s failed: ERROR:  boom"
    assert judge.scratch_step("db1", "s", 124, "", 60) == "db1: s did not finish within 60 s"
    assert judge.down_migration_left("db1", "d.sql", 2, 1) == []
    [left] = judge.down_migration_left("db1", "d.sql", 2, 2)
    assert "left schema version 2: the runbook stops there" in left
    [unread] = judge.down_migration_left("db1", "d.sql", 2, None)
    assert "could not be read" in unread


def test_release_migrations_and_down_migrations():
    assert judge.release_migrations({"1.4.0": 1, "1.5.0": 3}, "1.4.0", "1.5.0") == [2, 3]
    with pytest.raises(AssertionError, match=r"names no schema version of 1\.3\.0"):
        judge.release_migrations({"1.5.0": 2}, "1.3.0", "1.5.0")
    ups = {2: ["/m/V2__a.sql"], 3: ["/m/V3__b.sql"]}
    downs = {2: ["/m/down/V2__a.sql"], 3: []}
    assert judge.down_migrations("db1", "/m", [2, 3], ups, downs) == [
        "db1: migration V3 has no down-migration in /m"
    ]
    twice = judge.down_migrations("db1", "/m", [2], {2: ["u"]}, {2: ["a", "b"]})
    assert twice == ["db1: migration V2 has 2 down-migrations: a, b"]
    assert judge.down_migrations("db1", "/m", [2], {}, {2: ["d"]}) == [
        "db1: migration V2 of the release is not in /m"
    ]


def test_restore_point():
    at = dt.datetime(2026, 11, 26, 2, 0, tzinfo=dt.UTC)
    migrated = at + dt.timedelta(hours=1)
    assert judge.restore_point("db1", "/p", at, migrated, 24) == []
    assert judge.restore_point("db1", "/p", None, migrated, 24) == ["db1: no restore point /p"]
    [after] = judge.restore_point("db1", "/p", migrated + dt.timedelta(minutes=5), migrated, 24)
    assert "after the migration (2026-11-26T03:00:00Z)" in after
    [old] = judge.restore_point("db1", "/p", at - dt.timedelta(days=3), migrated, 24)
    assert "73.0 h before the migration" in old and "more than 24 h" in old
    [unknown] = judge.restore_point("db1", "/p", at, None, 24)
    assert "not recorded as applied" in unknown


def test_runbook():
    assert (
        judge.runbook("app1", "/bin/rb", "golive", True, True, "sudo -n -l {path}", "/bin/rb\n")
        == []
    )
    assert judge.runbook("app1", "/bin/rb", "golive", False, False) == [
        "app1: rollback runbook /bin/rb does not exist"
    ]
    assert judge.runbook("app1", "/bin/rb", "golive", True, False) == [
        "app1: rollback runbook /bin/rb is not executable"
    ]
    [denied] = judge.runbook(
        "app1",
        "/bin/rb",
        "golive",
        True,
        True,
        "sudo -n -l {path}",
        "sudo: a password is required\n",
    )
    assert denied.startswith("app1: golive may not run rollback runbook /bin/rb")
    assert judge.runbook("app1", "/bin/rb", "golive", True, True) == []


def test_slo_declared():
    assert judge.slo_declared(90, "e.yml") == []
    assert judge.slo_declared(None, "e.yml") == [
        "e.yml: rollback.slo_s (the time to roll back) is not declared"
    ]


# -- rehearsal judges ----------------------------------------------------------------------


def test_versions_served():
    assert (
        judge.versions_served({"app1": "1.4.0", "app2": "1.4.0"}, "1.4.0", "after the rollback")
        == []
    )
    assert judge.versions_served(
        {"app1": "1.4.0", "app2": "1.5.0", "app3": None}, "1.4.0", "after the rollback"
    ) == [
        "app2: serves 1.5.0 after the rollback, expected 1.4.0",
        "app3: did not answer its version after the rollback",
    ]


def test_configs_reverted():
    assert judge.configs_reverted("app1", "/c", {"a": "1"}, {"a": "1"}, "1.4.0") == []
    [bad] = judge.configs_reverted("app1", "/c", {"a": "1", "b": "2"}, {"a": "1"}, "1.4.0")
    assert bad == "app1: runs with a configuration that is not 1.4.0's kept one (keys b)"
    assert judge.configs_reverted("app1", "/c", None, {}, "1.4.0") == [
        "app1: cannot read the running configuration /c"
    ]


def test_rehearsal_judges_the_timed_phases_against_the_slo():
    phases = [
        judge.Phase("rollback", 50.0),
        judge.Phase("validation", 5.0),
        judge.Phase("roll forward", 500.0),
    ]
    assert judge.rehearsal(phases, 60, ("rollback", "validation")) == []
    [slow] = judge.rehearsal(phases, 30, ("rollback", "validation"))
    assert (
        slow == "rollback took 55.0 s (rollback 50.0 s, validation 5.0 s), the rollback SLO is 30 s"
    )
    broken = [
        judge.Phase("rollback", 1.0, ("app2: serves 1.5.0 after the rollback, expected 1.4.0",))
    ]
    assert judge.rehearsal(broken, 60, ("rollback",)) == [
        "app2: serves 1.5.0 after the rollback, expected 1.4.0"
    ]
    assert judge.rehearsal([], None, ()) == [
        "the rollback SLO is not declared: the rehearsal cannot be judged"
    ]


def test_certificate_summary_and_rows_from_verdict_json():
    smoke = result(
        "suites/smoke/t.py::health[app2]", severity="blocker", host="app2", message="down"
    )
    doc = {"rollback": recommend(smoke).to_dict()}
    assert rollback.summary(doc) == "recommended: rollback.triggers.critical (1 finding(s))"
    assert rollback.rows(doc) == [
        ["rollback.triggers.critical", "app2", "suites/smoke/t.py::health[app2]", "failed: down"]
    ]
    assert rollback.summary({"rollback": recommend().to_dict()}) == "not recommended"
    assert rollback.summary({}) == "not evaluated" and rollback.rows({}) == []


def test_data_kept():
    assert judge.data_kept("db1/trading", "orders", (10, 55), (10, 55), "after the rollback") == []
    [lost] = judge.data_kept("db1/trading", "orders", (10, 55), (9, 45), "after the rollback")
    assert lost == (
        "db1/trading: orders holds 9 rows written before the rollback after the rollback "
        "(key sum 45), 10 before it (key sum 55)"
    )
    assert judge.data_kept("db1/trading", "orders", (1, 1), None, "after rolling forward") == [
        "db1/trading: orders could not be read after rolling forward"
    ]


@pytest.mark.parametrize("trigger", ["rollback.triggers.critical", "rollback.triggers.performance"])
def test_check_naming_a_trigger_fires_it(trigger):
    watched = result("suites/watch/t.py::metric[orders]", "failed", "critical", plan=(trigger,))
    rec = rollback.recommend(verdict(watched), {watched.id: "watch"})
    assert [t.id for t in rec.triggers] == [trigger]


def test_dependent_checks_are_counted_under_their_cause_not_named_again():
    """Root causes first (issue 11): the trigger names the check reporting the cause; the
    checks that failed only as its consequence are counted, in the terminal and the
    certificate's rows alike."""
    root = result("suites/smoke/t.py::health[app2]", "failed", "blocker", host="app2")
    dependents = [
        result(f"suites/smoke/t.py::dep{i}", "failed", "blocker", host="lb1", caused_by=root.id)
        for i in range(3)
    ]
    rec = recommend(root, *dependents)
    [trigger] = rec.triggers
    assert len(trigger.findings) == 4
    lines = trigger.lines()
    assert sum("::dep" in line for line in lines) == 0
    assert lines[-1] == "  and 3 dependent check(s) under those causes"
    rows = rollback.rows({"rollback": rec.to_dict()})
    assert [r[2] for r in rows] == [root.id, "3 dependent check(s)"]


def test_candidate_restored_names_each_host_that_is_not_back():
    """After an (interrupted) rehearsal: what each node serves, its health and the schema,
    read again; every deviation names its host."""
    ok = judge.candidate_restored({"app1": "1.5.0", "app2": "1.5.0"}, {}, "1.5.0", ("db1", 2, 2))
    assert ok == []
    found = judge.candidate_restored(
        {"app1": "1.4.0", "app2": None, "app3": "1.5.0"},
        {"app3": "HTTP 503 SCHEMA_BEHIND"},
        "1.5.0",
        ("db1", 1, 2),
    )
    assert found == [
        ("app1", "app1 serves 1.4.0"),
        ("app2", "app2 does not answer its version"),
        ("app3", "app3 is not healthy: HTTP 503 SCHEMA_BEHIND"),
        ("db1", "db1 is at schema version 1, 1.5.0 needs 2"),
    ]
    assert judge.candidate_restored({}, {}, "1.5.0", ("db1", None, 2)) == [
        ("db1", "db1 records no schema migration, 1.5.0 needs 2")
    ]
    assert judge.candidate_restored({}, {}, "1.5.0", ("db1", "db1: timeout", 2)) == [
        ("db1", "db1: the schema version cannot be read: db1: timeout")
    ]


def test_a_scratch_prefix_too_long_for_golives_names_is_a_config_error() -> None:
    data = yaml.safe_load((REPO / "environments" / "sandbox" / "expectations.yml").read_text())
    data["backup"]["scratch_database"] = "golive_" + "x" * 20
    found = [str(e) for e in problems(data, SCHEMA, Path("e.yml"))[1]]
    assert len(found) == 1 and found[0].startswith("e.yml: backup.scratch_database: "), found
    assert "26" in found[0], found
