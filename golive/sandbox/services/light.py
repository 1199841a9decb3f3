"""Light app hosts for scale runs: ``golive sandbox up --extra-app-hosts N``.

Each light host (``xapp001``, ``xapp002``, ...) is a loopback address of its own in the
sandbox's namespace, from 127.10.1.1 on (the sandbox's own hosts live in 127.10.0.0/24), with
an sshd like every other host's (:mod:`golive.sandbox.services.ssh`) and a tiny HTTP
listener (Python's ``http.server``, supervised like every daemon) that answers the app's
health and version paths the way a real node does. There is no Tomcat and no database
connection: the answers are fixed documents, so the checks exercise golive's reach of the
host (SSH, the node's own HTTP port), not the application. Like every sandbox host, a light
host may talk to itself through the firewall; nothing else is opened.

A light host is present while its directory under :func:`root` exists; names and addresses
follow from the count, so the running set is known without reading any generated file. A
matching environment is generated beside them at every ``up``: the sandbox's inventory with
the light hosts added (role ``app``), its expectations, waivers and sign-offs. Select it
with ``pytest --envdir $GOLIVE_SANDBOX_DIR/scale/environments --env sandbox-scale``.
"""

from __future__ import annotations

import json
import re
import shutil
from dataclasses import replace
from ipaddress import IPv4Address
from pathlib import Path
from typing import Any

import yaml

from golive.model.config import expand, read_yaml
from golive.model.environment import Host
from golive.model.errors import SandboxError
from golive.model.expectations.predeploy import Deployment
from golive.model.expectations.roles import Roles
from golive.model.expectations.smoke import App
from golive.probe.registry import stamped_build
from golive.sandbox import releases
from golive.sandbox.context import APP_USER, Sandbox
from golive.sandbox.process import http_answers, run
from golive.sandbox.render import write
from golive.sandbox.services import Service, ssh

PREFIX = "xapp"
FIRST = IPv4Address("127.10.1.1")  # the base sandbox lives in 127.10.0.0/24
PER_BLOCK = 250  # .1-.250 of each /24 from 127.10.1.0 on
MAX_HOSTS = 500
HTTP_USER = APP_USER
PYTHON = Path("/usr/bin/python3")  # the system's: the listener runs as HTTP_USER, not root
ROLE = "app"
_NAME = re.compile(rf"{PREFIX}\d{{3}}")


def root(sbx: Sandbox) -> Path:
    """Everything the light hosts and their environment keep on disk."""
    return sbx.path("scale")


def envdir(sbx: Sandbox) -> Path:
    """The directory of the generated environment (what ``--envdir`` takes)."""
    return root(sbx) / "environments"


def env_name(sbx: Sandbox) -> str:
    return f"{sbx.env.name}-scale"


def is_generated(sbx: Sandbox) -> bool:
    """True for a generated environment: it is managed through the sandbox it extends."""
    return sbx.env.path.resolve().is_relative_to(root(sbx).resolve())


def host_names(count: int) -> list[str]:
    return [f"{PREFIX}{i:03d}" for i in range(1, count + 1)]


def address(index: int) -> str:
    """The loopback address of the light host number ``index`` (0-based)."""
    block, offset = divmod(index, PER_BLOCK)
    return str(FIRST + block * 256 + offset)


def plan(sbx: Sandbox, count: int) -> dict[str, str]:
    """Name and address of each of ``count`` light hosts; none may collide with the sandbox's."""
    if not 0 <= count <= MAX_HOSTS:
        raise SandboxError(f"--extra-app-hosts takes 0 to {MAX_HOSTS}, not {count}")
    hosts = {name: address(i) for i, name in enumerate(host_names(count))}
    base = sbx.env.inventory
    taken_names = set(base.hosts)
    taken = {str(h.address) for h in base.hosts.values()}
    if base.probe.source is not None:
        taken.add(str(base.probe.source))
    clash = sorted(taken_names & set(hosts)) + sorted(taken & set(hosts.values()))
    if clash:
        raise SandboxError(f"light hosts would collide with the sandbox's: {', '.join(clash)}")
    return hosts


