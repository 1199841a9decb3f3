"""Compiled regular expressions kept from one run to the next, as Python keeps compiled
modules (issue 24; docs/architecture.md#layers; measured in bench/RESULTS.md).

Python compiles a regular expression in Python code, in every process that uses it: parse,
then translate into the code its matching engine runs. The libraries a smoke run needs
compile theirs as they load, or at their first use (urllib3's URL patterns alone, ~35 ms):
48-58 ms of a smoke run's CPU after pytest's start, every run, for the same patterns (4-5 ms
with this cache). Kept here, a pattern compiled once is rebuilt from its engine code, with no
parsing.

Only the patterns compiled while the plugins are imported are kept (:func:`freeze`, before
golive reads any secret): a pattern built later may hold a secret value (the redaction of
evidence compiles the secrets' values into one pattern, and engine code holds its literals),
and secrets never reach disk. Patterns compiled later are compiled as Python does.

What is kept, and when it is trusted, follows Python's own bytecode cache (whoever can write
the file can write the bytecode beside it):
- one file beside this module's bytecode (``__pycache__``, or under ``sys.pycache_prefix``),
  named for the interpreter's version and its engine's code format (``_sre.MAGIC``); another
  interpreter reads a file of its own;
- written only when this run compiled something it did not hold, never when bytecode
  writing is off (``PYTHONDONTWRITEBYTECODE``, ``-B``), replaced whole (``os.replace``);
- an unreadable, damaged or foreign file is ignored; an entry the engine refuses
  (``_sre.compile`` checks the code it is given) is compiled afresh;
- as with bytecode, a warning the parser gives for a pattern (``FutureWarning``: a possible
  nested set) is given when it is first compiled, not when it is rebuilt.

It is installed only if, for a sample pattern, the rebuilt pattern equals the one Python
compiles (same engine code, flags and groups): an interpreter whose internals differ runs
with Python's own compilation.
"""

from __future__ import annotations

import _sre  # type: ignore[import-not-found]
import atexit
import contextlib
import importlib.util
import marshal
import os
import sys
from pathlib import Path
from re import _compiler, _parser  # type: ignore[attr-defined]
from typing import Any

Key = tuple[str | bytes, int]
Entry = tuple[int, list[int], int, dict[str, int], tuple[str | None, ...]]

KEEP_RUNS = 8
"""A pattern no run used in this many writes of the file goes. Some patterns differ in every
run: tokenize's, built from a set of string prefixes whose order changes with Python's hash
seed, is written each run and gone eight runs later (the file does not grow without end)."""

MAX_ENTRIES = 1024
"""Kept at most, the most recently used."""

SAMPLE = r"(?P<host>[a-z0-9.-]+):(?P<port>\d{1,5})(?:/(?P<path>.*))?$"


def _entry(pattern: str | bytes, flags: int) -> Entry:
    """What ``re._compiler.compile`` hands the engine for ``pattern`` (its body, kept)."""
    parsed = _parser.parse(pattern, flags)
    code = _compiler._code(parsed, flags)
    groupindex = {str(name): int(index) for name, index in parsed.state.groupdict.items()}
    indexgroup: list[str | None] = [None] * parsed.state.groups
    for name, index in groupindex.items():
        indexgroup[index] = name
    # plain ints (the engine's opcodes are an int subclass, which marshal does not write)
    return (
        int(flags | parsed.state.flags),
        [int(op) for op in code],
        int(parsed.state.groups - 1),
        groupindex,
        tuple(indexgroup),
    )


def _build(pattern: str | bytes, entry: Entry) -> Any:
    flags, code, groups, groupindex, indexgroup = entry
    return _sre.compile(pattern, flags, code, groups, groupindex, indexgroup)


