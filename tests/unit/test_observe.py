"""The probes' records (golive/probe/observe.py): what is recorded, into which frames, and
what is not (outside a check, golive's own bookkeeping)."""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Any

import pytest

from golive.probe import observe


@dataclass
class Result:
    rc: int
    stdout_bytes: bytes
    stderr_bytes: bytes = b""


class Backend:
    def get_command(self, command: str, *args: str) -> str:
        return command % args

    def run(self, command: str, *args: str) -> Result:
        if "hang" in command:
            raise TimeoutError("app1: `hang` timed out after 1 s")
        return Result(0, b"out-" + (command % args).encode())


def test_commands_are_recorded_only_while_watched() -> None:
    backend = observe.observed_backend(Backend(), "app1")
    backend.run("echo %s", "before")
    with observe.watching() as frame:
        backend.run("echo %s", "x")
        with pytest.raises(TimeoutError):
            backend.run("hang")
    assert frame.summary() == "2 commands"
    assert "[app1] $ echo x\nexit 0" in frame.text() and "out-echo x" in frame.text()
    assert "[app1] $ hang\nno result after" in frame.text()
    assert "before" not in frame.text()


def test_nested_frames_each_get_the_record_and_quiet_threads_none() -> None:
    backend = observe.observed_backend(Backend(), "db1")
    with observe.watching() as check, observe.watching() as fixture:
        backend.run("one")
        with observe.quiet():
            backend.run("bookkeeping")
        other = threading.Thread(target=backend.run, args=("from a thread",))
        other.start()
        other.join()
    assert check.summary() == fixture.summary() == "2 commands"
    assert "bookkeeping" not in check.text() and "from a thread" in check.text()


def test_once_replays_what_computing_saw() -> None:
    backend = observe.observed_backend(Backend(), "ns1")
    cache = observe.Once("facts of")
    with observe.watching() as first:
        assert cache.get("ns1", lambda: backend.run("dpkg").stdout_bytes) == b"out-dpkg"
    with observe.watching() as later:
        assert cache.get("ns1", lambda: pytest.fail("computed twice")) == b"out-dpkg"
    assert first.summary() == later.summary() == "1 command"
    assert "facts of ns1, taken once earlier in the run" in later.text()


def test_a_replay_in_a_thread_apart_goes_to_its_own_frame_only() -> None:
    """A probe asked ahead (its thread apart) replaying what another thread saw for it keeps
    it for the check that will read its answer, never the check running meanwhile."""
    backend = observe.observed_backend(Backend(), "mon1")
    with observe.apart() as seen_for_it:
        backend.run("port 9090")
    kept: list[observe.Frame] = []

    def probe() -> None:
        with observe.apart() as own:
            observe.replay(seen_for_it, "port 9090")
        kept.append(own)

    with observe.watching() as running:
        worker = threading.Thread(target=probe)
        worker.start()
        worker.join()
    assert not running, running.text()
    assert kept[0].summary() == "1 command" and "----- port 9090: 1 command" in kept[0].text()


class Cursor:
    description: Any = [type("Column", (), {"name": "id"})()]
    rownumber = 0
    rowcount = 2

    def __init__(self) -> None:
        self.rows = [(1,), (2,)]

    def fetchmany(self, n: int) -> list[tuple[int]]:
        out, self.rows = self.rows[:n], self.rows[n:]
        return out

    def scroll(self, value: int, mode: str) -> None:
        self.rows = [(1,), (2,)]


def test_sql_records_the_first_rows_without_consuming_them() -> None:
    cursor = Cursor()
    with observe.watching() as frame:
        observe.sql("db1: PostgreSQL", "SELECT id FROM t WHERE x = %s", ("y",), cursor, 0.001)
    assert cursor.rows == [(1,), (2,)]
    text = frame.text()
    assert "SQL: SELECT id FROM t WHERE x = %s" in text and "params: ('y',)" in text
    assert "2 row(s)" in text and "  id\n  1\n  2" in text
    assert frame.summary() == "1 SQL query"


def test_long_output_is_cut_and_saying_so() -> None:
    assert observe.excerpt("x" * 20, 10) == "x" * 10 + "\n... (10 more characters)"
