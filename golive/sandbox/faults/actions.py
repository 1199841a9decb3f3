"""Fault actions on services, files, data and releases (see :mod:`.base` for the contract)."""

from __future__ import annotations

import contextlib
import dataclasses
import hashlib
import io
import os
import re
import shutil
import signal
import time
import zipfile
from pathlib import Path
from typing import Literal
from urllib.parse import urlsplit

from pydantic import Field

from golive.model.errors import SandboxError
from golive.sandbox import lifecycle, releases
from golive.sandbox.context import Sandbox
from golive.sandbox.faults.base import (
    APP_CONFIG,
    FaultAction,
    app_config_edited,
    edit_in_place,
    replace_in_place,
    signal_service,
)
from golive.sandbox.process import descendants, read_pid, run, spawn, stop, wait_port
from golive.sandbox.services import db

NGINX_DEFAULT_FAIL_TIMEOUT_S = 10


def _lb_fail_timeout(sbx: Sandbox) -> int:
    """The longest ``fail_timeout`` of the balancers' running nginx configurations: how long
    nginx keeps a failed upstream server out of rotation (nginx's default where unset)."""
    found = [NGINX_DEFAULT_FAIL_TIMEOUT_S] if not sbx.env.hosts_with_role("lb") else []
    for host in sbx.env.hosts_with_role("lb"):
        text = sbx.var(host, "nginx_conf").read_text()
        values = [int(v) for v in re.findall(r"\bfail_timeout=(\d+)s?\b", text)]
        found += values or [NGINX_DEFAULT_FAIL_TIMEOUT_S]
    return max(found)


def file_path(sbx: Sandbox, host: str, file: str) -> Path:
    """Where the controller finds a fault's ``file``: a host var, a path as the host sees it
    (absolute: ``/etc/ssh/sshd_config``), or a path under the sandbox dir."""
    if file in sbx.host(host).vars:
        return sbx.var(host, file)
    return sbx.local(host, file) if file.startswith("/") else sbx.path(file)


class StopService(FaultAction):
    """Stop one of the host's services; healing starts it again."""

    kind: Literal["stop_service"]
    service: str

    def apply(self, sbx: Sandbox, host: str, inject: bool) -> None:
        svc = lifecycle.service(sbx, host, self.service)
        if not inject:
            lifecycle.start(sbx, [svc])
            if self.service == "tomcat":
                # healed means healed as the balancer sees it too: nginx keeps a node that
                # failed out of rotation for its fail_timeout
                time.sleep(_lb_fail_timeout(sbx) + 1)
            return
        stop(svc.pidfile(sbx))
        if self.service == "sshd":
            _close_ssh_master(sbx, host)


class HangService(FaultAction):
    """Freeze every process of one of the host's services (SIGSTOP): it keeps its port, the
    kernel still accepts connections, and nothing answers (a hung JVM, a deadlocked server);
    healing continues them (SIGCONT)."""

    kind: Literal["hang_service"]
    service: str

    def apply(self, sbx: Sandbox, host: str, inject: bool) -> None:
        svc = lifecycle.service(sbx, host, self.service)
        pid = read_pid(svc.pidfile(sbx))
        if pid is None:
            raise SandboxError(f"{host}/{self.service} is not running: nothing to hang")
        for one in descendants(pid):
            with contextlib.suppress(ProcessLookupError):
                os.kill(one, signal.SIGSTOP if inject else signal.SIGCONT)
        if not inject and self.service == "tomcat":
            time.sleep(_lb_fail_timeout(sbx) + 1)  # as StopService: the balancer's view too


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


class SwitchRelease(FaultAction):
    """Point the host's ``current`` link at the previous release and restart Tomcat."""

    kind: Literal["switch_release"]
    release: Literal["previous"]

    def apply(self, sbx: Sandbox, host: str, inject: bool) -> None:
        release = sbx.env.inventory.release
        version = release.previous if inject else release.version
        if version is None:
            raise SandboxError("the inventory names no previous release to switch to")
        releases.link_current(sbx, host, version)
        lifecycle.restart(sbx, lifecycle.service(sbx, host, "tomcat"))


