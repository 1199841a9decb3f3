"""Expectations of the rollback suite (registered in expectations.SUITES): where the previous
release and its configuration are kept, how the database goes back, the runbook, the rollback
SLO, and the rehearsal."""

from __future__ import annotations

from typing import Annotated, ClassVar, Literal

from pydantic import Field, field_validator

from golive.model.config import DAY_S, YEAR_H, Seconds, Strict
from golive.model.expectations.section import Section


class KeptConfig(Strict):
    """The previous release's configuration kept beside it, and what may differ from the
    configuration the node runs with (``deployment.config_var``, read with
    ``deployment.config_reader``): only the keys the candidate's release notes declare."""

    path: str = Field(description="its path under deployment.releases_var, with {version}")
    declared_keys: list[str] = Field(
        description="the configuration keys the release notes declare changed or removed"
    )
    added_keys: list[str] = Field(
        default_factory=list,
        description="the keys the release notes declare new in the candidate: the only keys of "
        "the running configuration the previous release's may lack",
    )

    @field_validator("path")
    @classmethod
    def _has_version(cls, value: str) -> str:
        if "{version}" not in value:
            raise ValueError("a path containing {version}")
        return value


class DownMigrations(Strict):
    """Where the release's migrations and their down-migrations are kept on the database host.
    The release's migrations are those above the previous release's schema version
    (``database_prep.migrations.by_release``)."""

    dir_var: str = Field(description="host var of the db host: the deployed migrations directory")
    up: str = Field("V{n}__*.sql", description="an up-migration's name, with {n}")
    down: str = Field("down/V{n}__*.sql", description="its down-migration's name, with {n}")


class RestorePoint(Strict):
    """The database dump taken just before the deploy's migration."""

    path: str = Field(description="on the db host; may name {version} (the candidate)")
    max_age_h: float = Field(
        gt=0,
        le=YEAR_H,
        description="at most this many hours older than the release's first migration",
    )
    applied_at_column: str = Field(
        "applied_at", description="the migrations table's column of when each was applied"
    )


class Database(Strict):
    """How the runbook takes the database back: down-migrations, or the pre-deploy restore
    point. Whichever it uses must be ready."""

    method: Literal["down_migrations", "restore_point"]
    host: str = Field(description="the database host (its files are read there)")
    down_migrations: DownMigrations | None = None
    restore_point: RestorePoint | None = None
    scratch_timeout_s: Seconds = Field(
        120.0,
        description="each step of trying the runbook's database step on a scratch copy of the "
        "schema (made and dropped on the database host with backup:'s tools) may take this long",
    )


class Runbook(Strict):
    """The rollback runbook: where it is, who runs it, how golive rehearses it."""

    host: str = Field(description="the host it runs on (the deploy host)")
    path: str
    back: str = Field(description="the command that rolls back, with {path}")
    forward: str = Field(description="the command that rolls forward again, with {path}")
    permission: str | None = Field(
        None,
        description="command whose output must name {path} when the deploy user may run it "
        "(sudo -n -l {path}); without it, the file must be executable by the deploy user",
    )
    timeout_s: Seconds = Field(300.0, description="one runbook run may take this long")
    requires: list[Annotated[str, Field(pattern=r"^[A-Za-z0-9_./+-]+$")]] = Field(
        min_length=1,
        description="the commands the runbook calls (names or absolute paths): each must "
        "resolve on its host with `command -v` under search_path",
    )
    search_path: str = Field(
        "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
        description="the PATH the runbook runs with (sudo's secure_path)",
    )
    syntax_check: str | None = Field(
        None,
        description="the command that checks the runbook's syntax without running it, with "
        "{interpreter} and {path}; default: `{interpreter} -n {path}` for sh, bash, dash, ksh "
        "and zsh, `perl -c`, and Python's compile() for python",
    )

    @field_validator("syntax_check")
    @classmethod
    def _names_path(cls, value: str | None) -> str | None:
        if value is not None and "{path}" not in value:
            raise ValueError("a command containing {path}")
        return value


class KeptData(Strict):
    """A table whose rows written before the rollback (before the deploy's migration, where
    the runbook restores the pre-deploy dump) must all be there afterwards."""

    table: str
    created_column: str = Field(description="when a row was written")
    key_column: str = Field(description="its key; the rows' count and key sum are compared")


class Rollback(Section):
    """The rollback plan's readiness and its rehearsal. The previous release's artifact is
    where ``deployment:`` keeps every release on the app nodes, vouched for by the same
    registry."""

    key: ClassVar[str] = "rollback"

    config: KeptConfig
    database: Database
    runbook: Runbook
    slo_s: float | None = Field(
        None,
        gt=0,
        le=DAY_S,
        description="the rollback SLO: seconds to be back on the previous release",
    )
    settle_s: Seconds = Field(
        60.0, description="after a runbook run, how long nodes may take to answer"
    )
    data: list[KeptData] = Field(
        default_factory=list,
        description="tables whose earlier rows the rehearsal requires unchanged in number",
    )
