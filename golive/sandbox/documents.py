"""The sandbox's process documents: release notes, UAT issue log, training and handover
records and the like, which the environment names as the evidence of the plan's process
items (``process_evidence`` in expectations.yml). Shipped into ``docs/`` under the sandbox
directory when absent: a fault edits them there, and ``up`` leaves an edited one alone, as it
leaves any configuration on disk."""

from __future__ import annotations

import shutil

from golive.sandbox.context import Sandbox


def ship(sbx: Sandbox) -> None:
    folder = sbx.path("docs")
    folder.mkdir(parents=True, exist_ok=True)
    folder.chmod(0o755)
    for source in sorted((sbx.stack / "docs").glob("*.md")):
        dest = folder / source.name
        if not dest.exists():
            shutil.copyfile(source, dest)
            dest.chmod(0o644)
