"""Which golive made a verdict: its package version and the git commit of its source (when
golive runs from a checkout), never to be confused with the application build under
certification (golive/probe/release.py)."""

from __future__ import annotations

from importlib import metadata
from pathlib import Path

import golive
from golive.report.allure_meta import git_commit


def golive_build() -> dict[str, str]:
    """``golive`` of verdict.json: {version, commit}; "unknown" when not known."""
    try:
        version = metadata.version("golive")
    except metadata.PackageNotFoundError:
        version = "unknown"
    source = Path(golive.__file__).resolve().parent.parent
    # only golive's own checkout: an installed copy inside some other repository is not it
    ours = (source / ".git").exists() and (source / "pyproject.toml").is_file()
    return {"version": version, "commit": git_commit(source) if ours else "unknown"}
