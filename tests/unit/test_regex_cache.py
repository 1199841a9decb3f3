"""Compiled regular expressions kept between runs (pytest_golive/regex_cache.py): a pattern
rebuilt from the file equals the one Python compiles (engine code, flags, groups) over a
corpus of the patterns real libraries compile; a damaged, foreign or refused file or entry
is compiled afresh; nothing is written when bytecode writing is off; the plugin installs
it."""

from __future__ import annotations

import importlib
import marshal
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from pytest_golive import regex_cache
from pytest_golive.regex_cache import RegexCache

LIBRARIES = (
    "urllib3.util.url",
    "yaml.resolver",
    "email.utils",
    "http.cookiejar",
    "tomllib",
    "pydantic.networks",
    "_pytest.junitxml",
    "difflib",
    "textwrap",
    "string",
)

FLAGS = (0, re.I, re.M, re.S, re.X, re.A, re.I | re.M | re.S, re.U | re.I)


@pytest.fixture(autouse=True)
def _bytecode_written(monkeypatch: pytest.MonkeyPatch) -> None:
    """Writing on, whatever this shell says (PYTHONDONTWRITEBYTECODE)."""
    monkeypatch.setattr(sys, "dont_write_bytecode", False)


def _corpus() -> list[tuple[str | bytes, int]]:
    """Every pattern these libraries compile as they load (in a fresh interpreter), each
    with several flags, and the same as bytes where it is ASCII."""
    script = (
        "import re, sys\nfrom re import _compiler\nseen = []\norig = _compiler.compile\n"
        "def spy(p, flags=0):\n    if isinstance(p, (str, bytes)): seen.append((p, int(flags)))\n"
        "    return orig(p, flags)\n_compiler.compile = spy\n"
        f"for name in {LIBRARIES!r}:\n    __import__(name)\n"
        "import marshal; sys.stdout.buffer.write(marshal.dumps(seen))\n"
    )
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, check=True).stdout
    seen: list[tuple[str | bytes, int]] = marshal.loads(out)
    corpus = set(seen)
    for pattern, _ in seen:
        for flags in FLAGS:
            corpus.add((pattern, flags))
            if isinstance(pattern, str) and pattern.isascii() and not flags & re.U:
                corpus.add((pattern.encode(), flags & ~re.A))
    return sorted(corpus, key=repr)


def _fresh(pattern: str | bytes, flags: int) -> re.Pattern[str] | re.Pattern[bytes] | None:
    # Python's own compilation, even once the plugin (imported by another test) has
    # installed the cache in this process
    installed = regex_cache._installed
    python = installed.original if installed else re._compiler.compile  # type: ignore[attr-defined]
    try:
        return python(pattern, flags)  # type: ignore[no-any-return]
    except (re.error, ValueError):
        return None  # a flag this pattern refuses (re.A with bytes...)


