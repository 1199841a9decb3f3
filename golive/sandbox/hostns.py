"""Each sandbox host's own mount, UTS, IPC and PID namespaces (issue 25).

A host's namespaces are held by a tiny init (the *holder*: ``/bin/sh`` as pid 1 of the
host's PID namespace, reaping orphans) that a short-lived launcher creates: it unshares the
namespaces, and the child it forks (pid 1) mounts a fresh ``/proc`` and ``/dev/shm``, sets
the hostname and bind-mounts the host's own files over the machine's (``/etc/hostname``,
``/etc/machine-id``, ``/etc/hosts``, ``/tmp``, and the Debian directories of its role's
files, :data:`golive.sandbox.context.HOST_DIRS`: ``/etc/ssh``, an app host's
``/etc/trading``, ``/opt/trading/releases``, ...), from the host's folder under the
sandbox's data dir. Every other path (``/usr``, the sandbox's own paths) is the machine's,
so the sandbox paths stay valid: the controller edits a host's files there. The network
namespace is the sandbox's: each host keeps its own address.

Every service of the host starts inside (:func:`golive.sandbox.process.spawn` with
``within``): a launcher enters the holder's namespaces and forks the daemon, whose pid *as
the controller sees it* goes to the pid file, so stopping, freezing and killing a service
from outside works as before. golive stays outside, reaching hosts through SSH and the
network. It is not a security boundary: root on a host can leave it (one kernel, no user
namespace).
"""

from __future__ import annotations

import os
import shutil
import sys
import uuid
from dataclasses import dataclass
from pathlib import Path

from golive.model.errors import SandboxError
from golive.sandbox.context import Sandbox
from golive.sandbox.process import LIBC, _start_time, read_pid, reported_pid, spawn, stop
from golive.sandbox.render import write

NAMESPACES = ("mnt", "uts", "ipc", "pid")
MODULI = Path("/etc/ssh/moduli")

# pid 1 of a host: exits on TERM (the kernel then ends every process of the host), reaps
# every orphan of the host (the shell's wait reaps any child that ends, not only its own)
_INIT = "trap 'exit 0' TERM INT; while :; do sleep 86400 & wait $!; done"

# argv: status fd, host name, then (source, target) pairs to bind-mount
_HOLDER = (
    LIBC
    + """
fd, name, binds = int(sys.argv[1]), sys.argv[2], sys.argv[3:]
NEWNS, NEWUTS, NEWIPC, NEWPID = 0x20000, 0x04000000, 0x08000000, 0x20000000
BIND, REC, PRIVATE = 4096, 16384, 1 << 18
check(libc.unshare(NEWNS | NEWUTS | NEWIPC | NEWPID), "unshare")
check(libc.mount(b"none", b"/", None, REC | PRIVATE, None), "mount --make-rprivate /")
ready_r, ready_w = os.pipe()
child = os.fork()
if child:
    os.close(ready_w)
    ok = os.read(ready_r, 1) == b"1"
    if ok:
        os.write(fd, f"{child}\\n".encode())
    os._exit(0 if ok else 1)
os.close(ready_r)
os.setsid()  # a process group of its own: stopped by its pid file like any daemon
try:
    check(libc.mount(b"proc", b"/proc", b"proc", 2 | 4 | 8, None), "mount /proc")
    # POSIX shared memory and semaphores of its own (their names often hold a pid)
    check(libc.mount(b"tmpfs", b"/dev/shm", b"tmpfs", 2 | 4, b"mode=1777"), "mount /dev/shm")
    check(libc.sethostname(name.encode(), len(name.encode())), "sethostname")
    for source, target in zip(binds[::2], binds[1::2]):
        check(libc.mount(source.encode(), target.encode(), None, BIND, None), f"bind {target}")
except OSError as exc:
    print(f"host {name}: {exc}", file=sys.stderr)
    os._exit(1)
os.write(ready_w, b"1")
os.close(ready_w)
os.close(fd)
os.execv("/bin/sh", ["golive-host-init", "-c", INIT])
""".replace("INIT", repr(_INIT))
)


