"""Render the sandbox's configuration templates from the stack directory."""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from string import Template


def render(
    template: Path, dest: Path, mode: int = 0o644, owner: str | None = None, **values: object
) -> None:
    """Write ``template`` with ``${name}`` placeholders filled from ``values``."""
    text = Template(template.read_text()).substitute({k: str(v) for k, v in values.items()})
    write(dest, text, mode, owner)


def write(dest: Path, text: str, mode: int = 0o644, owner: str | None = None) -> None:
    """Write a file atomically with the given mode and owner."""
    dest.parent.mkdir(parents=True, exist_ok=True)
    tmp = dest.with_name(f".{dest.name}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, mode)
    with os.fdopen(fd, "w") as out:
        out.write(text)
    os.chmod(tmp, mode)
    if owner:
        shutil.chown(tmp, owner, owner)
    os.replace(tmp, dest)


def chown_tree(path: Path, owner: str) -> None:
    """Give a directory tree to a user."""
    for root, dirs, files in os.walk(path):
        shutil.chown(root, owner, owner)
        for name in dirs + files:
            entry = os.path.join(root, name)
            if not os.path.islink(entry):
                shutil.chown(entry, owner, owner)
