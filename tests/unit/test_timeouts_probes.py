"""Every probe of golive's has a timeout from the environment (issue 9): the database
connection, DNS lookups, the port scan, the sshd probe. Loopback sockets only."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from conftest import EXPECTATIONS, INVENTORY
from golive.model.environment import Environment, Inventory
from golive.model.expectations import SCHEMA
from golive.probe import db as database
from golive.probe import http
from golive.probe.nmap import arguments
from golive.probe.sshauth import offered_methods
from pytest_golive.fixtures.http import Api


def environment(tmp_path: Path, **database_changes: object) -> Environment:
    data = {**INVENTORY, "database": {**INVENTORY["database"], **database_changes}}
    return Environment(
        tmp_path, Inventory.model_validate(data), SCHEMA.model_validate(EXPECTATIONS),
        {"db_password": "pw"},
    )  # fmt: skip


def test_database_connections_carry_both_timeouts(tmp_path: Path) -> None:
    info = database.conninfo(environment(tmp_path, connect_timeout=3, statement_timeout=7.5))
    assert info["connect_timeout"] == 3
    assert info["options"] == "-c statement_timeout=7500"


def test_database_defaults_are_bounded(tmp_path: Path) -> None:
    info = database.conninfo(environment(tmp_path))
    assert info["connect_timeout"] == 5
    assert info["options"] == "-c statement_timeout=30000"


@pytest.fixture
def silent_server() -> Iterator[tuple[str, int]]:
    """A TCP server that accepts and never says a word (a hung daemon, as the kernel shows it)."""
    server = socket.socket()
    server.bind(("127.0.2.21", 0))  # db1's address in the unit tests' fake inventory
    server.listen(4)
    held: list[socket.socket] = []
    stop = threading.Event()

    def accept() -> None:
        server.settimeout(0.1)
        while not stop.is_set():
            try:
                held.append(server.accept()[0])
            except TimeoutError:
                continue

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    try:
        yield server.getsockname()
    finally:
        stop.set()
        thread.join()
        for conn in held:
            conn.close()
        server.close()


def test_a_silent_database_is_named_within_its_connect_timeout(
    tmp_path: Path, silent_server: tuple[str, int]
) -> None:
    address, port = silent_server
    env = environment(tmp_path, port=port, connect_timeout=2, sslmode="disable")
    started = time.monotonic()
    problem = database.answers(env)
    assert time.monotonic() - started < 2 + 6  # it ends: 2 s asked; a loaded CI needs room
    assert problem is not None
    assert problem.startswith(
        f"db1: PostgreSQL at {address}:{port}/trading did not answer within 2 s"
    ), problem


def test_a_silent_sshd_is_one_line_within_the_timeout(silent_server: tuple[str, int]) -> None:
    address, port = silent_server
    started = time.monotonic()
    with pytest.raises(ConnectionError) as caught:
        offered_methods(address, port, "golive", None, 0.5)
    assert time.monotonic() - started < 8  # 0.5 s asked; a loaded CI needs room
    assert str(caught.value).startswith(f"{address}:{port}: no SSH handshake within 0.5 s ("), (
        caught.value
    )
    # paramiko's own thread has ended too: it formats a traceback as it ends, which crashed a
    # pytest formatting the check's failure at that moment (CPython 3.11, python/cpython#106905)
    assert not [t.name for t in threading.enumerate() if "paramiko" in repr(type(t))]


def test_dns_lookups_wait_the_public_timeout(tmp_path: Path) -> None:
    data = {**INVENTORY, "public": {**INVENTORY["public"], "timeout": 2.5}}
    env = Environment(tmp_path, Inventory.model_validate(data), SCHEMA.model_validate(EXPECTATIONS))
    with http.session(env) as client:
        adapter = client.get_adapter("https://trading.fake.test")
        assert adapter._resolver._resolver.lifetime == 2.5  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    ("options", "expected"),
    [
        ("-sS -T4", "-n -Pn -S 127.0.2.200 -sS -T4 --host-timeout 300s"),
        ("-sS --host-timeout 20s", "-n -Pn -S 127.0.2.200 -sS --host-timeout 20s"),
    ],
)
def test_every_port_scan_has_a_host_timeout(options: str, expected: str) -> None:
    assert arguments(options, "127.0.2.200", 300.0) == expected


class _Recorder:
    """A requests session stand-in that keeps each request's timeout."""

    def __init__(self) -> None:
        self.timeouts: list[object] = []

    def request(self, method: str, url: str, **kw: object) -> str:
        self.timeouts.append(kw["timeout"])
        return "answer"


def test_smokes_probes_wait_their_budget_and_the_rest_the_public_timeout(tmp_path: Path) -> None:
    env = environment(tmp_path)
    client = _Recorder()
    api = Api(env, client)  # type: ignore[arg-type]
    api.within(2.0).request("GET", "/health")
    api.request("GET", "/version")
    assert client.timeouts == [2.0, env.inventory.public.timeout]
    assert api.timeout == env.inventory.public.timeout  # the budget is the copy's alone
