"""Judge the rollback plan's readiness and its rehearsal.

Pure functions: facts in (what a node holds, what a runbook run did and how long it took),
finding lines out ("app1: previous release 1.4.0 ... is missing"), empty when the fact holds.
The facts come from Testinfra on the hosts and from the rehearsal's own timings.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from golive.model.errors import CheckFailed
from golive.model.facts.scratch import scratch_step_failure


def previous_artifact(
    host: str, version: str, path: str, actual: str | None, expected: str, entry: str
) -> list[str]:
    """The node's artifact of the previous release against the registry's sha256."""
    if actual is None:
        return [f"{host}: previous release {version} artifact {path} is missing"]
    if actual.lower() != expected.lower():
        return [
            f"{host}: previous release {version} artifact {path} sha256 {actual[:12]}… differs "
            f"from the registry's {expected[:12]}… ({entry})"
        ]
    return []


def kept_config(
    host: str,
    path: str,
    kept: Mapping[str, str] | None,
    current: Mapping[str, str],
    declared: Sequence[str],
    added: Sequence[str] = (),
) -> list[str]:
    """The previous release's configuration kept at ``path`` is complete: it has every key of
    the configuration the node runs with except those the release notes declare new
    (``added``); and it differs from it only in the keys the release notes declare changed or
    removed (``declared``) or new."""
    if kept is None:
        return [f"{host}: the previous release's configuration {path} is missing"]
    new = set(added)
    allowed = set(declared) | new
    lacking = sorted(key for key in current if key not in kept and key not in new)
    findings = []
    if lacking:
        findings.append(
            f"{host}: the previous release's configuration {path} is incomplete: it lacks "
            f"{_keys(lacking)} of the running one, which the release notes do not declare new"
        )
    undeclared = sorted(
        key
        for key in set(kept) | set(current)
        if key in kept and kept.get(key) != current.get(key) and key not in allowed
    )
    if undeclared:
        shown = _keys([_difference(k, kept.get(k), current.get(k)) for k in undeclared])
        findings.append(
            f"{host}: the previous release's configuration {path} differs from the running one "
            f"in keys the release notes do not declare: {shown}"
        )
    return findings


def _keys(keys: Sequence[str], limit: int = 5) -> str:
    more = f" and {len(keys) - limit} more" if len(keys) > limit else ""
    return ", ".join(keys[:limit]) + more


def _difference(key: str, kept: str | None, current: str | None) -> str:
    # values are not shown: a configuration holds secrets
    if kept is None:
        return f"{key} (only in the running one)"
    if current is None:
        return f"{key} (only in the kept one)"
    return f"{key} (value differs)"


def release_migrations(by_release: Mapping[str, int], previous: str, candidate: str) -> list[int]:
    """The migrations the candidate release brings: above the previous release's schema up to
    the candidate's. A release the table does not name is a CheckFailed (no guess)."""
    for version in (previous, candidate):
        if version not in by_release:
            raise CheckFailed(
                f"database_prep.migrations.by_release names no schema version of {version}"
            )
    return list(range(by_release[previous] + 1, by_release[candidate] + 1))


def down_migrations(
    host: str,
    directory: str,
    migrations: Sequence[int],
    ups: Mapping[int, Sequence[str]],
    downs: Mapping[int, Sequence[str]],
) -> list[str]:
    """Every migration of the release has exactly one down-migration beside it."""
    findings = []
    for n in migrations:
        if not ups.get(n):
            findings.append(f"{host}: migration V{n} of the release is not in {directory}")
        found = list(downs.get(n, ()))
        if not found:
            findings.append(f"{host}: migration V{n} has no down-migration in {directory}")
        elif len(found) > 1:
            findings.append(
                f"{host}: migration V{n} has {len(found)} down-migrations: {', '.join(found)}"
            )
    return findings


def restore_point(
    host: str,
    path: str,
    taken_at: dt.datetime | None,
    migrated_at: dt.datetime | None,
    max_age_h: float,
) -> list[str]:
    """A dump taken before the release's first migration, at most ``max_age_h`` before it."""
    if taken_at is None:
        return [f"{host}: no restore point {path}"]
    if migrated_at is None:
        return [f"{host}: the release's migration is not recorded as applied; {path} is not "
                "known to precede it"]  # fmt: skip
    if taken_at > migrated_at:
        return [
            f"{host}: restore point {path} was taken {_iso(taken_at)}, after the migration "
            f"({_iso(migrated_at)}): it is not the database before the deploy"
        ]
    age_h = (migrated_at - taken_at).total_seconds() / 3600
    if age_h > max_age_h:
        return [
            f"{host}: restore point {path} was taken {age_h:.1f} h before the migration "
            f"({_iso(migrated_at)}), more than {max_age_h:g} h"
        ]
    return []


