"""Build the trading app's releases from source and lay them out like a deployment."""

from __future__ import annotations

import shutil
from pathlib import Path

from golive.report.hashing import sha256_file
from golive.sandbox.context import Sandbox
from golive.sandbox.process import run


def versions(sbx: Sandbox) -> list[str]:
    """The releases the sandbox keeps: the previous stable one and the candidate."""
    release = sbx.env.inventory.release
    return [v for v in (release.previous, release.version) if v]


def registry(sbx: Sandbox) -> Path:
    return sbx.path("registry")


def _sources_mtime(app: Path) -> float:
    return max(p.stat().st_mtime for p in app.rglob("*") if p.is_file())


def build(sbx: Sandbox) -> None:
    """Build every release WAR into the registry (only when sources changed) with SHA256SUMS."""
    app = sbx.stack / "app"
    reg = registry(sbx)
    reg.mkdir(parents=True, exist_ok=True)
    newest = _sources_mtime(app)
    for version in versions(sbx):
        war = reg / f"trading-{version}.war"
        if not war.exists() or war.stat().st_mtime < newest:
            run(["bash", str(app / "build.sh"), version, str(reg)])
    sums = "".join(f"{sha256_file(w)}  {w.name}\n" for w in sorted(reg.glob("trading-*.war")))
    (reg / "SHA256SUMS").write_text(sums)


def deploy(sbx: Sandbox, host: str, current: str | None = None) -> None:
    """Copy the registry's releases to an app host and point `current` at a version."""
    releases = sbx.var(host, "releases")
    for version in versions(sbx):
        src = registry(sbx) / f"trading-{version}.war"
        dest = releases / version / "trading.war"
        if not dest.exists() or sha256_file(dest) != sha256_file(src):
            dest.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(src, dest)
    link_current(sbx, host, current or sbx.env.inventory.release.version)


def link_current(sbx: Sandbox, host: str, version: str) -> None:
    """Atomically switch an app host's `current` link to ``version``."""
    releases = sbx.var(host, "releases")
    tmp = releases / ".current.tmp"
    tmp.unlink(missing_ok=True)
    tmp.symlink_to(version)
    tmp.replace(releases / "current")
