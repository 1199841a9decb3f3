"""An Ansible inventory as an environment's host list (``hosts_from:`` in inventory.yml).

Read through Ansible's own ``ansible-inventory -i PATH --list`` (Debian's ansible-core),
never parsed by hand: INI, YAML, directories with group_vars/host_vars and inventory
plugins all mean what they mean to Ansible. Groups map to golive roles (a group's children's
hosts are its hosts); ``ansible_host``, ``ansible_user``, ``ansible_port`` and
``ansible_ssh_private_key_file`` make a host's address and SSH connection; every other
scalar host var becomes a golive host var of the same name.

ansible-inventory fails open (an unparsable source is a warning and an empty inventory):
golive runs it with ``ANSIBLE_INVENTORY_UNPARSED_FAILED`` and also judges its output. A
missing inventory, a group the mapping names that the inventory does not have, a mapped
host without ``ansible_host``, a timeout or an unreadable answer is a ConfigError naming
inventory.yml and the key.
"""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path
from typing import Any
from urllib.parse import quote

from pydantic import Field

from golive.model.config import Seconds, Strict
from golive.model.errors import ConfigError

CONNECTION_VARS = {
    "ansible_host",
    "ansible_user",
    "ansible_port",
    "ansible_ssh_private_key_file",
    "ansible_connection",
}


class HostsFrom(Strict):
    """``hosts_from:``: the environment's hosts come from an Ansible inventory."""

    ansible: Path = Field(description="the Ansible inventory (relative to the environment)")
    roles: dict[str, str] = Field(
        min_length=1, description="Ansible group -> golive role; a host gets every mapped role"
    )
    timeout: Seconds = Field(30.0, description="seconds ansible-inventory may take")


def _list(source: Path, timeout: float, where: Path) -> dict[str, Any]:
    """ansible-inventory's JSON for ``source``; any failure is a ConfigError."""
    key = "hosts_from.ansible"
    if not source.exists():
        raise ConfigError(where, key, f"an Ansible inventory ({source} does not exist)")
    env = {**os.environ, "ANSIBLE_INVENTORY_UNPARSED_FAILED": "true", "ANSIBLE_NOCOLOR": "1"}
    try:
        proc = subprocess.run(
            ["ansible-inventory", "-i", str(source), "--list"],
            capture_output=True, text=True, timeout=timeout, env=env, check=False,
        )  # fmt: skip
    except FileNotFoundError:
        raise ConfigError(
            where, key, "ansible-inventory on PATH (Debian's ansible-core package)"
        ) from None
    except subprocess.TimeoutExpired:
        raise ConfigError(
            where, key, f"an inventory ansible-inventory reads within {timeout:g} s"
        ) from None
    said = [line for line in proc.stderr.splitlines() if line.strip()]
    if proc.returncode != 0:
        why = said[-1] if said else f"exit status {proc.returncode}"
        raise ConfigError(where, key, f"an inventory ansible-inventory can read ({why})")
    try:
        data = json.loads(proc.stdout)
    except json.JSONDecodeError:
        raise ConfigError(where, key, "an inventory ansible-inventory lists as JSON") from None
    if not isinstance(data, dict):
        raise ConfigError(where, key, "an inventory ansible-inventory lists as a mapping")
    return data


def _members(data: dict[str, Any], group: str, seen: set[str] | None = None) -> list[str]:
    """The hosts of ``group`` and of its children, in the inventory's order, once each."""
    seen = seen if seen is not None else set()
    if group in seen:
        return []
    seen.add(group)
    node = data.get(group) or {}
    out = list(node.get("hosts", []))
    for child in node.get("children", []):
        out += [h for h in _members(data, child, seen) if h not in out]
    return out


def _connection(address: str, hostvars: dict[str, Any]) -> str:
    user = hostvars.get("ansible_user")
    port = hostvars.get("ansible_port")
    key = hostvars.get("ansible_ssh_private_key_file")
    spec = f"ssh://{f'{user}@' if user else ''}{address}{f':{port}' if port else ''}"
    return spec + (f"?ssh_identity_file={quote(str(key))}" if key else "")


def hosts(spec: HostsFrom, envdir: Path, where: Path) -> dict[str, dict[str, Any]]:
    """The inventory.yml ``hosts:`` mapping the Ansible inventory stands for: each mapped
    host's address, roles, connection and vars (golive's models validate it after)."""
    source = spec.ansible if spec.ansible.is_absolute() else envdir / spec.ansible
    data = _list(source, spec.timeout, where)
    groups = sorted(k for k in data if k != "_meta")
    unknown = [g for g in spec.roles if g not in data]
    if unknown:
        raise ConfigError(
            where, f"hosts_from.roles.{unknown[0]}",
            f"a group of {source} (it has: {', '.join(groups) or 'none'})",
        )  # fmt: skip
    hostvars: dict[str, dict[str, Any]] = data.get("_meta", {}).get("hostvars", {})
    roles: dict[str, list[str]] = {}
    for group, role in spec.roles.items():
        for name in _members(data, group):
            have = roles.setdefault(name, [])
            have += [role] if role not in have else []
    out: dict[str, dict[str, Any]] = {}
    for name, host_roles in roles.items():
        found = hostvars.get(name, {})
        address = found.get("ansible_host")
        if not address:
            raise ConfigError(
                where, f"hosts_from: host {name}",
                f"an address (ansible_host) in {source}",
            )  # fmt: skip
        out[name] = {
            "address": str(address),
            "roles": host_roles,
            "connection": _connection(str(address), found),
            "vars": {
                k: str(v).lower() if isinstance(v, bool) else str(v)
                for k, v in found.items()
                if k not in CONNECTION_VARS and isinstance(v, str | int | float | bool)
            },
        }
    return out
