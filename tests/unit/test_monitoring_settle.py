"""The monitoring checks wait for Prometheus to settle after a reload (issue 22): a target not
scraped or a rule not evaluated since the last configuration load is waited for, at most
``monitoring.settle_timeout_s``; longer is an error (inconclusive, naming what is pending),
never a failure; a Prometheus that does not answer is not waited for. A fake Prometheus API
on the loopback answers."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from conftest import Golive

STATE: dict[str, Any] = {}


class FakePrometheus(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        path = self.path.split("?", 1)[0]
        data = STATE.get(path)
        body = json.dumps({"status": "success", "data": data}).encode()
        self.send_response(200 if data is not None else 404)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def prometheus_url() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), FakePrometheus)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def _stamp(t: datetime) -> str:
    return t.strftime("%Y-%m-%dT%H:%M:%S.%f") + "123Z"


def _prometheus(loaded: datetime, scraped: datetime, evaluated: datetime) -> None:
    STATE.clear()
    STATE["/api/v1/status/runtimeinfo"] = {"lastConfigTime": _stamp(loaded)}
    STATE["/api/v1/targets"] = {
        "activeTargets": [
            {"labels": {"job": "trading", "instance": "a:8080"}, "health": "up",
             "lastScrape": _stamp(scraped), "scrapeInterval": "5s"}
        ]
    }  # fmt: skip
    STATE["/api/v1/rules"] = {
        "groups": [
            {"name": "g", "file": "r.yml", "interval": 5,
             "rules": [{"type": "alerting", "name": "Down", "health": "ok", "duration": 30,
                        "lastEvaluation": _stamp(evaluated), "labels": {"severity": "critical"}}]}
        ]
    }  # fmt: skip


CHECK = """
def test_targets(settled_prometheus):
    assert settled_prometheus.targets()
"""


def _monitoring(golive: Golive, url: str) -> None:
    expectations = golive.read("expectations.yml")
    expectations["monitoring"] = {
        "host": "db1", "prometheus_url": url, "timeout_s": 2, "settle_timeout_s": 0.5,
        "jobs": {"trading": {}}, "alert_rules": ["Down"],
        "alertmanager": {"url": "http://127.0.0.1:9", "receiver_url": "http://127.0.0.1:9/r",
                         "group_wait_s": 1,
                         "routes": [{"receiver": "pager", "labels": {"severity": "critical"}}]},
        "rule_tests": {"files": ["t.yml"]},
        "detection": {"budget_s": {"critical": 300}},
    }  # fmt: skip
    golive.write("expectations.yml", expectations)


def _run(golive: Golive) -> None:
    """In a subprocess: requests' cookie jar does not survive pytester's in-process module
    snapshot (the fake API answers from this process's thread all the same)."""
    checks = golive.pytester.makepyfile(test_checks=CHECK)
    golive.pytester.runpytest_subprocess(
        str(checks), "--env", "fake", f"--golive-reports={golive.reports}"
    )


def _check(golive: Golive) -> dict[str, Any]:
    checks = golive.verdict()["checks"]
    (check,) = (c for c in checks if c["id"] == "test_checks.py::test_targets")
    return dict(check)


def test_settled_prometheus_is_judged(golive: Golive, prometheus_url: str) -> None:
    now = datetime.now(UTC)
    _prometheus(now - timedelta(minutes=5), now, now)
    _monitoring(golive, prometheus_url)
    _run(golive)
    assert _check(golive)["outcome"] == "passed"


def test_not_settled_in_time_is_an_error_naming_what_is_pending(
    golive: Golive, prometheus_url: str
) -> None:
    now = datetime.now(UTC)
    _prometheus(now, now - timedelta(seconds=3), now - timedelta(seconds=3))
    _monitoring(golive, prometheus_url)
    _run(golive)
    check = _check(golive)
    assert check["outcome"] == "error", check
    assert check["message"] == (
        "db1: inconclusive: Prometheus has not settled 0.5 s after its last configuration "
        "load (settle_timeout_s); still waiting for a scrape of a:8080, an evaluation of "
        "rule Down"
    )


def test_prometheus_not_answering_is_not_waited_for(golive: Golive) -> None:
    _monitoring(golive, "http://127.0.0.1:9")  # nothing listens on the discard port
    _run(golive)
    check = _check(golive)
    assert check["outcome"] == "failed", check
    assert "did not answer" in check["message"]
