"""Fault actions of a host's package database (issue 25): one host's dpkg says another version.

Every sandbox host shares the machine's ``/usr`` and, unless a fault gives it one of its own,
its dpkg database. The fault binds a copy of ``/var/lib/dpkg/status`` over the real one inside
the host's mount namespace only (:mod:`golive.sandbox.hostns`): what ``dpkg-query`` says on
that host changes, the other hosts and the machine keep the real file. See :mod:`.base` for
the contract.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Literal

from pydantic import Field

from golive.model.errors import SandboxError
from golive.sandbox import hostns
from golive.sandbox.context import Sandbox
from golive.sandbox.faults.base import FaultAction
from golive.sandbox.process import run
from golive.sandbox.render import write

STATUS = Path("/var/lib/dpkg/status")


def restated(status: str, package: str, version: str) -> str:
    """dpkg's status file with ``package``'s ``Version:`` field set to ``version``."""
    stanzas = status.split("\n\n")
    found = 0
    for i, stanza in enumerate(stanzas):
        if re.search(rf"^Package: {re.escape(package)}$", stanza, re.M):
            stanzas[i], n = re.subn(r"^Version: .*$", f"Version: {version}", stanza, flags=re.M)
            found += n
    if found != 1:
        raise SandboxError(f"{STATUS}: {found} stanzas of package {package}; the fault needs one")
    return "\n\n".join(stanzas)


def _mounted(holder: int) -> bool:
    """Whether the host's mount namespace has something bound on the status file."""
    mounts = Path(f"/proc/{holder}/mountinfo").read_text().splitlines()
    return any(line.split()[4] == str(STATUS) for line in mounts)


class PackageVersion(FaultAction):
    """The host's package database says ``package`` is ``version`` (a bind mount of a copy of
    the status file in the host's mount namespace); healing unmounts it."""

    kind: Literal["package_version"]
    package: str = Field(pattern=r"^[a-z0-9][a-z0-9+.-]+$")
    version: str = Field(pattern=r"^[A-Za-z0-9.+~:-]+$")

    def apply(self, sbx: Sandbox, host: str, inject: bool) -> None:
        holder = hostns.holder(sbx, host)
        if holder is None:
            if not inject:
                return  # the host's mount namespace, and the bind mount with it, are gone
            raise SandboxError(f"{host}: its namespaces are not up (`golive sandbox up`)")
        # the host's PID namespace too: umount reads /proc/self, which is the host's /proc
        enter = ["nsenter", f"--target={holder}", "--mount", "--pid"]
        if _mounted(holder):
            run([*enter, "umount", str(STATUS)])
        if not inject:
            return
        copy = sbx.path(host, "dpkg", "status")
        write(copy, restated(STATUS.read_text(), self.package, self.version), mode=0o644)
        run([*enter, "mount", "--bind", "-o", "ro", str(copy), str(STATUS)])
