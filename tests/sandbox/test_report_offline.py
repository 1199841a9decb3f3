"""The HTML report makes no outbound request when opened
(docs/architecture.md#fail-closed-and-evidence-rules).

Headless Chromium opens the report folder (served by a local http.server, as Allure's
JavaScript needs) and the single-file report (file://), with its network log on. Every
request the page makes must be local. The browser's own background requests (update checks,
account probes: no initiator, no page) are not the report's; a dead proxy stops them anyway.
Both run in the machine's own network namespace: this process may have entered the
sandbox's, whose firewall drops 127.0.0.1.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

from conftest import golive

CHROMIUM = Path("/usr/bin/chromium")
# The machine's own namespace, held before any test enters the sandbox's.
MACHINE_NETNS = os.open("/proc/self/ns/net", os.O_RDONLY)
FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--proxy-server=127.0.0.1:9",  # nothing listens: a non-local request cannot leave
    "--virtual-time-budget=10000",  # let the report's scripts load and render its data
    "--dump-dom",
)


@dataclass(frozen=True)
class Request:
    """One URL request from Chromium's network log."""

    url: str
    initiator: str
    kind: str

    @property
    def from_page(self) -> bool:
        """Made by the page: the browser's own requests have no initiating origin."""
        return not (self.initiator == "not an origin" and self.kind == "other")

    @property
    def local(self) -> bool:
        return urlsplit(self.url).scheme == "file" or urlsplit(self.url).hostname == "127.0.0.1"


def requests(netlog: Path) -> list[Request]:
    """The URL requests recorded in a ``--log-net-log`` file."""
    log: dict[str, Any] = json.loads(netlog.read_text())
    start = log["constants"]["logEventTypes"]["URL_REQUEST_START_JOB"]
    return [
        Request(p["url"], p.get("initiator", ""), p.get("request_type", ""))
        for e in log["events"]
        if e["type"] == start and "url" in (p := e.get("params", {}))
    ]


def on_machine(cmd: list[str], **kw: Any) -> subprocess.Popen[str]:
    """Start ``cmd`` in the machine's network namespace."""
    nsenter = ["nsenter", f"--net=/proc/self/fd/{MACHINE_NETNS}"]
    return subprocess.Popen([*nsenter, *cmd], pass_fds=(MACHINE_NETNS,), text=True, **kw)


def open_in_chromium(url: str, tmp: Path) -> tuple[str, list[Request]]:
    """The rendered DOM of ``url`` and the requests made while loading it."""
    assert CHROMIUM.exists(), "install chromium (scripts/apt-packages.txt)"
    tmp.mkdir()
    netlog = tmp / "netlog.json"
    args = [f"--user-data-dir={tmp / 'profile'}", f"--log-net-log={netlog}", url]
    with on_machine([str(CHROMIUM), *FLAGS, *args], stdout=subprocess.PIPE,
                    stderr=subprocess.DEVNULL) as proc:  # fmt: skip
        dom, _ = proc.communicate(timeout=60)
    assert proc.returncode == 0, f"chromium exited {proc.returncode}"
    return dom, requests(netlog)


@pytest.fixture
def report(certify, tmp_path: Path) -> Path:
    """A smoke run's reports directory with its HTML report generated."""
    run = certify("smoke")
    assert run.verdict, run.output
    golive("report", "--reports", str(tmp_path / "reports"))
    return tmp_path / "reports"


@contextmanager
def served(folder: Path) -> Iterator[str]:
    """``folder``'s index.html over http://127.0.0.1 (an ephemeral port)."""
    cmd = [sys.executable, "-u", "-m", "http.server", "0", "-b", "127.0.0.1", "-d", str(folder)]
    with on_machine(cmd, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL) as server:
        try:
            assert server.stdout is not None
            port = re.search(r" port (\d+)", server.stdout.readline())
            assert port, "http.server did not start"
            yield f"http://127.0.0.1:{port[1]}/index.html"
        finally:
            server.terminate()


def test_report_makes_only_local_requests(report: Path, tmp_path: Path) -> None:
    with served(report / "html") as url:
        dom, seen = open_in_chromium(url, tmp_path / "folder")
    page = [r for r in seen if r.from_page]
    assert any("/widgets/summary.json" in r.url for r in page), "the report loaded no data"
    assert "test cases" in dom and "suites.smoke" in dom, "the overview did not render"
    assert not [r.url for r in page if not r.local]

    dom, seen = open_in_chromium((report / "report.html").as_uri(), tmp_path / "single")
    assert "test cases" in dom and "suites.smoke" in dom, "the single file did not render"
    assert not [r.url for r in seen if r.from_page and not r.local]
