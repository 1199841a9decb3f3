"""The node HTTP probe: curl's output taken apart (headers, interim answers, body, status)
and the choice between TLS and plain HTTP, with a fake host that answers canned curl runs."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from golive.model.environment import Host
from golive.probe import nodes
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