class Sql(FaultAction):
    """Run SQL as the superuser on the fault's db host; healing runs ``heal``."""

    kind: Literal["sql"]
    database: str
    inject: str
    heal: str

    def apply(self, sbx: Sandbox, host: str, inject: bool) -> None:
        db.psql(sbx, host, self.inject if inject else self.heal, self.database)


class ReplaceInFile(FaultAction):
    """Replace text in a file (a host var of the fault's host, else a path under the sandbox
    dir) in place; optionally SIGHUP one of the host's services to reload it."""

    kind: Literal["replace_in_file"]
    file: str
    old: str
    new: str
    sighup: str | None = None

    def apply(self, sbx: Sandbox, host: str, inject: bool) -> None:
        path = file_path(sbx, host, self.file)
        old, new = (self.old, self.new) if inject else (self.new, self.old)
        replace_in_place(path, old, new)
        if self.sighup:
            signal_service(sbx, host, self.sighup)
        if self.file == APP_CONFIG:
            app_config_edited()


class TamperArtifact(FaultAction):
    """Replace the host's artifact of the release under certification with one that has an
    extra entry: same version string, different bytes. Healing restores the registry's."""

    kind: Literal["tamper_artifact"]

    def apply(self, sbx: Sandbox, host: str, inject: bool) -> None:
        version = sbx.env.inventory.release.version
        war = sbx.var(host, "releases") / version / "trading.war"
        staged = war.with_name(".trading.war.tmp")
        shutil.copy2(releases.registry(sbx) / f"trading-{version}.war", staged)
        if inject:
            with zipfile.ZipFile(staged, "a") as z:
                z.writestr("WEB-INF/classes/tampered.txt", "not the registry's build\n")
        staged.replace(war)  # a new inode: the running Tomcat keeps the file it opened


class AppSetting(FaultAction):
    """Set a key of application.properties on every host of the fault host's roles (the app
    reloads it); healing puts back the stack template's value. ``reset_lockouts`` also clears
    login lockouts."""

    kind: Literal["app_setting"]
    key: str
    value: str
    reset_lockouts: bool = False

    def _healthy(self, sbx: Sandbox) -> str:
        template = (sbx.stack / "tomcat" / "application.properties").read_text()
        match = re.search(rf"^{re.escape(self.key)}=(.*)$", template, re.M)
        if match is None:
            raise SandboxError(f"{self.key} is not in the application.properties template")
        return match.group(1)

    def apply(self, sbx: Sandbox, host: str, inject: bool) -> None:
        value = self.value if inject else self._healthy(sbx)

        def set_key(text: str) -> str:
            lines = [
                f"{self.key}={value}" if line.split("=", 1)[0].strip() == self.key else line
                for line in text.splitlines()
            ]
            return "\n".join(lines) + "\n"

        for app_host in sbx.env.hosts_with_role(*sbx.host(host).roles):
            edit_in_place(sbx.var(app_host, APP_CONFIG), set_key)
        app_config_edited()
        if inject and self.reset_lockouts:
            database = sbx.env.inventory.database
            sql = "UPDATE users SET failed_logins = 0, locked_until = NULL"
            db.psql(sbx, database.host, sql, database.dbname)


class FileMode(FaultAction):
    """chmod a file or directory (a host var of the fault's host, else a path under the
    sandbox dir); healing restores ``healthy``."""

    kind: Literal["file_mode"]
    file: str
    mode: str
    healthy: str

    def apply(self, sbx: Sandbox, host: str, inject: bool) -> None:
        path = file_path(sbx, host, self.file)
        path.chmod(int(self.mode if inject else self.healthy, 8))