class RegexCache:
    """``re._compiler.compile`` with the engine code of the patterns in ``path``."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.generation, self.kept = _read(path)
        self.used: set[Key] = set()
        self.new: dict[Key, Entry] = {}
        self.original = _compiler.compile
        self.recording = True  # until :meth:`freeze`

    def compile(self, pattern: Any, flags: int = 0) -> Any:
        if not isinstance(pattern, str | bytes) or flags & _compiler.SRE_FLAG_DEBUG:
            return self.original(pattern, flags)  # a parsed pattern, or one to print
        key = (pattern, int(flags))
        if (kept := self.kept.get(key)) is not None:
            try:
                compiled = _build(pattern, kept[0])
            except Exception:  # damaged, or code the engine refuses: compiled afresh
                self.kept.pop(key, None)
            else:
                self.used.add(key)
                return compiled
        if not self.recording:  # it may hold a secret: never kept
            return self.original(pattern, flags)
        entry = _entry(pattern, flags)
        compiled = _build(pattern, entry)
        self.new[key] = entry
        self.kept[key] = (entry, self.generation)
        return compiled

    def freeze(self) -> None:
        """Keep no pattern compiled from now on (the ones kept are still used)."""
        self.recording = False

    def save(self) -> None:
        """Write the file again if this run compiled a pattern it did not hold: merged with
        what another run may have written meanwhile, this run's patterns marked used now,
        those no run used in :data:`KEEP_RUNS` writes left out."""
        if not self.new or sys.dont_write_bytecode:
            return
        generation, merged = _read(self.path)
        generation = max(generation, self.generation) + 1
        for key in self.used & merged.keys():
            merged[key] = (merged[key][0], generation)
        merged.update((key, (entry, generation)) for key, entry in self.new.items())
        recent = sorted(
            (
                (key, entry, used)
                for key, (entry, used) in merged.items()
                if used > generation - KEEP_RUNS
            ),
            key=lambda item: item[2],
        )[-MAX_ENTRIES:]
        part = self.path.with_name(f"{self.path.name}.{os.getpid()}")
        with contextlib.suppress(OSError):  # a read-only install: nothing kept, as bytecode
            self.path.parent.mkdir(parents=True, exist_ok=True)
            part.write_bytes(marshal.dumps((_stamp(), generation, recent)))
            os.replace(part, self.path)
            self.new.clear()
        with contextlib.suppress(OSError):
            part.unlink(missing_ok=True)


def _stamp() -> tuple[str, int, int]:
    return (sys.implementation.cache_tag or "", sys.hexversion, _sre.MAGIC)


def _read(path: Path) -> tuple[int, dict[Key, tuple[Entry, int]]]:
    """The file's generation (how many times it was written) and its entries, each with the
    generation that last used it."""
    try:
        stamp, generation, items = marshal.loads(path.read_bytes())
        if stamp != _stamp():
            return 0, {}
        return int(generation), {(p, f): (entry, int(used)) for (p, f), entry, used in items}
    except Exception:  # missing, unreadable, damaged: nothing kept
        return 0, {}


def default_path() -> Path:
    """Beside this module's bytecode, named for this interpreter."""
    tag = sys.implementation.cache_tag or "python"
    pyc = Path(importlib.util.cache_from_source(__file__))
    return pyc.with_name(f"regex.{tag}.{sys.hexversion:x}.{_sre.MAGIC}.marshal")


_installed: RegexCache | None = None


def install(path: Path | None = None) -> RegexCache | None:
    """Compile through the cache from now on and save it at exit. None (Python compiles as
    usual) if this interpreter's internals do not rebuild the sample pattern exactly."""
    global _installed
    if _installed is not None:
        return _installed
    try:
        if _build(SAMPLE, _entry(SAMPLE, 0)) != _compiler.compile(SAMPLE, 0):
            return None
    except Exception:
        return None
    cache = RegexCache(path or default_path())
    _compiler.compile = cache.compile
    atexit.register(cache.save)
    _installed = cache
    return cache


def freeze() -> None:
    """The plugins are imported: keep no pattern compiled from now on, before golive reads a
    secret (see the top of this module)."""
    if _installed is not None:
        _installed.freeze()