def folder(sbx: Sandbox, host: str) -> Path:
    """The host's own files that its namespaces show in the machine's place."""
    return sbx.path(host, "etc")


def pidfile(sbx: Sandbox, host: str) -> Path:
    return sbx.pidfile(host, "ns")


def binds(sbx: Sandbox, host: str) -> list[tuple[Path, Path]]:
    """(the host's own file, where the host sees it) of every bind mount of its namespaces."""
    own = folder(sbx, host)
    out = [(own / name, Path("/etc", name)) for name in ("hostname", "machine-id", "hosts")]
    out.append((tmp(sbx, host), Path("/tmp")))
    # the Debian paths of its role's files (golive.sandbox.context.HOST_DIRS), shallowest first
    mounts = sorted(sbx.mounts(host).items(), key=lambda m: len(m[0].parts))
    out.extend((source, target) for target, source in mounts)
    return out


def tmp(sbx: Sandbox, host: str) -> Path:
    """The host's own /tmp (two JVMs of one local pid would share /tmp/hsperfdata_USER/PID)."""
    return sbx.path(host, "tmp")


def prepare(sbx: Sandbox, host: str) -> None:
    """The host's identity files (its machine-id is made once and kept) and mount points."""
    own = folder(sbx, host)
    own.mkdir(parents=True, exist_ok=True)
    own.chmod(0o755)
    write(own / "hostname", f"{host}\n", mode=0o644)
    tmp(sbx, host).mkdir(exist_ok=True)
    tmp(sbx, host).chmod(0o1777)
    machine_id = own / "machine-id"
    if not machine_id.is_file():
        write(machine_id, f"{uuid.uuid4().hex}\n", mode=0o444)
    machine = Path("/etc/hosts").read_text()
    names = f"{sbx.address(host)}\t{host}.sandbox.test {host}\n"
    write(own / "hosts", machine if machine.endswith(names) else machine + names, mode=0o644)
    for target, source in sbx.mounts(host).items():
        source.mkdir(parents=True, exist_ok=True)
        # an empty mount point on the machine where it has none; each host sees its own there
        target.mkdir(mode=0o755, parents=True, exist_ok=True)
    ssh = sbx.path(host, "ssh")
    ssh.chmod(0o755)  # as /etc/ssh (DevSec sshd-04)
    if MODULI.is_file() and not (ssh / MODULI.name).is_file():
        shutil.copyfile(MODULI, ssh / MODULI.name)  # sshd's Diffie-Hellman groups


def _record(sbx: Sandbox, host: str) -> Path:
    """What the running holder was made with (its binds), beside its pid file."""
    return sbx.path("run", f"{host}-ns.binds")


def _made_with(sbx: Sandbox, host: str) -> str:
    return "".join(f"{source} {target}\n" for source, target in binds(sbx, host))


def stale(sbx: Sandbox, host: str) -> bool:
    """True when the host's running holder binds other paths than this golive would (made by
    an older golive, before a path moved to staging's, e.g. /etc/pgbackrest): ``up`` then
    remakes the host, so that every check sees the layout the inventory names."""
    if holder(sbx, host) is None:
        return False
    try:
        return _record(sbx, host).read_text() != _made_with(sbx, host)
    except OSError:
        return True


def holder(sbx: Sandbox, host: str) -> int | None:
    """The pid (as the controller sees it) of the host's namespace holder, if it runs."""
    return read_pid(pidfile(sbx, host))


def ensure(sbx: Sandbox, host: str) -> int:
    """The host's namespaces: the running holder's pid, or a new holder's."""
    if (pid := holder(sbx, host)) is not None:
        return pid
    prepare(sbx, host)
    log = sbx.log(host, "ns")
    log.parent.mkdir(parents=True, exist_ok=True)
    args = [host, *(str(p) for pair in binds(sbx, host) for p in pair)]
    pid = reported_pid(_HOLDER, args, log)
    if pid is None:
        raise SandboxError(f"{host}: its namespaces could not be made (see {log})")
    pidfile(sbx, host).parent.mkdir(parents=True, exist_ok=True)
    pidfile(sbx, host).write_text(f"{pid} {_start_time(pid)}\n")
    write(_record(sbx, host), _made_with(sbx, host), mode=0o644)
    return pid