def _iso(at: dt.datetime) -> str:
    return at.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def runbook(
    host: str,
    path: str,
    user: str,
    is_file: bool,
    executable: bool,
    permission: str | None = None,
    permission_output: str = "",
) -> list[str]:
    """The runbook exists on its host and the deploy user may run it: through the permission
    command's answer (e.g. ``sudo -n -l PATH`` prints PATH), else by its executable bit."""
    if not is_file:
        return [f"{host}: rollback runbook {path} does not exist"]
    if not executable:
        return [f"{host}: rollback runbook {path} is not executable"]
    if permission is not None and path not in permission_output.split():
        said = permission_output.strip().splitlines()[-1:] or ["nothing"]
        return [f"{host}: {user} may not run rollback runbook {path} (`{permission}` said "
                f"{said[0][:160]!r})"]  # fmt: skip
    return []


def shebang(first_line: str) -> list[str] | None:
    """The interpreter and its argument from a script's first line (``#!/usr/bin/env bash``:
    ``["/usr/bin/env", "bash"]``); None when it has no ``#!`` line."""
    if not first_line.startswith("#!"):
        return None
    return first_line[2:].split() or None


def syntax_command(argv: Sequence[str], declared: str | None) -> str | None:
    """The command (with ``{path}``) that checks a script's syntax without running it: the
    declared one, else the interpreter's own check; None for an interpreter without a known
    one."""
    interpreter = argv[-1] if argv[0].rsplit("/", 1)[-1] == "env" else argv[0]
    name = interpreter.rsplit("/", 1)[-1]
    if declared is not None:
        return declared.replace("{interpreter}", interpreter)
    if name in ("sh", "bash", "dash", "ksh", "zsh", "mksh", "ash"):
        return f"{interpreter} -n {{path}}"
    if name.startswith("perl"):
        return f"{interpreter} -c {{path}}"
    if name.startswith("python"):
        return (
            f"{interpreter} -c 'import sys; compile(open(sys.argv[1]).read(), sys.argv[1], "
            f'"exec")\' {{path}}'
        )
    return None


@dataclass(frozen=True)
class RunbookFacts:
    """What the deploy user finds of the runbook on its host: its first line (``read_error``:
    why it could not be read), whether the interpreter resolved (``interpreter``: its path,
    None: not found or not executable), the syntax check's command, exit status and output
    (rc 124: timed out), and the required commands ``command -v`` did not resolve."""

    read_error: str | None = None
    first_line: str = ""
    interpreter: str | None = None
    syntax: tuple[str, int, str] | None = None
    missing: tuple[str, ...] = ()


def runbook_runs(
    host: str, path: str, user: str, facts: RunbookFacts, search_path: str, timeout_s: float
) -> list[str]:
    """The runbook would execute: an absolute ``#!`` interpreter that exists and is
    executable, a passing syntax check, every command it calls found."""
    head = f"{host}: rollback runbook {path}"
    if facts.read_error is not None:
        return [f"{head} cannot be read by {user}: {facts.read_error[:200]}"]
    findings = []
    argv = shebang(facts.first_line)
    if argv is None:
        findings.append(f"{head} cannot execute: it has no #! line naming its interpreter")
    elif not argv[0].startswith("/"):
        findings.append(f"{head} cannot execute: its #! interpreter {argv[0]} is not a full path")
    elif facts.interpreter is None:
        named = argv[-1] if argv[0].rsplit("/", 1)[-1] == "env" and len(argv) > 1 else argv[0]
        findings.append(
            f"{head} cannot execute: its #! interpreter {named} does not exist or is not "
            f"executable for {user}"
        )
    elif facts.syntax is None:
        findings.append(
            f"{head}: no syntax check is known for its interpreter {facts.interpreter} "
            "(declare rollback.runbook.syntax_check)"
        )
    else:
        command, rc, output = facts.syntax
        if rc == 124:
            findings.append(f"{head}: `{command}` did not finish within {timeout_s:g} s")
        elif rc != 0:
            said = "; ".join(line.strip() for line in output.strip().splitlines()[:2])
            findings.append(
                f"{head} fails its syntax check `{command}`: {said or f'exit {rc}'}"[:600]
            )
    if facts.missing:
        findings.append(
            f"{head} calls commands not found on {host} with PATH={search_path}: "
            f"{_keys(list(facts.missing))}"
        )
    return findings


