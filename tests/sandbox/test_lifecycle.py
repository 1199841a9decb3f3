"""The sandbox comes up idempotently, serves the trading app, and leaves the host untouched."""

from __future__ import annotations

import os
import subprocess
import time

from conftest import golive
from golive.model.environment import load_environment
from golive.probe import http
from golive.sandbox import lifecycle
from golive.sandbox.context import Sandbox

# The machine's own namespace, held before any test enters the sandbox's.
MACHINE_NETNS = os.open("/proc/self/ns/net", os.O_RDONLY)


def host_listeners() -> list[str]:
    """Listening sockets of the machine's own network namespace."""
    out = subprocess.run(
        ["nsenter", f"--net=/proc/self/fd/{MACHINE_NETNS}", "ss", "-Htln"],
        capture_output=True,
        text=True,
        check=True,
        pass_fds=(MACHINE_NETNS,),
    ).stdout
    return [line.split()[3] for line in out.splitlines()]


def test_up_twice_is_idempotent_and_all_services_are_up() -> None:
    golive("sandbox", "up")
    before = {row.label: row for row in lifecycle.status(Sandbox.load())}
    second = golive("sandbox", "up")
    assert second.stdout.startswith("sandbox up (")
    status = golive("sandbox", "status")
    assert "DOWN" not in status.stdout, status.stdout
    assert {row.label for row in lifecycle.status(Sandbox.load())} == set(before)


def test_nothing_listens_in_the_machines_own_namespace() -> None:
    golive("sandbox", "up")
    ports = {str(row.endpoint.rsplit(":", 1)[1]) for row in lifecycle.status(Sandbox.load())} | {
        "80"
    }
    leaked = [
        a for a in host_listeners() if a.startswith("127.10.") or a.rsplit(":", 1)[1] in ports
    ]
    assert not leaked, f"sandbox listeners in the machine's namespace: {leaked}"


def test_public_health_through_sandbox_dns_and_ca_and_both_backends_serve() -> None:
    golive("sandbox", "up")
    sbx = Sandbox.load()
    lifecycle.enter(sbx)
    env = load_environment("sandbox")
    with http.session(env) as client:
        nodes: set[str] = set()
        deadline = time.monotonic() + 15  # nginx retries a node it marked failed after 5 s
        while nodes != {"app1", "app2"} and time.monotonic() < deadline:
            response = client.get(env.inventory.public.url + "/health", timeout=5)
            assert response.status_code == 200
            assert response.json()["db"] == "UP"
            nodes.add(response.json()["node"])
    assert nodes == {"app1", "app2"}


def test_down_leaves_nothing_running_then_up_again() -> None:
    sbx = Sandbox.load()
    golive("sandbox", "down")
    assert not lifecycle.network.exists(sbx)
    assert all(not row.running for row in lifecycle.status(sbx))
    started = time.monotonic()
    golive("sandbox", "up")
    assert time.monotonic() - started < 60