def release(sbx: Sandbox, host: str) -> bool:
    """End the host's namespaces (the kernel ends every process still in them)."""
    return stop(pidfile(sbx, host), timeout=5.0)


def ids(pid: int) -> dict[str, str]:
    """Each namespace of a process by its inode (``mnt:[4026532301]``), as ``lsns`` shows."""
    out = {}
    for ns in (*NAMESPACES, "net"):
        try:
            out[ns] = os.readlink(f"/proc/{pid}/ns/{ns}")
        except OSError:
            out[ns] = "?"
    return out


def inside(sbx: Sandbox, host: str, pid: int) -> bool:
    """True if the process runs in the host's mount and PID namespaces."""
    keeper = holder(sbx, host)
    if keeper is None:
        return False
    theirs, mine = ids(keeper), ids(pid)
    return all(theirs[ns] == mine[ns] != "?" for ns in ("mnt", "pid"))


def controller_pid(sbx: Sandbox, host: str, pid: int) -> int:
    """The pid the controller sees of the process ``host`` calls ``pid`` (what a service
    reports of itself, e.g. PostgreSQL's ``pg_backend_pid()``), read from each process's
    ``NSpid``; LookupError when the host runs no such process."""
    keeper = holder(sbx, host)
    if keeper is None:
        raise LookupError(f"{host} holds no namespaces of its own")
    pidns = os.readlink(f"/proc/{keeper}/ns/pid")
    for status in Path("/proc").glob("[0-9]*/status"):
        try:
            line = next(x for x in status.read_text().splitlines() if x.startswith("NSpid:"))
            if line.split()[-1] == str(pid) and os.readlink(status.parent / "ns" / "pid") == pidns:
                return int(status.parent.name)
        except (OSError, StopIteration):
            continue
    raise LookupError(f"{host} runs no process {pid}")


@dataclass(frozen=True)
class HostNamespaces:
    host: str
    holder: int | None
    ids: dict[str, str]


def status(sbx: Sandbox) -> list[HostNamespaces]:
    """Each host's holder and namespace ids (empty ids when it holds none)."""
    out = []
    for host in sbx.env.inventory.hosts:
        pid = holder(sbx, host)
        out.append(HostNamespaces(host, pid, ids(pid) if pid is not None else {}))
    return out


def manager_socket(sbx: Sandbox) -> Path:
    """Where the sandbox's service manager listens (golive/sandbox/service_ctl.py)."""
    return sbx.path("run", "service-ctl.sock")


def controller_marker(sbx: Sandbox) -> Path:
    """The controller's PID namespace, as ``golive sandbox up`` saw it."""
    return sbx.path("run", "controller.pidns")


def ensure_manager(sbx: Sandbox) -> None:
    """The service manager, in the controller's namespaces: a host's ``sudo service stop|start``
    reaches the services of every host through it."""
    write(controller_marker(sbx), os.readlink("/proc/self/ns/pid") + "\n", mode=0o644)
    pidfile = sbx.path("run", "service-ctl.pid")
    if read_pid(pidfile) is not None and manager_socket(sbx).is_socket():
        return
    stop(pidfile)
    env = {
        "GOLIVE_SANDBOX_DIR": str(sbx.dir),
        "GOLIVE_NETNS": sbx.netns,
        "GOLIVE_ENVDIR": str(sbx.env.path.resolve().parent),
    }
    cmd = [sys.executable, "-m", "golive.sandbox.service_ctl", "serve"]
    spawn(cmd, pidfile, sbx.log("sandbox", "service-ctl"), env=env, cwd=Path("/"))


def release_manager(sbx: Sandbox) -> None:
    stop(sbx.path("run", "service-ctl.pid"), timeout=5.0)
    manager_socket(sbx).unlink(missing_ok=True)
