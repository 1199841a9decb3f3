"""Fault actions of the security suites (registered in ``faults.ACTIONS``).

Each action is ``f(sbx, host, action, inject)``: inject the defect on ``host``, or heal it.
"""

from __future__ import annotations

import dataclasses
import hashlib
import os
import re
import signal
from collections.abc import Callable
from pathlib import Path
from typing import Any, Literal

from cryptography.hazmat.primitives.asymmetric import ec

from golive.model.config import Strict
from golive.model.errors import SandboxError
from golive.sandbox import lifecycle, pki
from golive.sandbox.context import Sandbox
from golive.sandbox.process import read_pid, run, spawn, stop, wait_port
from golive.sandbox.services import Service, db

CURVES: dict[str, type[ec.EllipticCurve]] = {
    "secp256r1": ec.SECP256R1,
    "secp384r1": ec.SECP384R1,
    "secp521r1": ec.SECP521R1,
}


class ServeCertificate(Strict):
    """nginx on the host serves a certificate issued for the fault (names default: public)."""

    kind: Literal["serve_certificate"]
    names: list[str] | None = None
    valid_from_days: int = -1
    valid_days: int = 365
    curve: Literal["secp256r1", "secp384r1", "secp521r1"] = "secp256r1"
    issuer: Literal["sandbox", "rogue"] = "sandbox"


class AppSetting(Strict):
    """Set a key of application.properties on every app host (hot-reloaded); healing puts
    back the stack template's value. ``reset_lockouts`` also clears login lockouts."""

    kind: Literal["app_setting"]
    key: str
    value: str
    reset_lockouts: bool = False


class FileMode(Strict):
    """chmod a file named by a host var; healing restores ``healthy``."""

    kind: Literal["file_mode"]
    file: str
    mode: str
    healthy: str


class DeployWebapp(Strict):
    """Deploy a webapp into the host's Tomcat (context file) and restart it."""

    kind: Literal["deploy_webapp"]
    context: str
    doc_base: str


class EditRestart(Strict):
    """Restart a service with ``old`` replaced by ``new`` in a file its start renders
    (a path under the sandbox dir); healing restarts it from the template."""

    kind: Literal["edit_restart"]
    service: str
    file: str
    old: str
    new: str


class NftRule(Strict):
    """Insert a rule at the top of the sandbox firewall's input chain; healing deletes it."""

    kind: Literal["nft_rule"]
    rule: str


class ChainPolicy(Strict):
    """Set the default policy of the sandbox firewall's input chain; healing restores drop."""

    kind: Literal["chain_policy"]
    policy: Literal["accept"]


class Listener(Strict):
    """An extra TCP listener on the host's address, tracked by pid file."""

    kind: Literal["listener"]
    port: int


SecurityAction = (
    ServeCertificate
    | AppSetting
    | FileMode
    | DeployWebapp
    | EditRestart
    | NftRule
    | ChainPolicy
    | Listener
)


def _restart_with(sbx: Sandbox, svc: Service, edit: tuple[Path, str, str] | None) -> None:
    """Restart ``svc``; with ``edit``, replace text in a rendered file before it starts."""

    def prepare(s: Sandbox, host: str) -> None:
        svc.prepare(s, host)
        if edit is not None:
            path, old, new = edit
            text = path.read_text()
            if old not in text:
                raise SandboxError(f"{path}: {old!r} not found; cannot inject the fault")
            with path.open("r+") as f:  # in place: owner and mode stay
                f.write(text.replace(old, new))
                f.truncate()

    stop(svc.pidfile(sbx))
    lifecycle.start(sbx, [dataclasses.replace(svc, prepare=prepare)])


def _sighup(sbx: Sandbox, host: str, service: str) -> None:
    pid = read_pid(lifecycle.service(sbx, host, service).pidfile(sbx))
    if pid is not None:
        os.kill(pid, signal.SIGHUP)


def serve_certificate(sbx: Sandbox, host: str, act: ServeCertificate, inject: bool) -> None:
    conf = sbx.var(host, "nginx_conf")
    healthy = (sbx.path("pki", "public.crt"), sbx.path("pki", "public.key"))
    text = conf.read_text()
    if inject:
        ca_dir = sbx.path("pki") if act.issuer == "sandbox" else sbx.path("pki", "rogue")
        pki.ensure_ca(ca_dir)
        fault = pki.issue(
            ca_dir,
            f"fault-{host}",
            act.names or [sbx.env.inventory.public.hostname],
            valid_from_days=act.valid_from_days,
            valid_days=act.valid_days,
            curve=CURVES[act.curve],
        )
        pairs = list(zip(healthy, fault, strict=True))
    else:
        found = re.findall(r"ssl_certificate(?:_key)? (\S+);", text)
        pairs = [(Path(p), h) for p, h in zip(found, healthy, strict=True)]
    for old, new in pairs:
        text = text.replace(f" {old};", f" {new};")
    conf.write_text(text)
    _sighup(sbx, host, "nginx")


