"""Every sandbox host is a host of its own (issue 25): over SSH, each host shows its own
application configuration at Debian's path, its own processes only, its own hostname and
machine-id; its services run in its namespaces, and `golive sandbox status` shows them."""

from __future__ import annotations

import os
import re

import pytest

from conftest import golive
from golive.model.environment import Environment, load_environment
from golive.probe.hosts import HostPool
from golive.sandbox import clock, hostns, lifecycle
from golive.sandbox.context import Sandbox
from golive.sandbox.process import read_pid

APPS = ("app1", "app2")


@pytest.fixture(scope="module")
def env(sandbox: None) -> Environment:
    return load_environment("sandbox")


@pytest.fixture(autouse=True)
def _inside(sandbox: None) -> None:
    """SSH starts from the QA vantage point, inside the sandbox's network namespace."""
    lifecycle.enter(Sandbox.load())


@pytest.fixture(scope="module")
def pool(env: Environment) -> HostPool:
    return HostPool(env)


def out(pool: HostPool, host: str, command: str) -> str:
    result = pool.get(host).run(command)
    assert result.rc == 0, f"{host}: {command}: {result.stderr}"
    return result.stdout


def test_each_app_host_reads_its_own_config_at_debians_path(
    env: Environment, pool: HostPool
) -> None:
    seen = {}
    for host in APPS:
        text = out(pool, host, "sudo -n -u tomcat cat /etc/trading/application.properties")
        assert f"localSocketAddress={env.inventory.hosts[host].address}" in text, text
        # the same file as the sandbox's own path to it (which stays valid)
        path = env.inventory.hosts[host].vars["app_config"]
        assert out(pool, host, f"sudo -n -u tomcat cat {path}") == text
        seen[host] = text
    assert seen["app1"] != seen["app2"]


def test_a_host_sees_its_own_processes_only(pool: HostPool) -> None:
    for host, other in (("app1", "app2"), ("app2", "app1")):
        listing = out(pool, host, "ps -eo pid,args")
        assert f"/{host}/tomcat" in listing, listing  # its own Tomcat (catalina.base)
        assert f"/{other}/tomcat" not in listing, f"{host} lists {other}'s Tomcat:\n{listing}"
        first = listing.splitlines()[1].split()
        assert first[0] == "1" and first[1] == "golive-host-init", listing


def test_hostname_and_machine_id_differ_per_host(env: Environment, pool: HostPool) -> None:
    ids = {}
    for host in env.inventory.hosts:
        assert out(pool, host, "hostname").strip() == host
        assert out(pool, host, "cat /etc/hostname").strip() == host
        ids[host] = out(pool, host, "cat /etc/machine-id").strip()
        assert re.fullmatch(r"[0-9a-f]{32}", ids[host]), ids[host]
    assert len(set(ids.values())) == len(ids), ids
    with open("/etc/machine-id") as machine:
        assert machine.read().strip() not in ids.values()  # the machine's own is not shown


def test_every_service_runs_in_its_hosts_namespaces_and_status_shows_them(
    sandbox: None,
) -> None:
    sbx = Sandbox.load()
    for svc in lifecycle.services(sbx):
        pid = read_pid(svc.pidfile(sbx))
        assert pid is not None and hostns.inside(sbx, svc.host, pid), svc.label
    status = golive("sandbox", "status").stdout
    rows = {
        line.split()[0].removesuffix("/namespaces"): line
        for line in status.splitlines()
        if line.split()[0].endswith("/namespaces")
    }
    assert set(rows) == set(sbx.env.inventory.hosts), status
    mounts = set()
    for host, line in rows.items():
        holder = hostns.holder(sbx, host)
        assert holder is not None and f"holder {holder} " in line, line
        # its clock beside them: libfaketime's offset, "+0 s" on a healthy host
        assert line.endswith(f" clock {clock.offset(sbx, host)} s"), line
        mnt = os.readlink(f"/proc/{holder}/ns/mnt")
        assert mnt in line and mnt != os.readlink("/proc/self/ns/mnt"), line
        mounts.add(mnt)
    assert len(mounts) == len(rows), status


# A threaded Python program in a login session: its wall clock, a timed wait on a condition
# variable (CLOCK_MONOTONIC, as the GIL's hand-over), and four threads sharing the GIL
_THREADED = """
import json, threading, time
ahead = time.time()
c = threading.Condition()
t = time.monotonic()
with c:
    c.wait(0.3)
waited = time.monotonic() - t
def work():
    sum(range(5_000_000))
t = time.process_time()
for _ in range(4):
    work()
serial = time.process_time() - t
t = time.process_time()
threads = [threading.Thread(target=work) for _ in range(4)]
for th in threads:
    th.start()
for th in threads:
    th.join()
threaded = time.process_time() - t
print(json.dumps({"time": ahead, "waited": waited, "serial": serial, "threaded": threaded}))
"""


def test_a_hosts_clock_moves_its_threaded_programs_and_keeps_their_waits(
    pool: HostPool,
) -> None:
    """app2 90 s ahead (the clock_skew fault's offset): a Python program there reads the
    host's time, and its timed waits keep their length (libfaketime's "monotonic fix" is off:
    golive/sandbox/clock.py), so its threads neither hang nor spin."""
    import json
    import shlex
    import time

    sbx = Sandbox.load()
    clock.set_offset(sbx, "app2", 90)
    try:
        time.sleep(clock.CACHE_S + 0.2)  # the host's programs read the file again
        said = json.loads(out(pool, "app2", f"python3 -c {shlex.quote(_THREADED)}"))
    finally:
        clock.set_offset(sbx, "app2", 0)
    assert 85 <= said["time"] - time.time() <= 95, said
    assert 0.25 <= said["waited"] < 5.0, said
    # the same work in four threads costs about the CPU it costs in one (with the fix on,
    # threads handing the GIL over spun: twice the CPU)
    assert said["threaded"] <= 1.5 * said["serial"] + 0.02, said
