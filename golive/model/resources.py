"""golive's data files (the suite registry, the plan, the fault catalog, the load journeys, the
sandbox stack), found through :mod:`importlib.resources` wherever golive is installed: a
checkout, an editable install or a wheel (docs/architecture.md#packaging)."""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path

from golive.model.errors import ConfigError


def resource(package: str, *parts: str) -> Path:
    """A file or directory ``package`` ships as package data, as a path on disk: golive hands
    its data to tools that take paths (locust, nginx, the shell), so a package that is not on
    a file system (a zip archive) is refused, naming it."""
    root = files(package)
    if not isinstance(root, Path):
        raise ConfigError(
            f"package {package}", "(installation)", "a package on a file system (not in an archive)"
        )
    return root.joinpath(*parts)
