"""Facts snapshot of a host: packages, runtime versions, config file hashes, listening ports."""

from __future__ import annotations

import json
import re
import shlex
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from golive.model.documents import Refused, read_file
from golive.model.environment import Environment, load_environment
from golive.model.errors import ConfigError
from golive.model.expectations.predeploy import Facts, Parity, Software
from golive.model.facts import HostFacts, parity
from golive.probe import netns
from golive.probe.ansible import list_inventory
from golive.probe.hosts import HostPool, Target
from golive.probe.listeners import listening


def packages(target: Target) -> dict[str, str]:
    """Installed Debian packages and their versions.

    The one reader of the packages fact. Testinfra's ``package`` module reads one named package
    per command and cannot list them all; parity compares every installed package, so this
    asks ``dpkg-query`` once for all of them.
    """
    out = target.run("dpkg-query -W -f='${Package} ${Version} ${db:Status-Abbrev}\\n'")
    found = {}
    for line in out.stdout.splitlines():
        parts = line.split()
        if len(parts) >= 3 and parts[2].startswith("ii"):
            found[parts[0]] = parts[1]
    return found


def runtime_version(target: Target, command: str, pattern: str) -> str | None:
    """The version a runtime reports of itself (None when the pattern does not match)."""
    out = target.run(command)
    match = re.search(pattern, out.stdout + out.stderr)
    return match.group(1) if match else None


@dataclass(frozen=True)
class HardwareSeen:
    """What a host shows of its hardware: CPU cores it may use (``nproc``, so a cgroup or
    affinity limit counts), total memory, and free space on each mount asked (0 where the
    mount could not be read); 0 cores or memory where the host did not say."""

    cores: int
    memory_mib: int
    free_mib: dict[str, int]


def _number(text: str) -> int:
    return int(text) if text.isdigit() else 0


def hardware(target: Target, mounts: list[str]) -> HardwareSeen:
    """The host's cores, memory and the free space on ``mounts``, in one remote command.

    The one reader of the hardware fact. Each answer is a line of its own, named, so one that
    is missing (a command that failed, a mount that cannot be read) reads as 0, never as the
    next one's value.
    """
    # awk's print needs the parentheses: a bare ``>`` there would redirect to a file
    free = 'END {{print "free_mib_{i}", (NR > 1 ? $4 : 0)}}'
    parts = [
        "echo cores $(nproc)",
        "awk '/^MemTotal:/ {print \"memory_kib\", $2}' /proc/meminfo",
        *(
            f"df -Pm -- {shlex.quote(mount)} | awk '{free.format(i=i)}'"
            for i, mount in enumerate(mounts)
        ),
    ]
    out = target.run("; ".join(parts))
    said: dict[str, str] = {}
    for line in str(out.stdout).splitlines():
        key, _, value = line.strip().partition(" ")
        said.setdefault(key, value.strip())
    return HardwareSeen(
        cores=_number(said.get("cores", "")),
        memory_mib=_number(said.get("memory_kib", "")) // 1024,
        free_mib={mount: _number(said.get(f"free_mib_{i}", "")) for i, mount in enumerate(mounts)},
    )


def config_path(target: Target, entry: str) -> str:
    """A config file named by a host var, optionally with a sub-path: ``var`` or ``var:sub``."""
    var, _, sub = entry.partition(":")
    base = target.var(var)
    return f"{base.rstrip('/')}/{sub}" if sub else base


def config_hashes(target: Target, entries: list[str]) -> dict[str, str]:
    """sha256 of each config file (Testinfra's ``file``), 'unreadable' when the host does not
    let us read it."""
    hashes = {}
    for entry in entries:
        try:
            hashes[entry] = target.remote.file(config_path(target, entry)).sha256sum
        except AssertionError:  # Testinfra's check_output: the command exited non-zero
            hashes[entry] = "unreadable"
    return hashes


def snapshot(target: Target, env: Environment) -> HostFacts:
    """Every fact golive records about ``target``."""
    software, wanted = env.expectations.get(Software), env.expectations.get(Facts)
    roles = target.spec.roles
    facts = HostFacts(roles=list(roles), packages=packages(target))
    for role in roles:
        probes = software.get(role) if software else None
        for name, probe in (probes.runtimes if probes else {}).items():
            facts.runtimes[name] = runtime_version(target, probe.command, probe.pattern) or "?"
        if wanted:
            facts.config_sha256.update(config_hashes(target, wanted.config_files.get(role, [])))
    facts.listening = sorted(listening(target).ports)
    return facts


SNAPSHOT_LIMIT = Parity.model_fields["max_snapshot_bytes"].default


def load_snapshot(path: Path, limit: int = SNAPSHOT_LIMIT) -> dict[str, Any]:
    """A saved snapshot: a regular file of at most ``limit`` bytes (``parity.
    max_snapshot_bytes``), read bounded (golive.model.documents.read_file), holding a JSON
    object; a ConfigError naming the file otherwise."""
    key = "parity.baseline"
    try:
        raw = read_file(path, limit, "parity.max_snapshot_bytes").content
        data = json.loads(raw.decode("utf-8"))
    except Refused as exc:
        raise ConfigError(path, key, f"a regular snapshot file ({path} {exc})") from None
    except OSError as exc:
        raise ConfigError(path, key, f"a readable snapshot file ({exc.strerror})") from None
    except (UnicodeDecodeError, ValueError, RecursionError) as exc:
        raise ConfigError(path, key, f"a snapshot golive saved (JSON: {exc})") from None
    if not isinstance(data, dict):
        raise ConfigError(path, key, "a snapshot golive saved (a JSON object)")
    return data


def collect(env: Environment) -> dict[str, HostFacts]:
    """Facts of every host of ``env`` (a sandbox's namespace is entered first)."""
    if env.inventory.probe.netns:
        netns.enter(env.inventory.probe.netns)
    pool = HostPool(env)
    return {name: snapshot(pool.get(name), env) for name in env.inventory.hosts}


def resolve(spec: str, limit: int = SNAPSHOT_LIMIT) -> tuple[dict[str, Any], Environment | None]:
    """A snapshot from an environment name, an environment directory, or a snapshot file
    (anything there but a directory: a FIFO or a device is refused, never read)."""
    path = Path(spec)
    if path.exists() and not path.is_dir():
        return load_snapshot(path, limit), None
    if path.is_dir():
        env = load_environment(path.name, root=path, ansible=list_inventory)
    else:
        env = load_environment(spec, ansible=list_inventory)
    return parity.snapshot(env, collect(env)), env
