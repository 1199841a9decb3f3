"""A sandbox host's clock (issue 25): a program started with the host's clock environment reads
the offset in the host's control file, a change reaches it without a restart, healing puts the
machine's clock back, and other hosts keep theirs. Real libfaketime, no sandbox."""

from __future__ import annotations

import mmap
import os
import subprocess
import time
from pathlib import Path
from typing import cast

import pytest

from golive.sandbox import clock
from golive.sandbox.context import Sandbox


class _Dir:
    """The one part of a Sandbox the clock uses: where its files live."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def path(self, *parts: str) -> Path:
        return self.root.joinpath(*parts)


@pytest.fixture
def sbx(tmp_path: Path) -> Sandbox:
    return cast(Sandbox, _Dir(tmp_path))


def _offset_s(env: dict[str, str], program: str = "date +%s.%N") -> float:
    """How far ahead of this process's clock a program under ``env`` reads the time."""
    before = time.time()
    out = subprocess.run(["sh", "-c", program], env=env, capture_output=True, text=True, check=True)
    after = time.time()
    return float(out.stdout.strip()) - (before + after) / 2


def test_the_control_file_moves_the_clock_and_healing_puts_it_back(sbx: Sandbox) -> None:
    env = clock.environment(sbx, "app2")
    assert clock.offset(sbx, "app2") == "+0"  # made at the machine's time
    assert abs(_offset_s(env)) < 5
    clock.set_offset(sbx, "app2", 90)
    assert clock.control(sbx, "app2").read_text() == "+90\n"
    assert 85 < _offset_s(env) < 95
    clock.set_offset(sbx, "app2", -30)
    assert -35 < _offset_s(env) < -25
    clock.set_offset(sbx, "app2", 0)
    assert clock.offset(sbx, "app2") == "+0"
    assert abs(_offset_s(env)) < 5


def test_a_running_program_follows_the_file(sbx: Sandbox) -> None:
    """One process reads its clock, the file changes, it reads again (no restart)."""
    env = clock.environment(sbx, "app2")
    program = "date +%s; read go; date +%s"
    proc = subprocess.Popen(
        ["sh", "-c", program], env=env, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
    )
    assert proc.stdin is not None and proc.stdout is not None
    first = int(proc.stdout.readline())
    clock.set_offset(sbx, "app2", 90)
    time.sleep(clock.CACHE_S + 0.5)
    proc.stdin.write("\n")
    proc.stdin.flush()
    second = int(proc.stdout.readline())
    proc.wait(10)
    assert 85 < second - first < 100


def test_other_hosts_keep_their_clock(sbx: Sandbox) -> None:
    app1, app2 = clock.environment(sbx, "app1"), clock.environment(sbx, "app2")
    clock.set_offset(sbx, "app2", 90)
    assert abs(_offset_s(app1)) < 5
    assert app1["FAKETIME_TIMESTAMP_FILE"] != app2["FAKETIME_TIMESTAMP_FILE"]


def test_sshd_setenv_names_every_variable_without_spaces(sbx: Sandbox) -> None:
    """sshd_config's SetEnv splits on spaces: each NAME=VALUE is one word."""
    words = clock.sshd_setenv(sbx, "app1").split()
    assert dict(w.split("=", 1) for w in words) == clock.environment(sbx, "app1")
    assert Path(clock.library()).is_file()


def test_sweep_removes_old_unmapped_leftovers_only(tmp_path: Path) -> None:
    """libfaketime's pairs nobody maps and older than a minute go; one a process maps, one
    just made (a process may be setting it up) and any other file stay."""
    names = ["faketime_shm_11", "sem.faketime_sem_11", "faketime_shm_12", "faketime_shm_13"]
    for name in [*names, "PostgreSQL.1234"]:
        (tmp_path / name).write_bytes(b"\0" * 32)
    old = time.time() - 3600
    for name in [*names[:3], "PostgreSQL.1234"]:
        os.utime(tmp_path / name, (old, old))
    with (tmp_path / "faketime_shm_12").open("r+b") as f, mmap.mmap(f.fileno(), 32):
        assert clock.sweep_dir(tmp_path) == 2
    left = sorted(p.name for p in tmp_path.iterdir())
    assert left == ["PostgreSQL.1234", "faketime_shm_12", "faketime_shm_13"]
