"""Benchmarks cannot rot unseen (issue 24): every bench/*.py benchmark takes ``--quick`` and is
in the Makefile's ``bench-quick`` list, which CI runs; every subprocess a benchmark starts is
given a timeout. Read from the sources (no benchmark runs here: they need the sandbox)."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
BENCH = REPO / "bench"


def benchmarks() -> list[Path]:
    """Every bench script run as a program (a shared module such as scope_run.py is not one)."""
    return sorted(p for p in BENCH.glob("*.py") if 'if __name__ == "__main__":' in p.read_text())


def options(path: Path) -> set[str]:
    """The options the script's argparse parsers declare."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr == "add_argument"
        ):
            found |= {a.value for a in node.args if isinstance(a, ast.Constant)}
    return found


def quick_list() -> list[str]:
    text = (REPO / "Makefile").read_text().replace("\\\n", " ")
    match = re.search(r"^BENCH_QUICK\s*:=\s*(.*)$", text, re.MULTILINE)
    assert match, "Makefile: no BENCH_QUICK list"
    return match.group(1).split()


def test_there_are_benchmarks() -> None:
    assert len(benchmarks()) >= 10


@pytest.mark.parametrize("path", benchmarks(), ids=lambda p: p.name)
def test_benchmark_has_quick_mode_in_the_makefile(path: Path) -> None:
    assert "--quick" in options(path), f"{path.name}: no --quick option"
    assert path.stem in quick_list(), f"{path.name}: not in the Makefile's BENCH_QUICK"


def test_makefile_lists_only_benchmarks() -> None:
    names = quick_list()
    assert sorted(names) == sorted(p.stem for p in benchmarks())
    assert len(names) == len(set(names))


def test_bench_quick_runs_in_ci() -> None:
    make = (REPO / "Makefile").read_text()
    test = re.search(r"^test:(.*)$", make, re.MULTILINE)
    assert test and "bench-quick" in test.group(1).split()
    assert test.group(1).split().index("bench-quick") > test.group(1).split().index("test-sandbox")


SUBPROCESS = {"run", "Popen", "check_output", "check_call", "call"}


@pytest.mark.parametrize("path", sorted(BENCH.glob("*.py")), ids=lambda p: p.name)
def test_every_subprocess_has_a_timeout(path: Path) -> None:
    """subprocess.run/check_output/... carry ``timeout=``; a Popen is bounded by a watchdog
    (its file names threading.Timer)."""
    source = path.read_text()
    for node in ast.walk(ast.parse(source)):
        if not (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and isinstance(node.func.value, ast.Name)
            and node.func.value.id == "subprocess"
            and node.func.attr in SUBPROCESS
        ):
            continue
        if node.func.attr == "Popen":
            assert "threading.Timer" in source, f"{path.name}:{node.lineno}: Popen, no watchdog"
        else:
            keywords = {k.arg for k in node.keywords}
            assert "timeout" in keywords, f"{path.name}:{node.lineno}: subprocess without timeout"
