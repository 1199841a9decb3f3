"""The sandbox's layout on disk, derived from its inventory."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from golive.model.environment import Environment, Host, load_environment
from golive.model.errors import SandboxError
from golive.model.resources import resource
from golive.probe.ansible import list_inventory

STACK = resource("golive.sandbox.stack")
"""The files that stand the sandbox up (the repository's ``environments/sandbox/stack/``,
shipped as package data)."""

APP_USER = "tomcat"
"""The user the app hosts' Tomcat runs as and owns the app's files: Debian's tomcat10 user, as
staging names it (one user database for every host: docs/architecture.md#sandbox)."""

DRILL_DIR = Path("/var/lib/golive-drill")
"""Where the drill host keeps the restore drill's data directory, socket and server log."""

# Where a host of each role keeps its files, as a Debian host does (the paths the inventory's
# host vars and the expectations name, as staging.example names them), and the folder under
# the host's own directory that its mount namespace shows there (golive/sandbox/hostns.py).
# The controller edits the folders; the host, and every check over SSH, sees the Debian path.
# A folder starting ``../`` is the sandbox's own, shared by every host of the role.
HOST_DIRS: dict[str, dict[str, str]] = {
    "*": {"/etc/ssh": "ssh"},
    "app": {
        "/etc/trading": "conf",
        "/opt/trading/releases": "releases",
        # the rollback runbook (and the service wrapper it calls): one for the sandbox, as a
        # deploy installs the same runbook on each node (golive/sandbox/rollback.py)
        "/opt/trading/bin": "../bin",
        "/var/log/trading": "logs",
        "/var/lib/tomcat10": "tomcat",
        "/etc/logrotate.d": "logrotate",
    },
    "lb": {"/etc/nginx": "nginx"},
    "db": {
        "/var/lib/postgresql/15/main": "pgdata",
        "/var/backups/postgresql": "backups",
        "/etc/cron.d": "cron.d",
        # pgBackRest's configuration, where Debian's pgbackrest reads it by default (the folder
        # holds its repository, log and lock directories too: golive/sandbox/pgbackrest.py)
        "/etc/pgbackrest": "pgbackrest",
        # PostgreSQL's socket directory (its unix_socket_directories names the folder, the
        # same directory)
        "/var/run/postgresql": "run",
    },
    # the restore drill's data directory, socket directory and server log
    "drill": {str(DRILL_DIR): "drill"},
    "monitoring": {"/etc/prometheus": "."},
}
# the drill host reads the database host's backups, and its pgBackRest repository through the
# same configuration, where a Debian host mounts them
DRILL_SHARED = (Path("/var/backups/postgresql"), Path("/etc/pgbackrest"))


@dataclass(frozen=True)
class Sandbox:
    """A sandbox environment and where its parts live."""

    env: Environment

    @classmethod
    def load(cls, name: str = "sandbox") -> Sandbox:
        env = load_environment(name, secrets=False, ansible=list_inventory)
        if env.inventory.sandbox is None:
            raise SandboxError(f"environment {name} is not a sandbox (no `sandbox:` key)")
        if not env.inventory.probe.netns:
            raise SandboxError(f"sandbox {name} names no network namespace (`probe.netns`)")
        return cls(env)

    @property
    def dir(self) -> Path:
        sandbox = self.env.inventory.sandbox
        if sandbox is None:  # checked at load
            raise SandboxError(f"environment {self.env.name} is not a sandbox (no `sandbox:` key)")
        return sandbox.dir

    @property
    def netns(self) -> str:
        netns = self.env.inventory.probe.netns
        if not netns:  # checked at load
            raise SandboxError(
                f"sandbox {self.env.name} names no network namespace (`probe.netns`)"
            )
        return netns

    @property
    def stack(self) -> Path:
        return STACK

    def host(self, name: str) -> Host:
        return self.env.inventory.hosts[name]

    def address(self, name: str) -> str:
        return str(self.host(name).address)

    def var(self, host: str, key: str) -> Path:
        """A host var as the controller finds the file (see :meth:`local`)."""
        return self.local(host, self.host_var(host, key))

    def host_var(self, host: str, key: str) -> Path:
        """A host var as the host itself sees it (the inventory's value)."""
        return Path(self.host(host).vars[key])

    def mounts(self, host: str) -> dict[Path, Path]:
        """{where the host sees a directory: the controller's folder behind it}."""
        out = {Path(t): self._folder(host, s) for t, s in HOST_DIRS["*"].items()}
        for role in self.host(host).roles:
            out.update({Path(t): self._folder(host, s) for t, s in HOST_DIRS.get(role, {}).items()})
        if "drill" in self.host(host).roles:
            for shared in DRILL_SHARED:
                out[shared] = self.local(self.env.inventory.database.host, shared)
        return out

    def _folder(self, host: str, folder: str) -> Path:
        """A HOST_DIRS folder: the host's own, or the sandbox's (``../``)."""
        if folder.startswith("../"):
            return self.path(folder.removeprefix("../"))
        return self.path(host, folder)

    def local(self, host: str, path: str | Path) -> Path:
        """Where the controller finds a file ``host`` sees at ``path`` (a path under none of
        the host's own directories is the machine's, the same for both)."""
        path = Path(path)
        for target, source in sorted(self.mounts(host).items(), key=lambda m: -len(m[0].parts)):
            if path == target or target in path.parents:
                return source / path.relative_to(target)
        return path

    def path(self, *parts: str) -> Path:
        return self.dir.joinpath(*parts)

    def pidfile(self, host: str, service: str) -> Path:
        return self.path("run", f"{host}-{service}.pid")

    def log(self, host: str, service: str) -> Path:
        return self.path("logs", f"{host}-{service}.log")