def present(sbx: Sandbox) -> list[str]:
    """The light hosts there are (each keeps a directory under :func:`root`), in order."""
    folder = root(sbx) / "hosts"
    if not folder.is_dir():
        return []
    return sorted(p.name for p in folder.iterdir() if p.is_dir() and _NAME.fullmatch(p.name))


def claim(sbx: Sandbox, names: list[str]) -> None:
    """Record the light hosts as present (their directory)."""
    for name in names:
        (root(sbx) / "hosts" / name).mkdir(parents=True, exist_ok=True)


def _address_of(name: str) -> str:
    return address(int(name.removeprefix(PREFIX)) - 1)


def known_hosts(sbx: Sandbox) -> Path:
    """Host keys of the sandbox's and the light hosts, for the generated environments."""
    return root(sbx) / "known_hosts"


def _host(sbx: Sandbox, name: str) -> Host:
    addr = _address_of(name)
    return Host(address=addr, roles=[ROLE], connection=f"ssh://{ssh.user(sbx)}@{addr}")


def extended(sbx: Sandbox, names: list[str]) -> Sandbox:
    """The sandbox with the light hosts ``names`` added, in memory: what their services and
    keys are set up with (a generated file on disk may be stale; this never is)."""
    inventory = sbx.env.inventory
    update = {
        "hosts": {**inventory.hosts, **{n: _host(sbx, n) for n in names}},
        "ssh": inventory.ssh.model_copy(update={"known_hosts": known_hosts(sbx)}),
    }
    return Sandbox(replace(sbx.env, inventory=inventory.model_copy(update=update)))


def _expanded(path: Path) -> Any:
    return expand(read_yaml(path), path)


def write_environment(
    sbx: Sandbox,
    names: list[str],
    directory: Path,
    name: str,
    ssh_options: list[str] | None = None,
) -> Path:
    """Write environment ``name`` into ``directory``: the sandbox's, plus the light hosts
    ``names`` (role app), and ``ssh_options`` for its ``ssh.options`` when given. Values
    are written resolved (this sandbox's paths), so the environment means the same whatever
    the caller's environment variables."""
    base = sbx.env.path
    path = directory / name
    path.mkdir(parents=True, exist_ok=True)
    inventory = _expanded(base / "inventory.yml")
    inventory["name"] = name
    inventory["ssh"]["known_hosts"] = str(known_hosts(sbx))
    if ssh_options is not None:
        inventory["ssh"]["options"] = ssh_options
    # the host vars the app role declares: where the files would be on a light host (none
    # is there: the checks that read them cannot apply to a light host)
    role = sbx.env.expectation(Roles).root[ROLE]
    for host in names:
        spec = _host(sbx, host)
        inventory["hosts"][host] = {
            "address": str(spec.address),
            "roles": spec.roles,
            "connection": spec.connection,
            "vars": {var: str(root(sbx) / "hosts" / host / var) for var in role.vars},
        }
    expectations = _expanded(base / "expectations.yml")
    if (expectations.get("parity") or {}).get("baseline") == sbx.env.name:
        expectations["parity"]["baseline"] = name  # the sandbox mirrors itself; so does this
    # light hosts have no namespaces of their own (golive/sandbox/hostns.py): they show the
    # machine's hostname, and their HTTP port is held by Python's http.server, not Tomcat
    facts = expectations.get("facts") or {}
    facts.pop("hostname_is_inventory_name", None)
    (facts.get("listening_processes") or {}).pop(ROLE, None)
    header = f"# Generated by `golive sandbox up --extra-app-hosts` from {base}; do not edit.\n"
    for file, data in (("inventory.yml", inventory), ("expectations.yml", expectations)):
        write(path / file, header + yaml.safe_dump(data, sort_keys=False))
    for file in ("waivers.yml", "signoffs.yml"):
        if (base / file).is_file():
            shutil.copyfile(base / file, path / file)
    return path


