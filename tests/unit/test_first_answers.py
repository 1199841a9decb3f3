"""One command per host where several were asked (issue 24, scale): the pool's first command
answers what Testinfra's modules and the identity ask every host first, and the hardware
check reads cores, memory and every mount in one command. Run on this machine (``local://``),
against Testinfra's own answers to the same questions."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import testinfra

from golive.model.environment import Host
from golive.probe.facts import hardware
from golive.probe.hosts import FIRST_QUESTIONS, FirstAnswers, KnownHost, Target

LOCAL = Host(address="127.0.0.1", roles=["app"], connection="local://")


def local() -> Target:
    return Target("local", LOCAL, testinfra.get_host("local://"))


def test_the_first_command_answers_as_testinfra_asks_each_question() -> None:
    host = testinfra.backend.get_backend("local://")
    done = host.run(FIRST_QUESTIONS)
    assert done.rc == 0
    first = FirstAnswers.parse(done.stdout)
    asked = testinfra.host.Host(testinfra.backend.get_backend("local://"))
    assert first.sysinfo == asked.system_info.sysinfo  # type, distribution, release, codename, arch
    assert first.command_v == asked.has_command_v
    if shutil.which("ss"):
        assert first.commands == {"ss": asked.find_command("ss")}
    machine_id = Path("/etc/machine-id")
    assert first.machine_id == (
        machine_id.read_text().strip() or None if machine_id.exists() else None
    )


def test_what_the_first_command_learnt_is_not_asked_again() -> None:
    backend = testinfra.backend.get_backend("local://")
    remote = KnownHost(backend)
    first = FirstAnswers.parse(backend.run(FIRST_QUESTIONS).stdout)
    first.teach(remote)
    asked: list[str] = []
    run = backend.run
    backend.run = lambda command, *args, **kw: asked.append(command) or run(command, *args, **kw)
    _ = remote.system_info.distribution, remote.system_info.arch, remote.has_command_v
    if first.commands:
        assert remote.find_command("ss") == first.commands["ss"]
    assert asked == []


def test_a_host_that_is_not_linux_or_says_nothing_is_left_to_testinfra() -> None:
    bsd = FirstAnswers.parse("system FreeBSD\narch amd64\ncommand_v yes\nss \nmachine_id \n")
    assert bsd.sysinfo is None and bsd.commands == {} and bsd.machine_id is None
    assert bsd.command_v
    bare = FirstAnswers.parse("")
    assert bare.sysinfo is None and not bare.command_v and bare.machine_id is None


def test_os_release_lines_are_read_as_testinfra_reads_them() -> None:
    first = FirstAnswers.parse(
        "system Linux\narch x86_64\nss /usr/bin/ss\nmachine_id abc\nos_release\n"
        'ID=arch\nVERSION_ID="1"\nsystem not-a-key\n'
    )
    assert first.sysinfo == {
        "type": "linux", "distribution": "arch", "release": "rolling", "codename": None,
        "arch": "x86_64",
    }  # fmt: skip
    assert first.machine_id == "abc" and first.commands == {"ss": "/usr/bin/ss"}


def test_hardware_is_one_command_and_a_mount_it_cannot_read_is_zero() -> None:
    target = local()
    seen = hardware(target, ["/", "/nonexistent dir", "/tmp"])
    assert seen.cores == len(os.sched_getaffinity(0))
    assert seen.memory_mib == os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE") // 2**20
    assert seen.free_mib["/"] > 0 and seen.free_mib["/tmp"] > 0
    assert seen.free_mib["/nonexistent dir"] == 0
    assert not Path("0").exists() and not Path("1").exists()  # awk wrote no file
