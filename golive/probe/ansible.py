"""Ask Ansible for an environment's inventory (``hosts_from:``): ``ansible-inventory -i PATH
--list`` with a timeout. What it answered is read by :mod:`golive.model.ansible` (the model
runs no command, docs/architecture.md#layers); pass :func:`list_inventory` wherever an
environment is loaded (``load_environment(..., ansible=list_inventory)``)."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path
from typing import Any

from golive.model.ansible import KEY, listing
from golive.model.errors import ConfigError


def list_inventory(source: Path, timeout: float, where: Path) -> dict[str, Any]:
    """ansible-inventory's JSON for ``source``; any failure is a ConfigError naming ``where``
    and ``hosts_from.ansible``."""
    if not source.exists():
        raise ConfigError(where, KEY, f"an Ansible inventory ({source} does not exist)")
    env = {**os.environ, "ANSIBLE_INVENTORY_UNPARSED_FAILED": "true", "ANSIBLE_NOCOLOR": "1"}
    try:
        proc = subprocess.run(
            ["ansible-inventory", "-i", str(source), "--list"],
            capture_output=True, text=True, timeout=timeout, env=env, check=False,
        )  # fmt: skip
    except FileNotFoundError:
        raise ConfigError(
            where, KEY, "ansible-inventory on PATH (Debian's ansible-core package)"
        ) from None
    except subprocess.TimeoutExpired:
        raise ConfigError(
            where, KEY, f"an inventory ansible-inventory reads within {timeout:g} s"
        ) from None
    return listing(proc.returncode, proc.stdout, proc.stderr, where)
