"""Stop or start one sandbox service: ``python -m golive.sandbox.service_ctl stop|start HOST NAME``.

The check user runs it through sudo (see ``sudo_access``) so drills stop and restore a node
the way production does with ``sudo systemctl stop|start``.

Run on a sandbox host (inside its namespaces, golive/sandbox/hostns.py), it cannot see the
processes of the services it manages (they live in their hosts' PID namespaces, and a PID
namespace cannot be left for its parent): it hands the request to the sandbox's service
manager (``serve``: started by ``golive sandbox up`` in the controller's namespaces, on a
socket only root may use), as ``systemctl`` hands it to systemd.
"""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys

from golive.model.errors import GoliveError
from golive.sandbox import hostns, lifecycle
from golive.sandbox.context import Sandbox
from golive.sandbox.process import stop

TIMEOUT = 180.0  # seconds a forwarded request may take (a Tomcat start takes up to 60)


def _in_controller(sbx: Sandbox) -> bool:
    try:
        return hostns.controller_marker(sbx).read_text().strip() == os.readlink("/proc/self/ns/pid")
    except OSError:
        return True  # no record: a sandbox without host namespaces


def _act(action: str, host: str, name: str) -> int:
    try:
        sbx = Sandbox.load()
        if not _in_controller(sbx):
            return _forward(sbx, action, host, name)
        lifecycle.enter(sbx)
        svc = lifecycle.service(sbx, host, name)
        if action == "stop":
            stop(svc.pidfile(sbx))
        else:
            lifecycle.start(sbx, [svc])
    except (GoliveError, KeyError, OSError) as exc:
        print(f"service: {exc}", file=sys.stderr)
        return 1
    print(f"{host}/{name}: {action}ed" if action == "start" else f"{host}/{name}: stopped")
    return 0


def _forward(sbx: Sandbox, action: str, host: str, name: str) -> int:
    """Ask the service manager; print what it printed and return its exit status."""
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sock:
        sock.settimeout(TIMEOUT)
        sock.connect(str(hostns.manager_socket(sbx)))
        sock.sendall(f"{action} {host} {name}\n".encode())
        sock.shutdown(socket.SHUT_WR)
        answer = b""
        while chunk := sock.recv(65536):
            answer += chunk
    status, _, text = answer.decode(errors="replace").partition("\n")
    print(text, end="", file=sys.stdout if status == "0" else sys.stderr)
    return int(status) if status.isdigit() else 1


def serve(sbx: Sandbox) -> None:
    """Answer requests on :func:`socket_path`, one at a time, each in a child (so one that
    fails leaves the manager running)."""
    path = hostns.manager_socket(sbx)
    path.unlink(missing_ok=True)
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as server:
        server.bind(str(path))
        path.chmod(0o600)
        server.listen(8)
        while True:
            conn, _ = server.accept()
            with conn, contextlib.suppress(OSError, subprocess.TimeoutExpired):
                conn.settimeout(10)
                request = b""
                while b"\n" not in request and (chunk := conn.recv(1024)):
                    request += chunk
                words = request.decode(errors="replace").split()
                if len(words) != 3 or words[0] not in ("stop", "start"):
                    conn.sendall(b"2\nservice: bad request\n")
                    continue
                done = subprocess.run(
                    [sys.executable, "-m", "golive.sandbox.service_ctl", *words],
                    capture_output=True,
                    text=True,
                    timeout=TIMEOUT,
                    check=False,
                )
                conn.sendall(f"{done.returncode}\n{done.stdout}{done.stderr}".encode())


def main(argv: list[str]) -> int:
    if argv == ["serve"]:
        serve(Sandbox.load())
        return 0
    if len(argv) != 3 or argv[0] not in ("stop", "start"):
        print("usage: service stop|start HOST NAME", file=sys.stderr)
        return 2
    return _act(*argv)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
