"""What the check user may do through sudo in a sandbox: read the app config as its owner,
list the firewall ruleset, stop/start sandbox services (drills), and run the backup tools
as PostgreSQL's user (backup checks, the restore drill). One sudoers drop-in
per sandbox namespace."""

from __future__ import annotations

import sys
from pathlib import Path

from golive.model.expectations.rollback import Rollback
from golive.probe.listeners import PORT_HOLDERS
from golive.sandbox import releases
from golive.sandbox.context import APP_USER, Sandbox
from golive.sandbox.process import run
from golive.sandbox.render import write
from golive.sandbox.services import db, ssh

SUDOERS = Path("/etc/sudoers.d")
# what the backup checks and the restore drill run as PostgreSQL's user (golive.probe.pgbackup)
BACKUP_TOOLS = (
    *(
        str(db.PG_BIN / t)
        for t in ("pg_verifybackup", "pg_restore", "psql", "pg_ctl", "pg_controldata", "pg_dump")
    ),
    "/usr/bin/pgbackrest",
    "/usr/bin/find",
    "/usr/bin/cat",
    "/usr/bin/sha256sum",
    "/usr/bin/cp",
    "/usr/bin/rm",
    "/usr/bin/mkdir",
)


def dropin(sbx: Sandbox) -> Path:
    return SUDOERS / f"golive-{sbx.netns}"


def wrapper(sbx: Sandbox) -> Path:
    return sbx.path("bin", "service")


def install(sbx: Sandbox, user: str) -> None:
    """The service wrapper (root-owned) and the sudoers drop-in, validated by visudo."""
    write(
        wrapper(sbx),
        "#!/bin/sh\n# stop|start HOST SERVICE of this sandbox (drills run it through sudo)\n"
        f"export GOLIVE_SANDBOX_DIR='{sbx.dir}' GOLIVE_NETNS='{sbx.netns}' "
        f"GOLIVE_ENVDIR='{sbx.env.path.resolve().parent}'\n"
        f"exec '{sys.executable}' -m golive.sandbox.service_ctl \"$@\"\n",
    )
    wrapper(sbx).chmod(0o755)
    wrapper(sbx).parent.chmod(0o755)
    # each host's files as the host sees them (the inventory's Debian paths, bound over the
    # machine's in its namespaces: golive/sandbox/hostns.py) and as the sandbox keeps them
    app_hosts = sbx.env.hosts_with_role("app")
    configs = ", ".join(
        sorted(
            {
                f"/usr/bin/cat {f(h, 'app_config')}"
                for h in app_hosts
                for f in (sbx.var, sbx.host_var)
            }
        )
    )
    # rollback: the configuration each node keeps beside every release, and the runbook
    kept = ", ".join(
        sorted(
            {
                f"/usr/bin/cat {f(h, 'releases') / v / 'application.properties'}"
                for h in app_hosts
                for f in (sbx.var, sbx.host_var)
                for v in releases.versions(sbx)
            }
        )
    )
    # the hardening suite's reads of sshd's and nginx's effective configuration (sshd -T with
    # -C per connection, nginx -T): both need root to load host keys / TLS keys
    sshd = ", ".join(
        f"/usr/sbin/sshd -T -f {c}, /usr/sbin/sshd -T -f {c} -C *"
        for h in sbx.env.inventory.hosts
        for c in sorted(
            {str(ssh.HOST_CONFIG), *(str(ssh.config(sbx, h)) for h in sbx.env.inventory.hosts)}
        )
    )
    nginx = ", ".join(
        sorted(
            {
                f"/usr/sbin/nginx -T -c {f(h, 'nginx_conf')}"
                for h in sbx.env.hosts_with_role("lb")
                for f in (sbx.var, sbx.host_var)
            }
        )
    )
    rules = (
        f"# golive sandbox {sbx.dir}: drills and config reads by the check user\n"
        f"{user} ALL=(root) NOPASSWD: {wrapper(sbx)}\n"
        f"{user} ALL=({APP_USER}) NOPASSWD: {configs}\n"
        f"{user} ALL=({APP_USER}) NOPASSWD: {kept}\n"
        f"{user} ALL=(root) NOPASSWD: {', '.join(runbook_paths(sbx))}\n"
        f"{user} ALL=(root) NOPASSWD: /usr/sbin/nft -j list ruleset\n"
        f"{user} ALL=(root) NOPASSWD: {PORT_HOLDERS.removeprefix('sudo -n ')}\n"
        f"{user} ALL=(root) NOPASSWD: {sshd}\n"
        f"{user} ALL=(root) NOPASSWD: {nginx}\n"
        f"{user} ALL=({db.USER}) NOPASSWD: {', '.join(BACKUP_TOOLS)}\n"
    )
    staged = dropin(sbx).with_suffix(".new")  # sudo skips names with a dot
    write(staged, rules, mode=0o440)
    run(["visudo", "-c", "-q", "-f", str(staged)])
    staged.replace(dropin(sbx))


def rollback_runbook(sbx: Sandbox) -> Path:
    """The rollback runbook the deploy user runs with sudo (see :mod:`golive.sandbox.rollback`),
    as the controller finds it; an app host sees it at /opt/trading/bin/rollback (staging's
    path: context.HOST_DIRS binds the sandbox's bin/ there)."""
    return sbx.path("bin", "rollback")


def runbook_paths(sbx: Sandbox) -> list[str]:
    """The runbook as the controller names it and as the expectations' runbook host sees it."""
    found = sbx.env.expectations.get(Rollback)
    seen = {str(rollback_runbook(sbx))}
    if found is not None:
        seen.add(str(Path(found.runbook.path)))
    return sorted(seen)


def remove(sbx: Sandbox) -> None:
    dropin(sbx).unlink(missing_ok=True)
