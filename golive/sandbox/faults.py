"""The fault catalog: inject a known defect into the sandbox, and heal it."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Literal
from urllib.parse import urlsplit

from pydantic import RootModel

from golive.config import Strict, load_model
from golive.errors import UsageError
from golive.sandbox import lifecycle, releases
from golive.sandbox.context import Sandbox
from golive.sandbox.process import run, stop

CATALOG = Path(__file__).with_name("faults.yml")


class StopService(Strict):
    kind: Literal["stop_service"]
    service: str


class SwitchRelease(Strict):
    kind: Literal["switch_release"]
    release: Literal["previous"]


class Expectation(Strict):
    """The check a fault must fail, and what its failure message must say."""

    check: str
    message: str


class Fault(Strict):
    host: str
    breaks: str
    caught_by: list[str]
    expect: Expectation
    action: StopService | SwitchRelease


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


ACTIONS: dict[str, Callable[[Sandbox, Fault, bool], None]] = {
    "stop_service": _stop_service,
    "switch_release": _switch_release,
}


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
