"""Build ``build/layout/``: pytest_golive as its wheel lays it out (suites/, fixtures/ and
plugins/ inside it), a tree of real directories holding one link per source file, for the tools
that find packages on disk and do not follow setuptools' ``package_dir`` (setup.py): mypy
(``mypy_path``) and import-linter (grimp, through ``PYTHONPATH``). ``make lint`` builds it
anew each time, so a new module is seen (docs/architecture.md#packaging)."""

from __future__ import annotations

import ast
import shutil
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
TREE = REPO / "build" / "layout"


def mapped() -> dict[str, str]:
    """setup.py's ``MAPPED``: the top-level folders that are subpackages of pytest_golive."""
    for node in ast.parse((REPO / "setup.py").read_text()).body:
        if isinstance(node, ast.Assign) and getattr(node.targets[0], "id", "") == "MAPPED":
            value: dict[str, str] = ast.literal_eval(node.value)
            return value
    raise SystemExit("layout_tree: setup.py has no MAPPED")


def link(source: Path, into: Path) -> None:
    for path in source.rglob("*.py"):
        if "__pycache__" in path.parts:
            continue
        target = into / path.relative_to(source)
        target.parent.mkdir(parents=True, exist_ok=True)
        target.symlink_to(path)


def main() -> None:
    shutil.rmtree(TREE, ignore_errors=True)
    root = TREE / "pytest_golive"
    for path in (REPO / "pytest_golive").glob("*.py"):
        root.mkdir(parents=True, exist_ok=True)
        (root / path.name).symlink_to(path)
    for package, folder in mapped().items():
        link(REPO / folder, TREE.joinpath(*package.split(".")))


if __name__ == "__main__":
    main()