def down_migration_left(host: str, file: str, n: int, version: int | None) -> list[str]:
    """After down-migration ``n`` ran, the recorded schema version is below ``n`` (the runbook
    checks the same before the next one); ``version`` None: it could not be read."""
    if version is None:
        return [f"{host}: after down-migration {file}, the schema version could not be read"]
    if version >= n:
        return [
            f"{host}: down-migration {file} ran on a scratch copy of the schema but left schema "
            f"version {version}: the runbook stops there"
        ]
    return []


def slo_declared(slo_s: float | None, file: str) -> list[str]:
    if slo_s is None:
        return [f"{file}: rollback.slo_s (the time to roll back) is not declared"]
    return []


@dataclass(frozen=True)
class Phase:
    """One timed phase of the rehearsal."""

    name: str
    seconds: float
    problems: tuple[str, ...] = ()


def versions_served(served: Mapping[str, str | None], wanted: str, when: str) -> list[str]:
    """Every node serves ``wanted``; ``served`` is what each node's version endpoint said
    (None: it did not answer)."""
    return [
        f"{node}: serves {got} {when}, expected {wanted}"
        if got is not None
        else f"{node}: did not answer its version {when}"
        for node, got in served.items()
        if got != wanted
    ]


def configs_reverted(
    host: str, path: str, running: Mapping[str, str] | None, kept: Mapping[str, str], release: str
) -> list[str]:
    """The configuration the node runs with is the one kept beside ``release``."""
    if running is None:
        return [f"{host}: cannot read the running configuration {path}"]
    differing = sorted(k for k in set(running) | set(kept) if running.get(k) != kept.get(k))
    if differing:
        return [
            f"{host}: runs with a configuration that is not {release}'s kept one "
            f"(keys {', '.join(differing[:5])})"
        ]
    return []


def data_kept(
    where: str, table: str, before: tuple[int, int], after: tuple[int, int] | None, when: str
) -> list[str]:
    """The rows of ``table`` written before the cutoff, (count, key sum), are the same."""
    if after is None:
        return [f"{where}: {table} could not be read {when}"]
    if after != before:
        return [
            f"{where}: {table} holds {after[0]} rows written before the rollback {when} "
            f"(key sum {after[1]}), {before[0]} before it (key sum {before[1]})"
        ]
    return []


def rehearsal(phases: Sequence[Phase], slo_s: float | None, timed: Sequence[str]) -> list[str]:
    """Every phase's problems, then the time to be back and validated (the ``timed`` phases)
    against the rollback SLO."""
    findings = [p for phase in phases for p in phase.problems]
    if slo_s is None:
        return [*findings, "the rollback SLO is not declared: the rehearsal cannot be judged"]
    spent = sum(p.seconds for p in phases if p.name in timed)
    if spent > slo_s:
        parts = ", ".join(f"{p.name} {p.seconds:.1f} s" for p in phases if p.name in timed)
        findings.append(f"rollback took {spent:.1f} s ({parts}), the rollback SLO is {slo_s:g} s")
    return findings


def candidate_restored(
    served: Mapping[str, str | None],
    unhealthy: Mapping[str, str],
    version: str,
    schema: tuple[str, int | str | None, int],
) -> list[tuple[str, str]]:
    """After a rehearsal (also an interrupted one), what keeps the environment from being back
    on the candidate: ``(host, why)`` for every node not serving ``version`` (what its version
    endpoint said, read after the rehearsal's cleanup; None: it did not answer) or not
    healthy (``unhealthy``: node -> its answer), and for the database host when its schema
    (``(host, read, wanted)``; read: the version, None for no migration recorded, or why it
    could not be read) is not the candidate's. Empty: restored."""
    found = [
        (node, f"{node} serves {got}" if got is not None else f"{node} does not answer its version")
        for node, got in served.items()
        if got != version
    ]
    found += [(node, f"{node} is not healthy: {why}") for node, why in unhealthy.items()]
    host, read, wanted = schema
    if isinstance(read, str):
        found.append((host, f"{host}: the schema version cannot be read: {read}"))
    elif read is None:
        found.append((host, f"{host} records no schema migration, {version} needs {wanted}"))
    elif read != wanted:
        found.append((host, f"{host} is at schema version {read}, {version} needs {wanted}"))
    return found


# a step on the scratch copy of the schema (golive.model.facts.scratch)
scratch_step = scratch_step_failure
