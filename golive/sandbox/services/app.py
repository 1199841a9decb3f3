"""Tomcat 10 on Java 17 running the trading webapp, one instance per app host."""

from __future__ import annotations

import shutil

from golive.sandbox import credentials, releases, rollback
from golive.sandbox.context import APP_USER, Sandbox
from golive.sandbox.process import http_answers
from golive.sandbox.render import chown_tree, copy, filled, render, write
from golive.sandbox.services import Service

CATALINA_HOME = "/usr/share/tomcat10"
PORT = 8080
JAVA_OPTS = ["-Xms64m", "-Xmx256m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1"]


def prepare(sbx: Sandbox, host: str) -> None:
    base = sbx.var(host, "catalina_base")
    tomcat = sbx.stack / "tomcat"
    logs = base / "logs"
    for sub in ("conf/Catalina/localhost", "webapps", "work", "temp", "logs"):
        (base / sub).mkdir(parents=True, exist_ok=True)
    render(
        tomcat / "server.xml",
        base / "conf" / "server.xml",
        host=host,
        address=sbx.address(host),
        port=PORT,
        logs=logs,
    )
    render(
        tomcat / "ROOT.xml",
        base / "conf" / "Catalina" / "localhost" / "ROOT.xml",
        releases=sbx.var(host, "releases"),
    )
    for name in ("web.xml", "catalina.properties", "context.xml", "logging.properties"):
        copy(f"/etc/tomcat10/{name}", base / "conf" / name)
    secrets = credentials.ensure(
        sbx.env.inventory.secrets_file or sbx.path("secrets", "credentials.yml")
    )
    db = sbx.env.inventory.database
    config = sbx.var(host, "app_config")
    candidate = filled(
        tomcat / "application.properties",
        node=host,
        address=sbx.address(host),
        db_address=sbx.address(db.host),
        db_port=db.port,
        ca=sbx.path("pki", "ca.crt"),
        db_password=secrets["db_app_password"],
        session_secret=secrets["session_secret"],
        audit_log=sbx.host_var(host, "audit_log"),  # as the app, inside the host, sees it
    )
    # each release's configuration kept beside it, derived from the template (never from the
    # file on disk, which a start keeps as it is); the node runs with its `current` one's
    write(config, rollback.keep_configs(sbx, host, candidate), 0o600, APP_USER)
    config.parent.chmod(0o750)
    sbx.var(host, "audit_log").parent.mkdir(parents=True, exist_ok=True)
    # who logged in from where is personal data: the app appends to a file others cannot read
    sbx.var(host, "audit_log").touch(0o640)
    sbx.var(host, "audit_log").chmod(0o640)
    chown_tree(base, APP_USER)
    chown_tree(sbx.var(host, "audit_log").parent, APP_USER)
    shutil.chown(config.parent, APP_USER, APP_USER)
    if not (sbx.var(host, "releases") / "current").exists():
        releases.deploy(sbx, host)


def command(sbx: Sandbox, host: str) -> list[str]:
    base = sbx.var(host, "catalina_base")
    # Tomcat runs inside the host: its base and configuration named as the host sees them
    # (the inventory's Debian paths, which the checks look for on its command line)
    return [
        "java",
        *JAVA_OPTS,
        f"-Dcatalina.home={CATALINA_HOME}",
        f"-Dcatalina.base={sbx.host_var(host, 'catalina_base')}",
        f"-Djava.io.tmpdir={base / 'temp'}",
        f"-Dtrading.config={sbx.host_var(host, 'app_config')}",
        "-Djava.util.logging.manager=org.apache.juli.ClassLoaderLogManager",
        f"-Djava.util.logging.config.file={base / 'conf' / 'logging.properties'}",
        "-cp",
        f"{CATALINA_HOME}/bin/bootstrap.jar:{CATALINA_HOME}/bin/tomcat-juli.jar",
        "org.apache.catalina.startup.Bootstrap",
        "start",
    ]


def services(sbx: Sandbox) -> list[Service]:
    return [
        Service(
            host,
            "tomcat",
            PORT,
            prepare,
            command,
            user=APP_USER,
            start_timeout=60,
            answers=http_answers("/health"),
        )
        for host in sbx.env.hosts_with_role("app")
    ]
