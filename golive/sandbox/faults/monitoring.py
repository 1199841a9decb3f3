"""Fault actions on monitoring: a scraped service stopped, Prometheus's or Alertmanager's
configuration edited and reloaded.

Prometheus sees a change only at its next scrape or reload, so every action here waits until
the server shows what was injected (or healed): the check that runs next judges the state
the fault describes, not a moment before it. Healing waits until every target is up again.
"""

from __future__ import annotations

import json
import signal
import urllib.request
from collections.abc import Callable
from pathlib import Path
from typing import Any, Literal

from golive.model.errors import SandboxError
from golive.probe.wait import WaitTimeout, wait_until
from golive.sandbox import lifecycle
from golive.sandbox.context import Sandbox
from golive.sandbox.faults.base import FaultAction, replace_in_place, signal_service
from golive.sandbox.process import stop
from golive.sandbox.services.monitoring import ALERTMANAGER_PORT, PROMETHEUS_PORT

WAIT_S = 40.0  # a scrape interval (5 s), a rule evaluation and a reload, with room


def _wait(what: str, done: Callable[[], bool], timeout: float = WAIT_S) -> None:
    def answered() -> bool:
        try:
            return done()
        except OSError:
            return False  # the server is (re)starting

    try:
        wait_until(answered, timeout, 0.25, what=what)
    except WaitTimeout:
        raise SandboxError(f"{what} did not happen within {timeout:.0f} s") from None


def _get(url: str) -> Any:
    with urllib.request.urlopen(url, timeout=2) as response:
        return json.loads(response.read())


def _monitor(sbx: Sandbox) -> str:
    hosts = sbx.env.hosts_with_role("monitoring")
    if not hosts:
        raise SandboxError("the sandbox has no monitoring host")
    return hosts[0]


def _prometheus(sbx: Sandbox) -> str:
    return f"http://{sbx.address(_monitor(sbx))}:{PROMETHEUS_PORT}"


def _targets(sbx: Sandbox) -> list[dict[str, Any]]:
    data = _get(f"{_prometheus(sbx)}/api/v1/targets?state=active")["data"]
    return list(data.get("activeTargets") or [])


def _all_up(sbx: Sandbox) -> bool:
    targets = _targets(sbx)
    return bool(targets) and all(t.get("health") == "up" for t in targets)


def _notifying(sbx: Sandbox) -> bool:
    """Prometheus has an active Alertmanager again (it rediscovers it after a reload)."""
    data = _get(f"{_prometheus(sbx)}/api/v1/alertmanagers")["data"]
    return bool(data.get("activeAlertmanagers"))


def _quiet(sbx: Sandbox) -> bool:
    """No critical alert fires (a healed target's InstanceDown resolves at the next rule
    evaluation, after the target is up)."""
    alerts = _get(f"{_prometheus(sbx)}/api/v1/alerts")["data"].get("alerts") or []
    return not [
        a
        for a in alerts
        if a.get("state") == "firing" and a["labels"].get("severity") == "critical"
    ]


def _evaluated(sbx: Sandbox) -> bool:
    """Every rule was evaluated since the last reload (a reloaded rule's health is "unknown"
    until its group's next evaluation)."""
    groups = _get(f"{_prometheus(sbx)}/api/v1/rules")["data"].get("groups") or []
    rules = [r for g in groups for r in g.get("rules") or []]
    return bool(rules) and all(r.get("health") == "ok" for r in rules)


def settled(sbx: Sandbox) -> None:
    """Wait until Prometheus scrapes every target successfully, has evaluated every rule,
    sends to Alertmanager and no critical alert fires (after healing, and after any reload)."""
    _wait("every Prometheus target up", lambda: _all_up(sbx))
    _wait("every alert rule evaluated", lambda: _evaluated(sbx))
    _wait("Prometheus sending to Alertmanager", lambda: _notifying(sbx))
    _wait("no critical alert firing", lambda: _quiet(sbx))


class StopScraped(FaultAction):
    """Stop a service Prometheus scrapes; injected once Prometheus sees its target down,
    healed once every target is up."""

    kind: Literal["stop_scraped"]
    service: str
    port: int

    def apply(self, sbx: Sandbox, host: str, inject: bool) -> None:
        svc = lifecycle.service(sbx, host, self.service)
        if not inject:
            lifecycle.start(sbx, [svc])
            settled(sbx)
            return
        stop(svc.pidfile(sbx))
        instance = f"{sbx.address(host)}:{self.port}"

        def down() -> bool:
            mine = [t for t in _targets(sbx) if t["labels"].get("instance") == instance]
            return bool(mine) and all(t.get("health") == "down" for t in mine)

        _wait(f"Prometheus seeing {instance} down", down)


class ReloadEdit(FaultAction):
    """Edit a file beside a monitoring service's configuration (``lines`` commented out, or
    ``old`` replaced by ``new``), reload the service (SIGHUP) and wait until its API no longer
    shows ``marker`` (healing: shows it again, and every target is up). ``appears``: the
    marker is what the edit adds (injecting waits until it shows, healing until it is gone)."""

    kind: Literal["reload_edit"]
    service: Literal["prometheus", "alertmanager"]
    file: str
    old: str
    new: str | None = None
    marker: str
    appears: bool = False

    def _path(self, sbx: Sandbox, host: str) -> Path:
        var = "prometheus_config" if self.service == "prometheus" else "alertmanager_config"
        return sbx.var(host, var).with_name(self.file)

    def _shown(self, sbx: Sandbox, host: str) -> bool:
        if self.service == "prometheus":
            base = f"http://{sbx.address(host)}:{PROMETHEUS_PORT}"
            text = json.dumps(_get(f"{base}/api/v1/targets?state=active")) + json.dumps(
                _get(f"{base}/api/v1/rules")
            )
        else:
            base = f"http://{sbx.address(host)}:{ALERTMANAGER_PORT}"
            text = str(_get(f"{base}/api/v2/status")["config"]["original"])
        return self.marker in text

    def apply(self, sbx: Sandbox, host: str, inject: bool) -> None:
        new = self.new if self.new is not None else _commented(self.old)
        old, new = (self.old, new) if inject else (new, self.old)
        replace_in_place(self._path(sbx, host), old, new)
        if not signal_service(sbx, host, self.service, signal.SIGHUP):
            raise SandboxError(f"{host}/{self.service} is not running: it cannot reload")
        if inject:
            _wait(
                f"{host}/{self.service} {'showing' if self.appears else 'dropping'} "
                f"{self.marker!r}",
                lambda: self._shown(sbx, host) == self.appears,
            )
            if self.service == "prometheus":
                _wait("Prometheus sending to Alertmanager", lambda: _notifying(sbx))
        else:
            _wait(
                f"{host}/{self.service} {'dropping' if self.appears else 'showing'} "
                f"{self.marker!r}",
                lambda: self._shown(sbx, host) != self.appears,
            )
            settled(sbx)


def _commented(text: str) -> str:
    return "\n".join(f"# {line}" if line.strip() else line for line in text.split("\n"))
