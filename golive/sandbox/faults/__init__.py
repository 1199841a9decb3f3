"""The fault catalog: inject a known defect into the sandbox, and heal it."""

from __future__ import annotations

import os
import shutil
import signal
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Literal
from urllib.parse import urlsplit

from pydantic import RootModel

from golive.model.config import Strict, load_model
from golive.model.errors import UsageError
from golive.sandbox import lifecycle, releases
from golive.sandbox.context import Sandbox
from golive.sandbox.faults import security as security
from golive.sandbox.process import read_pid, run, stop
from golive.sandbox.services import db

CATALOG = Path(__file__).with_name("faults.yml")


class StopService(Strict):
    kind: Literal["stop_service"]
    service: str


class SwitchRelease(Strict):
    kind: Literal["switch_release"]
    release: Literal["previous"]


class Sql(Strict):
    """Run SQL as the superuser on the fault's db host; healing runs ``heal``."""

    kind: Literal["sql"]
    database: str
    inject: str
    heal: str


class ReplaceInFile(Strict):
    """Replace text in a file (a host var of the fault's host, else a path under the sandbox
    dir) in place, keeping owner and mode; optionally SIGHUP one of the host's services."""

    kind: Literal["replace_in_file"]
    file: str
    old: str
    new: str
    sighup: str | None = None


class TamperArtifact(Strict):
    """Replace the host's artifact of the release under certification with one that has an
    extra entry: same version string, different bytes. Healing restores the registry's."""

    kind: Literal["tamper_artifact"]


class AlsoCaught(Strict):
    """A further suite that must catch the fault, through its own check and message."""

    caught_by: list[str]
    check: str
    message: str


class Expectation(Strict):
    """The check a fault must fail, and what its failure message must say."""

    check: str
    message: str


class Fault(Strict):
    host: str
    breaks: str
    caught_by: list[str]
    expect: Expectation
    also: list[AlsoCaught] = []
    action: (
        StopService | SwitchRelease | Sql | ReplaceInFile | TamperArtifact | security.SecurityAction
    )


class Catalog(RootModel[dict[str, Fault]]):
    pass


def catalog() -> dict[str, Fault]:
    return load_model(CATALOG, Catalog).root


def get(name: str) -> Fault:
    faults = catalog()
    if name not in faults:
        raise UsageError(f"unknown fault {name!r}; the catalog has: {', '.join(sorted(faults))}")
    return faults[name]


def _stop_service(sbx: Sandbox, fault: Fault, inject: bool) -> None:
    assert isinstance(fault.action, StopService)
    svc = lifecycle.service(sbx, fault.host, fault.action.service)
    if inject:
        stop(svc.pidfile(sbx))
        if fault.action.service == "sshd":
            _close_ssh_master(sbx, fault.host)
    else:
        lifecycle.start(sbx, [svc])


def _close_ssh_master(sbx: Sandbox, host: str) -> None:
    """Close the suites' persistent SSH connection to ``host``.

    Stopping sshd leaves established sessions alive (as on a real host), so the ControlMaster
    under ``ssh/cm`` would keep the host reachable for the next run.
    """
    url = urlsplit(sbx.host(host).connection)
    user = url.username or sbx.env.inventory.ssh.user
    dest = f"{user}@{url.hostname}" if user else str(url.hostname)
    cmd = ["ssh", "-O", "exit", "-o", f"ControlPath={sbx.path('ssh', 'cm', '%C')}"]
    run([*cmd, *(["-p", str(url.port)] if url.port else []), dest], check=False)


def _switch_release(sbx: Sandbox, fault: Fault, inject: bool) -> None:
    release = sbx.env.inventory.release
    version = release.previous if inject else release.version
    assert version is not None
    releases.link_current(sbx, fault.host, version)
    lifecycle.restart(sbx, lifecycle.service(sbx, fault.host, "tomcat"))


def _sql(sbx: Sandbox, fault: Fault, inject: bool) -> None:
    assert isinstance(fault.action, Sql)
    act = fault.action
    db.psql(sbx, fault.host, act.inject if inject else act.heal, act.database)


def _replace_in_file(sbx: Sandbox, fault: Fault, inject: bool) -> None:
    assert isinstance(fault.action, ReplaceInFile)
    act = fault.action
    vars_ = sbx.host(fault.host).vars
    path = Path(vars_[act.file]) if act.file in vars_ else sbx.path(act.file)
    old, new = (act.old, act.new) if inject else (act.new, act.old)
    text = path.read_text()
    if old in text:
        with path.open("r+") as f:  # in place: owner, mode and inode stay
            f.write(text.replace(old, new))
            f.truncate()
    if act.sighup:
        pid = read_pid(lifecycle.service(sbx, fault.host, act.sighup).pidfile(sbx))
        if pid is not None:
            os.kill(pid, signal.SIGHUP)


def _tamper_artifact(sbx: Sandbox, fault: Fault, inject: bool) -> None:
    version = sbx.env.inventory.release.version
    war = sbx.var(fault.host, "releases") / version / "trading.war"
    staged = war.with_name(".trading.war.tmp")
    shutil.copy2(releases.registry(sbx) / f"trading-{version}.war", staged)
    if inject:
        with zipfile.ZipFile(staged, "a") as z:
            z.writestr("WEB-INF/classes/tampered.txt", "not the registry's build\n")
    staged.replace(war)  # a new inode: the running Tomcat keeps the file it opened


ACTIONS: dict[str, Callable[[Sandbox, Fault, bool], None]] = {
    "stop_service": _stop_service,
    "switch_release": _switch_release,
    "sql": _sql,
    "replace_in_file": _replace_in_file,
    "tamper_artifact": _tamper_artifact,
}


def _security(sbx: Sandbox, fault: Fault, inject: bool) -> None:
    security.ACTIONS[fault.action.kind](sbx, fault.host, fault.action, inject)


ACTIONS |= dict.fromkeys(security.ACTIONS, _security)


def _marker(sbx: Sandbox, name: str) -> Path:
    return sbx.path("faults", name)


def active(sbx: Sandbox) -> list[str]:
    return (
        sorted(p.name for p in sbx.path("faults").glob("*")) if sbx.path("faults").exists() else []
    )


def inject(sbx: Sandbox, name: str) -> Fault:
    fault = get(name)
    lifecycle.enter(sbx)
    ACTIONS[fault.action.kind](sbx, fault, True)
    _marker(sbx, name).parent.mkdir(parents=True, exist_ok=True)
    _marker(sbx, name).write_text(fault.breaks + "\n")
    return fault


def heal(sbx: Sandbox, name: str) -> Fault:
    fault = get(name)
    lifecycle.enter(sbx)
    ACTIONS[fault.action.kind](sbx, fault, False)
    _marker(sbx, name).unlink(missing_ok=True)
    return fault
