"""The node HTTP probe: curl's output taken apart (headers, interim answers, body, status)
and the choice between TLS and plain HTTP, with a fake host that answers canned curl runs."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from typing import Any

import pytest

from golive.model.environment import Host
from golive.probe import failures, nodes, observe
from golive.probe.hosts import Target


@dataclass
class Result:
    rc: int
    stdout: str = ""
    stderr: str = ""


class FakeRemote:
    """Answers each command with the first canned result whose key the command contains."""

    def __init__(self, answers: dict[str, Result]) -> None:
        self.answers = answers
        self.commands: list[str] = []

    def run(self, command: str, *args: str) -> Result:
        line = command % args
        self.commands.append(line)
        return next(r for key, r in self.answers.items() if key in line)


def target(answers: dict[str, Result]) -> Target:
    spec = Host(address="127.0.2.11", roles=["app"], connection="local://")
    remote: Any = FakeRemote(answers)
    return Target("app1", spec, remote)


OK = 'HTTP/1.1 200 \r\nServer: Apache Tomcat/10.1.6\r\nX-A: 1\r\n\r\n{"status": "UP"}\n200'


def test_fetch_parses_headers_json_body_and_status() -> None:
    answer = nodes.fetch(
        target({"curl": Result(0, OK)}), "http://127.0.2.11:8080/health", timeout=2
    )
    assert answer.status == 200
    assert answer.body == {"status": "UP"}
    assert answer.header("server") == "Apache Tomcat/10.1.6"
    assert answer.headers == (("Server", "Apache Tomcat/10.1.6"), ("X-A", "1"))


def test_fetch_skips_interim_answers() -> None:
    out = "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 201 \r\nX-B: 2\r\n\r\ncreated\n201"
    answer = nodes.fetch(target({"curl": Result(0, out)}), "http://x/", method="POST", timeout=2)
    assert (answer.status, answer.body, answer.headers) == (201, "created", (("X-B", "2"),))


def test_fetch_reports_curl_failure() -> None:
    err = "curl: (28) Operation timed out after 1001 milliseconds with 0 bytes received"
    answer = nodes.fetch(target({"curl": Result(28, "", err)}), "http://x/", timeout=2)
    assert (answer.status, answer.rc) == (0, 28)
    assert answer.error == "x:80 did not answer within 2 s"  # one sentence, no curl text


def test_http_server_tries_tls_then_plain_http() -> None:
    t = target(
        {"https://": Result(35, "", "curl: (35) wrong version number"), "http://": Result(0, OK)}
    )
    answer = nodes.http_server(t, 8080, "/", 1.5)
    assert answer is not None and answer.url == "http://127.0.2.11:8080/"
    assert len(t.remote.commands) == 2


def test_http_server_none_for_silent_or_non_http_listeners() -> None:
    silent = target({"curl": Result(28, "", "curl: (28) timed out")})
    assert nodes.http_server(silent, 53, "/", 1.5) is None
    assert len(silent.remote.commands) == 1  # a silent listener is not asked twice
    ssh = target({"curl": Result(1, "", "curl: (1) Received HTTP/0.9 when not allowed")})
    assert nodes.http_server(ssh, 22, "/", 1.5) is None


def test_http_server_sends_the_public_name_to_the_node() -> None:
    t = target({"https://": Result(0, OK)})
    answer = nodes.http_server(t, 443, "/", 1.5, name="trading.example.test")
    assert answer is not None and answer.url == "https://trading.example.test:443/"
    assert "--resolve trading.example.test:443:127.0.2.11" in t.remote.commands[0]


def test_get_json_takes_the_callers_timeout() -> None:
    t = target({"curl": Result(0, OK)})
    nodes.get_json(t, 8080, "/health", timeout=2.5)
    assert " -m 2.5 " in t.remote.commands[0]


class SlowRemote(FakeRemote):
    """Records each command as a host's backend does, and keeps a silent port's request for
    ``silent_s`` (curl's timeout), counting the requests under way at once."""

    def __init__(self, answers: dict[str, Result], silent_s: float) -> None:
        super().__init__(answers)
        self.silent_s, self.at_once, self.most = silent_s, 0, 0
        self.lock = threading.Lock()

    def run(self, command: str, *args: str) -> Result:
        with self.lock:
            self.at_once += 1
            self.most = max(self.most, self.at_once)
        try:
            result = super().run(command, *args)
            observe.record("command", f"[app1] $ {command % args}\nexit {result.rc}")
            if result.rc == 28:
                time.sleep(self.silent_s)
            return result
        finally:
            with self.lock:
                self.at_once -= 1


def test_http_servers_asks_ports_at_once_and_keeps_what_each_saw_for_the_caller() -> None:
    remote = SlowRemote(
        {
            ":53/": Result(28, "", "curl: (28) Connection timed out after 1001 milliseconds"),
            ":22/": Result(1, "", "curl: (1) Received HTTP/0.9 when not allowed"),
            "https://": Result(35, "", "curl: (35) wrong version number"),
            "http://": Result(0, OK),
        },
        silent_s=0.3,
    )
    t = Target("app1", Host(address="127.0.2.11", roles=["app"], connection="local://"), remote)
    causes: list[failures.Cause] = []
    with observe.watching() as frame, failures.noting(causes):
        found = nodes.http_servers(t, [9100, 53, 22, 8080], ["/", "/health"], 1.0)
    assert [(port, [a.url for a in answers]) for port, answers in found] == [
        (22, []),
        (53, []),
        (8080, ["http://127.0.2.11:8080/", "http://127.0.2.11:8080/health"]),
        (9100, ["http://127.0.2.11:9100/", "http://127.0.2.11:9100/health"]),
    ]
    assert remote.most > 1, "the ports were asked one after the other"
    # each port's commands are the caller's evidence, port by port, in the ports' order
    assert frame.summary() == "9 commands"
    text = frame.text()
    assert [text.index(f"----- port {p}:") for p in (22, 53, 8080, 9100)] == sorted(
        text.index(f"----- port {p}:") for p in (22, 53, 8080, 9100)
    )
    # every failed request is a cause of the caller's, in the ports' order
    assert [c.endpoint.rsplit(":", 1)[1] for c in causes] == ["22", "22", "53", "8080", "9100"]


def test_http_servers_raises_a_ports_exception_in_the_caller() -> None:
    class Lost(FakeRemote):
        def run(self, command: str, *args: str) -> Result:
            if ":8080/" in command % args:
                raise TimeoutError("app1: `curl` timed out after 30 s")
            return super().run(command, *args)

    remote = Lost({"curl": Result(1, "", "curl: (1) Received HTTP/0.9 when not allowed")})
    t = Target("app1", Host(address="127.0.2.11", roles=["app"], connection="local://"), remote)
    with pytest.raises(TimeoutError, match="timed out after 30 s"):
        nodes.http_servers(t, [22, 8080], ["/"], 1.0)
    assert nodes.http_servers(t, [], ["/"], 1.0) == []