class DeployWebapp(FaultAction):
    """Deploy a webapp into the host's Tomcat (a context file) and restart it."""

    kind: Literal["deploy_webapp"]
    context: str
    doc_base: str

    def apply(self, sbx: Sandbox, host: str, inject: bool) -> None:
        context = sbx.var(host, "catalina_base") / "conf" / "Catalina" / "localhost"
        path = context / f"{self.context}.xml"
        if inject:
            path.write_text(f'<Context docBase="{self.doc_base}" antiResourceLocking="false" />\n')
        else:
            path.unlink(missing_ok=True)
        lifecycle.restart(sbx, lifecycle.service(sbx, host, "tomcat"))


class EditRestart(FaultAction):
    """Restart a service with ``old`` replaced by ``new`` in its configuration (a path under
    the sandbox dir); healing puts ``old`` back and restarts it (a start keeps the file on
    disk, as systemd does)."""

    kind: Literal["edit_restart"]
    service: str
    file: str
    old: str
    new: str

    def apply(self, sbx: Sandbox, host: str, inject: bool) -> None:
        svc = lifecycle.service(sbx, host, self.service)
        path = sbx.path(self.file)
        stop(svc.pidfile(sbx))
        if inject != (self.new in path.read_text()):  # not injected twice (new may hold old)
            replace_in_place(path, *((self.old, self.new) if inject else (self.new, self.old)))
        lifecycle.start(sbx, [svc])


class Listener(FaultAction):
    """An extra TCP listener on the host's address, tracked by pid file."""

    kind: Literal["listener"]
    port: int

    def apply(self, sbx: Sandbox, host: str, inject: bool) -> None:
        pidfile = sbx.pidfile(host, f"stray-{self.port}")
        if not inject:
            stop(pidfile)
            return
        address = sbx.address(host)
        cmd = ["python3", "-m", "http.server", "--bind", address, str(self.port)]
        log = sbx.log(host, f"stray-{self.port}")
        spawn(cmd, pidfile, log, user="nobody", cwd=Path("/tmp"))
        wait_port(address, self.port, 10, f"{host} stray listener", pidfile)


def _restamped(war: Path, entry: str, key: str, value: str) -> bytes:
    """The bytes of ``war`` with ``key`` of its properties entry ``entry`` set to ``value``:
    the archive a rebuild from other sources with the same version string gives."""
    out = io.BytesIO()
    with zipfile.ZipFile(war) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            data = src.read(info)
            if info.filename == entry:
                text = data.decode()
                data = re.sub(rf"(?m)^{re.escape(key)}=.*$", f"{key}={value}", text).encode()
            dst.writestr(info, data)
    return out.getvalue()


class ForeignArtifact(FaultAction):
    """Serve an artifact of the release under certification that is not the registry's
    release artifact: ``rebuild`` stamps another build fingerprint into a copy (a rebuild
    from other sources, same version string; Tomcat restarts to load it), ``outside`` deploys
    the copy in a directory beside the releases and points ``current`` at it. Healing puts
    back the registry's artifact and the ``current`` link."""

    kind: Literal["foreign_artifact"]
    rebuild: bool = False
    outside: bool = False
    stamp_entry: str = "WEB-INF/classes/build.properties"
    stamp_key: str = "build"

    def apply(self, sbx: Sandbox, host: str, inject: bool) -> None:
        version = sbx.env.inventory.release.version
        registry_war = releases.registry(sbx) / f"trading-{version}.war"
        release_dir = sbx.var(host, "releases")
        elsewhere = release_dir.parent / "hotfix" / version
        if self.outside:
            if inject:
                elsewhere.mkdir(parents=True, exist_ok=True)
                self._place(registry_war, elsewhere / "trading.war", inject)
                releases.link_current(sbx, host, str(elsewhere))
            else:
                releases.link_current(sbx, host, version)
                shutil.rmtree(elsewhere.parent, ignore_errors=True)
        else:
            self._place(registry_war, release_dir / version / "trading.war", inject)
        if self.rebuild:
            lifecycle.restart(sbx, lifecycle.service(sbx, host, "tomcat"))

    def _place(self, registry_war: Path, dest: Path, inject: bool) -> None:
        staged = dest.with_name(".trading.war.tmp")
        if inject and self.rebuild:
            stamp = hashlib.sha256(b"rebuilt elsewhere").hexdigest()
            staged.write_bytes(_restamped(registry_war, self.stamp_entry, self.stamp_key, stamp))
        else:
            shutil.copy2(registry_war, staged)
        staged.replace(dest)  # a new inode: the running Tomcat keeps the file it opened


