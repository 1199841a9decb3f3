"""Fault actions of the rollback suite (see :mod:`.base` for the contract)."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from golive.model.errors import SandboxError
from golive.sandbox.context import Sandbox
from golive.sandbox.faults.base import FaultAction


class MoveAside(FaultAction):
    """Move a file of the host (``path`` under its host var ``var``) aside, as if deleted;
    healing moves it back. The file keeps its inode, owner and mode."""

    kind: Literal["move_aside"]
    var: str
    path: str

    def apply(self, sbx: Sandbox, host: str, inject: bool) -> None:
        file = sbx.var(host, self.var) / self.path
        aside = file.with_name(f".{file.name}.moved-aside")
        source, dest = (file, aside) if inject else (aside, file)
        if not source.exists():
            if dest.exists():  # already done
                return
            raise SandboxError(f"{source}: not found; the fault cannot be applied")
        Path(source).replace(dest)
