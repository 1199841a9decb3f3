"""Helpers for the gate's unit tests: a fake (non-sandbox) environment and inner pytest runs."""

from __future__ import annotations

import json
import sys
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

REPO = Path(__file__).resolve().parents[2]
SECRET = "Sup3r-Secret-Pw-42"
TOTP_SEED = "JBSWY3DPEHPK3PXPJBSWY3DP"
INVENTORY: dict[str, Any] = {
    "name": "fake",
    "release": {"version": "2.0.0", "previous": "1.9.0"},
    # loopback only: should a check ever probe this fake environment, nothing leaves the machine
    "public": {"url": "https://trading.fake.test", "resolver": "127.0.2.53"},
    "hosts": {
        "app1": {"address": "127.0.2.11", "roles": ["app"], "connection": "local://"},
        "app2": {"address": "127.0.2.12", "roles": ["app"], "connection": "local://"},
        "db1": {"address": "127.0.2.21", "roles": ["db"], "connection": "local://"},
    },
    "database": {
        "host": "db1",
        "dbname": "trading",
        "user": "qa",
        "password": "db_password",
        "app_role": "trading_app",
    },
    "policy": {"conditional_exit_code": 3, "required_signoffs": ["change_board"]},
}
EXPECTATIONS = {
    "roles": {"app": {}, "db": {}},
    "app": {"port": 8080},
    "smoke_order": {"symbol": "ACME", "limit_price": 1.0},
}
SIGNOFF = {
    "who": "Change Board",
    "when": "2024-01-10",
    "scope": "release 2.0.0",
    "expires": "2099-12-31",
}


class Golive:
    """A fake environment and a way to run golive-gated pytest sessions against it."""

    def __init__(self, pytester: pytest.Pytester) -> None:
        self.pytester = pytester
        self.env = pytester.path / "envs" / "fake"
        self.reports = pytester.path / "reports"
        self.env.mkdir(parents=True)
        secrets = pytester.path / "secrets.yml"
        secrets.write_text(yaml.safe_dump({"db_password": SECRET, "trader_totp": TOTP_SEED}))
        self.write("inventory.yml", {**INVENTORY, "secrets_file": str(secrets)})
        self.write("expectations.yml", EXPECTATIONS)
        self.write("signoffs.yml", {"change_board": SIGNOFF})
        ini = (REPO / "pytest.ini").read_text().replace("testpaths = suites\n", "")
        pytester.makefile(".ini", pytest=ini)

    def read(self, name: str) -> Any:
        return yaml.safe_load((self.env / name).read_text())

    def write(self, name: str, data: Any) -> None:
        (self.env / name).write_text(yaml.safe_dump(data, sort_keys=False))

    def run(self, source: str, *args: str) -> pytest.RunResult:
        # the file is named: with no path, the plugin would collect golive's own suites
        checks = self.pytester.makepyfile(test_checks=source)
        return self.pytester.runpytest(
            str(checks), "--env", "fake", f"--golive-reports={self.reports}", *args
        )

    def verdict(self) -> dict[str, Any]:
        data: dict[str, Any] = json.loads((self.reports / "verdict.json").read_text())
        return data


@pytest.fixture
def golive(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> Golive:
    g = Golive(pytester)
    monkeypatch.setenv("GOLIVE_ENVDIR", str(pytester.path / "envs"))
    # The inner runs are runs of their own, printed as on a developer's terminal wherever the
    # unit tests run: pytest stops cutting its summary lines to the terminal's width under CI
    # (CI, BUILD_NUMBER), an xdist worker's variable would make an inner run take itself for
    # a worker, and the caller's GOLIVE_REPORTS/GOLIVE_ENV would choose its reports and env.
    for name in ("CI", "BUILD_NUMBER", "PYTEST_XDIST_WORKER", "GOLIVE_REPORTS", "GOLIVE_ENV"):
        monkeypatch.delenv(name, raising=False)
    return g


@pytest.fixture
def switching() -> Iterator[None]:
    """Threads switch as often as the interpreter can: a race between them shows at once."""
    before = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)
    yield
    sys.setswitchinterval(before)


def errors_beside(work: Callable[[], object], walk: Callable[[], object]) -> list[str]:
    """``walk()`` again and again while a thread does ``work()``; the RuntimeErrors the walks
    raised (a dictionary changed under a walk)."""
    errors: list[str] = []
    thread = threading.Thread(target=work, daemon=True)
    thread.start()
    while thread.is_alive():
        try:
            walk()
        except RuntimeError as exc:
            errors.append(str(exc))
    thread.join()
    return errors