def test_a_rebuilt_pattern_equals_the_compiled_one_over_real_libraries_patterns(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    corpus = [(p, f) for p, f in _corpus() if _fresh(p, f) is not None]
    assert len(corpus) > 500
    monkeypatch.setattr(regex_cache, "MAX_ENTRIES", len(corpus))
    cold = RegexCache(tmp_path / "cache")
    for pattern, flags in corpus:
        assert cold.compile(pattern, flags) == _fresh(pattern, flags), (pattern, flags)
    cold.save()
    warm = RegexCache(tmp_path / "cache")
    assert set(warm.kept) == {(p, f) for p, f in corpus}
    for pattern, flags in corpus:
        rebuilt = warm.compile(pattern, flags)
        fresh = _fresh(pattern, flags)
        assert fresh is not None and rebuilt == fresh, (pattern, flags)
        assert (rebuilt.groups, rebuilt.groupindex, rebuilt.flags) == (
            fresh.groups,
            fresh.groupindex,
            fresh.flags,
        )
    assert warm.new == {}


def test_a_damaged_or_foreign_file_is_compiled_afresh(tmp_path: Path) -> None:
    path = tmp_path / "cache"
    path.write_bytes(b"\x00garbage")
    assert RegexCache(path).kept == {}
    foreign: list[Any] = [(("a+", 0), (0, [1], 0, {}, ()), 1)]
    path.write_bytes(marshal.dumps((("cpython-0", 0, 0), 1, foreign)))
    cache = RegexCache(path)
    assert cache.kept == {}
    assert cache.compile("a+") == _fresh("a+", 0)


def test_an_entry_the_engine_refuses_is_compiled_afresh(tmp_path: Path) -> None:
    path = tmp_path / "cache"
    cache = RegexCache(path)
    cache.compile(r"(?P<n>\d+)x")
    key = (r"(?P<n>\d+)x", 0)
    flags, code, groups, groupindex, indexgroup = cache.new[key]
    cache.new[key] = (flags, [999_999, *code[1:]], groups, groupindex, indexgroup)
    cache.save()
    again = RegexCache(path)
    assert again.compile(r"(?P<n>\d+)x") == _fresh(r"(?P<n>\d+)x", 0)
    assert key in again.new  # refused, then compiled afresh


def test_nothing_is_written_when_bytecode_writing_is_off(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sys, "dont_write_bytecode", True)
    cache = RegexCache(tmp_path / "cache")
    cache.compile("b+")
    cache.save()
    assert not (tmp_path / "cache").exists()


def _run(path: Path, *patterns: str) -> None:
    cache = RegexCache(path)
    for pattern in patterns:
        cache.compile(pattern)
    cache.save()


def test_a_pattern_that_differs_each_run_does_not_grow_the_file(tmp_path: Path) -> None:
    """As tokenize's does (its prefixes' order follows the hash seed): each run's own is kept
    KEEP_RUNS writes, the patterns every run uses stay."""
    path = tmp_path / "cache"
    for run in range(5 * regex_cache.KEEP_RUNS):
        _run(path, "static+", r"\d{4}-\d\d", f"run{run}")
    kept = RegexCache(path).kept
    assert ("static+", 0) in kept and (r"\d{4}-\d\d", 0) in kept
    assert len(kept) == 2 + regex_cache.KEEP_RUNS


def test_past_the_limit_the_most_recently_used_stay(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(regex_cache, "MAX_ENTRIES", 3)
    path = tmp_path / "cache"
    for word in ("a", "b", "c", "d"):
        _run(path, word + "+")
    _run(path, "a+", "e+")  # a+ is used again (and e+ new, so the file is written)
    assert set(RegexCache(path).kept) == {("d+", 0), ("a+", 0), ("e+", 0)}


def test_a_read_only_place_keeps_nothing_and_fails_nothing(tmp_path: Path) -> None:
    cache = RegexCache(tmp_path / "missing-file-in-a-file" / "cache")
    (tmp_path / "missing-file-in-a-file").write_text("a file, not a folder")
    cache.compile("c+")
    cache.save()  # no error
    assert cache.new  # still new: nothing was kept


def test_the_plugin_compiles_through_the_cache() -> None:
    importlib.import_module("pytest_golive.plugin")
    installed = regex_cache._installed
    assert installed is not None
    assert re._compiler.compile == installed.compile  # type: ignore[attr-defined]


def test_a_pattern_compiled_after_freeze_is_never_kept(tmp_path: Path) -> None:
    """The redaction of evidence compiles the secrets' values into one pattern after the
    plugins are imported: none of it reaches the file."""
    path = tmp_path / "cache"
    cache = RegexCache(path)
    cache.compile("imported+")
    cache.freeze()
    secret = "s3cr3t-Value-9f2c"
    assert cache.compile(re.escape(secret) + "|other") == _fresh(re.escape(secret) + "|other", 0)
    cache.save()
    assert secret.encode() not in path.read_bytes()
    assert set(RegexCache(path).kept) == {("imported+", 0)}


def test_a_run_freezes_the_cache_once_its_plugins_are_imported(tmp_path: Path) -> None:
    """Before any hook reads the environment (and its secrets): a conftest, loaded after the
    plugins, finds the cache frozen."""
    (tmp_path / "conftest.py").write_text(
        "from pytest_golive import regex_cache\n"
        "print('recording:', regex_cache._installed.recording, flush=True)\n"
    )
    run = subprocess.run(
        [sys.executable, "-m", "pytest", "--co", "-q", "-s", "-p", "no:cacheprovider"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert "recording: False" in run.stdout, run.stdout + run.stderr