def _set_property(path: Path, key: str, value: str) -> None:
    lines = path.read_text().splitlines()
    out = [f"{key}={value}" if line.split("=", 1)[0].strip() == key else line for line in lines]
    with path.open("r+") as f:  # in place: the file stays 0600 and the app's
        f.write("\n".join(out) + "\n")
        f.truncate()


def app_setting(sbx: Sandbox, host: str, act: AppSetting, inject: bool) -> None:
    value = act.value
    if not inject:
        template = (sbx.stack / "tomcat" / "application.properties").read_text()
        match = re.search(rf"^{re.escape(act.key)}=(.*)$", template, re.M)
        if match is None:
            raise SandboxError(f"{act.key} is not in the application.properties template")
        value = match.group(1)
    for app_host in sbx.env.hosts_with_role(*sbx.host(host).roles):
        _set_property(sbx.var(app_host, "app_config"), act.key, value)
    if inject and act.reset_lockouts:
        database = sbx.env.inventory.database.host
        sql = "UPDATE users SET failed_logins = 0, locked_until = NULL"
        db.psql(sbx, database, sql, sbx.env.inventory.database.dbname)


def file_mode(sbx: Sandbox, host: str, act: FileMode, inject: bool) -> None:
    sbx.var(host, act.file).chmod(int(act.mode if inject else act.healthy, 8))


def deploy_webapp(sbx: Sandbox, host: str, act: DeployWebapp, inject: bool) -> None:
    context = sbx.var(host, "catalina_base") / "conf" / "Catalina" / "localhost"
    path = context / f"{act.context}.xml"
    if inject:
        path.write_text(f'<Context docBase="{act.doc_base}" antiResourceLocking="false" />\n')
    else:
        path.unlink(missing_ok=True)
    _restart_with(sbx, lifecycle.service(sbx, host, "tomcat"), None)


def edit_restart(sbx: Sandbox, host: str, act: EditRestart, inject: bool) -> None:
    svc = lifecycle.service(sbx, host, act.service)
    _restart_with(sbx, svc, (sbx.path(act.file), act.old, act.new) if inject else None)


def nft_rule(sbx: Sandbox, host: str, act: NftRule, inject: bool) -> None:
    tag = "golive-fault-" + hashlib.sha256(act.rule.encode()).hexdigest()[:8]
    chain = ["inet", "golive", "input"]
    if inject:
        run(["nft", "insert", "rule", *chain, *act.rule.split(), "comment", f'"{tag}"'])
        return
    listing = run(["nft", "-a", "list", "chain", *chain]).stdout
    for handle in re.findall(rf'comment "{tag}" # handle (\d+)', listing):
        run(["nft", "delete", "rule", *chain, "handle", handle])


def chain_policy(sbx: Sandbox, host: str, act: ChainPolicy, inject: bool) -> None:
    policy = act.policy if inject else "drop"
    run(["nft", "chain", "inet", "golive", "input", "{", f"policy {policy};", "}"])


def listener(sbx: Sandbox, host: str, act: Listener, inject: bool) -> None:
    pidfile = sbx.pidfile(host, f"stray-{act.port}")
    if not inject:
        stop(pidfile)
        return
    address = sbx.address(host)
    cmd = ["python3", "-m", "http.server", "--bind", address, str(act.port)]
    spawn(cmd, pidfile, sbx.log(host, f"stray-{act.port}"), user="nobody", cwd=Path("/tmp"))
    wait_port(address, act.port, 10, f"{host} stray listener", pidfile)


ACTIONS: dict[str, Callable[[Sandbox, str, Any, bool], None]] = {
    "serve_certificate": serve_certificate,
    "app_setting": app_setting,
    "file_mode": file_mode,
    "deploy_webapp": deploy_webapp,
    "edit_restart": edit_restart,
    "nft_rule": nft_rule,
    "chain_policy": chain_policy,
    "listener": listener,
}
