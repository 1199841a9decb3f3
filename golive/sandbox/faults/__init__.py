"""The fault catalog: inject a known defect into the sandbox, and heal it.

``faults.yml`` is the catalog; each fault names its host, what it breaks, the suites that
catch it (``caught_by``, and ``also`` for further suites with their own check) and its action.
An entry with ``healthy: true`` is a healthy variant instead (a wildcard certificate): a
change the suites it names (``stays_go``) must certify GO, applied and undone as a fault is.
Every action has one calling convention, ``action.apply(sbx, host, inject)``
(:mod:`.base`); :data:`Action` is the registry of the kinds an entry may use.
"""

from __future__ import annotations

import difflib
from pathlib import Path
from typing import Annotated, Literal

from pydantic import Field, RootModel

from golive.model.config import Strict, load_model
from golive.model.errors import UsageError
from golive.model.resources import resource
from golive.sandbox import lifecycle
from golive.sandbox.context import Sandbox
from golive.sandbox.faults import (
    actions,
    backup,
    clock,
    identity,
    load,
    monitoring,
    packages,
    rollback,
    security,
    tlsfw,
    watch,
)

CATALOG = resource("golive.sandbox.faults", "faults.yml")

Action = Annotated[
    actions.StopService
    | actions.HangService
    | actions.SwitchRelease
    | actions.Sql
    | actions.ReplaceInFile
    | actions.TamperArtifact
    | actions.AppSetting
    | actions.FileMode
    | actions.DeployWebapp
    | actions.EditRestart
    | actions.Listener
    | actions.ForeignArtifact
    | actions.StraySchema
    | actions.ConfigOverride
    | security.ServeCertificate
    | security.NftRule
    | security.ChainPolicy
    | tlsfw.PostgresTls
    | tlsfw.NginxDhGroup
    | tlsfw.UdpService
    | tlsfw.TcpForward
    | identity.SshAlias
    | identity.Hostname
    | identity.PortTaken
    | clock.ClockOffset
    | packages.PackageVersion
    | load.GeneratorCpu
    | rollback.MoveAside
    | backup.CorruptFile
    | backup.AgeBackups
    | backup.ExtraBackups
    | backup.DumpWithoutRows
    | backup.ArchiveFailing
    | backup.ArchiveGap
    | backup.ArchiveLagging
    | backup.ArchiveElsewhere
    | monitoring.StopScraped
    | monitoring.ReloadEdit
    | watch.SeriesEdit,
    Field(discriminator="kind"),
]


class AlsoCaught(Strict):
    """A further suite that must catch the fault, through its own check and message."""

    caught_by: list[str] = Field(min_length=1)
    check: str
    message: str


class Expectation(Strict):
    """The check a fault must fail, and what its failure message must say."""

    check: str
    message: str


class Fault(Strict):
    host: str
    breaks: str
    caught_by: list[str] = Field(min_length=1, description="suite markers that catch it")
    expect: Expectation
    also: list[AlsoCaught] = []
    action: Action
    # The matrix compares every fault's verdict serially and under xdist. A fault whose suite
    # is long (a load run, a restore drill) and already proves its xdist rule elsewhere sets
    # this to false: it then runs serially only, to keep the self-test within its budget.
    xdist: bool = True
    # Extra pytest options for the matrix's runs of this fault (e.g. a shorter load profile).
    options: list[str] = []

    @property
    def suites(self) -> list[str]:
        """Every suite that catches the fault: its own first, then the ``also`` ones."""
        found = list(self.caught_by)
        for also in self.also:
            found += [s for s in also.caught_by if s not in found]
        return found


class Variant(Strict):
    """A healthy variant: a change to the sandbox that must leave the suites ``stays_go``
    names GO (a deployment golive must not refuse, e.g. a wildcard certificate). ``shows`` is
    a fragment of the run's evidence that proves the variant was in place."""

    host: str
    healthy: Literal[True]
    varies: str
    stays_go: list[str] = Field(min_length=1, description="suite markers that must stay GO")
    shows: str
    action: Action

    @property
    def breaks(self) -> str:
        return f"nothing (a healthy variant): {self.varies}"

    @property
    def suites(self) -> list[str]:
        return list(self.stays_go)


class Catalog(RootModel[dict[str, Fault | Variant]]):
    pass


def _entries() -> dict[str, Fault | Variant]:
    return load_model(CATALOG, Catalog).root


def catalog() -> dict[str, Fault]:
    """The faults: every one must be caught, then healed to GO."""
    return {n: e for n, e in _entries().items() if isinstance(e, Fault)}


def variants() -> dict[str, Variant]:
    """The healthy variants: every one must stay GO."""
    return {n: e for n, e in _entries().items() if isinstance(e, Variant)}


def entry(name: str) -> Fault | Variant:
    """The catalog's fault or healthy variant of that name."""
    entries = _entries()
    if name not in entries:
        near = difflib.get_close_matches(name, entries, n=3)
        hint = f"did you mean {' or '.join(near)}?" if near else "none is near it"
        raise UsageError(
            f"unknown fault {name!r}: {hint} (`golive sandbox fault` lists all {len(entries)})"
        )
    return entries[name]


def get(name: str) -> Fault:
    found = entry(name)
    if not isinstance(found, Fault):
        raise UsageError(f"{name} is a healthy variant of the catalog, not a fault")
    return found


def listing() -> list[str]:
    """One line per fault: name, host, the suites that catch it, what it breaks (a healthy
    variant: the suites that must stay GO, and what it varies)."""
    rows = [
        (name, f.host, ", ".join(f.suites), f.breaks)
        if isinstance(f, Fault)
        else (name, f.host, f"GO: {', '.join(f.suites)}", f.breaks)
        for name, f in _entries().items()
    ]
    header = ("FAULT", "HOST", "CAUGHT BY", "BREAKS")
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(3)]
    return [
        f"{name:<{widths[0]}}  {host:<{widths[1]}}  {suites:<{widths[2]}}  {breaks}"
        for name, host, suites, breaks in [header, *rows]
    ]


def _marker(sbx: Sandbox, name: str) -> Path:
    return sbx.path("faults", name)


def active(sbx: Sandbox) -> list[str]:
    return (
        sorted(p.name for p in sbx.path("faults").glob("*")) if sbx.path("faults").exists() else []
    )


def inject(sbx: Sandbox, name: str) -> Fault | Variant:
    fault = entry(name)
    lifecycle.enter(sbx)
    fault.action.apply(sbx, fault.host, True)
    _marker(sbx, name).parent.mkdir(parents=True, exist_ok=True)
    _marker(sbx, name).write_text(fault.breaks + "\n")
    return fault


def heal(sbx: Sandbox, name: str) -> Fault | Variant:
    fault = entry(name)
    lifecycle.enter(sbx)
    fault.action.apply(sbx, fault.host, False)
    _marker(sbx, name).unlink(missing_ok=True)
    return fault