def www(scale: Sandbox, host: str) -> Path:
    return root(scale) / "hosts" / host / "www"


def prepare_http(scale: Sandbox, host: str) -> None:
    """The documents the listener serves: the app's health and version answers."""
    if not PYTHON.is_file():
        raise SandboxError(f"light hosts serve HTTP with {PYTHON} (Debian package python3)")
    inv, app = scale.env.inventory, scale.env.expectation(App)
    war = releases.registry(scale) / f"trading-{inv.release.version}.war"
    # the build fingerprint the release's artifact stamps, as a node running it serves
    stamp = scale.env.expectation(Deployment).build_stamp
    build = (
        stamped_build(war.read_bytes(), stamp.entry, stamp.key) if war.is_file() else None
    ) or ""
    docs = {
        app.health_path: {"status": "UP", "db": "UP", "node": host, "version": inv.release.version},
        app.version_path: {"version": inv.release.version, "build": build, "node": host},
    }
    folder = www(scale, host)
    for doc_path, body in docs.items():
        write(folder / doc_path.strip("/"), json.dumps(body))
    for part in (folder, *folder.parents):
        if part == scale.dir:
            break
        part.chmod(0o755)


def http_command(scale: Sandbox, host: str) -> list[str]:
    port = scale.env.expectation(App).port
    return [
        str(PYTHON), "-I", "-m", "http.server", "-b", scale.address(host),
        "-d", str(www(scale, host)), str(port),
    ]  # fmt: skip


def services(scale: Sandbox, hosts: list[str]) -> list[Service]:
    """sshd and the HTTP listener of each of the light ``hosts`` (of an :func:`extended`
    sandbox)."""
    port = scale.env.expectation(App).port
    out = []
    for host in hosts:
        out.append(Service(host, "sshd", ssh.PORT, ssh.prepare, ssh.command))
        out.append(
            Service(
                host,
                "http",
                port,
                prepare_http,
                http_command,
                user=HTTP_USER,
                answers=http_answers("/"),
            )
        )
    return out


def add_network(scale: Sandbox, hosts: list[str]) -> None:
    """Each host's address on the namespace's loopback, and leave to talk to itself (the
    firewall's ``self`` set), as every sandbox host may; nothing else is opened."""
    ns = ["ip", "-n", scale.netns]
    have = run([*ns, "-4", "-o", "addr", "show", "dev", "lo"]).stdout
    for host in hosts:
        if f" {scale.address(host)}/32 " not in have:
            run([*ns, "addr", "add", f"{scale.address(host)}/32", "dev", "lo"])
    if hosts:
        _self_set(scale, "add", hosts)


def _self_set(scale: Sandbox, verb: str, hosts: list[str], check: bool = True) -> None:
    """Add or delete the hosts' (address . address) pairs of the firewall's ``self`` set."""
    pairs = ", ".join(f"{scale.address(h)} . {scale.address(h)}" for h in hosts)
    nft = f"{verb} element inet golive self {{ {pairs} }}"
    run(["ip", "netns", "exec", scale.netns, "nft", nft], check=check)


def remove_network(scale: Sandbox, hosts: list[str]) -> None:
    """Undo :func:`add_network` for ``hosts`` (while the namespace exists)."""
    if not hosts or not Path("/run/netns", scale.netns).exists():
        return
    _self_set(scale, "delete", hosts, check=False)
    for host in hosts:
        run(["ip", "-n", scale.netns, "addr", "del", f"{scale.address(host)}/32", "dev", "lo"],
            check=False)  # fmt: skip


def forget(scale: Sandbox, hosts: list[str]) -> None:
    """Files of hosts that are gone (host keys are kept: they cost a key generation)."""
    for host in hosts:
        shutil.rmtree(root(scale) / "hosts" / host, ignore_errors=True)
        shutil.rmtree(ssh.config(scale, host).parent, ignore_errors=True)  # its sshd_config
