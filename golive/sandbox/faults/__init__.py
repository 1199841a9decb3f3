"""The fault catalog: inject a known defect into the sandbox, and heal it.

``faults.yml`` is the catalog; each fault names its host, what it breaks, the suites that
catch it (``caught_by``, and ``also`` for further suites with their own check) and its action.
Every action has one calling convention, ``action.apply(sbx, host, inject)``
(:mod:`.base`); :data:`Action` is the registry of the kinds an entry may use.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

from pydantic import Field, RootModel

from golive.model.config import Strict, load_model
from golive.model.errors import UsageError
from golive.sandbox import lifecycle
from golive.sandbox.context import Sandbox
from golive.sandbox.faults import actions, backup, load, monitoring, rollback, security, tlsfw

CATALOG = Path(__file__).with_name("faults.yml")

Action = Annotated[
    actions.StopService
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
    | load.GeneratorCpu
    | rollback.MoveAside
    | backup.CorruptFile
    | backup.AgeBackups
    | backup.ExtraBackups
    | backup.DumpWithoutRows
    | monitoring.StopScraped
    | monitoring.ReloadEdit,
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


class Catalog(RootModel[dict[str, Fault]]):
    pass


def catalog() -> dict[str, Fault]:
    return load_model(CATALOG, Catalog).root


def get(name: str) -> Fault:
    faults = catalog()
    if name not in faults:
        raise UsageError(f"unknown fault {name!r}; the catalog has: {', '.join(sorted(faults))}")
    return faults[name]


def listing() -> list[str]:
    """One line per fault: name, host, the suites that catch it, what it breaks."""
    rows = [(name, f.host, ", ".join(f.suites), f.breaks) for name, f in catalog().items()]
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


def inject(sbx: Sandbox, name: str) -> Fault:
    fault = get(name)
    lifecycle.enter(sbx)
    fault.action.apply(sbx, fault.host, True)
    _marker(sbx, name).parent.mkdir(parents=True, exist_ok=True)
    _marker(sbx, name).write_text(fault.breaks + "\n")
    return fault


def heal(sbx: Sandbox, name: str) -> Fault:
    fault = get(name)
    lifecycle.enter(sbx)
    fault.action.apply(sbx, fault.host, False)
    _marker(sbx, name).unlink(missing_ok=True)
    return fault