class StraySchema(FaultAction):
    """Send the host's application to a stray schema: ``name`` on the database holds copies
    of ``tables`` (sharing their id sequences, writable by the application role) and comes
    first on the search path of the host's JDBC URL (``currentSchema``), so what it writes
    there never reaches the environment's tables; its other tables still resolve to public.
    Healing restores the URL and drops the schema."""

    kind: Literal["stray_schema"]
    name: str
    tables: list[str] = Field(min_length=1)
    url_key: str = "db.url"

    def apply(self, sbx: Sandbox, host: str, inject: bool) -> None:
        database = sbx.env.inventory.database
        config = sbx.var(host, APP_CONFIG)
        suffix = f"&currentSchema={self.name},public"
        schema = f'"{self.name}"'
        if inject:
            sql = [f"CREATE SCHEMA IF NOT EXISTS {schema}"]
            sql += [
                f'CREATE TABLE IF NOT EXISTS {schema}."{t}" (LIKE public."{t}" INCLUDING ALL)'
                for t in self.tables
            ]
            sql += [
                f'GRANT USAGE ON SCHEMA {schema} TO "{database.app_role}"',
                f"GRANT SELECT, INSERT, UPDATE ON ALL TABLES IN SCHEMA {schema} "
                f'TO "{database.app_role}"',
            ]
            db.psql(sbx, database.host, ";\n".join(sql), database.dbname)

        def edit(text: str) -> str:
            lines = []
            for line in text.splitlines():
                if line.split("=", 1)[0].strip() == self.url_key:
                    line = line.removesuffix(suffix) + (suffix if inject else "")
                lines.append(line)
            return "\n".join(lines) + "\n"

        edit_in_place(config, edit)
        app_config_edited()  # before the schema it may still write to goes
        if not inject:
            db.psql(sbx, database.host, f"DROP SCHEMA IF EXISTS {schema} CASCADE", database.dbname)


class ConfigOverride(FaultAction):
    """Restart the host's Tomcat with its configuration option naming a copy of its
    configuration file with ``key`` set to ``value`` (an override in a start script): the
    declared file stays as it is, the running application reads another. Healing restarts
    Tomcat as the stack starts it and removes the copy."""

    kind: Literal["config_override"]
    key: str
    value: str
    option: str = "-Dtrading.config="

    def apply(self, sbx: Sandbox, host: str, inject: bool) -> None:
        svc = lifecycle.service(sbx, host, "tomcat")
        config = sbx.var(host, APP_CONFIG)
        copy = config.with_name("override.properties")
        if not inject:
            lifecycle.restart(sbx, svc)
            copy.unlink(missing_ok=True)
            return
        lines = [
            f"{self.key}={self.value}" if line.split("=", 1)[0].strip() == self.key else line
            for line in config.read_text().splitlines()
        ]
        copy.write_text("\n".join(lines) + "\n")
        copy.chmod(0o600)
        if svc.user:
            shutil.chown(copy, svc.user, svc.user)
        declared = f"{self.option}{sbx.host_var(host, 'app_config')}"

        def command(s: Sandbox, name: str) -> list[str]:
            args = svc.command(s, name)
            if declared not in args:
                raise SandboxError(f"{host}: Tomcat is not started with {declared}")
            return [f"{self.option}{copy}" if a == declared else a for a in args]

        stop(svc.pidfile(sbx))
        lifecycle.start(sbx, [dataclasses.replace(svc, command=command)])
