"""Render the sandbox's configuration templates from the stack directory.

A service's start keeps the configuration on disk, as ``systemctl restart`` does: what a
service's ``prepare`` writes (:func:`render`, :func:`write`, :func:`copy`) goes through the
policy :func:`configuring` sets for it (``lifecycle.start``):

- ``missing`` (a service start or restart, a drill restoring a node, a fault's heal): a file
  that exists is kept; only a missing one is written;
- ``conffile`` (``golive sandbox up``): dpkg's rule for configuration files. A missing file
  is written; one still as golive last wrote it follows its template, so a developer's edit
  of the stack reaches the sandbox; one changed since (an injected fault, an administrator's
  edit), or not as golive writes it and with no record of golive's writing it (a sandbox
  set up before golive kept records), is kept, and said so;
- ``always`` (``golive sandbox up --reprovision``, and every write outside a service's
  ``prepare``): written from the template.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import shutil
import sys
from collections.abc import Iterator
from contextvars import ContextVar
from dataclasses import dataclass
from pathlib import Path
from string import Template
from typing import Literal

Mode = Literal["missing", "conffile", "always"]


@dataclass(frozen=True)
class _Policy:
    mode: Mode
    records: Path | None = None  # what golive last wrote to each file (sha256), for conffile


ALWAYS = _Policy("always")
_POLICY: ContextVar[_Policy | None] = ContextVar("golive_render_policy", default=None)


@contextlib.contextmanager
def configuring(mode: Mode, records: Path) -> Iterator[None]:
    """Apply ``mode`` to the writes of this block; ``records`` keeps what golive wrote."""
    token = _POLICY.set(_Policy(mode, records))
    try:
        yield
    finally:
        _POLICY.reset(token)


def _digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _record(records: Path, dest: Path) -> Path:
    return records / _digest(str(dest.absolute()).encode())[:32]


def _keep(dest: Path, data: bytes) -> bool:
    """Whether the policy keeps ``dest`` as it is instead of writing ``data``."""
    policy = _POLICY.get() or ALWAYS
    if policy.mode == "always" or not dest.exists():
        return False
    if policy.mode == "missing" or policy.records is None:
        return True
    record = _record(policy.records, dest)
    have = _digest(dest.read_bytes())
    if record.exists() and record.read_text().strip() == have:
        return False  # as golive wrote it: it follows the template
    if have != _digest(data):
        why = "changed since golive wrote it" if record.exists() else "not as golive writes it"
        print(
            f"{dest}: {why}; kept (`golive sandbox up --reprovision` rewrites it)",
            file=sys.stderr,
        )
    return True


def filled(template: Path, **values: object) -> str:
    """``template`` with its ``${name}`` placeholders filled from ``values``."""
    return Template(template.read_text()).substitute({k: str(v) for k, v in values.items()})


def render(
    template: Path, dest: Path, mode: int = 0o644, owner: str | None = None, **values: object
) -> None:
    """Write ``template`` with ``${name}`` placeholders filled from ``values``."""
    write(dest, filled(template, **values), mode, owner)


def copy(source: Path | str, dest: Path, mode: int = 0o644, owner: str | None = None) -> None:
    """Copy a file of the stack (or of the system) into place, as :func:`write` does."""
    write(dest, Path(source).read_bytes(), mode, owner)


def write(dest: Path, text: str | bytes, mode: int = 0o644, owner: str | None = None) -> None:
    """Write a file atomically with the given mode and owner (unless the policy keeps it)."""
    data = text.encode() if isinstance(text, str) else text
    if _keep(dest, data):
        return
    dest.parent.mkdir(parents=True, exist_ok=True)
    tmp = dest.with_name(f".{dest.name}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, mode)
    with os.fdopen(fd, "wb") as out:
        out.write(data)
    os.chmod(tmp, mode)
    if owner:
        shutil.chown(tmp, owner, owner)
    os.replace(tmp, dest)
    records = (_POLICY.get() or ALWAYS).records
    if records is not None:
        records.mkdir(parents=True, exist_ok=True)
        _record(records, dest).write_text(_digest(data) + "\n")


def chown_tree(path: Path, owner: str) -> None:
    """Give a directory tree to a user."""
    for root, dirs, files in os.walk(path):
        shutil.chown(root, owner, owner)
        for name in dirs + files:
            entry = os.path.join(root, name)
            if not os.path.islink(entry):
                shutil.chown(entry, owner, owner)
