"""An Ansible inventory as an environment's host list (``hosts_from:`` in inventory.yml).

Read through Ansible's own ``ansible-inventory -i PATH --list`` (Debian's ansible-core),
never parsed by hand: INI, YAML, directories with group_vars/host_vars and inventory
plugins all mean what they mean to Ansible. Groups map to golive roles (a group's children's
hosts are its hosts); ``ansible_host``, ``ansible_user``, ``ansible_port`` and
``ansible_ssh_private_key_file`` make a host's address and SSH connection; every other
scalar host var becomes a golive host var of the same name.

Two host vars are golive's own: ``golive_same_machine_as: app1`` declares the host the same
machine as app1 (:mod:`golive.model.machines`: otherwise two hosts at one address are an
error), and ``golive_multi_role: true`` declares that a host in several mapped groups is
meant to have all their roles. Without it, a host listed in two groups that map to different
roles is an error: a host copied into the wrong group (whose ``ansible_host`` Ansible then
silently merges) must not become a second role of one machine.

ansible-inventory fails open (an unparsable source is a warning and an empty inventory):
golive runs it with ``ANSIBLE_INVENTORY_UNPARSED_FAILED`` (:mod:`golive.probe.ansible`: the
model runs no command) and also reads its output strictly (:func:`listing`). A
missing inventory, a group the mapping names that the inventory does not have, a mapped
host without ``ansible_host``, a timeout or an unreadable answer is a ConfigError naming
inventory.yml and the key.
"""

from __future__ import annotations

import json
from collections.abc import Callable
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
SAME_MACHINE = "golive_same_machine_as"
MULTI_ROLE = "golive_multi_role"


class HostsFrom(Strict):
    """``hosts_from:``: the environment's hosts come from an Ansible inventory."""

    ansible: Path = Field(description="the Ansible inventory (relative to the environment)")
    roles: dict[str, str] = Field(
        min_length=1, description="Ansible group -> golive role; a host gets every mapped role"
    )
    timeout: Seconds = Field(30.0, description="seconds ansible-inventory may take")


# Lists an Ansible inventory: ``(source, timeout, where)`` -> ansible-inventory's JSON, a
# ConfigError naming ``where`` on any failure. golive.probe.ansible.list_inventory runs
# ansible-inventory; the model only reads what it answered (docs/architecture.md#layers).
Lister = Callable[[Path, float, Path], dict[str, Any]]
KEY = "hosts_from.ansible"


def listing(returncode: int, stdout: str, stderr: str, where: Path) -> dict[str, Any]:
    """ansible-inventory's answer as its JSON mapping; an exit status other than 0 or an
    answer that is not a JSON mapping is a ConfigError naming ``where`` (its last stderr
    line, when it said one)."""
    said = [line for line in stderr.splitlines() if line.strip()]
    if returncode != 0:
        why = said[-1] if said else f"exit status {returncode}"
        raise ConfigError(where, KEY, f"an inventory ansible-inventory can read ({why})")
    try:
        data = json.loads(stdout)
    except json.JSONDecodeError:
        raise ConfigError(where, KEY, "an inventory ansible-inventory lists as JSON") from None
    if not isinstance(data, dict):
        raise ConfigError(where, KEY, "an inventory ansible-inventory lists as a mapping")
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


def inventory_path(spec: HostsFrom, envdir: Path) -> Path:
    """The Ansible inventory ``hosts_from.ansible`` names."""
    return spec.ansible if spec.ansible.is_absolute() else envdir / spec.ansible


def blame(errors: list[ConfigError], source: Path) -> list[ConfigError]:
    """Problems of the hosts read from the Ansible inventory, naming it and the host var
    (``hosts.app1.address`` is ``app1.ansible_host`` of ``source``)."""
    fields = {"address": "ansible_host", "same_machine_as": SAME_MACHINE, "vars": ""}
    out = []
    for err in errors:
        parts = err.key.split(".")
        if len(parts) < 3 or parts[0] != "hosts":
            out.append(err)
            continue
        var = fields.get(parts[2], parts[2])
        rest = ".".join(p for p in (parts[1], var, *parts[3:]) if p)
        out.append(ConfigError(source, rest, err.expected))
    return out


def _truthy(value: Any) -> bool:
    return value is True or str(value).lower() in {"true", "yes", "1"}


def hosts(
    spec: HostsFrom, envdir: Path, where: Path, lister: Lister
) -> tuple[dict[str, dict[str, Any]], list[ConfigError]]:
    """The inventory.yml ``hosts:`` mapping the Ansible inventory stands for (as ``lister``
    lists it): each mapped host's address, roles, connection and vars (golive's models
    validate it after), and the problems of hosts that are in groups of different roles
    without saying so."""
    source = inventory_path(spec, envdir)
    data = lister(source, spec.timeout, where)
    groups = sorted(k for k in data if k != "_meta")
    unknown = [g for g in spec.roles if g not in data]
    if unknown:
        raise ConfigError(
            where, f"hosts_from.roles.{unknown[0]}",
            f"a group of {source} (it has: {', '.join(groups) or 'none'})",
        )  # fmt: skip
    hostvars: dict[str, dict[str, Any]] = data.get("_meta", {}).get("hostvars", {})
    roles: dict[str, list[str]] = {}
    member_of: dict[str, list[str]] = {}
    for group, role in spec.roles.items():
        for name in _members(data, group):
            have = roles.setdefault(name, [])
            have += [role] if role not in have else []
            member_of.setdefault(name, []).append(group)
    out: dict[str, dict[str, Any]] = {}
    problems: list[ConfigError] = []
    for name, host_roles in roles.items():
        found = hostvars.get(name, {})
        if len(host_roles) > 1 and not _truthy(found.get(MULTI_ROLE)):
            problems.append(ConfigError(
                source, name,
                f"one host in groups of one role, or `{MULTI_ROLE}: true` if it is meant to "
                f"have several (it is in {', '.join(member_of[name])}: roles "
                f"{', '.join(host_roles)})",
            ))  # fmt: skip
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
                if k not in {*CONNECTION_VARS, SAME_MACHINE, MULTI_ROLE}
                and isinstance(v, str | int | float | bool)
            },
        }
        if found.get(SAME_MACHINE) is not None:
            out[name]["same_machine_as"] = str(found[SAME_MACHINE])
    return out, problems
